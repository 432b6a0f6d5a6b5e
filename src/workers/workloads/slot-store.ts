/**
 * slot-store: the kernel's run_check_rcu_slot_store. A large block in the middle of the keyspace
 * holds three ranges: its left part, a small middle range and its right part. Each step grows the
 * middle range by one index on both sides (store(--start, ++end)), so the middle range stays
 * symmetric around the block's centre in every version; a torn two-pivot update would show a reader
 * an asymmetric range. After `limit` growths (10000, or less when the block is smaller) the block
 * is rebuilt and the growth starts again.
 *
 * Both sides of the block are divided into neighbouring ranges; with probability 1/2 a step also
 * moves the boundary between two of them by a few indices (one range overwritten whole, the next
 * one in part), the two-range case the writer does in place as a slot store. The symmetric growth
 * touches three ranges, which RCU mode turns into a node store.
 */
import type { Mutator, Workload } from './workload.js';
import { checkKeyspace } from './util.js';

export interface SlotStoreWorkload extends Workload {
  /** The middle range's centre: its first + last is always 2 * centre (may end in .5). */
  readonly centre: number;
  /** Growth steps per cycle before the block is rebuilt. */
  readonly limit: number;
}

/** Neighbouring ranges per side of the block. */
const SIDE_RANGES = 100;
/** The kernel test's number of growth steps. */
const KERNEL_LIMIT = 10000;

export function slotStoreWorkload(keyspace: number): SlotStoreWorkload {
  checkKeyspace('slot-store', keyspace, 64);
  const blockFirst = Math.floor(keyspace / 4);
  const blockLast = keyspace - 1 - blockFirst;
  const sum = blockFirst + blockLast; // first + last of the middle range, always
  const start0 = Math.floor(sum / 2) - 1;
  const end0 = sum - start0;
  // After g growths start is start0 - g; the left part [blockFirst, start - 1] keeps an index.
  const limit = Math.min(KERNEL_LIMIT, start0 - blockFirst - 1);
  const left = sideBounds(0, blockFirst);
  const right = sideBounds(blockLast + 1, keyspace);
  let start = start0;
  let end = end0;

  /** Move one boundary between two neighbouring side ranges by 1..3 indices. */
  const tradeBoundary = (m: Mutator): void => {
    const b = m.rng.chance(0.5) ? left : right;
    const n = b.length - 1; // ranges on this side
    if (n < 2) return;
    const j = m.rng.range(1, n - 1);
    const shift = m.rng.range(1, 3);
    const grow = m.rng.chance(0.5);
    const nb = grow ? b[j] + shift : b[j] - shift;
    if (nb <= b[j - 1] || nb >= b[j + 1]) return; // both ranges keep at least one index
    if (grow) m.store(b[j - 1], nb - 1, m.nextToken()); // range j-1 whole, head of range j
    else m.store(nb, b[j + 1] - 1, m.nextToken()); // tail of range j-1, range j whole
    b[j] = nb;
  };

  const buildBlock = (m: Mutator): void => {
    m.store(blockFirst, blockLast, m.nextToken());
    start = start0;
    end = end0;
    m.store(start, end, m.nextToken());
  };

  return {
    name: 'slot-store',
    allocRange: false,
    centre: sum / 2,
    limit,
    setup(m: Mutator): void {
      for (const b of [left, right]) {
        for (let j = 0; j + 1 < b.length; j++) m.store(b[j], b[j + 1] - 1, m.nextToken());
      }
      buildBlock(m);
    },
    step(m: Mutator): void {
      if (start0 - start < limit) m.store(--start, ++end, m.nextToken());
      else buildBlock(m);
      if (m.rng.chance(0.5)) tradeBoundary(m);
    },
  };
}

/** Boundaries of up to SIDE_RANGES equal ranges over [lo, hi): range j is [b[j], b[j+1] - 1]. */
function sideBounds(lo: number, hi: number): Float64Array {
  const n = Math.max(1, Math.min(SIDE_RANGES, Math.floor((hi - lo) / 4)));
  const len = Math.floor((hi - lo) / n);
  const b = new Float64Array(n + 1);
  for (let j = 0; j < n; j++) b[j] = lo + j * len;
  b[n] = hi;
  return b;
}
