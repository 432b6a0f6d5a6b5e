/**
 * The simulator explorer (src/harness/sim): a schedule is a pure function of its spec (the same
 * trace byte for byte, through a replay token too, and from its recorded decision script);
 * shrinking keeps the failure and never grows the case; every catalog bug is found from a fixed
 * seed, the same way twice; the correct build survives all scenarios while races do happen; bad
 * tokens are refused with a TokenError.
 */
import { describe, expect, it } from 'vitest';
import { deflateRawSync } from 'node:zlib';
import { DEFAULT_EXPLORE, explore, scheduleSpec } from '../src/harness/sim/explore.js';
import type { ExploreConfig } from '../src/harness/sim/explore.js';
import { DEFAULT_SHAPE, runSchedule } from '../src/harness/sim/schedule.js';
import type { ScheduleOutcome, ScheduleSpec } from '../src/harness/sim/schedule.js';
import { caseSize, shrink } from '../src/harness/sim/shrink.js';
import { TokenError, decodeToken, encodeToken } from '../src/harness/sim/token.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { CATALOG, findBug } from '../src/harness/catalog.js';
import type { ViolationKind } from '../src/harness/types.js';

function config(over: Partial<ExploreConfig>): ExploreConfig {
  return { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: 7, ...over };
}

/** The observable result of a traced run, as one string: equal strings are equal runs. */
function fingerprint(o: ScheduleOutcome): string {
  return JSON.stringify({ trace: o.trace, violations: o.violations, violationAt: o.violationAt, steps: o.steps, decisions: o.decisions });
}

const nonZero = (script: readonly number[]): number => script.reduce((n, d) => n + (d !== 0 ? 1 : 0), 0);

/** The first failing schedule of an exploration, found the way the brief's loop does (pctSteps 4000). */
function firstFailing(c: ExploreConfig, limit: number): { index: number; spec: ScheduleSpec; outcome: ScheduleOutcome } {
  for (let i = 0; i < limit; i++) {
    const spec = scheduleSpec(c, i, DEFAULT_SHAPE.pctSteps);
    const outcome = runSchedule(spec);
    if (outcome.violations.length > 0) return { index: i, spec, outcome };
  }
  throw new Error(`no failing schedule among the first ${limit} (bugs ${c.bugs.join(',')}, seed ${c.seed})`);
}

describe('a schedule is a pure function of its spec', () => {
  // Both strategies, a clean spec and failing ones.
  const specs: Array<[string, ScheduleSpec]> = [
    ['clean, random, rcu-simulated', scheduleSpec(config({ seed: 11 }), 0, DEFAULT_SHAPE.pctSteps)],
    ['clean, pct, random', scheduleSpec(config({ seed: 11 }), 1, DEFAULT_SHAPE.pctSteps)],
    ['clean, pct, churn', scheduleSpec(config({ seed: 11 }), 5, DEFAULT_SHAPE.pctSteps)],
  ];

  it.each(specs)('%s: two traced runs are identical byte for byte', (_name, spec) => {
    const a = runSchedule(spec, { trace: true });
    const b = runSchedule(spec, { trace: true });
    expect(a.trace!.length).toBeGreaterThan(100);
    expect(a.steps).toBeGreaterThan(0);
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(JSON.stringify(b.violations)).toBe(JSON.stringify(a.violations));
    expect(b).toEqual(a);
  });

  it('a failing schedule fails the same way twice, with the violation marker at the same place', () => {
    const { spec, outcome } = firstFailing(config({ bugs: ['missing-rmb'], seed: 1 }), 200);
    const a = runSchedule(spec, { trace: true });
    const b = runSchedule(spec, { trace: true });
    expect(a.violations.length).toBeGreaterThan(0);
    expect(a.violations[0]).toEqual(outcome.violations[0]);
    expect(a.violationAt).toBeDefined();
    expect(a.trace![a.violationAt!].kind).toBe('violation');
    expect(JSON.stringify(b.trace)).toBe(JSON.stringify(a.trace));
    expect(JSON.stringify(b.violations)).toBe(JSON.stringify(a.violations));
    // Tracing does not change the run.
    expect(a.steps).toBe(outcome.steps);
    expect(a.decisions).toBe(outcome.decisions);
  }, 30_000);

  it.each(specs)('%s: encode, decode: the same spec and the same trace', (_name, spec) => {
    const token = encodeToken(spec);
    expect(token.startsWith('mt1.')).toBe(true);
    const decoded = decodeToken(token);
    expect(decoded).toEqual(spec);
    expect(encodeToken(decoded)).toBe(token);
    expect(fingerprint(runSchedule(decoded, { trace: true }))).toBe(fingerprint(runSchedule(spec, { trace: true })));
  });

  it('the recorded decision script replays the seeded run step for step, and survives the token', () => {
    const spec = specs[1][1];
    const seeded = runSchedule(spec, { trace: true, record: true });
    const script = seeded.script!;
    expect(script.length).toBe(seeded.decisions);
    expect(nonZero(script)).toBeGreaterThan(0);
    // With the script, every decision comes from it instead of the seed's stream: the same run.
    const scripted: ScheduleSpec = { ...spec, script };
    const replayed = runSchedule(scripted, { trace: true });
    expect(fingerprint(replayed)).toBe(fingerprint(seeded));
    const decoded = decodeToken(encodeToken(scripted));
    expect(decoded).toEqual(scripted);
    expect(decoded.script).toEqual(script);
    expect(fingerprint(runSchedule(decoded, { trace: true }))).toBe(fingerprint(seeded));
  });

  it('two different seeds give different traces', () => {
    for (const [, spec] of specs) {
      const a = runSchedule(spec, { trace: true });
      const b = runSchedule({ ...spec, seed: spec.seed + 1 }, { trace: true });
      expect(JSON.stringify(b.trace)).not.toBe(JSON.stringify(a.trace));
    }
  });
});

describe('shrinking', () => {
  // missing-rmb: a reader-side reordering, so the failure needs non-default decisions to shrink
  // (missing-wmb is now reported at the writer's store, with none).
  it('missing-rmb: the shrunk case still fails the same way and is no larger', () => {
    const { spec, outcome } = firstFailing(config({ bugs: ['missing-rmb'], seed: 1 }), 4000);
    const kind = outcome.violations[0].kind;
    const recorded = runSchedule(spec, { record: true });
    expect(recorded.violations[0]).toEqual(outcome.violations[0]);
    const original = { ...caseSize(spec), decisions: nonZero(recorded.script!) };

    // A budget of runs only (no wall-clock cut-off): the same shrink on every machine.
    const shrunk = shrink(spec, kind, { runs: 400, ms: Infinity });
    expect(shrunk.runs).toBeGreaterThan(1);
    expect(shrunk.runs).toBeLessThanOrEqual(400);
    expect(shrunk.spec.script).toBeDefined();

    // It still fails, with the same kind, when run again (and through its token).
    const again = runSchedule(shrunk.spec);
    expect(again.violations.length).toBeGreaterThan(0);
    expect(again.violations[0].kind).toBe(kind);
    expect(again.violations[0]).toEqual(shrunk.outcome.violations[0]);
    const replayed = runSchedule(decodeToken(encodeToken(shrunk.spec)));
    expect(replayed.violations[0]).toEqual(again.violations[0]);

    // No larger in threads, operations or non-default decisions; smaller in at least one.
    const size = caseSize(shrunk.spec);
    expect(size.readers).toBeLessThanOrEqual(original.readers);
    expect(size.ops).toBeLessThanOrEqual(original.ops);
    expect(size.decisions).toBeLessThanOrEqual(original.decisions);
    expect(size.readers < original.readers || size.ops < original.ops || size.decisions < original.decisions).toBe(true);

  }, 60_000);

  it('is deterministic: the same failing spec shrinks to the same case', () => {
    // A budget of runs only (no wall-clock cut-off), so that load cannot change the result.
    const { spec, outcome } = firstFailing(config({ bugs: ['missing-rmb'], seed: 1 }), 4000);
    const kind = outcome.violations[0].kind;
    const a = shrink(spec, kind, { runs: 60, ms: Infinity });
    const b = shrink(spec, kind, { runs: 60, ms: Infinity });
    expect(a.runs).toBe(60); // the budget, not convergence, ended it
    expect(b.spec).toEqual(a.spec);
    expect(b.runs).toBe(a.runs);
    expect(b.outcome.violations).toEqual(a.outcome.violations);
  }, 60_000);

  it('stays within its budget on a stall, whose decision script is long', () => {
    // Far more operations than the step bound lets finish: the run stalls at four times the bound,
    // with tens of thousands of non-default decisions recorded.
    const spec: ScheduleSpec = { ...scheduleSpec(config({ seed: 5 }), 1, DEFAULT_SHAPE.pctSteps), strategy: 'random', writerOps: 100_000, readerOps: 100_000, stepBound: 20_000 };
    const r0 = performance.now();
    const recorded = runSchedule(spec, { record: true });
    const runMs = performance.now() - r0;
    expect(recorded.violations[0].kind).toBe('stall');
    expect(nonZero(recorded.script!)).toBeGreaterThan(20_000);
    // Two runs: the first and one candidate. Once they are spent, nothing else may take time (it
    // used to copy the whole script once per chunk of decisions: tens of seconds here, hours for a
    // stall at the default step bound). Measured against one run of the same schedule on the same
    // machine, so a slow or loaded machine slows both sides: two runs and a little slack.
    const t0 = performance.now();
    const shrunk = shrink(spec, 'stall', { runs: 2, ms: Infinity });
    const ms = performance.now() - t0;
    expect(shrunk.runs).toBe(2);
    expect(shrunk.outcome.violations[0].kind).toBe('stall');
    expect(ms, `shrink took ${ms.toFixed(0)} ms, one run ${runMs.toFixed(0)} ms`).toBeLessThan(6 * runMs + 2_000);
  }, 60_000);

  it('tries zeroing a lone non-default decision', () => {
    // A shrunk case that fails with no non-default decision at all, given one harmless one back.
    const { spec, outcome } = firstFailing(config({ bugs: ['untyped-free-walk'], seed: 11 }), 500);
    const kind = outcome.violations[0].kind;
    const base = shrink(spec, kind, { runs: 3000, ms: Infinity }).spec;
    expect(nonZero(base.script!)).toBe(0);
    expect(base.script!.length).toBeGreaterThan(0);
    let one: ScheduleSpec | null = null;
    for (let p = 0; p < base.script!.length && one === null; p++) {
      const script = base.script!.slice();
      script[p] = 1;
      const candidate = { ...base, script };
      if (runSchedule(candidate).violations[0]?.kind === kind) one = candidate;
    }
    expect(one).not.toBeNull();
    const shrunk = shrink(one!, kind, { runs: 3000, ms: Infinity });
    expect(caseSize(shrunk.spec).decisions).toBe(0);
  }, 60_000);

  it('refuses a case that does not fail', () => {
    const spec = scheduleSpec(config({ seed: 11 }), 0, DEFAULT_SHAPE.pctSteps);
    expect(runSchedule(spec).violations).toEqual([]);
    expect(() => shrink(spec, 'stale-read', { runs: 10, ms: Infinity })).toThrow(/does not fail/);
  });
});

describe('detection from a fixed seed', () => {
  for (const name of ['missing-wmb', 'missing-rmb', 'plain-publish']) {
    it(`${name}: found within 2000 schedules, the same schedule and violation twice`, () => {
      const c = config({ bugs: [name], seed: 7, schedules: 2000, shrink: false });
      const a = explore(c);
      expect(a.failure, `${name}: no failure in ${a.schedulesRun} schedules`).toBeDefined();
      expect(a.failure!.violation.kind).toBe(findBug(name)!.kind);
      expect(a.stoppedBy).toBe('violation');
      expect(a.schedulesRun).toBe(a.failure!.schedule + 1);
      const b = explore(c);
      expect(b.failure!.schedule).toBe(a.failure!.schedule);
      expect(b.failure!.violation).toEqual(a.failure!.violation);
      expect(b.failure!.token).toBe(a.failure!.token);
      expect(b.totals).toEqual(a.totals);
      // The token reproduces the failure; the correct build passes the same schedule.
      const spec = decodeToken(a.failure!.token);
      expect(spec.bugs).toEqual([name]);
      expect(runSchedule(spec).violations[0]).toEqual(a.failure!.violation);
      expect(runSchedule({ ...spec, bugs: [] }).violations).toEqual([]);
    }, 30_000);
  }

  // Every catalog bug, with the explorer's defaults (12 writer ops per schedule), caught as its
  // catalog kind. One threads-mode bug shows differently here: the destroy walk's garbage child
  // reference falls outside the simulated address space before the slab can count a bad free.
  // (stale-pivots was listed here as 'poison' while the cursor's find took a different path; since
  // the cursor follows the kernel's find setup, seed 7's first failing schedule is a stale read,
  // the catalog kind.)
  const simulatorKind: Record<string, ViolationKind> = { 'untyped-free-walk': 'crash' };
  it.each(CATALOG.map((e) => [e.name, simulatorKind[e.name] ?? e.kind]))('catalog: %s is detected within 3000 schedules (seed 7) as %s', (name, kind) => {
    const r = explore(config({ bugs: [name], seed: 7, schedules: 3000, shrink: false }));
    expect(r.failure, `${name}: no failure in ${r.schedulesRun} schedules (${JSON.stringify(r.totals)})`).toBeDefined();
    expect(r.failure!.violation.kind, JSON.stringify(r.failure!.violation)).toBe(kind);
    const spec = decodeToken(r.failure!.token);
    expect(runSchedule(spec).violations[0]).toEqual(r.failure!.violation);
    expect(runSchedule({ ...spec, bugs: [] }).violations).toEqual([]);
  }, 60_000);
});

describe('the reader-side oracles alone (write policy off) still catch the writer-side bugs', () => {
  // The write policy reports these at the writer's store, before any reader meets them: with it
  // off, the result oracle and the poison check must still catch them (so each keeps a test).
  // The append writes the pivot of its new data end (the node's maximum) before the data end, as
  // the kernel's mas_wr_append does, so a reader that sees the new end early still finds the old
  // last range where it was: the torn view needs a pivot store to overtake a slot store, which
  // the seeded explorer first meets at schedule 1865 (seed 7). Hence its larger budget.
  const readerSide: Array<[string, ViolationKind, number]> = [
    ['overlay-before-death', 'poison', 200],
    ['append-in-rcu', 'result', 4000],
    ['publish-before-init', 'result', 200],
    ['missing-wmb', 'stale-read', 200],
  ];
  it.each(readerSide)('%s: caught as %s within %i schedules (seed 7)', (name, kind, budget) => {
    const c = config({ bugs: [name], seed: 7 });
    let found: ScheduleOutcome | null = null;
    for (let i = 0; i < budget && found === null; i++) {
      const outcome = runSchedule(scheduleSpec(c, i, DEFAULT_SHAPE.pctSteps), { writePolicy: false });
      if (outcome.violations.length > 0) found = outcome;
    }
    expect(found, `${name}: no failure`).not.toBeNull();
    expect(found!.violations[0].kind, JSON.stringify(found!.violations[0])).toBe(kind);
    expect(found!.violations[0].thread).toMatch(/^reader \d$/);
    if (kind === 'poison') expect(found!.violations[0].seen).toMatch(/has free-path poison \(3735899821\) for a bound$/);
  }, 30_000);
});

describe('the correct build', () => {
  it('600 schedules over every scenario, both strategies: no failure, and the races happened', () => {
    const c = config({ seed: 7, schedules: 600, strategy: 'mixed', shrink: false });
    expect(scheduleSpec(c, 0, 100).strategy).toBe('random');
    // mixed: the strategy alternates per round over the scenarios.
    expect(scheduleSpec(c, c.scenarios.length, 100).strategy).toBe('pct');
    const r = explore(c);
    expect(r.failure, JSON.stringify(r.failure?.violation)).toBeUndefined();
    expect(r.stoppedBy).toBe('schedules');
    expect(r.schedulesRun).toBe(600);
    const t = r.totals;
    // Every schedule ran to the end: all writer and reader operations.
    expect(t.writerOps).toBe(600 * DEFAULT_EXPLORE.writerOps);
    expect(t.readerOps).toBe(600 * DEFAULT_EXPLORE.readers * DEFAULT_EXPLORE.readerOps);
    expect(t.switches).toBeGreaterThan(0);
    expect(t.drains).toBeGreaterThan(0);
    expect(t.rewalks).toBeGreaterThan(0);
    expect(t.discardedTaint).toBeGreaterThan(0);
    expect(t.steps).toBeGreaterThan(t.drains);
  }, 60_000);

  it("'mixed' runs every scenario under both strategies", () => {
    // With the scenarios in rotation and the strategies alternating, a scenario must not be tied
    // to one strategy (six scenarios and two strategies: index % 6 would fix index % 2).
    const c = config({ seed: 7, strategy: 'mixed' });
    const seen = new Map<string, Set<string>>();
    for (let i = 0; i < 600; i++) {
      const spec = scheduleSpec(c, i, 100);
      if (!seen.has(spec.scenario)) seen.set(spec.scenario, new Set());
      seen.get(spec.scenario)!.add(spec.strategy);
    }
    expect([...seen.keys()].sort()).toEqual([...SCENARIOS].sort());
    for (const [scenario, strategies] of seen) expect([...strategies].sort(), scenario).toEqual(['pct', 'random']);
  });

  it('each strategy on its own switches threads and drains stores, without a failure', () => {
    for (const strategy of ['random', 'pct'] as const) {
      const r = explore(config({ seed: 5, schedules: 60, strategy, shrink: false }));
      expect(r.failure, `${strategy}: ${JSON.stringify(r.failure?.violation)}`).toBeUndefined();
      expect(r.totals.switches, strategy).toBeGreaterThan(0);
      expect(r.totals.drains, strategy).toBeGreaterThan(0);
    }
  }, 30_000);
});

describe('replay tokens', () => {
  const good = scheduleSpec(config({ seed: 3 }), 2, DEFAULT_SHAPE.pctSteps);
  const goodToken = encodeToken(good);
  /** A token whose body is the given JSON text. */
  const bodyToken = (json: string): string => 'mt1.' + deflateRawSync(Buffer.from(json)).toString('base64url');

  function tokenError(token: string): TokenError {
    let caught: unknown = null;
    try {
      decodeToken(token);
    } catch (error) {
      caught = error;
    }
    expect(caught, `decodeToken(${JSON.stringify(token.slice(0, 40))}) should throw`).toBeInstanceOf(TokenError);
    expect((caught as TokenError).name).toBe('TokenError');
    return caught as TokenError;
  }

  it('a good token decodes, with surrounding whitespace too', () => {
    expect(decodeToken(goodToken)).toEqual(good);
    expect(decodeToken(`  ${goodToken}\n`)).toEqual(good);
  });

  it('damaged tokens throw TokenError', () => {
    expect(tokenError('').message).toMatch(/starts with 'mt1\.'/);
    expect(tokenError('abc').message).toMatch(/starts with 'mt1\.'/);
    expect(tokenError(goodToken.slice(4)).message).toMatch(/starts with 'mt1\.'/);
    expect(tokenError('mt1.xyz').message).toMatch(/damaged/);
    expect(tokenError('mt1.').message).toMatch(/damaged/);
    // Cut short, and with its middle overwritten.
    expect(tokenError(goodToken.slice(0, goodToken.length >> 1)).message).toMatch(/damaged/);
    const mid = goodToken.length >> 1;
    tokenError(goodToken.slice(0, mid) + 'AAAAAAAA' + goodToken.slice(mid + 8));
    // Deflated, but not JSON.
    expect(tokenError(bodyToken('not json')).message).toMatch(/damaged/);
  });

  it('a malformed decision script throws TokenError', () => {
    const withScript = (script: unknown): string => bodyToken(JSON.stringify({ ...good, script }));
    expect(decodeToken(withScript([5, 1, 2])).script).toEqual([0, 2, 0, 0, 0]);
    expect(tokenError(withScript([5, 1])).message).toMatch(/decision script is malformed/); // even length
    expect(tokenError(withScript([5, 7, 1])).message).toMatch(/decision script is malformed/); // position past the end
    expect(tokenError(withScript([5, 1, -1])).message).toMatch(/decision script is malformed/);
    expect(tokenError(withScript([5, 1, 1.5])).message).toMatch(/decision script is malformed/);
    expect(tokenError(withScript('0,1')).message).toMatch(/decision script is malformed/);
  });

  it('a token holding a bad spec throws TokenError naming the problem', () => {
    const bad = (over: Record<string, unknown>): string => encodeToken({ ...good, ...over } as ScheduleSpec);
    const scenario = tokenError(bad({ scenario: 'nope' })).message;
    expect(scenario).toMatch(/bad schedule/);
    expect(scenario).toMatch(/unknown scenario 'nope'/);
    for (const s of SCENARIOS) expect(scenario).toContain(s);
    expect(tokenError(bad({ bugs: ['nope'] })).message).toMatch(/unknown bug 'nope'/);
    expect(tokenError(bad({ strategy: 'dfs' })).message).toMatch(/unknown strategy 'dfs'/);
    expect(tokenError(bad({ readers: 0 })).message).toMatch(/readers must be an integer in \[1, 8\], got 0/);
    expect(tokenError(bad({ seed: -1 })).message).toMatch(/seed/);
    expect(tokenError(bodyToken('{}')).message).toMatch(/unknown scenario/);
    expect(tokenError(bodyToken('5')).message).toMatch(/no schedule/);
  });

  // A token is user input (pasted from a report): any content must give a TokenError, which the
  // CLI turns into exit 2; anything else escapes as an internal failure (exit 3).
  it('a token whose body is JSON null throws TokenError', () => {
    tokenError(bodyToken('null'));
  });

  it('a decision script claiming an impossible length throws TokenError', () => {
    tokenError(bodyToken(JSON.stringify({ ...good, script: [2 ** 33] })));
  });
});
