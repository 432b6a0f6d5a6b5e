/**
 * The simulator benchmark (`npm run bench:explore`, part of `npm run bench`): schedules per second
 * of each small scenario and of the default rotation over all of them (correct build, default
 * shape, 'mixed' strategy), and the time the explorer takes to detect each catalog bug (seeds
 * 1..N, one explore() per seed, 60 s cap, no shrinking). Everything runs in this one thread.
 * Writes results/bench-explore-<timestamp>.json.
 */
import { explore, DEFAULT_EXPLORE } from '../src/harness/sim/explore.js';
import type { ExploreConfig, ExploreResult } from '../src/harness/sim/explore.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import type { ScenarioName } from '../src/harness/sim/scenarios.js';
import { CATALOG } from '../src/harness/catalog.js';
import { machineInfo, writeResultsFile } from './results.js';

const env = (name: string, fallback: number): number => Number(process.env[name] ?? fallback);
const SEED = env('BENCH_SEED', 0x5eed);
/** A first pass over the rotation, untimed: without it the first scenarios measured run JIT-cold (half speed). */
const JIT_WARMUP = env('BENCH_EXPLORE_JIT_WARMUP', 600);
const WARMUP = env('BENCH_EXPLORE_WARMUP', 50);
const PER_SCENARIO = env('BENCH_EXPLORE_SCHEDULES', 400);
const ROTATION = env('BENCH_EXPLORE_ROTATION', 2000);
/** Seeds 1..N for the ordering bugs, and 1..M for the rest of the catalog (lower M if misses make the pass long). */
const ORDERING_SEEDS = env('BENCH_DETECT_SEEDS', 10);
const CATALOG_SEEDS = env('BENCH_CATALOG_SEEDS', 10);
const LIMIT_S = env('BENCH_DETECT_LIMIT_S', 60);
const RATE_TARGET = 1000;
const DETECT_TARGET_S = 10;
/** The bugs only weak memory exposes: the catalog's simulator entries. */
const ORDERING = CATALOG.filter((e) => e.mode === 'simulator').map((e) => e.name);

function config(over: Partial<ExploreConfig>): ExploreConfig {
  return { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: SEED, shrink: false, ...over };
}

/** explore() with the process CPU time over the wall time (well under 1: another process shared the core; over 1: GC threads). */
function timed(c: ExploreConfig): { r: ExploreResult; cpuShare: number } {
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = explore(c);
  const cpu = process.cpuUsage(cpu0);
  return { r, cpuShare: (cpu.user + cpu.system) / 1000 / Math.max(performance.now() - t0, 1e-3) };
}

interface RateRow {
  name: string;
  schedules: number;
  schedulesPerSecond: number;
  stepsPerSchedule: number;
  cpuShare: number;
  /** A violation on the correct build: a false positive. */
  violation: string | null;
}

function rate(name: string, scenarios: ScenarioName[], schedules: number): RateRow {
  explore(config({ scenarios, schedules: WARMUP, seed: (SEED ^ 0xa5a5a5a5) >>> 0 }));
  const { r, cpuShare } = timed(config({ scenarios, schedules }));
  const v = r.failure?.violation;
  const row = {
    name,
    schedules: r.schedulesRun,
    schedulesPerSecond: r.schedulesPerSecond,
    stepsPerSchedule: r.totals.steps / Math.max(r.schedulesRun, 1),
    cpuShare,
    violation: v === undefined ? null : `${v.kind} in ${v.thread}: ${v.op} (token ${r.failure?.token})`,
  };
  console.log(
    `  ${name.padEnd(22)} ${fmtInt(row.schedulesPerSecond).padStart(7)} schedules/s  ${fmtInt(row.stepsPerSchedule).padStart(6)} steps/schedule  ` +
      `${row.schedules} schedules  cpu ${Math.round(100 * cpuShare)}%${row.violation ? `  FALSE POSITIVE ${row.violation}` : ''}`,
  );
  return row;
}

interface DetectRow {
  bug: string;
  mode: string;
  seeds: number;
  /** Seconds to detect per seed 1..seeds; null: missed within the cap. */
  runs: Array<number | null>;
  /** Schedules run per seed (up to and including the failing one). */
  schedules: number[];
  kinds: string[];
  detected: number;
  /** Median over all seeds, a miss counting as longer than any detection; null when a miss is in the middle. */
  medianS: number | null;
  /** null when any seed missed. */
  maxS: number | null;
}

function detect(bug: string, seeds: number): DetectRow {
  const runs: Array<number | null> = [];
  const schedules: number[] = [];
  const kinds = new Set<string>();
  for (let seed = 1; seed <= seeds; seed++) {
    const r = explore(config({ bugs: [bug], seed, schedules: 100_000, timeLimitMs: LIMIT_S * 1000 }));
    runs.push(r.secondsToDetect ?? null);
    schedules.push(r.schedulesRun);
    if (r.failure) kinds.add(r.failure.violation.kind);
  }
  const sorted = runs.map((s) => s ?? Infinity).sort((a, b) => a - b);
  const mid = (sorted[Math.floor((seeds - 1) / 2)] + sorted[Math.floor(seeds / 2)]) / 2;
  const detected = runs.filter((s) => s !== null).length;
  const row = {
    bug,
    mode: CATALOG.find((e) => e.name === bug)?.mode ?? '?',
    seeds,
    runs,
    schedules,
    kinds: [...kinds],
    detected,
    medianS: Number.isFinite(mid) ? mid : null,
    maxS: detected === seeds ? sorted[seeds - 1] : null,
  };
  console.log(
    `  ${bug.padEnd(22)} detected ${detected}/${seeds}  median ${fmtS(row.medianS)}  max ${fmtS(row.maxS)}  ` +
      `by ${row.kinds.join(', ') || '-'}  [${runs.map((s) => (s === null ? 'miss' : s.toFixed(3))).join(', ')}]`,
  );
  return row;
}

const fmtInt = (n: number): string => Math.round(n).toLocaleString('en-US');
const fmtS = (s: number | null): string => (s === null ? `> ${LIMIT_S} s` : `${s.toFixed(3)} s`);
const verdict = (met: boolean): string => (met ? 'PASS' : 'MISS');

function markdown(header: string[], rows: string[][]): string {
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

function detectTable(rows: DetectRow[]): string {
  return markdown(
    ['bug', 'mode', 'detected', 'median', 'max', 'caught by'],
    rows.map((d) => [d.bug, d.mode, `${d.detected}/${d.seeds}`, fmtS(d.medianS), fmtS(d.maxS), d.kinds.join(', ') || '-']),
  );
}

function main(): void {
  const started = new Date();
  const m = machineInfo();
  console.log(`explore benchmarks: seed ${SEED}, shape ${DEFAULT_EXPLORE.readers} readers / ${DEFAULT_EXPLORE.writerOps} writer ops / ${DEFAULT_EXPLORE.readerOps} ops per reader, ${m.cores} cores (${m.cpu})`);

  console.log(`\nschedules per second, correct build, '${DEFAULT_EXPLORE.strategy}' strategy (${JIT_WARMUP} untimed schedules first, then a ${WARMUP}-schedule warm-up each):`);
  explore(config({ schedules: JIT_WARMUP, seed: (SEED ^ 0x5a5a5a5a) >>> 0 }));
  const perScenario = SCENARIOS.map((s) => rate(s, [s], PER_SCENARIO));
  const rotation = rate('all (rotation)', [...SCENARIOS], ROTATION);
  const rateMet = rotation.schedulesPerSecond >= RATE_TARGET;
  const slowest = perScenario.reduce((a, b) => (b.schedulesPerSecond < a.schedulesPerSecond ? b : a));
  console.log(`  target >= ${fmtInt(RATE_TARGET)} schedules/s over the rotation: ${fmtInt(rotation.schedulesPerSecond)}  ${verdict(rateMet)}`);
  console.log(`  slowest scenario: ${slowest.name} (${fmtInt(slowest.schedulesPerSecond)} schedules/s)${slowest.schedulesPerSecond >= RATE_TARGET ? '' : ' below target'}`);

  console.log(`\ntime to detect the ordering bugs (seeds 1..${ORDERING_SEEDS}, all scenarios, ${LIMIT_S} s cap, no shrinking):`);
  const ordering = ORDERING.map((b) => detect(b, ORDERING_SEEDS));
  const others = CATALOG.map((e) => e.name).filter((b) => !ORDERING.includes(b));
  const note = CATALOG_SEEDS < ORDERING_SEEDS ? `seeds 1..${CATALOG_SEEDS} only, as each miss costs the full ${LIMIT_S} s cap` : `seeds 1..${CATALOG_SEEDS}`;
  console.log(`\ntime to detect the rest of the catalog (all scenarios, ${LIMIT_S} s cap, no shrinking; ${note}):`);
  const rest = others.map((b) => detect(b, CATALOG_SEEDS));

  const orderingMet = ordering.every((d) => d.medianS !== null && d.medianS <= DETECT_TARGET_S);
  const missed = [...ordering, ...rest].filter((d) => d.detected < d.seeds);
  const falsePositives = [...perScenario, rotation].filter((r) => r.violation !== null);

  console.log('\n## Summary\n');
  console.log(
    markdown(
      ['scenario', 'schedules/s', 'steps/schedule', 'schedules', 'cpu'],
      [...perScenario, rotation].map((r) => [r.name, fmtInt(r.schedulesPerSecond), fmtInt(r.stepsPerSchedule), String(r.schedules), `${Math.round(100 * r.cpuShare)}%`]),
    ),
  );
  console.log(`\nOrdering bugs (seeds 1..${ORDERING_SEEDS}):\n`);
  console.log(detectTable(ordering));
  console.log(`\nRest of the catalog (${note}):\n`);
  console.log(detectTable(rest));
  console.log('\n' + markdown(['target', 'value', 'verdict'], [
    [`rotation >= ${fmtInt(RATE_TARGET)} schedules/s`, fmtInt(rotation.schedulesPerSecond), verdict(rateMet)],
    [`ordering bugs: median <= ${DETECT_TARGET_S} s`, ordering.map((d) => `${d.bug} ${fmtS(d.medianS)}`).join(', '), verdict(orderingMet)],
    ['every catalog bug detected on every seed', missed.length === 0 ? 'all' : `missed: ${missed.map((d) => `${d.bug} ${d.seeds - d.detected}/${d.seeds}`).join(', ')}`, verdict(missed.length === 0)],
    ['no violation on the correct build', falsePositives.length === 0 ? 'none' : falsePositives.map((r) => r.name).join(', '), verdict(falsePositives.length === 0)],
  ]));
  if (falsePositives.length > 0) process.exitCode = 1;

  const path = writeResultsFile('results', 'bench-explore', started, {
    kind: 'bench-explore',
    date: started.toISOString(),
    seed: SEED,
    machine: m,
    settings: { jitWarmup: JIT_WARMUP, warmup: WARMUP, perScenario: PER_SCENARIO, rotation: ROTATION, orderingSeeds: ORDERING_SEEDS, catalogSeeds: CATALOG_SEEDS, limitS: LIMIT_S, explore: DEFAULT_EXPLORE },
    rates: { perScenario, rotation },
    detection: { ordering, rest },
    targets: {
      schedulesPerSecond: { target: RATE_TARGET, value: rotation.schedulesPerSecond, met: rateMet },
      orderingMedianS: { target: DETECT_TARGET_S, values: Object.fromEntries(ordering.map((d) => [d.bug, d.medianS])), met: orderingMet },
      allDetected: { missed: missed.map((d) => d.bug), met: missed.length === 0 },
      noFalsePositives: { met: falsePositives.length === 0 },
    },
  });
  console.log(`\nresults: ${path}`);
}

try {
  main();
} catch (error: unknown) {
  console.error(error);
  process.exitCode = 1;
}
