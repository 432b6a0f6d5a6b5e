/**
 * Two of the kernel runtime's writer-side hooks (src/kernel/runtime/rt.c), each both ways:
 * - back-to-back write barriers (rt_smp_wmb): an smp_wmb right after one from another call site,
 *   no runtime call between. 6.12 as shipped never issues one, whatever it does (stores, erases,
 *   spanning stores that destroy subtrees, a whole-tree destroy); the catalog's duplicate-wmb (a
 *   second smp_wmb after each leaf's dead mark in mte_dead_leaves) issues one per leaf of a
 *   destroyed subtree.
 * - the publish pause (rt_publish_pause): which publishes it counts (a tree's first node, the root
 *   word holding no node before), and that with it on a writer with no reader to wait for still
 *   goes on (the wait is bounded). Whether a reader's section sees the pause needs two threads:
 *   the stress runs count it (firstNodePublishes in the writer's summary).
 *
 * Deterministic: one thread, one instance per memory, grace periods run by hand.
 * Needs the kernel build (see test/kernel-build.test.ts): skips locally without it, FAILS under CI=true.
 */
import { kernelModuleOrSkip } from './support/kernel-module.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import { KernelInstance, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../src/kernel/loader.js';
import type { WasmModule } from '../src/kernel/loader.js';
import { findKernelBug } from '../src/harness/kernel-catalog.js';


let shipped: WasmModule | Error;
let duplicate: WasmModule | Error;

beforeAll(async () => {
  const load = async (bug: string | null): Promise<WasmModule | Error> => {
    try {
      const mutations = bug === null ? [] : findKernelBug(bug)!.mutations;
      return compileKernel((await buildKernel({ slots: 16, mutations })).wasmPath);
    } catch (error) {
      return error as Error;
    }
  };
  shipped = await load(null);
  duplicate = await load('duplicate-wmb');
}, 300_000);

const module = kernelModuleOrSkip;

const entry = (i: number): number => 0x1001 + 4 * i; // (e & 3) === 1: a plain entry

/**
 * An RCU-mode script: 200 small ranges (height >= 3), erases, overlapping stores, then a spanning
 * store over a third of the tree (the subtrees it drops go through the destroy walk), then destroy.
 * Returns the back-to-back count before the first destroy walk and at the end.
 */
async function barrierScript(mod: WasmModule) {
  const kernel = await KernelInstance.create(mod, createKernelMemory());
  kernel.expectRcu(true);
  const tree = kernel.newTree(MT_FLAGS_USE_RCU);
  for (let b = 0; b < 200; b++) expect(tree.storeRange(b * 10, b * 10 + 4, entry(b))).toBe(0);
  for (let b = 0; b < 200; b += 7) expect(tree.erase(b * 10)).toBe(entry(b));
  for (let b = 3; b < 200; b += 11) expect(tree.storeRange(b * 10, b * 10 + 14, entry(1000 + b))).toBe(0);
  kernel.rcuBarrier();
  expect(tree.height()).toBeGreaterThanOrEqual(3);
  const beforeDestroys = kernel.counters().wmbBackToBack;
  expect(tree.storeRange(305, 905, entry(5000))).toBe(0);
  kernel.rcuBarrier();
  const afterSpanning = kernel.counters().wmbBackToBack;
  tree.destroy();
  kernel.rcuBarrier();
  expect(tree.height()).toBe(0);
  return { beforeDestroys, afterSpanning, counters: kernel.counters(), log: kernel.log() };
}

describe('back-to-back smp_wmb (rt_smp_wmb, the barrier cost)', () => {
  it('6.12 as shipped: none, through stores, erases, a spanning store and a destroy', async ({ skip }) => {
    const { beforeDestroys, afterSpanning, counters, log } = await barrierScript(module(shipped, skip));
    expect(counters.wmb, 'the script marked nodes dead').toBeGreaterThan(100);
    expect(counters.deaths).toBeGreaterThan(100);
    expect(beforeDestroys).toBe(0);
    expect(afterSpanning).toBe(0);
    expect(counters.wmbBackToBack, `${counters.wmbBackToBackAt}\n${log}`).toBe(0);
    expect(counters.wmbBackToBackAt).toBe('');
  });

  it('duplicate-wmb: none until a subtree of height 2 or more is destroyed, then one per leaf the destroy walk marks', async ({ skip }) => {
    const { beforeDestroys, afterSpanning, counters } = await barrierScript(module(duplicate, skip));
    expect(beforeDestroys, 'node stores and splits mark no leaves in mte_dead_leaves').toBe(0);
    // The whole-tree destroy (height 3, two thirds of the leaves left) marks every leaf in
    // mte_dead_leaves: many.
    expect(counters.wmbBackToBack).toBeGreaterThan(afterSpanning + 10);
    // Named by call site: mte_set_node_dead's own barrier, then the one inserted after it.
    const [first, then] = counters.wmbBackToBackAt.split(' then ');
    expect(first).toMatch(/maple_tree\.c:\d+$/);
    expect(then).toMatch(/maple_tree\.c:\d+$/);
    expect(then).not.toBe(first);
  });
});

describe('the publish pause (rt_publish_pause)', () => {
  it("counts only a tree's first node: a store into an empty or single-entry tree, not splits or later roots", async ({ skip }) => {
    const kernel = await KernelInstance.create(module(shipped, skip), createKernelMemory());
    const tree = kernel.newTree(MT_FLAGS_USE_RCU);
    const published = (): number => kernel.counters().firstNodePublishes;
    expect(published()).toBe(0);
    expect(tree.storeRange(10, 20, entry(1))).toBe(0);
    expect(published(), 'the expansion of the empty root').toBe(1);
    for (let b = 0; b < 200; b++) expect(tree.storeRange(100 + b * 10, 100 + b * 10 + 4, entry(b))).toBe(0);
    expect(tree.height(), 'new roots were published by splits').toBeGreaterThanOrEqual(2);
    expect(published()).toBe(1);
    tree.destroy();
    kernel.rcuBarrier();
    expect(tree.storeRange(0, 0, entry(7))).toBe(0);
    expect(tree.height(), '[0, 0] alone is kept in the root word, no node').toBe(0);
    expect(published()).toBe(1);
    expect(tree.storeRange(5, 9, entry(8))).toBe(0);
    expect(published(), 'the single entry expanded into a leaf').toBe(2);
    expect(kernel.counters().publishPausesSeen, 'the pause is off by default').toBe(0);
  });

  it('on, with no reader able to run a section (idle, or inside one on this thread): the store still returns', async ({ skip }) => {
    const mod = module(shipped, skip);
    const memory = createKernelMemory();
    const primary = await KernelInstance.create(mod, memory);
    // The writer in a thread slot of its own (not the primary's, slot 0), as in stress runs: an
    // earlier version of the wait loop never ended there.
    const writer = await KernelInstance.create(mod, memory, primary.allocThreadArea());
    const reader = await KernelInstance.create(mod, memory, primary.allocThreadArea());
    primary.exports.rt_publish_pause_enable(1);
    const tree = writer.tree(primary.newTree(MT_FLAGS_USE_RCU).address);
    expect(tree.storeRange(10, 20, entry(1))).toBe(0);
    tree.destroy();
    writer.rcuBarrier();
    reader.exports.rt_read_lock();
    expect(tree.storeRange(30, 40, entry(2))).toBe(0);
    reader.exports.rt_read_unlock();
    const c = writer.counters();
    expect(c.firstNodePublishes).toBe(2);
    expect(c.publishPausesSeen, 'no section began and ended after either publish').toBe(0);
    expect(tree.load(35)).toBe(entry(2));
  });
});
