/**
 * The oracle's sorted range index against a naive model (a Map and a sort), under seeded random
 * inserts, replacements, deletes and lookups, through chunk splits, chunk removals and growth.
 */
import { describe, expect, it } from 'vitest';
import { RangeIndex } from '../src/harness/oracle/range-index.js';
import { Rng } from '../src/harness/rng.js';

function naiveFloor(keys: number[], k: number): number | undefined {
  let best: number | undefined;
  for (const key of keys) if (key <= k && (best === undefined || key > best)) best = key;
  return best;
}

function naiveCeil(keys: number[], k: number): number | undefined {
  let best: number | undefined;
  for (const key of keys) if (key >= k && (best === undefined || key < best)) best = key;
  return best;
}

describe('RangeIndex', () => {
  for (const [seed, space, steps] of [
    [1, 50, 3000],
    [2, 500, 6000],
    [3, 100_000, 6000],
  ] as const) {
    it(`matches a naive map (seed ${seed}, keys in [0, ${space}))`, () => {
      const rng = new Rng(seed);
      const index = new RangeIndex();
      const model = new Map<number, [number, number]>();
      let maxSize = 0;
      for (let step = 0; step < steps; step++) {
        const k = rng.int(space);
        const roll = rng.int(10);
        // Phases: mostly inserts first, then mostly deletes, so chunks split and empty out.
        const inserting = step % 2000 < 1300;
        if (roll < (inserting ? 6 : 2)) {
          const value: [number, number] = [k + rng.int(16), 1 + rng.int(1 << 30)];
          index.set(k, value[0], value[1]);
          model.set(k, value);
        } else if (roll < 8) {
          expect(index.delete(k)).toBe(model.delete(k));
        }
        maxSize = Math.max(maxSize, model.size);
        expect(index.size).toBe(model.size);
        const keys = [...model.keys()];
        const q = rng.int(space + 2) - 1;
        const f = naiveFloor(keys, q);
        expect(index.floor(q)).toBe(f !== undefined);
        if (f !== undefined) expect([index.key, index.last, index.entry]).toEqual([f, ...(model.get(f) as [number, number])]);
        const c = naiveCeil(keys, q);
        expect(index.ceil(q)).toBe(c !== undefined);
        if (c !== undefined) expect([index.key, index.last, index.entry]).toEqual([c, ...(model.get(c) as [number, number])]);
        expect(index.get(q)).toBe(model.has(q));
      }
      const all: number[] = [];
      index.forEach((key) => all.push(key));
      expect(all).toEqual([...model.keys()].sort((a, b) => a - b));
      if (space >= 500) expect(maxSize).toBeGreaterThan(200); // several chunks of 64 were in use
    });
  }
});
