/**
 * Ports (in our own words) of the erase scenarios of the kernel's tools/testing/radix-tree/maple.c:
 * check_erase_testset (in RCU mode, as the kernel runs it) and check_erase2_sets.
 *
 * check_erase2_sets replays VM traces recorded on 64-bit machines. Sets 1-5 are replayed here
 * after an order-preserving rescale to uint32 (see erase2-data.ts). Instead of the kernel's
 * hand-computed entry count, every step is compared with a simple range model, the tree is
 * validated, iterated with mt_for_each and mas_for_each, and index 0 must stay empty. The rest of
 * the kernel's 43 traces are represented in spirit by a seeded, deterministic mmap/munmap/mprotect
 * style trace of a few thousand operations checked the same way.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_INDEX,
  RangeModel,
  checkLoad,
  expectSameContent,
  masForEach,
  mtForEach,
  newTree,
  val,
  type Tree,
} from './helpers.js';
import {
  ERASE2_SET1,
  ERASE2_SET2,
  ERASE2_SET2_EMPTY_WINDOW,
  ERASE2_SET3,
  ERASE2_SET4,
  ERASE2_SET5,
  type Erase2Op,
} from './erase2-data.js';

describe('kernel check_erase_testset', () => {
  const set = [
    5015, 5014, 5017, 25, 1000, 1001, 1002, 1003, 1005, 0,
    6003, 6002, 6008, 6012, 6015, 7003, 7002, 7008, 7012, 7015,
    8003, 8002, 8008, 8012, 8015, 9003, 9002, 9008, 9012, 9015,
    10003, 10002, 10008, 10012, 10015, 11003, 11002, 11008, 11012, 11015,
    12003, 12002, 12008, 12012, 12015, 13003, 13002, 13008, 13012, 13015,
    14003, 14002, 14008, 14012, 14015, 15003, 15002, 15008, 15012, 15015,
  ];
  const entry = [0x00e2a5e1, 0x7ee00001]; // stand-ins for &check_erase_testset and the tree

  it('inserts, erases, re-inserts, coalesces and shrinks, in RCU mode', () => {
    const t = newTree({ rcu: true });
    const ins = (i: number): void => {
      expect(t.insert(set[i]!, set[i]!, entry[i % 2]!), `insert set[${i}]=${set[i]}`).toBe(true);
    };
    const ld = (i: number): void => checkLoad(t, set[i]!, entry[i % 2]!);
    const er = (i: number): void => {
      expect(t.erase(set[i]!), `erase set[${i}]=${set[i]}`).toBe(entry[i % 2]);
    };
    const none = (index: number): void => checkLoad(t, index, 0);
    /** Every set[j] (j < n) is present iff present(j). */
    const state = (n: number, present: (j: number) => boolean): void => {
      for (let j = 0; j < n; j++) {
        if (present(j)) ld(j);
        else none(set[j]!);
      }
    };

    for (let i = 0; i < 4; i++) ins(i);
    for (let i = 0; i < 4; i++) ld(i);

    er(1);
    ld(0);
    none(set[1]!);
    ld(2);
    ld(3);

    er(2);
    ld(0);
    none(set[1]!);
    none(set[2]!);

    ins(1);
    ins(2);
    for (let i = 0; i < 4; i++) ld(i);

    // Erase and load without an allocation.
    ld(3);
    er(1);
    ld(0);
    none(set[1]!);
    ld(2);
    ld(3);

    ins(1);
    ld(0);
    none(5016);
    ld(1);
    none(5013);
    ld(2);
    none(5018);
    ld(3);

    er(2); // erase 5017 to check append
    ld(0);
    none(5016);
    ld(1);
    none(5013);
    none(set[2]!);
    none(5018);
    ld(3);

    ins(2);
    ld(0);
    none(5016);
    ld(1);
    none(5013);
    ld(2);
    none(5018);
    ld(3);

    er(2); // erase 5017 to check append
    ld(0);
    none(5016);
    none(set[2]!);
    er(0); // erase 5015 to check append
    none(set[0]!);
    none(5016);
    ins(4); // 1000: should not split
    none(set[0]!);
    none(5016);
    ld(1);
    none(5013);
    none(set[2]!);
    none(5018);
    ld(4);
    none(999);
    none(1001);
    ld(4);
    // The kernel checks the root is still a single leaf ("should not have split").
    expect(t.height()).toBe(1);
    t.validate();

    // Coalesce testing.
    ins(0);
    ins(2);
    for (let i = 5; i < 25; i++) {
      ins(i);
      for (let j = i; j >= 0; j--) ld(j);
    }
    t.validate();

    const erased = new Set<number>();
    for (const i of [14, 16, 13, 15, 17, 18, 19, 20, 21, 22]) {
      er(i);
      erased.add(i);
      state(25, (j) => !erased.has(j));
    }
    er(23);
    er(24);
    state(25, (j) => j < 13);
    t.validate();

    // Shrinking tree test.
    for (let i = 13; i < set.length; i++) ins(i);
    for (let i = 18; i < set.length; i++) {
      er(i);
      state(set.length, (j) => j < 18 || j > i);
    }
    t.validate();
    for (let i = 0; i < 18; i++) {
      er(i);
      state(set.length, (j) => j < 18 && j > i);
    }
    t.validate();
    expect(t.entries()).toEqual([]);
    ins(8);
    ins(9);
    er(8);
    ld(9);
    t.validate();
  });
});

/** Replay one rescaled erase2 trace, checking the whole tree after every operation. */
function replayErase2(t: Tree, ops: readonly Erase2Op[]): RangeModel {
  const m = new RangeModel();
  ops.forEach(([op, first, last], step) => {
    const where = `op #${step} (${op === 1 ? 'STORE' : op === 2 ? 'SNULL' : 'ERASE'} ${first}-${last})`;
    if (op === 1) {
      t.store(first, last, val(first / 4096));
      m.store(first, last, val(first / 4096));
    } else if (op === 2) {
      t.store(first, last, 0);
      m.store(first, last, 0);
    } else if (m.load(first) !== 0) {
      // The kernel only erases when something is there, and expects the entry stored at first.
      const expected = m.erase(first);
      expect(expected, where).toBe(val(first / 4096));
      expect(t.erase(first), where).toBe(expected);
    }
    t.validate();
    expectSameContent(t, m, where);
    const n = m.ranges.length;
    if (n > 0) expect(t.height(), where).toBeGreaterThan(0);
    expect(mtForEach(t, 0, MAX_INDEX).length, where).toBe(n);
    expect(masForEach(t.cursor(0), MAX_INDEX).length, where).toBe(n);
    expect(t.load(0), where).toBe(0);
  });
  return m;
}

describe('kernel check_erase2_sets (rescaled traces)', () => {
  it('set 1 (plain tree)', () => {
    const t = newTree();
    replayErase2(t, ERASE2_SET1);
    t.destroy();
    expect(t.entries()).toEqual([]);
  });

  it('set 2 (alloc tree), then the queried window is empty', () => {
    const t = newTree({ allocRange: true });
    replayErase2(t, ERASE2_SET2);
    const [lo, hi] = ERASE2_SET2_EMPTY_WINDOW;
    expect(t.find(lo, hi)).toBeNull();
    t.destroy();
  });

  it('set 3 (plain tree)', () => {
    const t = newTree();
    replayErase2(t, ERASE2_SET3);
  });

  it('set 4 (plain tree), then a full iteration', () => {
    const t = newTree();
    const m = replayErase2(t, ERASE2_SET4);
    expect(masForEach(t.cursor(0), MAX_INDEX).map((r) => [r.first, r.last, r.entry])).toEqual(
      m.ranges.map((r) => [r.first, r.last, r.entry]),
    );
  });

  it('set 5 (alloc tree)', () => {
    const t = newTree({ allocRange: true });
    replayErase2(t, ERASE2_SET5);
    t.validate();
  });
});

/** mulberry32: a tiny deterministic PRNG (no dependency, fixed seed). */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = a;
    x = Math.imul(x ^ (x >>> 15), x | 1);
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61);
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

describe('kernel check_erase2_sets, in spirit: a seeded VM-style trace', () => {
  it('mmap / munmap / mprotect / erase for 3000 steps, validated after every step', () => {
    const SEED = 0x5eed2;
    const rnd = prng(SEED);
    const int = (n: number): number => Math.floor(rnd() * n);
    const PAGE = 4096;
    const LOW = 0x00400000; // like a process: mappings between LOW and HIGH
    const HIGH = 0xbfffffff;
    const t = newTree({ allocRange: true });
    const m = new RangeModel();
    let token = 1;
    const counts = { mmap: 0, munmap: 0, mprotect: 0, erase: 0, span: 0 };

    for (let step = 0; step < 3000; step++) {
      const where = `seed ${SEED} step ${step}`;
      const k = int(100);
      const n = m.ranges.length;
      if (n < 8 || k < 40) {
        // mmap: top-down search like the kernel's unmapped area, then store.
        const size = (1 + int(n < 200 ? 64 : 8)) * PAGE;
        const at = t.emptyAreaRev(LOW, HIGH, size);
        if (at < 0) continue;
        if (at < LOW || at + size - 1 > HIGH) expect([at, size], where).toBe('inside [LOW, HIGH]');
        const e = val(token++);
        t.store(at, at + size - 1, e);
        m.store(at, at + size - 1, e);
        counts.mmap++;
      } else if (k < 60) {
        // munmap part of one mapping (head, tail or middle).
        const r = m.ranges[int(n)]!;
        const pages = (r.last + 1 - r.first) / PAGE;
        const a = r.first + int(pages) * PAGE;
        const b = Math.min(r.last, a + (1 + int(pages)) * PAGE - 1);
        t.store(a, b, 0);
        m.store(a, b, 0);
        counts.munmap++;
      } else if (k < 80) {
        // mprotect: split one mapping by storing a new entry over part of it.
        const r = m.ranges[int(n)]!;
        const pages = (r.last + 1 - r.first) / PAGE;
        const a = r.first + int(pages) * PAGE;
        const b = Math.min(r.last, a + (1 + int(pages)) * PAGE - 1);
        const e = val(token++);
        t.store(a, b, e);
        m.store(a, b, e);
        counts.mprotect++;
      } else if (k < 95) {
        // erase the whole mapping holding a random index inside it.
        const r = m.ranges[int(n)]!;
        const index = r.first + int(r.last - r.first + 1);
        expect(t.erase(index), where).toBe(m.erase(index));
        counts.erase++;
      } else {
        // munmap spanning several mappings and the holes between them.
        const i = int(n);
        const j = Math.min(n - 1, i + 1 + int(40));
        const a = m.ranges[i]!.first + PAGE;
        const b = m.ranges[j]!.last - PAGE;
        if (a > b) continue;
        t.store(a, b, 0);
        m.store(a, b, 0);
        counts.span++;
      }
      t.validate();
      expectSameContent(t, m, where);
    }
    expect(Math.min(...Object.values(counts)), JSON.stringify(counts)).toBeGreaterThan(20);
    expect(masForEach(t.cursor(0), MAX_INDEX).length).toBe(m.ranges.length);
    t.destroy();
    expect(t.entries()).toEqual([]);
  });
});
