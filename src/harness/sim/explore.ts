/**
 * The explorer: many short schedules of the small scenarios under the simulator, each from a seed
 * derived from the master seed and its index, until one fails or the budget ends. A failure is
 * re-run with its decisions recorded, shrunk, and re-run once more with a trace; the result holds
 * the replay tokens (original and shrunk) and the trace around the violation.
 */
import type { Violation } from '../types.js';
import { runSchedule, DEFAULT_SHAPE } from './schedule.js';
import type { ScheduleOutcome, ScheduleSpec } from './schedule.js';
import type { ScenarioName } from './scenarios.js';
import type { StrategyName } from './strategies.js';
import type { TraceRow } from './trace.js';
import { describeFailure, finishResult, replayCommand } from './failure.js';
import { ExhaustiveExploration } from './exhaustive.js';
import type { Bounds } from './bounded-dfs.js';
import type { ExhaustiveSummary } from './exhaustive.js';

export { describeFailure, replayCommand };

export type StrategyChoice = StrategyName | 'mixed';

export interface ExploreConfig {
  scenarios: ScenarioName[];
  bugs: string[];
  seed: number;
  schedules: number;
  /** random, pct, or mixed (alternating). */
  strategy: StrategyChoice;
  depth: number;
  readers: number;
  writerOps: number;
  readerOps: number;
  stepBound: number;
  /** Stop after this long even if schedules remain (0: no limit). */
  timeLimitMs: number;
  shrink: boolean;
  /** Trace rows shown before the violation. */
  traceLines: number;
  /** The exhaustive strategy's bounds (bounded-dfs.ts); unused by the seeded strategies. */
  bounds?: Bounds;
  /** false: no write policy, the reader-side oracles alone judge (--no-write-policy). */
  writePolicy?: boolean;
}

export interface ExploreFailure {
  /** Index of the failing schedule. */
  schedule: number;
  violation: Violation;
  /** Replays the failing schedule as found. */
  token: string;
  original: { readers: number; writerOps: number; readerOps: number; steps: number; decisions: number };
  /** The shrunk case (the same as the original when shrinking is off or found nothing smaller). */
  shrunk: {
    token: string;
    violation: Violation;
    readers: number;
    writerOps: number;
    readerOps: number;
    steps: number;
    /** Non-default decisions left (switches, drains, stale values). */
    decisions: number;
    runs: number;
  };
  spec: ScheduleSpec;
  trace: TraceRow[];
}

export interface ExploreResult {
  schema: 1;
  kind: 'explore';
  runId: string;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  config: ExploreConfig;
  elapsedMs: number;
  /** 'exhausted': the exhaustive strategy ran every execution within its bounds. */
  stoppedBy: 'schedules' | 'violation' | 'time' | 'signal' | 'exhausted';
  schedulesRun: number;
  schedulesPerSecond: number;
  /** Seconds from the start to the first failing schedule (before shrinking), when one failed. */
  secondsToDetect?: number;
  totals: ExploreTotals;
  failure?: ExploreFailure;
  /** The command that replays the (shrunk) failure. */
  replay?: string;
  /** The exhaustive strategy: what was enumerated, whether it was exhausted, and what that proves. */
  exhaustive?: ExhaustiveSummary;
}

export interface ExploreProgress {
  schedules: number;
  ms: number;
  steps: number;
  /** The exhaustive strategy: the scenario being enumerated. */
  scenario?: string;
}

export interface ExploreHooks {
  onProgress?: (p: ExploreProgress) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
}

export const DEFAULT_EXPLORE: Omit<ExploreConfig, 'scenarios' | 'bugs' | 'seed'> = {
  schedules: 100_000,
  strategy: 'mixed',
  depth: DEFAULT_SHAPE.depth,
  readers: DEFAULT_SHAPE.readers,
  writerOps: DEFAULT_SHAPE.writerOps,
  readerOps: DEFAULT_SHAPE.readerOps,
  stepBound: DEFAULT_SHAPE.stepBound,
  timeLimitMs: 0,
  shrink: true,
  traceLines: 40,
};

/** The seed of schedule i: a splitmix of the master seed and the index, so schedules never repeat. */
export function scheduleSeed(master: number, index: number): number {
  let z = (master + Math.imul(index + 1, 0x9e3779b9)) >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

/** The spec of schedule i of an exploration. */
export function scheduleSpec(config: ExploreConfig, index: number, pctSteps: number): ScheduleSpec {
  // mixed: each round over the scenarios alternates the strategy, so every scenario gets both.
  const round = Math.floor(index / config.scenarios.length);
  const strategy: StrategyName = config.strategy === 'mixed' ? (round % 2 === 0 ? 'random' : 'pct') : config.strategy;
  return {
    scenario: config.scenarios[index % config.scenarios.length],
    bugs: config.bugs,
    seed: scheduleSeed(config.seed, index),
    strategy,
    depth: config.depth,
    readers: config.readers,
    writerOps: config.writerOps,
    readerOps: config.readerOps,
    stepBound: config.stepBound,
    pctSteps,
    ...(config.writePolicy === false ? { writePolicy: false } : {}),
  };
}

/** Runs an exploration: synchronously, or in slices that let the event loop run (signals, timers). */

/** What a batch of schedules adds up to. */
export type ExploreTotals = { steps: number; switches: number; drains: number; readerOps: number; writerOps: number; rewalks: number; discardedTaint: number; fairRuns: number };

/** Adds one schedule's outcome to the totals. */
export function addToTotals(
  totals: ExploreTotals,
  outcome: { steps: number; switches: number; drains: number; readerOps: number; writerOps: number; rewalks: number; discardedTaint: number; fair?: boolean },
): void {
  totals.steps += outcome.steps;
  totals.switches += outcome.switches;
  totals.drains += outcome.drains;
  totals.readerOps += outcome.readerOps;
  totals.writerOps += outcome.writerOps;
  totals.rewalks += outcome.rewalks;
  totals.discardedTaint += outcome.discardedTaint;
  if (outcome.fair === true) totals.fairRuns++;
}

class Exploration implements Slices {
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private readonly totals = { steps: 0, switches: 0, drains: 0, readerOps: 0, writerOps: 0, rewalks: 0, discardedTaint: 0, fairRuns: 0 };
  // PCT's change points fall within the expected run length: the last run's, per scenario.
  private readonly expectedSteps = new Map<ScenarioName, number>();
  private stoppedBy: ExploreResult['stoppedBy'] | null = null;
  private failing: { index: number; spec: ScheduleSpec; outcome: ScheduleOutcome; atMs: number } | null = null;
  private lastProgress = 0;
  private next = 0;

  constructor(private readonly config: ExploreConfig, private readonly hooks: ExploreHooks) {}

  /** Run schedules until the exploration ends or `sliceMs` passes; true once it has ended. */
  runSlice(sliceMs: number): boolean {
    const { config, hooks, totals } = this;
    const sliceEnd = performance.now() + sliceMs;
    const every = hooks.progressEveryMs ?? 500;
    for (; this.next < config.schedules; ) {
      const i = this.next;
      if ((i & 15) === 0) {
        const now = performance.now();
        const ms = now - this.t0;
        if (hooks.signal?.aborted) {
          this.stoppedBy = 'signal';
          return true;
        }
        if (config.timeLimitMs > 0 && ms >= config.timeLimitMs) {
          this.stoppedBy = 'time';
          return true;
        }
        if (hooks.onProgress && ms - this.lastProgress >= every) {
          this.lastProgress = ms;
          hooks.onProgress({ schedules: i, ms, steps: totals.steps });
        }
        if (i > 0 && now >= sliceEnd) return false;
      }
      const scenario = config.scenarios[i % config.scenarios.length];
      const spec = scheduleSpec(config, i, this.expectedSteps.get(scenario) ?? DEFAULT_SHAPE.pctSteps);
      const outcome = runSchedule(spec);
      this.next = i + 1;
      this.expectedSteps.set(scenario, Math.max(100, outcome.steps));
      addToTotals(totals, outcome);
      if (outcome.violations.length > 0) {
        this.failing = { index: i, spec, outcome, atMs: performance.now() - this.t0 };
        this.stoppedBy = 'violation';
        return true;
      }
    }
    this.stoppedBy = 'schedules';
    return true;
  }

  result(): ExploreResult {
    const { config, failing } = this;
    const exploreMs = failing?.atMs ?? performance.now() - this.t0;
    const result: ExploreResult = {
      schema: 1,
      kind: 'explore',
      runId: `explore-${this.startedAt.toISOString().replace(/[:.]/g, '-')}-${config.seed}`,
      tool: { name: 'maple-torture', version: '0.1.0', node: process.version },
      startedAt: this.startedAt.toISOString(),
      config,
      elapsedMs: 0,
      stoppedBy: this.stoppedBy ?? 'schedules',
      schedulesRun: this.next,
      schedulesPerSecond: this.next / Math.max(exploreMs / 1000, 1e-6),
      totals: this.totals,
    };
    return finishResult(result, config, failing, this.t0);
  }
}

/** One exploration, run in slices: seeded schedules, or the bounded-exhaustive enumeration. */
interface Slices {
  runSlice(sliceMs: number): boolean;
  result(): ExploreResult;
}

function exploration(config: ExploreConfig, hooks: ExploreHooks): Slices {
  return config.strategy === 'exhaustive' ? new ExhaustiveExploration(config, hooks) : new Exploration(config, hooks);
}

/** Explore synchronously (tests, benchmarks). */
export function explore(config: ExploreConfig, hooks: ExploreHooks = {}): ExploreResult {
  const run = exploration(config, hooks);
  while (!run.runSlice(Infinity)) {
    // one slice runs to the end
  }
  return run.result();
}

/** Explore in slices of about 100 ms, letting the event loop run between them (a CLI's SIGINT). */
export async function exploreAsync(config: ExploreConfig, hooks: ExploreHooks = {}): Promise<ExploreResult> {
  const run = exploration(config, hooks);
  while (!run.runSlice(100)) await new Promise<void>((resolve) => setImmediate(resolve));
  return run.result();
}
