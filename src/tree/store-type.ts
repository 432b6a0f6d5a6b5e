/**
 * The write walk and the store-type decision (the kernel's struct ma_wr_state, mas_wr_walk,
 * mas_is_span_wr, mas_wr_node_walk, mas_wr_end_piv, mas_wr_extend_null, mas_wr_new_end and
 * mas_wr_store_type).
 */
import type { Memory } from '../shared-heap/memory.js';
import { MaState } from './ma-state.js';
import { HDR_ROOT, MAX_INDEX, isLeafType, isNode, minSlots, pivotAddr, slotCount } from './layout.js';

export const WR_INVALID = 0;
export const WR_NEW_ROOT = 1;
export const WR_STORE_ROOT = 2;
export const WR_EXACT_FIT = 3;
export const WR_APPEND = 4;
export const WR_SLOT_STORE = 5;
export const WR_NODE_STORE = 6;
export const WR_SPANNING_STORE = 7;
export const WR_SPLIT_STORE = 8;
export const WR_REBALANCE = 9;

export class WrState {
  readonly mas: MaState;
  type = 0;
  rMin = 0;
  rMax = 0;
  offsetEnd = 0;
  endPiv = 0;
  content = 0;
  entry = 0;

  constructor(private readonly mem: Memory) {
    this.mas = new MaState(mem);
  }

  /** mas_wr_node_walk: find the slot of index in the current node, from mas.offset on. */
  nodeWalk(): void {
    const mas = this.mas;
    const count = (mas.end = mas.dataEnd());
    let offset = mas.offset;
    const index = mas.index;
    const mem = this.mem;
    const pAt = pivotAddr(mas.node, 0);
    // The reads of `index > pivot(offset)` for offset < count, in order, as one pivot scan.
    if (offset < count) offset += mem.scan(pAt + offset, count - offset, index);
    // mas.pivot(offset) and mas.safeMin(offset): both pivots lie below the data end here.
    this.rMax = offset < count ? mem.read(pAt + offset) : mas.max;
    this.rMin = offset > 0 ? mem.read(pAt + offset - 1) + 1 : mas.min;
    this.offsetEnd = mas.offset = offset;
  }

  /** mas_is_span_wr: does the write leave this node, or end a non-rightmost leaf with NULL? */
  private isSpanWr(): boolean {
    let max = this.rMax;
    const last = this.mas.last;
    if (last < max) return false;
    if (isLeafType(this.type)) {
      max = this.mas.max;
      if (last < max) return false;
    }
    if (last === max) {
      if (this.entry !== 0 || last === MAX_INDEX) return false;
    }
    return true;
  }

  private descendWalk(): void {
    this.type = this.mas.type;
    this.nodeWalk();
  }

  private traverse(): void {
    const mas = this.mas;
    const rMin = this.rMin;
    const rMax = this.rMax;
    mas.descend();
    mas.min = rMin;
    mas.max = rMax;
    mas.offset = 0;
  }

  /** mas_wr_walk: down to the leaf; false when the write spans nodes. */
  walk(): boolean {
    const mas = this.mas;
    for (;;) {
      this.descendWalk();
      if (this.isSpanWr()) return false;
      this.content = mas.slot(mas.offset);
      if (isLeafType(this.type)) return true;
      this.traverse();
    }
  }

  /** mas_wr_walk_index: down to the leaf holding mas.index, from the current node. */
  walkIndex(): void {
    const mas = this.mas;
    for (;;) {
      this.descendWalk();
      this.content = mas.slot(mas.offset);
      if (isLeafType(this.type)) return;
      this.traverse();
    }
  }

  /** mas_wr_end_piv: the slot holding last, and its pivot. */
  endPivot(): void {
    const mas = this.mas;
    while (this.offsetEnd < mas.end && mas.last > mas.pivot(this.offsetEnd)) this.offsetEnd++;
    this.endPiv = this.offsetEnd < mas.end ? mas.pivot(this.offsetEnd) : mas.max;
  }

  /** mas_wr_extend_null: a NULL store takes in the NULL ranges beside it within the node. */
  extendNull(): void {
    const mas = this.mas;
    if (mas.slot(this.offsetEnd) === 0) {
      mas.last = this.endPiv;
    } else if (mas.last === this.endPiv && mas.end !== this.offsetEnd && mas.slot(this.offsetEnd + 1) === 0) {
      this.offsetEnd++;
      mas.last = this.offsetEnd === mas.end ? mas.max : mas.pivot(this.offsetEnd);
      this.endPiv = mas.last;
    }
    if (this.content === 0) {
      mas.index = this.rMin;
    } else if (mas.index === this.rMin && mas.offset > 0 && mas.slot(mas.offset - 1) === 0) {
      mas.offset--;
      this.rMin = mas.index = mas.safeMin(mas.offset);
      this.rMax = mas.pivot(mas.offset);
    }
  }

  /** mas_wr_new_end: the data end of the leaf after the store. */
  newEnd(): number {
    const mas = this.mas;
    let newEnd = mas.end + 2;
    newEnd -= this.offsetEnd - mas.offset;
    if (this.rMin === mas.index) newEnd--;
    if (this.endPiv === mas.last) newEnd--;
    return newEnd;
  }

  /**
   * mas_wr_prealloc_setup and mas_wr_store_type: walk from the root for [index, last] and decide
   * how the store is done. `append` says whether an in-place append is allowed (outside RCU mode).
   */
  storeType(index: number, last: number, entry: number, rcu: boolean, append: boolean): number {
    const mas = this.mas;
    const root = this.mem.read(HDR_ROOT);
    mas.index = index;
    mas.last = last;
    this.entry = entry;
    if (!isNode(root)) {
      this.content = root;
      return WR_STORE_ROOT;
    }
    mas.reset(root);
    if (!this.walk()) return WR_SPANNING_STORE;
    this.endPivot();
    if (entry === 0) this.extendNull();
    const newEnd = this.newEnd();
    if (this.rMin === mas.index && this.rMax === mas.last) return WR_EXACT_FIT;
    if (mas.index === 0 && mas.last === MAX_INDEX) return WR_NEW_ROOT;
    if (newEnd < minSlots(this.type)) return mas.isRoot ? WR_NODE_STORE : WR_REBALANCE;
    if (newEnd >= slotCount(this.type)) return WR_SPLIT_STORE;
    if (append && mas.offset === mas.end) return WR_APPEND;
    if (newEnd === mas.end && (!rcu || this.offsetEnd - mas.offset === 1)) return WR_SLOT_STORE;
    return WR_NODE_STORE;
  }
}
