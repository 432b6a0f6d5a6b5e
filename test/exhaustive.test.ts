/**
 * Bounded-exhaustive exploration on the simulator (src/harness/sim/exhaustive*.ts): held stores
 * keep the barriers' orders, drain choices are exact, the scenarios' unperturbed space is the free
 * order of whole operations, catalog bugs are found at the bound that exposes them and not below
 * it, the correct build is clean at that bound, and a failure replays from its token.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SimWorld } from '../src/shared-heap/simulated-memory.js';
import type { ChoicePurpose } from '../src/shared-heap/simulated-memory.js';
import { DEFAULT_EXPLORE, explore } from '../src/harness/sim/explore.js';
import type { ExploreConfig, ExploreResult } from '../src/harness/sim/explore.js';
import { runSchedule } from '../src/harness/sim/schedule.js';
import { decodeToken } from '../src/harness/sim/token.js';
import { DEFAULT_EXHAUSTIVE, parseExploreCli, exploreCommand } from '../src/harness/sim/explore-args.js';
import { UsageError } from '../src/harness/cli-args.js';
import type { ScenarioName } from '../src/harness/sim/scenarios.js';

/** A world whose choices are all 0 (each test sets holdStore itself), recording what was asked. */
function holding(): { world: SimWorld; asked: ChoicePurpose[] } {
  const asked: ChoicePurpose[] = [];
  const world = new SimWorld({ words: 16, choice: { int: (_n, p) => (asked.push(p as ChoicePurpose), 0) } });
  return { world, asked };
}

describe('held stores', () => {
  it('a held store is overtaken by the later stores of its epoch, and drains once a later epoch is due', () => {
    const { world } = holding();
    const t = world.createThread();
    const held = new Set([1]);
    world.holdStore = () => held.has(world.pushed);
    t.write(0, 10); // seq 0
    t.write(1, 11); // seq 1: held
    t.write(2, 12); // seq 2
    expect(world.flushUnheld()).toBe(2);
    expect(world.newest(0)).toBe(10);
    expect(world.newest(1)).toBe(0); // still buffered: later stores of its epoch went past it
    expect(world.newest(2)).toBe(12);
    expect(world.flushUnheld()).toBe(0); // nothing orders it yet: it stays
    t.wmb();
    t.write(3, 13);
    expect(world.flushUnheld()).toBe(2);
    // The barrier's order holds: the held store drained before the store after the wmb.
    expect(world.newestTimestamp(1)).toBeLessThan(world.newestTimestamp(3));
  });

  it('a release store cannot pass a held store before it; a plain store after a held release can pass it', () => {
    const first = holding().world;
    const t = first.createThread();
    first.holdStore = () => first.pushed === 0;
    t.write(0, 1); // held, epoch 0
    t.publish(1, 2); // epoch 1: waits for the held store
    t.write(2, 3); // epoch 1
    first.flushUnheld();
    expect(first.newestTimestamp(0)).toBeLessThan(first.newestTimestamp(1));
    expect(first.newestTimestamp(1)).toBeLessThan(first.newestTimestamp(2));
    const second = holding().world;
    const u = second.createThread();
    second.holdStore = () => second.pushed === 1;
    u.write(0, 1);
    u.publish(1, 2); // held
    u.write(2, 3); // same epoch as the release: goes past it
    second.flushUnheld();
    expect([second.newest(0), second.newest(1), second.newest(2)]).toEqual([1, 0, 3]);
  });

  it('a held store drains before a later store to its address (coherence), and an mb drains it', () => {
    const { world } = holding();
    const t = world.createThread();
    world.holdStore = () => world.pushed === 0;
    t.write(5, 1); // held
    t.write(5, 2);
    world.flushUnheld();
    expect(world.storesAt(5).map((s) => s.value)).toEqual([0, 1, 2]);
    world.holdStore = () => true;
    t.write(6, 7);
    world.flushUnheld();
    expect(world.newest(6)).toBe(0);
    t.mb();
    expect(world.newest(6)).toBe(7);
  });

  it('exact drain choices: one choice per store that may drain, drained slots not counted', () => {
    const arities: number[] = [];
    const world = new SimWorld({ words: 16, choice: { int: (n) => (arities.push(n), n - 1) } });
    world.exactChoices = true;
    const t = world.createThread();
    world.holdStore = () => world.pushed === 0;
    for (let a = 0; a < 4; a++) t.write(a, a + 1); // the first held, the others drained past it
    world.flushUnheld();
    t.write(4, 5);
    t.write(4, 6); // same address: only the older of the two may drain
    world.holdStore = null;
    expect(t.buffered).toBe(3);
    expect(t.drainOneStore()).toBe(true);
    // Live and drainable: the held store at 0 and the first store at 4 (three slots were drained).
    expect(arities).toEqual([2]);
    expect(world.newest(4)).toBe(5);
  });
});

function config(scenario: ScenarioName, over: Partial<ExploreConfig>): ExploreConfig {
  return { ...DEFAULT_EXPLORE, ...DEFAULT_EXHAUSTIVE, strategy: 'exhaustive', scenarios: [scenario], bugs: [], seed: 1, shrink: false, schedules: 200_000, ...over };
}

const run = (scenario: ScenarioName, bug: string | null, preemptions: number, reorderings: number) =>
  explore(config(scenario, { bugs: bug === null ? [] : [bug], bounds: { preemptions, reorderings } }));

describe('bounded-exhaustive exploration of the tiny scenarios', () => {
  it('at bound 0 the only executions are the orders of whole operations (writer first, reader first)', () => {
    for (const s of ['tiny-node-store', 'tiny-slot-store', 'tiny-reuse'] as const) {
      const r = run(s, null, 0, 0);
      expect(r.stoppedBy).toBe('exhausted');
      expect(r.schedulesRun).toBe(2);
      expect(r.exhaustive?.exhausted).toBe(true);
      expect(r.totals.switches).toBe(0);
    }
  });

  it('the correct build is clean and exhausted at bound 1 on tiny-slot-store, and the claim says what that proves', () => {
    const r = run('tiny-slot-store', null, 1, 1);
    expect(r.failure).toBeUndefined();
    expect(r.stoppedBy).toBe('exhausted');
    expect(r.schedulesRun).toBeGreaterThan(200);
    expect(r.totals.switches).toBeGreaterThan(0);
    expect(r.exhaustive?.claim).toMatch(/^every execution with at most 1 preemption and at most 1 reordering .* free of violations under the oracles, for tiny-slot-store \(1 reader x 1 op, 1 writer op, the correct build\)/);
  }, 30_000);

  it('the same enumeration twice gives the same count (deterministic)', () => {
    expect(run('tiny-slot-store', null, 1, 0).schedulesRun).toBe(run('tiny-slot-store', null, 1, 0).schedulesRun);
  });

  it('a space that ends exactly at the cap is exhausted', () => {
    const r = explore(config('tiny-slot-store', { bounds: { preemptions: 0, reorderings: 0 }, schedules: 2 }));
    expect(r.stoppedBy).toBe('exhausted');
    expect(r.schedulesRun).toBe(2);
  });

  it('a capped run is not exhausted and claims nothing beyond what ran', () => {
    const r = explore(config('tiny-slot-store', { bounds: { preemptions: 1, reorderings: 1 }, schedules: 10 }));
    expect(r.stoppedBy).toBe('schedules');
    expect(r.schedulesRun).toBe(10);
    expect(r.exhaustive?.exhausted).toBe(false);
    expect(r.exhaustive?.claim).toMatch(/^NOT exhausted: stopped by the --schedules cap \(10\) after 10 executions/);
  });

  // Measured (README): each needs one preemption and one reordering.
  for (const [bug, scenario, kind] of [
    ['slot-store-no-wmb', 'tiny-slot-store', 'result'],
    ['plain-publish', 'tiny-node-store', 'stale-read'],
  ] as const) {
    it(`${bug} is found at bound (1, 1) on ${scenario} and not with either bound at 0`, () => {
      for (const [p, q] of [
        [0, 0],
        [1, 0],
        [0, 1],
      ]) {
        const clean = run(scenario, bug, p, q);
        expect(clean.failure, `bound (${p}, ${q})`).toBeUndefined();
        expect(clean.stoppedBy).toBe('exhausted');
      }
      const found = run(scenario, bug, 1, 1);
      expect(found.stoppedBy).toBe('violation');
      expect(found.failure?.violation.kind).toBe(kind);
      expect(found.exhaustive?.claim).toMatch(/^a violation within at most 1 preemption and at most 1 reordering/);
      // The token replays the failing execution.
      const replayed = runSchedule(decodeToken(found.failure!.token));
      expect(replayed.violations[0]).toEqual(found.failure!.violation);
    }, 30_000);
  }
});

describe('explore --strategy exhaustive on the command line', () => {
  it('--bound sets both bounds, --preemptions and --reorderings each one; the tiny scenarios and sizes are the defaults', () => {
    const a = parseExploreCli(['--strategy', 'exhaustive', '--bound', '2', '--seed', '1']).config;
    expect(a.bounds).toEqual({ preemptions: 2, reorderings: 2 });
    expect(a.scenarios).toEqual(['tiny-node-store', 'tiny-slot-store', 'tiny-reuse']);
    expect([a.readers, a.writerOps, a.readerOps]).toEqual([1, 1, 1]);
    const b = parseExploreCli(['--strategy', 'exhaustive', '--preemptions', '1', '--reorderings', '2', '--scenario', 'tiny-node-store', '--no-write-policy', '--seed', '1']).config;
    expect(b.bounds).toEqual({ preemptions: 1, reorderings: 2 });
    expect(b.writePolicy).toBe(false);
    // The rerun command spells out everything the claim depends on, and parses back to the same.
    const again = parseExploreCli(exploreCommand(b).split(' ').slice(4)).config;
    expect(again).toEqual(b);
  });

  it('bounds without the exhaustive strategy, and tiny scenarios with a seeded one, are usage errors', () => {
    expect(() => parseExploreCli(['--bound', '1'])).toThrow(UsageError);
    expect(() => parseExploreCli(['--strategy', 'random', '--reorderings', '1'])).toThrow(UsageError);
    expect(() => parseExploreCli(['--scenario', 'tiny-reuse'])).toThrow(UsageError);
    expect(() => parseExploreCli(['--strategy', 'exhaustive', '--bound', '-1'])).toThrow(UsageError);
  });

  it('the seeded explorer keeps its defaults', () => {
    const c = parseExploreCli(['--seed', '1']).config;
    expect(c.bounds).toBeUndefined();
    expect(c.scenarios).toHaveLength(6);
    expect(c.readers).toBe(DEFAULT_EXPLORE.readers);
  });
});

describe('the exhaustive explorer as a child process', () => {
  const ROOT = fileURLToPath(new URL('..', import.meta.url));
  const cli = (args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', 'src/harness/sim/explore-cli.ts', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'explore-exhaustive-'));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('a clean run says it exhausted the space, how many executions, and what that proves; exit 0', () => {
    const out = join(dir, 'clean.json');
    const r = cli(['--strategy', 'exhaustive', '--bound', '0', '--seed', '1', '--out', out]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/exhausted: 6 distinct executions/);
    expect(r.stderr).toMatch(/tiny-node-store: 2 executions, exhausted/);
    expect(r.stderr).toMatch(/proved: every execution with at most 0 preemptions and at most 0 reorderings/);
    const json = JSON.parse(readFileSync(out, 'utf8')) as ExploreResult;
    expect(json.stoppedBy).toBe('exhausted');
    expect(json.schedulesRun).toBe(6);
    expect(json.exhaustive?.exhausted).toBe(true);
    expect(json.config.bounds).toEqual({ preemptions: 0, reorderings: 0 });
  }, 70_000);

  it('a capped run says so and proves nothing; a violation exits 1 with a replay token that reproduces it', () => {
    const capped = cli(['--strategy', 'exhaustive', '--bound', '1', '--scenario', 'tiny-slot-store', '--schedules', '5', '--seed', '1', '--out', join(dir, 'capped.json')]);
    expect(capped.status, capped.stderr).toBe(0);
    expect(capped.stderr).toMatch(/stopped by the --schedules cap: 5 distinct executions/);
    expect(capped.stderr).toMatch(/claim: NOT exhausted/);
    expect(capped.stderr).not.toMatch(/proved:/);
    const found = cli(['--strategy', 'exhaustive', '--bound', '1', '--scenario', 'tiny-slot-store', '--bug', 'slot-store-no-wmb', '--seed', '1', '--out', join(dir, 'found.json')]);
    expect(found.status, found.stderr).toBe(1);
    expect(found.stderr).toMatch(/VIOLATION \(result\)/);
    const token = /replay: npm run explore -- --replay (mt1\.\S+)/.exec(found.stderr)?.[1];
    expect(token).toBeDefined();
    const replayed = cli(['--replay', token as string]);
    expect(replayed.status).toBe(1);
    expect(replayed.stderr).toMatch(/VIOLATION \(result\)/);
  }, 120_000);
});
