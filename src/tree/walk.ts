/**
 * The read paths of the tree, one function per kernel function they follow (lib/maple_tree.c of
 * Linux 6.12, names kept so the bug catalog can point at them):
 *
 *   masStart        mas_start         the root, checked for death before it is used
 *   mtreeRangeWalk  mtree_range_walk  root to leaf by index; a dead node resets the walk
 *   masStateWalk    mas_state_walk
 *   masWalk         mas_walk          restarts until a walk completes
 *   masRewalk       mas_rewalk        re-walk to a saved index (after a dead node)
 *   masAscend       mas_ascend        up one level, recomputing min/max from the ancestors
 *   masNextNode     mas_next_node     the next leaf, through the parents
 *   masPrevNode     mas_prev_node     the previous leaf, through the parents
 *   masNextSlot     mas_next_slot     the next range (maybe NULL), re-walking if its node died
 *   masPrevSlot     mas_prev_slot     the previous range
 *
 * The state they share is a MaState (the kernel's ma_state), passed explicitly; a cursor owns one
 * and reuses it, so no read path allocates.
 *
 * Read protocol (RCU mode): read a node's data end, pivots and slot, then ma_dead_node (smp_rmb,
 * then the parent word); if the node died, what was read is thrown away and the operation walks
 * again (from the root, or back to its saved index). The catalog switches sit where the historical
 * code went wrong: STALE_PIVOTS (patch 1) moves every dead check that follows a node's reads to
 * before them, in the walk, ascend, next/prev node and next/prev slot; DEAD_ROOT (patch 2) drops
 * the root's check at the start of a walk; MISSING_RMB (patch 6) drops the barrier inside the one
 * dead check (node-access.ts).
 *
 * Where this code departs from 6.12, and why:
 * - Layout (node-access.ts: the data end is always in the metadata word): the range walks take
 *   the bounds of the last used slot from the max the walk carried, not from the pivot stored
 *   after the last item, and a descent through several levels tracks the bounds of each node it
 *   passes (the kernel reads them from that pivot). mtreeLoad keeps no bounds and scans as
 *   mtree_lookup_walk does, stopping at that stored pivot.
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
import type { Memory } from '../shared-heap/memory.js';
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

const STALE_PIVOTS = Bug.STALE_PIVOTS;
// The hot walks below test the switches by their values (a module binding costs a load and a
// hole check at every use in optimized code; see mtreeLoad).
if (Bug.STALE_PIVOTS !== 1 || Bug.DEAD_ROOT !== 2 || Bug.MISSING_RMB !== 64 || HDR_ROOT !== 0) {
  throw new Error('walk: the bug bits or the root word changed');
}

// ma_state status values.
export const MA_START = 0;
export const MA_ACTIVE = 1;
export const MA_PAUSE = 2;
export const MA_OVERFLOW = 3;
export const MA_UNDERFLOW = 4;
/** Empty tree: the root holds nothing. */
export const MA_NONE = 5;
/** The root holds a single entry (for [0, 0]) rather than a node. */
export const MA_ROOT = 6;

export class TreeCorruptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeCorruptionError';
  }
}

/** The kernel's ma_state: where a read stands. One per cursor, reused by every operation. */
export class MaState {
  /** The node (an enode) the state stands on; 0 when the root holds no node. */
  node = 0;
  /** Bounds of `node`. */
  min = 0;
  max = MAX_INDEX;
  /** Slot in `node`, and its data end. */
  offset = 0;
  end = 0;
  /** The range asked for, then the range of the result. */
  index = 0;
  last = 0;
  status = MA_START;
  /** Times a read found its node dead and walked again. */
  rewalks = 0;

  constructor(
    readonly mem: Memory,
    /** Bug switches in force (0 in a correct build). */
    readonly bugs: number,
    /** Node ids above this are not in the slab. */
    readonly limit: number,
  ) {}
}

/** mas_set: position at index (a range of one) and walk afresh next time. */
export function masSet(mas: MaState, index: number): void {
  mas.index = mas.last = index;
  mas.node = 0;
  mas.status = MA_START;
}

/** mas_reset: the next operation starts from the root. */
export function masReset(mas: MaState): void {
  mas.status = MA_START;
  mas.node = 0;
}

/**
 * mas_start: for a state at MA_START, load the root. A node root is checked for death before it is
 * used (patch 2; the dead-root switch drops this check). Returns the root's entry when the root
 * holds a single entry and index is 0, else 0.
 *
 * The root is read with the check's smp_rmb attached (derefForCheck), before it is known to be a
 * node: a root that holds no node gets that barrier too, where 6.12 (and this code before) issued
 * none. A barrier more is only stronger, and nothing of the tree is read after it in that case.
 */
export function masStart(mas: MaState): number {
  if (mas.status !== MA_START) return 0;
  const mem = mas.mem;
  const bugs = mas.bugs;
  const check = (bugs & 2) === 0; // Bug.DEAD_ROOT
  const rmb = (bugs & 64) === 0; // Bug.MISSING_RMB
  mas.min = 0;
  mas.max = 0xffffffff; // MAX_INDEX
  for (;;) {
    // derefForCheck of HDR_ROOT (word 0), written out as in mtreeLoad.
    const root = check && rmb ? mem.derefRmb(0) : mem.deref(0);
    if ((root & 3) === 2) {
      // isNode.
      mas.status = MA_ACTIVE;
      mas.node = root;
      mas.offset = 0;
      const id = root >>> 4;
      if (check && mem.read(id << 6) >>> 8 === id) {
        // deadAfterRmb.
        mas.rewalks++;
        continue;
      }
      return 0;
    }
    mas.node = 0;
    mas.offset = 0;
    if (root === 0) {
      mas.status = MA_NONE;
      return 0;
    }
    mas.status = MA_ROOT;
    return mas.index > 0 ? 0 : root;
  }
}

/**
 * mtree_range_walk: from mas.node (bounds mas.min/max) down to the leaf slot holding mas.index.
 * At each level: data end, pivots, the slot, then the dead check; a dead node resets the state to
 * MA_START (the caller walks again). On reaching a leaf: node/min/max/offset/end are the leaf's,
 * index/last the slot's range, and its entry is returned.
 *
 * `fromRoot`: the walk begins at the root mas_start just loaded. With the dead-root switch the
 * walk trusts that node as mas_start did: no check at that level.
 *
 * The pivot scan keeps the two pivots around the slot it stops at (`lo`, `hi`) and turns them into
 * the slot's bounds once, after the scan: the bounds are the values the scan compared, never a
 * second read (a slot store may move a pivot in place between two reads). The accessors are
 * written out by hand as in mtreeLoad (which see).
 */
export function mtreeRangeWalk(mas: MaState, fromRoot: boolean): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const limit = mas.limit;
  const key = mas.index >>> 0; // a uint32: compared as one
  const stale = (bugs & 1) !== 0; // Bug.STALE_PIVOTS
  const rmb = (bugs & 64) === 0; // Bug.MISSING_RMB
  let check = !fromRoot || (bugs & 2) === 0; // Bug.DEAD_ROOT
  let next = mas.node;
  let min = mas.min;
  let max = mas.max;
  for (;;) {
    const enode = next;
    const id = enode >>> 4;
    const type = (enode >>> 2) & 3;
    const base = id << 6;
    if (stale && check) {
      // Patch 1 reverted: deadNode before the node's reads, so nothing read below is checked.
      if (rmb) mem.rmb();
      if (mem.read(base) >>> 8 === id) {
        masReset(mas);
        return 0;
      }
    }
    // dataEnd.
    const slots = type === 3 ? 10 : 16;
    let end = mem.read(base + 1) & 0xff;
    if (end >= slots) end = slots - 1;
    const nodeMin = min;
    const nodeMax = max;
    let offset = 0;
    let lo = 0;
    let hi = 0;
    while (offset < end) {
      hi = mem.read(base + 2 + offset);
      if (hi >= key) break;
      lo = hi;
      offset++;
    }
    if (offset > 0) min = lo + 1;
    if (offset < end) max = hi;
    // slotForCheck then deadAfterRmb, or the plain slot read when no check follows.
    const addr = base + (type === 3 ? 11 : 17) + offset;
    if (!stale && check) {
      next = rmb ? mem.derefRmb(addr) : mem.deref(addr);
      if (mem.read(base) >>> 8 === id) {
        masReset(mas);
        return 0;
      }
    } else {
      next = mem.deref(addr);
    }
    if (type < 2) {
      mas.end = end;
      mas.offset = offset;
      mas.index = min;
      mas.last = max;
      mas.min = nodeMin;
      mas.max = nodeMax;
      mas.node = enode;
      return next;
    }
    check = true;
    if ((next & 3) !== 2 || next >>> 4 > limit) throw corruptSlot(id, offset, next, key);
  }
}

function corruptSlot(id: number, offset: number, value: number, index: number): TreeCorruptionError {
  return new TreeCorruptionError(`node ${id} slot ${offset} holds ${value}, not a node reference, while walking to ${index}`);
}

/**
 * mtree_load with its mtree_lookup_walk: the entry at `index`, and nothing else (no bounds, no
 * state for a next step). As 6.12's mtree_load: mas_start, then per level the pivot scan over all
 * of the node's pivots (no data end is read), the slot, the dead check; no bounds are kept (a
 * leaf's range is not reported). A dead node starts the walk again from the root (mas_reset,
 * retry). `mas` gives the memory, the switches and the slab limit and counts the
 * rewalks; it is left at MA_ACTIVE on the leaf (or MA_NONE / MA_ROOT), its bounds untouched.
 *
 * The hottest path of the tree, so node-access.ts's accessors are written out by hand here
 * (slotForCheck = derefForCheck, deadAfterRmb, deadNode, isNode), each marked:
 * in optimized code every call through an imported binding reloads the binding and checks it.
 * The accesses and their kinds are exactly the accessors'.
 */
export function mtreeLoad(mas: MaState, index: number): number {
  const mem = mas.mem;
  const bugs = mas.bugs;
  const limit = mas.limit;
  const key = index >>> 0; // index is a uint32 (checked by the caller): compared as one
  const stale = (bugs & 1) !== 0; // Bug.STALE_PIVOTS
  const rootCheck = (bugs & 2) === 0; // Bug.DEAD_ROOT
  const rmb = (bugs & 64) === 0; // Bug.MISSING_RMB: derefForCheck and deadNode drop the barrier
  mas.index = mas.last = index;
  retry: for (;;) {
    // mas_start: the root followed (with the check's smp_rmb unless the switch drops it), then
    // checked. HDR_ROOT is word 0.
    const root = rootCheck && rmb ? mem.derefRmb(0) : mem.deref(0);
    if ((root & 3) !== 2) {
      // isNode: no node at the root (empty, or a single entry for [0, 0]).
      mas.node = 0;
      mas.status = root === 0 ? MA_NONE : MA_ROOT;
      return key === 0 ? root : 0;
    }
    let id = root >>> 4;
    if (rootCheck && mem.read(id << 6) >>> 8 === id) {
      // deadAfterRmb of the root.
      mas.rewalks++;
      continue;
    }
    // mtree_lookup_walk.
    let check = rootCheck;
    let next = root;
    for (;;) {
      const enode = next;
      id = enode >>> 4;
      const type = (enode >>> 2) & 3;
      const base = id << 6;
      if (stale && check) {
        // Patch 1 reverted: deadNode before the node's reads.
        if (rmb) mem.rmb();
        if (mem.read(base) >>> 8 === id) {
          mas.rewalks++;
          continue retry;
        }
      }
      // The first pivot (PIVOTS at word 2) at or above the index among all the node's pivots
      // (mt_pivots: 9 in an arange_64 node, type 3, else 15), without the data end: as
      // mtree_lookup_walk scans. A node stores its maximum as the pivot after its last item
      // when it has the word (writeNode), so the scan stops there at the latest; a full node's
      // last slot has no pivot and is taken when all 15 are below the index. The memory layer's
      // scan: the same plain reads in the same order as a loop of `read`.
      const offset = mem.scan(base + 2, type === 3 ? 9 : 15, key);
      // The slot (slotsBase: 11 for arange_64, else 17), then deadAfterRmb (PARENT is word 0).
      const addr = base + (type === 3 ? 11 : 17) + offset;
      if (!stale && check) {
        next = rmb ? mem.derefRmb(addr) : mem.deref(addr);
        if (mem.read(base) >>> 8 === id) {
          mas.rewalks++;
          continue retry;
        }
      } else {
        next = mem.deref(addr);
      }
      if (type < 2) {
        mas.node = enode;
        mas.offset = offset;
        mas.status = MA_ACTIVE;
        return next;
      }
      check = true;
      if ((next & 3) !== 2 || next >>> 4 > limit) throw corruptSlot(id, offset, next, key);
    }
  }
}

/** mas_state_walk: mas_start, then the range walk when the root is a node. */
export function masStateWalk(mas: MaState): number {
  const fromStart = mas.status === MA_START;
  const entry = masStart(mas);
  if (mas.status === MA_NONE) return 0;
  if (mas.status === MA_ROOT) return entry;
  return mtreeRangeWalk(mas, fromStart);
}

/**
 * mas_walk: the entry at mas.index (NULL included), index/last set to its range, restarting until
 * a walk completes on live nodes.
 */
export function masWalk(mas: MaState): number {
  mas.status = MA_START;
  for (;;) {
    const entry = masStateWalk(mas);
    const status = mas.status;
    if (status === MA_ACTIVE) return entry;
    if (status === MA_START) {
      mas.rewalks++;
      continue;
    }
    if (status === MA_NONE) {
      mas.index = 0;
      mas.last = MAX_INDEX;
      return 0;
    }
    // MA_ROOT: a single entry over [0, 0].
    if (mas.index === 0) {
      mas.last = 0;
      return entry;
    }
    mas.index = 1;
    mas.last = MAX_INDEX;
    mas.status = MA_NONE;
    return 0;
  }
}

/** mas_rewalk: walk again to `index` (the read found its node dead). */
export function masRewalk(mas: MaState, index: number): void {
  mas.rewalks++;
  masSet(mas, index);
  for (;;) {
    masStateWalk(mas);
    if (mas.status !== MA_START) return;
    mas.rewalks++;
  }
}

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
