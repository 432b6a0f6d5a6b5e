/**
 * The strategy of bounded-exhaustive exploration (bounded-dfs.ts): sequentially consistent unless
 * a decision says otherwise, so that every deviation is one counted decision.
 *
 * - Before every access every store that is not held drains, in program order: by default a store
 *   is visible to every thread from the next access on. Whether to hold a store back is asked when
 *   it is made (SimWorld.holdStore, purpose 'hold'); a held store is overtaken by the later stores
 *   of its epoch and drains once a store the barriers order after it is due (StoreBuffer.nextFlush).
 * - At every access: go on (0) or run one whole operation of another runnable thread nested here
 *   (purpose 'switch', a preemption).
 * - Between operations: which thread runs next (purpose 'next', free).
 * - The memory's own choices stay: which value a load returns (0: the newest allowed) and, where a
 *   barrier drains a buffer, in which order (0: program order); drain choices are exact.
 */
import type { LogicalThread, SchedulerView, Strategy } from './strategies.js';

const isRunnable = (t: LogicalThread): boolean => t.opsLeft > 0 && !t.onStack;

/** The k-th runnable thread (no array: this runs at every access). */
function kthRunnable(threads: readonly LogicalThread[], k: number): LogicalThread {
  for (const t of threads) if (isRunnable(t) && k-- === 0) return t;
  throw new Error('exhaustive strategy: no such runnable thread');
}

export class ExhaustiveStrategy implements Strategy {
  init(): void {}

  atAccess(view: SchedulerView): void {
    view.flush();
    if (view.stopping) return;
    let candidates = 0;
    for (const t of view.threads) if (isRunnable(t)) candidates++;
    if (candidates === 0) return;
    const k = view.chooser.int(candidates + 1, 'switch');
    if (k === 0) return;
    view.runNested(kthRunnable(view.threads, k - 1));
    // The nested operation's last stores are visible to the access that resumes here.
    view.flush();
  }

  next(view: SchedulerView): LogicalThread {
    view.flush();
    let candidates = 0;
    for (const t of view.threads) if (isRunnable(t)) candidates++;
    return kthRunnable(view.threads, view.chooser.int(candidates, 'next'));
  }
}
