/**
 * The write walk and the store-type decision (the kernel's struct ma_wr_state, mas_wr_walk,
 * mas_is_span_wr, mas_wr_node_walk, mas_wr_end_piv, mas_wr_extend_null, mas_wr_new_end and
 * mas_wr_store_type).
 */
import type { Memory } from '../shared-heap/memory.js';
import { MaState } from './ma-state.js';
import { NODE_WORDS } from '../shared-heap/slab.js';
import {
  ARANGE_SLOTS_AT,
  HDR_ROOT,
  MAX_INDEX,
  META,
  PIVOTS,
  RANGE_SLOTS_AT,
  isNode,
  minSlots,
  pivotAddr,
  slotCount,
} from './layout.js';

// The write walk (WrState.walkDown) writes the layout's numbers as literals, as walk.ts does.
if (NODE_WORDS !== 64 || PIVOTS !== 2 || META !== 1 || ARANGE_SLOTS_AT !== 11 || RANGE_SLOTS_AT !== 17 || MAX_INDEX !== 0xffffffff) {
  throw new Error('store-type: the literals no longer match layout.ts / slab.ts');
}

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

  /** mas_wr_walk: down to the leaf; false when the write spans nodes. */
  walk(): boolean {
    return this.walkDown(true);
  }

  /** mas_wr_walk_index: down to the leaf holding mas.index, from the current node. */
  walkIndex(): void {
    this.walkDown(false);
  }

  /**
   * The loop of mas_wr_walk (`span`: with mas_is_span_wr at each level) and mas_wr_walk_index:
   * descendWalk (nodeWalk), isSpanWr, the slot read and traverse per level, written out with the
   * state's arrays and the node's address in locals, as mtreeLoad is (walk.ts): per level the
   * same reads in the same order (the pivot scan from mas.offset, pivot(offset), pivot(offset -
   * 1), the slot, the child's metadata) and the same state left behind. The layout's numbers are
   * literals (checked below): a node's base is id << 6, PIVOTS 2, META 1, the slots at 11
   * (arange_64) or 17.
   */
  private walkDown(span: boolean): boolean {
    const mas = this.mas;
    const mem = this.mem;
    const nodes = mas.nodes;
    const mins = mas.mins;
    const maxs = mas.maxs;
    const ends = mas.ends;
    const taken = mas.taken;
    const index = mas.index;
    const last = mas.last;
    const entry = this.entry;
    let d = mas.depth;
    let offset = mas.offset;
    // The state's fields are set once, from locals, when the walk stops: the values of the levels
    // above are overwritten level by level and nothing reads them in between.
    let type: number;
    let count: number;
    let rMax: number;
    let rMin: number;
    let content = -1;
    let leaf: boolean;
    for (;;) {
      const enode = nodes[d];
      type = (enode >>> 2) & 3;
      const base = (enode >>> 4) << 6;
      // nodeWalk.
      count = ends[d];
      const max = maxs[d];
      const pAt = base + 2;
      if (offset < count) offset += mem.scan(pAt + offset, count - offset, index);
      rMax = offset < count ? mem.read(pAt + offset) : max;
      rMin = offset > 0 ? mem.read(pAt + offset - 1) + 1 : mins[d];
      // isSpanWr.
      if (span && last >= rMax) {
        const nodeEdge = type < 2 ? max : rMax;
        if (last >= nodeEdge && (last !== nodeEdge || (entry === 0 && last !== 0xffffffff))) {
          leaf = false;
          break;
        }
      }
      content = mem.read(base + (type === 3 ? 11 : 17) + offset);
      if (type < 2) {
        leaf = true;
        break;
      }
      // traverse: into the child with the bounds found here; refreshEnd reads its data end.
      taken[d] = offset;
      d++;
      nodes[d] = content;
      mins[d] = rMin;
      maxs[d] = rMax;
      ends[d] = mem.read(((content >>> 4) << 6) + 1) & 0xff;
      offset = 0;
    }
    mas.depth = d;
    mas.end = count;
    mas.offset = offset;
    this.type = type;
    this.rMax = rMax;
    this.rMin = rMin;
    this.offsetEnd = offset;
    // A spanning stop at the first level leaves content as it was, as the loop did.
    if (content !== -1) this.content = content;
    return leaf;
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
