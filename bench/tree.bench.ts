// Tree benchmark: MapleTree (SharedArrayBuffer slab) vs sorted-btree on 1M ranges.
//
//   npm run bench            (node --expose-gc --import tsx bench/tree.bench.ts)
//
// Environment knobs (all optional):
//   BENCH_SEED         uint32 PRNG seed (default 0x2545f491, printed)
//   BENCH_RANGES       number of ranges (default 1000000)
//   BENCH_TIME_MS      tinybench time budget per task (default 4000)
//   BENCH_DEADLINE_S   abort remaining tasks after this many seconds since start (default 300)
//   BENCH_KERNEL       0: leave out the kernel peer (its rows show n/a)
//   BENCH_TASKS        regular expression: run only the tasks whose name matches (e.g. 'load|lookup')
//   BENCH_PAIRED_MS    CPU time per tree per operation of the paired replica/kernel ratios (default
//                      2000; 0: none, and the >= 1x targets are judged from the tinybench rows)
//
// Exit status: 0 even if a target is missed (MISS is a result, not a failure); 1 if a correctness
// check failed or a task threw.
import { setMaxListeners } from 'node:events';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { Bench } from 'tinybench';
import { mulberry32, permutation, randomIndices, resolveSeed } from './prng.js';
import { buildBTreeMeasured, buildMaple, planCapacity, safeStats, slabMemory } from './tree/build.js';
import { checkTrees, type CheckReport } from './tree/checks.js';
import { STRIDE } from './tree/data.js';
import type { RangeValue } from './tree/btree.js';
import { NODE_BYTES, diffKinds, writeKinds } from './tree/maple.js';
import { settle } from './tree/settle.js';
import { checkKernel, emptyKernelInfo, setupKernel, type KernelInfo, type KernelPeer } from './tree/kernel.js';
import { checkKernelJs } from './tree/kernel-js.js';
import { makeWorkloads, sink, type WorkloadContext } from './tree/workloads.js';
import { PAIRED_OPS, measurePaired, type PairedResult } from './tree/paired.js';
import { summarize } from './summary.js';
import { bytesRatio, pairedRatio, speedRatio } from './ratios.js';
import { formatMapleDetails, formatRatio, formatTable } from './format.js';
import { machineInfo, writeResultsFile } from './results.js';

function envInt(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new RangeError(`${name} must be an integer >= ${min}, got ${raw}`);
  return v;
}

const log = (msg = '') => process.stdout.write(msg + '\n');
const progress = (msg: string) => process.stderr.write(msg + '\n');
const fmtMs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
let settleSink = 0;

async function main(): Promise<void> {
  const started = performance.now();
  const date = new Date();
  const N = envInt('BENCH_RANGES', 1_000_000, 16);
  const TIME_MS = envInt('BENCH_TIME_MS', 4000, 1);
  const DEADLINE_S = envInt('BENCH_DEADLINE_S', 300, 1);
  const PAIRED_MS = envInt('BENCH_PAIRED_MS', 2000, 0);
  const BATCH = 1024;
  const READS = 1 << 20;
  const WARMUP_MS = 300;
  const seed = resolveSeed();
  const machine = machineInfo();
  const loadAvgStart = loadavg();

  log(`maple-torture tree benchmark — ${date.toISOString()}`);
  log(`machine: ${machine.cpu}, ${machine.cores} cores, node ${machine.node} (${machine.platform}/${machine.arch}), load average ${loadAvgStart.map((x) => x.toFixed(2)).join(' ')}`);
  if (loadAvgStart[0] > 0.5) log('warning: the machine is not idle; expect noisy numbers (see the cpu% column)');
  log(`seed: ${seed} (0x${seed.toString(16)}; set BENCH_SEED to reproduce), ranges: ${N.toLocaleString('en-US')}, batch: ${BATCH} ops/sample, time/task: ${TIME_MS} ms`);

  // Index arrays first, so neither the PRNG nor these allocations land in a measurement.
  const rng = mulberry32(seed);
  const reads = randomIndices(rng, READS, STRIDE * N);
  const perm = permutation(rng, N);
  const seq = new Uint32Array(N);
  for (let i = 0; i < N; i++) seq[i] = i;

  // sorted-btree first, into a quiet heap, between forced GCs.
  const btm = buildBTreeMeasured(N);
  if (!btm.gcExposed) log('warning: global.gc unavailable (run with node --expose-gc); btree heap bytes not measured');
  log(`sorted-btree: built in ${fmtMs(btm.buildMs)}, heap ${btm.heapBytesPerRange === null ? 'n/a' : btm.heapBytesPerRange.toFixed(1) + ' B/range'}`);

  const plan = planCapacity(N);
  const mb = buildMaple(N, plan.capacity);
  const maple = mb.tree;
  const statsAfterBuild = safeStats(maple);
  const slab = slabMemory(statsAfterBuild, N);
  if (plan.fallback !== undefined) log(`warning: capacity probe failed (${plan.fallback}); using a fixed guess`);
  log(
    `maple: probe ${plan.probeRanges} ranges -> ${plan.probeLiveNodes ?? '?'} nodes (${plan.nodesPerRange?.toFixed(4) ?? '?'}/range), ` +
      `capacity ${mb.capacity.toLocaleString('en-US')} nodes${mb.attempts > 1 ? ` (after ${mb.attempts} attempts)` : ''}; ` +
      `built in ${fmtMs(mb.buildMs)}`,
  );
  log(
    'error' in statsAfterBuild
      ? `maple: stats() threw: ${statsAfterBuild.error}`
      : `maple: height ${statsAfterBuild.height}, nodes ${statsAfterBuild.nodes}, leaves ${statsAfterBuild.leaves}, ` +
          `slab live ${statsAfterBuild.slab.live} / capacity ${statsAfterBuild.slab.capacity}, ` +
          `${slab.slabBytesPerRange?.toFixed(1)} B/range live (${slab.reservedBytesPerRange?.toFixed(1)} B/range reserved)`,
  );

  // The kernel's own lib/maple_tree.c (wasm), same N, same ranges and entries, same 16-slot nodes.
  let kernel: KernelPeer | null = null;
  let kernelInfo: KernelInfo;
  if (process.env.BENCH_KERNEL === '0') {
    kernelInfo = emptyKernelInfo(N, 'left out (BENCH_KERNEL=0)');
    log(`kernel: n/a (${kernelInfo.reason})`);
  } else {
    const kernelStarted = performance.now();
    const k = await setupKernel(N, (line) => progress(line));
    kernel = k.peer;
    kernelInfo = k.info;
    if (kernel !== null) {
      log(
        `kernel: ${kernelInfo.source} from Linux ${kernelInfo.version}, source sha256 ${kernelInfo.sourceHash?.slice(0, 16)}…, ` +
          `build ${kernelInfo.buildHash} (${kernelInfo.flavour}; ${kernelInfo.cached ? 'cached' : `compiled in ${fmtMs(kernelInfo.compileMs ?? 0)}`})`,
      );
      const sl = kernelInfo.slabAfterBuild;
      log(
        `kernel: same ${N.toLocaleString('en-US')} ranges (fits: at most about ${kernelInfo.maxRanges?.toLocaleString('en-US')} in its ` +
          `${kernelInfo.memoryMaxBytes / 2 ** 20} MiB memory); built in ${fmtMs(kernelInfo.treeBuildMs ?? 0)}, height ${kernelInfo.height}, ` +
          `slab live ${sl?.live} / capacity ${sl?.capacity}, ${kernelInfo.slabBytesPerRange?.toFixed(1)} B/range live; ` +
          `setup ${fmtMs(performance.now() - kernelStarted)}`,
      );
    } else {
      log(`kernel: n/a (${kernelInfo.reason})`);
    }
  }

  // Captured after the heap measurement: bench scaffolding, not part of the B+ tree's footprint.
  const btValues: RangeValue[] = [];
  btm.bt.forEach((v) => {
    btValues.push(v);
  });

  const settleStarted = performance.now();
  settleSink = settle(maple, btm.bt, reads);
  if (kernel !== null) {
    const k = kernel;
    settleSink = (settleSink + k.batch('settle', () => {
      let acc = 0;
      for (let j = 0; j < reads.length; j++) acc = (acc + k.load(k.mt, reads[j])) | 0;
      return acc;
    })) | 0;
  }
  log(`settle pass: ${fmtMs(performance.now() - settleStarted)}`);

  const checks: CheckReport[] = [];
  checks.push(checkTrees('after build', maple, btm.bt, N, reads, 20000));
  log(`check after build: ${checks[0].problems.length === 0 ? 'ok' : 'FAILED'} (${checks[0].sampled} indices; validate ${checks[0].validateMs === null ? 'failed' : fmtMs(checks[0].validateMs)})`);
  for (const p of checks[0].problems) log(`  ! ${p}`);
  const kernelProblems: string[] = [];
  if (kernel !== null) {
    const kp = [...checkKernel('after build', kernel, N, reads, 20000), ...checkKernelJs(kernel, reads, N, 4096)];
    kernelProblems.push(...kp);
    log(`kernel check after build: ${kp.length === 0 ? 'ok' : 'FAILED'}`);
    for (const p of kp) log(`  ! ${p}`);
  }

  // ---- benchmark ----------------------------------------------------------------------------
  const controller = new AbortController();
  setMaxListeners(0, controller.signal); // every task listens on the bench signal
  const deadlineAt = started + DEADLINE_S * 1000;
  const benchProblems: string[] = [];
  const notes: string[] = [];
  const ctx: WorkloadContext = {
    n: N,
    maple,
    kernel,
    bt: btm.bt,
    btValues,
    reads,
    perm,
    seq,
    batch: BATCH,
    problems: benchProblems,
    onIteration: (now) => {
      if (now > deadlineAt && !controller.signal.aborted) {
        notes.push(`deadline of ${DEADLINE_S} s reached: remaining tasks aborted`);
        controller.abort();
      }
    },
  };
  const taskFilter = process.env.BENCH_TASKS ? new RegExp(process.env.BENCH_TASKS) : null;
  const workloads = makeWorkloads(ctx).filter((w) => taskFilter === null || taskFilter.test(w.name));
  if (taskFilter !== null) log(`BENCH_TASKS=${process.env.BENCH_TASKS}: running ${workloads.map((w) => w.name).join(', ')}`);
  const bench = new Bench({
    name: 'maple vs sorted-btree',
    time: TIME_MS,
    iterations: 10,
    // Bench-level warmup would warm every task before measuring any, so the read tasks would see a
    // tree already churned by the write tasks' warmups. Each task is warmed right before its run.
    warmup: false,
    warmupTime: WARMUP_MS,
    warmupIterations: 4,
    signal: controller.signal,
    throws: false,
  });
  for (const w of workloads) {
    bench.add(w.name, w.fn, { async: false, ...(w.beforeAll && { beforeAll: w.beforeAll }), ...(w.afterAll && { afterAll: w.afterAll }) });
  }
  let done = 0;
  const mapleAfter = new Map<string, { liveNodes: number; height: number } | { error: string }>();
  bench.addEventListener('cycle', (evt) => {
    done++;
    const t = evt.task;
    if (t === undefined) return;
    if (t.name.startsWith('maple ')) {
      const st = safeStats(maple);
      mapleAfter.set(t.name, 'error' in st ? st : { liveNodes: st.slab.live, height: st.height });
    }
    const r = t.result;
    const what =
      r.state === 'completed' || r.state === 'aborted-with-statistics'
        ? `${(r.latency.mean * 1e6).toFixed(1)} ns/${workloads.find((w) => w.name === t.name)?.unit ?? 'op'}`
        : r.state === 'errored'
          ? `ERROR ${r.error.message}`
          : r.state;
    progress(`  [${done}/${workloads.length}] ${t.name}: ${what}  (${fmtMs(performance.now() - started)} elapsed)`);
  });
  const benchStarted = performance.now();
  // CPU time / wall time per task: well below 100% means something else had the CPU (the
  // numbers are then inflated); parallel GC threads can push it above 100%.
  const cpuShare = new Map<string, number>();
  const kinds = new Map<string, Record<string, number> | null>();
  for (const task of bench.tasks) {
    const k0 = writeKinds(maple);
    const w0 = performance.now();
    const c0 = process.cpuUsage();
    task.warmupSync();
    task.runSync(); // dispatches the bench's 'cycle' event
    const c1 = process.cpuUsage(c0);
    cpuShare.set(task.name, (c1.user + c1.system) / 1000 / (performance.now() - w0));
    if (task.name.startsWith('maple ')) kinds.set(task.name, diffKinds(writeKinds(maple), k0));
  }
  const benchMs = performance.now() - benchStarted;

  // The >= 1x targets, measured side by side (tree/paired.ts): after every tinybench task, on the
  // trees as those left them.
  let paired: PairedResult[] = [];
  const pairedOps = PAIRED_OPS.filter((o) => taskFilter === null || taskFilter.test(`maple ${o.row}`));
  if (kernel !== null && PAIRED_MS > 0 && pairedOps.length > 0 && !controller.signal.aborted) {
    const pairedStarted = performance.now();
    progress(`paired replica/kernel ratios: ${pairedOps.map((o) => o.row).join(', ')}, ${PAIRED_MS} ms of CPU time per tree each`);
    paired = measurePaired(maple, kernel, N, { reads, perm, seq }, PAIRED_MS, pairedOps, progress);
    progress(`paired ratios: ${fmtMs(performance.now() - pairedStarted)}`);
  }

  const rows = workloads.map((w) => {
    const task = bench.getTask(w.name);
    if (task === undefined) throw new Error(`task ${w.name} missing`);
    const row = summarize(task, w.unit, w.description);
    const after = mapleAfter.get(w.name);
    if (after !== undefined) row.mapleAfter = after;
    row.cpuShare = cpuShare.get(w.name) ?? null;
    if (kinds.has(w.name)) row.writeKinds = kinds.get(w.name) ?? null;
    return row;
  });

  const statsAfterBench = safeStats(maple);
  checks.push(checkTrees('after benchmarks', maple, btm.bt, N, reads, 20000));
  if (kernel !== null) kernelProblems.push(...checkKernel('after benchmarks', kernel, N, reads, 20000));
  const kernelSlabAfterBench = kernel?.kernel.slabStats() ?? null;
  const problems = [...checks.flatMap((c) => c.problems), ...kernelProblems, ...benchProblems];
  if ('error' in statsAfterBuild) problems.push(`stats() after build threw: ${statsAfterBuild.error}`);
  if ('error' in statsAfterBench) problems.push(`stats() after benchmarks threw: ${statsAfterBench.error}`);

  // The replica against the kernel's own code: at least as fast on every operation.
  const kernelNa = kernel === null ? `kernel n/a: ${kernelInfo.reason}` : undefined;
  const vsKernel = (label: string, a: string, b: string, target: number | null) => {
    const r = speedRatio(rows, label, a, b, target);
    if (kernelNa !== undefined) r.na = kernelNa;
    return r;
  };
  // A target row: from the paired measurement when there is one, the tinybench rows' ratio then
  // listed after it without the target.
  const targetVsKernel = (op: string) => {
    const label = `maple ${op} / kernel ${op}`;
    const p = paired.find((r) => r.op === op);
    if (p === undefined) return [vsKernel(label, `maple ${op}`, `kernel ${op}`, 1)];
    return [pairedRatio(label, p, 1), vsKernel(`${label}, tinybench rows`, `maple ${op}`, `kernel ${op}`, null)];
  };
  const ratios = [
    speedRatio(rows, 'maple load / btree lookup', 'maple load', 'btree lookup', 2),
    ...targetVsKernel('load'),
    ...targetVsKernel('walk'),
    vsKernel('kernel load in JS / kernel load', 'kernel load in JS', 'kernel load', null),
    vsKernel('maple load / kernel load in JS', 'maple load', 'kernel load in JS', null),
    vsKernel('kernel walk in JS / kernel walk', 'kernel walk in JS', 'kernel walk', null),
    vsKernel('maple walk / kernel walk in JS', 'maple walk', 'kernel walk in JS', null),
    ...targetVsKernel('store rand'),
    ...targetVsKernel('store seq'),
    ...targetVsKernel('overwrite'),
    ...targetVsKernel('erase'),
    vsKernel('maple store rand, rcu / kernel, rcu', 'maple store rand rcu', 'kernel store rand rcu', null),
    vsKernel('maple erase, rcu / kernel erase, rcu', 'maple erase rcu', 'kernel erase rcu', null),
    vsKernel('maple load / kernel load, after churn', 'maple load churned', 'kernel load churned', null),
    speedRatio(rows, 'maple store rand / btree store rand', 'maple store rand', 'btree store rand', 0.5),
    bytesRatio('maple slab bytes per range', `stats().slab.live * ${NODE_BYTES} / N, after build`, slab.slabBytesPerRange, 64),
    speedRatio(rows, 'maple walk / btree lookup', 'maple walk', 'btree lookup'),
    speedRatio(rows, 'maple store seq / btree store seq', 'maple store seq', 'btree store seq'),
    speedRatio(rows, 'maple overwrite / btree overwrite', 'maple overwrite', 'btree overwrite'),
    speedRatio(rows, 'maple erase / btree erase', 'maple erase', 'btree erase'),
    speedRatio(rows, 'maple iterate / btree iterate', 'maple iterate', 'btree iterate'),
    speedRatio(rows, 'maple store rand, rcu / btree store rand', 'maple store rand rcu', 'btree store rand'),
    speedRatio(rows, 'maple erase, rcu / btree erase', 'maple erase rcu', 'btree erase'),
    speedRatio(rows, 'maple load / btree lookup, after churn', 'maple load churned', 'btree lookup churned'),
    speedRatio(rows, 'maple iterate / btree iterate, after churn', 'maple iterate churned', 'btree iterate churned'),
    bytesRatio('sorted-btree heap bytes per range', 'heapUsed delta across the build (gc before/after) / N', btm.heapBytesPerRange, null),
    bytesRatio('kernel slab bytes per range', 'slab live nodes * slab object size (256) / N, after build (kernel)', kernelInfo.slabBytesPerRange, null),
  ];

  log();
  log(formatTable(rows));
  log();
  log('units: op = one call (load/walk/store/erase); range = one range visited in a full pass');
  log('ops/s = 1e9 / mean ns; margin = 95% CI half-width of the mean; one sample = mean of one batch (or one full pass)');
  log('cpu% = process CPU time / wall time while the task ran (well under 100%: another process took the CPU)');
  log('ratios: from the mean (the ops/s column); "median" = the same ratio from the median batch, robust to preemption');
  if (paired.length > 0) {
    log(`maple X / kernel X (the >= 1x targets): both trees in alternating 250 ms slices of CPU time, ${PAIRED_MS} ms each; "median" = of the slice pairs`);
    for (const p of paired) log(`  paired ${p.op.padEnd(10)} maple ${p.mapleNs.toFixed(1).padStart(7)} ns  kernel ${p.kernelNs.toFixed(1).padStart(7)} ns  cpu ${Math.round(100 * p.cpuShare)}%`);
  }
  log();
  for (const r of ratios) log(formatRatio(r));
  log();
  log(
    'error' in statsAfterBench
      ? `maple: stats() after benchmarks threw: ${statsAfterBench.error}`
      : `maple slab after benchmarks: live ${statsAfterBench.slab.live} (was ${slab.liveNodes ?? '?'}), ` +
          `nodes ${statsAfterBench.nodes}, height ${statsAfterBench.height}, waiting ${statsAfterBench.slab.waiting}`,
  );
  for (const line of formatMapleDetails(rows)) log(line);
  log(`check after benchmarks: ${checks[1].problems.length === 0 ? 'ok' : 'FAILED'}`);
  if (kernelSlabAfterBench !== null) {
    log(
      `kernel slab after benchmarks: live ${kernelSlabAfterBench.live} (was ${kernelInfo.slabAfterBuild?.live}), capacity ${kernelSlabAfterBench.capacity}, ` +
        `call_rcu queued ${kernelSlabAfterBench.rcuQueued} / invoked ${kernelSlabAfterBench.rcuInvoked}, height ${kernel?.tree.height()}`,
    );
  }
  log(
    kernel === null
      ? `kernel: n/a (${kernelInfo.reason})`
      : `kernel: Linux ${kernelInfo.version} lib/maple_tree.c, source sha256 ${kernelInfo.sourceHash}, build ${kernelInfo.buildHash}, ${kernelInfo.flavour}; one wasm call per op`,
  );
  for (const p of problems) log(`  ! ${p}`);
  for (const x of notes) log(`  note: ${x}`);
  log(`sink ${sink() ^ settleSink} (keeps results observable); bench ${fmtMs(benchMs)}, total ${fmtMs(performance.now() - started)}`);

  const path = writeResultsFile('results', 'bench-tree', date, {
    benchmark: 'tree',
    date: date.toISOString(),
    seed,
    machine: { ...machine, loadAvgStart, loadAvgEnd: loadavg() },
    config: {
      ranges: N,
      layout: 'range i = [10i, 10i+5], entry 2i+16385',
      batchOpsPerSample: BATCH,
      readIndices: READS,
      timeMsPerTask: TIME_MS,
      taskFilter: process.env.BENCH_TASKS ?? null,
      warmupMsPerTask: WARMUP_MS,
      deadlineS: DEADLINE_S,
      rcu: 'off, except the "... rcu" tasks (setRcu(true) while they run)',
      gcExposed: btm.gcExposed,
    },
    build: {
      maple: { ms: mb.buildMs, capacityPlan: plan, capacity: mb.capacity, attempts: mb.attempts, stats: statsAfterBuild },
      btree: { ms: btm.buildMs },
      kernel: { ms: kernelInfo.treeBuildMs },
    },
    kernel: { ...kernelInfo, slabAfterBench: kernelSlabAfterBench, callsPerOp: 'one wasm export call per operation (a batch of 1024 inside one KernelInstance.call)' },
    memory: {
      mapleSlab: slab,
      btree: { heapDeltaBytes: btm.heapDeltaBytes, heapBytesPerRange: btm.heapBytesPerRange },
      kernel: { slabBytesPerRange: kernelInfo.slabBytesPerRange },
    },
    tasks: rows,
    paired: { msPerTreePerOp: PAIRED_MS, sliceMs: 250, clock: 'process CPU time', results: paired },
    ratios,
    checks,
    problems,
    notes,
    statsAfterBench,
    benchMs,
    totalMs: performance.now() - started,
  });
  log(`results: ${path}`);

  if (problems.length > 0 || rows.some((r) => r.state === 'errored')) process.exitCode = 1;
}

try {
  await main();
} catch (e) {
  process.stderr.write(`tree benchmark failed: ${(e as Error).stack ?? String(e)}\n`);
  process.exitCode = 1;
}
