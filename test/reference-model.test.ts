import { describe, it, expect } from 'vitest';
import { ReferenceModel, MODEL_MAX } from './support/reference-model.js';

const A = 16385;
const B = 16387;
const C = 16389;

function modelWith(...ranges: Array<[number, number, number]>): ReferenceModel {
  const m = new ReferenceModel();
  for (const [f, l, e] of ranges) m.store(f, l, e);
  return m;
}

describe('reference model: store', () => {
  it('starts empty: one NULL range over the whole keyspace', () => {
    const m = new ReferenceModel();
    expect(m.entries()).toEqual([]);
    expect(m.walk(0)).toEqual({ first: 0, last: MODEL_MAX, entry: 0 });
    expect(m.walk(MODEL_MAX)).toEqual({ first: 0, last: MODEL_MAX, entry: 0 });
    expect(m.load(12345)).toBe(0);
  });

  it('splits a range in three when storing in its middle', () => {
    const m = modelWith([10, 20, A], [14, 15, B]);
    expect(m.entries()).toEqual([
      { first: 10, last: 13, entry: A },
      { first: 14, last: 15, entry: B },
      { first: 16, last: 20, entry: A },
    ]);
  });

  it('cuts every overlapped range and replaces fully covered ones', () => {
    const m = modelWith([0, 9, A], [10, 19, B], [20, 29, C], [30, 39, A]);
    m.store(5, 34, B);
    expect(m.entries()).toEqual([
      { first: 0, last: 4, entry: A },
      { first: 5, last: 34, entry: B },
      { first: 35, last: 39, entry: A },
    ]);
  });

  it('never merges adjacent non-NULL ranges, even with equal entries', () => {
    const m = modelWith([0, 4, A], [5, 9, A]);
    expect(m.entries()).toEqual([
      { first: 0, last: 4, entry: A },
      { first: 5, last: 9, entry: A },
    ]);
    expect(m.walk(4)).toEqual({ first: 0, last: 4, entry: A });
    expect(m.walk(5)).toEqual({ first: 5, last: 9, entry: A });
  });

  it('storing 0 erases and merges NULL gaps', () => {
    const m = modelWith([10, 20, A], [30, 40, B]);
    m.store(15, 35, 0);
    expect(m.entries()).toEqual([
      { first: 10, last: 14, entry: A },
      { first: 36, last: 40, entry: B },
    ]);
    expect(m.walk(25)).toEqual({ first: 15, last: 35, entry: 0 });
    m.store(0, MODEL_MAX, 0);
    expect(m.entries()).toEqual([]);
  });

  it('handles the keyspace ends', () => {
    const m = modelWith([0, 0, A], [MODEL_MAX, MODEL_MAX, B]);
    expect(m.walk(1)).toEqual({ first: 1, last: MODEL_MAX - 1, entry: 0 });
    expect(m.walk(0)).toEqual({ first: 0, last: 0, entry: A });
    expect(m.walk(MODEL_MAX)).toEqual({ first: MODEL_MAX, last: MODEL_MAX, entry: B });
    m.store(0, MODEL_MAX, C);
    expect(m.entries()).toEqual([{ first: 0, last: MODEL_MAX, entry: C }]);
  });
});

describe('reference model: insert / erase / load', () => {
  it('insert fails when any index is occupied and leaves the model unchanged', () => {
    const m = modelWith([10, 20, A]);
    expect(m.insert(0, 10, B)).toBe(false);
    expect(m.insert(20, 30, B)).toBe(false);
    expect(m.insert(12, 13, B)).toBe(false);
    expect(m.insert(0, MODEL_MAX, B)).toBe(false);
    expect(m.entries()).toEqual([{ first: 10, last: 20, entry: A }]);
    expect(m.insert(21, 30, B)).toBe(true);
    expect(m.insert(0, 9, C)).toBe(true);
    expect(m.entries()).toEqual([
      { first: 0, last: 9, entry: C },
      { first: 10, last: 20, entry: A },
      { first: 21, last: 30, entry: B },
    ]);
  });

  it('erase removes the whole range holding the index and returns its entry', () => {
    const m = modelWith([10, 20, A], [21, 30, B]);
    expect(m.erase(15)).toBe(A);
    expect(m.entries()).toEqual([{ first: 21, last: 30, entry: B }]);
    expect(m.erase(15)).toBe(0);
    expect(m.erase(30)).toBe(B);
    expect(m.entries()).toEqual([]);
  });

  it('load returns the entry or 0', () => {
    const m = modelWith([10, 20, A]);
    expect(m.load(9)).toBe(0);
    expect(m.load(10)).toBe(A);
    expect(m.load(20)).toBe(A);
    expect(m.load(21)).toBe(0);
  });
});

describe('reference model: find / findRev', () => {
  const m = modelWith([10, 20, A], [30, 40, B], [50, 60, C]);

  it('find returns the first range meeting [index, max]', () => {
    expect(m.find(0, 100)).toEqual({ first: 10, last: 20, entry: A });
    expect(m.find(15, 100)).toEqual({ first: 10, last: 20, entry: A });
    expect(m.find(21, 100)).toEqual({ first: 30, last: 40, entry: B });
    expect(m.find(21, 29)).toBeNull();
    expect(m.find(21, 30)).toEqual({ first: 30, last: 40, entry: B });
    expect(m.find(61, MODEL_MAX)).toBeNull();
  });

  it('findRev returns the last range meeting [min, index]', () => {
    expect(m.findRev(100, 0)).toEqual({ first: 50, last: 60, entry: C });
    expect(m.findRev(55, 0)).toEqual({ first: 50, last: 60, entry: C });
    expect(m.findRev(49, 0)).toEqual({ first: 30, last: 40, entry: B });
    expect(m.findRev(49, 41)).toBeNull();
    expect(m.findRev(49, 40)).toEqual({ first: 30, last: 40, entry: B });
    expect(m.findRev(9, 0)).toBeNull();
  });
});

describe('reference model: empty areas and allocation', () => {
  const m = modelWith([10, 20, A], [30, 40, B]);

  it('emptyArea finds the lowest fitting window inside [min, max]', () => {
    expect(m.emptyArea(0, 100, 10)).toBe(0);
    expect(m.emptyArea(0, 100, 11)).toBe(41);
    expect(m.emptyArea(5, 100, 5)).toBe(5);
    expect(m.emptyArea(5, 100, 6)).toBe(21);
    expect(m.emptyArea(21, 29, 9)).toBe(21);
    expect(m.emptyArea(21, 29, 10)).toBe(-1);
    expect(m.emptyArea(10, 20, 1)).toBe(-1);
    expect(m.emptyArea(0, MODEL_MAX, 2 ** 32)).toBe(-1);
    expect(new ReferenceModel().emptyArea(0, MODEL_MAX, 2 ** 32)).toBe(0);
  });

  it('emptyAreaRev finds the highest fitting window inside [min, max]', () => {
    expect(m.emptyAreaRev(0, 100, 10)).toBe(91);
    expect(m.emptyAreaRev(0, 45, 10)).toBe(0);
    expect(m.emptyAreaRev(0, 45, 11)).toBe(-1);
    expect(m.emptyAreaRev(0, 45, 9)).toBe(21);
    expect(m.emptyAreaRev(0, 45, 5)).toBe(41);
    expect(m.emptyAreaRev(0, 29, 10)).toBe(0);
    expect(m.emptyAreaRev(0, 35, 1)).toBe(29);
    expect(m.emptyAreaRev(MODEL_MAX, MODEL_MAX, 1)).toBe(MODEL_MAX);
  });

  it('allocRange / allocRangeRev store at the window and return its start', () => {
    const a = modelWith([10, 20, A]);
    expect(a.allocRange(5, B, 0, 100)).toBe(0);
    expect(a.allocRange(5, B, 0, 100)).toBe(5);
    expect(a.allocRange(5, B, 0, 100)).toBe(21);
    expect(a.allocRangeRev(5, C, 0, 100)).toBe(96);
    expect(a.allocRange(200, C, 0, 100)).toBe(-1);
    expect(a.entries()).toEqual([
      { first: 0, last: 4, entry: B },
      { first: 5, last: 9, entry: B },
      { first: 10, last: 20, entry: A },
      { first: 21, last: 25, entry: B },
      { first: 96, last: 100, entry: C },
    ]);
  });

  it('gaps are maximal and cover the complement of the entries', () => {
    const g = modelWith([0, 0, A], [5, 9, B], [10, 10, C]).gaps();
    expect(g).toEqual([
      { first: 1, last: 4 },
      { first: 11, last: MODEL_MAX },
    ]);
  });
});

describe('reference model: cross-check against a brute-force array', () => {
  it('agrees with a per-index array over a tiny keyspace', () => {
    // Deterministic LCG; keyspace 0..63 mapped onto a per-index array with range ids.
    let seed = 12345;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const m = new ReferenceModel();
    const slot: Array<{ id: number; entry: number }> = Array.from({ length: 64 }, () => ({ id: 0, entry: 0 }));
    let nextId = 1;
    for (let step = 0; step < 2000; step++) {
      const a = rnd(64);
      const b = Math.min(63, a + rnd(8));
      const entry = rnd(4) === 0 ? 0 : 16385 + 2 * rnd(3);
      m.store(a, b, entry);
      const id = nextId++;
      for (let i = a; i <= b; i++) slot[i] = { id: entry ? id : 0, entry };
      // Collapse the array into ranges and compare.
      const expected: Array<{ first: number; last: number; entry: number }> = [];
      for (let i = 0; i < 64; i++) {
        if (!slot[i].entry) continue;
        const prev = expected[expected.length - 1];
        if (prev && prev.last === i - 1 && slot[i - 1].id === slot[i].id) prev.last = i;
        else expected.push({ first: i, last: i, entry: slot[i].entry });
      }
      // A run of equal ids is exactly one range: the two halves of a split keep one id but are
      // never adjacent (the new store sits between them, or a NULL gap does after an erase).
      expect(m.entries()).toEqual(expected);
      for (let i = 0; i < 64; i++) expect(m.load(i)).toBe(slot[i].entry);

      // Queries inside [0, 63], answered by brute force over the array.
      const lo = rnd(64);
      const hi = lo + rnd(64 - lo);
      const size = 1 + rnd(10);
      const free = (s: number): boolean => {
        for (let i = s; i < s + size; i++) if (slot[i].entry) return false;
        return true;
      };
      let low = -1;
      for (let s = lo; s + size - 1 <= hi; s++) if (free(s)) { low = s; break; }
      let high = -1;
      for (let s = hi - size + 1; s >= lo; s--) if (free(s)) { high = s; break; }
      expect(m.emptyArea(lo, hi, size)).toBe(low);
      expect(m.emptyAreaRev(lo, hi, size)).toBe(high);

      let fwd: number | undefined;
      for (let i = lo; i <= hi; i++) if (slot[i].entry) { fwd = i; break; }
      const f = m.find(lo, hi);
      if (fwd === undefined) expect(f).toBeNull();
      else expect(f).toEqual(m.walk(fwd));
      let back: number | undefined;
      for (let i = hi; i >= lo; i--) if (slot[i].entry) { back = i; break; }
      const r = m.findRev(hi, lo);
      if (back === undefined) expect(r).toBeNull();
      else expect(r).toEqual(m.walk(back));

      // walk: a NULL range is maximal, a non-NULL range is a run of one id.
      const w = m.walk(lo);
      expect(w.entry).toBe(slot[lo].entry);
      let wf = lo;
      while (wf > 0 && slot[wf - 1].id === slot[lo].id && slot[wf - 1].entry === slot[lo].entry) wf--;
      let wl = lo;
      while (wl < 63 && slot[wl + 1].id === slot[lo].id && slot[wl + 1].entry === slot[lo].entry) wl++;
      expect(w.first).toBe(wf);
      expect(w.last).toBe(wl === 63 && slot[63].entry === 0 ? 0xffffffff : wl);
    }
  });
});
