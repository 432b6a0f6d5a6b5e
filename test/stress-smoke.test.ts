/**
 * Short real-thread smoke runs of the stress harness (the long runs belong to `npm run stress`):
 * the correct build survives the churn workload with re-walks seen and no violation (its writer
 * policed), a reader-side catalog bug is caught by the stale-read detector and a writer-side one by
 * the write policy.
 */
import { describe, expect, it } from 'vitest';
import { runStress } from '../src/harness/run.js';
import type { RunConfig } from '../src/harness/types.js';
import { findBug } from '../src/harness/catalog.js';

function config(over: Partial<RunConfig>): RunConfig {
  return {
    durationMs: 3000,
    readers: 2,
    seed: 20261125,
    workload: 'churn',
    bugs: [],
    check: 'full',
    sampleRate: 0.1,
    keyspace: 100_000,
    capacity: 65_536,
    keepGoing: false,
    stallMs: 20_000,
    ...over,
  };
}

describe('stress smoke runs on real threads', () => {
  it('the correct build: churn for 3 s, re-walks seen, no violation, exact end state', async () => {
    const result = await runStress(config({}));
    expect(result.violations, JSON.stringify(result.violations.slice(0, 2), null, 1)).toEqual([]);
    expect(result.stoppedBy).toBe('duration');
    expect(result.totals.readerOps).toBeGreaterThan(1000);
    expect(result.totals.writerOps).toBeGreaterThan(1000);
    expect(result.totals.gracePeriods).toBeGreaterThan(0);
    // Evidence that races were met and survived: readers found dead nodes and walked again.
    expect(result.totals.rewalks).toBeGreaterThan(0);
    expect(result.threads).toHaveLength(3);
    for (const t of result.threads.filter((t) => t.thread !== 'writer')) expect(t.checks).toBe(t.ops);
    // The write policy policed the writer and let the protocol's in-place stores through.
    const inPlace = result.threads.find((t) => t.thread === 'writer')!.inPlaceWrites!;
    for (const kind of ['root', 'childPublish', 'adoption', 'deadMark', 'overlay']) expect(inPlace[kind], kind).toBeGreaterThan(0);
  }, 60_000);

  it('the correct build on an allocation tree (vma), sampled checks', async () => {
    const result = await runStress(config({ workload: 'vma', check: 'sample', sampleRate: 0.25, durationMs: 2000 }));
    expect(result.violations, JSON.stringify(result.violations.slice(0, 2), null, 1)).toEqual([]);
    const readers = result.threads.filter((t) => t.thread !== 'writer');
    for (const t of readers) {
      expect(t.checks).toBeGreaterThan(0);
      expect(t.checks).toBeLessThan(t.ops);
    }
    expect(result.threads.find((t) => t.thread === 'writer')!.inPlaceWrites!.gaps).toBeGreaterThan(0);
  }, 60_000);

  it('stale-pivots (patch 1 reverted) is detected by the stale-read detector', async () => {
    const result = await runStress(config({ bugs: ['stale-pivots'], durationMs: 20_000 }));
    expect(result.stoppedBy).toBe('violation');
    expect(result.violations.length).toBeGreaterThan(0);
    expect(result.violations[0].kind, JSON.stringify(result.violations[0])).toBe(findBug('stale-pivots')!.kind);
    // A report names the thread, the operation and what was seen.
    const v = result.violations[0];
    expect(v.thread).toMatch(/reader \d|writer/);
    expect(v.op.length).toBeGreaterThan(0);
    expect(v.seen.length).toBeGreaterThan(0);
  }, 60_000);

  it('append-in-rcu is reported by the write policy at the writer\'s store, on real threads', async () => {
    const result = await runStress(config({ bugs: ['append-in-rcu'], durationMs: 20_000 }));
    expect(result.stoppedBy).toBe('violation');
    const v = result.violations[0];
    expect(v.kind, JSON.stringify(v)).toBe(findBug('append-in-rcu')!.kind);
    expect(v.thread).toBe('writer');
    expect(v.op).toMatch(/^v\d+: store \[\d+, \d+\] = \d+$/);
    expect(v.seen).toMatch(/to the metadata of node \d+: a leaf's data end changes in place/);
  }, 60_000);
});
