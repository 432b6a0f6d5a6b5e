/**
 * Slab accounting: every node is either reachable from the root, waiting for a grace period, or
 * free; nothing leaks and nothing is counted twice. A write that cannot get its nodes throws
 * SlabExhaustedError and leaves the tree exactly as it was.
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { MapleTree, SlabExhaustedError } from '../src/index.js';
import { ReferenceModel, MODEL_MAX } from './support/reference-model.js';

type Tree = ReturnType<typeof MapleTree.create>;

const MAX = MODEL_MAX;

/**
 * The slab counts each node in exactly one state: live (reachable from the root), waiting for a
 * grace period (dead, retired, not yet reusable) or free. So live === nodes and
 * live + waiting + free === capacity; with no reader threads the reclaimer releases waiting nodes
 * at the end of each write, so nothing is left waiting between operations.
 */
function checkSlab(tree: Tree, where: string): void {
  const s = tree.stats();
  const { capacity, live, free, waiting } = s.slab;
  const at = `${where} (${JSON.stringify(s)})`;
  expect(live, `${at}: every live node is reachable (live === nodes)`).toBe(s.nodes);
  expect(live + waiting + free, `${at}: live + waiting + free === capacity`).toBe(capacity);
  expect(free, at).toBeGreaterThanOrEqual(0);
  expect(waiting, `${at}: no node left waiting between single-threaded operations`).toBe(0);
  expect(s.height, at).toBe(tree.height());
  expect(s.leaves, at).toBeLessThanOrEqual(s.nodes);
  if (s.nodes > 0) expect(s.leaves, at).toBeGreaterThanOrEqual(1);
  if (s.height <= 1) expect(s.nodes, at).toBe(s.height);
}

function plain(rs: Array<{ first: number; last: number; entry: number }>): Array<{ first: number; last: number; entry: number }> {
  return rs.map((r) => ({ first: r.first, last: r.last, entry: r.entry }));
}

type Write =
  | { op: 'store'; first: number; last: number; entry: number }
  | { op: 'insert'; first: number; last: number; entry: number }
  | { op: 'erase'; index: number }
  | { op: 'alloc'; size: number; rev: boolean };

const entryArb = fc.integer({ min: 8192, max: 0x7fffffff }).map((x) => x * 2 + 1);

function writeArb(keyMax: number): fc.Arbitrary<Write> {
  const range = fc
    .tuple(fc.integer({ min: 0, max: keyMax }), fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 300 })))
    .map(([f, l]): [number, number] => [f, Math.min(MAX, f + l)]);
  return fc.oneof(
    {
      weight: 6,
      arbitrary: fc
        .tuple(range, fc.oneof({ weight: 5, arbitrary: entryArb }, { weight: 1, arbitrary: fc.constant(0) }))
        .map(([[first, last], entry]): Write => ({ op: 'store', first, last, entry })),
    },
    { weight: 2, arbitrary: fc.tuple(range, entryArb).map(([[first, last], entry]): Write => ({ op: 'insert', first, last, entry })) },
    { weight: 3, arbitrary: fc.integer({ min: 0, max: keyMax }).map((index): Write => ({ op: 'erase', index })) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(fc.integer({ min: 1, max: 20 }), fc.boolean())
        .map(([size, rev]): Write => ({ op: 'alloc', size, rev })),
    },
  );
}

/** Apply a write to tree and model (model only if the tree did not throw). */
function apply(tree: Tree, model: ReferenceModel, w: Write, keyMax: number): void {
  switch (w.op) {
    case 'store':
      tree.store(w.first, w.last, w.entry);
      model.store(w.first, w.last, w.entry);
      return;
    case 'insert': {
      const got = tree.insert(w.first, w.last, w.entry);
      expect(got).toBe(model.insert(w.first, w.last, w.entry));
      return;
    }
    case 'erase': {
      const got = tree.erase(w.index);
      expect(got).toBe(model.erase(w.index));
      return;
    }
    case 'alloc': {
      const entry = 16385;
      // As mtree_alloc_range: a tree that does not track gaps refuses, unchanged.
      if (!tree.isAllocTree) {
        expect(() => (w.rev ? tree.allocRangeRev(w.size, entry, 0, keyMax) : tree.allocRange(w.size, entry, 0, keyMax))).toThrow(RangeError);
        return;
      }
      const got = w.rev ? tree.allocRangeRev(w.size, entry, 0, keyMax) : tree.allocRange(w.size, entry, 0, keyMax);
      expect(got).toBe(w.rev ? model.allocRangeRev(w.size, entry, 0, keyMax) : model.allocRange(w.size, entry, 0, keyMax));
      return;
    }
  }
}

const VARIANTS = [
  { rcu: false, allocRange: false },
  { rcu: false, allocRange: true },
  { rcu: true, allocRange: false },
  { rcu: true, allocRange: true },
];

describe('slab accounting after random write sequences', () => {
  VARIANTS.forEach((v, vi) => {
    it(`live === nodes and live + waiting + free === capacity after every write (rcu=${v.rcu} allocRange=${v.allocRange})`, () => {
      const keyMax = 3000;
      fc.assert(
        fc.property(fc.array(writeArb(keyMax), { minLength: 1, maxLength: 400, size: 'max' }), (writes) => {
          const tree = MapleTree.create({ capacity: 4096, rcu: v.rcu, allocRange: v.allocRange });
          const model = new ReferenceModel();
          checkSlab(tree, 'fresh');
          expect(tree.stats().slab.capacity).toBe(4096);
          writes.forEach((w, i) => {
            apply(tree, model, w, keyMax);
            checkSlab(tree, `after write ${i} ${JSON.stringify(w)}`);
          });
          tree.validate();
          expect(plain(tree.entries())).toEqual(model.entries());
          tree.destroy();
          const s = tree.stats();
          expect(s.nodes).toBe(0);
          expect(tree.entries()).toEqual([]);
          checkSlab(tree, 'after destroy');
          expect(s.slab.free).toBe(s.slab.capacity);
        }),
        { seed: 0x51ab + vi, numRuns: 40 },
      );
    });
  });
});

describe('destroy returns every node to the slab', () => {
  VARIANTS.forEach((v) => {
    it(`destroy after a large tree (rcu=${v.rcu} allocRange=${v.allocRange})`, () => {
      const tree = MapleTree.create({ capacity: 8192, rcu: v.rcu, allocRange: v.allocRange });
      for (let i = 0; i < 2000; i++) tree.store(i * 3, i * 3 + 1, 16385 + 2 * i);
      tree.validate();
      const before = tree.stats();
      expect(before.height).toBeGreaterThanOrEqual(3);
      expect(before.nodes).toBeGreaterThan(100);
      checkSlab(tree, 'before destroy');

      tree.destroy();
      const after = tree.stats();
      expect(after.nodes).toBe(0);
      expect(after.height).toBe(0);
      expect(tree.height()).toBe(0);
      expect(tree.entries()).toEqual([]);
      expect(tree.load(3)).toBe(0);
      checkSlab(tree, 'after destroy');
      expect(after.slab.free).toBe(after.slab.capacity);

      // The destroyed tree is empty and usable again.
      tree.store(10, 20, 16385);
      tree.validate();
      expect(plain(tree.entries())).toEqual([{ first: 10, last: 20, entry: 16385 }]);
      checkSlab(tree, 'reuse after destroy');
      tree.destroy();
      checkSlab(tree, 'second destroy');
    });
  });
});

describe('slab exhaustion', () => {
  /**
   * Run writes on a tiny slab. A write either succeeds (model follows) or throws
   * SlabExhaustedError with the tree exactly as before. Returns how many writes were refused.
   */
  function runTiny(capacity: number, v: { rcu: boolean; allocRange: boolean }, writes: Write[], keyMax: number): number {
    const tree = MapleTree.create({ capacity, rcu: v.rcu, allocRange: v.allocRange });
    const model = new ReferenceModel();
    let refused = 0;
    for (let i = 0; i < writes.length; i++) {
      const w = writes[i];
      const before = plain(tree.entries());
      const nodesBefore = tree.stats().nodes;
      try {
        // apply() calls the tree before the model, so a refused write leaves the model as is.
        apply(tree, model, w, keyMax);
      } catch (e) {
        if (!(e instanceof SlabExhaustedError)) throw e;
        refused++;
        const where = `refused write ${i} ${JSON.stringify(w)} (capacity ${capacity})`;
        expect(plain(tree.entries()), where).toEqual(before);
        expect(before, where).toEqual(model.entries());
        tree.validate();
        expect(tree.stats().nodes, where).toBe(nodesBefore);
        checkSlab(tree, where);
        continue;
      }
      tree.validate();
      expect(plain(tree.entries()), `after write ${i}`).toEqual(model.entries());
      checkSlab(tree, `after write ${i}`);
    }
    tree.destroy();
    checkSlab(tree, 'after destroy');
    return refused;
  }

  it('stores on a three-node slab end in SlabExhaustedError with the tree unchanged', () => {
    for (const rcu of [false, true]) {
      const tree = MapleTree.create({ capacity: 3, rcu });
      let thrown: unknown = null;
      let failed = 0;
      let before = plain(tree.entries());
      const model = new ReferenceModel();
      for (let i = 0; i < 200 && thrown === null; i++) {
        before = plain(tree.entries());
        try {
          tree.store(i * 10 + 5, i * 10 + 6, 16385 + 2 * i);
          model.store(i * 10 + 5, i * 10 + 6, 16385 + 2 * i);
        } catch (e) {
          thrown = e;
          failed = i;
        }
        tree.validate();
      }
      expect(thrown, `rcu=${rcu}`).toBeInstanceOf(SlabExhaustedError);
      expect(plain(tree.entries())).toEqual(before);
      expect(plain(tree.entries())).toEqual(model.entries());
      checkSlab(tree, `exhausted, rcu=${rcu}`);
      // Reads still work after a refused write.
      for (const r of model.entries()) expect(tree.load(r.last)).toBe(r.entry);
      expect(tree.load(1_000_000)).toBe(0);
      // The same write keeps being refused without leaking nodes.
      const free = tree.stats().slab.free;
      for (let k = 0; k < 5; k++) {
        expect(() => tree.store(failed * 10 + 5, failed * 10 + 6, 16385)).toThrow(SlabExhaustedError);
        expect(tree.stats().slab.free).toBe(free);
      }
      expect(plain(tree.entries())).toEqual(before);
      tree.validate();
      tree.destroy();
      expect(tree.stats().slab.free).toBe(3);
    }
  });

  it('an alloc tree on a tiny slab refuses allocRange cleanly', () => {
    const tree = MapleTree.create({ capacity: 4, allocRange: true });
    let refused = 0;
    let placed = 0;
    for (let i = 0; i < 200; i++) {
      const before = plain(tree.entries());
      try {
        const s = tree.allocRange(1 + (i % 3), 16385 + 2 * i, 0, 100000);
        if (s >= 0) placed++;
      } catch (e) {
        expect(e).toBeInstanceOf(SlabExhaustedError);
        expect(plain(tree.entries())).toEqual(before);
        refused++;
      }
      tree.validate();
      checkSlab(tree, `alloc ${i}`);
    }
    expect(placed).toBeGreaterThan(0);
    expect(refused).toBeGreaterThan(0);
  });

  VARIANTS.forEach((v, vi) => {
    it(`random writes on tiny slabs: refused writes leave the tree unchanged (rcu=${v.rcu} allocRange=${v.allocRange})`, () => {
      let totalRefused = 0;
      fc.assert(
        fc.property(
          fc.integer({ min: 1, max: 12 }),
          fc.array(writeArb(2000), { minLength: 20, maxLength: 200, size: 'max' }),
          (capacity, writes) => {
            totalRefused += runTiny(capacity, v, writes, 2000);
          },
        ),
        { seed: 0x7e57 + vi, numRuns: 40 },
      );
      expect(totalRefused).toBeGreaterThan(0);
    });
  });
});
