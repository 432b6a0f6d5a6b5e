/**
 * Mutated kernel builds (BuildOptions.mutations): kernel catalog entries built to wasm, one
 * editing include/linux/maple_tree.h (rcu-off) and two lib/maple_tree.c (duplicate-wmb, and
 * spanning-store-duplicate, a sequential bug the kernel's own mt_validate catches), run next to the
 * kernel as shipped to show the edit really changed the code.
 *
 * Needs the kernel source and the toolchain, as test/kernel-build.test.ts: skips locally without
 * them, fails under CI=true. Each mutated build takes about 10 s the first time, then is cached.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import type { BuildResult } from '../src/kernel/build.js';
import { KernelInstance, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../src/kernel/loader.js';
import { MutationError } from '../src/kernel/mutation.js';
import { findKernelBug, kernelMutations } from '../src/harness/kernel-catalog.js';

const CI = process.env.CI === 'true';
const VARIANTS = ['shipped', 'rcu-off', 'duplicate-wmb', 'spanning-store-duplicate'] as const;
type Variant = (typeof VARIANTS)[number];
const builds = new Map<Variant, BuildResult | Error>();

beforeAll(async () => {
  for (const variant of VARIANTS) {
    try {
      const mutations = variant === 'shipped' ? [] : kernelMutations([variant]);
      builds.set(variant, await buildKernel({ slots: 16, mutations }));
    } catch (error) {
      builds.set(variant, error as Error);
    }
  }
}, 300_000);

function built(variant: Variant, skip: (note?: string) => void): BuildResult {
  const result = builds.get(variant);
  if (result instanceof MutationError) throw result; // the catalog no longer fits the source: a real failure
  if (result instanceof Error || result === undefined) {
    const reason = `kernel build unavailable: ${result?.message ?? 'not attempted'}`;
    if (CI) throw new Error(reason);
    console.warn(`skipping: ${reason}`);
    skip(reason);
    throw new Error('unreachable');
  }
  return result;
}

async function instance(result: BuildResult): Promise<KernelInstance> {
  return KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
}

describe('mutated kernel builds', () => {
  it('have their own cache key and file name, and name their mutations', ({ skip }) => {
    const shipped = built('shipped', skip);
    const rcuOff = built('rcu-off', skip);
    const wmb = built('duplicate-wmb', skip);
    expect(shipped.mutations).toEqual([]);
    expect(shipped.wasmPath).toMatch(/maple-16\.wasm$/);
    expect(rcuOff.mutations).toEqual(['rcu-off/mt_in_rcu']);
    expect(wmb.mutations).toEqual(['duplicate-wmb/mte_dead_leaves']);
    for (const result of [rcuOff, wmb]) {
      expect(result.wasmPath).toMatch(/maple-16-m[0-9a-f]{8}\.wasm$/);
      expect(result.sourceHash).toBe(shipped.sourceHash); // the same tree, edited at build time
    }
    expect(new Set([shipped.buildHash, rcuOff.buildHash, wmb.buildHash]).size).toBe(3);
  });

  it('rcu-off (maple_tree.h): a tree in RCU mode frees nodes at once, never through call_rcu', async ({ skip }) => {
    const queued: Record<string, number> = {};
    for (const variant of ['shipped', 'rcu-off'] as const) {
      const kernel = await instance(built(variant, skip));
      const tree = kernel.newTree(MT_FLAGS_USE_RCU);
      // Overwriting stores: every one replaces a leaf (RCU mode copies rather than stores in place).
      for (let round = 0; round < 20; round++) {
        for (let i = 0; i < 100; i++) expect(tree.storeRange(i * 10, i * 10 + 4, ((round * 100 + i + 1) << 2) >>> 0)).toBe(0);
      }
      for (let i = 0; i < 100; i++) expect(tree.load(i * 10 + 2)).toBe(((19 * 100 + i + 1) << 2) >>> 0);
      expect(tree.validate(), kernel.log()).toBe(0);
      queued[variant] = kernel.slabStats().rcuQueued;
      // Leave RCU mode before destroying: 6.12's RCU-mode destroy walk can free a wrong address
      // (README, "Finding: 6.12's RCU-mode destroy walk ...").
      tree.setInRcu(false);
      tree.destroy();
      kernel.rcuBarrier();
      expect(kernel.slabStats().live).toBe(0);
    }
    expect(queued.shipped).toBeGreaterThan(100);
    expect(queued['rcu-off']).toBe(0);
  });

  it('duplicate-wmb (maple_tree.c): destroying a tree issues one more smp_wmb per node below the root', async ({ skip }) => {
    const extra: Record<string, number> = {};
    let leaves = 0;
    let nodes = 0;
    for (const variant of ['shipped', 'duplicate-wmb'] as const) {
      const kernel = await instance(built(variant, skip));
      // Not in RCU mode: the destroy walk marks the leaves dead (mte_dead_leaves) and frees at once,
      // clear of 6.12's RCU-mode destroy finding (README).
      const tree = kernel.newTree(0);
      for (let i = 0; i < 500; i++) expect(tree.storeRange(i * 10, i * 10 + 4, (i + 1) << 2)).toBe(0);
      const shape = tree.shape();
      expect(shape.height).toBeGreaterThan(1);
      leaves = shape.nodes.filter((node) => node.type === 1).length;
      nodes = shape.nodes.length;
      const before = kernel.counters().wmb;
      tree.destroy();
      kernel.rcuBarrier();
      extra[variant] = kernel.counters().wmb - before;
    }
    expect(leaves).toBeGreaterThan(10);
    expect(nodes).toBeGreaterThan(leaves + 1); // at least three levels
    // The destroy walk runs mte_dead_leaves over each node's slots as it leaves the node, so every
    // node below the root (the leaves and the inner nodes) passes through it once.
    expect(extra['duplicate-wmb'] - extra.shipped).toBe(nodes - 1);
  });

  it('spanning-store-duplicate: a store over the last leaf of an inner node duplicates an entry; mt_validate sees it', async ({ skip }) => {
    for (const variant of ['shipped', 'spanning-store-duplicate'] as const) {
      const kernel = await instance(built(variant, skip));
      const tree = kernel.newTree(0);
      for (let i = 0; i < 400; i++) expect(tree.storeRange(i * 10, i * 10 + 5, (i + 1) << 2)).toBe(0);
      // The commit's case: a spanning store from inside leaf B to the end of C, where C is the last
      // child of an inner node A that is not the last of its parent (so C ends below ULONG_MAX).
      const shape = tree.shape();
      expect(shape.height).toBe(3);
      const inner = shape.nodes.find((node) => node.depth === 1 && node.max !== 0xffffffff)!;
      const [b, c] = inner.slots.slice(-2).map((child) => shape.nodes[child]);
      const first = b.min + 2;
      const expected = [
        ...tree.findAll().filter((r) => r.last < first || r.first > c.max).map((r) => (r.first < first && r.last >= first ? { ...r, last: first - 1 } : r)),
        { first, last: c.max, entry: 0x1000 },
      ].sort((x, y) => x.first - y.first);
      expect(tree.storeRange(first, c.max, 0x1000)).toBe(0);
      if (variant === 'shipped') {
        expect(tree.validate(), kernel.log()).toBe(0);
        expect(tree.findAll()).toEqual(expected);
      } else {
        expect(tree.validate()).toBeGreaterThan(0);
        expect(kernel.log()).toMatch(/data_end/);
        expect(tree.findAll()).not.toEqual(expected);
      }
    }
  });

  it('refuses a mutation that does not fit the source before compiling anything', async ({ skip }) => {
    built('shipped', skip);
    const [mutation] = findKernelBug('dead-root')!.mutations;
    const moved = { ...mutation, name: 'moved', edit: { kind: 'remove' as const, statement: 'if (mte_dead_node(mas->node)) goto elsewhere;' } };
    await expect(buildKernel({ slots: 16, mutations: [moved] })).rejects.toThrow(
      /mutation "moved" \(lib\/maple_tree\.c, mas_start\): .* not found, expected exactly once/,
    );
  });
});
