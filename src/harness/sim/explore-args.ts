/** Command-line parsing for `npm run explore`: every flag checked, errors say what is wrong. */
import { UsageError, parseDuration, parseFlags, parseInteger } from '../cli-args.js';
import { CATALOG, findBug } from '../catalog.js';
import { ALL_SCENARIOS, SCENARIOS, TINY_SCENARIOS } from './scenarios.js';
import type { ScenarioName } from './scenarios.js';
import { STRATEGIES } from './strategies.js';
import { DEFAULT_EXPLORE } from './explore.js';
import type { ExploreConfig, StrategyChoice } from './explore.js';
import { DEFAULT_BOUNDS } from './exhaustive.js';

/**
 * The exhaustive strategy's defaults where they differ from the seeded explorer's: tiny runs, a
 * large cap, and a step bound near the runs' length (a few hundred accesses): a reader that spins
 * on a store held behind the thread it interrupted (a re-walk that waits for a new root) sees it
 * drain there instead of after 200,000 accesses.
 */
export const DEFAULT_EXHAUSTIVE = { scenarios: TINY_SCENARIOS, readers: 1, writerOps: 1, readerOps: 1, schedules: 1_000_000, stepBound: 5000 } as const;

export const EXPLORE_HELP = `Usage: npm run explore -- [options]

Runs many short schedules of small maple-tree scenarios on the weak-memory simulator (store
buffers, stale loads, barriers with their Linux-kernel-memory-model meaning), one thread, every
decision drawn from the seed. The first failure is shrunk and printed as a trace with a replay
token that reproduces it step for step.

Options:
  --tree NAME         replica (default: the project's own tree) or kernel: the kernel's own
                      lib/maple_tree.c under the simulator, with its own options
                      (npm run explore -- --tree kernel --help)
  --bug NAME          switch a catalog bug back in (repeatable); see npm run stress -- --list-bugs
  --schedules N       schedules to run (default ${DEFAULT_EXPLORE.schedules}); exhaustive: a cap on the
                      executions (default ${DEFAULT_EXHAUSTIVE.schedules}); a capped run proves nothing
  --seed N            master seed (default: chosen and printed)
  --strategy NAME     random, pct or mixed (alternate; default ${DEFAULT_EXPLORE.strategy}), or exhaustive:
                      every execution within --bound (below) instead of seeded schedules
  --bound K           exhaustive: at most K preemptions and K reorderings (default ${DEFAULT_BOUNDS.preemptions})
  --preemptions N     exhaustive: the preemption bound alone (operations run nested in another)
  --reorderings N     exhaustive: the reordering bound alone (held stores, out-of-order drains,
                      stale loads)
  --depth D           PCT depth: D - 1 priority change points (default ${DEFAULT_EXPLORE.depth})
  --scenario NAME     ${SCENARIOS.join(', ')} (repeatable; default all, in rotation);
                      exhaustive: also ${TINY_SCENARIOS.join(', ')} (default these three, in turn)
  --readers N         reader threads per schedule (default ${DEFAULT_EXPLORE.readers}; exhaustive ${DEFAULT_EXHAUSTIVE.readers})
  --writer-ops N      writer operations per schedule (default ${DEFAULT_EXPLORE.writerOps}; exhaustive ${DEFAULT_EXHAUSTIVE.writerOps})
  --reader-ops N      operations per reader per schedule (default ${DEFAULT_EXPLORE.readerOps}; exhaustive ${DEFAULT_EXHAUSTIVE.readerOps})
  --step-bound N      accesses after which a schedule turns fair so it ends (default ${DEFAULT_EXPLORE.stepBound};
                      exhaustive ${DEFAULT_EXHAUSTIVE.stepBound}: from there no store is held)
  --time-limit TIME   stop after this long even if schedules remain (e.g. 60s; default none)
  --replay TOKEN      run the one schedule a token names, with its trace, and exit
  --no-shrink         report the failure as found, without shrinking it
  --no-write-policy   do not police the writer's stores: the reader-side oracles alone must catch
                      a bug (the policy reports a misordered store before any reader sees it)
  --trace-lines N     trace rows shown before the violation (default ${DEFAULT_EXPLORE.traceLines})
  --out FILE          where the results JSON goes (default results/<run-id>.json)
  --json              also print the results JSON on stdout
  --help              this text

Exit status: 0 clean, 1 violation, 2 usage error, 3 internal failure.`;

export interface ExploreCli {
  help: boolean;
  json: boolean;
  out?: string;
  replay?: string;
  seedChosen: boolean;
  config: ExploreConfig;
}

export function parseExploreCli(argv: string[]): ExploreCli {
  const parsed = parseFlags(argv, {
    bug: { type: 'string', multiple: true },
    schedules: { type: 'string' },
    seed: { type: 'string' },
    strategy: { type: 'string' },
    bound: { type: 'string' },
    preemptions: { type: 'string' },
    reorderings: { type: 'string' },
    depth: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    readers: { type: 'string' },
    'writer-ops': { type: 'string' },
    'reader-ops': { type: 'string' },
    'step-bound': { type: 'string' },
    'time-limit': { type: 'string' },
    replay: { type: 'string' },
    'no-shrink': { type: 'boolean' },
    'no-write-policy': { type: 'boolean' },
    'trace-lines': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean' },
  });
  const v = parsed.values;
  const bugs = v.bug ?? [];
  for (const name of bugs) {
    if (!findBug(name)) throw new UsageError(`--bug: unknown bug '${name}'; known: ${CATALOG.map((b) => b.name).join(', ')}`);
  }
  const strategy = (v.strategy ?? DEFAULT_EXPLORE.strategy) as StrategyChoice;
  if (strategy !== 'mixed' && !STRATEGIES.includes(strategy)) throw new UsageError(`--strategy must be random, pct, mixed or exhaustive, got '${strategy}'`);
  const exhaustive = strategy === 'exhaustive';
  const defaults = exhaustive ? { ...DEFAULT_EXPLORE, ...DEFAULT_EXHAUSTIVE } : { ...DEFAULT_EXPLORE, scenarios: SCENARIOS };
  const scenarios = (v.scenario ?? [...defaults.scenarios]) as ScenarioName[];
  for (const s of scenarios) {
    if (!ALL_SCENARIOS.includes(s)) throw new UsageError(`--scenario: unknown scenario '${s}'; known: ${ALL_SCENARIOS.join(', ')}`);
    if (!exhaustive && (TINY_SCENARIOS as readonly string[]).includes(s)) throw new UsageError(`--scenario ${s} is for --strategy exhaustive`);
  }
  for (const flag of ['bound', 'preemptions', 'reorderings'] as const) {
    if (!exhaustive && v[flag] !== undefined) throw new UsageError(`--${flag} needs --strategy exhaustive`);
  }
  const bound = v.bound !== undefined ? parseInteger('--bound', v.bound, 0, 100) : DEFAULT_BOUNDS.preemptions;
  const bounds = {
    preemptions: v.preemptions !== undefined ? parseInteger('--preemptions', v.preemptions, 0, 100) : bound,
    reorderings: v.reorderings !== undefined ? parseInteger('--reorderings', v.reorderings, 0, 100) : bound,
  };
  const seedChosen = v.seed === undefined;
  const config: ExploreConfig = {
    ...DEFAULT_EXPLORE,
    scenarios,
    bugs,
    seed: v.seed !== undefined ? parseInteger('--seed', v.seed, 0, 0xffffffff) : (Date.now() ^ (process.pid << 16)) >>> 0,
    schedules: v.schedules !== undefined ? parseInteger('--schedules', v.schedules, 1, 1e9) : defaults.schedules,
    strategy,
    depth: v.depth !== undefined ? parseInteger('--depth', v.depth, 1, 32) : DEFAULT_EXPLORE.depth,
    readers: v.readers !== undefined ? parseInteger('--readers', v.readers, 1, 8) : defaults.readers,
    writerOps: v['writer-ops'] !== undefined ? parseInteger('--writer-ops', v['writer-ops'], 0, 100_000) : defaults.writerOps,
    readerOps: v['reader-ops'] !== undefined ? parseInteger('--reader-ops', v['reader-ops'], 0, 100_000) : defaults.readerOps,
    stepBound: v['step-bound'] !== undefined ? parseInteger('--step-bound', v['step-bound'], 100, 1e9) : defaults.stepBound,
    timeLimitMs: v['time-limit'] !== undefined ? parseDuration('--time-limit', v['time-limit']) : 0,
    shrink: v['no-shrink'] !== true,
    traceLines: v['trace-lines'] !== undefined ? parseInteger('--trace-lines', v['trace-lines'], 1, 100_000) : DEFAULT_EXPLORE.traceLines,
  };
  if (exhaustive) config.bounds = bounds;
  if (v['no-write-policy'] === true) config.writePolicy = false;
  return { help: v.help === true, json: v.json === true, out: v.out, replay: v.replay, seedChosen, config };
}

/** The command that reruns an exploration. */
export function exploreCommand(c: ExploreConfig): string {
  const parts = ['npm run explore --', `--seed ${c.seed}`, `--schedules ${c.schedules}`, `--strategy ${c.strategy}`];
  for (const b of c.bugs) parts.push(`--bug ${b}`);
  if (c.strategy === 'exhaustive') {
    // Every size spelled out: the claim of a clean run is about exactly these.
    const b = c.bounds ?? DEFAULT_BOUNDS;
    parts.push(b.preemptions === b.reorderings ? `--bound ${b.preemptions}` : `--preemptions ${b.preemptions} --reorderings ${b.reorderings}`);
    for (const s of c.scenarios) parts.push(`--scenario ${s}`);
    parts.push(`--readers ${c.readers} --writer-ops ${c.writerOps} --reader-ops ${c.readerOps}`);
    if (c.stepBound !== DEFAULT_EXHAUSTIVE.stepBound) parts.push(`--step-bound ${c.stepBound}`);
    if (c.timeLimitMs > 0) parts.push(`--time-limit ${c.timeLimitMs}ms`);
    if (c.writePolicy === false) parts.push('--no-write-policy');
    return parts.join(' ');
  }
  if (c.scenarios.length !== SCENARIOS.length) for (const s of c.scenarios) parts.push(`--scenario ${s}`);
  if (c.depth !== DEFAULT_EXPLORE.depth) parts.push(`--depth ${c.depth}`);
  if (c.readers !== DEFAULT_EXPLORE.readers) parts.push(`--readers ${c.readers}`);
  if (c.writerOps !== DEFAULT_EXPLORE.writerOps) parts.push(`--writer-ops ${c.writerOps}`);
  if (c.readerOps !== DEFAULT_EXPLORE.readerOps) parts.push(`--reader-ops ${c.readerOps}`);
  if (c.stepBound !== DEFAULT_EXPLORE.stepBound) parts.push(`--step-bound ${c.stepBound}`);
  if (c.timeLimitMs > 0) parts.push(`--time-limit ${c.timeLimitMs}ms`);
  if (c.writePolicy === false) parts.push('--no-write-policy');
  return parts.join(' ');
}
