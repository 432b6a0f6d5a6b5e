/**
 * The leniencies ReaderProbe grants the kernel build's readers (src/workers/reader-probe.ts:
 * carriedPrevBound, stepsBySlot, knownEmptyAreaMiss) and its sectionCheck hook, each tested both
 * ways: a scripted execution that needs the leniency (rejected without it, accepted with it) and
 * buggy ones the leniency must not let through.
 *
 * No kernel and no threads: the probe reads through a scripted fake ReadCursor, its operation is
 * chosen by a scripted Rng, and the version log's stores are written by hand at fixed points:
 * before a step (through the probe's oldestVisible hook, called right before each step reads the
 * log) or inside a step's call (so the step's window contains them). Each step's version window is
 * therefore exactly what the test says it is.
 *
 * Entries are odd numbers ((e & 3) === 2 would be a node reference to the probe's poison check).
 */
import { describe, expect, it } from 'vitest';
import { VersionLog } from '../src/harness/version-log.js';
import { ReaderProbe } from '../src/workers/reader-probe.js';
import type { ProbeOptions, ReadCursor, SectionFinding } from '../src/workers/reader-probe.js';
import type { Rng } from '../src/harness/rng.js';

type Store = [first: number, last: number, entry: number];

const KEYSPACE = 1 << 16; // keyspace >>> 6 = 1024: spans up to 1024
// ReaderProbe.runOne's first roll picks the operation.
const ROLL_WALK = 10;
const ROLL_FIND = 60;
const ROLL_FIND_REV = 80;
const ROLL_EMPTY_AREA = 88;

/** What one cursor call returns: entry (or, for an empty-area call, found) and the range. */
interface StepResult {
  entry: number;
  first: number;
  last: number;
  /** Stores logged inside the call (they fall in this step's window). */
  during?: Store[];
}

function write(log: VersionLog, [first, last, entry]: Store): number {
  const v = log.begin(first, last, entry, false, () => false);
  log.complete(v);
  return v;
}

/** A cursor whose every call returns the next scripted result; records which calls were made. */
class ScriptedCursor implements ReadCursor {
  index = 0;
  last = 0;
  readonly rewalks = 0;
  readonly calls: string[] = [];
  private next = 0;
  constructor(
    private readonly log: VersionLog,
    private readonly script: StepResult[],
  ) {}
  set(index: number): unknown {
    this.calls.push(`set(${index})`);
    this.index = index;
    this.last = index;
    return this;
  }
  private take(call: string): StepResult {
    this.calls.push(call);
    const r = this.script[this.next++];
    if (r === undefined) throw new Error(`script exhausted at ${call}`);
    for (const s of r.during ?? []) write(this.log, s);
    this.index = r.first;
    this.last = r.last;
    return r;
  }
  walk(): number {
    return this.take('walk').entry;
  }
  find(max: number): number {
    return this.take(`find(${max})`).entry;
  }
  findRev(min: number): number {
    return this.take(`findRev(${min})`).entry;
  }
  emptyArea(min: number, max: number, size: number): boolean {
    return this.take(`emptyArea(${min}, ${max}, ${size})`).entry !== 0;
  }
  emptyAreaRev(min: number, max: number, size: number): boolean {
    return this.take(`emptyAreaRev(${min}, ${max}, ${size})`).entry !== 0;
  }
  get used(): number {
    return this.next;
  }
}

/** An Rng that returns scripted values (each checked against the bound asked for). */
function scriptedRng(values: number[]): Rng {
  let i = 0;
  return {
    int(n: number): number {
      const v = values[i++];
      if (v === undefined) throw new Error('rng script exhausted');
      if (v < 0 || v >= n) throw new Error(`scripted ${v} not below ${n}`);
      return v;
    },
    chance: () => true,
  } as unknown as Rng;
}

interface Scenario {
  /** Stores before the operation (versions 1..n). */
  initial: Store[];
  /** The Rng's values: roll, index, span - 1, size - 1. */
  rng: number[];
  /** Stores logged right before step s (between step s - 1 and step s): before[s]. */
  before?: Store[][];
  script: StepResult[];
  options?: Partial<ProbeOptions>;
}

function run(sc: Scenario, makeCursor: (log: VersionLog, script: StepResult[]) => ScriptedCursor = (log, script) => new ScriptedCursor(log, script)) {
  const log = VersionLog.create(1, 1024);
  for (const s of sc.initial) write(log, s);
  const cursor = makeCursor(log, sc.script);
  const windows: number[] = [];
  let step = 0;
  const probe = new ReaderProbe({
    thread: 'reader-0',
    cursor,
    log,
    rcu: { lock() {}, unlock() {} },
    rng: scriptedRng(sc.rng),
    keyspace: KEYSPACE,
    allocTree: true,
    check: 'full',
    sampleRate: 1,
    reader: 0,
    checkedMemory: null,
    // Called right before each step reads the log: the place for the stores between steps.
    oldestVisible: () => {
      for (const s of sc.before?.[step] ?? []) write(log, s);
      step++;
      windows.push(log.completed);
      return log.completed;
    },
    ...sc.options,
  });
  const added = probe.runOne();
  expect(cursor.used, 'every scripted step was taken').toBe(sc.script.length);
  expect(added).toBe(probe.violations.length);
  return { probe, cursor, log, windows };
}

const kinds = (p: ReaderProbe): string[] => p.violations.map((v) => v.kind);

describe('carriedPrevBound: a backward step whose upper bound is the previous step first - 1', () => {
  // v1: A 101 over [0, 99]; v2: B 103 over [100, 199]; before step 1, v3 (a slot store): A' 105
  // over [0, 95], leaving A over [96, 99]. findRev(150, min 0): step 0 gives B at v2; step 1, after
  // v3 completed, gives A over [0, 99]: its lower bound and entry read as at v2, its upper bound
  // carried from step 0 (100 - 1), read in step 0's window.
  const base = (step1: StepResult, options: Partial<ProbeOptions>): Scenario => ({
    initial: [
      [0, 99, 101],
      [100, 199, 103],
    ],
    rng: [ROLL_FIND_REV, 150, 199, 0], // findRev(150, min 0)
    before: [[], [[0, 95, 105]]],
    // A step 1 ending above the lower bound makes the iteration go on: a step 2 finding nothing.
    script: [{ entry: 103, first: 100, last: 199 }, step1, ...(step1.first > 0 ? [{ entry: 0, first: 0, last: 0 }] : [])],
    options,
  });
  const A = { entry: 101, first: 0, last: 99 };

  it('the windows are what the scenario says: step 0 at v2, step 1 at v3', () => {
    const { windows, cursor } = run(base(A, { carriedPrevBound: true }));
    expect(windows).toEqual([2, 3]);
    expect(cursor.calls).toEqual(['set(150)', 'findRev(0)', 'findRev(0)']);
  });

  it('off: step 1 is a result violation (A over [0, 99] is not what v3 holds)', () => {
    const { probe } = run(base(A, {}));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('findRev(150, min 0) step 1');
    expect(probe.violations[0].window).toEqual([3, 3]);
  });

  it('on: accepted (judged over both steps windows, [2, 3])', () => {
    const { probe } = run(base(A, { carriedPrevBound: true }));
    expect(probe.violations).toEqual([]);
    expect(probe.checks).toBe(1);
  });

  it('on: A over [0, 120], a range it never held, is still rejected', () => {
    const { probe } = run(base({ entry: 101, first: 0, last: 120 }, { carriedPrevBound: true }));
    expect(kinds(probe)).toEqual(['result']);
  });

  it('on: A over [10, 99] (the carried bound, but a lower bound no version had) is still rejected', () => {
    const { probe } = run(base({ entry: 101, first: 10, last: 99 }, { carriedPrevBound: true }));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('findRev(150, min 0) step 1');
  });

  it('on: a step whose upper bound is not the carried one keeps its own window (a stale entry is rejected)', () => {
    // v1: A 101 [0, 89], v2: B 103 [100, 199]; before step 1, v3 erases A. Step 1 giving A over
    // [0, 89] read v2's tree: its bound 89 is not 100 - 1, so it is judged at v3 alone.
    const stale: Scenario = {
      initial: [
        [0, 89, 101],
        [100, 199, 103],
      ],
      rng: [ROLL_FIND_REV, 150, 199, 0],
      before: [[], [[0, 89, 0]]],
      script: [
        { entry: 103, first: 100, last: 199 },
        { entry: 101, first: 0, last: 89 },
      ],
      options: { carriedPrevBound: true },
    };
    const { probe, windows } = run(stale);
    expect(windows).toEqual([2, 3]);
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].window).toEqual([3, 3]);
  });

  it('on: an entry that never existed over [0, 99] is still rejected', () => {
    const { probe } = run(base({ entry: 777, first: 0, last: 99 }, { carriedPrevBound: true }));
    expect(kinds(probe)).toEqual(['result']);
  });
});

describe('stepsBySlot forward: the next step goes on past the range holding the position now', () => {
  // v1: X 201 [10, 19], v2: Y 203 [22, 29], v3: W 205 [40, 49]. find(5, max 49): step 0 gives X at
  // v3; before step 1, v4 grows X to [10, 21]; step 1 gives Y (the slot after X's), step 2 W.
  const X = { entry: 201, first: 10, last: 19 };
  const Y = { entry: 203, first: 22, last: 29 };
  const W = { entry: 205, first: 40, last: 49 };
  const base = (steps: StepResult[], options: Partial<ProbeOptions>): Scenario => ({
    initial: [
      [10, 19, 201],
      [22, 29, 203],
      [40, 49, 205],
    ],
    rng: [ROLL_FIND, 5, 43, 0], // find(5, max 49)
    before: [[], [[10, 21, 201]]],
    script: steps,
    options,
  });

  it('off: a result violation at step 1 (from 20, v4 holds X over [10, 21])', () => {
    const { probe, windows } = run(base([X, Y, W], {}));
    expect(windows).toEqual([3, 4, 4]);
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('find(5, max 49) step 1');
  });

  it('on: accepted', () => {
    const { probe, windows } = run(base([X, Y, W], { stepsBySlot: true }));
    expect(windows).toEqual([3, 4, 4]);
    expect(probe.violations).toEqual([]);
  });

  it('on: a step 1 that skips Y (stable all along) for W is rejected', () => {
    const { probe } = run(base([X, W], { stepsBySlot: true }));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('find(5, max 49) step 1');
  });

  it('on: Y over [22, 35], a range it never held, is rejected', () => {
    const { probe } = run(base([X, { entry: 203, first: 22, last: 35 }, W], { stepsBySlot: true }));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('find(5, max 49) step 1');
  });
});

describe('stepsBySlot backward after a re-walk: the step goes on from the range holding the save point', () => {
  // v1: Q 301 [10, 25], v2: P 303 [40, 49], v3: S 305 [60, 69]. findRev(45, min 10): step 0 gives P
  // at v3; before step 1, v4 stores N 307 over [31, 58] (replacing P's range); the kernel re-walks
  // to 40, lands in N's range and steps back from it: Q.
  const P = { entry: 303, first: 40, last: 49 };
  const Q = { entry: 301, first: 10, last: 25 };
  const base = (step1: StepResult, options: Partial<ProbeOptions>): Scenario => ({
    initial: [
      [10, 25, 301],
      [40, 49, 303],
      [60, 69, 305],
    ],
    rng: [ROLL_FIND_REV, 45, 34, 0], // findRev(45, min 10)
    before: [[], [[31, 58, 307]]],
    script: [P, step1],
    options,
  });

  it('off: a result violation (from 39, v4 gives N over [31, 58])', () => {
    const { probe, windows } = run(base(Q, {}));
    expect(windows).toEqual([3, 4]);
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].op).toBe('findRev(45, min 10) step 1');
  });

  it('on: accepted', () => {
    const { probe } = run(base(Q, { stepsBySlot: true }));
    expect(probe.violations).toEqual([]);
  });

  it('on: a wrong entry over Q range is rejected', () => {
    const { probe } = run(base({ entry: 999, first: 10, last: 25 }, { stepsBySlot: true }));
    expect(kinds(probe)).toEqual(['result']);
  });

  it('on: Q over a wrong range is rejected', () => {
    const { probe } = run(base({ entry: 301, first: 10, last: 30 }, { stepsBySlot: true }));
    expect(kinds(probe)).toEqual(['result']);
  });
});

describe('knownEmptyAreaMiss: a "no window" where a version had one is counted, not reported', () => {
  // v1: 401 [0, 9], v2: 403 [20, 29]: [10, 19] is free. emptyArea(0, 45, size 5); inside the call
  // v3 stores 405 over [40, 45]: the window is [2, 3] and [10, 14] is free at both versions.
  const NAME = 'empty-area-contradicts-contents';
  const base = (answer: StepResult, options: Partial<ProbeOptions>, initial?: Store[]): Scenario => ({
    initial: initial ?? [
      [0, 9, 401],
      [20, 29, 403],
    ],
    rng: [ROLL_EMPTY_AREA, 0, 9, 4], // emptyArea(0, 0 + 10 * 4 + 5, size 5)
    script: [{ ...answer, during: [[40, 45, 405]] }],
    options,
  });
  const none = { entry: 0, first: 0, last: 0 };

  it('the right start is accepted and counts nothing', () => {
    const { probe, cursor } = run(base({ entry: 1, first: 10, last: 14 }, { knownEmptyAreaMiss: NAME }));
    expect(cursor.calls).toEqual(['emptyArea(0, 45, 5)']);
    expect(probe.violations).toEqual([]);
    expect(probe.known).toEqual({});
  });

  it('off: "no window" is a result violation', () => {
    const { probe } = run(base(none, {}));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].seen).toBe('start -1');
    expect(probe.known).toEqual({});
  });

  it('on: "no window" is counted under the name and not reported', () => {
    const { probe } = run(base(none, { knownEmptyAreaMiss: NAME }));
    expect(probe.violations).toEqual([]);
    expect(probe.known).toEqual({ [NAME]: 1 });
  });

  it('on: a "no window" that is right (no version had one) is not counted', () => {
    const full: Store[] = [[0, 99, 401]];
    const { probe } = run(base(none, { knownEmptyAreaMiss: NAME }, full));
    expect(probe.violations).toEqual([]);
    expect(probe.known).toEqual({});
  });

  it('on: a start over an occupied index is still a result violation', () => {
    const { probe } = run(base({ entry: 1, first: 5, last: 9 }, { knownEmptyAreaMiss: NAME }));
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.violations[0].seen).toBe('start 5');
    expect(probe.known).toEqual({});
  });
});

describe('sectionCheck: the runtime tracker finding after each read-side section', () => {
  const walk = (check: () => SectionFinding | null): Scenario => ({
    initial: [[10, 19, 501]],
    rng: [ROLL_WALK, 12, 0, 0], // walk(12)
    script: [{ entry: 501, first: 10, last: 19 }],
    options: { sectionCheck: check },
  });

  it('a finding becomes a stale-read violation naming the operation', () => {
    let asked = 0;
    const finding = { seen: 'node 0x1234 freed while the section that reached it was open', rule: 'no node freed under its reader' };
    const { probe } = run(
      walk(() => {
        asked++;
        return finding;
      }),
    );
    expect(asked).toBe(1);
    expect(probe.violations).toHaveLength(1);
    expect(probe.violations[0]).toMatchObject({ kind: 'stale-read', op: 'walk(12)', seen: finding.seen, thread: 'reader-0' });
    expect(probe.violations[0].expected).toEqual([finding.rule]);
  });

  it('null adds nothing', () => {
    let asked = 0;
    const { probe } = run(
      walk(() => {
        asked++;
        return null;
      }),
    );
    expect(asked).toBe(1);
    expect(probe.violations).toEqual([]);
  });
});

describe('knownPrevRootReread: a node reference over [0, 0] from a backward step is counted, not reported', () => {
  const NAME = 'prev-rereads-root';
  const NODE = 0x136f0e; // (e & 3) === 2, above 4096: a node reference
  // v1: one entry at [0, 0]; findRev(5, min 0) returns what the script says.
  const base = (step0: StepResult, options: Partial<ProbeOptions>, roll = ROLL_FIND_REV): Scenario => ({
    initial: [[0, 0, 301]],
    rng: [roll, 5, 4, 0],
    script: [step0],
    options,
  });

  it('off: poison (and the oracle rejects it too)', () => {
    const { probe } = run(base({ entry: NODE, first: 0, last: 0 }, {}));
    expect(kinds(probe)).toContain('poison');
  });

  it('on: counted under its name, no violation', () => {
    const { probe } = run(base({ entry: NODE, first: 0, last: 0 }, { knownPrevRootReread: NAME }));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBe(1);
  });

  it('on: a node reference over any other range is still poison', () => {
    const { probe } = run(base({ entry: NODE, first: 0, last: 3 }, { knownPrevRootReread: NAME }));
    expect(kinds(probe)).toContain('poison');
    expect(probe.known[NAME]).toBeUndefined();
  });

  it('on: a node reference from a walk is still poison', () => {
    const { probe } = run({ ...base({ entry: NODE, first: 0, last: 0 }, { knownPrevRootReread: NAME }, ROLL_WALK), rng: [ROLL_WALK, 0, 0, 0] });
    expect(kinds(probe)).toContain('poison');
    expect(probe.known[NAME]).toBeUndefined();
  });
});

describe('knownPrevReversed: a reversed backward range with the carried upper bound is counted, not reported', () => {
  const NAME = 'prev-range-reversed';
  // v1: Q 301 [10, 25], P 303 [40, 49]. findRev(45, min 10): step 0 gives P; step 1 gives Q over
  // [first, last] as scripted.
  const base = (step1: StepResult, options: Partial<ProbeOptions>): Scenario => ({
    initial: [
      [10, 25, 301],
      [40, 49, 303],
    ],
    rng: [ROLL_FIND_REV, 45, 34, 0],
    // The iteration goes on after step 1 (its index is above min): a third step finds nothing.
    script: [{ entry: 303, first: 40, last: 49 }, step1, { entry: 0, first: 10, last: 10 }],
    options,
  });

  it('off: a structure violation', () => {
    const { probe } = run(base({ entry: 301, first: 45, last: 39 }, {}));
    expect(kinds(probe)).toContain('structure');
  });

  it('on: counted under its name, no violation', () => {
    const { probe } = run(base({ entry: 301, first: 45, last: 39 }, { knownPrevReversed: NAME }));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBe(1);
  });

  it('on: a reversed range whose upper bound is not the carried one is still a structure violation', () => {
    const { probe } = run(base({ entry: 301, first: 30, last: 20 }, { knownPrevReversed: NAME }));
    expect(kinds(probe)).toContain('structure');
    expect(probe.known[NAME]).toBeUndefined();
  });
});

describe('knownError: an error of the operation a known finding explains is counted, not reported', () => {
  class Throwing extends ScriptedCursor {
    override find(): number {
      throw new Error('kernel trap in mas_next_slot');
    }
  }
  const scenario = (options: Partial<ProbeOptions>): Scenario => ({ initial: [[10, 25, 301]], rng: [ROLL_FIND, 5, 34, 0], script: [], options });
  // The cursor throws at the first step (taken, so every scripted step counts as taken).
  const runThrowing = (options: Partial<ProbeOptions>) => run(scenario(options), (log) => new Throwing(log, [])).probe;

  it('off: a structure violation', () => {
    expect(kinds(runThrowing({}))).toEqual(['structure']);
  });

  it('on, the signature matches: counted under its name', () => {
    const probe = runThrowing({ knownError: (e) => ((e as Error).message.includes('mas_next_slot') ? 'rewalk-null-node' : null) });
    expect(probe.violations).toEqual([]);
    expect(probe.known['rewalk-null-node']).toBe(1);
  });

  it('on, another error: a structure violation as ever', () => {
    const probe = runThrowing({ knownError: (e) => ((e as Error).message.includes('mas_prev_slot') ? 'rewalk-null-node' : null) });
    expect(kinds(probe)).toEqual(['structure']);
    expect(probe.known['rewalk-null-node']).toBeUndefined();
  });
});

describe('knownPastMax: a forward step returning an entry that starts beyond max is counted, not judged', () => {
  const NAME = 'next-past-max';
  // v1: X 301 [10, 19], Y 303 [200, 209]. find(5, max 39): step 0 returns what the script says.
  const base = (step0: StepResult, options: Partial<ProbeOptions>): Scenario => ({
    initial: [
      [10, 19, 301],
      [200, 209, 303],
    ],
    rng: [ROLL_FIND, 5, 33, 0],
    script: [step0],
    options,
  });

  it('off: a result violation', () => {
    const { probe } = run(base({ entry: 303, first: 200, last: 209 }, {}));
    expect(kinds(probe)).toEqual(['result']);
  });

  it('on: counted under its name', () => {
    const { probe } = run(base({ entry: 303, first: 200, last: 209 }, { knownPastMax: NAME }));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBe(1);
  });

  it('on: a wrong entry inside [from, max] is still a result violation', () => {
    // Y over X's range (the iteration goes on after it: a second step finds nothing).
    const sc = base({ entry: 303, first: 10, last: 19 }, { knownPastMax: NAME });
    sc.script.push({ entry: 0, first: 20, last: 39 });
    const { probe } = run(sc);
    expect(kinds(probe)).toEqual(['result']);
    expect(probe.known[NAME]).toBeUndefined();
  });
});

describe('knownCorruptIteration: what the tree signalled during the operation excuses its rejected find/findRev', () => {
  const NAME = 'pivot-after-dead-check';
  const findScenario = (options: Partial<ProbeOptions>, step1: StepResult): Scenario => ({
    initial: [
      [10, 19, 301],
      [200, 209, 303],
    ],
    rng: [ROLL_FIND, 5, 893, 0],
    // The corrupt step's last is past max: the iteration ends there.
    script: [{ entry: 301, first: 10, last: 19 }, step1],
    options,
  });
  // What a garbage node bound does: a range far past the keyspace, then a metadata word as an entry.
  const corrupt: StepResult = { entry: 303, first: 200, last: 1565956 };

  it('off: the range is a result violation', () => {
    const { probe } = run(findScenario({}, corrupt));
    expect(kinds(probe)).toContain('result');
  });

  it('on, signalled: counted under its name, no violation', () => {
    const { probe } = run(findScenario({ knownCorruptIteration: () => NAME }, corrupt));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBe(1);
  });

  it('on, not signalled: still a violation', () => {
    const { probe } = run(findScenario({ knownCorruptIteration: () => null }, corrupt));
    expect(kinds(probe)).toContain('result');
    expect(probe.known[NAME]).toBeUndefined();
  });

  it('on, signalled: a node reference (the metadata word 14 read as an entry) is counted, not poison', () => {
    const meta: StepResult = { entry: 14, first: 28918, last: 1565956 };
    expect(kinds(run(findScenario({}, meta)).probe)).toContain('poison');
    const { probe } = run(findScenario({ knownCorruptIteration: () => NAME }, meta));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBeGreaterThan(0);
  });

  it('signalled from step 1 on: a wrong step 0 is still a violation; a wrong step 1 is counted', () => {
    const fromStep1 = (step: number): string | null => (step >= 1 ? NAME : null);
    const wrongFirst = findScenario({ knownCorruptIteration: fromStep1 }, corrupt);
    wrongFirst.script[0] = { entry: 303, first: 10, last: 19 };
    expect(kinds(run(wrongFirst).probe)).toContain('result');
    const { probe } = run(findScenario({ knownCorruptIteration: fromStep1 }, corrupt));
    expect(probe.violations).toEqual([]);
    expect(probe.known[NAME]).toBe(1);
  });

  it('on, signalled: a walk is judged as ever', () => {
    const { probe } = run({
      initial: [[10, 19, 301]],
      rng: [ROLL_WALK, 15, 0, 0],
      script: [{ entry: 303, first: 10, last: 19 }],
      options: { knownCorruptIteration: () => NAME },
    });
    expect(kinds(probe)).toEqual(['result']);
  });
});
