/**
 * Scheduling strategies of the simulator. A strategy is asked at every shared-memory access of the
 * running logical thread (the top of the stack) whether to drain one buffered store (the writer's
 * tree stores, a reader's RCU announcement) and whether to run another thread's whole operation right there (nested: the interrupted
 * thread resumes when it returns), and, between operations, which thread runs next.
 *
 * - random: at each access one decision in 1024: mostly nothing, sometimes a drain, now and then
 *   a switch to a random thread.
 * - pct (probabilistic concurrency testing, Burckhardt et al. 2010): distinct random priorities,
 *   the highest-priority thread runs, and at depth - 1 random steps the running thread drops below
 *   every other. The store buffer's drains are one more "thread" with a priority. With whole
 *   operations nested, a lowered thread that others are stacked on only resumes once they finish
 *   their operations: an approximation of PCT, stated in the README.
 */
import type { Chooser } from './chooser.js';

export type StrategyName = 'random' | 'pct' | 'exhaustive';
/** 'exhaustive' (exhaustive-strategy.ts) is driven by the bounded enumerator, never by a seed. */
export const STRATEGIES: readonly StrategyName[] = ['random', 'pct', 'exhaustive'];

/** What a strategy may see and do. */
export interface SchedulerView {
  readonly threads: readonly LogicalThread[];
  readonly chooser: Chooser;
  /** The running thread (top of the stack), or null between operations. */
  top(): LogicalThread | null;
  /** Steps (shared-memory accesses) so far. */
  readonly steps: number;
  /** Drain one buffered store (of any thread); false if none. */
  drainOne(): boolean;
  /** Drain every buffered store that is not held, each thread's in program order. */
  flush(): void;
  /** Run one whole operation of `thread` now, nested in the current one. */
  runNested(thread: LogicalThread): void;
  /** A violation was found: no more switches. */
  readonly stopping: boolean;
}

export interface LogicalThread {
  readonly name: string;
  opsLeft: number;
  onStack: boolean;
  priority: number;
}

export interface Strategy {
  /** Before the first operation: draw whatever the strategy needs. */
  init(view: SchedulerView): void;
  /** Before each access of the running thread. */
  atAccess(view: SchedulerView): void;
  /** Between operations: the next thread to run (one with operations left). */
  next(view: SchedulerView): LogicalThread;
}

/** Weights out of 1024 per access. */
const SWITCH = 24;
const DRAIN = 160;
const QUIET = 1024 - SWITCH - DRAIN;

function runnable(view: SchedulerView): LogicalThread[] {
  return view.threads.filter((t) => t.opsLeft > 0 && !t.onStack);
}

export class RandomStrategy implements Strategy {
  init(): void {}

  atAccess(view: SchedulerView): void {
    const c = view.chooser.int(1024);
    if (c < QUIET) return;
    if (c < QUIET + DRAIN) {
      view.drainOne();
      return;
    }
    if (view.stopping) return;
    const candidates = runnable(view);
    if (candidates.length > 0) view.runNested(candidates[view.chooser.int(candidates.length)]);
  }

  next(view: SchedulerView): LogicalThread {
    // Some stores drain between operations too.
    for (let d = view.chooser.int(4); d > 0; d--) view.drainOne();
    const candidates = runnable(view);
    return candidates[view.chooser.int(candidates.length)];
  }
}

export class PctStrategy implements Strategy {
  private changeAt: number[] = [];
  private drainPriority = 0;

  constructor(
    private readonly depth: number,
    /** The expected length of a run in steps: change points fall in [1, steps]. */
    private readonly steps: number,
  ) {}

  init(view: SchedulerView): void {
    const n = view.threads.length + 1;
    const priorities = Array.from({ length: n }, (_, i) => this.depth + i);
    for (let i = n - 1; i > 0; i--) {
      const j = view.chooser.int(i + 1);
      [priorities[i], priorities[j]] = [priorities[j], priorities[i]];
    }
    view.threads.forEach((t, i) => (t.priority = priorities[i]));
    this.drainPriority = priorities[n - 1];
    this.changeAt = [];
    for (let i = 0; i < this.depth - 1; i++) this.changeAt.push(1 + view.chooser.int(this.steps));
  }

  atAccess(view: SchedulerView): void {
    const top = view.top();
    if (top === null) return;
    for (let i = 0; i < this.changeAt.length; i++) {
      // Change point i: the running thread drops below every initial priority (depth - 1 - i).
      if (this.changeAt[i] === view.steps) top.priority = this.depth - 1 - i;
    }
    if (this.drainPriority > top.priority) view.drainOne();
    while (!view.stopping) {
      const best = this.highest(view);
      if (best === null || best.priority <= top.priority) return;
      view.runNested(best);
    }
  }

  next(view: SchedulerView): LogicalThread {
    const best = this.highest(view) as LogicalThread;
    if (this.drainPriority > best.priority) while (view.drainOne());
    return best;
  }

  private highest(view: SchedulerView): LogicalThread | null {
    let best: LogicalThread | null = null;
    for (const t of view.threads) {
      if (t.opsLeft > 0 && !t.onStack && (best === null || t.priority > best.priority)) best = t;
    }
    return best;
  }
}
