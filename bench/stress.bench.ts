/**
 * The stress benchmarks (`npm run bench:stress`, part of `npm run bench`): reader scaling with an
 * idle and a busy writer, the cost of checking (off / sample / full, and the write policy's share),
 * the writer's store rate in RCU and non-RCU mode and with and without the write policy, and the
 * time to detect each real-thread catalog bug (median of 5), and the kernel's own code (--tree kernel)
 * against the replica: reader and writer throughput side by side, check off and full.
 * BENCH_STRESS_PART=kernel runs only that last part.
 * Ratios are taken between runs made side by side in this one process, never against fixed times.
 * Writes results/bench-stress-<timestamp>.json.
 */
import { runStress } from '../src/harness/run.js';
import type { RunConfig, RunResult } from '../src/harness/types.js';
import { CATALOG } from '../src/harness/catalog.js';
import { machineInfo, writeResultsFile } from './results.js';
import { policedWriterRate, writerRate } from './stress/writer-rate.js';

const SECONDS = Number(process.env.BENCH_STRESS_SECONDS ?? 5);
const DETECT_RUNS = Number(process.env.BENCH_DETECT_RUNS ?? 5);
const SEED = Number(process.env.BENCH_SEED ?? 0x5eed);

function config(over: Partial<RunConfig>): RunConfig {
  return {
    durationMs: SECONDS * 1000,
    readers: 2,
    seed: SEED,
    workload: 'random',
    bugs: [],
    check: 'off',
    sampleRate: 0.1,
    keyspace: 100_000,
    capacity: 65_536,
    keepGoing: false,
    stallMs: 30_000,
    ...over,
  };
}

interface Row {
  name: string;
  readerOpsPerSec: number;
  writerOpsPerSec: number;
  violations: number;
}

async function measure(name: string, over: Partial<RunConfig>): Promise<Row> {
  const r: RunResult = await runStress(config(over));
  const secs = r.elapsedMs / 1000;
  const row = { name, readerOpsPerSec: r.totals.readerOps / secs, writerOpsPerSec: r.totals.writerOps / secs, violations: r.violations.length };
  console.log(`  ${name.padEnd(44)} readers ${fmt(row.readerOpsPerSec)} ops/s  writer ${fmt(row.writerOpsPerSec)} ops/s${row.violations ? `  VIOLATIONS ${row.violations}` : ''}`);
  return row;
}

/**
 * Two configurations in alternating runs (a, b, a, b, ...), `rounds` of each at `seconds` per run:
 * ops summed over the runs of each. Runs one after another let a busy minute from another process
 * fall on one side only (check full / off read 0.30x to 0.39x between full runs of the bench).
 */
async function measureAlternating(names: [string, string], overs: [Partial<RunConfig>, Partial<RunConfig>], rounds: number, seconds: number): Promise<[Row, Row]> {
  const sums = [0, 1].map(() => ({ readerOps: 0, writerOps: 0, secs: 0, violations: 0 }));
  for (let round = 0; round < rounds; round++) {
    for (const side of [0, 1]) {
      const r: RunResult = await runStress(config({ ...overs[side], durationMs: seconds * 1000 }));
      const sum = sums[side];
      sum.readerOps += r.totals.readerOps;
      sum.writerOps += r.totals.writerOps;
      sum.secs += r.elapsedMs / 1000;
      sum.violations += r.violations.length;
    }
  }
  const rows = sums.map((sum, side) => ({ name: names[side], readerOpsPerSec: sum.readerOps / sum.secs, writerOpsPerSec: sum.writerOps / sum.secs, violations: sum.violations }));
  for (const row of rows) {
    console.log(`  ${`${row.name} (${rounds} alternating runs)`.padEnd(44)} readers ${fmt(row.readerOpsPerSec)} ops/s  writer ${fmt(row.writerOpsPerSec)} ops/s${row.violations ? `  VIOLATIONS ${row.violations}` : ''}`);
  }
  return [rows[0], rows[1]];
}

function fmt(n: number): string {
  return Math.round(n).toLocaleString('en-US').padStart(11);
}

function ratio(label: string, value: number, target: number, atLeast = true): { label: string; value: number; target: number; met: boolean } {
  const met = atLeast ? value >= target : value <= target;
  console.log(`  ${label.padEnd(58)} ${value.toFixed(2).padStart(8)}  target ${atLeast ? '>=' : '<='} ${target}  ${met ? 'PASS' : 'MISS'}`);
  return { label, value, target, met };
}

/** The kernel build against the replica on real threads: same workload, seed and readers. */
async function kernelPeer(): Promise<{ rows: Row[]; ratios: ReturnType<typeof ratio>[] }> {
  console.log('\nthe kernel build (--tree kernel) against the replica (2 readers, writer busy, random workload):');
  const rows: Row[] = [];
  const out: ReturnType<typeof ratio>[] = [];
  for (const check of ['off', 'full'] as const) {
    const replica = await measure(`replica, check ${check}`, { check });
    const kernel = await measure(`kernel, check ${check}`, { check, tree: 'kernel' });
    rows.push(replica, kernel);
    out.push(
      ratio(`kernel / replica reader ops, check ${check} (no target)`, kernel.readerOpsPerSec / replica.readerOpsPerSec, 0),
      ratio(`kernel / replica writer ops, check ${check} (no target)`, kernel.writerOpsPerSec / replica.writerOpsPerSec, 0),
    );
  }
  return { rows, ratios: out };
}

async function main(): Promise<void> {
  const started = new Date();
  console.log(`stress benchmarks: ${SECONDS}s per run, seed ${SEED}, ${machineInfo().cores} cores (${machineInfo().cpu})`);
  const results = { kind: 'bench-stress', date: started.toISOString(), seed: SEED, secondsPerRun: SECONDS, machine: machineInfo() };
  if (process.env.BENCH_STRESS_PART === 'kernel') {
    console.log(`\nresults: ${writeResultsFile('results', 'bench-stress', started, { ...results, kernel: await kernelPeer() })}`);
    return;
  }

  console.log('\nreader scaling (check off, random workload):');
  const idle1 = await measure('1 reader, writer idle', { readers: 1, idleWriter: true });
  const idle2 = await measure('2 readers, writer idle', { readers: 2, idleWriter: true });
  const busy1 = await measure('1 reader, writer busy', { readers: 1 });
  const busy2 = await measure('2 readers, writer busy', { readers: 2 });

  console.log('\nchecking cost (2 readers, writer busy):');
  // The target's pair side by side: check off and check full in alternating runs.
  const [off, full] = await measureAlternating(['check off', 'check full'], [{ check: 'off' }, { check: 'full' }], 3, SECONDS / 2);
  const sample = await measure('check sample (10%)', { check: 'sample' });
  const fullUnpoliced = await measure('check full, writer not policed', { check: 'full', writePolicy: false });

  console.log('\nwriter store rate, in-process, no readers (random workload steps):');
  const rates = writerRate(SEED, SECONDS * 1000);
  console.log(`  RCU mode      ${fmt(rates.rcu)} stores/s`);
  console.log(`  non-RCU mode  ${fmt(rates.nonRcu)} stores/s`);
  const policing = policedWriterRate(SEED, SECONDS * 1000);
  console.log(`  RCU mode, write policy on   ${fmt(policing.policed)} stores/s`);
  console.log(`  RCU mode, write policy off  ${fmt(policing.unpoliced)} stores/s`);

  console.log(`\ntime to detect each real-thread catalog bug (median of ${DETECT_RUNS} runs, default settings, 30 s cap):`);
  const detection: Array<{ bug: string; runs: number[]; detected: number; medianMs: number | null }> = [];
  for (const entry of CATALOG.filter((b) => b.mode === 'threads')) {
    const times: number[] = [];
    let detected = 0;
    for (let i = 0; i < DETECT_RUNS; i++) {
      const r = await runStress(config({ bugs: [entry.name], workload: entry.workload as RunConfig['workload'], check: 'full', durationMs: 30_000, seed: SEED + i }));
      if (r.violations.length > 0) {
        detected++;
        times.push(r.elapsedMs);
      }
    }
    times.sort((a, b) => a - b);
    const medianMs = detected === DETECT_RUNS ? times[Math.floor(times.length / 2)] : null;
    detection.push({ bug: entry.name, runs: times, detected, medianMs });
    console.log(`  ${entry.name.padEnd(22)} detected ${detected}/${DETECT_RUNS}  median ${medianMs === null ? 'n/a (missed)' : `${(medianMs / 1000).toFixed(2)} s`}  [${times.map((t) => (t / 1000).toFixed(2)).join(', ')}]`);
  }

  const peer = await kernelPeer();

  console.log('\nratios and targets:');
  const ratios = [
    ratio('2 readers / 1 reader, writer idle', idle2.readerOpsPerSec / idle1.readerOpsPerSec, 1.6),
    ratio('2 readers / 1 reader, writer busy (no target)', busy2.readerOpsPerSec / busy1.readerOpsPerSec, 0),
    ratio('RCU-mode writer / non-RCU writer', rates.rcu / rates.nonRcu, 0.8),
    ratio('check full / check off, reader ops', full.readerOpsPerSec / off.readerOpsPerSec, 0.3),
    ratio('check sample / check off, reader ops (no target)', sample.readerOpsPerSec / off.readerOpsPerSec, 0),
    ratio('writer with / without the write policy, in-process', policing.policed / policing.unpoliced, 0.8),
    ratio('check full, writer ops: policed / not (no target)', full.writerOpsPerSec / fullUnpoliced.writerOpsPerSec, 0),
    ratio('slowest median time to detect (s)', Math.max(...detection.map((d) => (d.medianMs ?? Infinity) / 1000)), 5, false),
  ];
  const path = writeResultsFile('results', 'bench-stress', started, {
    ...results,
    runs: [idle1, idle2, busy1, busy2, off, full, sample, fullUnpoliced],
    writer: rates,
    writePolicy: policing,
    detection,
    kernel: peer,
    ratios,
  });
  console.log(`\nresults: ${path}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
