/**
 * test/wasm-atomics.test.ts's other thread: attaches to the slab it is given as the harness's
 * workers do, reads the word the main thread published, publishes one back and says whether its
 * memory layer got the wasm accessors.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ThreadedMemory } from '../../src/shared-heap/memory.js';
import { Slab, type SlabBuffers } from '../../src/shared-heap/slab.js';
import { wasmAtomicsOf } from '../../src/shared-heap/wasm-atomics.js';

const slab = Slab.attach(workerData as SlabBuffers);
const mem = new ThreadedMemory(slab.buffers.nodes);
const seen = mem.deref(100);
mem.publish(101, 0x80000001);
parentPort!.postMessage({ seen, wasm: wasmAtomicsOf(slab.buffers.nodes) !== undefined });
