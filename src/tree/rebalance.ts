/**
 * Rebalancing and spanning stores (the kernel's mas_rebalance, mas_wr_spanning_store and
 * mas_spanning_rebalance with its maple_subtree_state helpers). The big node holds the new
 * contents of one level between the old left and right nodes (orig_l, orig_r); each level is cut
 * into one to three new nodes, which become items of the level above, up to the root. A level too
 * small for a node takes in its nearest neighbour, to the right first (mast_spanning_rebalance).
 * When the new node of a level covers the whole keyspace it is the new root (the tree may shrink).
 */
import type { Memory } from '../shared-heap/memory.js';
import { masMabCp } from './big-node.js';
import type { BigNode } from './big-node.js';
import { MaState } from './ma-state.js';
import { NewNode } from './node-build.js';
import type { NodeBuilder } from './node-build.js';
import type { Splitter } from './split.js';
import type { WrState } from './store-type.js';
import type { WriteStats } from './write-stats.js';
import { HDR_HEIGHT, MAX_INDEX, isLeafType, minSlots, pivotAddr, slotCount } from './layout.js';

export class Rebalancer {
  private readonly l = new NewNode();
  private readonly m = new NewNode();
  private readonly r = new NewNode();
  private origL: MaState;
  private origR: MaState;
  private readonly ownL: MaState;
  private readonly ownR: MaState;
  private readonly lTmp: MaState;
  private readonly rTmp: MaState;

  constructor(
    private readonly mem: Memory,
    private readonly builder: NodeBuilder,
    private readonly bn: BigNode,
    private readonly splitter: Splitter,
    private readonly stats: WriteStats,
  ) {
    this.ownL = new MaState(mem);
    this.ownR = new MaState(mem);
    this.lTmp = new MaState(mem);
    this.rTmp = new MaState(mem);
    this.origL = this.ownL;
    this.origR = this.ownR;
  }

  private cp(mas: MaState, start: number, end: number, at: number): void {
    masMabCp(this.mem, this.builder.alloc, mas, start, end, this.bn, at);
  }

  /** mas_rebalance: mas is at the leaf, bn holds its new contents (bn.end the last index). */
  rebalance(mas: MaState): void {
    const bn = this.bn;
    const count = this.mem.read(HDR_HEIGHT);
    const bEnd = ++bn.end;
    bn.type = mas.type;
    const L = (this.origL = this.ownL);
    const R = (this.origR = this.ownR);
    L.copyFrom(mas);
    R.copyFrom(mas);
    if (R.nextSibling()) {
      this.cp(R, 0, slotCount(R.type), bEnd);
      R.last = R.index = R.max;
    } else {
      L.prevSibling();
      const shift = L.dataEnd() + 1;
      bn.shiftRight(shift);
      mas.offset += shift;
      this.cp(L, 0, shift - 1, 0);
      bn.end = shift + bEnd;
      L.index = L.last = L.min;
    }
    this.spanningRebalance(count);
  }

  /** mas_wr_spanning_store: the store leaves the node wr.mas is at. */
  spanningStore(wr: WrState, lWr: WrState, rWr: WrState): boolean {
    const mas = wr.mas;
    const bn = this.bn;
    if (mas.index === 0 && mas.last === MAX_INDEX) return false;
    const height = this.mem.read(HDR_HEIGHT);
    const R = rWr.mas;
    R.copyFrom(mas);
    if (R.last !== MAX_INDEX) R.last++;
    R.index = R.last;
    rWr.entry = wr.entry;
    rWr.walkIndex();
    R.last = R.index = mas.last;
    const L = lWr.mas;
    L.copyFrom(mas);
    lWr.entry = wr.entry;
    lWr.walkIndex();
    if (wr.entry === 0) {
      this.extendSpanningNull(lWr, rWr);
      mas.offset = L.offset;
      mas.index = L.index;
      mas.last = L.last = R.last;
    }
    if (L.index === 0 && R.last === MAX_INDEX) {
      mas.index = 0;
      mas.last = MAX_INDEX;
      return false;
    }
    bn.clear();
    storeBNode(this.mem, this.builder.alloc, lWr, bn, L.end);
    if (R.max > R.last) this.cp(R, R.offset, R.end, bn.end + 1);
    else bn.end++;
    L.index = L.last = mas.index;
    this.origL = L;
    this.origR = R;
    this.spanningRebalance(height + 1);
    return true;
  }

  /** mas_extend_spanning_null: a NULL store takes in the NULL ranges at both of its ends. */
  private extendSpanningNull(lWr: WrState, rWr: WrState): void {
    const L = lWr.mas;
    const R = rWr.mas;
    const lSlot = L.offset;
    if (lWr.content === 0) L.index = lWr.rMin;
    if (L.index === lWr.rMin && lSlot > 0 && L.slot(lSlot - 1) === 0) {
      L.index = lSlot > 1 ? L.pivot(lSlot - 2) + 1 : L.min;
      L.offset = lSlot - 1;
    }
    if (rWr.content === 0) {
      if (R.last < rWr.rMax) R.last = rWr.rMax;
      R.offset++;
    } else if (R.last === rWr.rMax && R.last < R.max && R.slot(R.offset + 1) === 0) {
      R.last = R.safePivot(R.offset + 1);
      R.offset++;
    }
  }

  /** mas_spanning_rebalance: rebuild every level from the leaves to the root. */
  private spanningRebalance(count: number): void {
    const bn = this.bn;
    const builder = this.builder;
    const l = this.l;
    const m = this.m;
    const r = this.r;
    l.none = m.none = r.none = true;
    if ((this.origL.min !== 0 || this.origR.max !== MAX_INDEX) && bn.end <= minSlots(bn.type)) {
      this.mastSpanningRebalance();
    }
    let depth = 0;
    let newRoot = false;
    while (count-- > 0) {
      const L = this.origL;
      bn.end--;
      bn.type = L.type;
      // mas_mab_to_node
      const left = builder.newNode(bn.type);
      let right = 0;
      let middle = 0;
      let split: number;
      let midSplit = 0;
      if (bn.end < slotCount(bn.type)) {
        split = bn.end;
      } else {
        split = bn.calcSplit();
        midSplit = bn.midSplit;
        right = builder.newNode(bn.type);
      }
      if (midSplit !== 0) middle = builder.newNode(bn.type);
      // mast_cp_to_nodes
      l.set(left);
      m.set(middle);
      r.set(right);
      l.min = L.min;
      let newLmax = true;
      if (split === bn.end) {
        l.max = this.origR.max;
        newLmax = false;
      }
      builder.mabMasCp(bn, 0, split, l, newLmax);
      if (middle !== 0) {
        builder.mabMasCp(bn, 1 + split, midSplit, m, true);
        m.min = bn.pivot[split] + 1;
        split = midSplit;
      }
      r.max = this.origR.max;
      if (right !== 0) {
        builder.mabMasCp(bn, 1 + split, bn.end, r, false);
        r.min = bn.pivot[split] + 1;
      }
      bn.clear();
      bn.type = (left >>> 2) & 3;
      depth++;
      if (l.min === 0 && l.max === MAX_INDEX) {
        newRoot = true;
        break;
      }
      this.mastAscend();
      const L2 = this.origL;
      if (L2.offset > 0) this.cp(L2, 0, L2.offset - 1, 0);
      l.offset = bn.end;
      this.splitter.setBEnd(l);
      this.splitter.setBEnd(m);
      this.splitter.setBEnd(r);
      const R2 = this.origR;
      if (bn.pivot[bn.end - 1] < R2.max) {
        this.cp(R2, R2.offset + 1, slotCount(R2.type), bn.end);
        R2.last = R2.max;
      }
      L2.last = L2.max;
      if (bn.end > minSlots(L2.type)) continue;
      if (bn.end >= slotCount(L2.type)) continue;
      if (L2.min === 0 && L2.max === MAX_INDEX) break;
      this.mastSpanningRebalance();
      if (count === 0) count++;
    }
    let top: number;
    if (newRoot) {
      top = l.node;
      while (!this.origL.isRoot) this.mastAscend();
    } else {
      top = builder.newNode(this.origL.type);
      depth++;
      l.set(top);
      builder.mabMasCp(bn, 0, slotCount(bn.type) - 1, l, true);
      if (l.min === 0 && l.max === MAX_INDEX) while (!this.origL.isRoot) this.mastAscend();
    }
    const at = this.origL;
    const oldHeight = this.mem.read(HDR_HEIGHT);
    builder.replace(at, top, depth);
    if (at.isRoot && depth < oldHeight) this.stats.rootCollapse++;
    if (!isLeafType((top >>> 2) & 3)) builder.updateGap(at);
  }

  /** mast_ascend: both old sides up one level, at the slots of the new nodes' bounds. */
  private mastAscend(): void {
    const L = this.origL;
    const R = this.origR;
    L.ascend();
    R.ascend();
    R.offset = 0;
    R.index = this.r.max;
    if (R.last < R.index) R.last = R.index;
    nodeWalkOffset(this.mem, R);
    L.offset = 0;
    L.index = this.l.min;
    nodeWalkOffset(this.mem, L);
    this.bn.type = L.type;
  }

  /**
   * mast_spanning_rebalance: take in the nearest node at the same depth, the right one first,
   * looking for it ever higher up. Returns false when there is none.
   */
  private mastSpanningRebalance(): boolean {
    const L = this.origL;
    const R = this.origR;
    const bn = this.bn;
    this.rTmp.copyFrom(R);
    this.lTmp.copyFrom(L);
    let depth = 0;
    do {
      R.ascend();
      L.ascend();
      depth++;
      if (R.offset < R.dataEnd()) {
        R.offset++;
        do {
          R.descend();
          R.offset = 0;
        } while (--depth > 0);
        // mast_rebalance_next
        this.cp(R, 0, slotCount(R.type), bn.end);
        R.last = R.max;
        L.copyFrom(this.lTmp);
        return true;
      } else if (L.offset !== 0) {
        L.offset--;
        do {
          L.descend();
          L.offset = L.dataEnd();
        } while (--depth > 0);
        // mast_rebalance_prev
        const end = L.dataEnd() + 1;
        const bEnd = bn.end;
        bn.shiftRight(end);
        this.cp(L, 0, end - 1, 0);
        this.l.min = L.min;
        L.index = L.min;
        bn.end = end + bEnd;
        this.l.offset += end;
        R.copyFrom(this.rTmp);
        return true;
      }
    } while (!R.isRoot);
    R.copyFrom(this.rTmp);
    L.copyFrom(this.lTmp);
    return false;
  }
}

/**
 * The offset part of mas_wr_node_walk for any state: the slot holding mas.index. The reads of
 * `mas.index > mas.pivot(offset)` for offset below the data end (each a stored pivot), in order,
 * as one pivot scan.
 */
export function nodeWalkOffset(mem: Memory, mas: MaState): void {
  const count = (mas.end = mas.dataEnd());
  const offset = mas.offset;
  mas.offset = offset < count ? offset + mem.scan(pivotAddr(mas.node, offset), count - offset, mas.index) : offset;
}

/**
 * mas_store_b_node: the leaf's contents up to the store, the stored range, and the contents after
 * it from offsetEnd on, into the big node (bn.end the last index).
 */
export function storeBNode(mem: Memory, alloc: boolean, wr: WrState, bn: BigNode, offsetEnd: number): void {
  const mas = wr.mas;
  bn.type = wr.type;
  // Entries 0 to mas.offset + 2 at most are written here before the copy of the rest (which
  // raises `high` itself).
  bn.touched(mas.offset + 3);
  let bEnd = 0;
  let slot = mas.offset;
  let piv: number;
  if (slot > 0) {
    masMabCp(mem, alloc, mas, 0, slot - 1, bn, 0);
    bEnd = bn.end;
    piv = bn.pivot[bEnd - 1];
  } else {
    piv = mas.min - 1;
  }
  if (piv + 1 < mas.index) {
    bn.slot[bEnd] = wr.content;
    if (wr.content === 0) bn.gap[bEnd] = mas.index - 1 - piv;
    bn.pivot[bEnd++] = mas.index - 1;
  }
  mas.offset = bEnd;
  bn.slot[bEnd] = wr.entry;
  bn.pivot[bEnd] = mas.last;
  if (mas.last >= mas.max) {
    bn.end = bEnd;
    return;
  }
  piv = mas.safePivot(offsetEnd);
  if (piv > mas.last) {
    if (offsetEnd !== slot) wr.content = mas.slot(offsetEnd);
    bn.slot[++bEnd] = wr.content;
    if (wr.content === 0) bn.gap[bEnd] = piv - mas.last + 1;
    bn.pivot[bEnd] = piv;
  }
  slot = offsetEnd + 1;
  if (slot > mas.end) {
    bn.end = bEnd;
    return;
  }
  masMabCp(mem, alloc, mas, slot, mas.end + 1, bn, ++bEnd);
  bn.end--;
}
