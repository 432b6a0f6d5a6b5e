/**
 * `npm run explore -- --tree kernel`: many short schedules of the kernel's own code under the
 * simulator (kernel-schedule.ts), each from a seed derived from the master seed and its index (the
 * replica explorer's scheduleSeed), until one fails or the budget ends. No shrinking: a failure is
 * reported with the one-schedule command that reproduces it (`--replay-seed`).
 */
import { buildKernel } from '../../../kernel/build.js';
import { instrumentKernel } from '../../../kernel/instrument.js';
import type { InstrumentedKernel } from '../../../kernel/instrument.js';
import { compileKernel } from '../../../kernel/loader.js';
import { KERNEL_CATALOG } from '../../kernel-catalog.js';
import type { Mutation } from '../../../kernel/mutation.js';
import type { Violation } from '../../types.js';
import { scheduleSeed } from '../explore.js';
import type { KernelScenarioName } from './kernel-scenarios.js';
import { runKernelSchedule } from './kernel-schedule.js';
import type { KernelScheduleOutcome, KernelScheduleSpec, KernelSimBuild } from './kernel-schedule.js';

export interface KernelExploreConfig {
  scenarios: KernelScenarioName[];
  /** Kernel catalog entries (src/harness/kernel-catalog.ts) built in. */
  bugs: string[];
  seed: number;
  schedules: number;
  strategy: 'random' | 'pct' | 'mixed';
  depth: number;
  readers: number;
  writerOps: number;
  readerOps: number;
  stepBound: number;
  timeLimitMs: number;
  kernelSrc?: string;
  /** Run only the schedule with this seed (a failure's reproduction). */
  replaySeed?: number;
}

/**
 * The kernel explorer's defaults. Reader operations are many: a kernel writer operation makes a
 * few hundred simulated accesses, and readers nested at one in forty of them run out of 8.
 */
export const DEFAULT_KERNEL_EXPLORE: Omit<KernelExploreConfig, 'seed' | 'bugs'> = {
  scenarios: ['churn', 'random', 'rcu-simulated', 'spanning', 'slot-store', 'vma', 'destroy'],
  schedules: 100_000,
  strategy: 'mixed',
  depth: 3,
  readers: 2,
  writerOps: 12,
  readerOps: 100,
  stepBound: 200_000,
  timeLimitMs: 0,
};

/** PCT's change points fall in the first this many accesses (a kernel schedule makes about 10,000). */
const PCT_STEPS = 10_000;

export interface KernelExploreFailure {
  schedule: number;
  spec: KernelScheduleSpec;
  violation: Violation;
  /** Seconds from the start to the failing schedule's end. */
  seconds: number;
}

export interface KernelExploreResult {
  schema: 1;
  kind: 'explore-kernel';
  runId: string;
  startedAt: string;
  config: KernelExploreConfig;
  build: { wasmPath: string; buildHash: string; version: string; mutations: string[]; instrumented: Omit<InstrumentedKernel, 'cached'>; sourceHash?: string };
  elapsedMs: number;
  stoppedBy: 'schedules' | 'violation' | 'time' | 'signal';
  schedulesRun: number;
  schedulesPerSecond: number;
  totals: { steps: number; switches: number; drains: number; readerOps: number; writerOps: number; fairRuns: number; readerWaits: number; maxNodes: number };
  /** Known findings of 6.12's code met (kernel-known.ts), by name, summed. */
  known: Record<string, number>;
  failure?: KernelExploreFailure;
}

export interface LoadedKernelSim {
  build: KernelSimBuild;
  info: KernelExploreResult['build'];
}

/** Build (or find cached) the simulator flavour with the named catalog entries, instrument it, compile it. */
export async function loadKernelSim(bugs: string[], kernelSrc: string | undefined, log: (line: string) => void): Promise<LoadedKernelSim> {
  const mutations: Mutation[] = [];
  for (const name of bugs) {
    const entry = KERNEL_CATALOG.find((e) => e.name === name);
    if (!entry) throw new Error(`unknown kernel catalog entry '${name}'`);
    if (!mutations.includes(entry.mutations[0])) mutations.push(...entry.mutations);
  }
  const built = await buildKernel({ sim: true, mutations, kernelSrc, log });
  const instrumented = await instrumentKernel(built);
  if (!instrumented.cached) log(`instrumented ${instrumented.loadSites} load and ${instrumented.storeSites} store sites (binaryen ${instrumented.binaryen})`);
  const { cached: _cached, ...rest } = instrumented;
  return {
    build: { module: compileKernel(instrumented.wasmPath), signedLoadSites: new Set(instrumented.signedLoadSites) },
    info: { wasmPath: built.wasmPath, buildHash: built.buildHash, version: built.version, mutations: built.mutations, instrumented: rest, sourceHash: built.sourceHash },
  };
}

/** The spec of schedule i: scenarios in rotation, strategies alternating per round when mixed. */
export function kernelScheduleSpec(config: KernelExploreConfig, index: number): KernelScheduleSpec {
  const round = Math.floor(index / config.scenarios.length);
  return {
    scenario: config.scenarios[index % config.scenarios.length],
    seed: config.replaySeed ?? scheduleSeed(config.seed, index),
    strategy: config.strategy === 'mixed' ? (round % 2 === 0 ? 'random' : 'pct') : config.strategy,
    depth: config.depth,
    readers: config.readers,
    writerOps: config.writerOps,
    readerOps: config.readerOps,
    stepBound: config.stepBound,
    pctSteps: PCT_STEPS,
  };
}

export interface KernelExploreOptions {
  /** Schedules run, milliseconds since the start, simulated accesses so far. */
  onProgress?: (schedules: number, ms: number, steps: number) => void;
  progressEveryMs?: number;
  signal?: AbortSignal;
}

/** Run the exploration, yielding to the event loop between schedules (signals, progress). */
export async function exploreKernel(config: KernelExploreConfig, loaded: LoadedKernelSim, options: KernelExploreOptions = {}): Promise<KernelExploreResult> {
  const startedAt = new Date();
  const t0 = Date.now();
  const totals = { steps: 0, switches: 0, drains: 0, readerOps: 0, writerOps: 0, fairRuns: 0, readerWaits: 0, maxNodes: 0 };
  const known: Record<string, number> = {};
  let stoppedBy: KernelExploreResult['stoppedBy'] = 'schedules';
  let failure: KernelExploreFailure | undefined;
  let run = 0;
  let lastProgress = t0;
  const total = config.replaySeed !== undefined ? 1 : config.schedules;
  for (; run < total; run++) {
    if (options.signal?.aborted) {
      stoppedBy = 'signal';
      break;
    }
    if (config.timeLimitMs > 0 && Date.now() - t0 >= config.timeLimitMs) {
      stoppedBy = 'time';
      break;
    }
    const spec = kernelScheduleSpec(config, run);
    const outcome: KernelScheduleOutcome = runKernelSchedule(loaded.build, spec);
    totals.steps += outcome.steps;
    totals.switches += outcome.switches;
    totals.drains += outcome.drains;
    totals.readerOps += outcome.readerOps;
    totals.writerOps += outcome.writerOps;
    if (outcome.fair) totals.fairRuns++;
    totals.readerWaits += outcome.readerWaits;
    totals.maxNodes = Math.max(totals.maxNodes, outcome.nodes);
    for (const [name, n] of Object.entries(outcome.known)) known[name] = (known[name] ?? 0) + n;
    if (outcome.violations.length > 0) {
      failure = { schedule: run, spec, violation: outcome.violations[0], seconds: (Date.now() - t0) / 1000 };
      stoppedBy = 'violation';
      run++;
      break;
    }
    const now = Date.now();
    if (options.onProgress && now - lastProgress >= (options.progressEveryMs ?? 1000)) {
      lastProgress = now;
      options.onProgress(run + 1, now - t0, totals.steps);
      // Let signal handlers run.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }
  const elapsedMs = Date.now() - t0;
  return {
    schema: 1,
    kind: 'explore-kernel',
    runId: `explore-kernel-${startedAt.toISOString().replace(/[:.]/g, '-')}-${config.seed}`,
    startedAt: startedAt.toISOString(),
    config,
    build: loaded.info,
    elapsedMs,
    stoppedBy,
    schedulesRun: run,
    schedulesPerSecond: run / Math.max(elapsedMs / 1000, 0.001),
    totals,
    known,
    ...(failure ? { failure } : {}),
  };
}

/** The command that reruns one schedule of an exploration. */
export function kernelReplayCommand(config: KernelExploreConfig, spec: KernelScheduleSpec): string {
  const parts = ['npm run explore -- --tree kernel'];
  for (const b of config.bugs) parts.push(`--bug ${b}`);
  if (config.kernelSrc !== undefined) parts.push(`--kernel-src ${config.kernelSrc}`);
  parts.push(`--scenario ${spec.scenario}`, `--strategy ${spec.strategy}`, `--replay-seed ${spec.seed}`);
  if (spec.depth !== DEFAULT_KERNEL_EXPLORE.depth) parts.push(`--depth ${spec.depth}`);
  if (spec.readers !== DEFAULT_KERNEL_EXPLORE.readers) parts.push(`--readers ${spec.readers}`);
  if (spec.writerOps !== DEFAULT_KERNEL_EXPLORE.writerOps) parts.push(`--writer-ops ${spec.writerOps}`);
  if (spec.readerOps !== DEFAULT_KERNEL_EXPLORE.readerOps) parts.push(`--reader-ops ${spec.readerOps}`);
  if (spec.stepBound !== DEFAULT_KERNEL_EXPLORE.stepBound) parts.push(`--step-bound ${spec.stepBound}`);
  return parts.join(' ');
}
