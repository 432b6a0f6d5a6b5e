// The replica against the kernel on each operation the target judges, measured side by side:
// alternating slices of CPU time on the bench's own trees and index arrays (op-tasks.ts, the
// op-driver's tasks). The tinybench rows run one task after another, so a minute of load from
// another process lands on one tree's row and not its twin's, and their ratios moved by 10% and
// more between runs on a shared machine; here both trees share every minute, and CPU time leaves
// preemption out. The writes undo each batch untimed, so the trees hold the same ranges after.
import { alternateSlices, cpuMs, kernelTask, mapleTask } from '../tools/op-tasks.js';
import type { KernelPeer } from './kernel.js';
import type { MapleTreeLike } from './maple.js';

/** The operations the >= 1x target judges, op-task name and the bench's row name. */
export const PAIRED_OPS: ReadonlyArray<{ task: string; row: string }> = [
  { task: 'load', row: 'load' },
  { task: 'walk', row: 'walk' },
  { task: 'store-rand', row: 'store rand' },
  { task: 'store-seq', row: 'store seq' },
  { task: 'overwrite', row: 'overwrite' },
  { task: 'erase', row: 'erase' },
];

/** Slices of 250 ms each tree in turn, after 300 ms of warm-up each (tests take shorter ones). */
export const PAIRED_TIMING = { sliceMs: 250, warmupMs: 300 };

export interface PairedResult {
  /** The bench's row name: 'load', 'store rand', ... */
  op: string;
  mapleNs: number;
  kernelNs: number;
  /** ops/s of the replica / ops/s of the kernel, over all slices. */
  ratio: number;
  /** The median of the slice pairs' ratios (robust to one bad slice). */
  medianRatio: number;
  slicePairs: number;
  /** CPU time / wall time over the op's slices: well under 1, another process took the core. */
  cpuShare: number;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Each op of `ops` on both trees, `msPerTree` of CPU time each after a warm-up, in alternating slices. */
export function measurePaired(
  maple: MapleTreeLike,
  kernel: KernelPeer,
  n: number,
  arrays: { reads: Uint32Array; perm: Uint32Array; seq: Uint32Array },
  msPerTree: number,
  ops: ReadonlyArray<{ task: string; row: string }> = PAIRED_OPS,
  progress: (line: string) => void = () => {},
  timing: { sliceMs: number; warmupMs: number } = PAIRED_TIMING,
): PairedResult[] {
  const { reads, perm, seq } = arrays;
  const out: PairedResult[] = [];
  for (const { task, row } of ops) {
    const tasks = [mapleTask(task, maple, n, reads, perm, seq), kernelTask(task, kernel, n, reads, perm, seq)];
    const wall0 = performance.now();
    const cpu0 = cpuMs();
    const [mapleSide, kernelSide] = alternateSlices(tasks, msPerTree, cpuMs, timing);
    const cpuShare = (cpuMs() - cpu0) / (performance.now() - wall0);
    const m = (mapleSide.ms * 1e6) / mapleSide.ops;
    const k = (kernelSide.ms * 1e6) / kernelSide.ops;
    const pairRatios = kernelSide.sliceNs.map((ns, i) => ns / mapleSide.sliceNs[i]);
    const result = { op: row, mapleNs: m, kernelNs: k, ratio: k / m, medianRatio: median(pairRatios), slicePairs: pairRatios.length, cpuShare };
    out.push(result);
    progress(`  paired ${row}: maple ${m.toFixed(1)} ns, kernel ${k.toFixed(1)} ns, ${result.ratio.toFixed(3)}x (median ${result.medianRatio.toFixed(3)}x)`);
  }
  return out;
}
