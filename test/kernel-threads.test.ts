/**
 * The kernel's wasm build on real threads: one instance per worker on one shared memory, each with
 * its own stack and TLS block (KernelInstance.allocThreadArea). One writer stores through
 * mtree_store_range while two RCU readers load; every load is checked against what the writer can
 * have stored there, and at the end the kernel's mt_validate and the slab accounting must be exact.
 * A short smoke run (about a second); long runs belong to the torture mode.
 *
 * Needs the kernel build (see test/kernel-build.test.ts): skips locally without it, FAILS under CI=true.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import { KernelInstance, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../src/kernel/loader.js';
import type { KernelWorkerData, KernelWorkerReport } from './support/kernel-worker.js';
import { blockEntry } from './support/kernel-worker.js';
import { workerBoot } from './support/worker-boot.js';

const CI = process.env.CI === 'true';
const WORKER_URL = new URL('./support/kernel-worker.ts', import.meta.url);
const WORKER_BOOT = workerBoot(WORKER_URL);

function start(data: KernelWorkerData): Promise<KernelWorkerReport> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_BOOT, { workerData: data, execArgv: [] });
    worker.on('message', (m: { kind: string; report?: KernelWorkerReport; message?: string }) => {
      if (m.kind === 'done') resolve(m.report!);
      else reject(new Error(`${data.role} ${data.index}: ${m.message}`));
    });
    worker.on('error', reject);
    worker.on('exit', (code) => code !== 0 && reject(new Error(`${data.role} ${data.index} exited ${code}`)));
  });
}

async function wasm(skip: (note?: string) => void): Promise<string> {
  try {
    return (await buildKernel({ slots: 16 })).wasmPath;
  } catch (error) {
    const reason = `kernel build unavailable: ${(error as Error).message}`;
    if (CI) throw new Error(reason);
    skip(reason);
    throw error;
  }
}

/** Run one writer and two readers on a tree with `flags` until `enough` says so (or 20 s). */
async function race(wasmPath: string, flags: number, enough: (sync: Int32Array, ms: number) => boolean) {
  const memory = createKernelMemory();
  const kernel = await KernelInstance.create(compileKernel(wasmPath), memory);
  const tree = kernel.newTree(flags);
  const blocks = 400;
  for (let b = 0; b < blocks; b++) expect(tree.storeRange(b * 16, b * 16 + 7, blockEntry(b, 0))).toBe(0);
  const sync = new Int32Array(new SharedArrayBuffer(64 * 4));
  const common = { wasmPath, memory, tree: tree.address, blocks, sync };
  const workers = (['writer', 'reader', 'reader'] as const).map((role, index) =>
    start({ ...common, role, index, seed: 1000 + index, area: kernel.allocThreadArea() }),
  );
  const started = Date.now();
  while (Date.now() - started < 20_000 && !enough(sync, Date.now() - started)) {
    await new Promise((r) => setTimeout(r, 50));
  }
  Atomics.store(sync, 0, 1);
  const [writer, ...readers] = await Promise.all(workers);
  return { kernel, tree, writer, readers };
}

describe('the kernel build on real threads (one instance per worker, one shared memory)', () => {
  it('one writer and two RCU readers: every load possible, mt_validate clean, slab exact', async ({ skip }) => {
    const wasmPath = await wasm(skip);
    // At least 1 s, and until every worker has done real work.
    const { kernel, tree, writer, readers } = await race(
      wasmPath,
      MT_FLAGS_USE_RCU,
      (sync, ms) => ms >= 1000 && [1, 2, 3].every((i) => Atomics.load(sync, i) >= 2000),
    );
    expect(writer.errors).toEqual([]);
    for (const reader of readers) expect(reader.errors).toEqual([]);
    expect(writer.ops).toBeGreaterThanOrEqual(2000);
    for (const reader of readers) expect(reader.ops).toBeGreaterThanOrEqual(2000);
    expect(writer.graceRuns).toBeGreaterThan(0); // nodes really went through call_rcu while readers ran
    expect(tree.validate(), kernel.log()).toBe(0);
    tree.destroy();
    kernel.rcuBarrier();
    const stats = kernel.slabStats();
    expect(stats.live).toBe(0);
    expect(stats.doubleFrees).toBe(0);
    expect(stats.rcuQueued).toBe(stats.rcuInvoked);
  }, 60_000);

  it('the readers\' check is live: outside RCU mode nodes are edited and freed under them', async ({ skip }) => {
    const wasmPath = await wasm(skip);
    const { readers } = await race(wasmPath, 0, (sync) => Atomics.load(sync, 9) + Atomics.load(sync, 10) > 0);
    const errors = readers.flatMap((r) => r.errors);
    expect(errors.length).toBeGreaterThan(0);
    expect(errors[0]).toMatch(/^(load\(\d+\) gave \d+|trap: mtree_load)/);
  }, 60_000);
});
