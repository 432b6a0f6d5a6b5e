/**
 * The write side: the kernel's store types (mas_wr_store_type) over the slab.
 *
 * In-place writes: exact fit (one slot), slot store (the two-range case: one slot and one pivot)
 * and, outside RCU mode, append and node store. Everything else goes through one rebuild engine,
 * the analogue of the kernel's maple_big_node: the new contents of one level are gathered as a
 * list of (pivot, slot, gap) items, packed into fresh nodes, and the engine climbs until one new
 * node replaces one old node (publish into the parent's slot) or it reaches the root (publish the
 * root). That single engine gives node store, split, rebalance (pull in the neighbour at the same
 * level), spanning store (two paths, everything between them dropped), new root and root
 * collapse. After publishing: fix the parent words of carried children, mark every replaced node
 * dead, and hand it to the reclaimer.
 */
import type { Memory } from '../shared-heap/memory.js';
import type { Slab } from '../shared-heap/slab.js';
import type { Reclaimer } from '../shared-heap/reclaim.js';
import { FreePath } from './free-path.js';
import { Path, MAX_HEIGHT } from './path.js';
import { leafGap, setParentGap, GAP_CLAMP } from './gaps.js';
import { Bug } from '../shared-heap/bugs.js';
import type { Lockdep } from '../shared-heap/lockdep.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  HDR_FLAGS,
  HDR_HEIGHT,
  HDR_ROOT,
  LAST_WORD,
  FLAG_ALLOC_RANGE,
  FLAG_RCU,
  LEAF_64,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  RANGE_64,
  RANGE_SLOTS_AT,
  isNode,
  minSlots,
  mkEnode,
  mkMeta,
  mkParent,
  mkRootParent,
  nodeBase,
  slotCount,
  slotsAt,
} from './layout.js';

const MAX_ITEMS = 160;

/** Where a write landed, for cursors and tests. */
export class WriteStats {
  exactFit = 0;
  slotStore = 0;
  append = 0;
  nodeStore = 0;
  split = 0;
  rebalance = 0;
  spanning = 0;
  newRoot = 0;
  rootCollapse = 0;
  push = 0;
}

export class TreeWriter {
  readonly stats = new WriteStats();

  // The level being rebuilt: items replacing old nodes L[level]..R[level].
  private readonly piv = new Float64Array(MAX_ITEMS);
  private readonly slot = new Uint32Array(MAX_ITEMS);
  private readonly gap = new Float64Array(MAX_ITEMS);
  private count = 0;
  private spanMin = 0;
  /**
   * The change sits at the end of the level (sequential appends): split leaving the left node as
   * full as the minimum occupancy of the right one allows, so appended data packs densely.
   */
  private tailWrite = false;

  // New nodes made at the current level.
  private readonly made = new Uint32Array(8);
  private readonly madeMax = new Float64Array(8);
  private readonly madeGap = new Float64Array(8);

  private readonly left = new Path();
  private readonly right = new Path();
  private readonly probe = new Path();

  /** kept[id] === epoch: the node is referenced by a node this write made. */
  private readonly kept: Uint32Array;
  /** fresh[id] === epoch: this write made the node (not yet reachable, so no ordering needed). */
  private readonly fresh: Uint32Array;
  private epoch = 0;
  private readonly freePath: FreePath;

  /** smp_wmb issued by the free path after marking nodes dead. */
  get deathBarriers(): number {
    return this.freePath.barriers;
  }
  /** Carried (pre-existing) children whose parent word must be fixed after publishing. */
  private fixups = new Uint32Array(256);
  private fixupCount = 0;

  // Result of lookup().
  private lkFirst = 0;
  private lkLast = 0;

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly reclaimer: Reclaimer,
    private readonly bugs: number,
    private readonly lockdep: Lockdep,
  ) {
    this.freePath = new FreePath(mem, slab, reclaimer, bugs);
    this.kept = new Uint32Array(slab.capacity + 1);
    this.fresh = new Uint32Array(slab.capacity + 1);
  }

  /** Nodes a write may need, reserved before it touches the tree (mas_preallocate). */
  private reserve(needed: number): void {
    if (this.slab.free < needed) this.reclaimer.reclaim(needed);
    this.slab.reserve(needed);
  }

  private get rcu(): boolean {
    return (this.mem.read(HDR_FLAGS) & FLAG_RCU) !== 0;
  }

  private get alloc(): boolean {
    return (this.mem.read(HDR_FLAGS) & FLAG_ALLOC_RANGE) !== 0;
  }

  height(): number {
    return this.mem.read(HDR_HEIGHT);
  }

  private internalType(): number {
    return this.alloc ? ARANGE_64 : RANGE_64;
  }

  /** Entry at index, setting lkFirst/lkLast to its range (the writer holds the lock). */
  lookup(index: number): number {
    const mem = this.mem;
    const root = mem.read(HDR_ROOT);
    if (!isNode(root)) {
      if (root !== 0 && index === 0) {
        this.lkFirst = this.lkLast = 0;
        return root;
      }
      this.lkFirst = root === 0 ? 0 : 1;
      this.lkLast = MAX_INDEX;
      return 0;
    }
    const path = this.lookupPath;
    const depth = this.walkPath(path, index, MAX_HEIGHT);
    const leaf = path.node[depth];
    this.lkFirst = this.scanLo;
    this.lkLast = this.scanHi;
    return mem.read(nodeBase(leaf >>> 4) + slotsAt(LEAF_64) + path.offset[depth]);
  }

  /** Lookup's range, for callers. */
  get lookupFirst(): number {
    return this.lkFirst;
  }

  get lookupLast(): number {
    return this.lkLast;
  }

  /**
   * Record the path from the root down to `depth` (or the leaf) toward index, with the slot taken
   * at each level; returns the depth reached. scanLo/scanHi: the range of the last slot taken.
   */
  private walkPath(path: Path, index: number, depth: number): number {
    const mem = this.mem;
    let enode = mem.read(HDR_ROOT);
    let min = 0;
    let max = MAX_INDEX;
    for (let d = 0; ; d++) {
      path.node[d] = enode;
      path.min[d] = min;
      path.max[d] = max;
      const type = (enode >>> 2) & 3;
      const base = nodeBase(enode >>> 4);
      const offset = this.scan(base, index, min, max);
      path.offset[d] = offset;
      if (d === depth || type === LEAF_64) return d;
      enode = mem.read(base + slotsAt(type) + offset);
      min = this.scanLo;
      max = this.scanHi;
    }
  }

  /** The slot of the node at base holding index; its range goes to scanLo/scanHi. */
  private scan(base: number, index: number, min: number, max: number): number {
    const mem = this.mem;
    const end = mem.read(base + META) & 0xff;
    let offset = 0;
    let lo = min;
    let hi = max;
    while (offset < end) {
      const p = mem.read(base + PIVOTS + offset);
      if (p >= index) {
        hi = p;
        break;
      }
      lo = p + 1;
      offset++;
    }
    this.scanLo = lo;
    this.scanHi = hi;
    return offset;
  }

  private scanLo = 0;
  private scanHi = 0;
  private readonly lookupPath = new Path();

  /** Store entry over [first, last] (arguments already checked). */
  store(first: number, last: number, entry: number): void {
    if (entry === 0) {
      // NULL ranges merge with their neighbours, across node boundaries too.
      if (first > 0 && this.lookup(first - 1) === 0) first = this.lkFirst;
      if (last < MAX_INDEX && this.lookup(last + 1) === 0) last = this.lkLast;
    }
    this.lockdep.treeLock = true;
    try {
      this.storeExtended(first, last, entry);
    } finally {
      this.lockdep.treeLock = false;
    }
    // Deferred frees run outside the tree lock, as RCU callbacks do.
    this.reclaimer.flush();
  }

  private storeExtended(first: number, last: number, entry: number): void {
    const mem = this.mem;
    const root = mem.read(HDR_ROOT);
    if (first === 0 && last === MAX_INDEX) return this.storeWholeTree(entry);
    if (!isNode(root)) return this.storeRoot(root, first, last, entry);

    const height = this.height();
    const leafDepth = height - 1;
    const L = this.left;
    this.walkPath(L, first, leafDepth);
    if (last > L.max[leafDepth]) {
      this.stats.spanning++;
      this.walkPath(this.right, last, leafDepth);
      this.reserve(4 * height + 4);
      this.gatherLeafItems(first, last, entry);
      return this.rebuild(leafDepth);
    }
    this.right.copyFrom(L, leafDepth);

    const enode = L.node[leafDepth];
    const base = nodeBase(enode >>> 4);
    const end = mem.read(base + META) & 0xff;
    const leafMin = L.min[leafDepth];
    const leafMax = L.max[leafDepth];
    // offset/rMin/rMax: the slot holding first; offsetEnd/endPiv: the slot holding last.
    let offset = 0;
    let rMin = leafMin;
    while (offset < end && mem.read(base + PIVOTS + offset) < first) {
      rMin = mem.read(base + PIVOTS + offset) + 1;
      offset++;
    }
    const rMax = offset < end ? mem.read(base + PIVOTS + offset) : leafMax;
    let offsetEnd = offset;
    while (offsetEnd < end && mem.read(base + PIVOTS + offsetEnd) < last) offsetEnd++;
    const endPiv = offsetEnd < end ? mem.read(base + PIVOTS + offsetEnd) : leafMax;
    const slots = RANGE_SLOTS_AT;

    if (rMin === first && rMax === last) {
      // Exact fit: one slot changes, in place in every mode.
      this.stats.exactFit++;
      mem.publish(base + slots + offset, entry);
      this.updateGaps(L, leafDepth);
      return;
    }
    const newEnd = end + 2 - (offsetEnd - offset) - (rMin === first ? 1 : 0) - (endPiv === last ? 1 : 0);
    const rcu = this.rcu;
    // The rightmost node of a level may run below minimum occupancy (as in the kernel), so appends
    // at the end of the keyspace pack densely.
    if (newEnd < minSlots(LEAF_64) && leafDepth > 0 && leafMax !== MAX_INDEX) {
      this.stats.rebalance++;
    } else if (newEnd >= slotCount(LEAF_64)) {
      this.stats.split++;
    } else if ((!rcu || (this.bugs & Bug.APPEND_IN_RCU) !== 0) && offset === end) {
      this.stats.append++;
      this.appendInPlace(base, end, newEnd, first, last, entry, rMin);
      this.updateGaps(L, leafDepth);
      return;
    } else if (newEnd === end && offsetEnd - offset === 1) {
      this.stats.slotStore++;
      this.slotStoreInPlace(base, offset, first, last, entry, rMin);
      this.updateGaps(L, leafDepth);
      return;
    } else {
      this.stats.nodeStore++;
      this.gatherLeafItems(first, last, entry);
      if (!rcu) {
        // Outside RCU mode no reader can be in the node: rewrite it where it stands.
        this.writeNodeInPlace(enode);
        this.updateGaps(L, leafDepth);
        return;
      }
      this.reserve(1);
      return this.rebuild(leafDepth);
    }
    this.reserve(4 * height + 4);
    this.gatherLeafItems(first, last, entry);
    this.rebuild(leafDepth);
  }

  /**
   * mas_wr_append: the store lands in the last slot and the node has room. The kernel's order:
   * the new data end first, then the slots and pivots, which is safe only with no readers, hence
   * non-RCU only (cfeb6ae8b).
   */
  private appendInPlace(
    base: number,
    end: number,
    newEnd: number,
    first: number,
    last: number,
    entry: number,
    rMin: number,
  ): void {
    const mem = this.mem;
    const slots = base + RANGE_SLOTS_AT;
    const content = mem.read(slots + end);
    mem.write(base + META, mkMeta(newEnd, 0));
    if (newEnd === end + 2) {
      // In the middle of the last range: [rMin, first-1] old, [first, last] new, [last+1, max] old.
      mem.publish(slots + end + 2, content);
      mem.write(base + PIVOTS + end + 1, last);
      mem.publish(slots + end + 1, entry);
      mem.write(base + PIVOTS + end, first - 1);
    } else if (first === rMin) {
      // At the start of the last range.
      mem.publish(slots + end + 1, content);
      mem.write(base + PIVOTS + end, last);
      mem.publish(slots + end, entry);
    } else {
      // At the end of the last range.
      mem.publish(slots + end + 1, entry);
      mem.write(base + PIVOTS + end, first - 1);
    }
  }

  /** mas_wr_slot_store: two neighbouring ranges trade their boundary. */
  private slotStoreInPlace(
    base: number,
    offset: number,
    first: number,
    last: number,
    entry: number,
    rMin: number,
  ): void {
    const mem = this.mem;
    // The slot first, then smp_wmb, then the pivot. The kernel has no barrier here: under LKMM
    // its pivot store may become visible before the slot store (a release orders only what comes
    // before it), and a reader then sees the neighbour's old entry over the whole new range. The
    // simulator finds that within seconds (README, "Findings"); this tree orders the two.
    // Overwrite this range and the start of the next, or the end of this range and the next one.
    const slot = base + RANGE_SLOTS_AT + (first === rMin ? offset : offset + 1);
    const pivot = first === rMin ? last : first - 1;
    const bugs = this.bugs;
    if ((bugs & Bug.SLOT_STORE_PIVOT_FIRST) !== 0) {
      mem.write(base + PIVOTS + offset, pivot);
      mem.publish(slot, entry);
      return;
    }
    mem.publish(slot, entry);
    if ((bugs & Bug.SLOT_STORE_NO_WMB) === 0) mem.wmb();
    mem.write(base + PIVOTS + offset, pivot);
  }


  /** Leaf items: the left leaf before first, the new range, the right leaf after last. */
  private gatherLeafItems(first: number, last: number, entry: number): void {
    const mem = this.mem;
    const depth = this.height() - 1;
    const L = this.left;
    const R = this.right;
    let n = 0;
    {
      const base = nodeBase(L.node[depth] >>> 4);
      const end = mem.read(base + META) & 0xff;
      let lo = L.min[depth];
      for (let i = 0; i <= end && lo < first; i++) {
        const hi = i < end ? mem.read(base + PIVOTS + i) : L.max[depth];
        this.piv[n] = hi < first ? hi : first - 1;
        this.slot[n] = mem.read(base + RANGE_SLOTS_AT + i);
        n++;
        lo = hi + 1;
      }
    }
    this.piv[n] = last;
    this.slot[n] = entry;
    n++;
    const entryAt = n;
    {
      const base = nodeBase(R.node[depth] >>> 4);
      const end = mem.read(base + META) & 0xff;
      for (let i = 0; i <= end; i++) {
        const hi = i < end ? mem.read(base + PIVOTS + i) : R.max[depth];
        if (hi <= last) continue;
        this.piv[n] = hi;
        this.slot[n] = mem.read(base + RANGE_SLOTS_AT + i);
        n++;
      }
    }
    this.count = n;
    this.spanMin = L.min[depth];
    this.tailWrite = n - entryAt <= 1;
  }

  /** The whole keyspace at once (mas_new_root): NULL empties the tree. */
  private storeWholeTree(entry: number): void {
    const mem = this.mem;
    const old = mem.read(HDR_ROOT);
    this.stats.newRoot++;
    let root = 0;
    if (entry !== 0) {
      this.reserve(1);
      const id = this.slab.alloc();
      const base = nodeBase(id);
      this.clearNode(base);
      mem.write(base + RANGE_SLOTS_AT, entry);
      mem.write(base + META, mkMeta(0, 0));
      mem.write(base + PARENT, mkRootParent());
      root = mkEnode(id, LEAF_64);
    }
    mem.publish(HDR_ROOT, root);
    mem.write(HDR_HEIGHT, root === 0 ? 0 : 1);
    if (isNode(old)) this.retireSubtree(old);
  }

  /** The root holds no node: keep a lone [0, 0] entry in the root word, else make a leaf root. */
  private storeRoot(root: number, first: number, last: number, entry: number): void {
    const mem = this.mem;
    if (first === 0 && last === 0 && (entry !== 0 || root !== 0)) {
      mem.publish(HDR_ROOT, entry);
      return;
    }
    if (entry === 0) return; // NULL over an empty range: nothing changes
    this.stats.newRoot++;
    this.reserve(1);
    let n = 0;
    if (root !== 0 && first > 0) {
      this.piv[n] = 0;
      this.slot[n++] = root;
    }
    const lo = root !== 0 ? 1 : 0;
    if (first > lo) {
      this.piv[n] = first - 1;
      this.slot[n++] = 0;
    }
    this.piv[n] = last;
    this.slot[n++] = entry;
    if (last < MAX_INDEX) {
      this.piv[n] = MAX_INDEX;
      this.slot[n++] = 0;
    }
    this.count = n;
    this.spanMin = 0;
    const enode = this.makeNode(0, LEAF_64, n, 0);
    mem.write(nodeBase(enode >>> 4) + PARENT, mkRootParent());
    this.publishNode(HDR_ROOT, enode);
    mem.write(HDR_HEIGHT, 1);
  }

  /**
   * The rebuild engine. On entry piv/slot/gap[0..count) replace the nodes between left and right
   * at `depth` (the same node unless the write spans several).
   */
  private rebuild(depth: number): void {
    const mem = this.mem;
    const L = this.left;
    const R = this.right;
    this.epoch++;
    this.fixupCount = 0;
    const leafDepth = this.height() - 1;
    for (;;) {
      const type = depth === leafDepth ? LEAF_64 : this.internalType();
      const isRoot = depth === 0;
      if (!isRoot && this.count < minSlots(type) && R.max[depth] !== MAX_INDEX) this.pullNeighbour(depth);
      else if (!isRoot && this.count > slotCount(type) && L.node[depth] === R.node[depth]) this.pushToSibling(depth, type);
      const old = L.node[depth];

      if (isRoot && type !== LEAF_64 && this.count === 1) {
        this.collapseRoot(this.slot[0], old);
        return;
      }

      const made = this.packLevel(type, depth);
      if (isRoot && made > 1) {
        // The root split: a new root above the new nodes.
        this.stats.newRoot++;
        const parentType = this.internalType();
        for (let i = 0; i < made; i++) {
          this.piv[i] = this.madeMax[i];
          this.slot[i] = this.made[i];
          this.gap[i] = this.madeGap[i];
        }
        this.count = made;
        this.spanMin = 0;
        const root = this.makeNode(0, parentType, made, 0);
        mem.write(nodeBase(root >>> 4) + PARENT, mkRootParent());
        this.publishNode(HDR_ROOT, root);
        mem.write(HDR_HEIGHT, this.height() + 1);
        this.finish(old);
        return;
      }
      if (isRoot) {
        mem.write(nodeBase(this.made[0] >>> 4) + PARENT, mkRootParent());
        this.publishNode(HDR_ROOT, this.made[0]);
        this.finish(old);
        return;
      }
      if (made === 1 && L.node[depth] === R.node[depth]) {
        // One new node for one old one: publish it in the parent's slot.
        const parent = L.node[depth - 1];
        const parentType = (parent >>> 2) & 3;
        const pbase = nodeBase(parent >>> 4);
        const offset = L.offset[depth - 1];
        mem.write(nodeBase(this.made[0] >>> 4) + PARENT, mkParent(parent >>> 4, offset, parentType));
        this.publishNode(pbase + slotsAt(parentType) + offset, this.made[0]);
        if (parentType === ARANGE_64) this.setParentGap(L, depth - 1, this.madeGap[0]);
        this.finish(old);
        return;
      }
      this.gatherParentItems(depth - 1, made);
      depth--;
    }
  }

  /**
   * Root collapse: the root level is down to one child, so that child becomes the root, and so on
   * down while the new root is an internal node with a single child. Fresh single-child nodes were
   * never reachable and go straight back to the slab; old ones die with the old root.
   */
  private collapseRoot(child: number, oldRoot: number): void {
    const mem = this.mem;
    this.stats.rootCollapse++;
    let height = this.height() - 1;
    for (;;) {
      const type = (child >>> 2) & 3;
      const base = nodeBase(child >>> 4);
      if (type === LEAF_64 || (mem.read(base + META) & 0xff) !== 0) break;
      const next = mem.read(base + slotsAt(type));
      if (this.fresh[child >>> 4] === this.epoch) {
        // Never published: it dies and is freed at once (its generation still goes dead, free).
        this.slab.noteDeath(child >>> 4);
        this.slab.freeNow(child >>> 4);
      } else {
        this.kept[child >>> 4] = 0;
      }
      child = next;
      height--;
    }
    this.kept[child >>> 4] = this.epoch;
    // Parent-word fixes meant for the levels that collapsed away must not touch the new root.
    for (let i = 0; i < this.fixupCount; i += 2) if (this.fixups[i] === child) this.fixups[i + 1] = mkRootParent();
    mem.write(nodeBase(child >>> 4) + PARENT, mkRootParent());
    this.publishNode(HDR_ROOT, child);
    mem.write(HDR_HEIGHT, height);
    this.finish(oldRoot);
  }

  /**
   * rcu_assign_pointer of a fresh node. The bug switches link it in before its words are written,
   * or with a plain store that orders nothing.
   */
  private publishNode(addr: number, enode: number): void {
    const mem = this.mem;
    const bugs = this.bugs;
    if ((bugs & Bug.PUBLISH_BEFORE_INIT) !== 0) {
      const base = nodeBase(enode >>> 4);
      const saved = this.savedWords;
      for (let i = 1; i <= LAST_WORD; i++) {
        saved[i] = mem.read(base + i);
        mem.write(base + i, 0);
      }
      mem.publish(addr, enode);
      for (let i = 1; i <= LAST_WORD; i++) mem.write(base + i, saved[i]);
      return;
    }
    if ((bugs & Bug.PLAIN_PUBLISH) !== 0) mem.write(addr, enode);
    else mem.publish(addr, enode);
  }

  private readonly savedWords = new Uint32Array(LAST_WORD + 1);

  /** Publishing is done: fix carried children's parent words, then retire what was replaced. */
  private finish(oldTop: number): void {
    const mem = this.mem;
    for (let i = 0; i < this.fixupCount; i += 2) {
      mem.write(nodeBase(this.fixups[i] >>> 4) + PARENT, this.fixups[i + 1]);
    }
    this.retireReplaced(oldTop);
  }

  /** Items for the parent level: left parent's slots before, the new nodes, right parent's after. */
  private gatherParentItems(depth: number, made: number): void {
    const mem = this.mem;
    const L = this.left;
    const R = this.right;
    let n = 0;
    {
      const parent = L.node[depth];
      const type = (parent >>> 2) & 3;
      const base = nodeBase(parent >>> 4);
      const stop = L.offset[depth];
      for (let i = 0; i < stop; i++) {
        this.piv[n] = mem.read(base + PIVOTS + i);
        this.slot[n] = mem.read(base + slotsAt(type) + i);
        this.gap[n] = type === ARANGE_64 ? mem.read(base + ARANGE_GAPS_AT + i) : 0;
        n++;
      }
    }
    for (let i = 0; i < made; i++) {
      this.piv[n] = this.madeMax[i];
      this.slot[n] = this.made[i];
      this.gap[n] = this.madeGap[i];
      n++;
    }
    {
      const parent = R.node[depth];
      const type = (parent >>> 2) & 3;
      const base = nodeBase(parent >>> 4);
      const end = mem.read(base + META) & 0xff;
      if (R.offset[depth] < end) this.tailWrite = false;
      for (let i = R.offset[depth] + 1; i <= end; i++) {
        this.piv[n] = i < end ? mem.read(base + PIVOTS + i) : R.max[depth];
        this.slot[n] = mem.read(base + slotsAt(type) + i);
        this.gap[n] = type === ARANGE_64 ? mem.read(base + ARANGE_GAPS_AT + i) : 0;
        n++;
      }
    }
    this.count = n;
    this.spanMin = L.min[depth];
  }

  /**
   * Rebalance: the level has too few items, so take in the whole neighbouring node at the same
   * depth (the right one, or the left one at the end of the keyspace) and widen the span.
   */
  private pullNeighbour(depth: number): void {
    const L = this.left;
    const R = this.right;
    const P = this.probe;
    const spanMax = R.max[depth];
    const spanMin = L.min[depth];
    if (spanMax < MAX_INDEX) {
      this.walkPath(P, spanMax + 1, depth);
      R.copyFrom(P, depth);
      this.appendNode(depth);
    } else if (spanMin > 0) {
      this.walkPath(P, spanMin - 1, depth);
      L.copyFrom(P, depth);
      this.prependNode(depth);
    }
  }

  /** Add every item of R.node[depth] after the level's items. */
  private appendNode(depth: number): void {
    const mem = this.mem;
    const R = this.right;
    const enode = R.node[depth];
    const type = (enode >>> 2) & 3;
    const base = nodeBase(enode >>> 4);
    const end = mem.read(base + META) & 0xff;
    let n = this.count;
    for (let i = 0; i <= end; i++) {
      this.piv[n] = i < end ? mem.read(base + PIVOTS + i) : R.max[depth];
      this.slot[n] = mem.read(base + slotsAt(type) + i);
      this.gap[n] = type === ARANGE_64 ? mem.read(base + ARANGE_GAPS_AT + i) : 0;
      n++;
    }
    this.count = n;
    this.tailWrite = false;
  }

  /** Add every item of L.node[depth] before the level's items. */
  private prependNode(depth: number): void {
    const mem = this.mem;
    const L = this.left;
    const enode = L.node[depth];
    const type = (enode >>> 2) & 3;
    const base = nodeBase(enode >>> 4);
    const end = mem.read(base + META) & 0xff;
    const add = end + 1;
    for (let i = this.count - 1; i >= 0; i--) {
      this.piv[i + add] = this.piv[i];
      this.slot[i + add] = this.slot[i];
      this.gap[i + add] = this.gap[i];
    }
    for (let i = 0; i <= end; i++) {
      this.piv[i] = i < end ? mem.read(base + PIVOTS + i) : L.max[depth];
      this.slot[i] = mem.read(base + slotsAt(type) + i);
      this.gap[i] = type === ARANGE_64 ? mem.read(base + ARANGE_GAPS_AT + i) : 0;
    }
    this.count += add;
    this.spanMin = L.min[depth];
  }

  /**
   * mas_push_data: an overflowing node shares its items with a sibling under the same parent that
   * has room, instead of splitting, so the parent keeps its slot count and the tree its height.
   */
  private pushToSibling(depth: number, type: number): void {
    const mem = this.mem;
    const L = this.left;
    const R = this.right;
    const parent = L.node[depth - 1];
    const pbase = nodeBase(parent >>> 4);
    const ptype = (parent >>> 2) & 3;
    const pend = mem.read(pbase + META) & 0xff;
    const offset = L.offset[depth - 1];
    const room = 2 * slotCount(type) - 1;
    const siblingCount = (at: number): number => (mem.read(nodeBase(mem.read(pbase + slotsAt(ptype) + at) >>> 4) + META) & 0xff) + 1;
    if (offset > 0 && siblingCount(offset - 1) + this.count <= room) {
      this.walkPath(this.probe, L.min[depth] - 1, depth);
      L.copyFrom(this.probe, depth);
      this.prependNode(depth);
      this.stats.push++;
    } else if (offset < pend && siblingCount(offset + 1) + this.count <= room) {
      this.walkPath(this.probe, R.max[depth] + 1, depth);
      R.copyFrom(this.probe, depth);
      this.appendNode(depth);
      this.stats.push++;
    }
  }

  /** Pack the level's items into as few nodes as fit, spread evenly. Returns how many. */
  private packLevel(type: number, depth: number): number {
    const n = this.count;
    const slots = slotCount(type);
    const made = Math.ceil(n / slots);
    let start = 0;
    let min = this.spanMin;
    const biased = made === 2 && this.tailWrite;
    // At the very end of the keyspace the right node may be small: fill the left one.
    const wanted = this.right.max[depth] === MAX_INDEX ? slots : n - minSlots(type);
    const leftTake = Math.max(Math.min(wanted, slots), n - slots);
    for (let k = 0; k < made; k++) {
      const take = biased && k === 0 ? leftTake : Math.floor((n - start) / (made - k));
      const max = this.piv[start + take - 1];
      const enode = this.makeNode(start, type, take, min);
      this.made[k] = enode;
      this.madeMax[k] = max;
      this.madeGap[k] = this.lastGap;
      start += take;
      min = max + 1;
    }
    return made;
  }

  /** Largest gap of the node makeNode() built last. */
  private lastGap = 0;

  /** Build a fresh node from items [start, start + take). Pivots of the last slot are implied. */
  private makeNode(start: number, type: number, take: number, min: number): number {
    const mem = this.mem;
    const id = this.slab.alloc();
    const base = nodeBase(id);
    const enode = mkEnode(id, type);
    this.fresh[id] = this.epoch;
    const slots = slotsAt(type);
    const leaf = type === LEAF_64;
    let bestGap = 0;
    let bestAt = 0;
    let lo = min;
    for (let i = 0; i < take; i++) {
      const hi = this.piv[start + i];
      if (i < take - 1) mem.write(base + PIVOTS + i, hi);
      const child = this.slot[start + i];
      mem.write(base + slots + i, child);
      let gap: number;
      if (leaf) {
        gap = child === 0 ? Math.min(hi - lo + 1, GAP_CLAMP) : 0;
      } else {
        gap = this.gap[start + i];
        if (type === ARANGE_64) mem.write(base + ARANGE_GAPS_AT + i, gap);
        this.adopt(child, id, i, type);
      }
      if (gap > bestGap) {
        bestGap = gap;
        bestAt = i;
      }
      lo = hi + 1;
    }
    mem.write(base + META, mkMeta(take - 1, type === ARANGE_64 ? bestAt : 0));
    // Zero every word the items did not write (a new node is all zeroes past its data, as the
    // kernel's zeroed allocation; writing each word once halves the stores of a new node).
    for (let w = PIVOTS + (take > 0 ? take - 1 : 0); w < slots; w++) mem.write(base + w, 0);
    const slotsEnd = type === ARANGE_64 ? ARANGE_GAPS_AT : LAST_WORD + 1;
    for (let w = slots + take; w < slotsEnd; w++) mem.write(base + w, 0);
    if (type === ARANGE_64) for (let w = ARANGE_GAPS_AT + take; w <= LAST_WORD; w++) mem.write(base + w, 0);
    this.lastGap = bestGap;
    return enode;
  }

  /** A child of a new node: new children get their parent word now, carried ones after publish. */
  private adopt(child: number, parent: number, slot: number, parentType: number): void {
    const word = mkParent(parent, slot, parentType);
    const id = child >>> 4;
    if (this.fresh[id] === this.epoch) {
      this.mem.write(nodeBase(id) + PARENT, word);
    } else {
      if (this.fixupCount + 2 > this.fixups.length) {
        const grown = new Uint32Array(this.fixups.length * 2);
        grown.set(this.fixups);
        this.fixups = grown;
      }
      this.fixups[this.fixupCount++] = child;
      this.fixups[this.fixupCount++] = word;
    }
    this.kept[id] = this.epoch;
  }

  private clearNode(base: number): void {
    const mem = this.mem;
    for (let i = 1; i <= LAST_WORD; i++) mem.write(base + i, 0);
    this.fresh[base >>> 6] = this.epoch;
  }

  /** Non-RCU node store: the items overwrite the leaf where it stands (mas_wr_node_store). */
  private writeNodeInPlace(enode: number): void {
    const mem = this.mem;
    const base = nodeBase(enode >>> 4);
    const n = this.count;
    for (let i = 0; i < 15; i++) mem.write(base + PIVOTS + i, i < n - 1 ? this.piv[i] : 0);
    for (let i = 0; i < 16; i++) mem.write(base + RANGE_SLOTS_AT + i, i < n ? this.slot[i] : 0);
    mem.write(base + META, mkMeta(n - 1, 0));
  }

  /** After an in-place leaf change in an allocation tree: refresh the gaps above it. */
  private updateGaps(path: Path, leafDepth: number): void {
    if (leafDepth === 0 || !this.alloc) return;
    const leaf = path.node[leafDepth];
    const gap = leafGap(this.mem, nodeBase(leaf >>> 4), path.min[leafDepth], path.max[leafDepth]);
    this.setParentGap(path, leafDepth - 1, gap);
  }

  private setParentGap(path: Path, depth: number, gap: number): void {
    setParentGap(this.mem, path, depth, gap);
  }

  /** Every node under oldTop that no new node kept is dead: mark, then free through RCU. */
  private retireReplaced(oldTop: number): void {
    this.freePath.collect(oldTop, this.kept, this.epoch);
    this.freePath.kill(this.rcu);
  }

  /** Destroy or whole-tree overwrite: every node under root dies. */
  private retireSubtree(root: number): void {
    this.epoch++;
    this.retireReplaced(root);
  }

  /**
   * mtree_destroy: every node dies; the tree is empty afterwards. In RCU mode each node is marked
   * dead and gets its type and slot count in the overlay, and one deferred walk frees the whole
   * subtree after a grace period (mt_destroy_walk / mt_free_walk).
   */
  destroy(): void {
    const mem = this.mem;
    this.lockdep.treeLock = true;
    const root = mem.read(HDR_ROOT);
    mem.publish(HDR_ROOT, 0);
    mem.write(HDR_HEIGHT, 0);
    if (isNode(root)) {
      if (this.rcu) {
        this.epoch++;
        this.freePath.destroyRcu(root, this.kept, this.epoch);
      } else {
        this.retireSubtree(root);
      }
    }
    this.lockdep.treeLock = false;
    this.reclaimer.flush();
  }
}
