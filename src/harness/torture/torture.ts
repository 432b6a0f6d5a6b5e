/**
 * Runs the torture cells one after another: a threads cell is one stress run (runStress) on the
 * correct build (or with its catalog bug), a simulator cell one exploration (exploreAsync) of one
 * scenario (or every scenario, for a catalog bug) for the cell's budget, and a kernel simulator
 * cell one exploration of the kernel's own code (exploreKernel) on its scenario(s). Builds the
 * TortureResult, including the catalog score with --catalog.
 */
import { parseCli, rerunCommand } from '../cli-args.js';
import { runStress } from '../run.js';
import type { StatusSample } from '../status.js';
import type { RunResult } from '../types.js';
import { DEFAULT_EXPLORE, exploreAsync, replayCommand } from '../sim/explore.js';
import type { ExploreConfig, ExploreProgress, ExploreResult } from '../sim/explore.js';
import { exploreCommand } from '../sim/explore-args.js';
import { SCENARIOS } from '../sim/scenarios.js';
import type { ScenarioName } from '../sim/scenarios.js';
import { DEFAULT_KERNEL_EXPLORE, exploreKernel, kernelReplayCommand } from '../sim/kernel/kernel-explore.js';
import type { KernelExploreConfig, KernelExploreResult } from '../sim/kernel/kernel-explore.js';
import { kernelExploreCommand } from '../sim/kernel/kernel-explore-cli.js';
import type { KernelScenarioName } from '../sim/kernel/kernel-scenarios.js';
import { KernelSimBuilds } from './kernel-sim-builds.js';
import type { PlannedCell, TortureTrees } from './matrix.js';
import type { CatalogScore, TortureCell, TortureResult } from './types.js';
import { toolVersion } from './version.js';
import { summarize } from './summary.js';
import { secondsToDetect } from './format.js';

/** Violations kept in a cell (the full list stays in its result). */
export const CELL_VIOLATIONS = 5;
/** Schedules a simulator cell may run: the time limit ends it first. */
export const SIMULATOR_SCHEDULES = 1_000_000_000;

export interface TortureHooks {
  onCellStart?: (cell: PlannedCell, position: number, total: number) => void;
  onCellEnd?: (cell: TortureCell, position: number, total: number) => void;
  onThreadsStatus?: (cell: PlannedCell, sample: StatusSample) => void;
  onExploreProgress?: (cell: PlannedCell, progress: ExploreProgress) => void;
  /** What loading a kernel simulator build has to say (a build made, a module instrumented). */
  onLog?: (line: string) => void;
  /** Aborted: finish the current cell, skip the rest. */
  stop?: AbortSignal;
  /** Aborted: stop the current cell too (its partial result is kept). */
  abort?: AbortSignal;
}

export interface TortureRun {
  cells: PlannedCell[];
  budgetMs: number;
  seed: number;
  shard: { index: number; count: number };
  catalog: boolean;
  out: string;
  /** --cells filters as given. */
  filters: string[];
  rerun: string;
  /** Which trees the cells cover, and the kernel source for kernel cells. */
  trees?: TortureTrees;
  kernelSrc?: string;
}

/** The stress configuration of a threads cell: the stress CLI's defaults, the cell's settings. */
export function threadsConfig(cell: PlannedCell, kernelSrc?: string): ReturnType<typeof parseCli>['config'] {
  const tree = cell.tree === 'kernel' ? ['--tree', 'kernel', ...(kernelSrc !== undefined ? ['--kernel-src', kernelSrc] : [])] : [];
  const argv = [...tree, '--seed', String(cell.seed), '--workload', cell.workload, '--readers', String(cell.readers), '--duration', `${cell.budgetMs}ms`];
  if (cell.bug !== undefined) argv.push('--bug', cell.bug);
  return parseCli(argv).config;
}

/** The exploration of a simulator cell: one scenario (a catalog bug: all of them), until the time limit. */
export function simulatorConfig(cell: PlannedCell): ExploreConfig {
  const scenarios: ScenarioName[] = cell.workload === 'all' ? [...SCENARIOS] : [cell.workload as ScenarioName];
  return {
    ...DEFAULT_EXPLORE,
    scenarios,
    bugs: cell.bug !== undefined ? [cell.bug] : [],
    seed: cell.seed,
    readers: cell.readers,
    schedules: SIMULATOR_SCHEDULES,
    timeLimitMs: cell.budgetMs,
  };
}

/**
 * The kernel explorer's run of a kernel simulator cell: its defaults, the cell's scenario (a
 * catalog entry: its scenarios, or all of them), readers, seed and bug, until the time limit.
 */
export function kernelSimulatorConfig(cell: PlannedCell, kernelSrc?: string): KernelExploreConfig {
  return {
    ...DEFAULT_KERNEL_EXPLORE,
    scenarios: cell.workload === 'all' ? [...DEFAULT_KERNEL_EXPLORE.scenarios] : (cell.workload.split(',') as KernelScenarioName[]),
    bugs: cell.bug !== undefined ? [cell.bug] : [],
    seed: cell.seed,
    readers: cell.readers,
    schedules: SIMULATOR_SCHEDULES,
    timeLimitMs: cell.budgetMs,
    ...(kernelSrc !== undefined ? { kernelSrc } : {}),
  };
}

function isKernelSimulator(cell: Pick<PlannedCell, 'mode' | 'tree'>): boolean {
  return cell.mode === 'simulator' && cell.tree === 'kernel';
}

function rerunOf(cell: PlannedCell, kernelSrc?: string): string {
  if (cell.mode === 'threads') return rerunCommand(threadsConfig(cell, kernelSrc));
  return isKernelSimulator(cell) ? kernelExploreCommand(kernelSimulatorConfig(cell, kernelSrc)) : exploreCommand(simulatorConfig(cell));
}

function baseCell(cell: PlannedCell, kernelSrc?: string): TortureCell {
  const out: TortureCell = {
    id: cell.id,
    mode: cell.mode,
    workload: cell.workload,
    readers: cell.readers,
    seed: cell.seed,
    budgetMs: cell.budgetMs,
    elapsedMs: 0,
    status: 'skipped',
    readerOps: 0,
    writerOps: 0,
    violations: [],
    replay: rerunOf(cell, kernelSrc),
    index: cell.index,
  };
  if (cell.tree !== undefined) out.tree = cell.tree;
  if (cell.skipReason !== undefined) out.skipReason = cell.skipReason;
  if (cell.mode === 'simulator') out.schedules = 0;
  if (cell.bug !== undefined) out.bug = cell.bug;
  return out;
}

/**
 * The verdict: on the correct build a cell passes when nothing was found; a catalog cell passes
 * when its bug was detected, fails when it was missed, and is skipped when Ctrl-C cut it short.
 */
function verdict(cell: PlannedCell, found: boolean, interrupted: boolean): TortureCell['status'] {
  if (cell.bug === undefined) return found ? 'failed' : 'passed';
  if (found) return 'passed';
  return interrupted ? 'skipped' : 'failed';
}

async function runThreadsCell(cell: PlannedCell, hooks: TortureHooks, kernelSrc?: string): Promise<TortureCell> {
  const out = baseCell(cell, kernelSrc);
  const config = threadsConfig(cell, kernelSrc);
  const result: RunResult = await runStress(config, {
    signal: hooks.abort,
    rerun: out.replay,
    statusEveryMs: 500,
    onStatus: (s) => hooks.onThreadsStatus?.(cell, s),
  });
  out.elapsedMs = result.elapsedMs;
  out.readerOps = result.totals.readerOps;
  out.writerOps = result.totals.writerOps;
  out.rewalks = result.totals.rewalks;
  out.violations = result.violations.slice(0, CELL_VIOLATIONS);
  out.violationCount = result.violations.length;
  out.stoppedBy = result.stoppedBy;
  out.status = verdict(cell, result.violations.length > 0, result.stoppedBy === 'signal');
  out.result = result;
  if (result.kernel !== undefined) out.kernel = { version: result.kernel.version, sourceHash: result.kernel.sourceHash, buildHash: result.kernel.buildHash };
  if (result.known !== undefined) out.known = result.known;
  return out;
}

async function runSimulatorCell(cell: PlannedCell, hooks: TortureHooks): Promise<TortureCell> {
  const out = baseCell(cell);
  const config = simulatorConfig(cell);
  const result: ExploreResult = await exploreAsync(config, {
    signal: hooks.abort,
    progressEveryMs: 500,
    onProgress: (p) => hooks.onExploreProgress?.(cell, p),
  });
  out.elapsedMs = Math.round(result.elapsedMs);
  out.readerOps = result.totals.readerOps;
  out.writerOps = result.totals.writerOps;
  out.rewalks = result.totals.rewalks;
  out.schedules = result.schedulesRun;
  out.stoppedBy = result.stoppedBy;
  if (result.failure) {
    out.violations = [result.failure.shrunk.violation];
    out.violationCount = 1;
    out.replay = result.replay ?? replayCommand(result.failure.shrunk.token);
  } else {
    out.violationCount = 0;
  }
  out.status = verdict(cell, result.failure !== undefined, result.stoppedBy === 'signal');
  out.result = result;
  return out;
}

/**
 * A kernel simulator cell: the run's build with the cell's bug (loaded once per run, not per
 * cell; its loading counts in wallMs, not elapsedMs), explored until the time limit, Ctrl-C or
 * the first violation. No shrinking: a failure's replay is the one-schedule `--replay-seed` command.
 */
async function runKernelSimulatorCell(cell: PlannedCell, hooks: TortureHooks, builds: KernelSimBuilds, kernelSrc?: string): Promise<TortureCell> {
  const out = baseCell(cell, kernelSrc);
  const config = kernelSimulatorConfig(cell, kernelSrc);
  const loaded = await builds.get(config.bugs);
  const result: KernelExploreResult = await exploreKernel(config, loaded, {
    signal: hooks.abort,
    progressEveryMs: 500,
    onProgress: (schedules, ms, steps) => hooks.onExploreProgress?.(cell, { schedules, ms, steps }),
  });
  out.elapsedMs = result.elapsedMs;
  out.readerOps = result.totals.readerOps;
  out.writerOps = result.totals.writerOps;
  out.schedules = result.schedulesRun;
  out.stoppedBy = result.stoppedBy;
  if (result.failure) {
    out.violations = [result.failure.violation];
    out.violationCount = 1;
    out.replay = kernelReplayCommand(config, result.failure.spec);
  } else {
    out.violationCount = 0;
  }
  out.status = verdict(cell, result.failure !== undefined, result.stoppedBy === 'signal');
  out.result = result;
  out.kernel = { version: loaded.info.version, sourceHash: loaded.info.sourceHash ?? '', buildHash: loaded.info.buildHash };
  if (Object.keys(result.known).length > 0) out.known = result.known;
  return out;
}

/** What the cells of one run share: the kernel source, and the kernel simulator builds loaded so far. */
export interface CellContext {
  kernelSrc?: string;
  kernelSims?: KernelSimBuilds;
}

/** One cell; an exception of the harness makes it an 'error' cell, not the end of the run. */
export async function runCell(cell: PlannedCell, hooks: TortureHooks = {}, context: CellContext = {}): Promise<TortureCell> {
  const t0 = performance.now();
  const { kernelSrc } = context;
  let out: TortureCell;
  // A cell that is only listed (a kernel bug this kernel's code hides) is skipped with its reason.
  if (cell.skipReason !== undefined) return baseCell(cell, kernelSrc);
  try {
    if (cell.mode === 'threads') out = await runThreadsCell(cell, hooks, kernelSrc);
    else if (isKernelSimulator(cell)) out = await runKernelSimulatorCell(cell, hooks, context.kernelSims ?? new KernelSimBuilds(kernelSrc, hooks.onLog), kernelSrc);
    else out = await runSimulatorCell(cell, hooks);
  } catch (error) {
    out = baseCell(cell, kernelSrc);
    out.status = 'error';
    out.elapsedMs = Math.round(performance.now() - t0);
    out.error = error instanceof Error ? (error.stack ?? error.message) : String(error);
  }
  out.wallMs = Math.round(performance.now() - t0);
  return out;
}

/** A catalog cell's score. */
export function scoreOf(cell: TortureCell): CatalogScore {
  const score: CatalogScore = {
    bug: cell.bug ?? cell.id.replace(/^catalog\//, ''),
    mode: cell.mode,
    workload: cell.workload,
    detected: cell.status === 'passed',
    budgetMs: cell.budgetMs,
    seed: cell.seed,
    replay: cell.replay,
  };
  if (cell.tree === 'kernel') score.tree = 'kernel';
  if (score.detected) {
    const v = cell.violations[0];
    if (v) score.violationKind = v.kind;
    score.secondsToDetect = secondsToDetect(cell);
  }
  return score;
}


export function runIdOf(startedAt: Date, run: Pick<TortureRun, 'seed' | 'shard' | 'catalog'>): string {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  return `torture-${run.catalog ? 'catalog-' : ''}${stamp}-${run.seed}-${run.shard.index}of${run.shard.count}`;
}

/** Run every planned cell in order (or until stopped: the rest are skipped). */
export async function runTorture(run: TortureRun, hooks: TortureHooks = {}): Promise<TortureResult> {
  const startedAt = new Date();
  const t0 = performance.now();
  const cells: TortureCell[] = [];
  const context: CellContext = { kernelSims: new KernelSimBuilds(run.kernelSrc, hooks.onLog), ...(run.kernelSrc !== undefined ? { kernelSrc: run.kernelSrc } : {}) };
  let stopped = false;
  for (let i = 0; i < run.cells.length; i++) {
    const planned = run.cells[i];
    if (hooks.stop?.aborted || hooks.abort?.aborted) {
      stopped = true;
      const skipped = baseCell(planned, run.kernelSrc);
      cells.push(skipped);
      continue;
    }
    hooks.onCellStart?.(planned, i + 1, run.cells.length);
    const cell = await runCell(planned, hooks, context);
    cells.push(cell);
    hooks.onCellEnd?.(cell, i + 1, run.cells.length);
  }
  if (hooks.stop?.aborted || hooks.abort?.aborted) stopped = true;
  const result: TortureResult = {
    schema: 1,
    kind: 'torture',
    runId: runIdOf(startedAt, run),
    tool: { name: 'maple-torture', version: toolVersion(), node: process.version },
    startedAt: startedAt.toISOString(),
    elapsedMs: Math.round(performance.now() - t0),
    rerun: run.rerun,
    config: {
      budgetMs: run.budgetMs,
      seed: run.seed,
      shard: run.shard,
      catalog: run.catalog,
      out: run.out,
      ...(run.trees !== undefined && run.trees !== 'replica' ? { trees: run.trees } : {}),
      ...(run.kernelSrc !== undefined ? { kernelSrc: run.kernelSrc } : {}),
    },
    stoppedBy: stopped ? 'signal' : 'budget',
    cells,
    summary: summarize(cells),
  };
  if (run.filters.length > 0) result.config.cells = run.filters;
  // The score is of the bugs tried: an entry this kernel's code masks is only listed (a skipped cell).
  if (run.catalog) result.catalog = cells.filter((c) => c.skipReason === undefined).map(scoreOf);
  return result;
}

/** The exit status: 1 on a failed cell (a violation; a missed bug with --catalog), 3 on an internal error. */
export function exitCodeOf(result: Pick<TortureResult, 'summary'>): number {
  if (result.summary.failed > 0) return 1;
  if ((result.summary.errors ?? 0) > 0) return 3;
  return 0;
}
