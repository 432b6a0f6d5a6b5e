/** `npm run explore -- --tree kernel`: parse, build and instrument, explore, report, write results. */
import { UsageError, parseDuration, parseFlags, parseInteger } from '../../cli-args.js';
import { writeJson } from '../../results-file.js';
import { humanRate } from '../../status.js';
import { KERNEL_CATALOG } from '../../kernel-catalog.js';
import { KERNEL_SCENARIOS } from './kernel-scenarios.js';
import type { KernelScenarioName } from './kernel-scenarios.js';
import { DEFAULT_KERNEL_EXPLORE, exploreKernel, kernelReplayCommand, loadKernelSim } from './kernel-explore.js';
import type { KernelExploreConfig } from './kernel-explore.js';

export const KERNEL_EXPLORE_HELP = `Usage: npm run explore -- --tree kernel [options]

Runs the kernel's own lib/maple_tree.c (its simulator build, every load and store instrumented by
binaryen's instrument-memory pass) under the weak-memory simulator: one writer and its readers as
instances on one memory in one thread, readers nested in the writer's accesses, every value a
reader loads from the tree a seeded choice among those the memory model allows.

Options:
  --bug NAME          build a kernel catalog entry in (repeatable); see npm run kernel:build --
                      --list-mutations (the simulator ones: missing-wmb, missing-rmb,
                      overlay-before-death)
  --kernel-src DIR    a kernel source tree (default: Debian's linux-source-6.12, fetched)
  --schedules N       schedules to run (default ${DEFAULT_KERNEL_EXPLORE.schedules})
  --seed N            master seed (default: chosen and printed)
  --strategy NAME     random, pct or mixed (alternate per round; default ${DEFAULT_KERNEL_EXPLORE.strategy})
  --depth D           PCT depth (default ${DEFAULT_KERNEL_EXPLORE.depth})
  --scenario NAME     ${KERNEL_SCENARIOS.join(', ')} (repeatable; default all, in
                      rotation; destroy: fill a two-level tree, destroy it, and again)
  --readers N         reader instances per schedule (default ${DEFAULT_KERNEL_EXPLORE.readers})
  --writer-ops N      writer operations per schedule (default ${DEFAULT_KERNEL_EXPLORE.writerOps})
  --reader-ops N      operations per reader per schedule (default ${DEFAULT_KERNEL_EXPLORE.readerOps})
  --step-bound N      accesses after which a schedule turns fair (default ${DEFAULT_KERNEL_EXPLORE.stepBound})
  --time-limit TIME   stop after this long even if schedules remain (e.g. 10m)
  --replay-seed N     run the one schedule with this seed (with --scenario and --strategy: what a
                      failure prints) and exit
  --out FILE          where the results JSON goes (default results/<run-id>.json)
  --json              also print the results JSON on stdout
  --help              this text

Exit status: 0 clean, 1 violation, 2 usage error, 3 internal failure.`;

export function parseKernelExploreCli(argv: string[]): { help: boolean; json: boolean; out?: string; seedChosen: boolean; config: KernelExploreConfig } {
  const v = parseFlags(argv, {
    tree: { type: 'string' },
    bug: { type: 'string', multiple: true },
    'kernel-src': { type: 'string' },
    schedules: { type: 'string' },
    seed: { type: 'string' },
    strategy: { type: 'string' },
    depth: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    readers: { type: 'string' },
    'writer-ops': { type: 'string' },
    'reader-ops': { type: 'string' },
    'step-bound': { type: 'string' },
    'time-limit': { type: 'string' },
    'replay-seed': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  }).values;
  if (v.tree !== 'kernel') throw new UsageError(`--tree must be kernel here, got '${v.tree}'`);
  const bugs = v.bug ?? [];
  for (const b of bugs) {
    if (!KERNEL_CATALOG.some((e) => e.name === b)) throw new UsageError(`--bug: unknown kernel catalog entry '${b}'; known: ${KERNEL_CATALOG.map((e) => e.name).join(', ')}`);
  }
  const strategy = v.strategy ?? DEFAULT_KERNEL_EXPLORE.strategy;
  if (strategy !== 'random' && strategy !== 'pct' && strategy !== 'mixed') throw new UsageError(`--strategy must be random, pct or mixed with --tree kernel, got '${strategy}'`);
  const scenarios = (v.scenario ?? [...DEFAULT_KERNEL_EXPLORE.scenarios]) as KernelScenarioName[];
  for (const s of scenarios) {
    if (!(KERNEL_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`--scenario: unknown scenario '${s}'; known: ${KERNEL_SCENARIOS.join(', ')}`);
  }
  const d = DEFAULT_KERNEL_EXPLORE;
  const int = (flag: string, text: string | undefined, min: number, max: number, dflt: number): number => (text !== undefined ? parseInteger(flag, text, min, max) : dflt);
  const seedChosen = v.seed === undefined;
  const config: KernelExploreConfig = {
    scenarios,
    bugs,
    seed: v.seed !== undefined ? parseInteger('--seed', v.seed, 0, 0xffffffff) : (Date.now() ^ (process.pid << 16)) >>> 0,
    schedules: int('--schedules', v.schedules, 1, 1e9, d.schedules),
    strategy,
    depth: int('--depth', v.depth, 1, 32, d.depth),
    readers: int('--readers', v.readers, 1, 8, d.readers),
    writerOps: int('--writer-ops', v['writer-ops'], 0, 100_000, d.writerOps),
    readerOps: int('--reader-ops', v['reader-ops'], 0, 100_000, d.readerOps),
    stepBound: int('--step-bound', v['step-bound'], 100, 1e9, d.stepBound),
    timeLimitMs: v['time-limit'] !== undefined ? parseDuration('--time-limit', v['time-limit']) : 0,
    ...(v['kernel-src'] !== undefined ? { kernelSrc: v['kernel-src'] } : {}),
    ...(v['replay-seed'] !== undefined ? { replaySeed: parseInteger('--replay-seed', v['replay-seed'], 0, 0xffffffff) } : {}),
  };
  if (config.replaySeed !== undefined && (scenarios.length !== 1 || strategy === 'mixed')) {
    throw new UsageError('--replay-seed needs one --scenario and --strategy random or pct (the failure report prints them)');
  }
  return { help: v.help === true, json: v.json === true, out: v.out, seedChosen, config };
}

/** The command that reruns an exploration. */
export function kernelExploreCommand(c: KernelExploreConfig): string {
  const parts = ['npm run explore -- --tree kernel', `--seed ${c.seed}`, `--schedules ${c.schedules}`, `--strategy ${c.strategy}`];
  for (const b of c.bugs) parts.push(`--bug ${b}`);
  if (c.kernelSrc !== undefined) parts.push(`--kernel-src ${c.kernelSrc}`);
  if (c.scenarios.join() !== DEFAULT_KERNEL_EXPLORE.scenarios.join()) for (const s of c.scenarios) parts.push(`--scenario ${s}`);
  const d = DEFAULT_KERNEL_EXPLORE;
  if (c.depth !== d.depth) parts.push(`--depth ${c.depth}`);
  if (c.readers !== d.readers) parts.push(`--readers ${c.readers}`);
  if (c.writerOps !== d.writerOps) parts.push(`--writer-ops ${c.writerOps}`);
  if (c.readerOps !== d.readerOps) parts.push(`--reader-ops ${c.readerOps}`);
  if (c.stepBound !== d.stepBound) parts.push(`--step-bound ${c.stepBound}`);
  if (c.timeLimitMs > 0) parts.push(`--time-limit ${c.timeLimitMs}ms`);
  return parts.join(' ');
}

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

export async function kernelExploreMain(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseKernelExploreCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`explore: ${error.message}\nRun 'npm run explore -- --tree kernel --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(KERNEL_EXPLORE_HELP + '\n');
    return 0;
  }
  const config = options.config;
  const loaded = await loadKernelSim(config.bugs, config.kernelSrc, log);
  const what = config.replaySeed !== undefined ? `the schedule with seed ${config.replaySeed}` : `${config.schedules} schedules`;
  log(`maple-torture explore --tree kernel: kernel ${loaded.info.version} (simulator build ${loaded.info.buildHash}), seed ${config.seed}${options.seedChosen ? ' (chosen)' : ''}, ` +
    `${what}, strategy ${config.strategy}, scenarios ${config.scenarios.join(',')}, bug ${config.bugs.length > 0 ? config.bugs.join(',') : 'none'}`);
  if (config.replaySeed === undefined) log(`rerun: ${kernelExploreCommand(config)}`);
  const controller = new AbortController();
  const onSignal = (): void => {
    log('\nstopping (SIGINT): writing results...');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  let result;
  try {
    result = await exploreKernel(config, loaded, {
      signal: controller.signal,
      progressEveryMs: 1000,
      onProgress: (n, ms) => {
        const line = `  ${n}/${config.schedules} schedules, ${humanRate(n / Math.max(ms / 1000, 0.001))}/s, ${(ms / 1000).toFixed(0)} s, no violation`;
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (ms - lastPlain >= 30_000) {
          lastPlain = ms;
          log(line);
        }
      },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (tty) process.stderr.write('\r\x1b[2K');
  const t = result.totals;
  log(`explore ${result.runId}: ${result.stoppedBy === 'schedules' ? 'completed' : `stopped by ${result.stoppedBy}`}: ${result.schedulesRun} schedules in ` +
    `${(result.elapsedMs / 1000).toFixed(1)} s (${result.schedulesPerSecond.toFixed(1)}/s)`);
  log(`  ${t.steps} simulated accesses, ${t.switches} switches, ${t.drains} drains, ${t.readerOps} reader ops, ${t.writerOps} writer ops, ${t.fairRuns} runs hit the step bound, ` +
    `${t.readerWaits} reader ops cut short waiting for the writer below them (not judged), at most ${t.maxNodes} node objects`);
  const known = Object.entries(result.known);
  if (known.length > 0) log(`  known findings of the kernel's code met (counted, not reported): ${known.map(([k, n]) => `${k} ${n}`).join(', ')}`);
  const f = result.failure;
  if (f) {
    const v = f.violation;
    log(`  first failure after ${f.seconds.toFixed(2)} s (schedule ${f.schedule}, scenario ${f.spec.scenario}, strategy ${f.spec.strategy})`);
    log('');
    log(`VIOLATION (${v.kind}) in ${v.thread}: ${v.op}`);
    log(`  seen:      ${v.seen}`);
    for (const [i, e] of v.expected.slice(0, 8).entries()) log(`  ${i === 0 ? 'expected: ' : '          '} ${e}`);
    if (v.window) log(`  window:    versions [${v.window[0]}, ${v.window[1]}]`);
    if (v.detail) log(`  detail:    ${v.detail}`);
    if (v.trace && v.trace.length > 0) log(`  walk:\n${v.trace.map((l) => `    ${l}`).join('\n')}`);
    log('');
    log(`replay: ${kernelReplayCommand(config, f.spec)}`);
  } else log('  no violations');
  const path = writeJson(options.out ?? `results/${result.runId}.json`, result);
  log(`\nresults: ${path}`);
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return f ? 1 : 0;
}
