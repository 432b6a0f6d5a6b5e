/**
 * Short real-thread smoke runs of the stress harness (the long runs belong to `npm run stress`):
 * the correct build survives the churn workload with re-walks seen and no violation (its writer
 * policed), a reader-side catalog bug is caught by the stale-read detector and a writer-side one by
 * the write policy.
 *
 * Real threads are scheduled by the OS: on a loaded two-core machine a reader may get little CPU
 * in a given second. So the runs of the correct build are not bounded by a duration and then
 * judged on what they happened to do: each runs until a fixed amount of work is done (operations
 * per thread, re-walks), checked on the status samples, and is aborted then; a generous bound
 * turns "never got there" into a failure that says how far it got.
 */
import { describe, expect, it } from 'vitest';
import { runStress } from '../src/harness/run.js';
import type { RunConfig, RunResult } from '../src/harness/types.js';
import type { StatusSample } from '../src/harness/status.js';
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

/** How long a goal-bounded run may take before the test gives up on it. */
const BOUND_MS = 40_000;

/** A status sample with the per-thread ops the run loop records (index 0 the writer, 1 + r reader r). */
type Sample = StatusSample & { threadOps?: number[] };

/**
 * Run until `goal` holds on a status sample (every 100 ms), then stop the run; the end-of-run
 * checks (validate, slab accounting, lockdep) run as after any stop. Fails, saying how far the run
 * got, if a violation stopped it first or the goal was not reached within BOUND_MS.
 */
async function runUntil(over: Partial<RunConfig>, goal: (s: Sample) => boolean, what: string): Promise<{ result: RunResult; at: Sample }> {
  const controller = new AbortController();
  let last: Sample | null = null;
  let at: Sample | null = null;
  const result = await runStress(config({ ...over, durationMs: BOUND_MS }), {
    signal: controller.signal,
    statusEveryMs: 100,
    onStatus: (s: Sample) => {
      last = s;
      if (at === null && goal(s)) {
        at = s;
        controller.abort();
      }
    },
  });
  expect(result.violations, JSON.stringify(result.violations.slice(0, 2), null, 1)).toEqual([]);
  expect(at, `${what}: not reached within ${BOUND_MS / 1000} s; last status ${JSON.stringify(last)}`).not.toBeNull();
  expect(result.stoppedBy, 'stopped once the goal was reached').toBe('signal');
  return { result, at: at! };
}

const readerOps = (s: Sample): number[] => s.threadOps?.slice(1) ?? [];

describe('stress smoke runs on real threads', () => {
  it('the correct build: churn until every thread did its share and readers re-walked; no violation, exact end state', async () => {
    const WRITER = 20_000;
    const READER = 5_000;
    const { result, at } = await runUntil(
      {},
      (s) => s.writerOps >= WRITER && readerOps(s).length === 2 && readerOps(s).every((n) => n >= READER) && s.rewalks > 0 && s.gracePeriods > 0,
      `churn: ${WRITER} writer ops, ${READER} ops per reader, a re-walk and a grace period`,
    );
    // Final counts are at least what the sample that met the goal saw.
    expect(result.totals.writerOps).toBeGreaterThanOrEqual(WRITER);
    expect(result.totals.readerOps).toBeGreaterThanOrEqual(at.readerOps);
    expect(result.totals.gracePeriods).toBeGreaterThan(0);
    // Evidence that races were met and survived: readers found dead nodes and walked again.
    expect(result.totals.rewalks).toBeGreaterThan(0);
    expect(result.threads).toHaveLength(3);
    const readers = result.threads.filter((t) => t.thread !== 'writer');
    expect(readers).toHaveLength(2);
    for (const t of readers) {
      expect(t.ops, t.thread).toBeGreaterThanOrEqual(READER);
      // --check full: every operation judged.
      expect(t.checks, t.thread).toBe(t.ops);
    }
    // The write policy policed the writer and let the protocol's in-place stores through.
    const inPlace = result.threads.find((t) => t.thread === 'writer')!.inPlaceWrites!;
    for (const kind of ['root', 'childPublish', 'adoption', 'deadMark', 'overlay']) expect(inPlace[kind], kind).toBeGreaterThan(0);
  }, 60_000);

  it('the correct build on an allocation tree (vma), sampled checks: about a quarter of each reader\'s operations judged', async () => {
    const READER = 4_000;
    const { result } = await runUntil(
      { workload: 'vma', check: 'sample', sampleRate: 0.25 },
      (s) => readerOps(s).length === 2 && readerOps(s).every((n) => n >= READER),
      `vma: ${READER} ops per reader`,
    );
    const readers = result.threads.filter((t) => t.thread !== 'writer');
    expect(readers).toHaveLength(2);
    for (const t of readers) {
      expect(t.ops, t.thread).toBeGreaterThanOrEqual(READER);
      // Each operation is judged with probability 0.25 from a seeded stream: over >= 4000
      // operations the count is within 8 standard deviations of a quarter (the chance of
      // falling outside is below 1e-14), so neither "none" nor "all" can pass.
      const sd = Math.sqrt(t.ops * 0.25 * 0.75);
      expect(Math.abs(t.checks - t.ops * 0.25), `${t.thread}: ${t.checks} of ${t.ops} operations judged`).toBeLessThan(8 * sd);
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
