/**
 * The writer's maple state (the kernel's struct ma_state) over the slab: a position in the tree
 * as the path from the root, so that ascending needs no parent-pointer walk. Per level it keeps
 * the node, its bounds and the slot taken toward the level below; `depth` is the level of the
 * current node and `offset` the slot being looked at in it. The writer holds the tree lock, so
 * plain reads of the nodes are enough.
 *
 * Pivots are read as the kernel sees them: the pivot of the last used slot is the node's maximum
 * (this layout leaves that word zero and implies it), and every pivot past it is zero.
 */
import type { Memory } from '../shared-heap/memory.js';
import { MAX_HEIGHT } from './path.js';
import { MAX_INDEX, META, isLeafType, metaEnd, nodeBase, pivotAddr, pivotCount, slotAddr } from './layout.js';

export class MaState {
  readonly nodes = new Uint32Array(MAX_HEIGHT);
  readonly mins = new Float64Array(MAX_HEIGHT);
  readonly maxs = new Float64Array(MAX_HEIGHT);
  /** The slot taken at each level toward the level below. */
  readonly taken = new Uint8Array(MAX_HEIGHT);
  /** The data end of each level's node, read when the state moves there (see refreshEnd). */
  readonly ends = new Uint8Array(MAX_HEIGHT);
  depth = 0;
  offset = 0;
  end = 0;
  index = 0;
  last = 0;
  /** ma_none: the state names no node. */
  none = false;

  constructor(private readonly mem: Memory) {}

  get node(): number {
    return this.nodes[this.depth];
  }

  set node(enode: number) {
    this.nodes[this.depth] = enode;
    this.refreshEnd();
  }

  /** Read the data end of the current node again (after a write changed it in place). */
  refreshEnd(): void {
    this.ends[this.depth] = metaEnd(this.mem.read(nodeBase(this.nodes[this.depth] >>> 4) + META));
  }

  get min(): number {
    return this.mins[this.depth];
  }

  set min(v: number) {
    this.mins[this.depth] = v;
  }

  get max(): number {
    return this.maxs[this.depth];
  }

  set max(v: number) {
    this.maxs[this.depth] = v;
  }

  get type(): number {
    return (this.nodes[this.depth] >>> 2) & 3;
  }

  get isRoot(): boolean {
    return this.depth === 0;
  }

  get isLeaf(): boolean {
    return isLeafType(this.type);
  }

  /** Start at the root node. */
  reset(root: number): void {
    this.depth = 0;
    this.nodes[0] = root;
    this.mins[0] = 0;
    this.maxs[0] = MAX_INDEX;
    this.offset = 0;
    this.none = false;
    this.refreshEnd();
  }

  copyFrom(o: MaState): void {
    for (let d = 0; d <= o.depth; d++) {
      this.nodes[d] = o.nodes[d];
      this.mins[d] = o.mins[d];
      this.maxs[d] = o.maxs[d];
      this.taken[d] = o.taken[d];
      this.ends[d] = o.ends[d];
    }
    this.depth = o.depth;
    this.offset = o.offset;
    this.end = o.end;
    this.index = o.index;
    this.last = o.last;
    this.none = o.none;
  }

  /** mas_data_end. */
  dataEnd(): number {
    return this.ends[this.depth];
  }

  /** The pivot at i as the kernel stores it: the maximum at the data end, zero past it. */
  pivot(i: number): number {
    const end = this.dataEnd();
    if (i < end) return this.mem.read(pivotAddr(this.node, i));
    return i === end ? this.max : 0;
  }

  /** mas_safe_pivot: past the stored pivots, the node's maximum. */
  safePivot(i: number): number {
    if (i >= pivotCount(this.type)) return this.max;
    return this.pivot(i);
  }

  /** mas_safe_min. */
  safeMin(i: number): number {
    return i > 0 ? this.pivot(i - 1) + 1 : this.min;
  }

  slot(i: number): number {
    return this.mem.read(slotAddr(this.node, i));
  }

  /** mas_ascend: to the parent, offset at the slot of the node left; the root stays put. */
  ascend(): void {
    if (this.depth === 0) {
      this.offset = 0;
      return;
    }
    this.depth--;
    this.offset = this.taken[this.depth];
  }

  /** mas_descend: into the child at offset (the offset itself is left as it is). */
  descend(): void {
    // pivot(offset - 1), safePivot(offset) and slot(offset), in that order, with the node's
    // address, end and bounds read once.
    const mem = this.mem;
    const offset = this.offset;
    const d = this.depth;
    const enode = this.nodes[d];
    const type = (enode >>> 2) & 3;
    const end = this.ends[d];
    const nodeMax = this.maxs[d];
    const pAt = pivotAddr(enode, 0);
    let min: number;
    if (offset > 0) {
      const i = offset - 1;
      min = (i < end ? mem.read(pAt + i) : i === end ? nodeMax : 0) + 1;
    } else {
      min = this.mins[d];
    }
    let max: number;
    if (offset >= pivotCount(type)) max = nodeMax;
    else max = offset < end ? mem.read(pAt + offset) : offset === end ? nodeMax : 0;
    const child = mem.read(slotAddr(enode, offset));
    this.taken[d] = offset;
    this.depth = d + 1;
    this.nodes[d + 1] = child;
    this.mins[d + 1] = min;
    this.maxs[d + 1] = max;
    this.refreshEnd();
  }

  /** Slot of this node in its parent (mte_parent_slot). */
  parentSlot(): number {
    return this.depth === 0 ? 0 : this.taken[this.depth - 1];
  }

  /** mas_prev_sibling. */
  prevSibling(): boolean {
    if (this.depth === 0) return false;
    const slot = this.taken[this.depth - 1];
    if (slot === 0) return false;
    this.ascend();
    this.offset = slot - 1;
    this.descend();
    return true;
  }

  /** mas_next_sibling. */
  nextSibling(): boolean {
    if (this.depth === 0) return false;
    const slot = this.taken[this.depth - 1];
    this.depth--;
    const end = this.dataEnd();
    this.depth++;
    if (slot + 1 > end) return false;
    this.ascend();
    this.offset = slot + 1;
    this.descend();
    return true;
  }
}
