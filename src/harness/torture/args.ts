/** Command-line parsing for `npm run torture`: every flag checked, errors say what is wrong. */
import { UsageError, parseDuration, parseFlags, parseInteger } from '../cli-args.js';
import { SCENARIOS } from '../sim/scenarios.js';
import { KERNEL_SCENARIOS } from '../sim/kernel/kernel-scenarios.js';
import { WORKLOADS } from '../types.js';
import type { TortureTrees } from './matrix.js';
import {
  CATALOG_CAP_MS, CATALOG_OWN_CAPS_MS, KERNEL_SIMULATOR_FLOOR_MS, KERNEL_SIMULATOR_READERS, SIMULATOR_FLOOR_MS, SIMULATOR_READERS, THREADS_FLOOR_MS, THREAD_READERS, formatBudget,
} from './matrix.js';

export const DEFAULT_BUDGET_MS = 10 * 60_000;

export const TORTURE_HELP = `Usage: npm run torture -- [options]

Runs a matrix of stress cells on the correct build and writes OUT/torture-<id>.json and a JUnit
OUT/torture-<id>.xml:
  threads/<workload>/r<N>     real reader threads and one writer (npm run stress), workloads
                              ${WORKLOADS.join(', ')}; readers ${THREAD_READERS.join(', ')}
  simulator/<scenario>/r<N>   the weak-memory explorer on one scenario (npm run explore),
                              scenarios ${SCENARIOS.join(', ')}; readers ${SIMULATOR_READERS.join(', ')}
  kernel/<workload>/r<N>      (--tree kernel or both) real threads on the kernel's own
                              lib/maple_tree.c built to wasm (npm run stress -- --tree kernel)
  kernel-sim/<scenario>/r<N>  (--tree kernel or both) the kernel's own code under the weak-memory
                              simulator on one scenario (npm run explore -- --tree kernel),
                              scenarios ${KERNEL_SCENARIOS.filter((k) => !(SCENARIOS as readonly string[]).includes(k)).map((k) => `${k} and `).join('')}the six above; readers ${KERNEL_SIMULATOR_READERS.join(', ')}
Each cell gets budget / cells (at least ${formatBudget(KERNEL_SIMULATOR_FLOOR_MS)} if kernel-sim cells run, else ${formatBudget(THREADS_FLOOR_MS)} if threads
cells run, else ${formatBudget(SIMULATOR_FLOOR_MS)}) and a seed derived from the master seed, the shard and the cell,
so shards never repeat each other's work.

Options:
  --budget TIME       total time over all cells: 10m (default), 90s, 1h
  --seed N            master seed, an integer up to 2^53 - 1 (default: chosen and printed)
  --shard K/N         this is shard K of N (default 1/1); every shard runs every cell
  --out DIR           where the JSON and the JUnit XML go (default results/)
  --cells PREFIX      run only the cells whose id starts with PREFIX (repeatable, or
                      comma-separated), e.g. --cells simulator/ or --cells threads/random/r2
  --catalog           score the tester instead: every catalog bug in the mode that exposes it
                      (threads bugs: its catalog workload, 2 readers; simulator bugs: every
                      scenario), each for min(${formatBudget(CATALOG_CAP_MS)}, budget / bugs); cells are catalog/<bug>,
                      and kernel-catalog/<bug> with --tree kernel (weak-memory-only entries
                      under the kernel explorer, on the scenarios that expose them; entries
                      this kernel's code masks are listed as skipped). A bug measured to need
                      longer has its own cap and takes cap / ${formatBudget(CATALOG_CAP_MS)} shares of the budget:
                      ${Object.entries(CATALOG_OWN_CAPS_MS).map(([id, ms]) => `${id} ${formatBudget(ms)}`).join(', ')}
  --tree WHICH        replica (default), kernel, or both
  --kernel-src DIR    with the kernel tree: your kernel source tree or a Debian package name
                      (default: Debian's linux-source-6.12, fetched)
  --json              also print the result JSON on stdout
  --help              this text

Ctrl-C stops after the current cell (twice: stops the current cell too), marks the rest
skipped and still writes both files. With $GITHUB_STEP_SUMMARY set (GitHub Actions) the summary
table is also appended there.

Exit status: 0 clean (with --catalog: every bug detected), 1 violation (with --catalog: a bug
missed), 2 usage error, 3 internal failure.`;

export interface TortureOptions {
  help: boolean;
  json: boolean;
  catalog: boolean;
  budgetMs: number;
  seed: number;
  seedChosen: boolean;
  shard: { index: number; count: number };
  out: string;
  cells: string[];
  /** Which trees: replica (default), kernel, or both. */
  trees: TortureTrees;
  /** With the kernel tree: its source (as stress's --kernel-src). */
  kernelSrc?: string;
}

/** `K/N` with 1 <= K <= N. */
export function parseShard(text: string): { index: number; count: number } {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  if (!m) throw new UsageError(`--shard must be K/N (shard K of N), like 2/4, got '${text}'`);
  const index = Number(m[1]);
  const count = Number(m[2]);
  if (count < 1 || count > 10_000) throw new UsageError(`--shard: N must be in [1, 10000], got '${text}'`);
  if (index < 1 || index > count) throw new UsageError(`--shard: K must be in [1, N] (1 <= K <= ${count}), got '${text}'`);
  return { index, count };
}

export function parseTortureCli(argv: string[]): TortureOptions {
  const parsed = parseFlags(argv, {
    budget: { type: 'string' },
    seed: { type: 'string' },
    shard: { type: 'string' },
    out: { type: 'string' },
    cells: { type: 'string', multiple: true },
    catalog: { type: 'boolean' },
    tree: { type: 'string' },
    'kernel-src': { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const v = parsed.values;
  const seedChosen = v.seed === undefined;
  const out = v.out ?? 'results/';
  if (out.trim() === '') throw new UsageError('--out must name a directory');
  const cells = (v.cells ?? []).flatMap((s) => s.split(',')).map((s) => s.trim()).filter((s) => s !== '');
  if (v.cells !== undefined && cells.length === 0) throw new UsageError('--cells needs at least one cell id prefix, like simulator/');
  const trees = (v.tree ?? 'replica') as TortureTrees;
  if (!['replica', 'kernel', 'both'].includes(trees)) throw new UsageError(`--tree must be replica, kernel or both, got '${v.tree}'`);
  if (v['kernel-src'] !== undefined && trees === 'replica') throw new UsageError('--kernel-src needs --tree kernel or --tree both');
  return {
    trees,
    ...(v['kernel-src'] !== undefined ? { kernelSrc: v['kernel-src'] } : {}),
    help: v.help === true,
    json: v.json === true,
    catalog: v.catalog === true,
    budgetMs: v.budget !== undefined ? parseDuration('--budget', v.budget) : DEFAULT_BUDGET_MS,
    seed: v.seed !== undefined ? parseInteger('--seed', v.seed, 0, Number.MAX_SAFE_INTEGER) : (Date.now() ^ (process.pid << 16)) >>> 0,
    seedChosen,
    shard: v.shard !== undefined ? parseShard(v.shard) : { index: 1, count: 1 },
    out,
    cells,
  };
}

/** The command that reruns a torture run (this shard). */
export function tortureCommand(o: Pick<TortureOptions, 'budgetMs' | 'seed' | 'shard' | 'catalog' | 'cells' | 'out'> & Partial<Pick<TortureOptions, 'trees' | 'kernelSrc'>>): string {
  const parts = ['npm run torture --'];
  if (o.catalog) parts.push('--catalog');
  if (o.trees !== undefined && o.trees !== 'replica') parts.push(`--tree ${o.trees}`);
  if (o.kernelSrc !== undefined) parts.push(`--kernel-src ${o.kernelSrc}`);
  parts.push(`--budget ${formatBudget(o.budgetMs)}`, `--seed ${o.seed}`, `--shard ${o.shard.index}/${o.shard.count}`);
  if (o.cells.length > 0) parts.push(`--cells ${o.cells.join(',')}`);
  if (o.out !== 'results/' && o.out !== 'results') parts.push(`--out ${o.out}`);
  return parts.join(' ');
}
