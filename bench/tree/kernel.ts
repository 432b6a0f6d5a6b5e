// The kernel peer: the kernel's own lib/maple_tree.c built to wasm (src/kernel), in its benchmark
// flavour (buildKernel({ bench: true }): x86-64 barriers, nothing counted, no slab poisoning, no
// CONFIG_DEBUG_MAPLE_TREE), 16 slots like the replica, holding the same N ranges with the same
// entries. setupKernel's `model` 'wasm' builds the same flavour under the wasm memory model
// instead (op-driver's kernel-wasm; not a bench row). The tasks call the module's exports
// directly, one wasm call per operation: that is the cost a JS harness pays for the kernel's code
// (KernelTree's methods add a closure and a try/catch per call on top; a whole batch runs inside
// one KernelInstance.call instead).
//
// A single-threaded driver has to run the grace periods itself: call_rcu'd nodes (RCU mode, and
// any deferred free) only come back to the slab when runRcuCallbacks() runs, which the write tasks
// do after each batch's untimed undo.
import { performance } from 'node:perf_hooks';
import { MAX_MEMORY_BYTES, buildKernel, type BenchModel } from '../../src/kernel/build.js';
import { KernelInstance, compileKernel, createKernelMemory, type SlabStats } from '../../src/kernel/loader.js';
import type { KernelTree } from '../../src/kernel/kernel-tree.js';
import { entryOf, expectedAt, firstOf, lastOf } from './data.js';

/** The kernel tree's largest index (wasm32: unsigned long is 32 bits), as the replica's MAX_INDEX. */
export const KERNEL_MAX_INDEX = 0xffffffff;
const ENOMEM = -12;

/** The exports the tasks call, bound once. */
export interface KernelPeer {
  kernel: KernelInstance;
  tree: KernelTree;
  /** The tree's address (struct maple_tree *), the first argument of every export. */
  mt: number;
  load: (mt: number, index: number) => number;
  /** km_mas_walk(mt, index, outPtr): the entry; {first, last} in walkOut[0..1]. */
  walk: (mt: number, index: number, out: number) => number;
  walkPtr: number;
  walkOut: Uint32Array;
  storeRange: (mt: number, first: number, last: number, entry: number) => number;
  erase: (mt: number, index: number) => number;
  /** Grace periods until no call_rcu callback is queued (untimed, after each write batch). */
  gracePeriods: () => number;
  /** Runs a batch inside one KernelInstance.call, so a trap resets the instance's stack. */
  batch: <T>(what: string, fn: () => T) => T;
}

/** The exports the tasks call, bound for `tree` on `kernel`. */
export function kernelPeerOf(kernel: KernelInstance, tree: KernelTree): KernelPeer {
  const x = kernel.exports;
  const { ptr } = kernel.scratchWords();
  return {
    kernel,
    tree,
    mt: tree.address,
    load: x.km_mtree_load,
    walk: x.km_mas_walk,
    walkPtr: ptr,
    // The scratch words lie low in memory: a view on today's buffer stays valid when it grows.
    walkOut: new Uint32Array(kernel.memory.buffer, ptr, 2),
    storeRange: x.km_mtree_store_range,
    erase: x.km_mtree_erase,
    gracePeriods: () => kernel.rcuBarrier(),
    batch: (what, fn) => kernel.call(what, fn),
  };
}

export interface KernelInfo {
  available: boolean;
  /** Why the kernel rows are n/a (toolchain or source missing, build failed, too many ranges). */
  reason: string | null;
  source: string;
  flavour: string;
  version: string | null;
  sourceHash: string | null;
  buildHash: string | null;
  wasmPath: string | null;
  slots: number | null;
  compileMs: number | null;
  cached: boolean | null;
  ranges: number;
  maxRanges: number | null;
  probe: { ranges: number; liveNodes: number; bytesPerRange: number } | null;
  treeBuildMs: number | null;
  height: number | null;
  slabAfterBuild: SlabStats | null;
  slabBytesPerRange: number | null;
  memoryBytes: number | null;
  memoryMaxBytes: number;
  geometry: { rangeSlots: number; arangeSlots: number; nodeSize: number } | null;
}

/** Slab growth the write tasks may cause (leaf splits the undo does not merge), as for the replica. */
const HEADROOM = 2.2;
/** Memory below the slab: stack, data, the runtime's log, the thread areas. */
const RESERVED_BYTES = 8 * 1024 * 1024;
const PROBE_RANGES = 65536;

/** Stores ranges 0..n-1; null, or what failed. */
function fill(tree: KernelTree, n: number): string | null {
  for (let i = 0; i < n; i++) {
    const r = tree.storeRange(firstOf(i), lastOf(i), entryOf(i));
    if (r !== 0) return `mtree_store_range returned ${r}${r === ENOMEM ? ' (-ENOMEM)' : ''} at range ${i.toLocaleString('en-US')} of ${n.toLocaleString('en-US')}`;
  }
  return null;
}

/** The info block before anything is known (also the whole of it when the peer is left out). */
export function emptyKernelInfo(n: number, reason: string | null = null, model: BenchModel = 'x86-64'): KernelInfo {
  return {
    available: false,
    reason,
    source: 'lib/maple_tree.c',
    flavour:
      model === 'wasm'
        ? 'bench, wasm memory model (rcu_dereference and rcu_assign_pointer SeqCst, barriers atomic accesses, as the replica; uncounted, no slab poison, no CONFIG_DEBUG_MAPLE_TREE)'
        : 'bench (x86-64 barriers, uncounted, no slab poison, no CONFIG_DEBUG_MAPLE_TREE)',
    version: null,
    sourceHash: null,
    buildHash: null,
    wasmPath: null,
    slots: null,
    compileMs: null,
    cached: null,
    ranges: n,
    maxRanges: null,
    probe: null,
    treeBuildMs: null,
    height: null,
    slabAfterBuild: null,
    slabBytesPerRange: null,
    memoryBytes: null,
    memoryMaxBytes: MAX_MEMORY_BYTES,
    geometry: null,
  };
}

/**
 * Builds (or takes from .cache/kernel) the benchmark flavour under `model` (x86-64's barriers, or
 * the wasm memory model's: src/kernel/build.ts) and a tree of n ranges. Never throws: whatever
 * fails becomes `reason`, and the kernel rows are n/a.
 */
export async function setupKernel(n: number, log: (line: string) => void, model: BenchModel = 'x86-64'): Promise<{ peer: KernelPeer | null; info: KernelInfo }> {
  const info = emptyKernelInfo(n, null, model);
  try {
    const built = await buildKernel({ slots: 16, bench: true, benchModel: model, log });
    Object.assign(info, {
      version: built.version,
      sourceHash: built.sourceHash,
      buildHash: built.buildHash,
      wasmPath: built.wasmPath,
      slots: built.slots,
      compileMs: built.buildMs,
      cached: built.cached,
    });
    const module = compileKernel(built.wasmPath);

    // Capacity: a probe tree on its own memory gives the slab bytes per range.
    const probeN = Math.min(n, PROBE_RANGES);
    const probeKernel = await KernelInstance.create(module, createKernelMemory());
    const probeTree = probeKernel.newTree(0);
    const pr = fill(probeTree, probeN);
    if (pr !== null) throw new Error(`probe build failed: ${pr}`);
    const probeLive = probeKernel.slabStats().live;
    const bytesPerRange = (probeLive * probeKernel.slabStats().objectSize) / probeN;
    info.probe = { ranges: probeN, liveNodes: probeLive, bytesPerRange };
    info.maxRanges = Math.floor((MAX_MEMORY_BYTES - RESERVED_BYTES) / (bytesPerRange * HEADROOM));
    if (n > info.maxRanges) {
      info.reason =
        `${n.toLocaleString('en-US')} ranges do not fit the kernel module's ${MAX_MEMORY_BYTES / 2 ** 20} MiB memory ` +
        `with the write tasks' headroom (at most about ${info.maxRanges.toLocaleString('en-US')}; rerun with BENCH_RANGES <= that)`;
      return { peer: null, info };
    }

    const kernel = await KernelInstance.create(module, createKernelMemory());
    info.geometry = kernel.geometry();
    const tree = kernel.newTree(0); // no MT_FLAGS_USE_RCU, as the replica's rcu: false
    const t0 = performance.now();
    const r = fill(tree, n);
    info.treeBuildMs = performance.now() - t0;
    if (r !== null) throw new Error(`build failed: ${r}`);
    kernel.rcuBarrier();
    info.height = tree.height();
    info.slabAfterBuild = kernel.slabStats();
    info.slabBytesPerRange = (info.slabAfterBuild.live * info.slabAfterBuild.objectSize) / n; // slab objects: 256 B, as the replica's nodes
    info.memoryBytes = kernel.memory.buffer.byteLength;

    const peer = kernelPeerOf(kernel, tree);
    info.available = true;
    return { peer, info };
  } catch (e) {
    const err = e as Error;
    info.reason = `${err.name}: ${err.message.split('\n')[0]}`;
    return { peer: null, info };
  }
}

/** Untimed check: load and walk on the probe indices against the arithmetic model. */
export function checkKernel(label: string, peer: KernelPeer, n: number, reads: Uint32Array, samples: number): string[] {
  const problems: string[] = [];
  const note = (msg: string) => {
    if (problems.length < 8) problems.push(`${label}: kernel ${msg}`);
  };
  try {
    peer.batch('check', () => {
      const probes = [0, 5, 6, 9, 10, firstOf(n - 1), lastOf(n - 1), lastOf(n - 1) + 1, KERNEL_MAX_INDEX - 1, KERNEL_MAX_INDEX];
      for (let k = 0; k < Math.min(samples, reads.length); k++) probes.push(reads[k]);
      for (const x of probes) {
        const want = expectedAt(x, n, KERNEL_MAX_INDEX);
        const got = peer.load(peer.mt, x) >>> 0;
        if (got !== want.entry) note(`load(${x}) = ${got}, expected ${want.entry}`);
        const e = peer.walk(peer.mt, x, peer.walkPtr) >>> 0;
        const first = peer.walkOut[0];
        const last = peer.walkOut[1];
        if (e !== want.entry || first !== want.first || last !== want.last) {
          note(`walk(${x}) = ${JSON.stringify({ entry: e, first, last })}, expected ${JSON.stringify(want)}`);
        }
      }
    });
    const s = peer.kernel.slabStats();
    if (s.doubleFrees !== 0) note(`slab: ${s.doubleFrees} double frees`);
    const c = peer.kernel.counters();
    if (c.bugs !== 0 || c.warns !== 0) note(`${c.bugs} BUG(s), ${c.warns} WARN(s): ${peer.kernel.log().slice(-400)}`);
  } catch (e) {
    note(`threw: ${(e as Error).message}`);
  }
  return problems;
}
