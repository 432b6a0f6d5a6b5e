/**
 * Model-based tests: random command sequences run against MapleTree and the reference model,
 * every result compared, validate() after every write.
 *
 * Every fc.assert has a fixed seed, so a failure is reproducible; fast-check shrinks it to a short
 * command list and prints it. Replay one by pasting that list into `runCommands`.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MapleTree } from '../src/index.js';
import { ReferenceModel, MODEL_MAX, type ModelRange } from './support/reference-model.js';

type Tree = ReturnType<typeof MapleTree.create>;

const MAX = MODEL_MAX;

// ---------------------------------------------------------------------------------------------
// Commands: plain objects so fast-check prints a readable counterexample.

type Cmd =
  | { op: 'store'; first: number; last: number; entry: number }
  | { op: 'insert'; first: number; last: number; entry: number }
  | { op: 'erase'; index: number }
  | { op: 'alloc'; size: number; entry: number; min: number; max: number }
  | { op: 'allocRev'; size: number; entry: number; min: number; max: number }
  | { op: 'cstore'; first: number; last: number; entry: number }
  | { op: 'cerase'; index: number }
  | { op: 'rcu'; on: boolean }
  | { op: 'load'; index: number }
  | { op: 'walk'; index: number }
  | { op: 'find'; index: number; max: number }
  | { op: 'findRev'; index: number; min: number }
  | { op: 'iter'; index: number; min: number; max: number; steps: string }
  | { op: 'iterw'; index: number; min: number; max: number; steps: string; writes: Array<[number, number, number]> }
  | { op: 'cfind'; index: number; max: number; count: number }
  | { op: 'cfindRev'; index: number; min: number; count: number }
  | { op: 'empty'; min: number; max: number; size: number };

interface Variant {
  rcu: boolean;
  allocRange: boolean;
}

/** small: keys 0..2000; wide: 0..12000 (over big prefilled trees); full: the whole keyspace. */
type Space = 'small' | 'wide' | 'full';

// ---------------------------------------------------------------------------------------------
// Arbitraries. Small keyspaces make ranges collide; the full keyspace hits both ends and spans.

/** An odd entry >= 16385 (never reserved); a few fixed values so equal neighbours occur. */
const entryArb: fc.Arbitrary<number> = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(16385, 16387, 0xffffffff) },
  { weight: 5, arbitrary: fc.integer({ min: 8192, max: 0x7fffffff }).map((x) => x * 2 + 1) },
);

function keyArb(space: Space): fc.Arbitrary<number> {
  if (space === 'small') return fc.integer({ min: 0, max: 2000 });
  if (space === 'wide') return fc.integer({ min: 0, max: 12000 });
  return fc.oneof(
    fc.integer({ min: 0, max: 300 }),
    fc.integer({ min: MAX - 300, max: MAX }),
    fc.integer({ min: 0, max: MAX }),
    fc.constantFrom(0, 1, MAX - 1, MAX, 0x80000000, 0x7fffffff),
  );
}

function lenArb(space: Space): fc.Arbitrary<number> {
  const common = [
    { weight: 4, arbitrary: fc.integer({ min: 0, max: 3 }) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: 40 }) },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 600 }) },
  ];
  if (space === 'small') return fc.oneof(...common);
  if (space === 'wide') return fc.oneof(...common, { weight: 1, arbitrary: fc.integer({ min: 0, max: 12000 }) });
  return fc.oneof(...common, { weight: 2, arbitrary: fc.integer({ min: 0, max: MAX }) });
}

/** [first, last] with first <= last <= MAX. */
function rangeArb(space: Space): fc.Arbitrary<[number, number]> {
  const byLen = fc
    .tuple(keyArb(space), lenArb(space))
    .map(([f, l]): [number, number] => [f, Math.min(MAX, f + l)]);
  if (space !== 'full') return byLen;
  const byKeys = fc
    .tuple(keyArb(space), keyArb(space))
    .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));
  return fc.oneof(byLen, byKeys);
}

function sizeArb(space: Space): fc.Arbitrary<number> {
  const common = [
    { weight: 4, arbitrary: fc.integer({ min: 1, max: 4 }) },
    { weight: 3, arbitrary: fc.integer({ min: 1, max: 60 }) },
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 1500 }) },
  ];
  if (space !== 'full') return fc.oneof(...common);
  return fc.oneof(
    ...common,
    { weight: 1, arbitrary: fc.integer({ min: 1, max: 2 ** 32 }) },
    { weight: 1, arbitrary: fc.constantFrom(2 ** 32, 2 ** 32 - 1, 2 ** 31) },
  );
}

const stepsArb = fc
  .array(fc.constantFrom('n', 'n', 'p', 'P'), { minLength: 1, maxLength: 12, size: 'max' })
  .map((a) => a.join(''));

/** Steps with writes ('w') between cursor moves. */
const stepsWithWritesArb = fc
  .array(fc.constantFrom('n', 'n', 'p', 'w', 'w'), { minLength: 2, maxLength: 16, size: 'max' })
  .map((a) => a.join(''));

/**
 * Commands over `space`. With `cursorWrites`, cursor runs with writes between their steps
 * ('iterw') are frequent; without, there are none (they have their own tests).
 */
function cmdArb(space: Space, cursorWrites = false): fc.Arbitrary<Cmd> {
  const key = keyArb(space);
  const range = rangeArb(space);
  const len = lenArb(space);
  const up = (i: number, l: number): number => Math.min(MAX, i + l);
  const down = (i: number, l: number): number => Math.max(0, i - l);
  return fc.oneof(
    {
      weight: 10,
      arbitrary: fc
        .tuple(range, fc.oneof({ weight: 5, arbitrary: entryArb }, { weight: 1, arbitrary: fc.constant(0) }))
        .map(([[first, last], entry]): Cmd => ({ op: 'store', first, last, entry })),
    },
    {
      weight: 5,
      arbitrary: fc.tuple(range, entryArb).map(([[first, last], entry]): Cmd => ({ op: 'insert', first, last, entry })),
    },
    { weight: 4, arbitrary: key.map((index): Cmd => ({ op: 'erase', index })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(sizeArb(space), entryArb, range, fc.boolean())
        .map(([size, entry, [min, max], rev]): Cmd => ({ op: rev ? 'allocRev' : 'alloc', size, entry, min, max })),
    },
    {
      weight: 2,
      arbitrary: fc
        .tuple(range, fc.oneof({ weight: 4, arbitrary: entryArb }, { weight: 1, arbitrary: fc.constant(0) }))
        .map(([[first, last], entry]): Cmd => ({ op: 'cstore', first, last, entry })),
    },
    { weight: 1, arbitrary: key.map((index): Cmd => ({ op: 'cerase', index })) },
    { weight: 1, arbitrary: fc.boolean().map((on): Cmd => ({ op: 'rcu', on })) },
    { weight: 2, arbitrary: key.map((index): Cmd => ({ op: 'load', index })) },
    { weight: 2, arbitrary: key.map((index): Cmd => ({ op: 'walk', index })) },
    {
      weight: 2,
      arbitrary: fc.tuple(key, len).map(([index, l]): Cmd => ({ op: 'find', index, max: up(index, l) })),
    },
    {
      weight: 2,
      arbitrary: fc.tuple(key, len).map(([index, l]): Cmd => ({ op: 'findRev', index, min: down(index, l) })),
    },
    {
      weight: 3,
      arbitrary: fc
        .tuple(key, len, len, stepsArb)
        .map(([index, a, b, steps]): Cmd => ({ op: 'iter', index, min: down(index, a), max: up(index, b), steps })),
    },
    {
      weight: cursorWrites ? 12 : 0,
      arbitrary: fc
        .tuple(
          key,
          len,
          len,
          stepsWithWritesArb,
          fc.array(
            fc.tuple(range, fc.oneof({ weight: 3, arbitrary: entryArb }, { weight: 1, arbitrary: fc.constant(0) })),
            { minLength: 1, maxLength: 6, size: 'max' },
          ),
        )
        .map(
          ([index, a, b, steps, ws]): Cmd => ({
            op: 'iterw',
            index,
            min: down(index, a),
            max: up(index, b),
            steps,
            writes: ws.map(([[f, l], e]): [number, number, number] => [f, l, e]),
          }),
        ),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, len, fc.integer({ min: 1, max: 8 }))
        .map(([index, l, count]): Cmd => ({ op: 'cfind', index, max: up(index, l), count })),
    },
    {
      weight: 1,
      arbitrary: fc
        .tuple(key, len, fc.integer({ min: 1, max: 8 }))
        .map(([index, l, count]): Cmd => ({ op: 'cfindRev', index, min: down(index, l), count })),
    },
    {
      weight: 3,
      arbitrary: fc.tuple(range, sizeArb(space)).map(([[min, max], size]): Cmd => ({ op: 'empty', min, max, size })),
    },
  );
}

// ---------------------------------------------------------------------------------------------
// Running commands against the tree and the model.

function plain(r: { first: number; last: number; entry: number } | null): ModelRange | null {
  return r === null ? null : { first: r.first, last: r.last, entry: r.entry };
}

function cursorRange(c: { index: number; last: number }): [number, number] {
  return [c.index, c.last];
}

function checkEntries(tree: Tree, model: ReferenceModel, where: string): void {
  expect(tree.entries().map(plain), where).toEqual(model.entries());
}

/** Apply one write to tree and model, compare results, validate. */
function runWrite(tree: Tree, model: ReferenceModel, cmd: Cmd, where: string, state: { rcu: boolean }): void {
  switch (cmd.op) {
    case 'store':
      tree.store(cmd.first, cmd.last, cmd.entry);
      model.store(cmd.first, cmd.last, cmd.entry);
      break;
    case 'insert':
      expect(tree.insert(cmd.first, cmd.last, cmd.entry), where).toBe(model.insert(cmd.first, cmd.last, cmd.entry));
      break;
    case 'erase':
      expect(tree.erase(cmd.index), where).toBe(model.erase(cmd.index));
      break;
    case 'alloc':
    case 'allocRev': {
      const rev = cmd.op === 'allocRev';
      const call = (): number =>
        rev ? tree.allocRangeRev(cmd.size, cmd.entry, cmd.min, cmd.max) : tree.allocRange(cmd.size, cmd.entry, cmd.min, cmd.max);
      // As mtree_alloc_range: only a tree that tracks gaps allocates; another refuses, unchanged.
      if (!tree.isAllocTree) {
        expect(call, where).toThrow(/allocRange: true/);
        break;
      }
      expect(call(), where).toBe(
        rev ? model.allocRangeRev(cmd.size, cmd.entry, cmd.min, cmd.max) : model.allocRange(cmd.size, cmd.entry, cmd.min, cmd.max),
      );
      break;
    }
    case 'cstore': {
      const c = tree.cursor(cmd.first, cmd.last);
      c.store(cmd.entry);
      model.store(cmd.first, cmd.last, cmd.entry);
      break;
    }
    case 'cerase': {
      const c = tree.cursor(cmd.index);
      expect(c.erase(), where).toBe(model.erase(cmd.index));
      break;
    }
    case 'rcu':
      tree.setRcu(cmd.on);
      state.rcu = cmd.on;
      break;
    default:
      throw new Error(`not a write: ${cmd.op}`);
  }
  tree.validate();
  checkShape(tree, where);
}

/**
 * Shape checks validate() does not make: an internal root has at least two children (a root
 * left with one child collapses onto it, as the kernel's spanning rebalance does), so a tree of
 * height >= 2 has at least two leaves; height 0 means no node at all.
 */
function checkShape(tree: Tree, where: string): void {
  const s = tree.stats();
  expect(s.height, where).toBe(tree.height());
  if (s.height >= 2) expect(s.leaves, `${where}: root with a single child (${JSON.stringify(s)})`).toBeGreaterThanOrEqual(2);
  if (s.height <= 1) expect(s.nodes, where).toBe(s.height);
}

/** Run one read and compare with the model. */
function runRead(tree: Tree, model: ReferenceModel, cmd: Cmd, where: string, state: { rcu: boolean }): void {
  switch (cmd.op) {
    case 'load':
      expect(tree.load(cmd.index), where).toBe(model.load(cmd.index));
      return;
    case 'walk':
      expect(plain(tree.walk(cmd.index)), where).toEqual(model.walk(cmd.index));
      return;
    case 'find':
      expect(plain(tree.find(cmd.index, cmd.max)), where).toEqual(model.find(cmd.index, cmd.max));
      return;
    case 'findRev':
      expect(plain(tree.findRev(cmd.index, cmd.min)), where).toEqual(model.findRev(cmd.index, cmd.min));
      return;
    case 'iter':
    case 'iterw': {
      // walk, then a run of next (n) / prev (p) / pause (P) / write (w), stopping at the first 0.
      // A write never touches the cursor's current range (it is skipped if it would), so the
      // expected answer stays well defined: in RCU mode the cursor must notice dead nodes and
      // re-walk by itself; outside RCU mode it is paused before the write, as the kernel requires.
      // A cursor kept across writes in RCU mode lives in a read-side section (nodes the writes
      // free are not reused until it ends), as the kernel's check_rcu_simulated holds rcu_read_lock.
      if (state.rcu) tree.rcuReadLock();
      try {
        const c = tree.cursor(cmd.index);
        const w = model.walk(cmd.index);
        expect(c.walk(), `${where} cursor.walk`).toBe(w.entry);
        expect(cursorRange(c), `${where} cursor.walk range`).toEqual([w.first, w.last]);
        let cur: ModelRange = w;
        let nextWrite = 0;
        for (let i = 0; i < cmd.steps.length; i++) {
          const s = cmd.steps[i];
          const at = `${where} step ${i} (${s})`;
          if (s === 'P') {
            c.pause();
            continue;
          }
          if (s === 'w') {
            if (cmd.op !== 'iterw' || nextWrite >= cmd.writes.length) continue;
            const [first, last, entry] = cmd.writes[nextWrite++];
            if (first <= cur.last && last >= cur.first) continue;
            if (!state.rcu) c.pause();
            tree.store(first, last, entry);
            model.store(first, last, entry);
            tree.validate();
            continue;
          }
          let want: ModelRange | null;
          let got: number;
          if (s === 'n') {
            want = cur.last === MAX ? null : model.find(cur.last + 1, cmd.max);
            got = c.next(cmd.max);
          } else {
            want = cur.first === 0 ? null : model.findRev(cur.first - 1, cmd.min);
            got = c.prev(cmd.min);
          }
          if (want === null) {
            expect(got, at).toBe(0);
            return;
          }
          expect(got, at).toBe(want.entry);
          expect(cursorRange(c), at).toEqual([want.first, want.last]);
          cur = want;
        }
        return;
      } finally {
        if (state.rcu) tree.rcuReadUnlock();
      }
    }
    case 'cfind': {
      const c = tree.cursor(cmd.index);
      let want = model.find(cmd.index, cmd.max);
      for (let i = 0; i < cmd.count; i++) {
        const got = c.find(cmd.max);
        const at = `${where} cursor.find #${i}`;
        if (want === null) {
          expect(got, at).toBe(0);
          return;
        }
        expect(got, at).toBe(want.entry);
        expect(cursorRange(c), at).toEqual([want.first, want.last]);
        want = want.last === MAX ? null : model.find(want.last + 1, cmd.max);
      }
      return;
    }
    case 'cfindRev': {
      const c = tree.cursor(cmd.index);
      let want = model.findRev(cmd.index, cmd.min);
      for (let i = 0; i < cmd.count; i++) {
        const got = c.findRev(cmd.min);
        const at = `${where} cursor.findRev #${i}`;
        if (want === null) {
          expect(got, at).toBe(0);
          return;
        }
        expect(got, at).toBe(want.entry);
        expect(cursorRange(c), at).toEqual([want.first, want.last]);
        want = want.first === 0 ? null : model.findRev(want.first - 1, cmd.min);
      }
      return;
    }
    case 'empty': {
      const lo = model.emptyArea(cmd.min, cmd.max, cmd.size);
      const hi = model.emptyAreaRev(cmd.min, cmd.max, cmd.size);
      expect(tree.emptyArea(cmd.min, cmd.max, cmd.size), `${where} emptyArea`).toBe(lo);
      expect(tree.emptyAreaRev(cmd.min, cmd.max, cmd.size), `${where} emptyAreaRev`).toBe(hi);
      const c = tree.cursor(0);
      expect(c.emptyArea(cmd.min, cmd.max, cmd.size), `${where} cursor.emptyArea`).toBe(lo >= 0);
      if (lo >= 0) expect(cursorRange(c), `${where} cursor.emptyArea range`).toEqual([lo, lo + cmd.size - 1]);
      const r = tree.cursor(0);
      expect(r.emptyAreaRev(cmd.min, cmd.max, cmd.size), `${where} cursor.emptyAreaRev`).toBe(hi >= 0);
      if (hi >= 0) expect(cursorRange(r), `${where} cursor.emptyAreaRev range`).toEqual([hi, hi + cmd.size - 1]);
      return;
    }
    default:
      throw new Error(`not a read: ${cmd.op}`);
  }
}

const WRITES = new Set(['store', 'insert', 'erase', 'alloc', 'allocRev', 'cstore', 'cerase', 'rcu']);

/** Optional starting content: `count` ranges [i * stride, i * stride + width - 1]. */
interface Prefill {
  count: number;
  stride: number;
  width: number;
}

const prefillArb: fc.Arbitrary<Prefill> = fc.oneof(
  { weight: 1, arbitrary: fc.constant({ count: 0, stride: 1, width: 1 }) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(fc.integer({ min: 20, max: 600 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 3 }))
      .map(([count, width, gap]): Prefill => ({ count, stride: width + gap - 1, width })),
  },
);

/** Run a command list on a fresh tree; throws on the first disagreement with the model. */
function runCommands(variant: Variant, cmds: Cmd[], prefill?: Prefill): void {
  const tree = MapleTree.create({ rcu: variant.rcu, allocRange: variant.allocRange, capacity: 4096 });
  const model = new ReferenceModel();
  const state = { rcu: variant.rcu };
  try {
    if (prefill) {
      for (let i = 0; i < prefill.count; i++) {
        const first = i * Math.max(1, prefill.stride);
        tree.store(first, first + prefill.width - 1, 0x10000001 + 2 * i);
        model.store(first, first + prefill.width - 1, 0x10000001 + 2 * i);
      }
      tree.validate();
      checkEntries(tree, model, `prefill ${JSON.stringify(prefill)}`);
    }
    for (let i = 0; i < cmds.length; i++) {
      const cmd = cmds[i];
      const where = `cmd ${i} ${JSON.stringify(cmd)}`;
      if (WRITES.has(cmd.op)) {
        runWrite(tree, model, cmd, where, state);
        checkEntries(tree, model, where);
      } else {
        runRead(tree, model, cmd, where, state);
        if (cmd.op === 'iterw') checkEntries(tree, model, where);
      }
    }
    checkEntries(tree, model, 'end');
    tree.validate();
  } finally {
    tree.destroy();
  }
}

// ---------------------------------------------------------------------------------------------

/**
 * fc.assert parameters: a fixed seed and a fixed number of runs (deterministic: the same command
 * lists on every machine). The time cap only bounds the shrinking of a failure over a large
 * prefilled tree (it keeps the test inside vitest's timeout and still reports the smallest
 * counterexample found so far); reached before all `numRuns` runs passed, it is a failure
 * (failOnInterrupt), never a silent pass with fewer runs. Each property takes well under a second
 * here, so the cap is far out of reach.
 */
function runs(seed: number, numRuns: number): fc.Parameters<unknown> {
  return { seed, numRuns, plugins: [fc.interruptAfterTimeLimit(40_000, { failOnInterrupt: true })] };
}

const VARIANTS: Variant[] = [
  { rcu: false, allocRange: false },
  { rcu: false, allocRange: true },
  { rcu: true, allocRange: false },
  { rcu: true, allocRange: true },
];

function name(v: Variant): string {
  return `rcu=${v.rcu} allocRange=${v.allocRange}`;
}

describe('model-based: random command sequences', () => {
  VARIANTS.forEach((variant, vi) => {
    it(`small keyspace (0..2000), ${name(variant)}`, () => {
      fc.assert(
        fc.property(fc.array(cmdArb('small'), { minLength: 1, maxLength: 120, size: 'max' }), (cmds) => runCommands(variant, cmds)),
        runs(0x5eed00 + vi, 120),
      );
    });

    it(`small keyspace over a prefilled tree (height 2-3), ${name(variant)}`, () => {
      fc.assert(
        fc.property(prefillArb, fc.array(cmdArb('small'), { minLength: 1, maxLength: 100, size: 'max' }), (pre, cmds) =>
          runCommands(variant, cmds, pre),
        ),
        runs(0x9ef111 + vi, 60),
      );
    });

    it(`small keyspace, long sequences, ${name(variant)}`, () => {
      fc.assert(
        fc.property(fc.array(cmdArb('small'), { minLength: 200, maxLength: 500, size: 'max' }), (cmds) => runCommands(variant, cmds)),
        runs(0x10e600 + vi, 12),
      );
    });

    it(`full keyspace over a prefilled tree (spanning stores at height 2-3), ${name(variant)}`, () => {
      fc.assert(
        fc.property(prefillArb, fc.array(cmdArb('full'), { minLength: 1, maxLength: 60, size: 'max' }), (pre, cmds) =>
          runCommands(variant, cmds, pre),
        ),
        runs(0xf9ef + vi, 100),
      );
    });

    it(`full keyspace (near 0 and 0xFFFFFFFF), ${name(variant)}`, () => {
      fc.assert(
        fc.property(fc.array(cmdArb('full'), { minLength: 1, maxLength: 100, size: 'max' }), (cmds) => runCommands(variant, cmds)),
        runs(0xf0110 + vi, 80),
      );
    });
  });
});

describe('model-based: root collapse after a spanning store', () => {
  // A NULL store spanning all but the last entry of a height-3 tree leaves one leaf: the root
  // must collapse onto it (an internal root with a single child is not a valid tree, and the leaf
  // would be a non-root node below minimum occupancy).
  for (const allocRange of [false, true]) {
    for (const rcu of [false, true]) {
      it(`spanning NULL store leaving one leaf collapses the root (allocRange=${allocRange}, rcu=${rcu})`, () => {
        for (const targetHeight of [2, 3, 4]) {
          const tree = MapleTree.create({ rcu, allocRange, capacity: 1 << 14 });
          const model = new ReferenceModel();
          // Sequential single-index stores until the tree first reaches targetHeight.
          let n = 0;
          while (tree.height() < targetHeight) {
            tree.store(n, n, 0x10000001 + 2 * n);
            model.store(n, n, 0x10000001 + 2 * n);
            n++;
          }
          const where = `n=${n} height ${targetHeight}`;
          tree.store(0, n - 2, 0);
          model.store(0, n - 2, 0);
          checkEntries(tree, model, `${where}: after store(0, ${n - 2}, 0)`);
          tree.validate();
          expect(tree.height(), where).toBe(1);
          tree.destroy();
        }
      });
    }
  }
});

describe('model-based: a cursor held across writes', () => {
  it('RCU: a cursor held in a read-side section across writes re-walks (no repeated entry)', () => {
    // Leaf L1 = [NULL 0-1 | A 2 | NULL 3-MAX]; the cursor stands on A in L1. store(0, 0) replaces
    // L1 (dead). Inside the read-side section its node is not reused by store(3, 3), so the
    // cursor sees it dead and re-walks instead of reading a reused node as if it were still L1.
    const tree = MapleTree.create({ rcu: true });
    tree.store(2, 2, 16385);
    tree.rcuReadLock();
    const c = tree.cursor(0);
    expect(c.walk()).toBe(0);
    expect(c.next(3)).toBe(16385);
    expect(cursorRange(c)).toEqual([2, 2]);
    tree.store(0, 0, 16387);
    tree.store(3, 3, 16389);
    tree.validate();
    expect(c.next(3)).toBe(16389);
    expect(cursorRange(c)).toEqual([3, 3]);
    expect(c.prev(0)).toBe(16385);
    expect(cursorRange(c)).toEqual([2, 2]);
    tree.rcuReadUnlock();
    expect(tree.stats().slab.waiting).toBe(0);
    tree.destroy();
  });

  // RCU mode: the cursor must notice that its node died (or was freed and reused) and re-walk.
  // Non-RCU mode: the cursor is paused before each write, and must re-walk after it.
  VARIANTS.forEach((variant, vi) => {
    it(`next/prev with writes between steps, ${name(variant)}`, () => {
      fc.assert(
        fc.property(fc.array(cmdArb('small', true), { minLength: 1, maxLength: 60, size: 'max' }), (cmds) => runCommands(variant, cmds)),
        runs(0xc0de + vi, 300),
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------
// Grow to height >= 4, then drain back to empty.

/** mulberry32: small deterministic PRNG for the bulk phases (fast-check supplies the seed). */
function prng(seed: number): (n: number) => number {
  let a = seed >>> 0;
  return (n: number): number => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) % n) >>> 0;
  };
}

interface GrowParams {
  seed: number;
  n: number; // sequential stores in phase 1
  stride: number; // distance between sequential ranges (> width keeps a NULL gap between them)
  width: number;
  randomStores: number;
  validateEvery: number;
}

function growAndDrain(variant: Variant, p: GrowParams): Record<string, number> {
  const rnd = prng(p.seed);
  const n = p.n;
  const tree = MapleTree.create({ rcu: variant.rcu, allocRange: variant.allocRange, capacity: 1 << 16 });
  const model = new ReferenceModel();
  let writes = 0;
  const wrote = (): void => {
    writes++;
    if (writes % p.validateEvery === 0) {
      tree.validate();
      checkShape(tree, `write ${writes}`);
    }
  };
  const spotCheck = (): void => {
    for (let k = 0; k < 8; k++) {
      const i = rnd(n * p.stride + 100);
      expect(tree.load(i), `load(${i})`).toBe(model.load(i));
      expect(plain(tree.walk(i)), `walk(${i})`).toEqual(model.walk(i));
    }
  };

  // Phase 1: sequential appends with NULL gaps between them (two slots per store). 3000 stores
  // make 6000 slots, more than a height-3 tree of full 16-slot nodes holds (4096); 1200 stores make
  // 2400 slots, more than a height-3 alloc tree holds (16 * 10 * 10 = 1600).
  for (let i = 0; i < n; i++) {
    const first = i * p.stride;
    const entry = 16385 + 2 * i;
    tree.store(first, first + p.width - 1, entry);
    model.store(first, first + p.width - 1, entry);
    wrote();
  }
  tree.validate();
  spotCheck();
  expect(tree.height()).toBeGreaterThanOrEqual(4);

  // Phase 2: random small stores, inserts and erases over the same span.
  const span = n * p.stride;
  for (let i = 0; i < p.randomStores; i++) {
    const first = rnd(span);
    const last = Math.min(MAX, first + rnd(rnd(4) === 0 ? 40 : 4));
    const kind = rnd(10);
    if (kind < 6) {
      const entry = 0x40000001 + 2 * rnd(1 << 20);
      tree.store(first, last, entry);
      model.store(first, last, entry);
    } else if (kind < 8) {
      expect(tree.insert(first, last, 16385)).toBe(model.insert(first, last, 16385));
    } else {
      expect(tree.erase(first)).toBe(model.erase(first));
    }
    wrote();
    if (i % 500 === 0) spotCheck();
  }
  tree.validate();
  checkEntries(tree, model, 'after growth');
  expect(tree.height()).toBeGreaterThanOrEqual(4);
  expect(tree.stats().nodes).toBeGreaterThan(100);

  // Phase 3: drain. Mostly single erases at a random range; sometimes a NULL store spanning
  // several ranges (spanning store / rebalance paths).
  let steps = 0;
  while (model.size > 0) {
    const ranges = model.entries();
    const k = rnd(ranges.length);
    const r = ranges[k];
    if (rnd(5) === 0) {
      const k2 = Math.min(ranges.length - 1, k + rnd(30));
      const first = Math.max(0, r.first - rnd(3));
      const last = ranges[k2].last;
      tree.store(first, last, 0);
      model.store(first, last, 0);
    } else {
      const at = r.first + rnd(r.last - r.first + 1);
      expect(tree.erase(at), `erase(${at})`).toBe(r.entry);
      model.erase(at);
    }
    wrote();
    if (++steps % 400 === 0) {
      spotCheck();
      checkEntries(tree, model, `drain step ${steps}`);
    }
  }
  tree.validate();
  expect(tree.entries()).toEqual([]);
  expect(tree.height()).toBe(0);
  expect(tree.stats().nodes).toBeLessThanOrEqual(1);
  expect(plain(tree.walk(12345))).toEqual({ first: 0, last: MAX, entry: 0 });
  const paths = { ...tree.writeStats } as unknown as Record<string, number>;
  tree.destroy();
  return paths;
}

describe('model-based: grow to height >= 4 and drain to empty', () => {
  VARIANTS.forEach((variant, vi) => {
    it(`grows and drains, ${name(variant)}`, () => {
      fc.assert(
        fc.property(
          fc.record({
            seed: fc.integer(),
            n: fc.constant(3000),
            stride: fc.integer({ min: 3, max: 12 }),
            width: fc.integer({ min: 1, max: 2 }),
            randomStores: fc.integer({ min: 500, max: 3000 }),
            validateEvery: fc.constantFrom(16, 64, 128),
          }),
          (p) => {
            growAndDrain(variant, p);
          },
        ),
        runs(0x6a0e + vi, 3),
      );
    });
  });

  it('validates after every write while growing to height 4 and draining (non-RCU, alloc tree)', () => {
    const paths = growAndDrain(
      { rcu: false, allocRange: true },
      { seed: 7, n: 1200, stride: 4, width: 2, randomStores: 200, validateEvery: 1 },
    );
    // The run went through every kind of write, so "validate after every write" covered them all.
    for (const kind of ['exactFit', 'slotStore', 'append', 'nodeStore', 'split', 'rebalance', 'spanning', 'newRoot', 'rootCollapse']) {
      expect(paths[kind], `write path ${kind} (${JSON.stringify(paths)})`).toBeGreaterThan(0);
    }
  });
});
