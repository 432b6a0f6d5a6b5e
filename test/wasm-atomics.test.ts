/**
 * The memory layer's SeqCst accesses as wasm instructions (src/shared-heap/wasm-atomics.ts): a
 * slab's node buffer is a shared wasm memory's, ThreadedMemory over it reads and writes the same
 * words as the typed-array views (values above 2^31 unsigned, as a Uint32Array gives them), a
 * thread that attaches gets the memory, and a buffer without one keeps `Atomics`.
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { ThreadedMemory } from '../src/shared-heap/memory.js';
import { Slab } from '../src/shared-heap/slab.js';
import { createNodeBuffer, wasmAtomicsOf } from '../src/shared-heap/wasm-atomics.js';
import { workerBoot } from './support/worker-boot.js';

const VALUES = [0, 1, 0x12345678, 0x7fffffff, 0x80000000, 0xfffffffe, 0xffffffff];

/** Every SeqCst access against the plain view, both ways, at a few words. */
function roundTrips(mem: ThreadedMemory): string[] {
  const wrong: string[] = [];
  for (const [i, v] of VALUES.entries()) {
    const a = 70 + 3 * i;
    mem.publish(a, v);
    if (mem.words[a] !== v) wrong.push(`publish(${v}) left ${mem.words[a]}`);
    mem.storeAtomic(a + 1, v);
    if (mem.words[a + 1] !== v) wrong.push(`storeAtomic(${v}) left ${mem.words[a + 1]}`);
    mem.write(a + 2, v);
    for (const [name, got] of [['deref', mem.deref(a + 2)], ['derefRmb', mem.derefRmb(a + 2)], ['loadAtomic', mem.loadAtomic(a + 2)]] as const) {
      if (got !== v) wrong.push(`${name} of ${v} read ${got}`);
    }
  }
  return wrong;
}

describe('wasm atomics in the memory layer', () => {
  it("a slab's node buffer is a wasm memory's, with accessors, and the SeqCst accesses agree with the typed-array view", () => {
    const slab = Slab.create(64);
    expect(slab.buffers.nodeMemory).toBeDefined();
    expect(slab.buffers.nodes).toBe(slab.buffers.nodeMemory!.buffer);
    expect(slab.buffers.nodes.byteLength).toBeGreaterThanOrEqual(65 * 256);
    expect(wasmAtomicsOf(slab.buffers.nodes)).toBeDefined();
    const mem = new ThreadedMemory(slab.buffers.nodes);
    expect(roundTrips(mem)).toEqual([]);
    expect(mem.counts.publish).toBe(VALUES.length);
  });

  it('a plain SharedArrayBuffer has no accessors and gives the same results through Atomics', () => {
    const buffer = new SharedArrayBuffer(64 * 256);
    expect(wasmAtomicsOf(buffer)).toBeUndefined();
    expect(roundTrips(new ThreadedMemory(buffer))).toEqual([]);
  });

  it('no wasm memory for an empty node buffer (the simulator keeps its words elsewhere)', () => {
    const empty = createNodeBuffer(0);
    expect(empty.memory).toBeUndefined();
    expect(empty.buffer.byteLength).toBe(0);
    expect(Slab.create(16, false).buffers.nodeMemory).toBeUndefined();
  });

  it('another thread attaches to the same words: its publish is seen here, and ours there', async () => {
    const slab = Slab.create(64);
    const mem = new ThreadedMemory(slab.buffers.nodes);
    mem.publish(100, 0xdeadbeef);
    const reply = await new Promise<{ seen: number; wasm: boolean }>((resolve, reject) => {
      const worker = new Worker(workerBoot(new URL('./support/attach-worker.ts', import.meta.url)), { workerData: slab.buffers, execArgv: [] });
      worker.once('message', (m) => {
        resolve(m as { seen: number; wasm: boolean });
        void worker.terminate();
      });
      worker.once('error', reject);
    });
    expect(reply).toEqual({ seen: 0xdeadbeef, wasm: true });
    expect(mem.deref(101)).toBe(0x80000001);
  });
});
