/**
 * Bounded-exhaustive enumeration of a run's decision tree: stateless model checking by replay.
 *
 * The core idea: a run is a pure function of its decisions, and every decision is asked with its
 * arity and its purpose. A run replays a prefix of decisions and takes choice 0 (the least
 * surprising one) after it, recording what each decision could have been. The next run is the
 * current one up to its deepest decision that has an untried alternative the bounds allow, with
 * that alternative taken. So every decision sequence within the bounds runs exactly once, in
 * depth-first order, and nothing is stored but the current path.
 *
 * The bounds count non-zero choices by purpose (budgetClass): switches (another thread's operation
 * runs nested: a preemption) against the preemption bound; held stores, out-of-order drains and
 * stale loads against the reordering bound. The choice of which thread runs the next whole
 * operation ('next') costs nothing: a switch where a thread's operation ends is not a preemption
 * (as in CHESS's preemption bounding), so every order of whole operations is explored at every
 * bound. Any other purpose (or none) is an error: every decision must be classified.
 */
import type { ChoicePurpose } from '../../shared-heap/simulated-memory.js';

export type BudgetClass = 'preemption' | 'reordering';

export interface Bounds {
  preemptions: number;
  reorderings: number;
}

/** Which bound a non-zero choice of this purpose spends; null: none (see the module comment). */
export function budgetClass(purpose: ChoicePurpose | undefined): BudgetClass | null {
  switch (purpose) {
    case 'switch':
      return 'preemption';
    case 'load':
    case 'drain':
    case 'hold':
      return 'reordering';
    case 'next':
      return null;
    default:
      throw new Error(`bounded-exhaustive: a decision without a known purpose (${String(purpose)}) cannot be bounded`);
  }
}

/** What one run decided: value i of arities[i] alternatives, for purposes[i]. */
export interface DecisionRecord {
  values: readonly number[];
  arities: readonly number[];
  purposes: ReadonlyArray<ChoicePurpose | undefined>;
}

export class BoundedDfs {
  /** Runs handed out so far (each a distinct decision sequence). */
  runs = 0;
  /** The longest run, in decisions. */
  maxDecisions = 0;
  private prefix: number[] | null = [];
  private prefixArities: number[] = [];

  constructor(readonly bounds: Bounds) {
    for (const [name, v] of Object.entries(bounds)) {
      if (!Number.isInteger(v) || v < 0) throw new RangeError(`bound ${name} must be a non-negative integer, got ${v}`);
    }
  }

  /** The decision script of the next run (replayed, then 0s), or null once the space is exhausted. */
  next(): number[] | null {
    if (this.prefix === null) return null;
    this.runs++;
    return this.prefix;
  }

  /** The decisions of the run made from the last script: computes the next one. */
  record(run: DecisionRecord): void {
    const prefix = this.prefix;
    if (prefix === null) throw new Error('BoundedDfs.record: the space is already exhausted');
    const { values, arities, purposes } = run;
    const n = values.length;
    if (n > this.maxDecisions) this.maxDecisions = n;
    // Replay must be exact, or the count means nothing.
    if (n < prefix.length) throw new Error(`bounded-exhaustive: a replayed run made ${n} decisions, fewer than its script's ${prefix.length} (the run is not deterministic)`);
    for (let i = 0; i < prefix.length; i++) {
      if (values[i] !== prefix[i] || arities[i] !== this.prefixArities[i]) {
        throw new Error(`bounded-exhaustive: decision ${i} replayed as ${values[i]} of ${arities[i]}, recorded as ${prefix[i]} of ${this.prefixArities[i]} (the run is not deterministic)`);
      }
    }
    // Budget spent before each decision.
    const preemptionsBefore = new Int32Array(n);
    const reorderingsBefore = new Int32Array(n);
    let p = 0;
    let r = 0;
    const classes: Array<BudgetClass | null> = new Array(n);
    for (let i = 0; i < n; i++) {
      preemptionsBefore[i] = p;
      reorderingsBefore[i] = r;
      const c = budgetClass(purposes[i]);
      classes[i] = c;
      if (values[i] !== 0 && c === 'preemption') p++;
      else if (values[i] !== 0 && c === 'reordering') r++;
    }
    for (let i = n - 1; i >= 0; i--) {
      if (values[i] + 1 >= arities[i]) continue;
      const c = classes[i];
      // Moving from one non-zero choice to the next costs nothing more.
      if (values[i] === 0 && c === 'preemption' && preemptionsBefore[i] + 1 > this.bounds.preemptions) continue;
      if (values[i] === 0 && c === 'reordering' && reorderingsBefore[i] + 1 > this.bounds.reorderings) continue;
      this.prefix = values.slice(0, i + 1) as number[];
      this.prefix[i]++;
      this.prefixArities = arities.slice(0, i + 1) as number[];
      return;
    }
    this.prefix = null;
  }

  get exhausted(): boolean {
    return this.prefix === null;
  }
}
