/**
 * The stress CLI: argument parsing, usage errors and the rerun command, called directly; plus two
 * child-process runs of the real entry point (bug list as JSON, and a usage error's exit code).
 */
import { describe, it, expect } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { HELP, UsageError, parseCli, parseDuration, rerunCommand } from '../src/harness/cli-args.js';
import { CATALOG, findBug } from '../src/harness/catalog.js';
import { WORKLOADS } from '../src/harness/types.js';
import type { RunConfig } from '../src/harness/types.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function usageError(argv: string[]): UsageError {
  let caught: unknown = null;
  try {
    parseCli(argv);
  } catch (error) {
    caught = error;
  }
  expect(caught, `parseCli(${JSON.stringify(argv)}) should throw`).toBeInstanceOf(UsageError);
  const e = caught as UsageError;
  expect(e.name).toBe('UsageError');
  return e;
}

/** Parse the flags of a rerun command (everything after `npm run stress --`). */
function reparse(command: string): RunConfig {
  const prefix = 'npm run stress -- ';
  expect(command.startsWith(prefix)).toBe(true);
  return parseCli(command.slice(prefix.length).split(' ')).config;
}

describe('parseCli: defaults', () => {
  it('no flags: 10 s, 2 readers, full checking, the random workload, no bug', () => {
    const o = parseCli([]);
    expect(o.help).toBe(false);
    expect(o.listBugs).toBe(false);
    expect(o.json).toBe(false);
    expect(o.report).toBe(false);
    expect(o.out).toBeUndefined();
    const { seed, ...rest } = o.config;
    expect(rest).toEqual({
      durationMs: 10_000,
      readers: 2,
      workload: 'random',
      bugs: [],
      check: 'full',
      sampleRate: 0.1,
      keyspace: 100_000,
      capacity: 65_536,
      keepGoing: false,
      stallMs: 10_000,
    });
    expect(Number.isInteger(seed) && seed >= 0 && seed <= 0xffffffff).toBe(true);
  });

  it('--bug without --workload takes the bug\'s own workload', () => {
    expect(parseCli(['--bug', 'stale-pivots']).config.workload).toBe('churn');
    expect(parseCli(['--bug', 'overlay-before-death']).config.workload).toBe('random');
    for (const bug of CATALOG) {
      const c = parseCli(['--bug', bug.name]).config;
      expect(c.workload).toBe(bug.workload);
      expect(c.bugs).toEqual([bug.name]);
    }
    // The first bug decides; an explicit --workload wins.
    expect(parseCli(['--bug', 'stale-pivots', '--bug', 'rcu-off']).config.workload).toBe('churn');
    expect(parseCli(['--bug', 'rcu-off', '--bug', 'stale-pivots']).config.workload).toBe('random');
    expect(parseCli(['--bug', 'stale-pivots', '--workload', 'vma']).config.workload).toBe('vma');
  });
});

describe('parseCli: every flag', () => {
  it('parses each option into the config', () => {
    const o = parseCli([
      '--duration', '2m',
      '--readers', '7',
      '--seed', '4294967295',
      '--workload', 'slot-store',
      '--bug', 'dead-root',
      '--bug', 'missing-rmb',
      '--check', 'sample',
      '--sample-rate', '0.25',
      '--keyspace', '5000',
      '--capacity', '1024',
      '--stall', '1500ms',
      '--out', 'results/x.json',
      '--json',
      '--report',
      '--keep-going',
      '--list-bugs',
      '--help',
    ]);
    expect(o).toEqual({
      help: true,
      listBugs: true,
      json: true,
      report: true,
      out: 'results/x.json',
      config: {
        durationMs: 120_000,
        readers: 7,
        seed: 0xffffffff,
        workload: 'slot-store',
        bugs: ['dead-root', 'missing-rmb'],
        check: 'sample',
        sampleRate: 0.25,
        keyspace: 5000,
        capacity: 1024,
        keepGoing: true,
        stallMs: 1500,
      },
    });
  });

  it('-h is --help; --flag=value works too', () => {
    expect(parseCli(['-h']).help).toBe(true);
    expect(parseCli(['--readers=3', '--check=off']).config).toMatchObject({ readers: 3, check: 'off' });
  });

  it('every workload name is accepted', () => {
    for (const w of WORKLOADS) expect(parseCli(['--workload', w]).config.workload).toBe(w);
  });

  it('durations: bare numbers are seconds; ms, s, m and h units; fractions', () => {
    expect(parseDuration('--duration', '10')).toBe(10_000);
    expect(parseDuration('--duration', '500ms')).toBe(500);
    expect(parseDuration('--duration', '1.5s')).toBe(1500);
    expect(parseDuration('--duration', '2m')).toBe(120_000);
    expect(parseDuration('--duration', '1h')).toBe(3_600_000);
    expect(parseCli(['--stall', '3s']).config.stallMs).toBe(3000);
  });

  it('integer bounds: readers 1..64, keyspace >= 64, capacity >= 64, seed up to 2^32 - 1', () => {
    expect(parseCli(['--readers', '1']).config.readers).toBe(1);
    expect(parseCli(['--readers', '64']).config.readers).toBe(64);
    expect(parseCli(['--keyspace', '64']).config.keyspace).toBe(64);
    expect(parseCli(['--capacity', '64']).config.capacity).toBe(64);
    expect(parseCli(['--seed', '0']).config.seed).toBe(0);
  });

  it('the help text lists every flag the parser knows', () => {
    for (const flag of ['--duration', '--readers', '--seed', '--workload', '--bug', '--check', '--sample-rate', '--keyspace',
      '--capacity', '--stall', '--out', '--json', '--keep-going', '--list-bugs', '--help']) {
      expect(HELP).toContain(flag);
    }
    for (const w of WORKLOADS) expect(HELP).toContain(w);
    expect(HELP).toMatch(/Exit status: 0 clean, 1 violation, 2 usage error, 3 internal failure/);
  });
});

describe('parseCli: bad values throw a UsageError naming the flag', () => {
  it('an unknown flag', () => {
    expect(usageError(['--frobnicate']).message).toContain('--frobnicate');
    expect(usageError(['positional']).message).toContain('positional');
  });

  it('--duration abc, 0 and a negative or unit-less garbage value', () => {
    expect(usageError(['--duration', 'abc']).message).toMatch(/--duration.*'abc'/);
    expect(usageError(['--duration', '0']).message).toMatch(/--duration must be positive/);
    expect(usageError(['--duration', '5x']).message).toContain('--duration');
    expect(usageError(['--stall', 'soon']).message).toContain('--stall');
  });

  it('--readers 0, 65 and non-integers', () => {
    expect(usageError(['--readers', '0']).message).toMatch(/--readers must be in \[1, 64\], got 0/);
    expect(usageError(['--readers', '65']).message).toContain('--readers');
    expect(usageError(['--readers', '2.5']).message).toMatch(/--readers must be an integer/);
    expect(usageError(['--seed', '4294967296']).message).toContain('--seed');
    expect(usageError(['--keyspace', '63']).message).toContain('--keyspace');
    expect(usageError(['--capacity', '16777216']).message).toContain('--capacity');
  });

  it('--check maybe', () => {
    expect(usageError(['--check', 'maybe']).message).toMatch(/--check must be full, sample or off, got 'maybe'/);
  });

  it('--bug nope names the bug and lists the catalog', () => {
    const m = usageError(['--bug', 'nope']).message;
    expect(m).toMatch(/unknown bug 'nope'/);
    expect(m).toContain('stale-pivots');
  });

  it('--workload nope names the workload and lists the choices', () => {
    const m = usageError(['--workload', 'nope']).message;
    expect(m).toMatch(/unknown workload 'nope'/);
    for (const w of WORKLOADS) expect(m).toContain(w);
  });

  it('--sample-rate 2, 0 and abc', () => {
    expect(usageError(['--sample-rate', '2']).message).toMatch(/--sample-rate must be in \(0, 1\], got '2'/);
    expect(usageError(['--sample-rate', '0']).message).toContain('--sample-rate');
    expect(usageError(['--sample-rate', 'abc']).message).toContain('--sample-rate');
  });

  it('a string flag with no value, and a value for a boolean flag', () => {
    expect(usageError(['--readers']).message).toContain('--readers');
    expect(usageError(['--json=yes']).message).toContain('--json');
  });

  it('a duration that rounds to 0 ms is rejected', () => {
    expect(usageError(['--duration', '0.4ms']).message).toContain('--duration');
  });
});

describe('rerunCommand', () => {
  const cases: string[][] = [
    [],
    ['--seed', '1'],
    ['--seed', '99', '--bug', 'stale-pivots'],
    ['--seed', '4294967295', '--workload', 'spanning', '--readers', '64', '--duration', '1.5s'],
    ['--seed', '7', '--bug', 'dead-root', '--bug', 'missing-rmb', '--workload', 'vma', '--keep-going'],
    ['--seed', '8', '--check', 'sample', '--sample-rate', '0.3', '--keyspace', '64', '--capacity', '100'],
    ['--seed', '9', '--check', 'off'],
    ['--seed', '10', '--duration', '250ms', '--keyspace', '100000', '--capacity', '65536'],
  ];

  it.each(cases.map((argv) => [argv.join(' ') || '(defaults)', argv]))('round-trips %s through parseCli', (_name, argv) => {
    const config = parseCli(argv as string[]).config;
    const command = rerunCommand(config);
    expect(command).toContain(`--seed ${config.seed}`);
    expect(reparse(command)).toEqual(config);
  });

  it('omits flags at their defaults and keeps every switch', () => {
    const c = parseCli(['--seed', '5', '--bug', 'stale-pivots', '--bug', 'rcu-off']).config;
    expect(rerunCommand(c)).toBe('npm run stress -- --seed 5 --workload churn --readers 2 --duration 10000ms --bug stale-pivots --bug rcu-off');
  });

  it('round-trips a non-default --stall', () => {
    const config = parseCli(['--seed', '3', '--stall', '2s']).config;
    expect(reparse(rerunCommand(config))).toEqual(config);
  });
});

describe('the CLI entry point as a child process', () => {
  const run = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/harness/cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

  it('--list-bugs --json prints the catalog as JSON and exits 0', () => {
    const r = run(['--list-bugs', '--json']);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    const list = JSON.parse(r.stdout) as Array<Record<string, unknown>>;
    expect(Array.isArray(list)).toBe(true);
    expect(list.length).toBe(CATALOG.length);
    for (const b of list) {
      expect(Object.keys(b).sort()).toEqual(['commit', 'description', 'mode', 'name']);
      expect(typeof b.name).toBe('string');
      // An abbreviated kernel commit, '(protocol)' for a rule of the RCU protocol itself, or the
      // shipped kernel's own code where it is weaker than this tree (slot-store-no-wmb).
      expect(b.commit).toMatch(/^([0-9a-f]{12}|\(protocol\)|\(6\.12 as shipped\))$/);
      expect(['threads', 'simulator']).toContain(b.mode);
      expect(typeof b.description === 'string' && b.description.length > 0).toBe(true);
    }
    expect(list).toEqual(CATALOG.map(({ name, commit, mode, description }) => ({ name, commit, mode, description })));
    expect(list.map((b) => b.name)).toContain('stale-pivots');
    expect(list.find((b) => b.name === 'stale-pivots')).toMatchObject({ mode: 'threads', commit: '39d0bd86c499' });
  }, 70_000);

  it('--bug append-in-rcu exits 1 with the write policy\'s report of the writer\'s store', () => {
    const r = run(['--bug', 'append-in-rcu', '--duration', '20s', '--seed', '3']);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(1);
    const kind = findBug('append-in-rcu')!.kind;
    expect(r.stderr).toMatch(new RegExp(`VIOLATION 1 \\(${kind}\\) in writer: v\\d+: store \\[\\d+, \\d+\\] = \\d+`));
    expect(r.stderr).toMatch(/seen: {6}plain store of \d+ to the metadata of node \d+: a leaf's data end changes in place/);
    expect(r.stderr).toMatch(/expected: {2}exact fit: one slot, its range unchanged/);
    expect(r.stderr).toMatch(/nodes: {5}node \d+: leaf_64, generation \d+ \(reachable\)/);
  }, 70_000);

  it('an unknown flag exits 2 with a message naming it on stderr', () => {
    const r = run(['--frobnicate']);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('--frobnicate');
    expect(r.stderr).toMatch(/^stress: /);
    expect(r.stdout).toBe('');
  }, 70_000);
});
