/**
 * Where every decision of a simulated run comes from: which thread runs, when stores drain, which
 * value a load returns. Drawn from a seed, or replayed from a recorded script (a shrunk failure);
 * every decision can be recorded. Choice 0 is always the least surprising one (no switch, no
 * drain, the newest value, the oldest store first), so zeroing decisions shrinks a run towards
 * the sequentially consistent one.
 */
import type { ChoicePurpose, ChoiceSource } from '../../shared-heap/simulated-memory.js';
import { Rng } from '../rng.js';

export class Chooser implements ChoiceSource {
  private readonly rng: Rng;
  private readonly script: readonly number[] | null;
  private at = 0;
  /** Every decision so far, when recording. */
  readonly recorded: number[] | null;
  /**
   * Each decision's arity and purpose, when recording the shape (the exhaustive explorer's
   * decision tree): decision i chose recorded[i] of arities[i] alternatives.
   */
  readonly arities: number[] | null;
  readonly purposes: Array<ChoicePurpose | undefined> | null;
  /** After the step bound: every decision is 0, so the run finishes like a sequentially consistent one. */
  fair = false;

  constructor(seed: number, options: { script?: readonly number[]; record?: boolean; shape?: boolean } = {}) {
    this.rng = new Rng(seed, 7);
    this.script = options.script ?? null;
    this.recorded = options.record === true || options.shape === true ? [] : null;
    this.arities = options.shape === true ? [] : null;
    this.purposes = options.shape === true ? [] : null;
  }

  /** Decisions made so far (positions in the script). */
  get made(): number {
    return this.at;
  }

  int(n: number, purpose?: ChoicePurpose): number {
    if (n <= 1) return 0;
    let v: number;
    if (this.fair) v = 0;
    else if (this.script !== null) {
      v = this.at < this.script.length ? this.script[this.at] : 0;
      if (v >= n) v %= n;
    } else v = this.rng.int(n);
    this.at++;
    if (this.recorded !== null) this.recorded.push(v);
    if (this.arities !== null) {
      // After the step bound no alternative is explored: the decision has one.
      this.arities.push(this.fair ? 1 : n);
      (this.purposes as Array<ChoicePurpose | undefined>).push(purpose);
    }
    return v;
  }
}
