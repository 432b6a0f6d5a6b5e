/**
 * The torture matrix: workloads x reader counts x modes x trees, the seed of every cell (derived from the
 * master seed, the shard and the cell's index, so shards never repeat each other's work), the
 * split of the budget over the cells, and the --cells filter. Pure: no I/O.
 */
import { UsageError } from '../cli-args.js';
import { CATALOG } from '../catalog.js';
import { KERNEL_CATALOG } from '../kernel-catalog.js';
import { WORKLOADS } from '../types.js';
import type { TreeKind } from '../types.js';
import { SCENARIOS } from '../sim/scenarios.js';
import { KERNEL_SCENARIOS } from '../sim/kernel/kernel-scenarios.js';
import { scheduleSeed } from '../sim/explore.js';
import type { TortureMode } from './types.js';

export const THREAD_READERS: readonly number[] = [1, 2, 4];
export const SIMULATOR_READERS: readonly number[] = [1, 2];
/**
 * Readers of a kernel simulator cell: the kernel explorer's default, 2, which its clean
 * 100,000-schedule runs used. Its readers never store to simulated memory and each operation runs
 * nested at one point of the writer, so they meet only the writer, never each other: one reader
 * finds nothing two do not, and a second count would only halve each cell's schedules.
 */
export const KERNEL_SIMULATOR_READERS: readonly number[] = [2];

/** The least budget a threads cell gets: thread start-up and the final barrier dwarf less. */
export const THREADS_FLOOR_MS = 2000;
/** The least budget a simulator cell gets (a few hundred schedules). */
export const SIMULATOR_FLOOR_MS = 500;
/**
 * The least budget a kernel simulator cell gets: a kernel schedule makes about 10,000 simulated
 * accesses, so 40 to 60 schedules a second run on this machine; 5 s is a couple of hundred.
 */
export const KERNEL_SIMULATOR_FLOOR_MS = 5000;
/** A catalog bug never gets more than this (detection takes seconds when it works), unless it has its own cap. */
export const CATALOG_CAP_MS = 30_000;
/**
 * Catalog bugs measured to need longer than CATALOG_CAP_MS to be found reliably: their own cap, by
 * cell id. The kernel's overlay-before-death on the destroy scenario (`npm run explore -- --tree
 * kernel --bug overlay-before-death --scenario destroy --seed S`, S = 1 to 20, 2 cores shared):
 * found at schedule 6 to 1,012 (median 167, mean 285), after 0.7 to 24.2 s, at 10 to 45 schedules
 * a second. A failure about once in 285 schedules: 30 s (some 750 schedules at 25/s) would miss
 * it about once in fifteen runs, 90 s (some 2,250) about once in 2,000 (at 10/s, on a loaded
 * machine, once in 25).
 *
 * The kernel's spanning-store-duplicate on real threads (`npm run stress -- --tree kernel --bug
 * spanning-store-duplicate --seed S --duration 90s`, S = 1 to 8): caught after 0.9, 3.4, 26.9, 1.0,
 * 7.2, 8.3, 2.8 and 9.1 s; `--catalog --tree both --budget 10m` (18.2 s a bug) missed it on seed
 * 13. 60 s is over twice the slowest of the eight.
 */
export const CATALOG_OWN_CAPS_MS: Readonly<Record<string, number>> = {
  'kernel-catalog/overlay-before-death': 90_000,
  'kernel-catalog/spanning-store-duplicate': 60_000,
};
/** Catalog cell indices start here, so their seeds never meet the matrix's. */
export const CATALOG_INDEX_BASE = 1000;

export interface CellSpec {
  /** Position in the full matrix (or catalog): the seed derives from it, not from the filter. */
  index: number;
  id: string;
  mode: TortureMode;
  /** Stress workload (threads) or explorer scenarios, comma-separated (simulator; 'all': every one, in rotation). */
  workload: string;
  readers: number;
  /** Catalog cells: the bug switched on. */
  bug?: string;
  /** The tree the cell tortures (absent: the replica). */
  tree?: TreeKind;
  /** A kernel catalog bug this kernel's own code hides (mode masked): listed, never run, so it is skipped with this reason. */
  skipReason?: string;
  /** Catalog cells: this bug's own cap (CATALOG_OWN_CAPS_MS), above CATALOG_CAP_MS. */
  capMs?: number;
}

/** Which trees a torture run covers. */
export type TortureTrees = TreeKind | 'both';

export interface PlannedCell extends CellSpec {
  seed: number;
  budgetMs: number;
}

/**
 * The matrix on the correct build: the replica's threads cells, then its simulator cells, then the
 * kernel build's threads cells (`kernel/<workload>/r<readers>`), then the kernel's code under the
 * simulator (`kernel-sim/<scenario>/r<readers>`, the kernel explorer on one scenario), as `trees`
 * asks. Indices follow the full matrix, so a cell's seed does not depend on which trees run; the
 * kernel simulator cells come last so no earlier cell's index (or seed) moved when they joined.
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
  for (const scenario of KERNEL_SCENARIOS) {
    for (const readers of KERNEL_SIMULATOR_READERS) cells.push({ index: cells.length, id: `kernel-sim/${scenario}/r${readers}`, mode: 'simulator', workload: scenario, readers, tree: 'kernel' });
  }
  return cells.filter((c) => trees === 'both' || (c.tree ?? 'replica') === trees);
}

/** Kernel catalog cell indices start here. */
export const KERNEL_CATALOG_INDEX_BASE = 2000;

/**
 * The catalog as cells: each bug in the mode that exposes it, threads bugs with their catalog
 * workload and 2 readers, simulator bugs over every scenario (workload 'all'); with the kernel
 * tree, the kernel catalog's entries as `kernel-catalog/<bug>`: threads entries on real threads,
 * simulator entries under the kernel explorer (over the entry's scenarios, else 'all'), the ones
 * this kernel's code hides (masked) listed and skipped.
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
    mode: bug.mode === 'simulator' ? ('simulator' as const) : ('threads' as const),
    workload: bug.mode !== 'simulator' ? bug.workload : bug.scenarios?.join(',') ?? 'all',
    readers: 2,
    bug: bug.name,
    tree: 'kernel' as const,
    ...(bug.mode === 'masked' ? { skipReason: `masked in this kernel's code (${bug.modeReason})` } : {}),
  }));
  for (const cell of [...replica, ...kernel]) {
    const cap = CATALOG_OWN_CAPS_MS[cell.id];
    if (cap !== undefined) cell.capMs = cap;
  }
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

/** The least budget of one cell: its mode's, and the kernel's own under the simulator. */
function cellFloor(cell: Pick<CellSpec, 'mode' | 'tree'>): number {
  if (cell.mode === 'threads') return THREADS_FLOOR_MS;
  return cell.tree === 'kernel' ? KERNEL_SIMULATOR_FLOOR_MS : SIMULATOR_FLOOR_MS;
}

/** The floor of a set of cells (all get one budget): the highest of theirs. */
function floorOf(cells: readonly Pick<CellSpec, 'mode' | 'tree'>[]): number {
  return Math.max(...cells.map(cellFloor));
}

function tooSmall(budgetMs: number, count: number, floorMs: number, what: string): UsageError {
  const kind = floorMs === KERNEL_SIMULATOR_FLOOR_MS ? 'kernel simulator cells need' : floorMs === THREADS_FLOOR_MS ? 'threads cells need' : 'simulator cells need';
  return new UsageError(
    `--budget ${formatBudget(budgetMs)} is too small for ${count} ${what}: ${kind} at least ${formatBudget(floorMs)} each, ` +
      `so the minimum is --budget ${formatBudget(count * floorMs)}`,
  );
}

/** Each matrix cell's budget: budget / cells, refused below the floor. */
export function cellBudget(budgetMs: number, cells: readonly Pick<CellSpec, 'mode' | 'tree'>[]): number {
  if (cells.length === 0) throw new UsageError('no cells to run');
  const each = Math.floor(budgetMs / cells.length);
  const floorMs = floorOf(cells);
  if (each < floorMs) throw tooSmall(budgetMs, cells.length, floorMs, 'cells');
  return each;
}

type CatalogCell = Pick<CellSpec, 'mode' | 'tree' | 'skipReason' | 'capMs'>;

/** A catalog cell's share of the budget relative to a bug with the common cap: its cap over that one. */
function catalogWeight(cell: CatalogCell): number {
  return (cell.capMs ?? CATALOG_CAP_MS) / CATALOG_CAP_MS;
}

/**
 * A catalog bug's budget: min(30 s, budget / bugs), refused below the floor. A bug with its own
 * cap counts as cap / 30 s bugs (so a 90 s one takes three shares: see catalogCellBudget).
 */
export function catalogBudget(budgetMs: number, cells: readonly CatalogCell[]): number {
  if (cells.length === 0) throw new UsageError('no catalog bugs to run');
  // Cells that are only listed (skipped with a reason) take no budget, nor set the floor.
  const run = cells.filter((c) => c.skipReason === undefined);
  const shares = run.reduce((n, c) => n + catalogWeight(c), 0) || 1;
  const each = Math.min(CATALOG_CAP_MS, Math.floor(budgetMs / shares));
  const floorMs = floorOf(run.length > 0 ? run : cells);
  if (each < floorMs) throw tooSmall(budgetMs, run.length || 1, floorMs, 'catalog bugs');
  return each;
}

/**
 * One catalog cell's budget: catalogBudget's share times the cell's weight, so a bug with its own
 * cap gets it when the budget allows and proportionally more than the rest when it does not; the
 * total stays within the budget.
 */
export function catalogCellBudget(each: number, cell: CatalogCell): number {
  return Math.floor(each * catalogWeight(cell));
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
  return chosen.map((c) => ({
    ...c,
    seed: cellSeed(options.seed, options.shard.index, c.index),
    budgetMs: options.catalog ? catalogCellBudget(budgetMs, c) : budgetMs,
  }));
}
