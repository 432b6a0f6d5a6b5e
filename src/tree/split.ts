/**
 * Splitting upward (the kernel's mas_split): a big node too large for one node is cut in two at
 * each level, or pushed into a sibling with room (mas_push_data), and the climb stops at the first
 * level whose new contents fit in one node (mas_split_final_node), which then replaces the old
 * node there; a root that splits gets a new root above it.
 */
import type { Memory } from '../shared-heap/memory.js';
import { BigNode, masMabCp } from './big-node.js';
import { MaState } from './ma-state.js';
import { NewNode } from './node-build.js';
import type { NodeBuilder } from './node-build.js';
import type { WriteStats } from './write-stats.js';
import { ARANGE_64, HDR_HEIGHT, MAX_INDEX, RANGE_64, isLeafType, slotCount } from './layout.js';

export class Splitter {
  private readonly l = new NewNode();
  private readonly r = new NewNode();
  private readonly tmp: MaState;
  /** The tree's height when the split reaches the root. */
  private rootHeight = 0;

  constructor(
    private readonly mem: Memory,
    private readonly builder: NodeBuilder,
    private readonly bn: BigNode,
    private readonly stats: WriteStats,
  ) {
    this.tmp = new MaState(mem);
  }

  /** mas_split: mas is at the leaf, bn holds its new contents (bn.end the last index). */
  split(mas: MaState): void {
    const bn = this.bn;
    const builder = this.builder;
    const l = this.l;
    const r = this.r;
    const depth = this.mem.read(HDR_HEIGHT);
    this.rootHeight = depth;
    let height = 0;
    while (height++ <= depth) {
      if (slotCount(bn.type) > bn.end) {
        this.finalNode(mas, height);
        break;
      }
      l.copyBounds(mas);
      r.copyBounds(mas);
      l.set(builder.newNode(bn.type));
      r.set(builder.newNode(bn.type));
      if (this.pushData(mas, height, true)) break;
      if (this.pushData(mas, height, false)) break;
      const split = bn.calcSplit();
      this.splitData(mas, split);
      r.max = mas.max;
      this.fillBnode(mas, 1);
    }
    builder.replace(mas, l.node, this.rootHeight);
    if (this.rootHeight > depth) this.stats.rootSplit++;
    if (!isLeafType((l.node >>> 2) & 3)) builder.updateGap(mas);
  }

  /** mas_split_final_node: the level's contents fit in one node, the new top. */
  private finalNode(mas: MaState, height: number): void {
    const bn = this.bn;
    if (mas.isRoot) {
      bn.type = this.builder.alloc ? ARANGE_64 : RANGE_64;
      this.rootHeight = height;
    }
    const ancestor = this.builder.newNode(bn.type);
    this.l.set(ancestor);
    this.builder.mabMasCp(bn, 0, slotCount(bn.type) - 1, this.l, true);
  }

  /**
   * mast_fill_bnode: the parent level's contents: the parent's slots before the old node, the two
   * new nodes, the parent's slots after the `skip` old ones.
   */
  private fillBnode(mas: MaState, skip: number): void {
    const bn = this.bn;
    const l = this.l;
    const r = this.r;
    bn.clear();
    let cp = true;
    if (mas.isRoot) cp = false;
    else mas.ascend();
    if (cp && l.offset > 0) masMabCp(this.mem, this.builder.alloc, mas, 0, l.offset - 1, bn, 0);
    const split = bn.end;
    this.setBEnd(l);
    r.offset = bn.end;
    this.setBEnd(r);
    if (bn.pivot[bn.end - 1] === mas.max) cp = false;
    if (cp) masMabCp(this.mem, this.builder.alloc, mas, split + skip, slotCount(mas.type) - 1, bn, bn.end);
    bn.end--;
    bn.type = mas.type;
  }

  /** mab_set_b_end: a new node as the next item of the big node. */
  setBEnd(st: NewNode): void {
    if (st.none) return;
    const bn = this.bn;
    const at = bn.end;
    bn.slot[at] = st.node;
    if (this.builder.alloc) bn.gap[at] = this.builder.maxGap(st.node, st.min, st.max);
    bn.pivot[at] = st.max;
    bn.end = at + 1;
    bn.touched(at + 1);
  }

  /** mast_split_data: cut the big node at split into the two new nodes. */
  private splitData(mas: MaState, split: number): void {
    const bn = this.bn;
    const l = this.l;
    const r = this.r;
    this.builder.mabMasCp(bn, 0, split, l, true);
    this.builder.mabMasCp(bn, split + 1, bn.end, r, false);
    l.offset = mas.parentSlot();
    l.max = bn.pivot[split];
    r.min = l.max + 1;
  }

  /**
   * mas_push_data: share the contents with the previous (left) or next sibling when the two fit
   * in two nodes with room to spare, so the parent gains one slot and the split stops climbing.
   */
  private pushData(mas: MaState, height: number, left: boolean): boolean {
    const bn = this.bn;
    const tmp = this.tmp;
    let slotTotal = bn.end;
    tmp.copyFrom(mas);
    if (left ? !tmp.prevSibling() : !tmp.nextSibling()) return false;
    const end = tmp.dataEnd();
    slotTotal += end;
    let space = 2 * slotCount(mas.type) - 2;
    if (isLeafType(bn.type)) space--;
    if (mas.max === MAX_INDEX) space--;
    if (slotTotal >= space) return false;
    bn.end++;
    if (left) {
      bn.shiftRight(end + 1);
      masMabCp(this.mem, this.builder.alloc, tmp, 0, end, bn, 0);
      bn.end = slotTotal + 1;
    } else {
      masMabCp(this.mem, this.builder.alloc, tmp, 0, end, bn, bn.end);
    }
    let split = slotCount(bn.type) - 2;
    if (left) {
      mas.copyFrom(tmp);
      this.l.copyBounds(tmp);
    } else {
      this.r.copyBounds(tmp);
      split = slotTotal - split;
    }
    split = bn.noNullSplit(split, slotCount(bn.type));
    this.splitData(mas, split);
    this.fillBnode(mas, 2);
    this.finalNode(mas, height + 1);
    this.stats.push++;
    return true;
  }
}
