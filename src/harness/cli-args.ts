/** Command-line parsing for `npm run stress`: every flag checked, errors say what is wrong. */
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { CATALOG, findBug } from './catalog.js';
import { WORKLOADS } from './types.js';
import type { CheckMode, RunConfig, TreeKind, WorkloadName } from './types.js';
import { KERNEL_CATALOG, findKernelBug } from './kernel-bugs.js';

export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * parseArgs, strict, with its errors as UsageError (node's hint about '--' dropped): the one way
 * every CLI of the project reads its flags.
 */
export function parseFlags<const O extends NonNullable<ParseArgsConfig['options']>, const P extends boolean = false>(
  argv: string[],
  options: O,
  allowPositionals?: P,
): ReturnType<typeof parseArgs<{ args: string[]; strict: true; allowPositionals: P; options: O }>> {
  try {
    return parseArgs({ args: argv, strict: true, allowPositionals: (allowPositionals ?? false) as P, options });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message.replace(/\. To specify.*$/s, '') : String(error));
  }
}

/**
 * Run a CLI's main and set the exit status: main's code, or 3 with the stack on stderr when it
 * throws (an internal failure; usage errors are main's to turn into 2).
 */
export function runCli(name: string, main: () => number | Promise<number>): void {
  const fail = (error: unknown): void => {
    process.stderr.write(`${name}: internal failure: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 3;
  };
  try {
    Promise.resolve(main()).then((code) => {
      process.exitCode = code;
    }, fail);
  } catch (error) {
    fail(error);
  }
}

export const HELP = `Usage: npm run stress -- [options]

Runs RCU readers on worker threads against one writer thread mutating a maple tree in shared
memory, and checks every reader result against the writer's version log.

Options:
  --tree NAME         the tree tortured: replica (default, the project's own) or kernel (the
                      kernel's lib/maple_tree.c built to wasm; built and cached on first use)
  --kernel-src DIR    with --tree kernel: your kernel source tree, or a Debian package name such
                      as linux-source-6.1 (default: Debian's linux-source-6.12, fetched)
  --duration TIME     how long to run: 10s (default), 500ms, 2m
  --readers N         reader threads (default 2; the writer is one more thread)
  --seed N            seed for every random stream (default: chosen and printed)
  --workload NAME     writer workload: ${WORKLOADS.join(', ')}
                      (default random, or the bug's own workload with --bug)
  --bug NAME          switch a catalog bug back in (repeatable); see --list-bugs
  --check MODE        full: judge every reader result (default); sample: a seeded fraction;
                      off: count only (no oracle, no stale-read detector)
  --sample-rate F     fraction judged with --check sample (default 0.1)
  --keyspace N        keys the workload uses, [0, N) (default 100000)
  --capacity N        slab size in 256-byte nodes (default 65536)
  --stall TIME        a thread making no progress this long is a stall (default 10s)
  --out FILE          where the results JSON goes (default results/<run-id>.json)
  --json              also print the results JSON on stdout
  --report            also write the HTML report (charts, violations) next to the results
                      JSON (same name, .html; never overwriting) and print its path
  --keep-going        do not stop at the first violation
  --list-bugs         print the bug catalog (with --json: as a JSON array) and exit
  --help              this text

Exit status: 0 clean, 1 violation, 2 usage error, 3 internal failure.`;

export interface CliOptions {
  help: boolean;
  listBugs: boolean;
  json: boolean;
  /** Also write the HTML report next to the results JSON. */
  report: boolean;
  out?: string;
  config: RunConfig;
}

export function parseDuration(flag: string, text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a duration like 10s, 500ms or 2m, got '${text}'`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = Math.round(unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000);
  if (ms <= 0) throw new UsageError(`${flag} must be positive (at least 1ms), got '${text}'`);
  return ms;
}

export function parseInteger(flag: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${flag} must be an integer, got '${text}'`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${flag} must be in [${min}, ${max}], got ${n}`);
  return n;
}

export function parseCli(argv: string[]): CliOptions {
  const parsed = parseFlags(argv, {
    tree: { type: 'string' },
    'kernel-src': { type: 'string' },
    duration: { type: 'string' },
    readers: { type: 'string' },
    seed: { type: 'string' },
    workload: { type: 'string' },
    bug: { type: 'string', multiple: true },
    check: { type: 'string' },
    'sample-rate': { type: 'string' },
    keyspace: { type: 'string' },
    capacity: { type: 'string' },
    stall: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
    report: { type: 'boolean' },
    'keep-going': { type: 'boolean' },
    'list-bugs': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const v = parsed.values;
  const tree = (v.tree ?? 'replica') as TreeKind;
  if (tree !== 'replica' && tree !== 'kernel') throw new UsageError(`--tree must be replica or kernel, got '${v.tree}'`);
  if (v['kernel-src'] !== undefined && tree !== 'kernel') throw new UsageError('--kernel-src needs --tree kernel');
  const bugs = v.bug ?? [];
  for (const name of bugs) {
    if (tree === 'kernel' ? !findKernelBug(name) : !findBug(name)) {
      const names = tree === 'kernel' ? KERNEL_CATALOG.map((b) => b.name) : CATALOG.map((b) => b.name);
      throw new UsageError(`unknown ${tree === 'kernel' ? 'kernel ' : ''}bug '${name}'; the ${tree === 'kernel' ? 'kernel ' : ''}catalog has: ${names.join(', ')}`);
    }
  }
  let workload: WorkloadName;
  if (v.workload !== undefined) {
    if (!WORKLOADS.includes(v.workload as WorkloadName)) {
      throw new UsageError(`unknown workload '${v.workload}'; choose one of: ${WORKLOADS.join(', ')}`);
    }
    workload = v.workload as WorkloadName;
  } else {
    const bugWorkload = bugs.length === 0 ? undefined : tree === 'kernel' ? findKernelBug(bugs[0])!.workload : findBug(bugs[0])!.workload;
    workload = (bugWorkload ?? 'random') as WorkloadName;
  }
  const check = (v.check ?? 'full') as CheckMode;
  if (!['full', 'sample', 'off'].includes(check)) throw new UsageError(`--check must be full, sample or off, got '${v.check}'`);
  let sampleRate = 0.1;
  if (v['sample-rate'] !== undefined) {
    sampleRate = Number(v['sample-rate']);
    if (!(sampleRate > 0 && sampleRate <= 1)) throw new UsageError(`--sample-rate must be in (0, 1], got '${v['sample-rate']}'`);
  }
  const config: RunConfig = {
    ...(tree === 'kernel' ? { tree, ...(v['kernel-src'] !== undefined ? { kernelSrc: v['kernel-src'] } : {}) } : {}),
    durationMs: v.duration !== undefined ? parseDuration('--duration', v.duration) : 10_000,
    readers: v.readers !== undefined ? parseInteger('--readers', v.readers, 1, 64) : 2,
    seed: v.seed !== undefined ? parseInteger('--seed', v.seed, 0, 0xffffffff) : (Date.now() ^ (process.pid << 16)) >>> 0,
    workload,
    bugs,
    check,
    sampleRate,
    keyspace: v.keyspace !== undefined ? parseInteger('--keyspace', v.keyspace, 64, 0xffffffff) : 100_000,
    capacity: v.capacity !== undefined ? parseInteger('--capacity', v.capacity, 64, (1 << 24) - 1) : 65_536,
    keepGoing: v['keep-going'] ?? false,
    stallMs: v.stall !== undefined ? parseDuration('--stall', v.stall) : 10_000,
  };
  return { help: v.help ?? false, listBugs: v['list-bugs'] ?? false, json: v.json ?? false, report: v.report ?? false, out: v.out, config };
}

/** The command that reruns a configuration exactly (same seed, same switches). */
export function rerunCommand(c: RunConfig): string {
  const parts = ['npm run stress --', ...(c.tree === 'kernel' ? ['--tree kernel'] : []), ...(c.kernelSrc !== undefined ? [`--kernel-src ${c.kernelSrc}`] : []), `--seed ${c.seed}`, `--workload ${c.workload}`, `--readers ${c.readers}`, `--duration ${c.durationMs}ms`];
  for (const b of c.bugs) parts.push(`--bug ${b}`);
  if (c.check !== 'full') parts.push(`--check ${c.check}`);
  if (c.check === 'sample') parts.push(`--sample-rate ${c.sampleRate}`);
  if (c.keyspace !== 100_000) parts.push(`--keyspace ${c.keyspace}`);
  if (c.capacity !== 65_536) parts.push(`--capacity ${c.capacity}`);
  if (c.stallMs !== 10_000) parts.push(`--stall ${c.stallMs}ms`);
  if (c.keepGoing) parts.push('--keep-going');
  return parts.join(' ');
}
