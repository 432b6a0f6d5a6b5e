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
import { TASKS, alternateSlices, cpuMs, kernelTask, mapleTask, taskArrays, type Task } from './op-tasks.js';

async function main(): Promise<void> {
  const [task = 'load', which = 'both', secondsArg = '4'] = process.argv.slice(2);
  if (!TASKS.includes(task) || !['maple', 'kernel', 'both', 'kernel-wasm', 'all'].includes(which)) {
    console.error(`usage: op-driver <${TASKS.join('|')}> <maple|kernel|both|kernel-wasm|all> [seconds]`);
    process.exit(2);
  }
  const seconds = Number(secondsArg);
  const n = Number(process.env.BENCH_RANGES ?? 1_000_000);
  const { reads, perm, seq } = taskArrays(n);

  const runs: { name: string; task: Task }[] = [];
  if (which === 'maple' || which === 'both' || which === 'all') {
    const maple = buildMaple(n, planCapacity(n).capacity).tree;
    runs.push({ name: 'maple', task: mapleTask(task, maple, n, reads, perm, seq) });
  }
  const kernels: Array<[string, BenchModel]> = [];
  if (which === 'kernel' || which === 'both' || which === 'all') kernels.push(['kernel', 'x86-64']);
  if (which === 'kernel-wasm' || which === 'all') kernels.push(['kernel-wasm', 'wasm']);
  for (const [name, model] of kernels) {
    const { peer, info } = await setupKernel(n, () => {}, model);
    if (peer === null) throw new Error(`kernel peer unavailable: ${info.reason}`);
    runs.push({ name, task: kernelTask(task, peer, n, reads, perm, seq) });
  }
  // Warm up, then alternate 250 ms slices so both trees see the same machine load.
  const clock = process.env.BENCH_CPU_TIME === '1' ? cpuMs : () => performance.now();
  const sides = alternateSlices(runs.map((r) => r.task), seconds * 1000, clock);
  const nsPerOp = sides.map((side) => side.ms / side.ops);
  runs.forEach((r, i) => console.log(`${task} ${r.name}: ${(nsPerOp[i] * 1e6).toFixed(1)} ns/op over ${sides[i].ops} ops`));
  if (runs[0].name === 'maple') {
    for (let i = 1; i < runs.length; i++) console.log(`${task} maple/${runs[i].name} ops/s: ${(nsPerOp[i] / nsPerOp[0]).toFixed(3)}x`);
  }
  const x86 = runs.findIndex((r) => r.name === 'kernel');
  const wasm = runs.findIndex((r) => r.name === 'kernel-wasm');
  if (x86 >= 0 && wasm >= 0) console.log(`${task} kernel/kernel-wasm ops/s: ${(nsPerOp[wasm] / nsPerOp[x86]).toFixed(3)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
