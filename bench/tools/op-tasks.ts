// The op-driver's tasks (load, walk, store-rand, store-seq, overwrite, erase) on either tree: the
// timed span and its undo, the index arrays they run over, and the loop that times them in slices.
// Shared by op-driver.ts (timing), the bench's paired ratios (tree/paired.ts) and access-count.ts
// (counting memory accesses), so all of them measure the same operations.
import { mulberry32, permutation, randomIndices, resolveSeed } from '../prng.js';
import type { KernelPeer } from '../tree/kernel.js';
import type { MapleTreeLike } from '../tree/maple.js';
import { RANGE_LEN, STRIDE, altEntryOf, entryOf, firstOf, freshEntryOf, gapFirstOf, gapLastOf, lastOf } from '../tree/data.js';

export type Span = (src: Uint32Array, s: number, e: number) => number;
export interface Task {
  src: Uint32Array;
  timed: Span;
  undo: Span | null;
}

export const TASKS = ['load', 'walk', 'store-rand', 'store-seq', 'overwrite', 'erase'];

/** The process's CPU time in ms: unlike wall time, it stops while another process has the core. */
export function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}
export const BATCH = 1024;

export function mapleTask(task: string, t: MapleTreeLike, n: number, reads: Uint32Array, perm: Uint32Array, seq: Uint32Array): Task {
  const unstore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.erase(gapFirstOf(src[k]));
    return 0;
  };
  const restore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.store(firstOf(src[k]), lastOf(src[k]), entryOf(src[k]));
    return 0;
  };
  const storeGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.store(gapFirstOf(src[k]), gapLastOf(src[k]), freshEntryOf(src[k], n));
    return e - s;
  };
  switch (task) {
    case 'load':
      return { src: reads, undo: null, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += t.load(src[k]); return a; } };
    case 'walk':
      return { src: reads, undo: null, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) { const r = t.walk(src[k]); a += r.entry + r.last; } return a; } };
    case 'store-rand':
      return { src: perm, timed: storeGap, undo: unstore };
    case 'store-seq':
      return { src: seq, timed: storeGap, undo: unstore };
    case 'overwrite':
      return { src: perm, undo: restore, timed: (src, s, e) => { for (let k = s; k < e; k++) t.store(firstOf(src[k]), lastOf(src[k]), altEntryOf(src[k], n)); return e - s; } };
    default:
      return { src: perm, undo: restore, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += t.erase(firstOf(src[k]) + (src[k] % RANGE_LEN)); return a; } };
  }
}

export function kernelTask(task: string, kp: KernelPeer, n: number, reads: Uint32Array, perm: Uint32Array, seq: Uint32Array): Task {
  const { mt, load, walk, walkPtr, walkOut, storeRange, erase } = kp;
  const inKernel = (span: Span): Span => (src, s, e) => kp.batch(task, () => span(src, s, e));
  const unstore: Span = inKernel((src, s, e) => {
    for (let k = s; k < e; k++) erase(mt, gapFirstOf(src[k]));
    kp.gracePeriods();
    return 0;
  });
  const restore: Span = inKernel((src, s, e) => {
    for (let k = s; k < e; k++) storeRange(mt, firstOf(src[k]), lastOf(src[k]), entryOf(src[k]));
    kp.gracePeriods();
    return 0;
  });
  const storeGap: Span = inKernel((src, s, e) => {
    for (let k = s; k < e; k++) storeRange(mt, gapFirstOf(src[k]), gapLastOf(src[k]), freshEntryOf(src[k], n));
    return e - s;
  });
  switch (task) {
    case 'load':
      return { src: reads, undo: null, timed: inKernel((src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += load(mt, src[k]) >>> 0; return a; }) };
    case 'walk':
      return { src: reads, undo: null, timed: inKernel((src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += (walk(mt, src[k], walkPtr) >>> 0) + walkOut[1]; return a; }) };
    case 'store-rand':
      return { src: perm, timed: storeGap, undo: unstore };
    case 'store-seq':
      return { src: seq, timed: storeGap, undo: unstore };
    case 'overwrite':
      return { src: perm, undo: restore, timed: inKernel((src, s, e) => { for (let k = s; k < e; k++) storeRange(mt, firstOf(src[k]), lastOf(src[k]), altEntryOf(src[k], n)); return e - s; }) };
    default:
      return { src: perm, undo: restore, timed: inKernel((src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += erase(mt, firstOf(src[k]) + (src[k] % RANGE_LEN)) >>> 0; return a; }) };
  }
}

/** The index arrays of the op-driver: 1M random read indices, a permutation of 0..n-1, 0..n-1 in order. */
export interface TaskArrays {
  reads: Uint32Array;
  perm: Uint32Array;
  seq: Uint32Array;
}

export function taskArrays(n: number, seed = resolveSeed()): TaskArrays {
  const rng = mulberry32(seed);
  const reads = randomIndices(rng, 1 << 20, STRIDE * n);
  const perm = permutation(rng, n);
  const seq = new Uint32Array(n);
  for (let i = 0; i < n; i++) seq[i] = i;
  return { reads, perm, seq };
}

/**
 * Runs batches of `task` until `ms` of timed work (by `clock`) are done, each batch's undo untimed;
 * returns [timed ms, ops]. `cursor` carries the position in the task's index array across calls.
 */
export function runSlice(task: Task, cursor: { pos: number }, ms: number, clock: () => number): [number, number] {
  let timedMs = 0;
  let ops = 0;
  let sink = 0;
  while (timedMs < ms) {
    if (cursor.pos + BATCH > task.src.length) cursor.pos = 0;
    const s = cursor.pos;
    cursor.pos += BATCH;
    const t0 = clock();
    sink = (sink + task.timed(task.src, s, s + BATCH)) | 0;
    timedMs += clock() - t0;
    ops += BATCH;
    if (task.undo !== null) task.undo(task.src, s, s + BATCH);
  }
  if (sink === 0.5) console.log(sink);
  return [timedMs, ops];
}

/** One side of alternateSlices: its task's totals and each slice's ns per op. */
export interface SliceSide {
  ms: number;
  ops: number;
  sliceNs: number[];
}

/**
 * The tasks side by side: each warmed up for `warmupMs`, then slices of `sliceMs` in turn, one per
 * task per round, until each has about `msPerSide` of timed work (by `clock`). Every task sees the
 * same minutes of the machine, which separate runs on a shared machine do not.
 */
export function alternateSlices(
  tasks: readonly Task[],
  msPerSide: number,
  clock: () => number,
  timing: { sliceMs: number; warmupMs: number } = { sliceMs: 250, warmupMs: 300 },
): SliceSide[] {
  const cursors = tasks.map(() => ({ pos: 0 }));
  tasks.forEach((task, i) => runSlice(task, cursors[i], timing.warmupMs, clock));
  const sides: SliceSide[] = tasks.map(() => ({ ms: 0, ops: 0, sliceNs: [] }));
  const slices = Math.max(1, Math.round(msPerSide / timing.sliceMs));
  for (let round = 0; round < slices; round++) {
    tasks.forEach((task, i) => {
      const [ms, ops] = runSlice(task, cursors[i], timing.sliceMs, clock);
      sides[i].ms += ms;
      sides[i].ops += ops;
      sides[i].sliceNs.push((ms * 1e6) / ops);
    });
  }
  return sides;
}

