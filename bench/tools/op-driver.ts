// A small driver for profiling one operation of the tree bench without tinybench around it: the
// same 1M ranges, index arrays and undo as bench/tree/workloads.ts, one task on one tree (or
// several, alternating slices), timed by hand. Meant for `node --cpu-prof`:
//
//   npm run bench:build
//   node --cpu-prof --cpu-prof-dir=/tmp/prof dist-bench/bench/tools/op-driver.js store-rand maple 6
//   node dist-bench/bench/tools/cpuprofile-top.js /tmp/prof/CPU.*.cpuprofile 25
//
// Arguments: task (load | walk | store-rand | store-seq | overwrite | erase), tree (maple | kernel | both |
// kernel-wasm | all; `kernel` is the bench's peer, the benchmark flavour with x86-64's barriers,
// `kernel-wasm` the same code under the wasm memory model, `all` the three), seconds per tree
// (default 4). BENCH_RANGES and BENCH_SEED as in the bench. Prints ns per op for each tree, the
// replica's ops/s relative to each kernel, and with `all` the x86-64 kernel's relative to the
// wasm one. BENCH_CPU_TIME=1 times by the
// process's CPU time instead of wall time (steadier on a shared machine; GC and compiler threads
// count too).
import { performance } from 'node:perf_hooks';
import { buildMaple, planCapacity } from '../tree/build.js';
import { setupKernel } from '../tree/kernel.js';
import type { BenchModel } from '../../src/kernel/build.js';
import { TASKS, cpuMs, kernelTask, mapleTask, runSlice, taskArrays, type Task } from './op-tasks.js';

/** One slice of `task`, timed by CPU time with BENCH_CPU_TIME=1, else wall time. */
function run(task: Task, cursor: { pos: number }, ms: number): [number, number] {
  return runSlice(task, cursor, ms, process.env.BENCH_CPU_TIME === '1' ? cpuMs : () => performance.now());
}

async function main(): Promise<void> {
  const [task = 'load', which = 'both', secondsArg = '4'] = process.argv.slice(2);
  if (!TASKS.includes(task) || !['maple', 'kernel', 'both', 'kernel-wasm', 'all'].includes(which)) {
    console.error(`usage: op-driver <${TASKS.join('|')}> <maple|kernel|both|kernel-wasm|all> [seconds]`);
    process.exit(2);
  }
  const seconds = Number(secondsArg);
  const n = Number(process.env.BENCH_RANGES ?? 1_000_000);
  const { reads, perm, seq } = taskArrays(n);

  const runs: { name: string; task: Task; cursor: { pos: number }; ms: number; ops: number }[] = [];
  if (which === 'maple' || which === 'both' || which === 'all') {
    const maple = buildMaple(n, planCapacity(n).capacity).tree;
    runs.push({ name: 'maple', task: mapleTask(task, maple, n, reads, perm, seq), cursor: { pos: 0 }, ms: 0, ops: 0 });
  }
  const kernels: Array<[string, BenchModel]> = [];
  if (which === 'kernel' || which === 'both' || which === 'all') kernels.push(['kernel', 'x86-64']);
  if (which === 'kernel-wasm' || which === 'all') kernels.push(['kernel-wasm', 'wasm']);
  for (const [name, model] of kernels) {
    const { peer, info } = await setupKernel(n, () => {}, model);
    if (peer === null) throw new Error(`kernel peer unavailable: ${info.reason}`);
    runs.push({ name, task: kernelTask(task, peer, n, reads, perm, seq), cursor: { pos: 0 }, ms: 0, ops: 0 });
  }
  // Warm up, then alternate 250 ms slices so both trees see the same machine load.
  for (const r of runs) run(r.task, r.cursor, 300);
  const slices = Math.max(1, Math.round((seconds * 1000) / 250));
  for (let i = 0; i < slices; i++) {
    for (const r of runs) {
      const [ms, ops] = run(r.task, r.cursor, 250);
      r.ms += ms;
      r.ops += ops;
    }
  }
  for (const r of runs) console.log(`${task} ${r.name}: ${((r.ms * 1e6) / r.ops).toFixed(1)} ns/op over ${r.ops} ops`);
  const nsPerOp = (r: (typeof runs)[number]): number => r.ms / r.ops;
  if (runs[0].name === 'maple') {
    for (const r of runs.slice(1)) console.log(`${task} maple/${r.name} ops/s: ${(nsPerOp(r) / nsPerOp(runs[0])).toFixed(3)}x`);
  }
  const x86 = runs.find((r) => r.name === 'kernel');
  const wasm = runs.find((r) => r.name === 'kernel-wasm');
  if (x86 !== undefined && wasm !== undefined) console.log(`${task} kernel/kernel-wasm ops/s: ${(nsPerOp(wasm) / nsPerOp(x86)).toFixed(3)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
