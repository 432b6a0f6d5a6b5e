/**
 * Empty-area search (mas_empty_area / mas_empty_area_rev). In allocation trees the gaps kept in
 * arange_64 nodes let the search skip subtrees with no free run large enough; other trees are
 * searched slot by slot. NULL ranges never sit next to each other anywhere in the tree, so a free
 * window always lies inside one leaf slot.
 */
import type { Memory } from '../shared-heap/memory.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  ARANGE_SLOTS_AT,
  HDR_ROOT,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  RANGE_SLOTS,
  RANGE_SLOTS_AT,
  ARANGE_SLOTS,
  isNode,
} from './layout.js';

const NONE = -1;
const RETRY = -2;

/** Counts the re-walks a search needed (the cursor that asked). */
export interface RewalkCounter {
  rewalks: number;
}

export function findEmptyArea(
  mem: Memory,
  limit: number,
  min: number,
  max: number,
  size: number,
  rev: boolean,
  counter: RewalkCounter,
): number {
  if (max - min + 1 < size) return NONE;
  for (;;) {
    const root = mem.deref(HDR_ROOT);
    if (!isNode(root)) {
      // Empty: all free. A single root entry occupies [0, 0].
      const lo = root !== 0 && min === 0 ? 1 : min;
      if (max - lo + 1 < size) return NONE;
      return rev ? max - size + 1 : lo;
    }
    const found = search(mem, limit, root, 0, MAX_INDEX, min, max, size, rev);
    if (found !== RETRY) return found;
    counter.rewalks++;
  }
}

/** Gaps are stored clamped to 32 bits; a request for the whole keyspace compares as that. */
function gapNeed(size: number): number {
  return size > MAX_INDEX ? MAX_INDEX : size;
}

function search(
  mem: Memory,
  limit: number,
  enode: number,
  nodeMin: number,
  nodeMax: number,
  min: number,
  max: number,
  size: number,
  rev: boolean,
): number {
  const id = enode >>> 4;
  if (id > limit) return RETRY;
  const type = (enode >>> 2) & 3;
  const base = id << 6;
  const slots = type === ARANGE_64 ? ARANGE_SLOTS : RANGE_SLOTS;
  let end = mem.read(base + META) & 0xff;
  if (end >= slots) end = slots - 1;
  const leaf = type < 2;
  const slotsAt = type === ARANGE_64 ? ARANGE_SLOTS_AT : RANGE_SLOTS_AT;
  const need = gapNeed(size);
  let found = NONE;
  for (let k = 0; k <= end; k++) {
    const i = rev ? end - k : k;
    const first = i === 0 ? nodeMin : mem.read(base + PIVOTS + i - 1) + 1;
    const last = i === end ? nodeMax : mem.read(base + PIVOTS + i);
    if (last < min) {
      if (rev) break;
      continue;
    }
    if (first > max) {
      if (rev) continue;
      break;
    }
    if (leaf) {
      // A free window lies inside one NULL slot: is this one large enough within [min, max]?
      if (mem.deref(base + RANGE_SLOTS_AT + i) !== 0) continue;
      const lo = first > min ? first : min;
      const hi = last < max ? last : max;
      if (hi - lo + 1 >= size) {
        found = rev ? hi - size + 1 : lo;
        break;
      }
      continue;
    }
    if (type === ARANGE_64 && mem.read(base + ARANGE_GAPS_AT + i) < need) continue;
    const child = mem.deref(base + slotsAt + i);
    mem.rmb();
    if (mem.read(base + PARENT) >>> 8 === id) return RETRY;
    if (!isNode(child)) return RETRY;
    const below = search(mem, limit, child, first, last, min, max, size, rev);
    if (below !== NONE) return below;
  }
  // A leaf's answer, or an internal node's "nothing here", holds only if the node is still alive.
  mem.rmb();
  if (mem.read(base + PARENT) >>> 8 === id) return RETRY;
  return found;
}
