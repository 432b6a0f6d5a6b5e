/**
 * Bad input: every malformed argument throws a RangeError whose message names the argument, and
 * the tree is exactly as it was (same entries, same node count, validate() passes).
 */
import { describe, it, expect } from 'vitest';
import { MapleTree, MAX_INDEX } from '../src/index.js';

type Tree = ReturnType<typeof MapleTree.create>;

const MAX = 0xffffffff;
const GOOD = 16385;

/** Not uint32 keys. */
const BAD_INDICES: unknown[] = [1.5, NaN, -1, 2 ** 32, 2 ** 40, Infinity, -Infinity, -0.5, MAX + 0.5];
/** Reserved (x & 3 === 2) or not uint32. */
const BAD_ENTRIES: unknown[] = [2, 6, 10, 4094, 4098, 16386, 0xfffffffe, 1.5, -1, 2 ** 32, NaN, Infinity];
/** Sizes: 0, > 2^32, not integers. */
const BAD_SIZES: unknown[] = [0, -1, 2 ** 32 + 1, 2 ** 33, 1.5, NaN, Infinity];

interface Case {
  what: string;
  arg: RegExp;
  call: (t: Tree) => unknown;
}

// Cast helper: bad values are deliberately outside the declared parameter types.
const n = (x: unknown): number => x as number;

function cases(): Case[] {
  const out: Case[] = [];
  for (const bad of BAD_INDICES) {
    const b = n(bad);
    const s = String(bad);
    out.push(
      { what: `store(first=${s})`, arg: /first/, call: (t) => t.store(b, 10, GOOD) },
      { what: `store(last=${s})`, arg: /last/, call: (t) => t.store(0, b, GOOD) },
      { what: `store(first=${s}, entry 0)`, arg: /first/, call: (t) => t.store(b, 10, 0) },
      { what: `insert(first=${s})`, arg: /first/, call: (t) => t.insert(b, 10, GOOD) },
      { what: `insert(last=${s})`, arg: /last/, call: (t) => t.insert(0, b, GOOD) },
      { what: `load(${s})`, arg: /index/, call: (t) => t.load(b) },
      { what: `erase(${s})`, arg: /index/, call: (t) => t.erase(b) },
      { what: `walk(${s})`, arg: /index/, call: (t) => t.walk(b) },
      { what: `find(index=${s})`, arg: /index/, call: (t) => t.find(b, MAX) },
      { what: `find(max=${s})`, arg: /max/, call: (t) => t.find(0, b) },
      { what: `findRev(index=${s})`, arg: /index/, call: (t) => t.findRev(b, 0) },
      { what: `findRev(min=${s})`, arg: /min/, call: (t) => t.findRev(MAX, b) },
      { what: `emptyArea(min=${s})`, arg: /min/, call: (t) => t.emptyArea(b, MAX, 1) },
      { what: `emptyArea(max=${s})`, arg: /max/, call: (t) => t.emptyArea(0, b, 1) },
      { what: `emptyAreaRev(min=${s})`, arg: /min/, call: (t) => t.emptyAreaRev(b, MAX, 1) },
      { what: `emptyAreaRev(max=${s})`, arg: /max/, call: (t) => t.emptyAreaRev(0, b, 1) },
      { what: `allocRange(min=${s})`, arg: /min/, call: (t) => t.allocRange(1, GOOD, b, MAX) },
      { what: `allocRange(max=${s})`, arg: /max/, call: (t) => t.allocRange(1, GOOD, 0, b) },
      { what: `allocRangeRev(min=${s})`, arg: /min/, call: (t) => t.allocRangeRev(1, GOOD, b, MAX) },
      { what: `allocRangeRev(max=${s})`, arg: /max/, call: (t) => t.allocRangeRev(1, GOOD, 0, b) },
      { what: `cursor(${s}).walk()`, arg: /index/, call: (t) => t.cursor(b).walk() },
      { what: `cursor(0, last=${s}).store()`, arg: /last/, call: (t) => t.cursor(0, b).store(GOOD) },
      { what: `cursor.set(${s}).walk()`, arg: /index/, call: (t) => { const c = t.cursor(0); c.set(b); return c.walk(); } },
      { what: `cursor.next(max=${s})`, arg: /max/, call: (t) => t.cursor(0).next(b) },
      { what: `cursor.prev(min=${s})`, arg: /min/, call: (t) => t.cursor(MAX).prev(b) },
      { what: `cursor.find(max=${s})`, arg: /max/, call: (t) => t.cursor(0).find(b) },
      { what: `cursor.findRev(min=${s})`, arg: /min/, call: (t) => t.cursor(MAX).findRev(b) },
      { what: `cursor.emptyArea(min=${s})`, arg: /min/, call: (t) => t.cursor(0).emptyArea(b, MAX, 1) },
      { what: `cursor.emptyAreaRev(max=${s})`, arg: /max/, call: (t) => t.cursor(0).emptyAreaRev(0, b, 1) },
    );
  }
  for (const bad of BAD_ENTRIES) {
    const b = n(bad);
    const s = String(bad);
    out.push(
      { what: `store(entry=${s})`, arg: /entry/, call: (t) => t.store(100, 200, b) },
      { what: `store(entry=${s}) over an occupied range`, arg: /entry/, call: (t) => t.store(5, 5, b) },
      { what: `insert(entry=${s})`, arg: /entry/, call: (t) => t.insert(100_000, 100_001, b) },
      { what: `allocRange(entry=${s})`, arg: /entry/, call: (t) => t.allocRange(1, b, 0, MAX) },
      { what: `allocRangeRev(entry=${s})`, arg: /entry/, call: (t) => t.allocRangeRev(1, b, 0, MAX) },
      { what: `cursor.store(entry=${s})`, arg: /entry/, call: (t) => t.cursor(100, 200).store(b) },
    );
  }
  for (const bad of BAD_SIZES) {
    const b = n(bad);
    const s = String(bad);
    out.push(
      { what: `emptyArea(size=${s})`, arg: /size/, call: (t) => t.emptyArea(0, MAX, b) },
      { what: `emptyAreaRev(size=${s})`, arg: /size/, call: (t) => t.emptyAreaRev(0, MAX, b) },
      { what: `allocRange(size=${s})`, arg: /size/, call: (t) => t.allocRange(b, GOOD, 0, MAX) },
      { what: `allocRangeRev(size=${s})`, arg: /size/, call: (t) => t.allocRangeRev(b, GOOD, 0, MAX) },
      { what: `cursor.emptyArea(size=${s})`, arg: /size/, call: (t) => t.cursor(0).emptyArea(0, MAX, b) },
      { what: `cursor.emptyAreaRev(size=${s})`, arg: /size/, call: (t) => t.cursor(0).emptyAreaRev(0, MAX, b) },
    );
  }
  // first > last.
  for (const [f, l] of [[10, 9], [MAX, 0], [1, 0], [MAX, MAX - 1]]) {
    out.push(
      { what: `store(${f}, ${l})`, arg: /first|last/, call: (t) => t.store(f, l, GOOD) },
      { what: `store(${f}, ${l}, 0)`, arg: /first|last/, call: (t) => t.store(f, l, 0) },
      { what: `insert(${f}, ${l})`, arg: /first|last/, call: (t) => t.insert(f, l, GOOD) },
      { what: `cursor(${f}, ${l}).store()`, arg: /index|first|last/, call: (t) => t.cursor(f, l).store(GOOD) },
    );
  }
  return out;
}

function snapshot(t: Tree): { entries: string; nodes: number; height: number; valid: string } {
  let valid = 'ok';
  try {
    t.validate();
  } catch (e) {
    valid = String(e);
  }
  let nodes = -1;
  try {
    nodes = t.stats().nodes;
  } catch (e) {
    valid += ` / stats(): ${String(e)}`;
  }
  return {
    entries: JSON.stringify(t.entries().map((r) => [r.first, r.last, r.entry])),
    nodes,
    height: t.height(),
    valid,
  };
}

type Snapshot = ReturnType<typeof snapshot>;

/** A short description of how a tree changed: validate() result and the first differing entry. */
function describeChange(before: Snapshot, now: Snapshot): string {
  const a = JSON.parse(before.entries) as number[][];
  const b = JSON.parse(now.entries) as number[][];
  let i = 0;
  while (i < a.length && i < b.length && JSON.stringify(a[i]) === JSON.stringify(b[i])) i++;
  return (
    `validate: ${now.valid}; nodes ${before.nodes} -> ${now.nodes}; ` +
    `entries ${a.length} -> ${b.length}, first difference at #${i}: ` +
    `${JSON.stringify(a[i] ?? null)} -> ${JSON.stringify(b[i] ?? null)}`
  );
}

/** A tree with a few levels and entries near both ends of the keyspace. */
function populated(opts: { rcu: boolean; allocRange: boolean }): Tree {
  const t = MapleTree.create({ ...opts, capacity: 1024 });
  for (let i = 0; i < 300; i++) t.store(i * 4, i * 4 + 1, GOOD + 2 * i);
  t.store(0, 0, 0xffffffff);
  t.store(MAX - 10, MAX, GOOD);
  t.validate();
  return t;
}

function expectRangeError(fn: () => unknown, arg: RegExp, what: string): void {
  expect(rangeErrorProblem(fn, arg, what)).toBeNull();
}

/** null if fn throws a RangeError whose message matches arg, else what went wrong. */
function rangeErrorProblem(fn: () => unknown, arg: RegExp, what: string): string | null {
  let err: unknown = null;
  try {
    fn();
  } catch (e) {
    err = e;
  }
  if (!(err instanceof RangeError)) return `${what}: expected a RangeError, got ${err === null ? 'no error' : String(err)}`;
  if (!arg.test(err.message)) return `${what}: message "${err.message}" does not name ${arg}`;
  return null;
}

/**
 * Run every case on a tree from `make`, collecting every problem so one run reports them all. A
 * case that changed the tree is reported and the tree is rebuilt, so later cases start clean.
 */
function checkCases(make: () => Tree): string[] {
  const problems: string[] = [];
  let t = make();
  let before = snapshot(t);
  for (const c of cases()) {
    const p = rangeErrorProblem(() => c.call(t), c.arg, c.what);
    if (p) problems.push(p);
    const now = snapshot(t);
    if (JSON.stringify(now) !== JSON.stringify(before)) {
      problems.push(`${c.what} changed the tree: ${describeChange(before, now)}`);
      t = make();
      before = snapshot(t);
    }
  }
  t.validate();
  return problems;
}

describe('bad input throws a RangeError naming the argument and leaves the tree unchanged', () => {
  for (const opts of [
    { rcu: false, allocRange: true },
    { rcu: true, allocRange: false },
  ]) {
    it(`every bad argument (rcu=${opts.rcu} allocRange=${opts.allocRange})`, () => {
      const t = populated(opts);
      expect(t.height()).toBeGreaterThanOrEqual(2);
      expect(cases().length).toBeGreaterThan(300);
      expect(checkCases(() => populated(opts))).toEqual([]);
      t.validate();
      expect(t.stats().slab.waiting).toBe(0);
    });
  }

  it('bad input on an empty tree leaves it empty', () => {
    expect(checkCases(() => MapleTree.create())).toEqual([]);
    const t = MapleTree.create();
    for (const c of cases()) expectRangeError(() => c.call(t), c.arg, c.what);
    expect(t.entries()).toEqual([]);
    expect(t.height()).toBe(0);
    expect(t.stats().nodes).toBe(0);
  });

  it('emptyArea with min > max finds nothing or throws a RangeError naming min/max', () => {
    const t = populated({ rcu: false, allocRange: true });
    const before = snapshot(t);
    const calls: Array<[string, () => number]> = [
      ['emptyArea(10, 9, 1)', () => t.emptyArea(10, 9, 1)],
      ['emptyAreaRev(10, 9, 1)', () => t.emptyAreaRev(10, 9, 1)],
      ['emptyArea(MAX, 0, 1)', () => t.emptyArea(MAX, 0, 1)],
      ['allocRange(1, GOOD, 10, 9)', () => t.allocRange(1, GOOD, 10, 9)],
      ['allocRangeRev(1, GOOD, 10, 9)', () => t.allocRangeRev(1, GOOD, 10, 9)],
    ];
    for (const [what, call] of calls) {
      let result: number | RangeError;
      try {
        result = call();
      } catch (e) {
        expect(e, what).toBeInstanceOf(RangeError);
        expect((e as Error).message, what).toMatch(/min|max/);
        result = e as RangeError;
      }
      if (typeof result === 'number') expect(result, what).toBe(-1);
      expect(snapshot(t), what).toEqual(before);
    }
    t.validate();
  });

  it('a window larger than [min, max] is not an error: it simply does not fit', () => {
    const t = MapleTree.create({ allocRange: true });
    expect(t.emptyArea(10, 19, 11)).toBe(-1);
    expect(t.emptyAreaRev(10, 19, 11)).toBe(-1);
    expect(t.allocRange(11, GOOD, 10, 19)).toBe(-1);
    expect(t.allocRangeRev(11, GOOD, 10, 19)).toBe(-1);
    expect(t.entries()).toEqual([]);
    t.validate();
  });

  it('bad capacity is a RangeError naming capacity', () => {
    for (const capacity of [0, -1, 1.5, NaN, Infinity, 2 ** 40]) {
      expectRangeError(() => MapleTree.create({ capacity }), /capacity/, `create({ capacity: ${capacity} })`);
    }
  });
});

describe('edge inputs that are valid are accepted', () => {
  it('keyspace ends, the largest entry and a whole-keyspace window', () => {
    expect(MAX_INDEX).toBe(MAX);
    const t = MapleTree.create({ allocRange: true });
    expect(t.emptyArea(0, MAX, 2 ** 32)).toBe(0);
    expect(t.emptyAreaRev(0, MAX, 2 ** 32)).toBe(0);
    t.store(0, 0, 0xffffffff);
    t.store(MAX, MAX, GOOD);
    t.validate();
    expect(t.load(0)).toBe(0xffffffff);
    expect(t.load(MAX)).toBe(GOOD);
    expect(t.emptyArea(0, MAX, 2 ** 32)).toBe(-1);
    expect(t.emptyArea(0, MAX, 2 ** 32 - 2)).toBe(1);
    expect(t.emptyAreaRev(0, MAX, 2 ** 32 - 2)).toBe(1);
    expect(t.insert(1, MAX - 1, 0x80000001)).toBe(true);
    expect(t.entries().map((r) => [r.first, r.last, r.entry])).toEqual([
      [0, 0, 0xffffffff],
      [1, MAX - 1, 0x80000001],
      [MAX, MAX, GOOD],
    ]);
    expect(t.erase(MAX)).toBe(GOOD);
    expect(t.walk(MAX)).toMatchObject({ first: MAX, last: MAX, entry: 0 });
    t.validate();
    t.store(0, MAX, 0);
    expect(t.entries()).toEqual([]);
    expect(t.height()).toBe(0);
    t.validate();
  });

  it('find with index > max and findRev with index < min find nothing or throw a RangeError', () => {
    const t = populated({ rcu: false, allocRange: false });
    const before = snapshot(t);
    const calls: Array<[string, () => unknown]> = [
      ['find(1000, 999)', () => t.find(1000, 999)],
      ['findRev(999, 1000)', () => t.findRev(999, 1000)],
      ['find(MAX, 0)', () => t.find(MAX, 0)],
    ];
    for (const [what, call] of calls) {
      let result: unknown;
      try {
        result = call();
      } catch (e) {
        expect(e, what).toBeInstanceOf(RangeError);
        expect((e as Error).message, what).toMatch(/index|min|max/);
        result = null;
      }
      expect(result, what).toBeNull();
      expect(snapshot(t), what).toEqual(before);
    }
    t.validate();
  });

  it('allocRange on a tree without allocRange: true is refused, as mtree_alloc_range\'s -EINVAL', () => {
    const t = populated({ rcu: true, allocRange: false });
    const before = snapshot(t);
    expect(() => t.allocRange(1, GOOD, 0, MAX)).toThrow(/allocRange: the tree was created without allocRange: true/);
    expect(() => t.allocRangeRev(1, GOOD, 0, MAX)).toThrow(RangeError);
    expect(snapshot(t)).toEqual(before);
    const a = populated({ rcu: true, allocRange: true });
    expect(a.allocRange(1, GOOD, 0, MAX)).toBeGreaterThanOrEqual(0);
  });
});
