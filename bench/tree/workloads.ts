// The benchmark tasks. Per-op work (~100 ns) is far below what one timed call can resolve, so each
// tinybench iteration runs a batch of BATCH operations over a precomputed index array and reports
// the per-op mean through `overriddenDuration`; `overriddenIterationCost` charges the whole
// iteration (including untimed undo work) to tinybench's time budget so wall time stays bounded.
//
// Tasks run in list order: reads on the freshly built trees first, then writes, then the same
// reads again on the churned trees. Mutating workloads undo each batch outside the timed window so every batch sees the same
// 1M-range tree:
//   store rand / seq : store a fresh range [10i+6, 10i+8] into gap i (a structural insert: one
//                      NULL slot becomes entry + NULL, leaves fill and split); undo erases it.
//                      This is the representative write (mmap-like: new range into a hole) and the
//                      one the store/insert ratio target uses.
//   overwrite        : store a new entry over an existing range [10i, 10i+5] (in-place slot
//                      update, no structural change; sorted-btree updates its value object in
//                      place too); undo restores the old entry.
//   erase            : erase(10i + i%6) removes range i (three NULL ranges merge); undo re-stores.
// The sorted-btree twin of each task performs the same logical operation with the same indices.
// Its undo steps re-use the original value objects, so the B+ tree's heap layout does not drift
// (and later btree tasks are not penalised by earlier ones' garbage).
import { performance } from 'node:perf_hooks';
import type { FnReturnedObject } from 'tinybench';
import { MAX_INDEX, type MapleTreeLike } from './maple.js';
import { btreeErase, btreeLookup, btreeStore, scratchPair, type RangeBTree, type RangeValue } from './btree.js';
import type { KernelPeer } from './kernel.js';
import { loadAtomic, rootWordOf, walkLast, walkPort } from './kernel-js.js';
import { altEntryOf, entryOf, firstOf, freshEntryOf, gapFirstOf, gapLastOf, lastOf, RANGE_LEN } from './data.js';

export type Unit = 'op' | 'range';

export interface Workload {
  name: string;
  unit: Unit;
  description: string;
  fn: () => FnReturnedObject;
  /** Run before/after each phase (warmup, run) of the task, outside any timing. */
  beforeAll?: () => void;
  afterAll?: () => void;
}

export interface WorkloadContext {
  n: number;
  maple: MapleTreeLike;
  /** The kernel's own maple tree (wasm), same ranges; null when unavailable (its tasks are left out). */
  kernel: KernelPeer | null;
  bt: RangeBTree;
  /** bt's value object for range i, captured after the build (used by the untimed restores). */
  btValues: RangeValue[];
  /** Uniform random indices in [0, 10n): ~60% land in a range, ~40% in a gap. */
  reads: Uint32Array;
  /** Random permutation of 0..n-1: range/gap numbers for random writes (distinct within a batch). */
  perm: Uint32Array;
  /** 0..n-1 in order, for the sequential workloads. */
  seq: Uint32Array;
  batch: number;
  /** Called after every iteration with the current time; aborts the run past the deadline. */
  onIteration: (nowMs: number) => void;
  /** Problems noticed while benchmarking (wrong counts etc.); reported, never thrown. */
  problems: string[];
}

let sinkValue = 0;
/** Accumulated results of every measured operation, printed so no work is dead code. */
export const sink = (): number => sinkValue;

type Span = (src: Uint32Array, start: number, end: number) => number;

function batched(ctx: WorkloadContext, src: Uint32Array, timed: Span, undo?: Span): () => FnReturnedObject {
  const batch = ctx.batch;
  let pos = 0;
  return () => {
    if (pos + batch > src.length) pos = 0;
    const start = pos;
    const end = pos + batch;
    pos = end;
    const t0 = performance.now();
    try {
      sinkValue = (sinkValue + timed(src, start, end)) | 0;
    } catch (e) {
      // Undo the ops that did happen (every undo is harmless for the ops that did not), so a
      // failing task does not leave stray ranges behind for the tasks and checks that follow.
      if (undo !== undefined) undo(src, start, end);
      throw e;
    }
    const t1 = performance.now();
    if (undo !== undefined) undo(src, start, end);
    const t2 = performance.now();
    ctx.onIteration(t2);
    return { overriddenDuration: (t1 - t0) / batch, overriddenIterationCost: t2 - t0 };
  };
}

export function makeWorkloads(ctx: WorkloadContext): Workload[] {
  const { n, maple, bt, btValues, reads, perm, seq } = ctx;
  const tmp = scratchPair();

  // ---- reads -------------------------------------------------------------------------------
  const mapleLoad: Span = (src, s, e) => {
    let acc = 0;
    for (let k = s; k < e; k++) acc += maple.load(src[k]);
    return acc;
  };
  const mapleWalk: Span = (src, s, e) => {
    let acc = 0;
    for (let k = s; k < e; k++) {
      const r = maple.walk(src[k]);
      acc += r.entry + r.last;
    }
    return acc;
  };
  const btLookup: Span = (src, s, e) => {
    let acc = 0;
    for (let k = s; k < e; k++) acc += btreeLookup(bt, src[k], tmp);
    return acc;
  };

  // ---- fresh range into gap i (store rand / store seq) --------------------------------------
  const mapleStoreGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      maple.store(gapFirstOf(i), gapLastOf(i), freshEntryOf(i, n));
    }
    return e - s;
  };
  const mapleUnstoreGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) maple.erase(gapFirstOf(src[k]));
    return 0;
  };
  const btStoreGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      btreeStore(bt, gapFirstOf(i), gapLastOf(i), freshEntryOf(i, n), tmp);
    }
    return e - s;
  };
  const btUnstoreGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) bt.delete(gapFirstOf(src[k]));
    return 0;
  };

  // ---- overwrite existing range i ---------------------------------------------------------
  const mapleOverwrite: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      maple.store(firstOf(i), lastOf(i), altEntryOf(i, n));
    }
    return e - s;
  };
  const mapleRestore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      maple.store(firstOf(i), lastOf(i), entryOf(i));
    }
    return 0;
  };
  const btOverwrite: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      btreeStore(bt, firstOf(i), lastOf(i), altEntryOf(i, n), tmp);
    }
    return e - s;
  };
  const btRestore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) {
      const i = src[k];
      const v = btValues[i]; // the original value object: restoring does not allocate or move it
      v.last = lastOf(i);
      v.entry = entryOf(i);
      bt.set(firstOf(i), v);
    }
    return 0;
  };

  // ---- erase range i (by an index inside it) ------------------------------------------------
  const mapleErase: Span = (src, s, e) => {
    let acc = 0;
    for (let k = s; k < e; k++) {
      const i = src[k];
      acc += maple.erase(firstOf(i) + (i % RANGE_LEN));
    }
    return acc;
  };
  const btErase: Span = (src, s, e) => {
    let acc = 0;
    for (let k = s; k < e; k++) {
      const i = src[k];
      acc += btreeErase(bt, firstOf(i) + (i % RANGE_LEN), tmp);
    }
    return acc;
  };

  // ---- the kernel peer: one wasm export call per operation, a batch inside one kernel.call ------
  const kp = ctx.kernel;
  const kmt = kp?.mt ?? 0;
  const kernelSpans = kp === null
    ? null
    : (() => {
        const { load, walk, walkPtr, walkOut, storeRange, erase } = kp;
        const failed = (what: string, r: number, i: number): never => {
          throw new Error(`kernel ${what} returned ${r} for range ${i}`);
        };
        const inKernel = (what: string, span: Span): Span => (src, s, e) => kp.batch(what, () => span(src, s, e));
        const withGrace = (span: Span): Span => (src, s, e) => {
          const r = span(src, s, e);
          kp.gracePeriods();
          return r;
        };
        return {
          load: inKernel('load', (src, s, e) => {
            let acc = 0;
            for (let k = s; k < e; k++) acc += load(kmt, src[k]) >>> 0;
            return acc;
          }),
          walk: inKernel('walk', (src, s, e) => {
            let acc = 0;
            for (let k = s; k < e; k++) acc += (walk(kmt, src[k], walkPtr) >>> 0) + walkOut[1];
            return acc;
          }),
          storeGap: inKernel('store', (src, s, e) => {
            for (let k = s; k < e; k++) {
              const i = src[k];
              const r = storeRange(kmt, gapFirstOf(i), gapLastOf(i), freshEntryOf(i, n));
              if (r !== 0) failed('mtree_store_range', r, i);
            }
            return e - s;
          }),
          unstoreGap: withGrace(inKernel('erase', (src, s, e) => {
            for (let k = s; k < e; k++) erase(kmt, gapFirstOf(src[k]));
            return 0;
          })),
          overwrite: inKernel('store', (src, s, e) => {
            for (let k = s; k < e; k++) {
              const i = src[k];
              const r = storeRange(kmt, firstOf(i), lastOf(i), altEntryOf(i, n));
              if (r !== 0) failed('mtree_store_range', r, i);
            }
            return e - s;
          }),
          restore: withGrace(inKernel('store', (src, s, e) => {
            for (let k = s; k < e; k++) {
              const i = src[k];
              const r = storeRange(kmt, firstOf(i), lastOf(i), entryOf(i));
              if (r !== 0) failed('mtree_store_range', r, i);
            }
            return 0;
          })),
          // 6.12's mtree_load and mas_walk written in JS on the kernel's nodes, with one
          // Atomics.load per level as a JS reader needs (kernel-js.ts): no wasm call, so not in a
          // kernel.call. What a JS tree can reach at the kernel's algorithm (docs/benchmarks.md, round 4).
          loadJs: ((w: Uint32Array, rootWord: number): Span => (src, s, e) => {
            let acc = 0;
            for (let k = s; k < e; k++) acc += loadAtomic(w, rootWord, src[k]);
            return acc;
          })(new Uint32Array(kp.kernel.memory.buffer), rootWordOf(kp)),
          walkJs: ((w: Uint32Array, b: Uint8Array, rootWord: number): Span => (src, s, e) => {
            let acc = 0;
            for (let k = s; k < e; k++) acc += walkPort(w, b, rootWord, src[k], true) + walkLast;
            return acc;
          })(new Uint32Array(kp.kernel.memory.buffer), new Uint8Array(kp.kernel.memory.buffer), rootWordOf(kp)),
          erase: inKernel('erase', (src, s, e) => {
            let acc = 0;
            for (let k = s; k < e; k++) {
              const i = src[k];
              acc += erase(kmt, firstOf(i) + (i % RANGE_LEN)) >>> 0;
            }
            return acc;
          }),
        };
      })();
  const kernelTask = (w: Omit<Workload, 'fn'>, make: (k: NonNullable<typeof kernelSpans>) => () => FnReturnedObject): Workload[] =>
    kernelSpans === null ? [] : [{ ...w, fn: make(kernelSpans) }];
  const kRcuOn = () => kp?.tree.setInRcu(true);
  const kRcuOff = () => {
    kp?.tree.setInRcu(false);
    kp?.gracePeriods();
  };

  // ---- full iteration -----------------------------------------------------------------------
  const iterate = (label: string, visit: () => { count: number; acc: number }) => (): FnReturnedObject => {
    const t0 = performance.now();
    const { count, acc } = visit();
    const t1 = performance.now();
    sinkValue = (sinkValue + acc) | 0;
    if (count !== n) {
      const msg = `${label}: visited ${count} ranges, expected ${n}`;
      if (!ctx.problems.includes(msg)) ctx.problems.push(msg);
    }
    if (count === 0) throw new Error(`${label}: iteration visited no ranges`);
    ctx.onIteration(t1);
    return { overriddenDuration: (t1 - t0) / count, overriddenIterationCost: t1 - t0 };
  };
  const mapleIterate = iterate('maple iterate', () => {
    const cur = maple.cursor(0);
    let count = 0;
    let acc = 0;
    let e: number;
    while ((e = cur.find(MAX_INDEX)) !== 0) {
      acc = (acc + e) | 0;
      count++;
    }
    return { count, acc };
  });
  const btIterate = iterate('btree iterate', () => {
    let count = 0;
    let acc = 0;
    bt.forEach((v) => {
      acc = (acc + v.entry) | 0;
      count++;
    });
    return { count, acc };
  });

  const reads_: Workload[] = [
    { name: 'maple load', unit: 'op', description: 'tree.load(random index in [0, 10N)), fresh tree', fn: batched(ctx, reads, mapleLoad) },
    ...kernelTask({ name: 'kernel load', unit: 'op', description: 'km_mtree_load(random index): mtree_load, fresh tree' }, (k) => batched(ctx, reads, k.load)),
    ...kernelTask({ name: 'kernel load in JS', unit: 'op', description: "6.12's mtree_load in JS on the kernel's nodes, an Atomics.load per level (the JS ceiling)" }, (k) => batched(ctx, reads, k.loadJs)),
    { name: 'maple walk', unit: 'op', description: 'tree.walk(random index): range incl. NULL, fresh tree', fn: batched(ctx, reads, mapleWalk) },
    ...kernelTask({ name: 'kernel walk', unit: 'op', description: 'km_mas_walk(random index): mas_walk under rcu_read_lock, {first,last} via memory' }, (k) => batched(ctx, reads, k.walk)),
    ...kernelTask({ name: 'kernel walk in JS', unit: 'op', description: "6.12's mas_walk in JS on the kernel's nodes, an Atomics.load per level (the JS ceiling)" }, (k) => batched(ctx, reads, k.walkJs)),
    { name: 'btree lookup', unit: 'op', description: 'getPairOrNextLower(index) + last >= index, fresh tree', fn: batched(ctx, reads, btLookup) },
    { name: 'maple iterate', unit: 'range', description: 'cursor.find(MAX_INDEX) loop over all N ranges, fresh tree; per range', fn: mapleIterate },
    { name: 'btree iterate', unit: 'range', description: 'BTree.forEach over all N ranges, fresh tree; per range', fn: btIterate },
  ];
  const writes: Workload[] = [
    { name: 'maple store rand', unit: 'op', description: 'store [10i+6,10i+8] into random gap i (undone untimed)', fn: batched(ctx, perm, mapleStoreGap, mapleUnstoreGap) },
    ...kernelTask({ name: 'kernel store rand', unit: 'op', description: 'mtree_store_range, same ranges (undone untimed, then grace periods)' }, (k) => batched(ctx, perm, k.storeGap, k.unstoreGap)),
    { name: 'btree store rand', unit: 'op', description: 'same ranges via store-semantics set (undone untimed)', fn: batched(ctx, perm, btStoreGap, btUnstoreGap) },
    { name: 'maple store seq', unit: 'op', description: 'store [10i+6,10i+8] into gaps i, i+1, ... (undone untimed)', fn: batched(ctx, seq, mapleStoreGap, mapleUnstoreGap) },
    ...kernelTask({ name: 'kernel store seq', unit: 'op', description: 'same, kernel' }, (k) => batched(ctx, seq, k.storeGap, k.unstoreGap)),
    { name: 'btree store seq', unit: 'op', description: 'same, sorted-btree', fn: batched(ctx, seq, btStoreGap, btUnstoreGap) },
    { name: 'maple overwrite', unit: 'op', description: 'store new entry over random existing [10i,10i+5] (restored untimed)', fn: batched(ctx, perm, mapleOverwrite, mapleRestore) },
    ...kernelTask({ name: 'kernel overwrite', unit: 'op', description: 'same, kernel' }, (k) => batched(ctx, perm, k.overwrite, k.restore)),
    { name: 'btree overwrite', unit: 'op', description: 'same, sorted-btree', fn: batched(ctx, perm, btOverwrite, btRestore) },
    { name: 'maple erase', unit: 'op', description: 'erase(index inside random range i) (re-stored untimed)', fn: batched(ctx, perm, mapleErase, mapleRestore) },
    ...kernelTask({ name: 'kernel erase', unit: 'op', description: 'mtree_erase(index inside random range i) (re-stored untimed)' }, (k) => batched(ctx, perm, k.erase, k.restore)),
    { name: 'btree erase', unit: 'op', description: 'same, sorted-btree', fn: batched(ctx, perm, btErase, btRestore) },
  ];
  // The same writes with the tree in RCU mode (the mode the torture tests run in): every write
  // that is not an exact fit copies the nodes it changes instead of editing them in place.
  const rcuOn = () => maple.setRcu(true);
  const rcuOff = () => maple.setRcu(false);
  const rcu: Workload[] = [
    { name: 'maple store rand rcu', unit: 'op', description: 'maple store rand with setRcu(true)', fn: batched(ctx, perm, mapleStoreGap, mapleUnstoreGap), beforeAll: rcuOn, afterAll: rcuOff },
    ...kernelTask({ name: 'kernel store rand rcu', unit: 'op', description: 'kernel store rand with MT_FLAGS_USE_RCU (call_rcu frees; grace periods untimed)', beforeAll: kRcuOn, afterAll: kRcuOff }, (k) => batched(ctx, perm, k.storeGap, k.unstoreGap)),
    { name: 'maple erase rcu', unit: 'op', description: 'maple erase with setRcu(true)', fn: batched(ctx, perm, mapleErase, mapleRestore), beforeAll: rcuOn, afterAll: rcuOff },
    ...kernelTask({ name: 'kernel erase rcu', unit: 'op', description: 'kernel erase with MT_FLAGS_USE_RCU', beforeAll: kRcuOn, afterAll: kRcuOff }, (k) => batched(ctx, perm, k.erase, k.restore)),
  ];
  // The write tasks leave the same ranges but not the same nodes: splits that the undo does not
  // merge back, nodes reallocated out of address order. Re-measure reads on the churned trees.
  const churned: Workload[] = [
    { name: 'maple load churned', unit: 'op', description: 'maple load again, after all write tasks', fn: batched(ctx, reads, mapleLoad) },
    ...kernelTask({ name: 'kernel load churned', unit: 'op', description: 'kernel load again, after all write tasks' }, (k) => batched(ctx, reads, k.load)),
    { name: 'btree lookup churned', unit: 'op', description: 'btree lookup again, after all write tasks', fn: batched(ctx, reads, btLookup) },
    { name: 'maple iterate churned', unit: 'range', description: 'maple iterate again, after all write tasks', fn: mapleIterate },
    { name: 'btree iterate churned', unit: 'range', description: 'btree iterate again, after all write tasks', fn: btIterate },
  ];
  return [...reads_, ...writes, ...rcu, ...churned];
}
