/**
 * Small helpers shared by the workloads: keyspace checks, bounded random lengths, and a cheap exact
 * count of the non-NULL ranges a store will add or remove (so a workload can hold a steady state
 * without scanning the tree).
 */
import type { PlanningCursor, PlanningTree } from './workload.js';
import type { Rng } from '../../harness/rng.js';

/** Keys are uint32: a keyspace is at most 2^32 keys. */
const MAX_KEYSPACE = 0x100000000;

/** Throw a RangeError unless keyspace is an integer in [min, 2^32]. */
export function checkKeyspace(workload: string, keyspace: number, min: number): void {
  if (!Number.isInteger(keyspace) || keyspace < min || keyspace > MAX_KEYSPACE) {
    throw new RangeError(
      `workload '${workload}': keyspace must be an integer in [${min}, ${MAX_KEYSPACE}], got ${keyspace}`,
    );
  }
}

export function clamp(x: number, lo: number, hi: number): number {
  return x < lo ? lo : x > hi ? hi : x;
}

/** A range length: mostly [1, 16], now and then up to `longMax` (never above `cap`). */
export function shortLength(rng: Rng, cap: number, longChance = 0.05, longMax = 300): number {
  const len = rng.chance(longChance) ? rng.range(17, longMax) : rng.range(1, 16);
  return len < cap ? len : cap;
}

/** A random [first, last] of `len` keys inside [lo, hi] (len <= hi - lo + 1). */
export function placeRange(rng: Rng, lo: number, hi: number, len: number): number {
  return lo + rng.int(hi - lo - len + 2);
}

/**
 * Counts the tree's non-NULL ranges and predicts how a store changes that count. The prediction
 * reads only the ranges the store touches, through one reused cursor, so it costs a walk plus a
 * step per covered entry.
 */
export class EntryCounter {
  /** Non-NULL ranges tracked (exact as long as every write went through `delta`). */
  count = 0;
  private cursor: PlanningCursor | null = null;
  private cursorTree: PlanningTree | null = null;

  /** Count the non-NULL ranges in [first, last] from scratch (O(n): for setup only). */
  recount(tree: PlanningTree, first: number, last: number): number {
    this.count = this.covered(tree, first, last);
    return this.count;
  }

  /** How many non-NULL ranges storing `entry` over [first, last] adds (negative: removes). */
  delta(tree: PlanningTree, first: number, last: number, entry: number): number {
    const c = this.cursorFor(tree);
    c.set(first);
    let e = c.find(last);
    if (e === 0) return entry !== 0 ? 1 : 0;
    let k = 0;
    let after = entry !== 0 ? 1 : 0;
    if (c.index < first) after++; // the range holding first keeps its head
    for (; e !== 0; e = c.find(last)) {
      k++;
      if (c.last > last) after++; // the range holding last keeps its tail
    }
    return after - k;
  }

  /** Non-NULL ranges meeting [first, last]. */
  covered(tree: PlanningTree, first: number, last: number): number {
    const c = this.cursorFor(tree);
    c.set(first);
    let n = 0;
    for (let e = c.find(last); e !== 0; e = c.find(last)) n++;
    return n;
  }

  private cursorFor(tree: PlanningTree): PlanningCursor {
    if (this.cursor === null || this.cursorTree !== tree) {
      this.cursor = tree.cursor(0);
      this.cursorTree = tree;
    }
    return this.cursor;
  }
}
