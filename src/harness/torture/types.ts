/**
 * The shapes of `npm run torture` and `npm run merge` results (`torture-<id>.json`,
 * `torture-merged-<id>.json`). The HTML report reads these names: add fields, never rename.
 */
import type { Violation } from '../types.js';

export type TortureMode = 'threads' | 'simulator';
export type CellStatus = 'passed' | 'failed' | 'skipped' | 'error';

export interface TortureCell {
  /** 'threads/random/r2', 'simulator/churn/r1'; 'catalog/<bug>' for a catalog run. */
  id: string;
  mode: TortureMode;
  /** The stress workload (threads) or explorer scenario (simulator; a catalog bug: its scenarios, or 'all'). */
  workload: string;
  readers: number;
  /** The cell's own seed (derived from the master seed, the shard and the cell index). */
  seed: number;
  budgetMs: number;
  /** The run's own elapsed time (threads: from the start signal to the stop, without thread start-up). */
  elapsedMs: number;
  /** For a catalog cell: passed = the bug was detected, failed = it was missed. */
  status: CellStatus;
  readerOps: number;
  writerOps: number;
  /** Simulator cells: schedules run. */
  schedules?: number;
  /** The first few violations (all of them are in `result`). */
  violations: Violation[];
  /**
   * The command that reruns the cell: the stress rerun command for a threads cell; for a failing
   * simulator cell `npm run explore -- --replay <shrunk token>` (a kernel simulator cell: the
   * `--replay-seed` command of its failing schedule); the explore command otherwise.
   */
  replay: string;
  /** The cell's full RunResult (threads), ExploreResult (simulator) or KernelExploreResult (kernel simulator); absent when skipped. */
  result?: unknown;
  /** Wall-clock time of the whole cell, thread start-up, final checks and shrinking included. */
  wallMs?: number;
  /** Position in the full matrix (or catalog), which the seed derives from. */
  index: number;
  /** How the cell's run ended: the RunResult / ExploreResult stoppedBy. */
  stoppedBy?: string;
  /** Violations found in all (violations holds the first few). */
  violationCount?: number;
  /** Reader re-walks (the evidence that races were met). */
  rewalks?: number;
  /** An internal failure of the harness (status 'error'). */
  error?: string;
  /** Catalog cells: the bug switched on. */
  bug?: string;
  /** Merged results: the shard (1-based) that ran the cell. */
  shard?: number;
  /** The tree the cell tortured (absent: the replica). */
  tree?: 'replica' | 'kernel';
  /** Kernel cells: the kernel source's version and hashes. */
  kernel?: { version: string; sourceHash: string; buildHash: string };
  /** Known findings of the kernel's code met (not violations), by name. */
  known?: Record<string, number>;
  /** Why a listed cell was not run (status skipped). */
  skipReason?: string;
}

export interface CatalogScore {
  bug: string;
  mode: TortureMode;
  /** Kernel catalog bugs (absent: the replica's catalog). */
  tree?: 'kernel';
  workload: string;
  detected: boolean;
  /** Threads: elapsed time of the run that stopped by violation; simulator: the explorer's secondsToDetect. */
  secondsToDetect?: number;
  budgetMs: number;
  violationKind?: string;
  replay?: string;
  seed?: number;
  /** Merged scores: runs (shards) that tried the bug and how many detected it. */
  runs?: number;
  detections?: number;
  /** Merged scores: the slowest detection (secondsToDetect is the median). */
  secondsToDetectMax?: number;
}

export interface ShardRef {
  file: string;
  shard: { index: number; count: number };
  runId: string;
}

export interface TortureResult {
  schema: 1;
  kind: 'torture';
  runId: string;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  elapsedMs: number;
  rerun: string;
  config: {
    budgetMs: number;
    seed: number;
    shard: { index: number; count: number };
    catalog: boolean;
    out: string;
    /** --cells prefix filters (absent: every cell). */
    cells?: string[];
    /** Which trees (absent: the replica only). */
    trees?: 'replica' | 'kernel' | 'both';
    kernelSrc?: string;
  };
  /** 'violation' is never set by torture itself: it runs every cell. */
  stoppedBy: 'budget' | 'violation' | 'signal';
  cells: TortureCell[];
  summary: { cells: number; passed: number; failed: number; skipped: number; violations: number; errors?: number };
  catalog?: CatalogScore[];
  /** Merged results: the shard files folded in. */
  shards?: ShardRef[];
  /** Merged results: what the merge warned about (mixed seeds, missing or repeated shards). */
  warnings?: string[];
}
