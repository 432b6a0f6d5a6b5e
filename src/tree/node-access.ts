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

/*
 * The layout's numbers written as literals in the accessors below, checked against layout.ts here
 * once. In optimized code an imported binding is a chain of loads and a hole check at every use (a
 * module-level const a load and a hole check); a literal costs nothing, and the read paths use
 * these accessors several times per node.
 */
if (
  PARENT !== 0 ||
  META !== 1 ||
  PIVOTS !== 2 ||
  RANGE_64 !== 2 ||
  ARANGE_64 !== 3 ||
  RANGE_SLOTS !== 16 ||
  ARANGE_SLOTS !== 10 ||
  RANGE_SLOTS_AT !== 17 ||
  ARANGE_SLOTS_AT !== 11 ||
  ARANGE_GAPS_AT !== 21 ||
  PARENT_ROOT !== 1 ||
  Bug.MISSING_RMB !== 64 ||
  NODE_WORDS !== 64
) {
  throw new Error('node-access: the literals no longer match layout.ts / bugs.ts / slab.ts');
}

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
  return (enode >>> 4) << 6;
}

/** Word index of node `id`'s first word. */
export function idBase(id: number): number {
  return id << 6;
}

/** ma_is_leaf. */
export function isLeaf(type: number): boolean {
  return type < 2; // RANGE_64
}

/** mt_slots[type]. */
export function slotsOf(type: number): number {
  return type === 3 ? 10 : 16; // ARANGE_64: ARANGE_SLOTS, else RANGE_SLOTS
}

/** mt_pivots[type]. */
export function pivotsOf(type: number): number {
  return type === 3 ? 9 : 15;
}

/** Word offset of slot 0 inside a node of this type (ma_slots). */
export function slotsBase(type: number): number {
  return type === 3 ? 11 : 17; // ARANGE_SLOTS_AT, RANGE_SLOTS_AT
}

/** The metadata word (data end and, for arange, the largest gap's offset). */
export function readMeta(mem: Memory, base: number): number {
  return mem.read(base + 1); // META
}

/** Pivot `i` (plain read). */
export function pivot(mem: Memory, base: number, i: number): number {
  return mem.read(base + 2 + i); // PIVOTS
}

/** Slot `i`, as a reader follows it (rcu_dereference). */
export function slot(mem: Memory, base: number, type: number, i: number): number {
  return mem.deref(base + slotsBase(type) + i);
}

/** Slot `i` followed right before the node's dead check: derefForCheck (below) of the slot. */
export function slotForCheck(mem: Memory, base: number, type: number, i: number, bugs: number): number {
  return derefForCheck(mem, base + slotsBase(type) + i, bugs);
}

/** Slot `i` with a plain read, for code that runs with the tree quiet (validate, dump). */
export function peekSlot(mem: Memory, base: number, type: number, i: number): number {
  return mem.read(base + slotsBase(type) + i);
}

/** Gap `i` of an arange_64 node (ma_gaps). */
export function gap(mem: Memory, base: number, i: number): number {
  return mem.read(base + 21 + i); // ARANGE_GAPS_AT
}

/**
 * ma_data_end: the last used slot, from the metadata. Clamped to the node's slots, so that a node
 * read while it was being freed (its words may be poison) still gives in-bounds offsets; the dead
 * check after the read throws the result away.
 */
export function dataEnd(mem: Memory, base: number, type: number): number {
  const end = mem.read(base + 1) & 0xff; // META
  const slots = type === 3 ? 10 : 16;
  return end < slots ? end : slots - 1;
}

/** mas_safe_pivot: the upper bound of slot `offset` (the node's max for the last used slot). */
export function safePivot(mem: Memory, base: number, offset: number, end: number, max: number): number {
  return offset < end ? mem.read(base + 2 + offset) : max;
}

/** mas_safe_min: the lower bound of slot `offset` (the node's min for slot 0). */
export function safeMin(mem: Memory, base: number, offset: number, min: number): number {
  return offset > 0 ? mem.read(base + 1 + offset) + 1 : min; // PIVOTS + offset - 1
}

/** The parent word (plain read), for ma_is_root / mte_parent / mte_parent_slot. */
export function parentWord(mem: Memory, base: number): number {
  return mem.read(base); // PARENT
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
  return mem.deref(base); // PARENT
}

/** ma_is_root on a parent word. */
export function wordIsRoot(word: number): boolean {
  return (word & 1) !== 0; // PARENT_ROOT
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
  return (word & 2) !== 0 ? 3 : 2; // ARANGE_64 : RANGE_64
}

/**
 * ma_dead_node: smp_rmb, so that no read of the node made before this call may be satisfied after
 * the parent word's read, then a plain read of the parent word: dead when it names the node
 * itself. The one dead check of every read path (walks, next/prev node and slot, ascend, the
 * empty-area search); the missing-rmb switch drops the barrier here, and only here.
 */
export function deadNode(mem: Memory, base: number, id: number, bugs: number): boolean {
  if ((bugs & 64) === 0) mem.rmb(); // Bug.MISSING_RMB
  return mem.read(base) >>> 8 === id; // PARENT
}

/**
 * The same dead check split in two where a read path follows a word right before it (the slot in
 * mtree_range_walk, the root in mas_start): `derefForCheck` is that rcu_dereference with the
 * check's smp_rmb after it (Memory.derefRmb: one SeqCst load on real threads, deref then rmb in
 * the simulator), `deadAfterRmb` the check's plain read of the parent word. Together they issue
 * exactly what `deref` then `deadNode` do; the missing-rmb switch drops the barrier here too.
 */
export function derefForCheck(mem: Memory, addr: number, bugs: number): number {
  return (bugs & 64) === 0 ? mem.derefRmb(addr) : mem.deref(addr); // Bug.MISSING_RMB
}

/** ma_dead_node after derefForCheck issued its smp_rmb: the parent word names the node itself. */
export function deadAfterRmb(mem: Memory, base: number, id: number): boolean {
  return mem.read(base) >>> 8 === id; // PARENT
}
