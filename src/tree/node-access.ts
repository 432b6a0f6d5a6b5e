/**
 * Accessors over a node's words (layout.ts says where each word lives), with the kernel's names
 * for orientation: the node type and base of an enode, pivots, slots, gaps, the data end
 * (ma_data_end), the bounds of a slot (mas_safe_pivot / mas_safe_min), the parent word's fields,
 * and the one dead-node check every read path uses (ma_dead_node).
 *
 * Every read goes through the memory layer with the kernel's access kind: plain reads for pivots,
 * metadata, gaps and the parent word, rcu_dereference for slots a reader follows. `peekSlot` is the
 * plain read that validate and dump (which run with the tree quiet) use for slots.
 *
 * One difference from the kernel's layout: a node here always keeps its data end in the metadata
 * word. The pivot at the data end holds the node's max when the node has a word for it, as in the
 * kernel, but the readers take the upper bound of the last used slot from the max the walk carried
 * down, never from a stored pivot.
 */
import type { Memory } from '../shared-heap/memory.js';
import { Bug } from '../shared-heap/bugs.js';
import { NODE_WORDS } from '../shared-heap/slab.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  ARANGE_SLOTS,
  ARANGE_SLOTS_AT,
  META,
  PARENT,
  PARENT_ROOT,
  PIVOTS,
  RANGE_64,
  RANGE_SLOTS,
  RANGE_SLOTS_AT,
} from './layout.js';

const MISSING_RMB = Bug.MISSING_RMB;
/** log2(NODE_WORDS): a node's base is its id shifted by this. */
const NODE_SHIFT = 6;
if (1 << NODE_SHIFT !== NODE_WORDS) throw new Error('node-access: NODE_WORDS is not 64');

/** mte_node_type: the node type an enode carries. */
export function nodeType(enode: number): number {
  return (enode >>> 2) & 3;
}

/** mte_to_node: the id of the node an enode names. */
export function nodeIdOf(enode: number): number {
  return enode >>> 4;
}

/** Word index of the first word of the node an enode names. */
export function enodeBase(enode: number): number {
  return (enode >>> 4) << NODE_SHIFT;
}

/** Word index of node `id`'s first word. */
export function idBase(id: number): number {
  return id << NODE_SHIFT;
}

/** ma_is_leaf. */
export function isLeaf(type: number): boolean {
  return type < RANGE_64;
}

/** mt_slots[type]. */
export function slotsOf(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS : RANGE_SLOTS;
}

/** mt_pivots[type]. */
export function pivotsOf(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS - 1 : RANGE_SLOTS - 1;
}

/** Word offset of slot 0 inside a node of this type (ma_slots). */
export function slotsBase(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS_AT : RANGE_SLOTS_AT;
}

/** The metadata word (data end and, for arange, the largest gap's offset). */
export function readMeta(mem: Memory, base: number): number {
  return mem.read(base + META);
}

/** Pivot `i` (plain read). */
export function pivot(mem: Memory, base: number, i: number): number {
  return mem.read(base + PIVOTS + i);
}

/** Slot `i`, as a reader follows it (rcu_dereference). */
export function slot(mem: Memory, base: number, type: number, i: number): number {
  return mem.deref(base + slotsBase(type) + i);
}

/** Slot `i` with a plain read, for code that runs with the tree quiet (validate, dump). */
export function peekSlot(mem: Memory, base: number, type: number, i: number): number {
  return mem.read(base + slotsBase(type) + i);
}

/** Gap `i` of an arange_64 node (ma_gaps). */
export function gap(mem: Memory, base: number, i: number): number {
  return mem.read(base + ARANGE_GAPS_AT + i);
}

/**
 * ma_data_end: the last used slot, from the metadata. Clamped to the node's slots, so that a node
 * read while it was being freed (its words may be poison) still gives in-bounds offsets; the dead
 * check after the read throws the result away.
 */
export function dataEnd(mem: Memory, base: number, type: number): number {
  const end = mem.read(base + META) & 0xff;
  const slots = type === ARANGE_64 ? ARANGE_SLOTS : RANGE_SLOTS;
  return end < slots ? end : slots - 1;
}

/** mas_safe_pivot: the upper bound of slot `offset` (the node's max for the last used slot). */
export function safePivot(mem: Memory, base: number, offset: number, end: number, max: number): number {
  return offset < end ? mem.read(base + PIVOTS + offset) : max;
}

/** mas_safe_min: the lower bound of slot `offset` (the node's min for slot 0). */
export function safeMin(mem: Memory, base: number, offset: number, min: number): number {
  return offset > 0 ? mem.read(base + PIVOTS + offset - 1) + 1 : min;
}

/** The parent word (plain read), for ma_is_root / mte_parent / mte_parent_slot. */
export function parentWord(mem: Memory, base: number): number {
  return mem.read(base + PARENT);
}

/**
 * The parent word read to be followed (mte_parent in mas_ascend): the reader's next loads go
 * through the node it names, so this load carries the address dependency that orders them, as
 * rcu_dereference does for child references. (The kernel's plain load gets that ordering from the
 * dependency on every architecture it runs on; a plain read here would let the weak-memory
 * simulator satisfy the parent's pivots from an older incarnation of a reused node, which LKMM
 * forbids.) The dead check's read of the parent word stays plain: see deadNode.
 */
export function parentRef(mem: Memory, base: number): number {
  return mem.deref(base + PARENT);
}

/** ma_is_root on a parent word. */
export function wordIsRoot(word: number): boolean {
  return (word & PARENT_ROOT) !== 0;
}

/** mte_parent on a parent word: the parent's node id. */
export function wordParentId(word: number): number {
  return word >>> 8;
}

/** mte_parent_slot on a parent word. */
export function wordParentSlot(word: number): number {
  return (word >>> 2) & 63;
}

/** mas_parent_type on a parent word: the parent's node type (internal nodes only). */
export function wordParentType(word: number): number {
  return (word & 2) !== 0 ? ARANGE_64 : RANGE_64;
}

/**
 * ma_dead_node: smp_rmb, so that no read of the node made before this call may be satisfied after
 * the parent word's read, then a plain read of the parent word: dead when it names the node
 * itself. The one dead check of every read path (walks, next/prev node and slot, ascend, the
 * empty-area search); the missing-rmb switch drops the barrier here, and only here.
 */
export function deadNode(mem: Memory, base: number, id: number, bugs: number): boolean {
  if ((bugs & MISSING_RMB) === 0) mem.rmb();
  return mem.read(base + PARENT) >>> 8 === id;
}
