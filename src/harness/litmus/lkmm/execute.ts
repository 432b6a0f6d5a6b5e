/**
 * Runs a prepared litmus program many times on the weak-memory simulator. One execution: a fresh
 * SimWorld seeded from (seed, run); a seeded scheduler picks, before every statement, whether to
 * drain buffered stores, whether to switch to another runnable thread, and (with load buffering on)
 * whether the thread promises one of its later stores (promises.ts). Each execution draws its own
 * knobs (drain, switch and promise rates), so the runs mix eager and lazy schedules. At the end every
 * buffer drains, the registers and final memory are read, and the condition is evaluated.
 * Executions whose promises fail are discarded, not counted.
 */
import { Rng } from '../../rng.js';
import { SimWorld } from '../../../shared-heap/simulated-memory.js';
import type { Condition, Location } from './ast.js';
import { locationText } from './ast.js';
import type { PreparedProgram } from './prepare.js';
import { operandValue } from './prepare.js';
import { ThreadRun } from './interpret.js';
import { LitmusMemory } from './litmus-memory.js';
import type { ExecutionShared } from './interpret.js';
import { Discard, PromiseBook } from './promises.js';
import { LitmusUnsupported } from './lexer.js';

const DRAIN_RATES = [0.05, 0.2, 0.5, 0.9];
const SWITCH_RATES = [0.1, 0.3, 0.6, 1];
const PROMISE_RATES = [0.05, 0.2, 0.5];
/** Statements per execution before it is called a livelock (litmus tests have no loops). */
const STEP_BOUND = 100_000;

export interface ExecuteOptions {
  runs: number;
  seed: number;
  /** Load buffering by promises (default true). */
  promises?: boolean;
}

export interface ExecutionCounts {
  /** Executions attempted. */
  runs: number;
  /** Executions discarded: a promise could not be fulfilled as made. */
  discarded: number;
  /** Executions kept whose `filter` held (all kept ones when there is no filter). */
  kept: number;
  /** Kept executions that satisfied `exists`. */
  existsSeen: number;
  /** Outcome text to count (kept executions). */
  outcomes: Map<string, number>;
  /** Discard reason to count. */
  discardReasons: Map<string, number>;
  /** Promises made and fulfilled in kept executions' worth of runs (all runs). */
  promisesMade: number;
  promisesFulfilled: number;
}

export type Final = (loc: Location) => number;

export function executeLitmus(prepared: PreparedProgram, options: ExecuteOptions): ExecutionCounts {
  const counts: ExecutionCounts = {
    runs: options.runs,
    discarded: 0,
    kept: 0,
    existsSeen: 0,
    outcomes: new Map(),
    discardReasons: new Map(),
    promisesMade: 0,
    promisesFulfilled: 0,
  };
  const program = prepared.program;
  for (let run = 0; run < options.runs; run++) {
    const result = executeOnce(prepared, options.seed, run, options.promises ?? true);
    counts.promisesMade += result.promisesMade;
    counts.promisesFulfilled += result.promisesFulfilled;
    if (result.discard !== null) {
      counts.discarded++;
      counts.discardReasons.set(result.discard, (counts.discardReasons.get(result.discard) ?? 0) + 1);
      continue;
    }
    const final = result.final!;
    if (program.filter !== null && !holds(program.filter, final, prepared)) continue;
    counts.kept++;
    if (holds(program.exists, final, prepared)) counts.existsSeen++;
    const text = prepared.shown.map((loc) => `${locationText(loc)}=${final(loc)}`).join('; ');
    counts.outcomes.set(text, (counts.outcomes.get(text) ?? 0) + 1);
  }
  return counts;
}

interface OnceResult {
  final: Final | null;
  discard: string | null;
  promisesMade: number;
  promisesFulfilled: number;
}

/** One execution, replayable from (seed, run). */
export function executeOnce(prepared: PreparedProgram, seed: number, run: number, promises: boolean): OnceResult {
  const rng = new Rng(seed, run);
  const world = new SimWorld({ words: prepared.words, choice: rng });
  try {
    for (const { variable, value } of prepared.program.init) world.init(prepared.address.get(variable)!, operandValue(value, prepared.address));
    const n = prepared.program.threads.length;
    const drainRate = DRAIN_RATES[rng.int(DRAIN_RATES.length)];
    const switchRate = SWITCH_RATES[rng.int(SWITCH_RATES.length)];
    const promiseRate = promises ? PROMISE_RATES[rng.int(PROMISE_RATES.length)] : 0;
    const book = promises ? new PromiseBook(n) : null;
    const shared: ExecutionShared = { world, prepared, lockHolder: new Map(), promises: book, rcuNesting: new Array<number>(n).fill(0), gpStartClock: 0, rcsEndSeq: new Array<number>(n).fill(0) };
    const threads = prepared.program.threads.map((_, i) => new ThreadRun(i, world.register(new LitmusMemory(world, i, `P${i}`)), shared));
    const finished = new Array<boolean>(n).fill(false);
    let current = rng.int(n);
    try {
      for (let steps = 0; ; steps++) {
        if (steps > STEP_BOUND) throw new LitmusUnsupported(`no end after ${STEP_BOUND} statements`);
        while (rng.chance(drainRate) && world.drainAny()) {
          // one store per iteration
        }
        for (let i = 0; i < n; i++) {
          if (!finished[i] && threads[i].done) {
            finished[i] = true;
            book?.onFinish(i);
          }
        }
        const runnable = threads.filter((t) => t.runnable());
        if (runnable.length === 0) {
          if (finished.every(Boolean)) break;
          // Every live thread waits for a lock whose unlock, or a grace period whose readers'
          // stores, are still buffered: drain.
          if (!world.drainAny()) throw new LitmusUnsupported('deadlock: every live thread waits (for a lock or a grace period)');
          continue;
        }
        if (!threads[current].runnable() || rng.chance(switchRate)) current = runnable[rng.int(runnable.length)].index;
        const thread = threads[current];
        world.storeOrigin = current + 1;
        if (book !== null && !book.has(current) && rng.chance(promiseRate)) promise(thread, prepared, book, rng);
        thread.step();
      }
    } catch (error) {
      if (error instanceof Discard) return { final: null, discard: error.message, promisesMade: book?.made ?? 0, promisesFulfilled: book?.fulfilled ?? 0 };
      throw error;
    }
    world.drainAll();
    const final: Final = (loc) => ('variable' in loc ? world.newest(prepared.address.get(loc.variable)!) | 0 : (threads[loc.thread].regs.get(loc.reg)?.v ?? 0));
    return { final, discard: null, promisesMade: book?.made ?? 0, promisesFulfilled: book?.fulfilled ?? 0 };
  } finally {
    world.dispose();
  }
}

/**
 * The thread promises one of its store statements that has not run yet: its address and value when
 * they are constants, else guesses among the program's variables, constants and addresses (a wrong
 * guess is discarded when the store is reached, so guessing admits nothing LKMM forbids).
 */
function promise(thread: ThreadRun, prepared: PreparedProgram, book: PromiseBook, rng: Rng): void {
  const sites = prepared.storeSites[thread.index].filter((s) => !thread.executed.has(s.stmt));
  if (sites.length === 0) return;
  const site = sites[rng.int(sites.length)];
  const addresses = [...prepared.address.values()];
  let value: number;
  if (site.value !== null) value = operandValue(site.value, prepared.address);
  else {
    const pool = [...prepared.constants, ...addresses];
    value = pool[rng.int(pool.length)];
  }
  const addr = site.variable !== null ? prepared.address.get(site.variable)! : addresses[rng.int(addresses.length)];
  const { loads, stores, rcu } = thread.marks();
  book.make(thread.index, thread.mem, addr, value, loads, stores, rcu);
}

export function holds(c: Condition, final: Final, prepared: PreparedProgram): boolean {
  switch (c.k) {
    case 'true':
      return true;
    case 'not':
      return !holds(c.c, final, prepared);
    case 'and':
      return holds(c.l, final, prepared) && holds(c.r, final, prepared);
    case 'or':
      return holds(c.l, final, prepared) || holds(c.r, final, prepared);
    case 'atom': {
      const equal = final(c.loc) === operandValue(c.value, prepared.address);
      return c.op === '=' ? equal : !equal;
    }
  }
}

