/** A failing schedule, as the explorers report it: recorded, shrunk, traced, with its replay tokens. */
import { runSchedule } from './schedule.js';
import type { ScheduleOutcome, ScheduleSpec } from './schedule.js';
import type { ExploreConfig, ExploreFailure, ExploreResult } from './explore.js';
import { encodeToken } from './token.js';
import { shrink } from './shrink.js';
import { traceWindow } from './trace.js';

export function replayCommand(token: string): string {
  return `npm run explore -- --replay ${token}`;
}

/**
 * The end of an exploration's result: the failure (recorded, shrunk, traced, with its replay
 * command) when a schedule failed, and the elapsed time.
 */
export function finishResult(
  result: ExploreResult,
  config: Pick<ExploreConfig, 'shrink' | 'traceLines'>,
  failing: { index: number; spec: ScheduleSpec; outcome: ScheduleOutcome; atMs: number } | null,
  t0: number,
): ExploreResult {
  if (failing !== null) {
    result.secondsToDetect = failing.atMs / 1000;
    result.failure = describeFailure(config, failing.index, failing.spec, failing.outcome);
    result.replay = replayCommand(result.failure.shrunk.token);
  }
  result.elapsedMs = performance.now() - t0;
  return result;
}

/** Record, shrink and trace a failing schedule. */
export function describeFailure(config: Pick<ExploreConfig, 'shrink' | 'traceLines'>, index: number, spec: ScheduleSpec, outcome: ScheduleOutcome): ExploreFailure {
  const violation = outcome.violations[0];
  let shrunkSpec: ScheduleSpec = spec;
  let runs = 0;
  if (config.shrink) {
    const shrunk = shrink(spec, violation.kind, { runs: 3000, ms: 30_000 });
    shrunkSpec = shrunk.spec;
    runs = shrunk.runs;
  }
  let traced = runSchedule(shrunkSpec, { trace: true });
  if (traced.violations.length === 0) {
    // Cannot happen (runs are deterministic); if it did, report the case as found, which fails.
    shrunkSpec = spec;
    traced = runSchedule(spec, { trace: true });
    if (traced.violations.length === 0) throw new Error('explore: a failing schedule passed when re-run (the simulator is not deterministic)');
  }
  const tracedViolation = traced.violations[0];
  const nonDefault = shrunkSpec.script?.reduce((n, d) => n + (d !== 0 ? 1 : 0), 0) ?? traced.decisions;
  return {
    schedule: index,
    violation,
    token: encodeToken(spec),
    original: { readers: spec.readers, writerOps: spec.writerOps, readerOps: spec.readerOps, steps: outcome.steps, decisions: outcome.decisions },
    shrunk: {
      token: encodeToken(shrunkSpec),
      violation: tracedViolation,
      readers: shrunkSpec.readers,
      writerOps: shrunkSpec.writerOps,
      readerOps: shrunkSpec.readerOps,
      steps: traced.steps,
      decisions: nonDefault,
      runs,
    },
    spec: shrunkSpec,
    trace: traceWindow(traced.trace ?? [], traced.violationAt, config.traceLines, traced.rcu),
  };
}
