/**
 * LKMM's own litmus tests on the simulator (src/harness/litmus/lkmm/): the parser and the
 * interpreter on snippets written here (the kernel's files are kernel source and stay out of the
 * repository), then the runner on the real files, from the cache or fetched (Debian's
 * linux-source-6.12). Without apt or the package the runner tests skip locally and FAIL under CI=true.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseLitmus } from '../src/harness/litmus/lkmm/parse.js';
import { prepare } from '../src/harness/litmus/lkmm/prepare.js';
import { executeLitmus } from '../src/harness/litmus/lkmm/execute.js';
import { judgeLkmmTest, runLkmmSuite, verdict } from '../src/harness/litmus/lkmm/judge.js';
import type { LkmmSuiteResult } from '../src/harness/litmus/lkmm/judge.js';
import { findLkmmLitmusTests, readLitmusFolder } from '../src/harness/litmus/lkmm/source.js';
import type { LitmusSource } from '../src/harness/litmus/lkmm/source.js';
import { formatLkmmTable } from '../src/harness/litmus/lkmm/format.js';
import { LitmusSyntaxError, LitmusUnsupported } from '../src/harness/litmus/lkmm/lexer.js';
import { main } from '../src/harness/litmus/main.js';
import { existsSync, readFileSync, rmSync } from 'node:fs';

const CI = process.env.CI === 'true';

/** A two-thread test from its parts. */
function litmus(name: string, result: string, p0: string, p1: string, exists: string, init = '{}'): string {
  return `C ${name}\n\n(*\n * Result: ${result}\n *)\n\n${init}\n\nP0(int *x, int *y)\n{\n${p0}\n}\n\nP1(int *x, int *y)\n{\n${p1}\n}\n\nexists (${exists})\n`;
}

function run(text: string, runs = 1500, promises = false) {
  return executeLitmus(prepare(parseLitmus(text)), { runs, seed: 7, promises });
}

const MP_WRITER = 'WRITE_ONCE(*x, 1);\nsmp_wmb();\nWRITE_ONCE(*y, 1);';

describe('parser', () => {
  it('reads name, Result, init, threads, declarations, if/else, locations, filter and exists', () => {
    const text = [
      'C Shapes+test',
      '(* header',
      ' * Result: Sometimes',
      ' *)',
      '{ x=1; int *p = y; 1:r9=3; }',
      'P0(int *x, int **p, spinlock_t *lo) // a remark',
      '{',
      '\tint r0, r1 = 2;',
      '\tint *r2;',
      '\tr0 = READ_ONCE(*x);',
      '\tif (r0 == 1 && !r1) {',
      '\t\tWRITE_ONCE(*x, r1 + 1);',
      '\t} else',
      '\t\tspin_lock(lo);',
      '\tr2 = rcu_dereference(*p); /* C comment */',
      '}',
      'P1(int *y) { int r9; r9 = smp_load_acquire(y); }',
      'locations [0:r1; x]',
      'filter (0:r0=1)',
      'exists (0:r0=1 /\\ ~(1:r9=0 \\/ y!=2) /\\ 0:r2=y) (* trailing remark *)',
    ].join('\n');
    const p = parseLitmus(text);
    expect(p.name).toBe('Shapes+test');
    expect(p.expected).toBe('Sometimes');
    expect(p.init).toEqual([
      { variable: 'x', value: { num: 1 } },
      { variable: 'p', value: { addressOf: 'y' } },
    ]);
    expect(p.initRegs).toEqual([{ thread: 1, reg: 'r9', value: { num: 3 } }]);
    expect(p.threads.map((t) => t.params)).toEqual([['x', 'p', 'lo'], ['y']]);
    const body = p.threads[0].body;
    expect(body.map((s) => s.k)).toEqual(['decl', 'decl', 'decl', 'assign', 'if', 'assign']);
    const ifStmt = body[4];
    expect(ifStmt.k === 'if' && ifStmt.else !== null && ifStmt.then[0].k === 'block').toBe(true);
    expect(p.locations).toEqual([{ thread: 0, reg: 'r1' }, { variable: 'x' }]);
    expect(p.filter).toEqual({ k: 'atom', loc: { thread: 0, reg: 'r0' }, op: '=', value: { num: 1 } });
    expect(p.exists.k).toBe('and');
    const prepared = prepare(p);
    expect([...prepared.address.keys()].sort()).toEqual(['lo', 'p', 'x', 'y']);
    expect(prepared.shown.map((l) => ('variable' in l ? l.variable : `${l.thread}:${l.reg}`))).toEqual(['0:r0', '1:r9', 'y', '0:r2', '0:r1', 'x']);
  });

  it('takes the first Result line; a test without one has none', () => {
    expect(parseLitmus(litmus('A', 'Never', '', '', 'x=0')).expected).toBe('Never');
    expect(parseLitmus('C B\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\nexists (x=1)\n').expected).toBeNull();
  });

  it('names the line of a syntax error', () => {
    expect(() => parseLitmus('P0(int *x) {}\nexists (x=1)')).toThrow(/starts with "C <name>"/);
    expect(() => parseLitmus('C T\n{}\nP0(int *x)\n{\n  WRITE_ONCE(*x, 1)\n}\nexists (x=1)')).toThrow(/line 6: expected ';'/);
    expect(() => parseLitmus('C T\n{}\nP0(int *x) { WRITE_ONCE(*x, 1); }\n')).toThrow(LitmusSyntaxError);
    expect(() => parseLitmus('C T\n{}\nP1(int *x) { }\nexists (x=1)')).toThrow(/out of order/);
    expect(() => parseLitmus('C T\n(* open comment\nP0(int *x) { }')).toThrow(/unterminated comment/);
    expect(() => prepare(parseLitmus(litmus('T', 'Never', 'WRITE_ONCE(*z, 1);', '', 'x=0')))).toThrow(/unknown name 'z'/);
    expect(() => prepare(parseLitmus(litmus('T', 'Never', '', '', '1:r7=0')))).toThrow(/no register 'r7'/);
  });

  it('rejects what it does not model as unsupported, with the reason', () => {
    expect(() => parseLitmus(litmus('T', 'Never', 'while (1) { }', '', 'x=0'))).toThrow(LitmusUnsupported);
    expect(() => parseLitmus('C T\n{}\nP0(int *x) { }\n~exists (x=1)')).toThrow(/only exists/);
    expect(() => prepare(parseLitmus(litmus('T', 'Never', 'synchronize_srcu(x);', '', 'x=0')))).toThrow(/SRCU is not modelled/);
    expect(() => prepare(parseLitmus(litmus('T', 'Never', 'frobnicate(x);', '', 'x=0')))).toThrow(/'frobnicate' is not a primitive/);
  });
});

describe('interpreter on the simulator', () => {
  it('message passing: reached without barriers, never with smp_wmb/smp_rmb or release/acquire', () => {
    const reader = (mid: string) => `int r0;\nint r1;\nr0 = READ_ONCE(*y);\n${mid}\nr1 = READ_ONCE(*x);`;
    const plain = run(litmus('MP', 'Sometimes', 'WRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);', reader(''), '1:r0=1 /\\ 1:r1=0'));
    expect(plain.existsSeen).toBeGreaterThan(0);
    expect(plain.kept).toBe(1500);
    const onlyWmb = run(litmus('MP', 'Sometimes', MP_WRITER, reader(''), '1:r0=1 /\\ 1:r1=0'));
    expect(onlyWmb.existsSeen).toBeGreaterThan(0);
    const both = run(litmus('MP', 'Never', MP_WRITER, reader('smp_rmb();'), '1:r0=1 /\\ 1:r1=0'));
    expect(both.existsSeen).toBe(0);
    expect(both.outcomes.size).toBeGreaterThan(1);
    const relAcq = run(
      litmus('MP', 'Never', 'WRITE_ONCE(*x, 1);\nsmp_store_release(y, 1);', 'int r0;\nint r1;\nr0 = smp_load_acquire(y);\nr1 = READ_ONCE(*x);', '1:r0=1 /\\ 1:r1=0'),
    );
    expect(relAcq.existsSeen).toBe(0);
  });

  it('an address dependency orders the load through the pointer; a load not through it is not ordered', () => {
    const init = '{ y=z; }';
    const writer = 'WRITE_ONCE(*x, 1);\nrcu_assign_pointer(*y, x);';
    const mk = (second: string) =>
      litmus('MP+deref', 'Never', writer, `int *r0;\nint r1;\nr0 = rcu_dereference(*y);\nr1 = ${second};`, '1:r0=x /\\ 1:r1=0', init).replace(
        /P0\(int \*x, int \*y\)/,
        'P0(int *x, int **y, int *z)',
      );
    expect(run(mk('READ_ONCE(*r0)')).existsSeen).toBe(0);
    // Same reader, but the second load does not go through r0: nothing orders it.
    expect(run(mk('READ_ONCE(*x)')).existsSeen).toBeGreaterThan(0);
  });

  it('spin_lock excludes: two locked increments always give 2, unlocked ones sometimes 1', () => {
    const inc = (locked: boolean) => (locked ? 'int r0;\nspin_lock(l);\nr0 = READ_ONCE(*x);\nWRITE_ONCE(*x, r0 + 1);\nspin_unlock(l);' : 'int r0;\nr0 = READ_ONCE(*x);\nWRITE_ONCE(*x, r0 + 1);');
    const mk = (locked: boolean) => `C Inc\n{}\nP0(int *x, spinlock_t *l)\n{\n${inc(locked)}\n}\nP1(int *x, spinlock_t *l)\n{\n${inc(locked)}\n}\nexists (x=2)\n`;
    const locked = run(mk(true));
    expect(locked.existsSeen).toBe(locked.kept);
    const unlocked = run(mk(false));
    expect(unlocked.existsSeen).toBeGreaterThan(0);
    expect(unlocked.existsSeen).toBeLessThan(unlocked.kept);
  });

  it('a test that deadlocks on its locks is unsupported, not a crash', () => {
    const text = `C Deadlock\n(* Result: Never *)\n{}\nP0(int *x, spinlock_t *l)\n{\n spin_lock(l);\n spin_lock(l);\n}\nexists (x=1)\n`;
    const r = judgeLkmmTest({ file: 'Deadlock.litmus', text }, { runs: 5, seed: 1, promises: false });
    expect(r.status).toBe('unsupported');
    expect(r.reason).toMatch(/deadlock/);
  });

  it('xchg is atomic: two exchanges never both read the initial value', () => {
    const text = litmus('Xchg', 'Never', 'int r0;\nr0 = xchg(x, 1);', 'int r1;\nr1 = xchg(x, 2);', '0:r0=0 /\\ 1:r1=0');
    const c = run(text);
    expect(c.existsSeen).toBe(0);
    expect([...c.outcomes.keys()].length).toBe(2);
  });

  it('is deterministic for a seed', () => {
    const text = litmus('SB', 'Sometimes', 'int r0;\nWRITE_ONCE(*x, 1);\nr0 = READ_ONCE(*y);', 'int r1;\nWRITE_ONCE(*y, 1);\nr1 = READ_ONCE(*x);', '0:r0=0 /\\ 1:r1=0');
    expect([...run(text, 500).outcomes]).toEqual([...run(text, 500).outcomes]);
  });

  it('judges verdicts both ways', () => {
    expect(verdict('Never', 0, 10).status).toBe('agrees');
    expect(verdict('Never', 1, 10).status).toBe('unsound');
    expect(verdict('Sometimes', 1, 10).status).toBe('agrees');
    expect(verdict('Sometimes', 0, 10).status).toBe('not-reached');
    expect(verdict('Always', 10, 10).status).toBe('agrees');
    expect(verdict('Always', 9, 10).status).toBe('unsound');
    expect(verdict('Sometimes', 0, 0).status).toBe('not-reached');
    const bad = judgeLkmmTest({ file: 'Bad.litmus', text: 'not a litmus test' }, { runs: 10, seed: 1, promises: false });
    expect(bad.status).toBe('unsupported');
    expect(bad.reason).toMatch(/parse error/);
    // A wrong expectation is caught: MP without barriers marked Never is unsound.
    const wrong = judgeLkmmTest(
      { file: 'W.litmus', text: litmus('W', 'Never', 'WRITE_ONCE(*x, 1);\nWRITE_ONCE(*y, 1);', 'int r0;\nint r1;\nr0 = READ_ONCE(*y);\nr1 = READ_ONCE(*x);', '1:r0=1 /\\ 1:r1=0') },
      { runs: 1500, seed: 1, promises: false },
    );
    expect(wrong.status).toBe('unsound');
  });
});

describe('RCU, failing cmpxchg and atomics in the interpreter', () => {
  // An updater that reads one of a reader section's two stores, waits for a grace period, then
  // reads the other: the section began before the grace period, so all of it precedes the end.
  const sectionThenGp = (wait: string) =>
    `C Rcu+wait\n{}\nP0(int *a, int *b)\n{\n rcu_read_lock();\n WRITE_ONCE(*a, 1);\n WRITE_ONCE(*b, 1);\n rcu_read_unlock();\n}\n` +
    `P1(int *a, int *b)\n{\n int s0;\n int s1;\n s0 = READ_ONCE(*a);\n ${wait}\n s1 = READ_ONCE(*b);\n}\nexists (1:s0=1 /\\ 1:s1=0)\n`;
  // A reader section follows a pointer; the updater swings it away, waits, then scribbles on the
  // old target: the reader must never see the scribble through the old pointer.
  const unpublishThenScribble = (wait: string) =>
    `C Rcu+free\n{ int old = 1; int spare = 1; int *ptr = old; }\nP0(int *old, int *spare, int **ptr)\n{\n int *q;\n int v;\n rcu_read_lock();\n q = rcu_dereference(*ptr);\n v = READ_ONCE(*q);\n rcu_read_unlock();\n}\n` +
    `P1(int *old, int *spare, int **ptr)\n{\n rcu_assign_pointer(*ptr, spare);\n ${wait}\n WRITE_ONCE(*old, 0);\n}\nexists (0:q=old /\\ 0:v=0)\n`;

  it('synchronize_rcu: a section that began before the grace period is wholly before its end', () => {
    expect(run(sectionThenGp('synchronize_rcu();'), 3000, true).existsSeen).toBe(0);
    expect(run(sectionThenGp('synchronize_rcu();'), 3000, false).existsSeen).toBe(0);
    // smp_mb alone does not order the reader's two stores.
    expect(run(sectionThenGp('smp_mb();'), 3000, true).existsSeen).toBeGreaterThan(0);
  });

  it('synchronize_rcu: a section that began after the grace period began sees the unpublish', () => {
    const withGp = run(unpublishThenScribble('synchronize_rcu();'), 3000, true);
    expect(withGp.existsSeen).toBe(0);
    expect(withGp.discarded).toBeGreaterThan(0);
    expect(run(unpublishThenScribble('smp_mb();'), 3000, true).existsSeen).toBeGreaterThan(0);
  });

  it('a failing cmpxchg orders nothing; of two on one word exactly one succeeds', () => {
    // SB with a cmpxchg between each store and load. z = 0: cmpxchg(z, 1, 0) fails on both sides.
    const sb = (init: string) =>
      `C SB+cmpxchg\n{ ${init} }\nP0(int *x, int *y, int *z)\n{\n int r0;\n int r1;\n WRITE_ONCE(*x, 1);\n r1 = cmpxchg(z, 1, 0);\n r0 = READ_ONCE(*y);\n}\n` +
      `P1(int *x, int *y, int *z)\n{\n int r0;\n int r1;\n WRITE_ONCE(*y, 1);\n r1 = cmpxchg(z, 1, 0);\n r0 = READ_ONCE(*x);\n}\nlocations [0:r1; 1:r1]\nexists (0:r0=0 /\\ 1:r0=0)\n`;
    expect(run(sb('int z;'), 2000, true).existsSeen).toBeGreaterThan(0);
    // z = 1: the two cmpxchg race; exactly one reads 1 and succeeds, in every execution.
    const c = run(sb('z = 1;'), 2000, true);
    expect(c.kept).toBeGreaterThan(0);
    for (const outcome of c.outcomes.keys()) {
      expect(outcome.match(/\d:r1=1/g)?.length, outcome).toBe(1);
    }
  });

  it('atomic_add_unless is atomic with respect to atomic_set; ATOMIC_INIT', () => {
    const text =
      'C AddUnless\n{ atomic_t v = ATOMIC_INIT(1); }\nP0(atomic_t *v)\n{\n int r0;\n r0 = atomic_add_unless(v, 1, 0);\n}\n' +
      'P1(atomic_t *v)\n{\n atomic_set(v, 0);\n}\nexists (v=2 \\/ 0:r0=1 /\\ v=1)\n';
    const c = run(text, 2000, true);
    // Either the set comes first (the add sees 0 and does nothing) or the add (1 to 2, then 0).
    expect(c.existsSeen).toBe(0);
    expect([...c.outcomes.keys()].sort()).toEqual(['v=0; 0:r0=0', 'v=0; 0:r0=1']);
  });
});

describe('load buffering by promises', () => {
  /** LB: each thread reads one variable, then stores to the other; `mid0`/`mid1` sit in between. */
  function lb(load0: string, mid0: string, store0: string, load1: string, mid1: string, store1: string): string {
    return litmus(
      'LB',
      'Sometimes',
      `int r0;\nr0 = ${load0.replace('$', 'x')};\n${mid0}\n${store0.replace('$', 'y')}`,
      `int r1;\nr1 = ${load1.replace('$', 'y')};\n${mid1}\n${store1.replace('$', 'x').replace(/\br0\b/g, 'r1')}`,
      '0:r0=1 /\\ 1:r1=1',
    );
  }
  const once = 'READ_ONCE(*$)';
  const acquire = 'smp_load_acquire($)';
  const plainStore = 'WRITE_ONCE(*$, 1);';
  const reached = (text: string) => run(text, 3000, true).existsSeen;

  it('reaches LB with nothing ordering either side, and only with promises on', () => {
    const text = lb(once, '', plainStore, once, '', plainStore);
    expect(reached(text)).toBeGreaterThan(0);
    expect(run(text, 3000, false).existsSeen).toBe(0);
  });

  it('reaches LB when only one side is ordered (LKMM needs both for the cycle)', () => {
    expect(reached(lb(once, 'smp_mb();', plainStore, once, '', plainStore))).toBeGreaterThan(0);
    expect(reached(lb(once, '', 'if (r0) WRITE_ONCE(*$, 1);', once, '', plainStore))).toBeGreaterThan(0);
    expect(reached(lb(acquire, '', plainStore, once, '', plainStore))).toBeGreaterThan(0);
  });

  it('reaches LB across smp_rmb and smp_wmb, which order only loads with loads and stores with stores', () => {
    expect(reached(lb(once, 'smp_rmb();', plainStore, once, 'smp_rmb();', plainStore))).toBeGreaterThan(0);
    expect(reached(lb(once, 'smp_wmb();', plainStore, once, 'smp_wmb();', plainStore))).toBeGreaterThan(0);
  });

  it('never reaches LB with a dependency, a barrier or acquire/release on both sides', () => {
    const both = (mid: string, store: string, load = once) => lb(load, mid, store, load, mid, store);
    /** Never reached, though promises were made and thrown away (the check had work to do). */
    const never = (text: string): number => {
      const c = run(text, 3000, true);
      expect(c.discarded, text).toBeGreaterThan(0);
      return c.existsSeen;
    };
    expect(never(both('smp_mb();', plainStore))).toBe(0);
    expect(never(both('', 'if (r0) WRITE_ONCE(*$, 1);'))).toBe(0);
    // Both branches store the same value: still a control dependency in LKMM (herd7 reads syntax).
    expect(never(lb(once, '', 'if (r0 == 1) { WRITE_ONCE(*y, 1); } else { WRITE_ONCE(*y, 1); }', once, '', 'if (r1 == 1) { WRITE_ONCE(*x, 1); } else { WRITE_ONCE(*x, 1); }'))).toBe(0);
    expect(never(lb(once, '', 'WRITE_ONCE(*y, r0);', once, '', 'WRITE_ONCE(*x, r1);'))).toBe(0);
    // An address dependency: the address is y (or x) plus r & 0.
    expect(never(lb(once, '', 'WRITE_ONCE(*(y + (r0 & 0)), 1);', once, '', 'WRITE_ONCE(*(x + (r1 & 0)), 1);'))).toBe(0);
    expect(never(both('', plainStore, acquire))).toBe(0);
    expect(never(both('', 'smp_store_release($, 1);'))).toBe(0);
  });

  it('three threads: LB3 reached with one promise per thread; with data dependencies on two sides never', () => {
    const lb3 = (s0: string, s1: string) =>
      `C LB3\n{}\nP0(int *x, int *y)\n{\n int r0;\n r0 = READ_ONCE(*x);\n ${s0}\n}\nP1(int *y, int *z)\n{\n int r1;\n r1 = READ_ONCE(*y);\n ${s1}\n}\n` +
      `P2(int *z, int *x)\n{\n int r2;\n r2 = READ_ONCE(*z);\n WRITE_ONCE(*x, 1);\n}\nexists (0:r0=1 /\\ 1:r1=1 /\\ 2:r2=1)\n`;
    expect(reached(lb3('WRITE_ONCE(*y, 1);', 'WRITE_ONCE(*z, 1);'))).toBeGreaterThan(0);
    expect(reached(lb3('WRITE_ONCE(*y, r0);', 'WRITE_ONCE(*z, r1);'))).toBe(0);
  });

  it('2+2W: reached without barriers, never with smp_wmb on both sides (promises or not)', () => {
    const w = (mid: string) => `C 2+2W\n{}\nP0(int *x, int *y)\n{\n WRITE_ONCE(*x, 1);\n ${mid}\n WRITE_ONCE(*y, 2);\n}\nP1(int *x, int *y)\n{\n WRITE_ONCE(*y, 1);\n ${mid}\n WRITE_ONCE(*x, 2);\n}\nexists (x=1 /\\ y=1)\n`;
    expect(reached(w(''))).toBeGreaterThan(0);
    expect(reached(w('smp_wmb();'))).toBe(0);
    expect(run(w('smp_wmb();'), 3000, false).existsSeen).toBe(0);
  });

  it('keeps the dependency through the thread\'s own memory (plain accesses like registers)', () => {
    const text = `C LB+plain-dep\n{}\nP0(int *x, int *y, int *z)\n{\n int r0;\n int t;\n r0 = READ_ONCE(*x);\n *z = r0;\n t = *z;\n WRITE_ONCE(*y, t);\n}\nP1(int *x, int *y)\n{\n int r1;\n r1 = READ_ONCE(*y);\n WRITE_ONCE(*x, r1);\n}\nexists (0:r0=1 /\\ 1:r1=1)\n`;
    expect(reached(text)).toBe(0);
    expect(run(text, 3000, true).discarded).toBeGreaterThan(0);
  });

  it('counts discarded executions and why', () => {
    const c = run(lb(once, 'smp_mb();', plainStore, once, 'smp_mb();', plainStore), 3000, true);
    expect(c.discarded).toBeGreaterThan(0);
    expect(c.kept + c.discarded).toBe(3000);
    expect([...c.discardReasons.keys()].join('\n')).toMatch(/ordered after\) a load made after the promise/);
  });
});

describe("the kernel's litmus tests", () => {
  let source: LitmusSource | Error;
  beforeAll(() => {
    try {
      source = findLkmmLitmusTests();
    } catch (error) {
      source = error as Error;
    }
  }, 300_000);

  function files(skip: (note?: string) => void): LitmusSource {
    if (source instanceof Error) {
      const reason = `LKMM litmus tests unavailable: ${source.message}`;
      if (CI) throw new Error(reason);
      console.warn(`skipping: ${reason}`);
      skip(reason);
    }
    return source as LitmusSource;
  }

  let off: LkmmSuiteResult | undefined;
  it('without load buffering: every test supported, none unsound, only LB and the two Z6.0 not reached', (ctx) => {
    const s = files(ctx.skip);
    expect(s.files.length).toBeGreaterThanOrEqual(30);
    off = runLkmmSuite(s.files, s, { runs: 1000, seed: 1, promises: false });
    const table = formatLkmmTable(off);
    expect(off.unsupported, table).toEqual([]);
    expect(off.unsound, table).toEqual([]);
    expect(off.notReached.sort(), table).toEqual(['LB+poonceonces', 'Z6.0+pooncelock+pooncelock+pombonce', 'Z6.0+pooncerelease+poacquirerelease+fencembonceonce']);
    expect(off.agreeing).toBe(off.supported - 3);
    expect(table).toMatch(/agreement: \d+\/\d+ supported tests agree/);
  });

  it('with load buffering by promises: LB+poonceonces reached, the ordered LB tests and all Never tests still never', (ctx) => {
    const s = files(ctx.skip);
    const on = runLkmmSuite(s.files, s, { runs: 1000, seed: 1, promises: true });
    const table = formatLkmmTable(on, true);
    expect(on.unsupported, table).toEqual([]);
    expect(on.unsound, table).toEqual([]);
    expect(on.notReached.sort(), table).toEqual(['Z6.0+pooncelock+pooncelock+pombonce', 'Z6.0+pooncerelease+poacquirerelease+fencembonceonce']);
    const byName = new Map(on.results.map((r) => [r.name, r]));
    expect(byName.get('LB+poonceonces')!.existsSeen).toBeGreaterThan(0);
    for (const name of ['LB+fencembonceonce+ctrlonceonce', 'LB+poacquireonce+pooncerelease', 'LB+unlocklockonceonce+poacquireonce', 'dep+plain']) {
      const r = byName.get(name)!;
      expect(r.status, name).toBe('agrees');
      // Promises were tried there and thrown away: the check did something.
      expect(r.discarded, name).toBeGreaterThan(0);
    }
    expect(on.agreeing).toBe(on.supported - 2);
    if (off !== undefined) expect(on.agreeing).toBe(off.agreeing + 1);
  });

  it("Documentation/litmus-tests (atomic, locking, rcu): none unsound, all judged ones agree", (ctx) => {
    files(ctx.skip);
    let docs: LitmusSource;
    try {
      docs = findLkmmLitmusTests({ set: 'documentation' });
    } catch (error) {
      if (CI) throw error;
      ctx.skip(String(error));
      return;
    }
    const r = runLkmmSuite(docs.files, docs, { runs: 1000, seed: 1, promises: true });
    const table = formatLkmmTable(r);
    expect(r.unsound, table).toEqual([]);
    expect(r.agreeing, table).toBe(r.supported);
    expect(r.supported, table).toBeGreaterThanOrEqual(11);
    expect(r.unsupported.map((u) => u.reason).join('\n'), table).toMatch(/DEADLOCK/);
    expect(r.families.map((f) => f.family)).toEqual(['atomic', 'locking', 'rcu']);
  });

  it('the CLI runs one kernel test and writes its results', (ctx) => {
    const s = files(ctx.skip);
    const dir = s.dir.replace(/\/tools\/memory-model\/litmus-tests$/, '');
    const out = `results/test-lkmm-${process.pid}.json`;
    const logged: string[] = [];
    const log = console.log;
    console.log = (line: string) => logged.push(line);
    try {
      expect(main(['--kernel-src', dir, '--test', 'MP+poonceonces', '--runs', '300', '--out', out])).toBe(0);
      expect(main(['--kernel-src', dir, '--test', 'NOPE'])).toBe(2);
    } finally {
      console.log = log;
    }
    expect(logged.join('\n')).toMatch(/MP\+poonceonces\s+Sometimes\s+\d+\/300/);
    expect(existsSync(out)).toBe(true);
    const written = JSON.parse(readFileSync(out, 'utf8')) as LkmmSuiteResult;
    rmSync(out);
    expect(written.results.map((r) => [r.name, r.status])).toEqual([['MP+poonceonces', 'agrees']]);
  });
});

describe("the maple tree's slot store as litmus tests (litmus/maple)", () => {
  it('a control-dependent slot load gets the old entry over the new boundary even with smp_wmb; an address dependency or smp_rmb closes it', () => {
    const s = readLitmusFolder('litmus/maple');
    const r = runLkmmSuite(s.files, s, { runs: 1500, seed: 1, promises: true });
    const table = formatLkmmTable(r, true);
    expect(r.unsupported, table).toEqual([]);
    expect(r.agreeing, table).toBe(r.supported);
    const seen = Object.fromEntries(r.results.map((t) => [t.name, t.existsSeen! > 0]));
    expect(seen).toEqual({
      'SlotStore+assign+ctrl': true,
      'SlotStore+assign+rmb': true,
      'SlotStore+assignwmb+ctrl': true,
      'SlotStore+assignwmb+addr': false,
      'SlotStore+assignwmb+rmb': false,
    });
  });
});

describe('litmus CLI input errors', () => {
  it('exits 2 with a message', () => {
    const err = console.error;
    const lines: string[] = [];
    console.error = (l: string) => lines.push(l);
    try {
      expect(main(['--suite', 'other'])).toBe(2);
      expect(main(['--suite', 'lkmm', '--lb', 'maybe'])).toBe(2);
      expect(main(['--kernel-src', '/nonexistent/dir'])).toBe(2);
      expect(main(['--lb', 'off'])).toBe(2);
      expect(main(['--dir', 'litmus/maple', '--kernel-src', '/tmp'])).toBe(2);
      expect(main(['--dir', '/nonexistent/dir'])).toBe(2);
    } finally {
      console.error = err;
    }
    expect(lines.join('\n')).toMatch(/--suite is project, lkmm or lkmm-docs/);
    expect(lines.join('\n')).toMatch(/no such directory/);
    expect(lines.join('\n')).toMatch(/--lb is for --suite lkmm/);
    expect(lines.join('\n')).toMatch(/--kernel-src and --dir exclude each other/);
  });
});
