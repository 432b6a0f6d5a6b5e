/**
 * Short real-thread smoke runs of the stress harness on the kernel's own code (--tree kernel): the
 * shipped build survives a random workload with two readers and no violation; with the kernel
 * catalog's rcu-off (mt_in_rcu always false: nodes freed at once under readers) the readers' node
 * tracker and oracles report a violation. Long runs belong to `npm run stress`.
 *
 * Workers load TypeScript through tsx under vitest (run.ts's workerFile).
 *
 * Needs the kernel build (see test/kernel-build.test.ts): skips locally without it, FAILS under CI=true.
 */
import { describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import { runStress } from '../src/harness/run.js';
import type { RunConfig } from '../src/harness/types.js';
import { findKernelBug } from '../src/harness/kernel-catalog.js';

const CI = process.env.CI === 'true';

async function needKernel(skip: (note?: string) => void, mutations: string[] = []): Promise<void> {
  try {
    const entries = mutations.map((name) => findKernelBug(name)!);
    await buildKernel({ slots: 16, mutations: entries.flatMap((e) => e.mutations) });
  } catch (error) {
    const reason = `kernel build unavailable: ${(error as Error).message}`;
    if (CI) throw new Error(reason);
    skip(reason);
    throw error;
  }
}

function config(over: Partial<RunConfig>): RunConfig {
  return {
    tree: 'kernel',
    durationMs: 1500,
    readers: 2,
    seed: 20261202,
    workload: 'random',
    bugs: [],
    check: 'full',
    sampleRate: 1,
    keyspace: 100_000,
    capacity: 65_536,
    keepGoing: false,
    stallMs: 20_000,
    ...over,
  };
}

describe('stress smoke runs on the kernel build (real threads)', () => {
  it('the shipped build, random workload, 2 readers, ~1.5 s: no violation, readers worked, a 6.x kernel', async ({ skip }) => {
    await needKernel(skip);
    const result = await runStress(config({}));
    expect(result.violations, JSON.stringify(result.violations.slice(0, 2), null, 1)).toEqual([]);
    expect(result.stoppedBy).toBe('duration');
    expect(result.totals.readerOps).toBeGreaterThan(0);
    const readers = result.threads.filter((t) => t.thread !== 'writer');
    expect(readers).toHaveLength(2);
    for (const t of readers) expect(t.ops, t.thread).toBeGreaterThan(0);
    expect(result.totals.writerOps).toBeGreaterThan(0);
    expect(result.kernel?.version).toMatch(/^6\./);
    expect(result.kernel?.mutations).toEqual([]);
  }, 120_000);

  it('rcu-off (the kernel catalog entry) is caught within 10 s', async ({ skip }) => {
    expect(findKernelBug('rcu-off'), 'the kernel catalog has rcu-off').toBeDefined();
    await needKernel(skip, ['rcu-off']);
    const result = await runStress(config({ bugs: ['rcu-off'], durationMs: 10_000 }));
    expect(result.kernel?.mutations).toEqual(['rcu-off']);
    expect(result.violations.length, `stopped by ${result.stoppedBy} after ${result.totals.readerOps} reader ops`).toBeGreaterThan(0);
    expect(result.stoppedBy).toBe('violation');
    const v = result.violations[0];
    expect(v.thread.length).toBeGreaterThan(0);
    expect(v.op.length).toBeGreaterThan(0);
    expect(v.seen.length).toBeGreaterThan(0);
  }, 120_000);
});
