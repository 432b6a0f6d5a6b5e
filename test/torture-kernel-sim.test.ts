/**
 * The kernel's code under the simulator in `npm run torture`: the `kernel-sim/<scenario>/r2`
 * matrix cells and the kernel catalog's weak-memory entries as runnable cells (planning: ids,
 * indices, seeds of the cells that were there before, budgets and floors, skip reasons only for
 * masked entries), and real runs of both on the kernel's simulator build: a correct-build cell
 * passes, `missing-wmb` is found by a measured seed.
 *
 * The runs need the kernel build (see test/kernel-build.test.ts): they skip locally without it and
 * FAIL under CI=true.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { KERNEL_CATALOG } from '../src/harness/kernel-catalog.js';
import { WORKLOADS } from '../src/harness/types.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { scheduleSeed } from '../src/harness/sim/explore.js';
import { KERNEL_SCENARIOS } from '../src/harness/sim/kernel/kernel-scenarios.js';
import type { KernelExploreResult, LoadedKernelSim } from '../src/harness/sim/kernel/kernel-explore.js';
import { parseKernelExploreCli } from '../src/harness/sim/kernel/kernel-explore-cli.js';
import {
  CATALOG_CAP_MS,
  KERNEL_CATALOG_INDEX_BASE,
  buildCatalogCells,
  buildMatrix,
  catalogBudget,
  cellBudget,
  cellSeed,
  filterCells,
  planCells,
} from '../src/harness/torture/matrix.js';
import type { PlannedCell } from '../src/harness/torture/matrix.js';
import { kernelSimulatorConfig, runTorture, scoreOf } from '../src/harness/torture/torture.js';
import type { TortureRun } from '../src/harness/torture/torture.js';
import { KernelSimBuilds } from '../src/harness/torture/kernel-sim-builds.js';
import { mergeCatalog } from '../src/harness/torture/merge.js';
import { catalogTable } from '../src/harness/torture/format.js';
import { kernelModuleOrSkip, loadKernelSimOrError } from './support/kernel-module.js';
import { usageError } from './support/usage-error.js';

const shard = { index: 1, count: 1 };

describe('kernel simulator cells in the matrix', () => {
  it('kernel-sim/<scenario>/r2 for the kernel explorer\'s seven scenarios, after every other cell', () => {
    const both = buildMatrix('both');
    const replicaCells = WORKLOADS.length * 3 + SCENARIOS.length * 2;
    const kernelThreads = WORKLOADS.length * 3;
    expect(both).toHaveLength(replicaCells + kernelThreads + KERNEL_SCENARIOS.length);
    expect(both.map((c) => c.index)).toEqual(both.map((_, i) => i));
    const sim = both.filter((c) => c.id.startsWith('kernel-sim/'));
    expect(sim.map((c) => c.id)).toEqual([
      'kernel-sim/rcu-simulated/r2', 'kernel-sim/random/r2', 'kernel-sim/vma/r2', 'kernel-sim/slot-store/r2',
      'kernel-sim/spanning/r2', 'kernel-sim/churn/r2', 'kernel-sim/destroy/r2',
    ]);
    expect(sim.map((c) => c.index)).toEqual([42, 43, 44, 45, 46, 47, 48]);
    for (const c of sim) expect(c).toMatchObject({ mode: 'simulator', tree: 'kernel', readers: 2, workload: c.id.split('/')[1] });
    // Every cell that was there before keeps its index, so its seed: the replica's 27 first, the
    // kernel's threads cells at 27 to 41.
    expect(buildMatrix('replica')).toEqual(both.slice(0, replicaCells));
    expect(both[0].id).toBe('threads/random/r1');
    expect(both.find((c) => c.id === 'kernel/random/r1')!.index).toBe(27);
    expect(both.find((c) => c.id === 'kernel/churn/r4')!.index).toBe(41);
    // --tree kernel: the kernel's cells alone, at their indices in the full matrix.
    const kernel = buildMatrix('kernel');
    expect(kernel).toEqual(both.slice(replicaCells));
    const planned = planCells({ budgetMs: 600_000, seed: 7, shard, catalog: false, cells: [], trees: 'kernel' });
    for (const c of planned) expect(c.seed).toBe(cellSeed(7, 1, c.index));
    expect(planned.find((c) => c.id === 'kernel/churn/r4')!.seed).toBe(cellSeed(7, 1, 41));
  });

  it('--cells kernel-sim/ selects them; their floor is 5 s a cell', () => {
    const kernel = buildMatrix('kernel');
    const sim = filterCells(kernel, ['kernel-sim/']);
    expect(sim).toHaveLength(7);
    expect(filterCells(kernel, ['kernel-sim/destroy/']).map((c) => c.id)).toEqual(['kernel-sim/destroy/r2']);
    expect(cellBudget(35_000, sim)).toBe(5000);
    const e = usageError(() => cellBudget(34_999, sim));
    expect(e.message).toContain('kernel simulator cells need at least 5s each');
    expect(e.message).toContain('the minimum is --budget 35s');
    // With the threads cells: the kernel simulator's floor is the higher one.
    expect(usageError(() => cellBudget(22 * 4999, kernel)).message).toContain('the minimum is --budget 110s');
    expect(cellBudget(22 * 5000, kernel)).toBe(5000);
  });

  it('a cell runs the kernel explorer\'s defaults on its scenario, seed, readers and budget; its command parses back', () => {
    const [cell] = planCells({ budgetMs: 5000, seed: 7, shard, catalog: false, cells: ['kernel-sim/destroy/'], trees: 'kernel' });
    const config = kernelSimulatorConfig(cell, '/src/linux');
    expect(config).toMatchObject({ scenarios: ['destroy'], bugs: [], seed: cellSeed(7, 1, 48), readers: 2, timeLimitMs: 5000, strategy: 'mixed', kernelSrc: '/src/linux' });
    const catalog = planCells({ budgetMs: 600_000, seed: 7, shard, catalog: true, cells: ['kernel-catalog/missing-rmb', 'kernel-catalog/overlay-before-death'], trees: 'kernel' });
    expect(catalog.map((c) => c.bug)).toEqual(['overlay-before-death', 'missing-rmb']);
    expect(kernelSimulatorConfig(catalog[0])).toMatchObject({ scenarios: ['destroy'], bugs: ['overlay-before-death'], timeLimitMs: 90_000 });
    expect(kernelSimulatorConfig(catalog[1]).scenarios).toEqual(['churn', 'random', 'rcu-simulated', 'spanning', 'slot-store', 'vma', 'destroy']);
    expect(kernelSimulatorConfig(catalog[1]).bugs).toEqual(['missing-rmb']);
  });
});

describe('the kernel catalog\'s weak-memory entries as cells', () => {
  it('simulator entries run under the kernel explorer; only masked entries are skipped', () => {
    const cells = buildCatalogCells('kernel');
    expect(cells).toHaveLength(KERNEL_CATALOG.length);
    const byName = (name: string) => cells.find((c) => c.bug === name)!;
    expect(byName('missing-wmb')).toMatchObject({ id: 'kernel-catalog/missing-wmb', mode: 'simulator', tree: 'kernel', workload: 'all', readers: 2 });
    expect(byName('missing-rmb')).toMatchObject({ mode: 'simulator', workload: 'all' });
    expect(byName('overlay-before-death')).toMatchObject({ mode: 'simulator', workload: 'destroy', capMs: 90_000 });
    expect(cells.filter((c) => c.skipReason !== undefined).map((c) => c.bug)).toEqual(['dead-root', 'end-read-after-dead-check']);
    for (const c of cells) expect(c.index).toBe(KERNEL_CATALOG_INDEX_BASE + KERNEL_CATALOG.findIndex((e) => e.name === c.bug));
    expect(cells.filter((c) => c.capMs !== undefined).map((c) => [c.bug, c.capMs])).toEqual([['overlay-before-death', 90_000], ['spanning-store-duplicate', 60_000]]);
  });

  it('the budget: 30 s shares, three for overlay-before-death (its own 90 s cap) and two for spanning-store-duplicate (60 s), within the total', () => {
    const plan = (budgetMs: number) => planCells({ budgetMs, seed: 1, shard, catalog: true, cells: [], trees: 'kernel' });
    const run = (cells: PlannedCell[]) => cells.filter((c) => c.skipReason === undefined);
    const small = plan(180_000);
    expect(run(small)).toHaveLength(15);
    // 13 bugs at one share, one at three and one at two: 18 shares.
    expect(catalogBudget(180_000, small)).toBe(10_000);
    const own = (c: PlannedCell, overlay: number, spanning: number, rest: number): number => (c.bug === 'overlay-before-death' ? overlay : c.bug === 'spanning-store-duplicate' ? spanning : rest);
    for (const c of run(small)) expect(c.budgetMs, c.id).toBe(own(c, 30_000, 20_000, 10_000));
    expect(run(small).reduce((n, c) => n + c.budgetMs, 0)).toBeLessThanOrEqual(180_000);
    const large = plan(600_000);
    for (const c of run(large)) expect(c.budgetMs, c.id).toBe(own(c, 90_000, 60_000, CATALOG_CAP_MS));
    // Alone, it takes its own cap, not the common one.
    expect(planCells({ budgetMs: 600_000, seed: 1, shard, catalog: true, cells: ['kernel-catalog/overlay-before-death'], trees: 'kernel' })[0].budgetMs).toBe(90_000);
    // The replica's catalog is split as before: every bug one share.
    const replica = planCells({ budgetMs: 160_000, seed: 1, shard, catalog: true, cells: [] });
    expect(new Set(replica.map((c) => c.budgetMs))).toEqual(new Set([10_000]));
  });

  it('scores and merges per tree: the kernel\'s missing-wmb is not the replica\'s', () => {
    const replica = { bug: 'missing-wmb', mode: 'simulator' as const, workload: 'all', detected: true, secondsToDetect: 0.02, budgetMs: 30_000, violationKind: 'write-policy' };
    const kernel = { ...replica, tree: 'kernel' as const, secondsToDetect: 1.5, violationKind: 'result' };
    const merged = mergeCatalog([[replica, kernel], [replica, { ...kernel, detected: false, secondsToDetect: undefined }]]);
    expect(merged.map((s) => [s.bug, s.tree, s.detections, s.runs])).toEqual([['missing-wmb', undefined, 2, 2], ['missing-wmb', 'kernel', 1, 2]]);
    // The replica catalog's kind is not the kernel's: a kernel bug shows its own kind alone.
    expect(catalogTable([kernel])).toMatch(/\| missing-wmb \| simulator \| all +\| yes +\| 1\.50 s +\| result +\|/);
    expect(catalogTable([{ ...replica, violationKind: 'result' }])).toContain('result (catalog: write-policy)');
  });
});

describe('kernel simulator cells on the kernel build', () => {
  let correct: LoadedKernelSim | Error;
  let missingWmb: LoadedKernelSim | Error;

  // Built (or found in the cache) here, so that a cell's 'error' in the runs below is the harness's.
  beforeAll(async () => {
    correct = await loadKernelSimOrError([]);
    missingWmb = await loadKernelSimOrError(['missing-wmb']);
  }, 300_000);

  const needBuild = (which: LoadedKernelSim | Error, skip: (note?: string) => void): void => {
    kernelModuleOrSkip(which instanceof Error ? which : which.build.module, skip);
  };

  function tortureRun(cells: PlannedCell[], catalog: boolean): TortureRun {
    return { cells, budgetMs: 0, seed: 0, shard, catalog, out: 'unused', filters: [], rerun: 'npm run torture', trees: 'kernel' };
  }

  it('a run loads each build once and shares it', async ({ skip }) => {
    needBuild(correct, skip);
    const builds = new KernelSimBuilds(undefined);
    const first = builds.get([]);
    expect(builds.get([])).toBe(first);
    expect(builds.size).toBe(1);
    expect((await first).info.version).toMatch(/^6\.12\./);
  });

  it('the correct build: kernel-sim/churn/r2 for 1.5 s passes, with schedules, reader and writer ops, and its rerun command', async ({ skip }) => {
    needBuild(correct, skip);
    const [planned] = planCells({ budgetMs: 5000, seed: 7, shard, catalog: false, cells: ['kernel-sim/churn/'], trees: 'kernel' });
    const cell: PlannedCell = { ...planned, budgetMs: 1500 };
    const progress: number[] = [];
    const result = await runTorture(tortureRun([cell], false), { onExploreProgress: (_c, p) => progress.push(p.schedules) });
    const [out] = result.cells;
    expect(out).toMatchObject({ id: 'kernel-sim/churn/r2', mode: 'simulator', tree: 'kernel', status: 'passed', stoppedBy: 'time', violationCount: 0 });
    expect(out.schedules).toBeGreaterThan(0);
    expect(out.readerOps).toBeGreaterThan(0);
    expect(out.writerOps).toBeGreaterThan(0);
    expect(out.elapsedMs).toBeGreaterThanOrEqual(1500);
    expect(out.kernel?.version).toMatch(/^6\.12\./);
    expect(out.kernel?.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    const r = out.result as KernelExploreResult;
    expect(r.kind).toBe('explore-kernel');
    expect(r.schedulesRun).toBe(out.schedules);
    for (const [i, n] of progress.entries()) expect(n).toBeGreaterThanOrEqual(progress[i - 1] ?? 1);
    expect(out.replay).toBe(`npm run explore -- --tree kernel --seed ${cell.seed} --schedules 1000000000 --strategy mixed --scenario churn --time-limit 1500ms`);
    // The command is one the kernel explorer accepts, with the cell's settings.
    const parsed = parseKernelExploreCli(out.replay.replace(/^npm run explore -- /, '').split(' ')).config;
    expect(parsed).toMatchObject({ seed: cell.seed, scenarios: ['churn'], readers: 2, timeLimitMs: 1500, bugs: [] });
    expect(result.summary).toMatchObject({ cells: 1, passed: 1, failed: 0 });
  }, 120_000);

  it('the catalog: missing-wmb found by master seed 3 at its first schedule, as a result violation, with the command that replays it', async ({ skip }) => {
    needBuild(missingWmb, skip);
    const cells = planCells({ budgetMs: 30_000, seed: 3, shard, catalog: true, cells: ['kernel-catalog/missing-wmb'], trees: 'kernel' });
    const cellResult = await runTorture(tortureRun(cells, true));
    const [out] = cellResult.cells;
    expect(out.error).toBeUndefined();
    expect(out).toMatchObject({ id: 'kernel-catalog/missing-wmb', bug: 'missing-wmb', status: 'passed', stoppedBy: 'violation', schedules: 1, violationCount: 1 });
    expect(out.violations[0].kind).toBe('result');
    const r = out.result as KernelExploreResult;
    expect(r.failure?.schedule).toBe(0);
    expect(r.build.mutations).toEqual(['missing-wmb/mte_set_node_dead']);
    const scheduleSeedOf0 = scheduleSeed(cells[0].seed, 0);
    expect(out.replay).toBe(`npm run explore -- --tree kernel --bug missing-wmb --scenario ${r.failure!.spec.scenario} --strategy random --replay-seed ${scheduleSeedOf0}`);
    const score = scoreOf(out);
    expect(score).toMatchObject({ bug: 'missing-wmb', tree: 'kernel', mode: 'simulator', detected: true, violationKind: 'result' });
    expect(score.secondsToDetect).toBe(r.failure!.seconds);
    expect(cellResult.catalog).toEqual([score]);
  }, 300_000);
});
