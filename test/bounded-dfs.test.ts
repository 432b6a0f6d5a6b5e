/**
 * The bounded-exhaustive enumerator (src/harness/sim/bounded-dfs.ts) on synthetic decision trees
 * whose counts have a closed form: two threads of n steps, with a preemption decision after every
 * step and, in the second tree, a reordering decision at every step. It must run every decision
 * sequence within the bounds exactly once (the set of schedules equals a brute-force enumeration,
 * no duplicates), refuse unclassified decisions, and notice a run that does not replay.
 */
import { describe, expect, it } from 'vitest';
import { BoundedDfs, budgetClass } from '../src/harness/sim/bounded-dfs.js';
import type { Bounds } from '../src/harness/sim/bounded-dfs.js';
import { Chooser } from '../src/harness/sim/chooser.js';

/** Runs `program` on every script the enumerator hands out; returns what each run produced. */
function enumerate(bounds: Bounds, program: (c: Chooser) => string): { outputs: string[]; dfs: BoundedDfs } {
  const dfs = new BoundedDfs(bounds);
  const outputs: string[] = [];
  for (let script = dfs.next(); script !== null; script = dfs.next()) {
    const chooser = new Chooser(0, { script, shape: true });
    outputs.push(program(chooser));
    dfs.record({ values: chooser.recorded ?? [], arities: chooser.arities ?? [], purposes: chooser.purposes ?? [] });
    if (outputs.length > 1e6) throw new Error('runaway enumeration');
  }
  return { outputs, dfs };
}

/**
 * Threads A and B, n steps each. The first thread is a free choice; after each step, while both
 * have steps left, the running thread may be preempted (a 'switch' decision); a thread that has
 * finished hands over for free. With `loads`, every step also makes a two-way 'load' choice.
 */
function twoThreads(n: number, loads: boolean): (c: Chooser) => string {
  return (c) => {
    const left = [n, n];
    let cur = c.int(2, 'next');
    let out = '';
    while (left[0] + left[1] > 0) {
      out += 'AB'[cur];
      if (loads) out += c.int(2, 'load');
      left[cur]--;
      const other = 1 - cur;
      if (left[cur] === 0) cur = other;
      else if (left[other] > 0 && c.int(2, 'switch') === 1) cur = other;
    }
    return out;
  };
}

const binomial = (n: number, k: number): number => {
  if (k < 0 || k > n) return 0;
  let r = 1;
  for (let i = 1; i <= k; i++) r = (r * (n - k + i)) / i;
  return Math.round(r);
};

/**
 * Interleavings of two n-step threads with at most c preemptions. A schedule of r alternating
 * blocks has r - 1 switches, one of them free (where the first thread to finish hands over), so
 * r - 2 preemptions; starting with A, A's n steps split into ceil(r/2) blocks, B's into floor(r/2).
 */
function closedForm(n: number, c: number): number {
  let total = 0;
  for (let r = 2; r <= c + 2; r++) total += binomial(n - 1, Math.ceil(r / 2) - 1) * binomial(n - 1, Math.floor(r / 2) - 1);
  return 2 * total;
}

/** Every interleaving of n A's and n B's with at most c preemptions, by brute force. */
function bruteForce(n: number, c: number): Set<string> {
  const out = new Set<string>();
  const grow = (s: string, a: number, b: number): void => {
    if (a === n && b === n) {
      let blocks = 1;
      for (let i = 1; i < s.length; i++) if (s[i] !== s[i - 1]) blocks++;
      if (blocks - 2 <= c) out.add(s);
      return;
    }
    if (a < n) grow(s + 'A', a + 1, b);
    if (b < n) grow(s + 'B', a, b + 1);
  };
  grow('', 0, 0);
  return out;
}

describe('bounded-exhaustive enumeration of a synthetic decision tree', () => {
  for (const n of [1, 2, 3, 5]) {
    for (const c of [0, 1, 2, 3]) {
      it(`2 threads x ${n} steps, at most ${c} preemptions: ${closedForm(n, c)} schedules, each once, exactly the brute-force set`, () => {
        const { outputs, dfs } = enumerate({ preemptions: c, reorderings: 0 }, twoThreads(n, false));
        expect(outputs.length).toBe(closedForm(n, c));
        expect(dfs.runs).toBe(outputs.length);
        expect(dfs.exhausted).toBe(true);
        expect(new Set(outputs).size).toBe(outputs.length);
        expect(new Set(outputs)).toEqual(bruteForce(n, c));
      });
    }
  }

  it('the closed form is the known one: 2n at bound 1, 2(1 + (n-1) + (n-1)^2) at bound 2, and C(2n, n) once unbounded', () => {
    for (const n of [2, 3, 4, 6]) {
      expect(closedForm(n, 1)).toBe(2 * n);
      expect(closedForm(n, 2)).toBe(2 * (1 + (n - 1) + (n - 1) ** 2));
      expect(closedForm(n, 2 * n)).toBe(binomial(2 * n, n));
    }
  });

  it('the two budgets are independent: schedules x reordering choices, sum over j <= R of C(2n, j)', () => {
    for (const [n, p, r] of [
      [2, 1, 1],
      [3, 1, 2],
      [3, 2, 0],
      [4, 0, 3],
    ]) {
      const { outputs } = enumerate({ preemptions: p, reorderings: r }, twoThreads(n, true));
      let loads = 0;
      for (let j = 0; j <= r; j++) loads += binomial(2 * n, j);
      expect(outputs.length).toBe(closedForm(n, p) * loads);
      expect(new Set(outputs).size).toBe(outputs.length);
      // Every output within the bounds, and every reordering counted.
      for (const o of outputs) expect(o.replace(/[AB0]/g, '').length).toBeLessThanOrEqual(r);
    }
  });

  it('choice 0 everywhere comes first: the first run is the unperturbed one', () => {
    const { outputs } = enumerate({ preemptions: 1, reorderings: 1 }, twoThreads(3, true));
    expect(outputs[0]).toBe('A0A0A0B0B0B0');
  });

  it('a free decision is explored at every bound, bound 0 included', () => {
    const { outputs } = enumerate({ preemptions: 0, reorderings: 0 }, twoThreads(4, true));
    expect(outputs).toEqual(['A0A0A0A0B0B0B0B0', 'B0B0B0B0A0A0A0A0']);
  });

  it('a decision without a purpose cannot be bounded, and says so', () => {
    expect(() => enumerate({ preemptions: 1, reorderings: 1 }, (c) => String(c.int(3)))).toThrow(/without a known purpose/);
    expect(budgetClass('switch')).toBe('preemption');
    expect(budgetClass('hold')).toBe('reordering');
    expect(budgetClass('drain')).toBe('reordering');
    expect(budgetClass('load')).toBe('reordering');
    expect(budgetClass('next')).toBeNull();
  });

  it('a run that does not replay its script is an error, not a wrong count', () => {
    let calls = 0;
    // The arity of the first decision changes between runs.
    const flaky = (c: Chooser): string => String(c.int(2 + (calls++ % 2), 'load')) + String(c.int(2, 'load'));
    expect(() => enumerate({ preemptions: 0, reorderings: 2 }, flaky)).toThrow(/not deterministic/);
  });

  it('negative or fractional bounds are refused', () => {
    expect(() => new BoundedDfs({ preemptions: -1, reorderings: 0 })).toThrow(RangeError);
    expect(() => new BoundedDfs({ preemptions: 0, reorderings: 0.5 })).toThrow(RangeError);
  });
});
