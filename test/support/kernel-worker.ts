/**
 * Worker script for test/kernel-threads.test.ts: one instance of the kernel's wasm build on the
 * test's shared memory, in its own stack and TLS block, as a writer or an RCU reader.
 *
 * Keys are in blocks of 16: every entry the writer stores over block k is ((k << 12) | n) << 2
 * for some n, so a reader that loads index i may see 0 or an entry whose block is i >> 4, and
 * nothing else (an entry from another block, a node pointer, poison).
 */
import { parentPort, workerData } from 'node:worker_threads';
import { KernelInstance, KernelTrap, compileKernel } from '../../src/kernel/loader.js';
import type { ThreadArea, WasmMemory } from '../../src/kernel/loader.js';

export interface KernelWorkerData {
  role: 'writer' | 'reader';
  wasmPath: string;
  memory: WasmMemory;
  area: ThreadArea;
  tree: number;
  blocks: number;
  seed: number;
  /** [0]: stop flag; [1 + i]: operations done by worker i; [8 + i]: errors of worker i. */
  sync: Int32Array;
  index: number;
}

export interface KernelWorkerReport {
  ops: number;
  errors: string[];
  graceRuns: number;
}

export function blockEntry(block: number, n: number): number {
  return (((block << 12) | (n & 0xfff)) << 2) >>> 0;
}

async function run(data: KernelWorkerData): Promise<KernelWorkerReport> {
  const kernel = await KernelInstance.create(compileKernel(data.wasmPath), data.memory, data.area);
  const tree = kernel.tree(data.tree);
  let state = data.seed >>> 0 || 1;
  const rnd = (n: number): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) % n;
  };
  const errors: string[] = [];
  let ops = 0;
  let graceRuns = 0;
  const keys = data.blocks * 16;
  while (Atomics.load(data.sync, 0) === 0) {
    try {
      step();
    } catch (error) {
      // A trap inside the kernel code (a walk into poison, a BUG) is what a reader must never hit.
      if (!(error instanceof KernelTrap)) throw error;
      errors.push(`trap: ${error.message}`);
    }
    ops++;
    if ((ops & 255) === 0) Atomics.store(data.sync, 1 + data.index, ops);
    Atomics.store(data.sync, 8 + data.index, errors.length);
    if (errors.length >= 10) break;
  }
  Atomics.store(data.sync, 1 + data.index, ops);
  return { ops, errors, graceRuns };

  function step(): void {
    if (data.role === 'writer') {
      const block = rnd(data.blocks);
      const first = block * 16 + rnd(16);
      const last = first + rnd(block * 16 + 16 - first);
      const entry = rnd(4) === 0 ? 0 : blockEntry(block, ops);
      const ret = tree.storeRange(first, last, entry);
      if (ret !== 0) errors.push(`store [${first}, ${last}] returned ${ret}`);
      if (ops % 64 === 63) graceRuns += kernel.runRcuCallbacks();
    } else {
      const index = rnd(keys);
      const entry = tree.load(index);
      if (entry !== 0 && (entry & 3) === 0 && entry >>> 14 !== index >>> 4) {
        errors.push(`load(${index}) gave ${entry}, an entry of block ${entry >>> 14}`);
      } else if (entry !== 0 && (entry & 3) !== 0) {
        errors.push(`load(${index}) gave ${entry}, not an entry the writer stores`);
      }
    }
  }
}

if (parentPort && workerData) {
  try {
    parentPort.postMessage({ kind: 'done', report: await run(workerData as KernelWorkerData) });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: (error as Error).stack ?? String(error) });
  }
}
