/**
 * The single-thread interleaving driver: deterministic (seeded) runs in which whole writer steps
 * run in the middle of reader walks and whole reader operations run in the middle of writes. The
 * correct build must pass every workload; every catalog bug that needs no reordering must be
 * caught, the same way on every run.
 */
import { describe, expect, it } from 'vitest';
import { runInterleaved } from '../src/harness/interleave.js';
import type { InterleaveConfig } from '../src/harness/interleave.js';
import { WORKLOADS } from '../src/harness/types.js';
import { CATALOG, findBug } from '../src/harness/catalog.js';
import type { WorkloadName } from '../src/harness/types.js';

function config(over: Partial<InterleaveConfig>): InterleaveConfig {
  return {
    seed: 7,
    workload: 'random',
    readers: 2,
    readerOps: 3000,
    keyspace: 100_000,
    capacity: 65_536,
    bugs: [],
    switchRate: 0.05,
    stopAtFirst: true,
    ...over,
  };
}

describe('interleaving driver: the correct build', () => {
  for (const workload of WORKLOADS) {
    it(`${workload}: no violation, races met (re-walks, discarded taint)`, () => {
      const result = runInterleaved(config({ workload, readerOps: 4000 }));
      expect(result.violations, JSON.stringify(result.violations.slice(0, 1), null, 1)).toEqual([]);
      expect(result.readerOps).toBeGreaterThanOrEqual(4000);
      expect(result.writerSteps).toBeGreaterThan(1000);
      expect(result.rewalks).toBeGreaterThan(0);
      expect(result.discardedTaint).toBeGreaterThan(0);
    }, 60_000);
  }

  it('slot-store with long preemptions: torn bounds are met and accepted (the allowance is needed), no violation', () => {
    // A reader preempted between its pivot loads and its slot load on sequentially consistent
    // memory: the new entry over older bounds. Exact judging would call these violations.
    let torn = 0;
    for (const seed of [1, 2, 3, 4]) {
      const result = runInterleaved(config({ workload: 'slot-store', seed, keyspace: 2000, readerOps: 3000, switchRate: 0.12 }));
      expect(result.violations, JSON.stringify(result.violations.slice(0, 1), null, 1)).toEqual([]);
      torn += result.tornAccepted;
    }
    expect(torn).toBeGreaterThan(0);
  }, 60_000);

  it('is deterministic: the same seed gives the same run', () => {
    const a = runInterleaved(config({ workload: 'churn', readerOps: 1500 }));
    const b = runInterleaved(config({ workload: 'churn', readerOps: 1500 }));
    expect(b).toEqual(a);
    const c = runInterleaved(config({ workload: 'churn', readerOps: 1500, seed: 8 }));
    expect(c.writerSteps === a.writerSteps && c.rewalks === a.rewalks).toBe(false);
  }, 60_000);
});

// The bugs whose symptoms need no memory reordering and no third thread in the middle of a write,
// and those the write policy reports at the writer's store (overlay-before-death, missing-wmb); the
// reader-side ordering bugs (missing-rmb, plain-publish) need the weak-memory simulator.
const CAUGHT = [
  'slot-store-pivot-first',
  'stale-pivots',
  'dead-root',
  'untyped-free-walk',
  'duplicate-wmb',
  'overlay-before-death',
  'missing-wmb',
  'callback-unlocked',
  'rcu-off',
  'append-in-rcu',
  'no-grace-period',
  'publish-before-init',
];

/**
 * Reader operations per reader where 20,000 is not enough for seed 7: with the writer following
 * the kernel's write path the torn slot store is first met after about 74,000 reader operations in
 * all (other seeds meet it within a few thousand).
 */
const READER_OPS: Record<string, number> = { 'slot-store-pivot-first': 40_000 };

describe('interleaving driver: catalog bugs are caught', () => {
  it('lists only catalog names', () => {
    for (const name of CAUGHT) expect(CATALOG.map((b) => b.name)).toContain(name);
  });

  for (const name of CAUGHT) {
    it(`${name}: caught as ${findBug(name)!.kind}`, () => {
      const { kind } = findBug(name)!;
      const workload = findBug(name)!.workload as WorkloadName;
      const readerOps = READER_OPS[name] ?? 20_000;
      const result = runInterleaved(config({ bugs: [name], workload, readerOps }));
      expect(result.violations.length, `${name} on ${workload}: no violation`).toBeGreaterThan(0);
      // The detector the catalog names catches it first: if it stopped working, another would (or none).
      expect(result.violations[0].kind, JSON.stringify(result.violations[0])).toBe(kind);
      const again = runInterleaved(config({ bugs: [name], workload, readerOps }));
      expect(again.violations[0]).toEqual(result.violations[0]);
    }, 60_000);
  }
});
