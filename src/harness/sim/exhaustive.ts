/**
 * `npm run explore -- --strategy exhaustive --bound K`: every execution of each scenario with at
 * most K preemptions and K reorderings, enumerated depth-first by replay (bounded-dfs.ts) under the
 * exhaustive strategy (exhaustive-strategy.ts), judged by the same oracles as every schedule. It
 * stops at the first violation (recorded, shrunk and traced as the seeded explorer does), at the
 * --schedules cap, or once every scenario's bounded space is exhausted; only the last is a proof.
 */
import { BoundedDfs } from './bounded-dfs.js';
import type { Bounds } from './bounded-dfs.js';
import { DEFAULT_SHAPE, runSchedule } from './schedule.js';
import type { ScheduleOutcome, ScheduleSpec } from './schedule.js';
import { scenarioShape } from './scenarios.js';
import type { ScenarioName } from './scenarios.js';
import { finishResult } from './failure.js';
import type { ExploreConfig, ExploreHooks, ExploreResult } from './explore.js';
import { addToTotals } from './explore.js';

export const DEFAULT_BOUNDS: Bounds = { preemptions: 1, reorderings: 1 };

export interface ExhaustiveScenarioCount {
  scenario: ScenarioName;
  /** Distinct decision sequences run (each a different execution of the scenario). */
  executions: number;
  /** Every execution within the bounds ran. */
  exhausted: boolean;
  /** The longest execution, in decisions. */
  maxDecisions: number;
}

export interface ExhaustiveSummary {
  bounds: Bounds;
  scenarios: ExhaustiveScenarioCount[];
  executions: number;
  /** Every scenario's bounded space was run to the end without a violation. */
  exhausted: boolean;
  /**
   * Executions that reached the step bound (a reader spinning on a store held behind the thread
   * it interrupted): from there every store drained at once and none was held, their other
   * decisions still enumerated. The claim counts them.
   */
  fairRuns: number;
  /** What the run proves, in one sentence (or why it proves nothing). */
  claim: string;
}

/** The schedule spec of one execution: the scenario under the exhaustive strategy, with a decision script. */
export function exhaustiveSpec(config: ExploreConfig, scenario: ScenarioName, script: number[]): ScheduleSpec {
  return {
    scenario,
    bugs: config.bugs,
    seed: config.seed,
    strategy: 'exhaustive',
    depth: config.depth,
    readers: config.readers,
    writerOps: config.writerOps,
    readerOps: config.readerOps,
    stepBound: config.stepBound,
    pctSteps: DEFAULT_SHAPE.pctSteps,
    script,
    ...(config.writePolicy === false ? { writePolicy: false } : {}),
  };
}

/** The scenario as a clean run speaks of it: sizes, bugs, and where its operations come from. */
export function scenarioPhrase(config: ExploreConfig, scenario: ScenarioName): string {
  const plural = (n: number, what: string): string => `${n} ${what}${n === 1 ? '' : 's'}`;
  const fixed = scenarioShape(scenario).readerPlan !== undefined;
  const bugs = (config.bugs.length > 0 ? `bug ${config.bugs.join(',')}` : 'the correct build') + (config.writePolicy === false ? ', reader-side oracles only' : '');
  return `${scenario} (${plural(config.readers, 'reader')} x ${plural(config.readerOps, 'op')}, ${plural(config.writerOps, 'writer op')}, ${bugs}${fixed ? '' : `, operations from seed ${config.seed}`})`;
}

export function boundsPhrase(b: Bounds): string {
  return `at most ${b.preemptions} preemption${b.preemptions === 1 ? '' : 's'} and at most ${b.reorderings} reordering${b.reorderings === 1 ? '' : 's'}`;
}

export class ExhaustiveExploration {
  private readonly startedAt = new Date();
  private readonly t0 = performance.now();
  private readonly bounds: Bounds;
  private readonly totals = { steps: 0, switches: 0, drains: 0, readerOps: 0, writerOps: 0, rewalks: 0, discardedTaint: 0, fairRuns: 0 };
  private readonly counts: ExhaustiveScenarioCount[] = [];
  private scenarioAt = 0;
  private dfs: BoundedDfs;
  private executions = 0;
  private stoppedBy: ExploreResult['stoppedBy'] | null = null;
  private failing: { index: number; spec: ScheduleSpec; outcome: ScheduleOutcome; atMs: number } | null = null;
  private lastProgress = 0;

  constructor(private readonly config: ExploreConfig, private readonly hooks: ExploreHooks) {
    this.bounds = config.bounds ?? DEFAULT_BOUNDS;
    this.dfs = new BoundedDfs(this.bounds);
    this.startScenario();
  }

  /** Run executions until the exploration ends or `sliceMs` passes; true once it has ended. */
  runSlice(sliceMs: number): boolean {
    const { config, hooks, totals } = this;
    const sliceEnd = performance.now() + sliceMs;
    const every = hooks.progressEveryMs ?? 500;
    for (let k = 0; ; k++) {
      if ((k & 15) === 0) {
        const now = performance.now();
        const ms = now - this.t0;
        if (hooks.signal?.aborted) return this.stop('signal');
        if (config.timeLimitMs > 0 && ms >= config.timeLimitMs) return this.stop('time');
        if (hooks.onProgress && ms - this.lastProgress >= every) {
          this.lastProgress = ms;
          hooks.onProgress({ schedules: this.executions, ms, steps: totals.steps, scenario: this.current.scenario });
        }
        if (k > 0 && now >= sliceEnd) return false;
      }
      // Exhaustion first: a space that ends exactly at the cap is still exhausted.
      if (this.dfs.exhausted) {
        this.current.exhausted = true;
        if (++this.scenarioAt >= config.scenarios.length) return this.stop('exhausted');
        this.dfs = new BoundedDfs(this.bounds);
        this.startScenario();
        continue;
      }
      if (this.executions >= config.schedules) return this.stop('schedules');
      const script = this.dfs.next() as number[];
      const spec = exhaustiveSpec(config, this.current.scenario, script);
      const outcome = runSchedule(spec, { shape: true });
      this.dfs.record({ values: outcome.script ?? [], arities: outcome.arities ?? [], purposes: outcome.purposes ?? [] });
      this.current.executions++;
      this.current.maxDecisions = this.dfs.maxDecisions;
      const index = this.executions++;
      addToTotals(totals, outcome);
      if (outcome.violations.length > 0) {
        // The script that ran it whole (decisions after the prefix were 0s).
        this.failing = { index, spec: { ...spec, script: outcome.script ?? script }, outcome, atMs: performance.now() - this.t0 };
        return this.stop('violation');
      }
    }
  }

  result(): ExploreResult {
    const { config, failing } = this;
    const exploreMs = failing?.atMs ?? performance.now() - this.t0;
    const stoppedBy = this.stoppedBy ?? 'schedules';
    const result: ExploreResult = {
      schema: 1,
      kind: 'explore',
      runId: `explore-${this.startedAt.toISOString().replace(/[:.]/g, '-')}-exhaustive-${config.seed}`,
      tool: { name: 'maple-torture', version: '0.1.0', node: process.version },
      startedAt: this.startedAt.toISOString(),
      config: { ...config, bounds: this.bounds },
      elapsedMs: 0,
      stoppedBy,
      schedulesRun: this.executions,
      schedulesPerSecond: this.executions / Math.max(exploreMs / 1000, 1e-6),
      totals: this.totals,
      exhaustive: {
        bounds: this.bounds,
        scenarios: this.counts,
        executions: this.executions,
        exhausted: stoppedBy === 'exhausted',
        fairRuns: this.totals.fairRuns,
        claim: this.claim(stoppedBy),
      },
    };
    return finishResult(result, config, failing, this.t0);
  }

  private get current(): ExhaustiveScenarioCount {
    return this.counts[this.counts.length - 1];
  }

  private startScenario(): void {
    this.counts.push({ scenario: this.config.scenarios[this.scenarioAt], executions: 0, exhausted: false, maxDecisions: 0 });
  }

  private stop(why: ExploreResult['stoppedBy']): true {
    this.stoppedBy = why;
    return true;
  }

  private claim(stoppedBy: ExploreResult['stoppedBy']): string {
    const bounds = boundsPhrase(this.bounds);
    if (stoppedBy === 'exhausted') {
      const each = this.counts.map((c) => `${scenarioPhrase(this.config, c.scenario)}: ${c.executions} executions`).join('; ');
      const fair = this.totals.fairRuns;
      const cut = fair > 0 ? ` (${fair} of them reached the step bound of ${this.config.stepBound} accesses, after which every store drained at once and none was held)` : '';
      return `every execution with ${bounds} (held stores, out-of-order drains, stale loads) is free of violations under the oracles, for ${each}${cut}`;
    }
    if (stoppedBy === 'violation') {
      return `a violation within ${bounds}, at execution ${this.executions} of ${scenarioPhrase(this.config, this.current.scenario)}`;
    }
    const why = stoppedBy === 'schedules' ? `the --schedules cap (${this.config.schedules})` : stoppedBy === 'time' ? 'the time limit' : 'a signal';
    return `NOT exhausted: stopped by ${why} after ${this.executions} executions of ${scenarioPhrase(this.config, this.current.scenario)} within ${bounds}; nothing is claimed for the executions not run`;
  }
}
