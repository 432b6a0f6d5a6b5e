/** Command-line parsing for `npm run conform`: every flag checked, errors say what is wrong (exit 2). */
import { UsageError, parseFlags, parseInteger } from '../cli-args.js';
import { SCENARIOS, findScenario } from './scenarios.js';
import type { Level } from './compare.js';

export const CONFORM_HELP = `Usage: npm run conform -- [options]

Differential conformance: seeded random scripts over the whole API run on the replica (src/tree)
and on the kernel's own lib/maple_tree.c built to wasm, side by side. Every result is compared,
then (--level shape) both trees' shapes after every write. The first divergence is shrunk to a
minimal script, printed with both results and both shapes, and written to results/.

Options:
  --ops N             total operation budget (default 200000)
  --seed N            seed of the run (default: chosen and printed)
  --scenario NAME     run only these scenarios (repeatable, or a comma list); see --list-scenarios
  --list-scenarios    print the scenarios (with --json: as JSON) and exit
  --level LEVEL       results: compare every op's result; shape (default): also compare both
                      trees' shapes, node for node, after every write
  --keep-going        do not stop at the first divergence: count them per scenario (the first of
                      each kind per scenario is still shrunk and reported)
  --replay FILE       rerun the minimal script of a results file (or a bare script JSON)
  --kernel-src DIR    the kernel tree to build lib/maple_tree.c from (also MAPLE_KERNEL_SRC);
                      default: Debian's linux-source-6.12, fetched into .cache/kernel
  --slots 16|32       the kernel build's node layout (default 16, the replica's)
  --shrink-time TIME  time limit for shrinking one divergence (default 60s)
  --out FILE          where the results JSON goes (default results/conform-<time>-<seed>.json)
  --json              also print the results JSON on stdout
  --quiet             no progress lines
  --help              this text

Exit status: 0 no divergence, 1 divergence, 2 usage error, 3 internal failure.`;

export interface ConformOptions {
  help: boolean;
  listScenarios: boolean;
  json: boolean;
  quiet: boolean;
  keepGoing: boolean;
  ops: number;
  seed: number;
  seedChosen: boolean;
  scenarios: string[];
  /** Whether --level was given (a replay then uses it instead of the file's). */
  levelGiven: boolean;
  level: Level;
  slots: 16 | 32;
  kernelSrc?: string;
  replay?: string;
  out?: string;
  shrinkMs: number;
}

function parseTime(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a duration like 60s, 500ms or 2m, got '${text}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  return Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : n * 60_000);
}

export function parseConformCli(argv: string[]): ConformOptions {
  const { values: v } = parseFlags(argv, {
    ops: { type: 'string' },
    seed: { type: 'string' },
    scenario: { type: 'string', multiple: true },
    'list-scenarios': { type: 'boolean' },
    level: { type: 'string' },
    'keep-going': { type: 'boolean' },
    replay: { type: 'string' },
    'kernel-src': { type: 'string' },
    slots: { type: 'string' },
    'shrink-time': { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    quiet: { type: 'boolean', short: 'q' },
    help: { type: 'boolean', short: 'h' },
  });
  const scenarios: string[] = [];
  for (const name of (v.scenario ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '')) {
    if (!findScenario(name)) throw new UsageError(`unknown scenario '${name}'; choose from: ${SCENARIOS.map((s) => s.name).join(', ')}`);
    if (!scenarios.includes(name)) scenarios.push(name);
  }
  if (v.level !== undefined && v.level !== 'results' && v.level !== 'shape') throw new UsageError(`--level must be results or shape, got '${v.level}'`);
  if (v.slots !== undefined && v.slots !== '16' && v.slots !== '32') throw new UsageError(`--slots must be 16 or 32, got '${v.slots}'`);
  if (v['kernel-src'] !== undefined && v['kernel-src'].trim() === '') throw new UsageError('--kernel-src needs a directory');
  const seedChosen = v.seed === undefined;
  return {
    help: v.help ?? false,
    listScenarios: v['list-scenarios'] ?? false,
    json: v.json ?? false,
    quiet: v.quiet ?? false,
    keepGoing: v['keep-going'] ?? false,
    ops: v.ops !== undefined ? parseInteger('--ops', v.ops, 1, 1e12) : 200_000,
    seed: v.seed !== undefined ? parseInteger('--seed', v.seed, 0, 0xffffffff) : (Date.now() ^ (process.pid << 16)) >>> 0,
    seedChosen,
    scenarios: scenarios.length > 0 ? scenarios : SCENARIOS.map((s) => s.name),
    levelGiven: v.level !== undefined,
    level: (v.level ?? 'shape') as Level,
    slots: v.slots === '32' ? 32 : 16,
    kernelSrc: v['kernel-src'],
    replay: v.replay,
    out: v.out,
    shrinkMs: v['shrink-time'] !== undefined ? parseTime('--shrink-time', v['shrink-time']) : 60_000,
  };
}

/** The command that reruns a configuration (same seed, same scenarios). */
export function conformCommand(o: Pick<ConformOptions, 'ops' | 'seed' | 'scenarios' | 'level' | 'keepGoing' | 'slots' | 'kernelSrc'>): string {
  const parts = ['npm run conform --', `--seed ${o.seed}`, `--ops ${o.ops}`, `--level ${o.level}`];
  if (o.scenarios.length !== SCENARIOS.length) parts.push(`--scenario ${o.scenarios.join(',')}`);
  if (o.keepGoing) parts.push('--keep-going');
  if (o.slots !== 16) parts.push(`--slots ${o.slots}`);
  if (o.kernelSrc) parts.push(`--kernel-src ${o.kernelSrc}`);
  return parts.join(' ');
}
