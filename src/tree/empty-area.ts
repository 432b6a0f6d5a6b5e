/**
 * Empty-area search (mas_empty_area / mas_empty_area_rev). In allocation trees the gaps kept in
 * arange_64 nodes let the search skip subtrees with no free run large enough; other trees are
 * searched slot by slot. NULL ranges never sit next to each other anywhere in the tree, so a free
 * window always lies inside one leaf slot.
 *
 * The kernel runs this search under the tree lock (mas_awalk descends with no dead checks). Here
 * readers run it lockless, so it follows the read protocol of the walks (walk.ts): it starts from
 * mas_start (the root checked for death), and every node's answer, read from its data end,
 * pivots, gaps and slots, holds only if the node's dead check (the one in node-access.ts) after
 * those reads passes; otherwise the search starts again from the root. The catalog switches act
 * here as in the walks: stale-pivots checks each node before reading it and not after, dead-root
 * trusts the root mas_start loaded, missing-rmb drops the barrier of the check.
 */
import { Bug } from '../shared-heap/bugs.js';
import { ARANGE_64, MAX_INDEX, isNode } from './layout.js';
import { dataEnd, deadNode, gap, safeMin, safePivot, slot } from './node-access.js';
import { MA_ACTIVE, MA_START, masStart } from './walk.js';
import type { MaState } from './walk.js';

const NONE = -1;
const RETRY = -2;
const STALE_PIVOTS = Bug.STALE_PIVOTS;
const DEAD_ROOT = Bug.DEAD_ROOT;

/**
 * The start of the lowest (highest, `rev`) free window of `size` inside [min, max], or -1. Uses
 * `mas` for the start of the walk and its re-walk count; leaves it at MA_START.
 */
export function findEmptyArea(mas: MaState, min: number, max: number, size: number, rev: boolean): number {
  if (max - min + 1 < size) return NONE;
  for (;;) {
    mas.status = MA_START;
    mas.index = min;
    const rootEntry = masStart(mas);
    if (mas.status !== MA_ACTIVE) {
      // Empty: all free. A single root entry occupies [0, 0].
      const lo = rootEntry !== 0 ? 1 : min;
      mas.status = MA_START;
      if (max - lo + 1 < size || lo > max) return NONE;
      return rev ? max - size + 1 : lo;
    }
    const trustRoot = (mas.bugs & DEAD_ROOT) !== 0;
    const found = search(mas, mas.node, 0, MAX_INDEX, min, max, size, rev, trustRoot);
    mas.status = MA_START;
    if (found !== RETRY) return found;
    mas.rewalks++;
  }
}

/** Gaps are stored clamped to 32 bits; a request for the whole keyspace compares as that. */
function gapNeed(size: number): number {
  return size > MAX_INDEX ? MAX_INDEX : size;
}

function search(
  mas: MaState,
  enode: number,
  nodeMin: number,
  nodeMax: number,
  min: number,
  max: number,
  size: number,
  rev: boolean,
  trust: boolean,
): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const id = enode >>> 4;
  if (id > mas.limit) return RETRY;
  const type = (enode >>> 2) & 3;
  const base = id << 6;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  const check = !trust;
  // Patch 1 reverted: the node's check comes before its reads, none after.
  if (stale && check && deadNode(mem, base, id, bugs)) return RETRY;
  const end = dataEnd(mem, base, type);
  const leaf = type < 2;
  const need = gapNeed(size);
  let found = NONE;
  for (let k = 0; k <= end; k++) {
    const i = rev ? end - k : k;
    const first = safeMin(mem, base, i, nodeMin);
    const last = safePivot(mem, base, i, end, nodeMax);
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
      if (slot(mem, base, type, i) !== 0) continue;
      const lo = first > min ? first : min;
      const hi = last < max ? last : max;
      if (hi - lo + 1 >= size) {
        found = rev ? hi - size + 1 : lo;
        break;
      }
      continue;
    }
    if (type === ARANGE_64 && gap(mem, base, i) < need) continue;
    const child = slot(mem, base, type, i);
    // What was read of this node (bounds, gap, child) holds only if it is still alive.
    if (!stale && check && deadNode(mem, base, id, bugs)) return RETRY;
    if (!isNode(child)) return RETRY;
    const below = search(mas, child, first, last, min, max, size, rev, false);
    if (below !== NONE) return below;
  }
  // A leaf's answer, or an internal node's "nothing here", holds only if the node is still alive.
  if (!stale && check && deadNode(mem, base, id, bugs)) return RETRY;
  return found;
}
