/**
 * mt_validate: every structural rule of the maple tree, checked from the root. Throws an Error that
 * names the node, its type, depth and bounds, and the rule it breaks.
 */
import type { Memory } from '../shared-heap/memory.js';
import type { Slab } from '../shared-heap/slab.js';
import { NODE_LIVE } from '../shared-heap/slab.js';
import {
  ARANGE_64,
  FLAG_ALLOC_RANGE,
  HDR_FLAGS,
  HDR_HEIGHT,
  HDR_ROOT,
  LEAF_64,
  MAX_INDEX,
  RANGE_64,
  TYPE_NAMES,
  isInternalEntry,
  isNode,
  metaEnd,
  metaGap,
  minSlots,
  mkParent,
  mkRootParent,
  nodeBase,
  slotCount,
} from './layout.js';
import {
  enodeBase,
  gap as gapAt,
  nodeIdOf,
  nodeType,
  parentWord as readParent,
  peekSlot,
  pivot,
  readMeta,
  safePivot,
  wordParentId,
} from './node-access.js';

export interface TreeShape {
  height: number;
  nodes: number;
  leaves: number;
  entries: number;
  /** Used slots over available slots, over all nodes. */
  fill: number;
}

class Validator {
  private readonly seen = new Set<number>();
  private prevEntry = 1; // anything non-NULL: the first range may be NULL
  private nextIndex = 0;
  nodes = 0;
  leaves = 0;
  entries = 0;
  usedSlots = 0;
  totalSlots = 0;

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly alloc: boolean,
    private readonly height: number,
    private readonly strict: boolean,
  ) {}

  fail(enode: number, depth: number, min: number, max: number, what: string): never {
    const id = nodeIdOf(enode);
    const type = TYPE_NAMES[nodeType(enode)];
    throw new Error(
      `validate: node ${id} (${type}, depth ${depth}, [${min}, ${max}]): ${what}`,
    );
  }

  /** Check the subtree under enode; returns its largest gap. */
  node(enode: number, depth: number, min: number, max: number, parentWord: number): number {
    const mem = this.mem;
    const id = nodeIdOf(enode);
    const type = nodeType(enode);
    if (id < 1 || id > this.slab.capacity) this.fail(enode, depth, min, max, `node id out of the slab`);
    if (this.seen.has(id)) this.fail(enode, depth, min, max, 'reachable twice');
    this.seen.add(id);
    if (this.slab.stateOf(id) !== NODE_LIVE) {
      this.fail(enode, depth, min, max, 'reachable but not live in the slab (freed or waiting)');
    }
    if (this.slab.generations[id] % 3 !== 1) {
      this.fail(enode, depth, min, max, `generation ${this.slab.generations[id]} does not say live (generation % 3 must be 1)`);
    }
    const base = nodeBase(id);
    const parent = readParent(mem, base);
    if (wordParentId(parent) === id) this.fail(enode, depth, min, max, 'dead node reachable');
    if (parent !== parentWord) {
      this.fail(enode, depth, min, max, `parent word ${parent.toString(16)} should be ${parentWord.toString(16)}`);
    }
    const leaf = depth === this.height - 1;
    const expected = leaf ? LEAF_64 : this.alloc ? ARANGE_64 : RANGE_64;
    if (type !== expected) {
      this.fail(enode, depth, min, max, `type ${TYPE_NAMES[type]} where ${TYPE_NAMES[expected]} belongs (height ${this.height})`);
    }
    const slots = slotCount(type);
    const meta = readMeta(mem, base);
    const end = metaEnd(meta);
    if (end >= slots) this.fail(enode, depth, min, max, `data end ${end} beyond ${slots} slots`);
    this.nodes++;
    this.usedSlots += end + 1;
    this.totalSlots += slots;
    // As in the kernel, the rightmost node of each level is exempt.
    if (this.strict && depth > 0 && max !== MAX_INDEX && end + 1 < minSlots(type)) {
      this.fail(enode, depth, min, max, `${end + 1} slots used, below the minimum ${minSlots(type)}`);
    }
    let lo = min;
    for (let i = 0; i < end; i++) {
      const p = pivot(mem, base, i);
      if (p < lo || p >= max) {
        this.fail(enode, depth, min, max, `pivot ${i} (${p}) outside [${lo}, ${max - 1}]`);
      }
      lo = p + 1;
    }
    // As in the kernel, a node with a word for the pivot of its last slot holds its maximum there.
    if (end < slots - 1 && pivot(mem, base, end) !== max) {
      this.fail(enode, depth, min, max, `pivot ${end} at the data end is ${pivot(mem, base, end)}, not the node's maximum`);
    }
    for (let i = end + 1; i < slots - 1; i++) {
      if (pivot(mem, base, i) !== 0) this.fail(enode, depth, min, max, `pivot ${i} set beyond data end ${end}`);
    }
    for (let i = end + 1; i < slots; i++) {
      if (peekSlot(mem, base, type, i) !== 0) this.fail(enode, depth, min, max, `slot ${i} set beyond data end ${end}`);
    }
    if (leaf) return this.leaf(enode, base, depth, min, max, end);

    let best = 0;
    let bestAt = 0;
    lo = min;
    for (let i = 0; i <= end; i++) {
      const hi = safePivot(mem, base, i, end, max);
      const child = peekSlot(mem, base, type, i);
      if (!isNode(child)) this.fail(enode, depth, min, max, `slot ${i} holds ${child}, not a node`);
      const gap = this.node(child, depth + 1, lo, hi, mkParent(id, i, type));
      if (type === ARANGE_64) {
        const stored = gapAt(mem, base, i);
        if (stored !== gap) this.fail(enode, depth, min, max, `gap ${i} is ${stored}, child's largest gap is ${gap}`);
      }
      if (gap > best) {
        best = gap;
        bestAt = i;
      }
      lo = hi + 1;
    }
    if (type === ARANGE_64) {
      for (let i = end + 1; i < slots; i++) {
        if (gapAt(mem, base, i) !== 0) this.fail(enode, depth, min, max, `gap ${i} set beyond data end`);
      }
      const at = metaGap(meta);
      if (gapAt(mem, base, at) !== best) {
        this.fail(enode, depth, min, max, `metadata names gap ${at} as largest, gap ${bestAt} (${best}) is`);
      }
    }
    return best;
  }

  private leaf(enode: number, base: number, depth: number, min: number, max: number, end: number): number {
    const mem = this.mem;
    this.leaves++;
    if (min !== this.nextIndex) this.fail(enode, depth, min, max, `leaf starts at ${min}, expected ${this.nextIndex}`);
    let best = 0;
    let lo = min;
    for (let i = 0; i <= end; i++) {
      const hi = safePivot(mem, base, i, end, max);
      const entry = peekSlot(mem, base, LEAF_64, i);
      if (entry === 0) {
        if (this.prevEntry === 0) this.fail(enode, depth, min, max, `NULL range [${lo}, ${hi}] follows another NULL range`);
        const gap = Math.min(hi - lo + 1, MAX_INDEX);
        if (gap > best) best = gap;
      } else {
        if (isInternalEntry(entry)) this.fail(enode, depth, min, max, `slot ${i} holds internal entry ${entry} in a leaf`);
        this.entries++;
      }
      this.prevEntry = entry;
      lo = hi + 1;
    }
    this.nextIndex = max + 1;
    return best;
  }
}

function readFlags(mem: Memory): { root: number; height: number; alloc: boolean } {
  return {
    root: mem.read(HDR_ROOT),
    height: mem.read(HDR_HEIGHT),
    alloc: (mem.read(HDR_FLAGS) & FLAG_ALLOC_RANGE) !== 0,
  };
}

/** mt_validate. `strict` adds minimum occupancy, which bulk loads may leave unmet. */
export function validateTree(mem: Memory, slab: Slab, strict = true): TreeShape {
  const { root, height, alloc } = readFlags(mem);
  if (!isNode(root)) {
    if (height !== 0) throw new Error(`validate: the root holds no node but the height is ${height}`);
    if (root !== 0 && isInternalEntry(root)) throw new Error(`validate: root holds internal entry ${root}`);
    return { height: 0, nodes: 0, leaves: 0, entries: root !== 0 ? 1 : 0, fill: 0 };
  }
  if (height < 1) throw new Error(`validate: the root is a node but the height is ${height}`);
  if (height > 1 && metaEnd(readMeta(mem, enodeBase(root))) === 0) {
    throw new Error(`validate: the root (node ${nodeIdOf(root)}) is internal with a single child: it should have collapsed`);
  }
  const v = new Validator(mem, slab, alloc, height, strict);
  v.node(root, 0, 0, MAX_INDEX, mkRootParent());
  return {
    height,
    nodes: v.nodes,
    leaves: v.leaves,
    entries: v.entries,
    fill: v.totalSlots === 0 ? 0 : v.usedSlots / v.totalSlots,
  };
}
