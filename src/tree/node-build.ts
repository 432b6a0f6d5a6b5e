/**
 * Making new nodes and putting them in the tree: allocation, the copy out of a big node
 * (mab_mas_cp), the parent words of children, rcu_assign_pointer of the new top, the parent-word
 * fixes of carried children and the death of every replaced node (mas_topiary_replace), and the
 * gap updates above a changed node (mas_update_gap, mas_parent_gap, ma_max_gap).
 */
import type { Memory } from '../shared-heap/memory.js';
import type { Slab } from '../shared-heap/slab.js';
import type { Reclaimer } from '../shared-heap/reclaim.js';
import { Bug } from '../shared-heap/bugs.js';
import { FreePath } from './free-path.js';
import type { BigNode } from './big-node.js';
import type { MaState } from './ma-state.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  FLAG_ALLOC_RANGE,
  FLAG_RCU,
  HDR_FLAGS,
  HDR_HEIGHT,
  HDR_ROOT,
  LAST_WORD,
  LEAF_64,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  gapAddr,
  metaAddr,
  metaEnd,
  metaGap,
  mkEnode,
  mkMeta,
  mkParent,
  mkRootParent,
  nodeBase,
  pivotAddr,
  pivotCount,
  slotAddr,
  slotsAt,
} from './layout.js';

/** A new node being filled (the kernel's l_mas, m_mas, r_mas of a split or rebalance). */
export class NewNode {
  node = 0;
  min = 0;
  max = 0;
  offset = 0;
  none = true;

  set(enode: number): void {
    this.node = enode;
    this.none = enode === 0;
  }

  /** Take the bounds and offset of an old-tree state (the kernel copies the whole ma_state). */
  copyBounds(mas: MaState): void {
    this.min = mas.min;
    this.max = mas.max;
    this.offset = mas.offset;
  }
}

export class NodeBuilder {
  /**
   * Two marks per node, side by side so that a child's pair is one cache line (adopt reads the
   * first and writes the second of every child a new node takes, and the free path reads the
   * second again; as two arrays of 300k entries each that was two misses per child):
   * marks[2 * id] === epoch: this write made the node (not yet reachable, so no ordering needed);
   * marks[2 * id + 1] === epoch: a new node references the old node, so it survives.
   */
  private readonly marks: Uint32Array;
  private epoch = 0;
  private fixups = new Uint32Array(256);
  private fixupCount = 0;
  readonly freePath: FreePath;
  private readonly savedWords = new Uint32Array(LAST_WORD + 1);

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    reclaimer: Reclaimer,
    private readonly bugs: number,
  ) {
    this.freePath = new FreePath(mem, slab, reclaimer, bugs);
    this.marks = new Uint32Array(2 * (slab.capacity + 1));
  }

  get rcu(): boolean {
    return (this.mem.read(HDR_FLAGS) & FLAG_RCU) !== 0;
  }

  get alloc(): boolean {
    return (this.mem.read(HDR_FLAGS) & FLAG_ALLOC_RANGE) !== 0;
  }

  /** A new write that replaces nodes begins: fresh and kept marks of older writes lapse. */
  begin(): void {
    this.epoch++;
    this.fixupCount = 0;
  }

  /** mas_pop_node: a fresh node of the type; its words are written by fill() or the caller. */
  newNode(type: number): number {
    const id = this.slab.alloc();
    this.marks[2 * id] = this.epoch;
    return mkEnode(id, type);
  }

  isFresh(enode: number): boolean {
    return this.marks[2 * (enode >>> 4)] === this.epoch;
  }

  /** Write a whole node: items [0, n) of pivots/slots/gaps, zeroes after, the metadata. */
  writeNode(enode: number, pivots: Float64Array, slots: Uint32Array, gaps: Float64Array, from: number, n: number, gapOffset: number): void {
    const mem = this.mem;
    const type = (enode >>> 2) & 3;
    const id = enode >>> 4;
    const base = nodeBase(id);
    const sAt = slotsAt(type);
    const pc = pivotCount(type);
    // As the kernel stores them: every item's pivot, the last one's too when the node has a word
    // for it (the node's maximum), zero after.
    // The same stores in the same order as one loop per word kind with `i < n ? item : 0`, split
    // at n so that the loops carry no per-word test (a leaf, most of the nodes written, adopts no
    // child).
    const pAt = base + PIVOTS;
    const pn = n < pc ? n : pc;
    let i = 0;
    for (; i < pn; i++) mem.write(pAt + i, pivots[from + i]);
    for (; i < pc; i++) mem.write(pAt + i, 0);
    const slotCount = pc + 1;
    const sBase = base + sAt;
    const sn = n < slotCount ? n : slotCount;
    i = 0;
    if (type === LEAF_64) {
      for (; i < sn; i++) mem.write(sBase + i, slots[from + i]);
    } else {
      for (; i < sn; i++) {
        const child = slots[from + i];
        mem.write(sBase + i, child);
        this.adopt(child, id, i, type);
      }
    }
    for (; i < slotCount; i++) mem.write(sBase + i, 0);
    if (type === ARANGE_64) {
      for (let i = 0; i < slotCount; i++) mem.write(base + ARANGE_GAPS_AT + i, i < n ? gaps[from + i] : 0);
      for (let w = ARANGE_GAPS_AT + slotCount; w <= LAST_WORD; w++) mem.write(base + w, 0);
    }
    mem.write(base + META, mkMeta(n - 1, gapOffset));
  }

  /**
   * writeNode of a leaf where it stands (the non-RCU node store), for contents whose first `keep`
   * items are the leaf's own, unmoved: the stores writeNode makes from item `keep` on, in its
   * order; the words before hold what writeNode would store in them again.
   */
  rewriteLeaf(enode: number, pivots: Float64Array, slots: Uint32Array, keep: number, n: number): void {
    const mem = this.mem;
    const base = nodeBase(enode >>> 4);
    const pc = pivotCount(LEAF_64);
    const pAt = base + PIVOTS;
    const pn = n < pc ? n : pc;
    let i = keep;
    for (; i < pn; i++) mem.write(pAt + i, pivots[i]);
    for (; i < pc; i++) mem.write(pAt + i, 0);
    const slotCount = pc + 1;
    const sBase = base + slotsAt(LEAF_64);
    const sn = n < slotCount ? n : slotCount;
    for (i = keep; i < sn; i++) mem.write(sBase + i, slots[i]);
    for (; i < slotCount; i++) mem.write(sBase + i, 0);
    mem.write(base + META, mkMeta(n - 1, 0));
  }

  /**
   * mab_mas_cp: items start..end of the big node into the fresh node st.node; with newMax the
   * node's maximum becomes the last pivot copied. Returns the number of items.
   */
  mabMasCp(bn: BigNode, start: number, end: number, st: NewNode, newMax: boolean): number {
    const enode = st.node;
    const type = (enode >>> 2) & 3;
    if (end - start > pivotCount(type)) end--;
    let i = start;
    do i++;
    while (i <= end && bn.pivot[i] !== 0);
    const n = i - start;
    if (newMax) st.max = bn.pivot[i - 1];
    let gapOffset = 0;
    if (type === ARANGE_64) {
      let maxGap = 0;
      for (let j = n - 1; j >= 0; j--) {
        const g = bn.gap[start + j];
        if (g > maxGap) {
          maxGap = g;
          gapOffset = j;
        }
      }
    }
    this.writeNode(enode, bn.pivot, bn.slot, bn.gap, start, n, gapOffset);
    return n;
  }

  /** A child of a new node: fresh children get their parent word now, carried ones after publish. */
  private adopt(child: number, parent: number, slot: number, parentType: number): void {
    const word = mkParent(parent, slot, parentType);
    const id = child >>> 4;
    const marks = this.marks;
    if (marks[2 * id] === this.epoch) {
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
    marks[2 * id + 1] = this.epoch;
  }

  /**
   * mas_put_in_tree and the rest of mas_topiary_replace: newTop takes the place of the old node
   * at `at` (the root when at.depth is 0, with the given height), carried children get their new
   * parent words, and every old node under the old one that no new node kept dies.
   */
  replace(at: MaState, newTop: number, height: number): void {
    const mem = this.mem;
    const old = at.node;
    if (at.depth === 0) {
      mem.write(nodeBase(newTop >>> 4) + PARENT, mkRootParent());
      this.publishNode(HDR_ROOT, newTop);
      mem.write(HDR_HEIGHT, height);
    } else {
      const parent = at.nodes[at.depth - 1];
      const ptype = (parent >>> 2) & 3;
      const offset = at.taken[at.depth - 1];
      mem.write(nodeBase(newTop >>> 4) + PARENT, mkParent(parent >>> 4, offset, ptype));
      this.publishNode(slotAddr(parent, offset), newTop);
    }
    for (let i = 0; i < this.fixupCount; i += 2) {
      mem.write(nodeBase(this.fixups[i] >>> 4) + PARENT, this.fixups[i + 1]);
    }
    this.fixupCount = 0;
    at.node = newTop;
    this.retire(old);
  }

  /** Every node under oldTop that no new node kept dies: mark, then free through RCU. */
  retire(oldTop: number): void {
    this.freePath.collect(oldTop, this.marks, this.epoch);
    this.freePath.kill(this.rcu);
  }

  /** Destroy or whole-tree overwrite: every node under root dies. */
  retireAll(root: number): void {
    this.epoch++;
    this.retire(root);
  }

  /** mt_destroy in RCU mode. */
  destroyRcu(root: number): void {
    this.epoch++;
    this.freePath.destroyRcu(root, this.marks, this.epoch);
  }

  /**
   * rcu_assign_pointer of a fresh node. The bug switches link it in before its words are written,
   * or with a plain store that orders nothing.
   */
  publishNode(addr: number, enode: number): void {
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

  private gEnode = 0;
  private gEnd = 0;
  private gMax = 0;
  /** The kernel's pivot i of the leaf leafMaxGap is looking at. */
  private readonly gapPivot = (i: number): number =>
    i < this.gEnd ? this.mem.read(pivotAddr(this.gEnode, i)) : i === this.gEnd ? this.gMax : 0;

  /** mas_leaf_max_gap: the largest NULL range of a leaf; its last slot counts only at the right edge. */
  leafMaxGap(enode: number, min: number, max: number): number {
    const mem = this.mem;
    const end = metaEnd(mem.read(metaAddr(enode)));
    this.gEnode = enode;
    this.gEnd = end;
    this.gMax = max;
    const piv = this.gapPivot;
    let maxGap = 0;
    let i: number;
    if (mem.read(slotAddr(enode, 0)) === 0) {
      maxGap = piv(0) - min + 1;
      i = 2;
    } else {
      i = 1;
    }
    const maxPiv = end - 1;
    if (max === MAX_INDEX && maxPiv >= 0 && mem.read(slotAddr(enode, maxPiv + 1)) === 0) {
      const gap = MAX_INDEX - piv(maxPiv);
      if (gap > maxGap) maxGap = gap;
      if (maxGap > piv(maxPiv) - min) return Math.min(maxGap, MAX_INDEX);
    }
    for (; i <= maxPiv; i++) {
      if (mem.read(slotAddr(enode, i)) !== 0) continue;
      const gap = piv(i) - piv(i - 1);
      if (gap > maxGap) maxGap = gap;
      i++;
    }
    return Math.min(maxGap, MAX_INDEX);
  }

  /** mas_max_gap of a node with bounds [min, max]. */
  maxGap(enode: number, min: number, max: number): number {
    if (((enode >>> 2) & 3) === LEAF_64) return this.leafMaxGap(enode, min, max);
    return this.mem.read(gapAddr(enode, metaGap(this.mem.read(metaAddr(enode)))));
  }

  /** mas_update_gap: after the node at `mas` changed, carry its largest gap to the parents. */
  updateGap(mas: MaState): void {
    if (!this.alloc || mas.depth === 0) return;
    const gap = this.maxGap(mas.node, mas.min, mas.max);
    const d = mas.depth - 1;
    const pslot = mas.taken[d];
    if (this.mem.read(gapAddr(mas.nodes[d], pslot)) !== gap) this.parentGap(mas, d, pslot, gap);
  }

  /** mas_parent_gap: set gap `offset` of the node at level d, and go up while the maximum moves. */
  private parentGap(mas: MaState, d: number, offset: number, gap: number): void {
    const mem = this.mem;
    for (;;) {
      const pnode = mas.nodes[d];
      const meta = mem.read(metaAddr(pnode));
      let metaOffset = metaGap(meta);
      const metaGapValue = mem.read(gapAddr(pnode, metaOffset));
      mem.write(gapAddr(pnode, offset), gap);
      if (metaGapValue === gap) return;
      if (offset !== metaOffset) {
        if (metaGapValue > gap) return;
        mem.write(metaAddr(pnode), mkMeta(metaEnd(meta), offset));
      } else if (gap < metaGapValue) {
        // ma_max_gap: scan down from the data end; ties go to the highest offset.
        const end = metaEnd(meta);
        let best = 0;
        metaOffset = end;
        for (let i = end; i >= 0; i--) {
          const g = mem.read(gapAddr(pnode, i));
          if (g > best) {
            best = g;
            metaOffset = i;
          }
        }
        gap = best;
        mem.write(metaAddr(pnode), mkMeta(end, metaOffset));
      }
      if (d === 0) return;
      offset = mas.taken[d - 1];
      d--;
    }
  }
}
