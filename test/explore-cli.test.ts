/**
 * The explore CLI (src/harness/sim/explore-cli.ts) as a child process: help, usage errors, replay
 * of a shrunk token with its trace table, a refused token, a clean run and a failing run with
 * their results JSON, each checked against the library run in this process.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_EXPLORE, explore } from '../src/harness/sim/explore.js';
import type { ExploreConfig, ExploreResult } from '../src/harness/sim/explore.js';
import { runSchedule } from '../src/harness/sim/schedule.js';
import { decodeToken, encodeToken } from '../src/harness/sim/token.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { CATALOG, findBug } from '../src/harness/catalog.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

const run = (args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'src/harness/sim/explore-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });

function config(over: Partial<ExploreConfig>): ExploreConfig {
  return { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: 3, ...over };
}

/** The header row of formatTraceTable. */
const TRACE_HEADER = /^step\s+thread\s+operation\s+access\s+node\.word\s+value\s+read from \/ barrier$/m;

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'explore-cli-'));
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

describe('the explore CLI as a child process', () => {
  it('--help prints the usage and exits 0', () => {
    const r = run(['--help']);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Usage: npm run explore -- \[options\]/);
    for (const flag of ['--bug', '--schedules', '--seed', '--strategy', '--scenario', '--replay', '--no-shrink', '--out', '--json']) {
      expect(r.stdout).toContain(flag);
    }
    expect(r.stdout).toMatch(/Exit status: 0 clean, 1 violation, 2 usage error, 3 internal failure/);
    expect(r.stderr).toBe('');
  }, 70_000);

  it('an unknown flag exits 2 with a message naming it', () => {
    const r = run(['--frobnicate']);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^explore: /);
    expect(r.stderr).toContain('--frobnicate');
    expect(r.stdout).toBe('');
  }, 70_000);

  it('--bug nope exits 2 naming the bug and listing the catalog', () => {
    const r = run(['--bug', 'nope', '--schedules', '1']);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^explore: --bug: unknown bug 'nope'/);
    for (const b of CATALOG) expect(r.stderr).toContain(b.name);
    expect(r.stdout).toBe('');
  }, 70_000);

  it('--replay of a shrunk failing token exits 1 with the violation and the trace table', () => {
    // The shrunk failure the library finds, replayed by the CLI.
    const found = explore(config({ bugs: ['missing-rmb'], seed: 3, schedules: 200 }));
    expect(found.failure).toBeDefined();
    const token = found.failure!.shrunk.token;
    expect(decodeToken(token).script).toBeDefined();
    const kind = found.failure!.violation.kind;
    expect(kind).toBe(findBug('missing-rmb')!.kind);

    const r = run(['--replay', token]);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain(`VIOLATION (${kind})`);
    expect(r.stderr).toMatch(TRACE_HEADER);
    expect(r.stderr).toContain('>>> VIOLATION');
    expect(r.stderr).toContain(`replay: npm run explore -- --replay ${token}`);
    expect(r.stdout).toBe('');
  }, 70_000);

  it('--replay of a passing token exits 0; --json prints the outcome', () => {
    const spec = decodeToken(encodeToken({ scenario: 'vma', bugs: [], seed: 9, strategy: 'random', depth: 3, readers: 2, writerOps: 12, readerOps: 8, stepBound: 200_000, pctSteps: 4000 }));
    const expected = runSchedule(spec);
    expect(expected.violations).toEqual([]);
    const r = run(['--replay', encodeToken(spec), '--json']);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('no violation');
    expect(JSON.parse(r.stdout)).toEqual({ token: encodeToken(spec), violations: [], steps: expected.steps });
  }, 70_000);

  it('--replay mt1.xyz exits 2 with a message', () => {
    const r = run(['--replay', 'mt1.xyz']);
    expect(r.error).toBeUndefined();
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^explore: --replay: /);
    expect(r.stderr).toMatch(/damaged/);
    expect(r.stdout).toBe('');
  }, 70_000);

  it('a clean run of 50 schedules exits 0 and writes its results JSON, the same as the library run', () => {
    const out = join(dir, 'x.json');
    const r = run(['--schedules', '50', '--seed', '3', '--out', out]);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('no violations');
    expect(r.stderr).toContain(`results: ${out}`);
    const result = JSON.parse(readFileSync(out, 'utf8')) as ExploreResult;
    expect(result.kind).toBe('explore');
    expect(result.schema).toBe(1);
    expect(result.schedulesRun).toBe(50);
    expect(result.stoppedBy).toBe('schedules');
    expect(result.failure).toBeUndefined();
    expect(result.config).toEqual(config({ seed: 3, schedules: 50 }));
    // Deterministic across processes: the same totals as the same exploration here.
    expect(result.totals).toEqual(explore(config({ seed: 3, schedules: 50 })).totals);
  }, 70_000);

  it('--bug missing-rmb exits 1 and writes a failure whose shrunk token replays to the same kind', () => {
    const out = join(dir, 'rmb.json');
    const r = run(['--bug', 'missing-rmb', '--seed', '3', '--out', out]);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(1);
    expect(r.stderr).toContain('VIOLATION');
    expect(r.stderr).toMatch(TRACE_HEADER);
    const result = JSON.parse(readFileSync(out, 'utf8')) as ExploreResult;
    expect(result.kind).toBe('explore');
    expect(result.stoppedBy).toBe('violation');
    expect(result.config.bugs).toEqual(['missing-rmb']);
    const f = result.failure!;
    expect(f).toBeDefined();
    expect(f.violation.kind).toBe(findBug('missing-rmb')!.kind);
    expect(result.schedulesRun).toBe(f.schedule + 1);
    expect(result.replay).toBe(`npm run explore -- --replay ${f.shrunk.token}`);
    expect(f.trace.length).toBeGreaterThan(0);
    expect(f.trace[f.trace.length - 1].access).toBe('>>> VIOLATION');

    const shrunk = decodeToken(f.shrunk.token);
    expect(shrunk).toEqual(f.spec);
    expect(shrunk.bugs).toEqual(['missing-rmb']);
    const replayed = runSchedule(shrunk);
    expect(replayed.violations.length).toBeGreaterThan(0);
    expect(replayed.violations[0].kind).toBe(f.violation.kind);
    expect(replayed.violations[0]).toEqual(f.shrunk.violation);
    // The original token fails the same way too, and the shrunk case is no larger.
    expect(runSchedule(decodeToken(f.token)).violations[0]).toEqual(f.violation);
    expect(f.shrunk.readers).toBeLessThanOrEqual(f.original.readers);
    expect(f.shrunk.writerOps).toBeLessThanOrEqual(f.original.writerOps);
    expect(f.shrunk.readerOps).toBeLessThanOrEqual(f.original.readerOps);
  }, 70_000);

  it('SIGINT stops a long exploration: exit 0, results written with stoppedBy signal', async () => {
    const out = join(dir, 'interrupted.json');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/harness/sim/explore-cli.ts', '--seed', '5', '--schedules', '100000000', '--out', out], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // Wait until the exploration is under way (its rerun line is printed before the first schedule).
    for (let waited = 0; !stderr.includes('rerun:') && waited < 40_000; waited += 50) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 1500));
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    expect(code, stderr).toBe(0);
    expect(stderr).toContain('stopping (SIGINT)');
    const result = JSON.parse(readFileSync(out, 'utf8')) as ExploreResult;
    expect(result.stoppedBy).toBe('signal');
    expect(result.schedulesRun).toBeGreaterThan(0);
    expect(result.schedulesRun).toBeLessThan(100000000);
  }, 70_000);
});
