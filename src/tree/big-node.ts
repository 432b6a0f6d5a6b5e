/**
 * The big node (the kernel's struct maple_big_node): the contents of up to two nodes and a bit,
 * gathered before they are cut into new nodes, and the rules that pick where to cut.
 *
 * `end` follows the kernel's b_end, which is sometimes the count of items and sometimes the index
 * of the last one; each caller says which. Unused entries are kept zero: a zero pivot past the
 * first item ends a copy out of the big node, as in the kernel.
 */
import type { MaState } from './ma-state.js';
import { ARANGE_64, RANGE_SLOTS, gapAddr, isLeafType, minSlots, pivotAddr, pivotCount, slotAddr, slotCount } from './layout.js';
import type { Memory } from '../shared-heap/memory.js';

const BIG_SLOTS = 2 * RANGE_SLOTS + 2;
/** Room for shifts past the end before the arrays are cleared again. */
const BIG_ROOM = 3 * BIG_SLOTS;

export class BigNode {
  readonly pivot = new Float64Array(BIG_ROOM);
  readonly slot = new Uint32Array(BIG_ROOM);
  readonly gap = new Float64Array(BIG_ROOM);
  type = 0;
  end = 0;
  /**
   * Every entry at or above `high` is zero in all three arrays: each writer of the arrays (here,
   * masMabCp, storeBNode, Splitter.setBEnd) raises it past what it wrote, and clear() zeroes
   * below it only.
   */
  high = 0;

  /**
   * memset of the whole big node: the entries below `high`, the only ones that may be non-zero.
   * A loop over them rather than three TypedArray fill() calls, which cost about as much as the
   * rest of a leaf split on Node 20.
   */
  clear(): void {
    const pivot = this.pivot;
    const slot = this.slot;
    const gap = this.gap;
    const high = this.high;
    for (let i = 0; i < high; i++) {
      pivot[i] = 0;
      slot[i] = 0;
      gap[i] = 0;
    }
    this.high = 0;
    this.end = 0;
  }

  /** Entries below `n` may have been written. */
  touched(n: number): void {
    if (n > this.high) this.high = n;
  }

  /** mab_shift_right: move the first `end` items right by shift (leaves the old ones in place). */
  shiftRight(shift: number): void {
    const n = this.end;
    this.pivot.copyWithin(shift, 0, n);
    this.slot.copyWithin(shift, 0, n);
    if (this.type === ARANGE_64) this.gap.copyWithin(shift, 0, n);
    this.touched(Math.min(shift + n, BIG_ROOM));
  }

  /** mab_no_null_split: never end the left node on a NULL. */
  noNullSplit(split: number, slotCount: number): number {
    if (this.slot[split] === 0) {
      if (split < slotCount - 1 && this.end - split > minSlots(this.type)) split++;
      else split--;
    }
    return split;
  }

  /** mab_middle_node: does the data need three nodes? (`end` is the last index.) */
  private middleNode(split: number, slots: number): boolean {
    const size = this.end;
    if (size >= 2 * slots) return true;
    return this.slot[split] === 0 && size >= 2 * slots - 1;
  }

  /** Set by calcSplit: the second cut of a three-way split, 0 when there is none. */
  midSplit = 0;

  /** mab_calc_split (`end` is the last index). */
  calcSplit(): number {
    const bEnd = this.end;
    let split = Math.floor(bEnd / 2);
    const slots = slotCount(this.type);
    if (this.middleNode(split, slots)) {
      split = Math.floor(bEnd / 3);
      this.midSplit = split * 2;
    } else {
      this.midSplit = 0;
    }
    split = this.noNullSplit(split, slots);
    if (this.midSplit !== 0) this.midSplit = this.noNullSplit(this.midSplit, slots);
    return split;
  }
}

/**
 * mas_mab_cp: copy slots masStart..masEnd (inclusive) of the node at `mas` into the big node from
 * mabStart, stopping at the node's maximum; leaves `end` as the count of items in the big node.
 */
export function masMabCp(
  mem: Memory,
  alloc: boolean,
  mas: MaState,
  masStart: number,
  masEnd: number,
  bn: BigNode,
  mabStart: number,
): void {
  const type = mas.type;
  const max = mas.max;
  let i = masStart;
  let j = mabStart;
  let complete = false;
  if (i === 0) {
    bn.pivot[j] = mas.pivot(i++);
    if (i > masEnd) complete = true;
    else j++;
  }
  if (!complete) {
    const pivEnd = Math.min(masEnd, pivotCount(type));
    // mas.pivot(i) with the node's address and data end read once.
    const dataEnd = mas.dataEnd();
    const pAt = pivotAddr(mas.node, 0);
    for (; i < pivEnd; i++, j++) {
      bn.pivot[j] = i < dataEnd ? mem.read(pAt + i) : i === dataEnd ? max : 0;
      if (bn.pivot[j] === 0) break;
      if (bn.pivot[j] === max) {
        complete = true;
        break;
      }
    }
    if (!complete && i <= masEnd) bn.pivot[j] = mas.safePivot(i);
  }
  bn.end = ++j;
  bn.touched(j);
  const n = j - mabStart;
  const sAt = slotAddr(mas.node, masStart);
  for (let k = 0; k < n; k++) bn.slot[mabStart + k] = mem.read(sAt + k);
  if (!isLeafType(type) && alloc) {
    const node = mas.node;
    for (let k = 0; k < n; k++) bn.gap[mabStart + k] = mem.read(gapAddr(node, masStart + k));
  }
}
