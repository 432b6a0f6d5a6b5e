/**
 * Litmus programs against the memory layer, run on the weak-memory simulator.
 *
 * A litmus test is a few threads, each a plain synchronous function of its `SimulatedMemory` that
 * returns its registers. One execution: a fresh SimWorld seeded from (seed, run); the threads start
 * in a seeded order, and at every access (the world's hook) the scheduler may drain buffered
 * stores and may start the next thread right there, nested (a hook may run another thread's
 * whole code, so no generators are needed). Each execution also draws its own
 * scheduling knobs (how eagerly stores drain, how eagerly threads start), so a few thousand runs
 * cover eager, lazy and mixed schedules. An execution is replayable from (seed, run).
 */
import { Rng } from '../rng.js';
import { SimWorld } from '../../shared-heap/simulated-memory.js';
import type { SimulatedMemory } from '../../shared-heap/simulated-memory.js';

/** A thread's registers, by name (names are unique across a test's threads). */
export type Registers = Record<string, number>;

export type LitmusThread = (m: SimulatedMemory) => Registers;

export type Verdict = 'allowed' | 'forbidden';

export interface LitmusTest {
  name: string;
  description: string;
  /** Address space in words (default 8). */
  words?: number;
  /** Initial values, [address, value]; every other word starts at 0. */
  init?: ReadonlyArray<readonly [number, number]>;
  threads: readonly LitmusThread[];
  /** The outcome the test asks about (herd7's `exists` clause). */
  exists: { text: string; holds: (r: Registers) => boolean };
  /** herd7's verdict for `exists` under the Linux-kernel memory model. */
  lkmm: Verdict;
  /**
   * Set when the simulator, by design, cannot reach an outcome LKMM allows: not a failure, a
   * documented difference (the text says why).
   */
  simulatorStronger?: string;
}

export interface LitmusRunOptions {
  runs: number;
  seed: number;
}

export interface LitmusCounts {
  /** Outcome text (registers in thread order, "r1=1 r2=0") to how many runs ended with it. */
  outcomes: Map<string, number>;
  /** Runs whose registers satisfied `exists`. */
  existsSeen: number;
}

// Knob values a run draws from: probability per access of draining a store (repeated while it
// hits) and of starting the next thread there.
const DRAIN_RATES = [0.1, 0.3, 0.5, 0.7, 0.9];
const START_RATES = [0.02, 0.1, 0.3, 0.6];

/** One execution, replayable from (seed, run): the registers of every thread. */
export function runLitmusOnce(test: LitmusTest, seed: number, run: number): Registers {
  const rng = new Rng(seed, run);
  const world = new SimWorld({ words: test.words ?? 8, choice: rng });
  for (const [addr, value] of test.init ?? []) world.init(addr, value);
  const n = test.threads.length;
  const mems = test.threads.map((_, i) => world.createThread({ name: `P${i}` }));
  const drainRate = DRAIN_RATES[rng.int(DRAIN_RATES.length)];
  const startRate = START_RATES[rng.int(START_RATES.length)];

  // A seeded start order (Fisher-Yates).
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  const regs: Registers[] = new Array<Registers>(n);
  let next = 0;
  const startNext = (): void => {
    const t = order[next++];
    regs[t] = test.threads[t](mems[t]);
  };
  const drainSome = (): void => {
    while (rng.chance(drainRate) && world.drainAny()) {
      // one store per iteration
    }
  };

  world.onAccess = () => {
    drainSome();
    if (next < n && rng.chance(startRate)) startNext();
  };
  while (next < n) {
    startNext();
    drainSome();
  }
  world.onAccess = null;
  world.drainAll();

  const out: Registers = {};
  for (const r of regs) Object.assign(out, r);
  return out;
}

/** Registers as outcome text, in thread order then register order. */
export function outcomeText(r: Registers): string {
  return Object.entries(r)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
}

/** `runs` seeded executions of one test: outcome counts. */
export function runLitmus(test: LitmusTest, options: LitmusRunOptions): LitmusCounts {
  const outcomes = new Map<string, number>();
  let existsSeen = 0;
  for (let run = 0; run < options.runs; run++) {
    const r = runLitmusOnce(test, options.seed, run);
    const key = outcomeText(r);
    outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
    if (test.exists.holds(r)) existsSeen++;
  }
  return { outcomes, existsSeen };
}
