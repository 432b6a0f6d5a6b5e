/**
 * bench/tools/access-count.ts on a tree small enough to count by hand: 20 ranges ([10i, 10i+5],
 * the bench's data) make a 2-level tree in both the replica and the kernel, a range_64 root with
 * pivots 75, 125 over three leaves:
 *
 *   node 1 leaf [0, 75]    end 14: pivots 5, 9, 15, ..., 69 (14 stored)
 *   node 3 leaf [76, 125]  end 9:  pivots 79, 85, 89, 95, 99, 105, 109, 115, 119
 *   node 2 leaf [126, MAX] end 14: pivots 129, 135, ..., 195 (14 stored)
 *
 * The kernel's mtree_load (lib/maple_tree.c, 6.12): mas_start reads the root with rcu_dereference
 * (the tree header's root word), then mte_dead_node on the root node (smp_rmb, its parent word);
 * mtree_lookup_walk at each level reads pivots until one is >= index, at most mt_pivots[type] =
 * 15 (so offset + 1 of them, or 15: it does not stop at the data end), the slot (rcu_dereference)
 * and ma_dead_node (smp_rmb, the parent word). Node words: 1 + sum over levels (pivots + 2).
 * The replica's mtreeLoad (src/tree/walk.ts) scans as mtree_lookup_walk does (no data end, at most
 * mt_pivots pivots), so it reads exactly the same words.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { CountingMemory, countingReplica } from '../bench/tools/access-count.js';
import { countingKernel, fillKernel, type CountingKernel } from '../bench/tools/access-count-kernel.js';
import { ThreadedMemory } from '../src/shared-heap/memory.js';
import { kernelModuleOrSkip } from './support/kernel-module.js';

const N = 20;
let kernel: CountingKernel | Error;

beforeAll(async () => {
  try {
    kernel = await countingKernel();
    fillKernel(kernel, N);
  } catch (error) {
    kernel = error as Error;
  }
}, 300_000);

/** Node words each tree reads for load(index), counted by hand from the layout above. */
const CASES: { index: number; kernel: number; replica: number; why: string }[] = [
  // Root: 75 >= 0 (1 pivot). Leaf node 1: 5 >= 0 (1). 1 + (1 + 2) + (1 + 2) = 7.
  { index: 0, kernel: 7, replica: 7, why: 'first slot at both levels' },
  // Leaf node 1: 5 < 6, 9 >= 6 (2 pivots).
  { index: 6, kernel: 8, replica: 8, why: 'second slot of the first leaf' },
  // Root: 75 < 100, 125 >= 100 (2). Leaf node 3: 79 85 89 95 99 < 100, 105 (6). 1 + 4 + 8 = 13.
  { index: 100, kernel: 13, replica: 13, why: 'middle leaf' },
  // Root: 75, 125, then the third pivot (the root's maximum), >= 199 (3). Leaf node 2: all 15
  // pivots (the unused last one too). 1 + (3 + 2) + (15 + 2) = 23.
  { index: 199, kernel: 23, replica: 23, why: 'last slot at both levels' },
];

describe('access-count on a 2-level tree', () => {
  it('the replica: mtreeLoad reads the words counted by hand', () => {
    const { tree, mem } = countingReplica(N, 64);
    expect(tree.height()).toBe(2);
    for (const c of CASES) {
      mem.on = true;
      tree.load(c.index);
      mem.on = false;
      const got = mem.reset();
      expect(got.nodeReads, `load(${c.index}): ${c.why}`).toBe(c.replica);
      expect(got.headerReads).toBe(1); // the root word
      expect(got.deref).toBe(3); // the root, then one slot per level
      expect(got.rmb).toBe(3); // with each of those (derefRmb)
      expect(got.scans).toBe(2);
      expect(got.nodeWrites + got.headerWrites).toBe(0);
    }
  });

  it('the kernel: mtree_load reads the words counted by hand', ({ skip }) => {
    kernelModuleOrSkip(kernel instanceof Error ? kernel : {}, skip);
    const kk = kernel as CountingKernel;
    expect(kk.peer.tree.height()).toBe(2);
    for (const c of CASES) {
      kk.counter.on = true;
      kk.peer.batch('load', () => kk.peer.load(kk.peer.mt, c.index));
      kk.counter.on = false;
      const got = kk.counter.reset();
      expect(got.nodeReads, `load(${c.index}): ${c.why}`).toBe(c.kernel);
      expect(got.headerReads).toBe(1);
      expect(got.deref).toBe(3);
      expect(got.rmb).toBe(3);
      expect(got.nodeSubReads + got.nodeWrites + got.nodeSubWrites + got.excludedReads + got.excludedWrites).toBe(0);
      // mt_pivots[type] at each level: a byte of a global table, not node memory.
      expect(got.otherReads).toBe(2);
      expect([...got.byFunction.keys()]).toEqual(['mtree_load']);
    }
  });

  it("the kernel: a store's node writes leave out the runtime's slab (its zeroing, poisoning and freelist)", ({ skip }) => {
    kernelModuleOrSkip(kernel instanceof Error ? kernel : {}, skip);
    const kk = kernel as CountingKernel;
    const store = (first: number, last: number) => {
      kk.counter.on = true;
      expect(kk.peer.batch('store', () => kk.peer.storeRange(kk.peer.mt, first, last, 0x9001 + 2 * first))).toBe(0);
      kk.counter.on = false;
      return kk.counter.reset();
    };
    // [46, 48] in the gap [46, 49] of the first leaf (15 slots): 16 fit, so the non-RCU tree
    // rewrites the node in place (a copy built on the stack, then copied back): no allocation.
    const inPlace = store(46, 48);
    expect(inPlace.nodeWrites).toBeGreaterThan(0);
    expect(inPlace.excludedReads + inPlace.excludedWrites).toBe(0);
    // [56, 58] into the now full leaf: a split, with nodes from the slab and the spares freed.
    const split = store(56, 58);
    expect(split.nodeWrites).toBeGreaterThan(inPlace.nodeWrites);
    expect(split.excludedWrites).toBeGreaterThan(0);
    const runtime = [...split.byFunction.keys()].filter((fn) => fn.startsWith('[runtime] ')).map((fn) => fn.slice(10));
    expect(runtime).toContain('slab_get');
    expect(runtime.every((fn) => /^(rt_|km_|kmem_cache_|slab_|call_rcu)/.test(fn))).toBe(true);
    const treeWrites = [...split.byFunction.entries()].filter(([fn]) => !fn.startsWith('[runtime] ')).reduce((a, [, v]) => a + v.writes, 0);
    expect(treeWrites).toBe(split.nodeWrites);
    expect(kk.peer.batch('load', () => [kk.peer.load(kk.peer.mt, 47), kk.peer.load(kk.peer.mt, 57)])).toEqual([0x9001 + 92, 0x9001 + 112]);
  });

  it('CountingMemory counts a scan as the words it reads: min(count, result + 1)', () => {
    const inner = new ThreadedMemory(new SharedArrayBuffer(256 * 4));
    const mem = new CountingMemory(inner);
    for (let i = 0; i < 15; i++) inner.write(64 + i, 10 * (i + 1)); // 10, 20, ..., 150
    mem.on = true;
    expect(mem.scan(64, 15, 35)).toBe(3); // reads 10, 20, 30, 40
    expect(mem.reset().nodeReads).toBe(4);
    mem.on = true;
    expect(mem.scan(64, 5, 1000)).toBe(5); // reads all 5, none stops it
    expect(mem.reset().nodeReads).toBe(5);
    mem.on = true;
    expect(mem.scan(0, 3, 0)).toBe(0); // node 0: the header
    const c = mem.reset();
    expect([c.nodeReads, c.headerReads]).toEqual([0, 1]);
  });
});
