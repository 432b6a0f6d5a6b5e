/**
 * The torture matrix: workloads x reader counts x modes, the seed of every cell (derived from the
 * master seed, the shard and the cell's index, so shards never repeat each other's work), the
 * split of the budget over the cells, and the --cells filter. Pure: no I/O.
 */
import { UsageError } from '../cli-args.js';
import { CATALOG } from '../catalog.js';
import { KERNEL_CATALOG } from '../kernel-catalog.js';
import { WORKLOADS } from '../types.js';
import type { TreeKind } from '../types.js';
import { SCENARIOS } from '../sim/scenarios.js';
import { scheduleSeed } from '../sim/explore.js';
import type { TortureMode } from './types.js';

export const THREAD_READERS: readonly number[] = [1, 2, 4];
export const SIMULATOR_READERS: readonly number[] = [1, 2];

/** The least budget a threads cell gets: thread start-up and the final barrier dwarf less. */
export const THREADS_FLOOR_MS = 2000;
/** The least budget a simulator cell gets (a few hundred schedules). */
export const SIMULATOR_FLOOR_MS = 500;
/** A catalog bug never gets more than this (detection takes seconds when it works). */
export const CATALOG_CAP_MS = 30_000;
/** Catalog cell indices start here, so their seeds never meet the matrix's. */
export const CATALOG_INDEX_BASE = 1000;

export interface CellSpec {
  /** Position in the full matrix (or catalog): the seed derives from it, not from the filter. */
  index: number;
  id: string;
  mode: TortureMode;
  /** Stress workload (threads) or explorer scenario (simulator). */
  workload: string;
  readers: number;
  /** Catalog cells: the bug switched on. */
  bug?: string;
  /** The tree the cell tortures (absent: the replica). */
  tree?: TreeKind;
  /**
   * A kernel catalog bug real threads cannot show (mode simulator: the kernel explorer, not the
   * torture, hunts it) or that this kernel's own code hides (mode masked): listed, never run, so it
   * is skipped with this reason.
   */
  skipReason?: string;
}

/** Which trees a torture run covers. */
export type TortureTrees = TreeKind | 'both';

export interface PlannedCell extends CellSpec {
  seed: number;
  budgetMs: number;
}

/**
 * The matrix on the correct build: the replica's threads cells, then its simulator cells, then the
 * kernel build's threads cells (`kernel/<workload>/r<readers>`), as `trees` asks. Indices follow
 * the full matrix, so a cell's seed does not depend on which trees run.
 */
export function buildMatrix(trees: TortureTrees = 'replica'): CellSpec[] {
  const cells: CellSpec[] = [];
  for (const workload of WORKLOADS) {
    for (const readers of THREAD_READERS) cells.push({ index: cells.length, id: `threads/${workload}/r${readers}`, mode: 'threads', workload, readers });
  }
  for (const scenario of SCENARIOS) {
    for (const readers of SIMULATOR_READERS) cells.push({ index: cells.length, id: `simulator/${scenario}/r${readers}`, mode: 'simulator', workload: scenario, readers });
  }
  for (const workload of WORKLOADS) {
    for (const readers of THREAD_READERS) cells.push({ index: cells.length, id: `kernel/${workload}/r${readers}`, mode: 'threads', workload, readers, tree: 'kernel' });
  }
  return cells.filter((c) => trees === 'both' || (c.tree ?? 'replica') === trees);
}

/** Kernel catalog cell indices start here. */
export const KERNEL_CATALOG_INDEX_BASE = 2000;

/**
 * The catalog as cells: each bug in the mode that exposes it, threads bugs with their catalog
 * workload and 2 readers, simulator bugs over every scenario (workload 'all'); with the kernel
 * tree, the kernel catalog's entries as `kernel-catalog/<bug>` (threads), the ones real threads
 * cannot show (simulator) or this kernel's code hides (masked) listed and skipped.
 */
export function buildCatalogCells(trees: TortureTrees = 'replica'): CellSpec[] {
  const replica: CellSpec[] = CATALOG.map((bug, i) => ({
    index: CATALOG_INDEX_BASE + i,
    id: `catalog/${bug.name}`,
    mode: bug.mode,
    workload: bug.mode === 'threads' ? bug.workload : 'all',
    readers: 2,
    bug: bug.name,
  }));
  const kernel: CellSpec[] = KERNEL_CATALOG.map((bug, i) => ({
    index: KERNEL_CATALOG_INDEX_BASE + i,
    id: `kernel-catalog/${bug.name}`,
    mode: 'threads' as const,
    workload: bug.workload,
    readers: 2,
    bug: bug.name,
    tree: 'kernel' as const,
    ...(bug.mode === 'simulator' ? { skipReason: `not on real threads (${bug.modeReason}): npm run explore -- --tree kernel --bug ${bug.name}` } : {}),
    ...(bug.mode === 'masked' ? { skipReason: `masked in this kernel's code (${bug.modeReason})` } : {}),
  }));
  return trees === 'replica' ? replica : trees === 'kernel' ? kernel : [...replica, ...kernel];
}

/** A 32-bit seed from a master seed of up to 2^53 - 1 (a CI run id may exceed 32 bits). */
export function foldSeed(master: number): number {
  const lo = master >>> 0;
  const hi = Math.floor(master / 0x1_0000_0000) >>> 0;
  return (lo ^ Math.imul(hi, 0x9e3779b9)) >>> 0;
}

/**
 * The seed of cell `index` of shard `shard` (1-based): a splitmix of the folded master seed and
 * the shard, then of that and the cell index. Same inputs, same seed; any input changed, another.
 */
export function cellSeed(master: number, shard: number, index: number): number {
  return scheduleSeed(scheduleSeed(foldSeed(master), shard), index);
}

/** Keep the cells whose id starts with one of the prefixes (none given: all of them). */
export function filterCells(cells: CellSpec[], prefixes: readonly string[]): CellSpec[] {
  if (prefixes.length === 0) return cells;
  for (const p of prefixes) {
    if (!cells.some((c) => c.id.startsWith(p))) {
      throw new UsageError(`--cells: '${p}' matches no cell; ids look like ${cells[0]?.id ?? 'threads/random/r2'}, ${cells[cells.length - 1]?.id ?? ''} (a prefix such as '${cells[0]?.id.split('/')[0] ?? 'threads'}/' selects a group)`);
    }
  }
  return cells.filter((c) => prefixes.some((p) => c.id.startsWith(p)));
}

export function formatBudget(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** How a cell's budget reads in logs: 22.2s, 30s. */
export function budgetText(ms: number): string {
  return ms % 1000 === 0 ? formatBudget(ms) : `${(ms / 1000).toFixed(1)}s`;
}

/** The floor of a set of cells: 2 s if any runs real threads, else the simulator's. */
function floorOf(cells: readonly Pick<CellSpec, 'mode'>[]): number {
  return cells.some((c) => c.mode === 'threads') ? THREADS_FLOOR_MS : SIMULATOR_FLOOR_MS;
}

function tooSmall(budgetMs: number, count: number, floorMs: number, what: string): UsageError {
  const kind = floorMs === THREADS_FLOOR_MS ? 'threads cells need' : 'simulator cells need';
  return new UsageError(
    `--budget ${formatBudget(budgetMs)} is too small for ${count} ${what}: ${kind} at least ${formatBudget(floorMs)} each, ` +
      `so the minimum is --budget ${formatBudget(count * floorMs)}`,
  );
}

/** Each matrix cell's budget: budget / cells, refused below the floor. */
export function cellBudget(budgetMs: number, cells: readonly Pick<CellSpec, 'mode'>[]): number {
  if (cells.length === 0) throw new UsageError('no cells to run');
  const each = Math.floor(budgetMs / cells.length);
  const floorMs = floorOf(cells);
  if (each < floorMs) throw tooSmall(budgetMs, cells.length, floorMs, 'cells');
  return each;
}

/** Each catalog bug's budget: min(30 s, budget / bugs), refused below the floor. */
export function catalogBudget(budgetMs: number, cells: readonly Pick<CellSpec, 'mode' | 'skipReason'>[]): number {
  if (cells.length === 0) throw new UsageError('no catalog bugs to run');
  // Cells that are only listed (skipped with a reason) take no budget.
  const running = cells.filter((c) => c.skipReason === undefined).length || 1;
  const each = Math.min(CATALOG_CAP_MS, Math.floor(budgetMs / running));
  const floorMs = floorOf(cells);
  if (each < floorMs) throw tooSmall(budgetMs, cells.length, floorMs, 'catalog bugs');
  return each;
}

export interface PlanOptions {
  budgetMs: number;
  seed: number;
  shard: { index: number; count: number };
  catalog: boolean;
  cells: readonly string[];
  /** Which trees (default: the replica). */
  trees?: TortureTrees;
}

/** The cells this shard runs, each with its seed and budget. Throws UsageError. */
export function planCells(options: PlanOptions): PlannedCell[] {
  const trees = options.trees ?? 'replica';
  const all = options.catalog ? buildCatalogCells(trees) : buildMatrix(trees);
  const chosen = filterCells(all, options.cells);
  const budgetMs = options.catalog ? catalogBudget(options.budgetMs, chosen) : cellBudget(options.budgetMs, chosen);
  return chosen.map((c) => ({ ...c, seed: cellSeed(options.seed, options.shard.index, c.index), budgetMs }));
}
