/**
 * churn: grow the tree from empty to height 4 and drain it back to empty, over and over, so roots
 * are replaced on the way up and collapse on the way down. The fill stores small ranges
 * [4k, 4k + 1] (a NULL gap after each) in ascending, descending or pseudo-random order of k; the
 * drain erases every one of them in ascending, descending or pseudo-random order, or (one cycle in
 * five) destroys the whole tree in one step. A state machine keeps each step to a few mutations.
 *
 * Pseudo-random orders are affine permutations i -> (a * i + b) mod n with gcd(a, n) = 1: a bijection
 * of [0, n) that costs nothing to set up and O(1) per element.
 */
import type { Mutator, Workload } from './workload.js';
import type { Rng } from '../../harness/rng.js';
import { checkKeyspace } from './util.js';

/** Height the fill stops at. */
const FILL_HEIGHT = 4;
/** Mutations per step. */
const PER_STEP = 4;
/** Keys per slot k: the range [4k, 4k + 1] and a NULL gap [4k + 2, 4k + 3]. */
const STRIDE = 4;

export type ChurnPhase = 'fill' | 'drain' | 'destroy';

export interface ChurnWorkload extends Workload {
  readonly phase: ChurnPhase;
  /** Fill/drain cycles completed. */
  readonly cycles: number;
}

/** An order over [0, n): ascending, descending or an affine permutation. */
class Order {
  private a = 1;
  private b = 0;
  private descending = false;
  constructor(private n: number) {}

  /** Choose a fresh order over [0, n). */
  reset(rng: Rng, n: number): void {
    this.n = n;
    this.a = 1;
    this.b = 0;
    const kind = rng.int(3);
    this.descending = kind === 1;
    if (kind === 2 && n >= 3) {
      // a * i stays below 2^53: a <= 2^22 and i < 2^30.
      const aMax = Math.min(n - 1, 1 << 22);
      let a = rng.range(2, aMax);
      while (gcd(a, n) !== 1) a = a + 1 > aMax ? 1 : a + 1;
      this.a = a;
      this.b = rng.int(n);
    }
  }

  at(i: number): number {
    if (this.descending) return this.n - 1 - i;
    return (this.a * i + this.b) % this.n;
  }
}

export function churnWorkload(keyspace: number): ChurnWorkload {
  checkKeyspace('churn', keyspace, 64);
  const slots = Math.floor(keyspace / STRIDE); // k in [0, slots)
  const fillOrder = new Order(slots);
  const drainOrder = new Order(1);
  let maxFill = slots;
  let phase: ChurnPhase = 'fill';
  let filled = 0; // fill positions stored: fillOrder.at(0 .. filled - 1)
  let drained = 0; // drain positions erased
  let cycles = 0;

  const startFill = (m: Mutator): void => {
    phase = 'fill';
    filled = 0;
    fillOrder.reset(m.rng, slots);
  };

  const startDrain = (m: Mutator): void => {
    drained = 0;
    if (filled === 0) return startFill(m);
    if (m.rng.chance(0.2)) {
      phase = 'destroy';
      return;
    }
    phase = 'drain';
    drainOrder.reset(m.rng, filled);
  };

  const endCycle = (m: Mutator): void => {
    cycles++;
    startFill(m);
  };

  return {
    name: 'churn',
    allocRange: false,
    get phase(): ChurnPhase {
      return phase;
    },
    get cycles(): number {
      return cycles;
    },
    setup(m: Mutator): void {
      // Random fill leaves leaves about half full: bound the entries by the slab too.
      maxFill = Math.max(1, Math.min(slots, m.tree.nodeLimit * 2));
      if (m.tree.height() !== 0) m.destroy();
      startFill(m);
    },
    step(m: Mutator): void {
      if (phase === 'fill') {
        for (let i = 0; i < PER_STEP && filled < maxFill; i++) {
          const k = fillOrder.at(filled++);
          m.store(k * STRIDE, k * STRIDE + 1, m.nextToken());
        }
        if (m.tree.height() >= FILL_HEIGHT || filled >= maxFill) startDrain(m);
      } else if (phase === 'drain') {
        for (let i = 0; i < PER_STEP && drained < filled; i++) {
          const k = fillOrder.at(drainOrder.at(drained++));
          m.erase(k * STRIDE);
        }
        if (drained >= filled) endCycle(m);
      } else {
        m.destroy();
        endCycle(m);
      }
    },
  };
}

function gcd(a: number, b: number): number {
  while (b !== 0) {
    const t = a % b;
    a = b;
    b = t;
  }
  return a;
}
