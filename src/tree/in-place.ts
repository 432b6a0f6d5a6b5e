/**
 * The stores that change one leaf: exact fit (mas_wr_store_entry's wr_exact_fit), slot store
 * (mas_wr_slot_store), append (mas_wr_append) and node store (mas_wr_node_store). In RCU mode only
 * the exact fit and the two-range slot store write into a node readers may be walking; a node
 * store then builds a new leaf and swaps it in.
 */
import type { Memory } from '../shared-heap/memory.js';
import { Bug } from '../shared-heap/bugs.js';
import type { NodeBuilder } from './node-build.js';
import type { WrState } from './store-type.js';
import { LEAF_64, RANGE_SLOTS, mkMeta, metaAddr, pivotAddr, pivotCount, slotAddr } from './layout.js';

export class LeafStores {
  private readonly piv = new Float64Array(RANGE_SLOTS + 2);
  private readonly slot = new Uint32Array(RANGE_SLOTS + 2);
  private readonly gaps = new Float64Array(RANGE_SLOTS + 2);

  constructor(
    private readonly mem: Memory,
    private readonly builder: NodeBuilder,
    private readonly bugs: number,
  ) {}

  /** wr_exact_fit: one slot changes; the gaps only when NULL-ness changed. */
  exactFit(wr: WrState): void {
    const mas = wr.mas;
    this.mem.publish(slotAddr(mas.node, mas.offset), wr.entry);
    if ((wr.entry === 0) !== (wr.content === 0)) this.builder.updateGap(mas);
  }

  /**
   * mas_wr_slot_store: the store moves one boundary (two ranges) or, outside RCU mode, overwrites
   * the middle of three ranges. The slot is written before the pivot, with smp_wmb between them:
   * the kernel has no barrier here, and under LKMM its pivot store may become visible first, so a
   * reader sees the neighbour's old entry over the new range (README, "Findings"); the bug
   * switches put the kernel's order back.
   */
  slotStore(wr: WrState): void {
    const mem = this.mem;
    const mas = wr.mas;
    const node = mas.node;
    const offset = mas.offset;
    let gap = mas.slot(offset) === 0 || mas.slot(offset + 1) === 0;
    if (wr.offsetEnd - offset === 1) {
      const first = mas.index === wr.rMin;
      const slot = slotAddr(node, first ? offset : offset + 1);
      const pivot = first ? mas.last : mas.index - 1;
      const bugs = this.bugs;
      if ((bugs & Bug.SLOT_STORE_PIVOT_FIRST) !== 0) {
        mem.write(pivotAddr(node, offset), pivot);
        mem.publish(slot, wr.entry);
      } else {
        mem.publish(slot, wr.entry);
        if ((bugs & Bug.SLOT_STORE_NO_WMB) === 0) mem.wmb();
        mem.write(pivotAddr(node, offset), pivot);
      }
      if (!first) mas.offset++;
    } else if (!this.builder.rcu) {
      gap ||= mas.slot(offset + 2) === 0;
      mem.publish(slotAddr(node, offset + 1), wr.entry);
      mem.write(pivotAddr(node, offset), mas.index - 1);
      mem.write(pivotAddr(node, offset + 1), mas.last);
      mas.offset++;
    } else {
      return;
    }
    if (wr.entry === 0 || gap) this.builder.updateGap(mas);
  }

  /**
   * mas_wr_append: the store lands in the last range and the node has room. The pivot of the new
   * data end and the data end go first, then the slots and pivots: safe only with no readers, hence outside RCU mode only
   * (the APPEND_IN_RCU switch does it in RCU mode too).
   */
  append(wr: WrState, newEnd: number): void {
    const mem = this.mem;
    const mas = wr.mas;
    const node = mas.node;
    const end = mas.end;
    if (newEnd < pivotCount(LEAF_64)) mem.write(pivotAddr(node, newEnd), mas.max);
    mem.write(metaAddr(node), mkMeta(newEnd, 0));
    if (newEnd === end + 1) {
      if (mas.last === wr.rMax) {
        // The end of the last range.
        mem.publish(slotAddr(node, newEnd), wr.entry);
        mem.write(pivotAddr(node, end), mas.index - 1);
        mas.offset = newEnd;
      } else {
        // The start of the last range.
        mem.publish(slotAddr(node, newEnd), wr.content);
        mem.write(pivotAddr(node, end), mas.last);
        mem.publish(slotAddr(node, end), wr.entry);
      }
    } else {
      // Inside the last range: old, new, old.
      mem.publish(slotAddr(node, newEnd), wr.content);
      mem.write(pivotAddr(node, end + 1), mas.last);
      mem.publish(slotAddr(node, end + 1), wr.entry);
      mem.write(pivotAddr(node, end), mas.index - 1);
      mas.offset = end + 1;
    }
    mas.end = newEnd;
    mas.refreshEnd();
    if (wr.content === 0 || wr.entry === 0) this.builder.updateGap(mas);
  }

  /**
   * mas_wr_node_store: the leaf's new contents, into a new leaf swapped in (RCU mode) or written
   * over the old one where it stands.
   */
  nodeStore(wr: WrState, newEnd: number): void {
    const mas = wr.mas;
    const piv = this.piv;
    const slot = this.slot;
    let offsetEnd = wr.offsetEnd;
    if (mas.last === wr.endPiv) offsetEnd++;
    const nodePivots = pivotCount(LEAF_64);
    let offset = mas.offset;
    const keep = offset;
    const builder = this.builder;
    const rcu = builder.rcu;
    // mas.pivot(i) and mas.slot(i) with the addresses hoisted: every pivot read here lies below
    // the data end, so each is a plain read of the stored word. Outside RCU mode the leaf is
    // rewritten where it stands, and items before the store stay where they are: they are
    // neither copied out nor written back (rewriteLeaf).
    const mem = this.mem;
    const pAt = pivotAddr(mas.node, 0);
    const sAt = slotAddr(mas.node, 0);
    if (rcu) {
      for (let i = 0; i < offset; i++) {
        piv[i] = mem.read(pAt + i);
        slot[i] = mem.read(sAt + i);
      }
    }
    if (wr.rMin < mas.index) {
      slot[offset] = wr.content;
      piv[offset++] = mas.index - 1;
    }
    if (offset < nodePivots) piv[offset] = mas.last;
    slot[offset] = wr.entry;
    if (offsetEnd <= mas.end) {
      const dst = offset + 1;
      const copy = mas.end - offsetEnd + 1;
      for (let k = 0; k < copy; k++) {
        slot[dst + k] = mem.read(sAt + offsetEnd + k);
        if (k < copy - 1) piv[dst + k] = mem.read(pAt + offsetEnd + k);
      }
    }
    if (offsetEnd <= mas.end && newEnd < nodePivots) piv[newEnd] = mas.max;
    mas.offset = offset;
    if (rcu) {
      builder.begin();
      const fresh = builder.newNode(LEAF_64);
      builder.writeNode(fresh, piv, slot, this.gaps, 0, newEnd + 1, 0);
      builder.replace(mas, fresh, 1);
    } else {
      builder.rewriteLeaf(mas.node, piv, slot, keep, newEnd + 1);
      mas.refreshEnd();
    }
    builder.updateGap(mas);
    mas.end = newEnd;
  }
}
