/**
 * The steps of the tree's read paths between leaves and ranges, one function per kernel function
 * they follow (lib/maple_tree.c of Linux 6.12, names kept so the bug catalog can point at them):
 *
 *   masAscend       mas_ascend        up one level, recomputing min/max from the ancestors
 *   masNextNode     mas_next_node     the next leaf, through the parents
 *   masPrevNode     mas_prev_node     the previous leaf, through the parents
 *   masNextSlot     mas_next_slot     the next range (maybe NULL), re-walking if its node died
 *   masPrevSlot     mas_prev_slot     the previous range
 *
 * They work on the MaState of the walks (walk.ts, where the descent is: mas_start, mas_walk,
 * mas_rewalk, ...), and a step whose node died goes back to its saved point with masRewalk.
 *
 * Read protocol and catalog switches: as in walk.ts (which see). A node's reads come before its
 * dead check; STALE_PIVOTS (patch 1) moves each check that follows a node's reads to before them,
 * in ascend, next/prev node and next/prev slot; MISSING_RMB (patch 6) acts inside the dead check
 * (node-access.ts); DEAD_ROOT (patch 2) acts only in the walks.
 *
 * Where this code departs from 6.12, and why:
 * - Layout (node-access.ts: the data end is always in the metadata word): as in the range walks
 *   (walk.ts), the bounds of the last used slot come from the max the state carries, not from the
 *   pivot stored after the last item, and mas_next_node's descent through several levels tracks
 *   the bounds of each node it passes (the kernel reads them from that pivot).
 * - mas_ascend follows parent words with rcu_dereference (node-access.ts parentRef): the kernel's
 *   plain load is ordered by its address dependency, which a plain read here would not model.
 * - mas_prev_node: the kernel reads the parent's pivot for the new leaf's min after that parent's
 *   last dead check, so no check covers it (the free path overlays the first pivots right after
 *   the death barrier); here it is read before the check.
 * - mas_next_node: the new leaf's data end is read after the parent's last check, not before (see
 *   there; the leaf's own check covers it either way).
 * - mas_next_slot / mas_prev_slot: the current range's bound on the side of the step is read
 *   again, and when the range now reaches past the saved point (a slot store moved its bound in
 *   place, or a re-walk landed on a range stored over the saved point) that range is returned
 *   again with its new bounds; the kernel steps past it, skipping indices that held an entry for
 *   the whole step. mas_prev_slot re-reads the new range's last from its pivot where the kernel
 *   carries the previous index - 1 over from the last step. Both were results the result oracle
 *   rejects on a correct build (interleaving driver, slot-store and vma workloads).
 */
import { Bug } from '../shared-heap/bugs.js';
import { HDR_ROOT, MAX_INDEX, isNode, mkEnode } from './layout.js';
import {
  dataEnd,
  deadNode,
  parentRef,
  parentWord,
  pivot,
  safeMin,
  safePivot,
  slot,
  wordIsRoot,
  wordParentId,
  wordParentSlot,
  wordParentType,
} from './node-access.js';
import { MA_ACTIVE, MA_NONE, MA_OVERFLOW, MA_ROOT, MA_UNDERFLOW, masRewalk } from './walk.js';
import type { MaState } from './walk.js';

const STALE_PIVOTS = Bug.STALE_PIVOTS;

/**
 * mas_ascend: move mas.node to its parent, mas.offset to the slot it hangs from, and mas.min/max to
 * the parent's bounds, read from the ancestors' pivots. Returns 1 when a node on the way is dead
 * (the caller re-walks), 0 otherwise.
 */
export function masAscend(mas: MaState): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  const enode = mas.node;
  const id = enode >>> 4;
  const base = id << 6;
  const word = parentRef(mem, base);
  if (wordIsRoot(word)) {
    mas.offset = 0;
    return 0;
  }
  const pId = wordParentId(word);
  if (pId === id || pId === 0 || pId > mas.limit) return 1;
  const pEnode = mkEnode(pId, wordParentType(word));
  mas.offset = wordParentSlot(word);
  // The parent information must not have changed while it was read.
  if (wordParentId(parentWord(mem, base)) !== pId) return 1;
  mas.node = pEnode;
  const pBase = pId << 6;
  if (wordIsRoot(parentWord(mem, pBase))) {
    mas.min = 0;
    mas.max = MAX_INDEX;
    return 0;
  }
  let min = 0;
  let max = MAX_INDEX;
  let setMin = false;
  let setMax = false;
  if (mas.offset === 0) {
    min = mas.min;
    setMin = true;
  }
  if (mas.max === MAX_INDEX) setMax = true;
  let cBase = pBase;
  do {
    const cWord = parentRef(mem, cBase);
    const aId = wordParentId(cWord);
    const aType = wordParentType(cWord);
    const aSlot = wordParentSlot(cWord);
    if (aId === 0 || aId > mas.limit) return 1;
    const aBase = aId << 6;
    if (stale && deadNode(mem, aBase, aId, bugs)) return 1;
    if (!setMin && aSlot !== 0) {
      setMin = true;
      min = pivot(mem, aBase, aSlot - 1) + 1;
    }
    if (!setMax && aSlot < dataEnd(mem, aBase, aType)) {
      setMax = true;
      max = pivot(mem, aBase, aSlot);
    }
    if (!stale && deadNode(mem, aBase, aId, bugs)) return 1;
    if (wordIsRoot(parentWord(mem, aBase))) break;
    cBase = aBase;
  } while (!setMin || !setMax);
  mas.max = max;
  mas.min = min;
  return 0;
}

/**
 * mas_next_node: move to the first slot of the next leaf, for a state standing on a leaf, through
 * the parents. On success node/min/max/end are the new leaf's (offset is the caller's to set);
 * with nothing before `max` the status becomes MA_OVERFLOW. Returns 1 on a dead node.
 */
export function masNextNode(mas: MaState, max: number): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  let enode = mas.node;
  let id = enode >>> 4;
  let base = id << 6;
  if (mas.max >= max) return nextOverflow(mas, base, id);
  const min = mas.max + 1;
  let level = 0;
  let type = 0;
  let nodeEnd = 0;
  do {
    if (wordIsRoot(parentWord(mem, base))) return nextOverflow(mas, base, id);
    if (masAscend(mas) !== 0) return 1;
    level++;
    enode = mas.node;
    id = enode >>> 4;
    type = (enode >>> 2) & 3;
    base = id << 6;
    if (stale && deadNode(mem, base, id, bugs)) return 1;
    nodeEnd = dataEnd(mem, base, type);
    if (!stale && deadNode(mem, base, id, bugs)) return 1;
  } while (mas.offset === nodeEnd);
  const offset = mas.offset + 1;
  let childMax = safePivot(mem, base, offset, nodeEnd, mas.max);
  let child = slot(mem, base, type, offset);
  if (!stale && deadNode(mem, base, id, bugs)) return 1;
  while (level > 1) {
    level--;
    if (!isNode(child) || child >>> 4 > mas.limit) return 1;
    enode = child;
    id = enode >>> 4;
    type = (enode >>> 2) & 3;
    base = id << 6;
    if (stale && deadNode(mem, base, id, bugs)) return 1;
    childMax = safePivot(mem, base, 0, dataEnd(mem, base, type), childMax);
    child = slot(mem, base, type, 0);
    if (!stale && deadNode(mem, base, id, bugs)) return 1;
  }
  if (!isNode(child) || child >>> 4 > mas.limit) return 1;
  // The kernel reads the new leaf's data end just before this last check of the parent. That
  // check covers only the parent's reads; the leaf's end is covered by the leaf's own check in
  // mas_next_slot (after its slot read) either way. Reading it after the parent's check keeps a
  // node's reads closed by its own check, which the stale-read detector judges: read before, a
  // parent found dead here leaves the leaf's read unchecked while the state walks again.
  if (!stale && deadNode(mem, base, id, bugs)) return 1;
  const end = dataEnd(mem, (child >>> 4) << 6, (child >>> 2) & 3);
  mas.end = end;
  mas.offset = level > 1 ? 0 : offset;
  mas.node = child;
  mas.min = min;
  mas.max = childMax;
  return 0;
}

function nextOverflow(mas: MaState, base: number, id: number): number {
  if (deadNode(mas.mem, base, id, mas.bugs)) return 1;
  mas.status = MA_OVERFLOW;
  return 0;
}

/**
 * mas_prev_node: move to the last slot of the previous leaf, through the parents. On success
 * node/min/max/end are the new leaf's and offset its data end; with nothing after `min` the
 * status becomes MA_UNDERFLOW. Returns 1 on a dead node.
 */
export function masPrevNode(mas: MaState, min: number): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  let enode = mas.node;
  let id = enode >>> 4;
  let base = id << 6;
  if (mas.min === 0) return prevUnderflow(mas, base, id);
  const max = mas.min - 1;
  if (max < min) return prevUnderflow(mas, base, id);
  let level = 0;
  let offset = 0;
  do {
    if (wordIsRoot(parentWord(mem, base))) return prevUnderflow(mas, base, id);
    if (masAscend(mas) !== 0) return 1;
    offset = mas.offset;
    level++;
    enode = mas.node;
    id = enode >>> 4;
    base = id << 6;
  } while (offset === 0);
  offset--;
  let type = (enode >>> 2) & 3;
  if (stale && deadNode(mem, base, id, bugs)) return 1;
  let childMin = safeMin(mem, base, offset, mas.min);
  let child = slot(mem, base, type, offset);
  if (!stale && deadNode(mem, base, id, bugs)) return 1;
  while (level > 1) {
    level--;
    if (!isNode(child) || child >>> 4 > mas.limit) return 1;
    enode = child;
    id = enode >>> 4;
    type = (enode >>> 2) & 3;
    base = id << 6;
    if (stale && deadNode(mem, base, id, bugs)) return 1;
    offset = dataEnd(mem, base, type);
    childMin = safeMin(mem, base, offset, childMin);
    child = slot(mem, base, type, offset);
    if (!stale && deadNode(mem, base, id, bugs)) return 1;
  }
  if (!isNode(child) || child >>> 4 > mas.limit) return 1;
  const leafId = child >>> 4;
  const leafBase = leafId << 6;
  if (stale && deadNode(mem, leafBase, leafId, bugs)) return 1;
  const end = dataEnd(mem, leafBase, (child >>> 2) & 3);
  if (!stale && deadNode(mem, leafBase, leafId, bugs)) return 1;
  mas.node = child;
  mas.min = childMin;
  mas.max = max;
  mas.offset = end;
  mas.end = end;
  return 0;
}

function prevUnderflow(mas: MaState, base: number, id: number): number {
  if (deadNode(mas.mem, base, id, mas.bugs)) return 1;
  mas.status = MA_UNDERFLOW;
  return 0;
}

/**
 * After a re-walk found no node at the root (the tree became empty or a single root entry): the
 * next range after `after` (forward) or before it, from the root word alone. Returns the entry
 * (index/last set) or 0 with the status at MA_OVERFLOW / MA_UNDERFLOW.
 */
function nodelessStep(mas: MaState, forward: boolean, at: number, bound: number, empty: boolean): number {
  const root = mas.mem.deref(HDR_ROOT);
  if (isNode(root)) {
    // A node appeared again: one more walk.
    masRewalk(mas, at);
    return -1;
  }
  if (forward) {
    // After `at` the tree holds NULL up to the end of the keyspace.
    if (at === MAX_INDEX || at >= bound || !empty) {
      mas.status = MA_OVERFLOW;
      return 0;
    }
    mas.index = at + 1;
    mas.last = MAX_INDEX;
    mas.status = MA_NONE;
    return 0;
  }
  if (at === 0 || at <= bound) {
    mas.status = MA_UNDERFLOW;
    return 0;
  }
  if (root !== 0) {
    if (at === 1 || !empty) {
      mas.index = mas.last = 0;
      mas.status = MA_ROOT;
      return root;
    }
    mas.index = 1;
    mas.last = at - 1;
    mas.status = MA_NONE;
    return 0;
  }
  if (!empty) {
    mas.status = MA_UNDERFLOW;
    return 0;
  }
  mas.index = 0;
  mas.last = at - 1;
  mas.status = MA_NONE;
  return 0;
}

/**
 * mas_next_slot: the range after the current one, up to a start of `max`; `empty` returns NULL
 * ranges too, else NULL ranges are skipped. A dead node sends the state back to the range holding
 * the saved point (the current range's last index) and the step is taken again from there. On
 * running past max the status becomes MA_OVERFLOW and 0 is returned. A state standing on no node
 * (a nodeless root, or a cursor made active from overflow/underflow before it ever walked: 6.12
 * steps through a NULL node there) takes the step from the root word alone.
 */
export function masNextSlot(mas: MaState, max: number, empty: boolean): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  const savePoint = mas.last;
  retry: for (;;) {
    if (mas.status !== MA_ACTIVE || mas.node === 0) {
      const entry = nodelessStep(mas, true, savePoint, max, empty);
      if (entry < 0) continue;
      return entry;
    }
    let enode = mas.node;
    let id = enode >>> 4;
    let base = id << 6;
    if (deadNode(mem, base, id, bugs)) {
      masRewalk(mas, savePoint);
      continue;
    }
    let offset = mas.offset;
    // The current range's upper bound, read again (the kernel reads it to check for overflow, and
    // as the next range's start less one).
    const cur = safePivot(mem, base, offset, mas.end, mas.max);
    if (!stale && deadNode(mem, base, id, bugs)) {
      masRewalk(mas, savePoint);
      continue;
    }
    if (cur > savePoint && savePoint < max) {
      // The range the state stands on now reaches past the saved point: a slot store moved its
      // upper bound in place, or a re-walk landed on a range stored over the saved point. The
      // kernel steps past it, skipping indices that held an entry for the whole step (the result
      // oracle reports that); here the range is taken again with its bounds read now.
      const first = safeMin(mem, base, offset, mas.min);
      const entry = slot(mem, base, 1, offset);
      if (!stale && deadNode(mem, base, id, bugs)) {
        masRewalk(mas, savePoint);
        continue;
      }
      mas.last = cur;
      if (entry !== 0 || empty) {
        mas.index = first;
        return entry;
      }
    }
    if (cur >= max) {
      mas.status = MA_OVERFLOW;
      return 0;
    }
    mas.last = cur;
    if (offset < mas.end) mas.index = cur + 1;
    for (;;) {
      if (offset < mas.end) {
        offset++;
        mas.last = safePivot(mem, base, offset, mas.end, mas.max);
      } else {
        if (mas.last >= max) {
          mas.status = MA_OVERFLOW;
          return 0;
        }
        mas.offset = offset;
        if (masNextNode(mas, max) !== 0) {
          masRewalk(mas, savePoint);
          continue retry;
        }
        if ((mas.status as number) === MA_OVERFLOW) return 0;
        offset = 0;
        mas.index = mas.min;
        enode = mas.node;
        id = enode >>> 4;
        base = id << 6;
        mas.last = safePivot(mem, base, 0, mas.end, mas.max);
      }
      mas.offset = offset;
      const entry = slot(mem, base, 1, offset);
      if (!stale && deadNode(mem, base, id, bugs)) {
        masRewalk(mas, savePoint);
        continue retry;
      }
      if (entry !== 0 || empty) return entry;
      if (mas.last >= max) {
        mas.status = MA_OVERFLOW;
        return 0;
      }
      mas.index = mas.last + 1;
    }
  }
}

/**
 * mas_prev_slot: the range before the current one, down to an end of `min`; the mirror of
 * masNextSlot (the saved point is the current range's first index). On running past min the
 * status becomes MA_UNDERFLOW and 0 is returned.
 */
export function masPrevSlot(mas: MaState, min: number, empty: boolean): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const stale = (bugs & STALE_PIVOTS) !== 0;
  const savePoint = mas.index;
  retry: for (;;) {
    if (mas.status !== MA_ACTIVE || mas.node === 0) {
      const entry = nodelessStep(mas, false, savePoint, min, empty);
      if (entry < 0) continue;
      return entry;
    }
    let enode = mas.node;
    let id = enode >>> 4;
    let base = id << 6;
    if (deadNode(mem, base, id, bugs)) {
      masRewalk(mas, savePoint);
      continue;
    }
    let offset = mas.offset;
    // The current range's lower bound, read again (the mirror of masNextSlot).
    const cur = safeMin(mem, base, offset, mas.min);
    if (!stale && deadNode(mem, base, id, bugs)) {
      masRewalk(mas, savePoint);
      continue;
    }
    if (cur < savePoint && savePoint > min) {
      // The range the state stands on now reaches below the saved point (see masNextSlot).
      const last = safePivot(mem, base, offset, mas.end, mas.max);
      const entry = slot(mem, base, 1, offset);
      if (!stale && deadNode(mem, base, id, bugs)) {
        masRewalk(mas, savePoint);
        continue;
      }
      mas.index = cur;
      if (entry !== 0 || empty) {
        mas.last = last;
        return entry;
      }
    }
    if (cur <= min) {
      mas.status = MA_UNDERFLOW;
      return 0;
    }
    mas.index = cur;
    for (;;) {
      if (offset > 0) {
        offset--;
        // This range's last is the index just below the range stepped from, as the kernel takes
        // it, but from this step's own read of that boundary (`cur`, or the lower bound read in
        // the iteration before), never the previous step's: carried across steps, a slot store
        // that moved the boundary in between gives a range that never existed; read a second
        // time here, a store between the two reads gives the entry's new bound with the old
        // range's entry (the oracle rejects both). One read of each pivot per step keeps the
        // result at one version.
        mas.last = mas.index - 1;
        mas.index = safeMin(mem, base, offset, mas.min);
      } else {
        if (mas.index <= min) {
          mas.status = MA_UNDERFLOW;
          return 0;
        }
        if (masPrevNode(mas, min) !== 0) {
          masRewalk(mas, savePoint);
          continue retry;
        }
        if ((mas.status as number) === MA_UNDERFLOW) return 0;
        enode = mas.node;
        id = enode >>> 4;
        base = id << 6;
        offset = mas.offset;
        mas.last = mas.max;
        mas.index = safeMin(mem, base, offset, mas.min);
      }
      mas.offset = offset;
      const entry = slot(mem, base, 1, offset);
      if (!stale && deadNode(mem, base, id, bugs)) {
        masRewalk(mas, savePoint);
        continue retry;
      }
      if (entry !== 0 || empty) return entry;
      if (mas.index <= min) {
        mas.status = MA_UNDERFLOW;
        return 0;
      }
    }
  }
}
