/**
 * The descent of the tree's read paths, one function per kernel function it follows (lib/maple_tree.c
 * of Linux 6.12, names kept so the bug catalog can point at them):
 *
 *   masStart        mas_start         the root, checked for death before it is used
 *   mtreeRangeWalk  mtree_range_walk  root to leaf by index; a dead node resets the walk
 *   mtreeLoad       mtree_load        the entry at an index alone (mtree_lookup_walk), no bounds kept
 *   masStateWalk    mas_state_walk
 *   masWalk         mas_walk          restarts until a walk completes
 *   masRewalk       mas_rewalk        re-walk to a saved index (after a dead node)
 *
 * The steps between leaves and ranges (mas_ascend, mas_next_node / mas_prev_node, mas_next_slot /
 * mas_prev_slot) are in step.ts.
 *
 * The state they share is a MaState (the kernel's ma_state), passed explicitly; a cursor owns one
 * and reuses it, so no read path allocates.
 *
 * Read protocol (RCU mode): read a node's data end, pivots and slot, then ma_dead_node (smp_rmb,
 * then the parent word); if the node died, what was read is thrown away and the operation walks
 * again (from the root, or back to its saved index). The catalog switches sit where the historical
 * code went wrong: STALE_PIVOTS (patch 1) moves every dead check that follows a node's reads to
 * before them, in the walk here and in ascend, next/prev node and next/prev slot (step.ts);
 * DEAD_ROOT (patch 2) drops the root's check at the start of a walk; MISSING_RMB (patch 6) drops
 * the barrier inside the one dead check (node-access.ts).
 *
 * Where this code departs from 6.12, and why:
 * - Layout (node-access.ts: the data end is always in the metadata word): the range walks take
 *   the bounds of the last used slot from the max the walk carried, not from the pivot stored
 *   after the last item, and a descent through several levels tracks the bounds of each node it
 *   passes (the kernel reads them from that pivot). mtreeLoad keeps no bounds and scans as
 *   mtree_lookup_walk does, stopping at that stored pivot.
 */
import type { Memory } from '../shared-heap/memory.js';
import { Bug } from '../shared-heap/bugs.js';
import { HDR_ROOT, MAX_INDEX } from './layout.js';

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
