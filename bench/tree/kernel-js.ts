// 6.12's mtree_load and mas_walk written in JS, reading the kernel tree's own nodes in the wasm
// module's memory: what a JS tree can reach at the kernel's own algorithm, word for word
// (bench/tools/js-ceiling.ts, and the `kernel load in JS` / `kernel walk in JS` tasks of the tree
// bench). The variants are written out as separate functions on purpose: a flag tested in the
// loop would be part of what is measured.
import type { KernelPeer } from './kernel.js';
import { expectedAt } from './data.js';

// wasm32 geometry of the 16-slot build: a node is 128 bytes at a 256-byte aligned address;
// range_64/leaf_64: parent, pivot[15], slot[16] (words 0, 1..15, 16..31); arange_64: parent,
// pivot[9], slot[10] (words 0, 1..9, 10..19). An enode is the node's address | type << 3 | 4; the
// root word holds the enode | 2 (xa_mk_node).
export const NODE_MASK = 0xff;

/** 6.12 mtree_load on the module's memory, plain reads. */
export function loadPlain(w: Uint32Array, rootWord: number, index: number): number {
  retry: for (;;) {
    const root = w[rootWord];
    if ((root & 3) !== 2 || root <= 4096) return index === 0 ? root : 0;
    let next = (root & ~2) >>> 0;
    let node = (next & ~NODE_MASK) >>> 0;
    if (((w[node >>> 2] & ~NODE_MASK) >>> 0) === node) continue; // mas_start's dead root
    for (;;) {
      node = (next & ~NODE_MASK) >>> 0;
      const type = (next >>> 3) & 15;
      const base = node >>> 2;
      const end = type === 3 ? 9 : 15;
      let offset = 0;
      while (offset < end && w[base + 1 + offset] < index) offset++;
      next = w[base + (type === 3 ? 10 : 16) + offset];
      if (((w[base] & ~NODE_MASK) >>> 0) === node) continue retry; // ma_dead_node
      if (type < 2) return next;
    }
  }
}

/** The same with the slot read as the replica's derefRmb (one Atomics.load per level). */
export function loadAtomic(w: Uint32Array, rootWord: number, index: number): number {
  retry: for (;;) {
    const root = Atomics.load(w, rootWord);
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
      next = Atomics.load(w, base + (type === 3 ? 10 : 16) + offset);
      if (((w[base] & ~NODE_MASK) >>> 0) === node) continue retry;
      if (type < 2) return next;
    }
  }
}

/** mas_walk's bounds, set by walkPort (module state, so the port allocates nothing). */
export let walkFirst = 0;
export let walkLast = 0;

/**
 * 6.12's mas_walk on the module's memory: mas_start (the root, its dead check), then
 * mtree_range_walk: per level ma_data_end (pivot 14; 0 means the metadata's end, the byte at offset
 * 124 in the last slot; equal to the node's max means 14; else 15), the pivot scan to the data end
 * with the bounds, the slot, ma_dead_node. `atomic`: the root and slot reads by Atomics.load. Range
 * nodes only (the bench's tree has no arange_64). Sets walkFirst/walkLast to the range.
 */
export function walkPort(w: Uint32Array, b: Uint8Array, rootWord: number, index: number, atomic: boolean): number {
  retry: for (;;) {
    const root = atomic ? Atomics.load(w, rootWord) : w[rootWord];
    if ((root & 3) !== 2 || root <= 4096) {
      // mas_is_none or mas_is_ptr: the whole range, or the single entry at 0.
      if (root !== 0 && index === 0) {
        walkFirst = walkLast = 0;
        return root;
      }
      walkFirst = root === 0 ? 0 : 1;
      walkLast = 0xffffffff;
      return 0;
    }
    let next = (root & ~2) >>> 0;
    let node = (next & ~NODE_MASK) >>> 0;
    if (((w[node >>> 2] & ~NODE_MASK) >>> 0) === node) continue;
    let min = 0;
    let max = 0xffffffff;
    for (;;) {
      node = (next & ~NODE_MASK) >>> 0;
      const type = (next >>> 3) & 15;
      if (type === 3) throw new Error('walkPort: an arange_64 node (the port reads range nodes only)');
      const base = node >>> 2;
      const pAt = base + 1;
      const p14 = w[pAt + 14];
      const end = p14 === 0 ? b[node + 124] : p14 === max ? 14 : 15;
      let offset = 0;
      if (w[pAt] >= index) {
        max = w[pAt];
      } else {
        offset = 1;
        while (offset < end) {
          const p = w[pAt + offset];
          if (p >= index) {
            max = p;
            break;
          }
          offset++;
        }
        min = w[pAt + offset - 1] + 1;
      }
      next = atomic ? Atomics.load(w, base + 16 + offset) : w[base + 16 + offset];
      if (((w[base] & ~NODE_MASK) >>> 0) === node) continue retry;
      if (type < 2) {
        walkFirst = min;
        walkLast = max;
        return next;
      }
    }
  }
}

/** The tree's root word (struct maple_tree: ma_lock, 8 bytes in the shim, ma_flags, ma_root). */
export function rootWordOf(peer: KernelPeer): number {
  return (peer.mt >>> 2) + 3;
}

/**
 * Untimed: the ports against km_mtree_load, km_mas_walk and the data at the first `count` of
 * `indices`; the problems found (a wrong layout assumption would make the ports' timings
 * meaningless). `rootWord`: where the ports find the root (a test gives a wrong one).
 */
export function checkKernelJs(peer: KernelPeer, indices: Uint32Array, n: number, count: number, rootWord = rootWordOf(peer)): string[] {
  const problems: string[] = [];
  const w = new Uint32Array(peer.kernel.memory.buffer);
  const b = new Uint8Array(peer.kernel.memory.buffer);
  for (let k = 0; k < Math.min(count, indices.length) && problems.length < 5; k++) {
    const x = indices[k];
    const want = peer.batch('check', () => peer.load(peer.mt, x)) >>> 0;
    const model = expectedAt(x, n, 0xffffffff);
    if (want !== model.entry) problems.push(`km_mtree_load(${x}) = ${want}, the data says ${model.entry}`);
    if (loadPlain(w, rootWord, x) >>> 0 !== want || loadAtomic(w, rootWord, x) >>> 0 !== want) problems.push(`the JS port of mtree_load disagrees with km_mtree_load at ${x}`);
    const got = peer.batch('check', () => peer.walk(peer.mt, x, peer.walkPtr)) >>> 0;
    const first = peer.walkOut[0];
    const last = peer.walkOut[1];
    for (const atomic of [false, true]) {
      const port = walkPort(w, b, rootWord, x, atomic) >>> 0;
      if (port !== got || walkFirst !== first || walkLast !== last) problems.push(`the JS port of mas_walk disagrees with km_mas_walk at ${x}: [${walkFirst}, ${walkLast}] ${port}, kernel [${first}, ${last}] ${got}`);
    }
  }
  return problems;
}
