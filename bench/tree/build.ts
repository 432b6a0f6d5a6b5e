// Building the two trees, sizing the slab, and measuring memory.
import { performance } from 'node:perf_hooks';
import { MapleTree, SlabExhaustedError, NODE_BYTES, type MapleStats, type MapleTreeLike } from './maple.js';
import { newRangeBTree, type RangeBTree } from './btree.js';
import { firstOf, lastOf, entryOf } from './data.js';

function fillMaple(tree: MapleTreeLike, n: number): void {
  for (let i = 0; i < n; i++) tree.store(firstOf(i), lastOf(i), entryOf(i));
}

export interface CapacityPlan {
  probeRanges: number;
  probeLiveNodes: number | null;
  nodesPerRange: number | null;
  capacity: number;
  /** Set when the probe failed (the tree threw) and the capacity is a fixed guess instead. */
  fallback?: string;
}

/** stats(), or the error it threw (stats() walks the whole tree and may trip over corruption). */
export function safeStats(tree: MapleTreeLike): MapleStats | { error: string } {
  try {
    return tree.stats();
  } catch (e) {
    return { error: (e as Error).message };
  }
}

/** Slab capacity per node the built tree needs: the write tasks split leaves that their undo does
 * not merge back, so a tree built with full leaves can grow towards twice its node count. */
export const CAPACITY_HEADROOM = 2.2;

/**
 * Builds a smaller tree with the same layout, reads stats().slab.live, and extrapolates the node
 * count for n ranges with CAPACITY_HEADROOM, plus a fixed margin for the small probe's fixed costs
 * (root, internal levels).
 */
export function planCapacity(n: number): CapacityPlan {
  const probeRanges = Math.min(n, 65536);
  let cap = 4096;
  for (;;) {
    const probe = MapleTree.create({ capacity: cap, rcu: false });
    try {
      fillMaple(probe, probeRanges);
      const live = probe.stats().slab.live;
      const nodesPerRange = live / probeRanges;
      const capacity = Math.ceil(nodesPerRange * n * CAPACITY_HEADROOM) + 4096;
      return { probeRanges, probeLiveNodes: live, nodesPerRange, capacity };
    } catch (e) {
      if (!(e instanceof SlabExhaustedError) || cap >= 1 << 22) {
        // 2n slots (range + gap per range) in 16-slot leaves at >= 50% fill, plus internal nodes.
        const capacity = Math.ceil(n * 0.3 * CAPACITY_HEADROOM) + 4096;
        return { probeRanges, probeLiveNodes: null, nodesPerRange: null, capacity, fallback: (e as Error).message };
      }
      cap *= 2;
    } finally {
      probe.destroy();
    }
  }
}

export interface MapleBuild {
  tree: MapleTreeLike;
  capacity: number;
  attempts: number;
  buildMs: number;
}

/** Builds the n-range tree; if the estimate was short, rebuilds with 1.5x the capacity. */
export function buildMaple(n: number, capacity: number): MapleBuild {
  let cap = capacity;
  for (let attempts = 1; ; attempts++) {
    const tree = MapleTree.create({ capacity: cap, rcu: false });
    const t0 = performance.now();
    try {
      fillMaple(tree, n);
      return { tree, capacity: cap, attempts, buildMs: performance.now() - t0 };
    } catch (e) {
      tree.destroy();
      if (!(e instanceof SlabExhaustedError) || attempts >= 4) throw e;
      cap = Math.ceil(cap * 1.5);
    }
  }
}

export function buildBTree(n: number): { bt: RangeBTree; buildMs: number } {
  const bt = newRangeBTree();
  const t0 = performance.now();
  for (let i = 0; i < n; i++) bt.set(firstOf(i), { last: lastOf(i), entry: entryOf(i) });
  return { bt, buildMs: performance.now() - t0 };
}

type GcFn = () => void;
function getGc(): GcFn | undefined {
  const g = (globalThis as { gc?: unknown }).gc;
  return typeof g === 'function' ? (g as GcFn) : undefined;
}

function settledHeapUsed(gc: GcFn | undefined): number {
  if (gc !== undefined) {
    gc();
    gc();
  }
  return process.memoryUsage().heapUsed;
}

export interface BTreeMemory {
  bt: RangeBTree;
  buildMs: number;
  /** null when the process was not started with --expose-gc (the figure would be noise). */
  heapBytesPerRange: number | null;
  heapDeltaBytes: number;
  gcExposed: boolean;
}

/** Builds the B+ tree between two full GCs and attributes the heapUsed growth to it. */
export function buildBTreeMeasured(n: number): BTreeMemory {
  const gc = getGc();
  const before = settledHeapUsed(gc);
  const { bt, buildMs } = buildBTree(n);
  const after = settledHeapUsed(gc);
  const delta = after - before;
  return {
    bt,
    buildMs,
    heapBytesPerRange: gc !== undefined ? delta / n : null,
    heapDeltaBytes: delta,
    gcExposed: gc !== undefined,
  };
}

export interface SlabMemory {
  liveNodes: number | null;
  capacityNodes: number | null;
  slabBytesPerRange: number | null;
  reservedBytesPerRange: number | null;
}

export function slabMemory(stats: MapleStats | { error: string }, n: number): SlabMemory {
  if ('error' in stats) return { liveNodes: null, capacityNodes: null, slabBytesPerRange: null, reservedBytesPerRange: null };
  const s = stats;
  return {
    liveNodes: s.slab.live,
    capacityNodes: s.slab.capacity,
    slabBytesPerRange: (s.slab.live * NODE_BYTES) / n,
    reservedBytesPerRange: (s.slab.capacity * NODE_BYTES) / n,
  };
}
