/**
 * Shared helpers for the ports of the kernel's maple tree functional tests
 * (lib/test_maple_tree.c and tools/testing/radix-tree/maple.c). Written from scratch for this
 * project; only the scenarios come from the kernel.
 *
 * Hot loops compare with plain `!==` first and call `expect` only on a mismatch, so that the
 * O(n^2) load sweeps of check_seq() and friends stay fast.
 */
import { expect } from 'vitest';
import { MapleTree, MAX_INDEX, type MapleCursor } from '../../src/index.js';

export { MAX_INDEX };
export type Tree = MapleTree;
export type Cursor = MapleCursor;

/**
 * Stand-in for the kernel's xa_mk_value(n): an entry that is never NULL and never reserved
 * (n * 4 + 1 always has low bits 01). Valid for 0 <= n < 2^30.
 */
export function val(n: number): number {
  if (!Number.isInteger(n) || n < 0 || n >= 0x40000000) {
    throw new Error(`val(${n}): out of range for a uint32 entry`);
  }
  return n * 4 + 1;
}

/** A tree for a test. Alloc-range trees model MT_FLAGS_ALLOC_RANGE. */
export function newTree(opts: { allocRange?: boolean; rcu?: boolean; capacity?: number } = {}): Tree {
  return MapleTree.create({ capacity: 16384, ...opts });
}

export function isEmpty(t: Tree): boolean {
  return t.entries().length === 0;
}

/** check_load(): the entry at index must be `expected`. */
export function checkLoad(t: Tree, index: number, expected: number): void {
  const got = t.load(index);
  if (got !== expected) expect(got, `load(${index})`).toBe(expected);
}

/** check_store_range(): store, then every index of the range must load the new entry. */
export function checkStoreRange(t: Tree, first: number, last: number, entry: number): void {
  t.store(first, last, entry);
  if (last - first > 100_000) {
    checkLoad(t, first, entry);
    checkLoad(t, last, entry);
    return;
  }
  for (let i = first; i <= last; i++) checkLoad(t, i, entry);
}

/** check_insert_range(): insert must succeed or fail as expected; on success every index loads it. */
export function checkInsertRange(
  t: Tree,
  first: number,
  last: number,
  entry: number,
  ok: boolean,
): void {
  const res = t.insert(first, last, entry);
  expect(res, `insert(${first}, ${last})`).toBe(ok);
  if (!ok) return;
  if (last - first > 100_000) {
    checkLoad(t, first, entry);
    checkLoad(t, last, entry);
    return;
  }
  for (let i = first; i <= last; i++) checkLoad(t, i, entry);
}

/** check_insert(): inserting a single index must succeed. */
export function checkInsert(t: Tree, index: number, entry: number): void {
  expect(t.insert(index, index, entry), `insert(${index})`).toBe(true);
}

/** check_dup_insert(): inserting over an occupied index must fail (-EEXIST). */
export function checkDupInsert(t: Tree, index: number, entry: number): void {
  expect(t.insert(index, index, entry), `duplicate insert(${index})`).toBe(false);
}

/** mtree_insert_index(): insert val(index) at index. */
export function insertIndex(t: Tree, index: number): boolean {
  return t.insert(index, index, val(index));
}

/** mtree_erase_index(): erase must return val(index) and leave the index empty. */
export function eraseIndex(t: Tree, index: number): void {
  const got = t.erase(index);
  if (got !== val(index)) expect(got, `erase(${index})`).toBe(val(index));
  checkLoad(t, index, 0);
}

/**
 * check_seq(): insert val(i) at i for i = 0..max into an empty tree; after every insert all
 * earlier indices still load, the tree has a height, and i + 1 is empty.
 */
export function checkSeq(t: Tree, max: number): void {
  expect(isEmpty(t), 'check_seq needs an empty tree').toBe(true);
  for (let i = 0; i <= max; i++) {
    expect(insertIndex(t, i), `insert ${i}`).toBe(true);
    for (let j = 0; j <= i; j++) checkLoad(t, j, val(j));
    if (i > 0 && t.height() === 0) expect(t.height(), `height after ${i}`).toBeGreaterThan(0);
    checkLoad(t, i + 1, 0);
  }
}

/**
 * check_rev_seq(): insert val(i) at i for i = max down to 1; after every insert everything
 * from i to max loads, i - 1 is empty, and the height survives an RCU mode round trip.
 */
export function checkRevSeq(t: Tree, max: number): void {
  expect(isEmpty(t), 'check_rev_seq needs an empty tree').toBe(true);
  for (let i = max; i > 0; i--) {
    expect(insertIndex(t, i), `insert ${i}`).toBe(true);
    for (let j = i; j <= max; j++) checkLoad(t, j, val(j));
    checkLoad(t, i - 1, 0);
    t.setRcu(true);
    if (t.height() === 0) expect(t.height()).toBeGreaterThan(0);
    t.setRcu(false);
    if (t.height() === 0) expect(t.height()).toBeGreaterThan(0);
  }
  checkLoad(t, max + 1, 0);
}

/** mt_for_each(): every non-NULL range meeting [start, max], through tree.find(). */
export function mtForEach(
  t: Tree,
  start: number,
  max: number,
): Array<{ entry: number; first: number; last: number }> {
  const out: Array<{ entry: number; first: number; last: number }> = [];
  let index = start;
  for (;;) {
    const r = t.find(index, max);
    if (r === null) break;
    out.push(r);
    if (r.last >= max || r.last === MAX_INDEX) break;
    index = r.last + 1;
    if (out.length > 10_000_000) throw new Error('mtForEach: runaway iteration');
  }
  return out;
}

/** mas_for_each(): cursor.find() until it returns NULL; optionally mas_pause() each step. */
export function masForEach(
  c: Cursor,
  max: number,
  opts: { pause?: boolean } = {},
): Array<{ entry: number; first: number; last: number }> {
  const out: Array<{ entry: number; first: number; last: number }> = [];
  for (;;) {
    const entry = c.find(max);
    if (entry === 0) break;
    out.push({ entry, first: c.index, last: c.last });
    if (opts.pause) c.pause();
    if (out.length > 10_000_000) throw new Error('masForEach: runaway iteration');
  }
  return out;
}

/**
 * A deliberately simple model of the tree's content: sorted, disjoint, non-NULL ranges.
 * Used to check long sequences of writes (the erase2 traces) operation by operation.
 */
export class RangeModel {
  ranges: Array<{ first: number; last: number; entry: number }> = [];

  store(first: number, last: number, entry: number): void {
    const out: Array<{ first: number; last: number; entry: number }> = [];
    for (const r of this.ranges) {
      if (r.last < first || r.first > last) {
        out.push(r);
        continue;
      }
      if (r.first < first) out.push({ first: r.first, last: first - 1, entry: r.entry });
      if (r.last > last) out.push({ first: last + 1, last: r.last, entry: r.entry });
    }
    if (entry !== 0) out.push({ first, last, entry });
    out.sort((a, b) => a.first - b.first);
    this.ranges = out;
  }

  load(index: number): number {
    for (const r of this.ranges) if (r.first <= index && index <= r.last) return r.entry;
    return 0;
  }

  /** Erase the whole range holding index; returns its entry or 0. */
  erase(index: number): number {
    const i = this.ranges.findIndex((r) => r.first <= index && index <= r.last);
    if (i < 0) return 0;
    const [r] = this.ranges.splice(i, 1);
    return r!.entry;
  }
}

/** The tree's content must equal the model's, range by range. */
export function expectSameContent(t: Tree, m: RangeModel, what: string): void {
  const got = t.entries().map((r) => ({ first: r.first, last: r.last, entry: r.entry }));
  expect(got, what).toEqual(m.ranges);
}
