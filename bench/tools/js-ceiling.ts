// What JS can do at best against the kernel's wasm on a load, measured on the kernel's own nodes:
// 6.12's mtree_load (mas_start, mtree_lookup_walk, the dead checks) written in JS, reading the
// kernel tree's nodes in the module's memory, against the module's own km_mtree_load on the same
// tree, the same indices, alternating CPU-time slices in one process. Same nodes, same words, same
// reads in the same order: what is left is the cost of each access in JS against wasm.
//
//   npm run bench:build
//   node dist-bench/bench/tools/js-ceiling.js [load|walk] [seconds=4]
//
// Rows (load): the kernel's wasm; the JS port with plain reads (what a JS tree could do with no
// atomic at all); the JS port with the slot read as one Atomics.load (the replica's rcu_dereference
// + smp_rmb, ThreadedMemory.derefRmb), or as a wasm i32.atomic.load; that Atomics port on the
// replica's nodes; and the replica's own load on its own tree of the same ranges. With `walk`:
// 6.12's mas_walk (mas_start, mtree_range_walk with ma_data_end, the bounds) the same way, against
// km_mas_walk and the replica's walk. BENCH_RANGES as in the bench (default 1M); BENCH_SEQUENTIAL=1
// walks to the gaps in order (hot nodes) instead of random indices. The load's
// variants are written out as separate functions on purpose: a flag tested in the loop would be
// part of what is measured.
import { mulberry32, randomIndices, resolveSeed } from '../prng.js';
import { buildMaple, planCapacity } from '../tree/build.js';
import { setupKernel } from '../tree/kernel.js';
import { STRIDE } from '../tree/data.js';
import { cpuMs } from './op-tasks.js';
import { NODE_MASK, checkKernelJs, loadAtomic, loadPlain, rootWordOf, walkLast, walkPort } from '../tree/kernel-js.js';

/** The same with the slot read as a wasm i32.atomic.load (a call into a 60-byte module on the same memory). */
function loadWasmAtomic(w: Uint32Array, ld: (addr: number) => number, rootWord: number, index: number): number {
  retry: for (;;) {
    const root = ld(rootWord);
    if ((root & 3) !== 2 || root <= 4096) return index === 0 ? root : 0;
    let next = (root & ~2) >>> 0;
    let node = (next & ~NODE_MASK) >>> 0;
    if (((w[node >>> 2] & ~NODE_MASK) >>> 0) === node) continue;
    for (;;) {
      node = (next & ~NODE_MASK) >>> 0;
      const type = (next >>> 3) & 15;
      const base = node >>> 2;
      const end = type === 3 ? 9 : 15;
      let offset = 0;
      while (offset < end && w[base + 1 + offset] < index) offset++;
      next = ld(base + (type === 3 ? 10 : 16) + offset) >>> 0;
      if (((w[base] & ~NODE_MASK) >>> 0) === node) continue retry;
      if (type < 2) return next;
    }
  }
}

/** The Atomics.load port on the replica's own nodes (its layout: node id << 6 words, parent word,
 * metadata, 15 pivots, slots at word 17; enode = id << 4 | type << 2 | 2; dead = parent names itself). */
function loadReplicaNodes(w: Uint32Array, index: number): number {
  retry: for (;;) {
    const root = Atomics.load(w, 0);
    if ((root & 3) !== 2) return index === 0 ? root : 0;
    let id = root >>> 4;
    if (w[id << 6] >>> 8 === id) continue;
    let next = root;
    for (;;) {
      id = next >>> 4;
      const type = (next >>> 2) & 3;
      const base = id << 6;
      const end = type === 3 ? 9 : 15;
      let offset = 0;
      while (offset < end && w[base + 2 + offset] < index) offset++;
      next = Atomics.load(w, base + (type === 3 ? 11 : 17) + offset);
      if (w[base] >>> 8 === id) continue retry;
      if (type < 2) return next;
    }
  }
}

/** walkReplicaNodes's bounds (module state, as kernel-js.ts's walkPort keeps its own). */
let replicaFirst = 0;
let replicaLast = 0;

/** The Atomics walk port on the replica's nodes: its data end is the metadata word (word 1). */
function walkReplicaNodes(w: Uint32Array, index: number): number {
  retry: for (;;) {
    const root = Atomics.load(w, 0);
    if ((root & 3) !== 2) throw new Error('walkReplicaNodes: the root is not a node');
    let id = root >>> 4;
    if (w[id << 6] >>> 8 === id) continue;
    let next = root;
    let min = 0;
    let max = 0xffffffff;
    for (;;) {
      id = next >>> 4;
      const type = (next >>> 2) & 3;
      const base = id << 6;
      let end = w[base + 1] & 0xff;
      const slots = type === 3 ? 10 : 16;
      if (end >= slots) end = slots - 1;
      let offset = 0;
      let lo = 0;
      let hi = 0;
      while (offset < end) {
        hi = w[base + 2 + offset];
        if (hi >= index) break;
        lo = hi;
        offset++;
      }
      if (offset > 0) min = lo + 1;
      if (offset < end) max = hi;
      next = Atomics.load(w, base + (type === 3 ? 11 : 17) + offset);
      if (w[base] >>> 8 === id) continue retry;
      if (type < 2) {
        replicaFirst = min;
        replicaLast = max;
        return next;
      }
    }
  }
}

// (module (import "env" "mem" (memory 0 65536 shared)) (func (export "ld") (param i32) (result i32)
//   local.get 0  i32.const 2  i32.shl  i32.atomic.load))
const LD_MODULE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x06, 0x01, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x02, 0x0f, 0x01,
  0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x03, 0x00, 0x80, 0x80, 0x04, 0x03, 0x02, 0x01, 0x00, 0x07,
  0x06, 0x01, 0x02, 0x6c, 0x64, 0x00, 0x00, 0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x41, 0x02, 0x74, 0xfe, 0x10,
  0x02, 0x00, 0x0b,
]);

type Batch = (s: number, e: number) => number;

async function main(): Promise<void> {
  const op = process.argv[2] ?? 'load';
  if (op !== 'load' && op !== 'walk') {
    console.error('usage: js-ceiling [load|walk] [seconds=4]');
    process.exit(2);
  }
  const seconds = Number(process.argv[3] ?? 4);
  const n = Number(process.env.BENCH_RANGES ?? 1_000_000);
  const rng = mulberry32(resolveSeed());
  // BENCH_SEQUENTIAL=1: the gaps 10i + 6 in order (a hot path, as store seq walks) instead of random indices.
  const reads = process.env.BENCH_SEQUENTIAL === '1' ? Uint32Array.from({ length: Math.min(n, 1 << 20) }, (_, i) => STRIDE * i + 6) : randomIndices(rng, 1 << 20, STRIDE * n);
  const maple = buildMaple(n, planCapacity(n).capacity).tree;
  const { peer, info } = await setupKernel(n, () => {});
  if (peer === null) throw new Error(`kernel peer unavailable: ${info.reason}`);
  const w = new Uint32Array(peer.kernel.memory.buffer);
  const rootWord = rootWordOf(peer);
  // The kernel ports against km_mtree_load, km_mas_walk and the data (kernel-js.ts).
  const problems = checkKernelJs(peer, reads, n, 4096);
  if (problems.length > 0) throw new Error(`the JS ports are wrong (the layout assumptions?): ${problems.join('; ')}`);
  const { mt, load } = peer;
  const rw = (maple as unknown as { mem: { words: Uint32Array } }).mem.words;
  // lib ES2022 has no WebAssembly declarations (src/kernel/loader.ts).
  const WA = (globalThis as unknown as { WebAssembly: { Module: new (b: Uint8Array) => object; Instance: new (m: object, i: object) => { exports: object } } }).WebAssembly;
  const ld = (new WA.Instance(new WA.Module(LD_MODULE), { env: { mem: peer.kernel.memory } }).exports as { ld: (a: number) => number }).ld;
  const rows: { name: string; batch: Batch; ms: number; ops: number }[] = op === 'load' ? loadRows() : walkRows();

  function loadRows(): typeof rows {
    for (let k = 0; k < 4096; k++) {
      const x = reads[k];
      const want = load(mt, x) >>> 0;
      if (loadWasmAtomic(w, ld, rootWord, x) !== want || loadReplicaNodes(rw, x) !== want) {
        throw new Error(`a JS port disagrees with km_mtree_load at index ${x}: the layout assumptions are wrong`);
      }
    }
    return [
      { name: 'kernel wasm km_mtree_load', batch: (s, e) => peer!.batch('load', () => { let a = 0; for (let k = s; k < e; k++) a += load(mt, reads[k]) >>> 0; return a; }), ms: 0, ops: 0 },
      { name: 'JS port, plain reads', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += loadPlain(w, rootWord, reads[k]); return a; }, ms: 0, ops: 0 },
      { name: 'JS port, slot by Atomics.load', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += loadAtomic(w, rootWord, reads[k]); return a; }, ms: 0, ops: 0 },
      { name: 'JS port, slot by wasm atomic', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += loadWasmAtomic(w, ld, rootWord, reads[k]); return a; }, ms: 0, ops: 0 },
      { name: "Atomics port, replica's nodes", batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += loadReplicaNodes(rw, reads[k]); return a; }, ms: 0, ops: 0 },
      { name: 'replica load (own tree)', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += maple.load(reads[k]); return a; }, ms: 0, ops: 0 },
    ];
  }

  function walkRows(): typeof rows {
    const { walk, walkPtr, walkOut } = peer!;
    const b = new Uint8Array(peer!.kernel.memory.buffer);
    for (let k = 0; k < 4096; k++) {
      const x = reads[k];
      const want = walk(mt, x, walkPtr) >>> 0;
      if (walkReplicaNodes(rw, x) !== want || replicaFirst !== walkOut[0] || replicaLast !== walkOut[1]) {
        throw new Error(`the replica-node port of mas_walk disagrees with km_mas_walk at index ${x}: [${replicaFirst}, ${replicaLast}], kernel [${walkOut[0]}, ${walkOut[1]}]`);
      }
    }
    return [
      { name: 'kernel wasm km_mas_walk', batch: (s, e) => peer!.batch('walk', () => { let a = 0; for (let k = s; k < e; k++) a += (walk(mt, reads[k], walkPtr) >>> 0) + walkOut[1]; return a; }), ms: 0, ops: 0 },
      { name: 'JS port, plain reads', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += walkPort(w, b, rootWord, reads[k], false) + walkLast; return a; }, ms: 0, ops: 0 },
      { name: 'JS port, slot by Atomics.load', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += walkPort(w, b, rootWord, reads[k], true) + walkLast; return a; }, ms: 0, ops: 0 },
      { name: "Atomics port, replica's nodes", batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) a += walkReplicaNodes(rw, reads[k]) + replicaLast; return a; }, ms: 0, ops: 0 },
      { name: 'replica walk (own tree)', batch: (s, e) => { let a = 0; for (let k = s; k < e; k++) { const r = maple.walk(reads[k]); a += r.entry + r.last; } return a; }, ms: 0, ops: 0 },
    ];
  }
  const BATCH = 1024;
  let pos = 0;
  let sink = 0;
  const slice = (r: (typeof rows)[number], ms: number): void => {
    let spent = 0;
    while (spent < ms) {
      if (pos + BATCH > reads.length) pos = 0;
      const t0 = cpuMs();
      sink = (sink + r.batch(pos, pos + BATCH)) | 0;
      const dt = cpuMs() - t0;
      spent += dt;
      r.ms += dt;
      r.ops += BATCH;
      pos += BATCH;
    }
  };
  for (const r of rows) slice(r, 300);
  for (const r of rows) r.ms = r.ops = 0;
  const slices = Math.max(1, Math.round((seconds * 1000) / 250));
  for (let i = 0; i < slices; i++) for (const r of rows) slice(r, 250);
  const kernelNs = (rows[0].ms * 1e6) / rows[0].ops;
  console.log(`${op}, ${n.toLocaleString('en-US')} ranges, ${slices} slices of 250 ms CPU time per row`);
  for (const r of rows) {
    const ns = (r.ms * 1e6) / r.ops;
    console.log(`${r.name.padEnd(32)} ${ns.toFixed(1).padStart(7)} ns/op   ${(kernelNs / ns).toFixed(3)}x the kernel's ops/s`);
  }
  if (sink === 0.5) console.log(sink);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
