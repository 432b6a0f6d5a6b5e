/**
 * Word layout of a maple node in the slab, and the encodings of node references ("enodes") and
 * parent words. Kernel geometry (64-bit): leaf_64/range_64 have 16 slots and 15 pivots, arange_64
 * has 10 slots, 9 pivots and 10 gaps. Keys are uint32, so one 32-bit word stands in for each
 * kernel word; the spare words of the 64-word node hold the metadata.
 */
import { NODE_WORDS } from '../shared-heap/slab.js';

export const MAX_INDEX = 0xffffffff;

// Node types, as the kernel numbers them (maple_dense is unused by the normal API).
export const DENSE = 0;
export const LEAF_64 = 1;
export const RANGE_64 = 2;
export const ARANGE_64 = 3;
export const TYPE_NAMES = ['dense', 'leaf_64', 'range_64', 'arange_64'];

// Word offsets inside a node. The metadata sits right after the parent word so that a walk reads
// the parent word, the data end and most pivots from one cache line, and the slots from the next.
export const PARENT = 0;
/** Metadata word: data end in bits 0-7, offset of the largest gap (arange) in bits 8-15. */
export const META = 1;
export const PIVOTS = 2;

export const RANGE_SLOTS = 16;
export const ARANGE_SLOTS = 10;
export const RANGE_SLOTS_AT = PIVOTS + RANGE_SLOTS - 1; // 17
export const ARANGE_SLOTS_AT = PIVOTS + ARANGE_SLOTS - 1; // 11
export const ARANGE_GAPS_AT = ARANGE_SLOTS_AT + ARANGE_SLOTS; // 21
/** The last word a node uses (slot 15 of a range node); the rest of the 64 words are spare. */
export const LAST_WORD = RANGE_SLOTS_AT + RANGE_SLOTS - 1; // 32

/** Below these a non-root node is rebalanced (the kernel's mt_min_slots). */
export const RANGE_MIN_SLOTS = 6;
export const ARANGE_MIN_SLOTS = 4;

export function slotCount(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS : RANGE_SLOTS;
}

export function slotsAt(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS_AT : RANGE_SLOTS_AT;
}

export function minSlots(type: number): number {
  return type === ARANGE_64 ? ARANGE_MIN_SLOTS : RANGE_MIN_SLOTS;
}

export function isLeafType(type: number): boolean {
  return type < RANGE_64;
}

/** Word index of node `id`'s first word. */
export function nodeBase(id: number): number {
  return id * NODE_WORDS;
}

/*
 * Enodes: (id << 4) | (type << 2) | 0b10. The low bits `10` mark an internal entry as in the
 * kernel's xarray encoding; user entries with those bits are rejected, so a root word or a slot
 * holding a node reference can always be told from an entry.
 */
export function isInternalEntry(entry: number): boolean {
  return (entry & 3) === 2;
}

/** Every internal value is a node reference here: the kernel's small internal values are unused. */
export function isNode(entry: number): boolean {
  return (entry & 3) === 2;
}

export function mkEnode(id: number, type: number): number {
  return ((id << 4) | (type << 2) | 2) >>> 0;
}

export function enodeId(enode: number): number {
  return enode >>> 4;
}

export function enodeType(enode: number): number {
  return (enode >>> 2) & 3;
}

/*
 * Parent words: (parentId << 8) | (slot << 2) | flags, flags bit 0 = root (the parent is the tree
 * header), bit 1 = parent is arange_64. A node is dead when its parent word names itself.
 */
export const PARENT_ROOT = 1;
const PARENT_ARANGE = 2;

export function mkParent(parentId: number, slot: number, parentType: number): number {
  return ((parentId << 8) | (slot << 2) | (parentType === ARANGE_64 ? PARENT_ARANGE : 0)) >>> 0;
}

export function mkRootParent(): number {
  return PARENT_ROOT;
}

export function parentId(word: number): number {
  return word >>> 8;
}

export function parentSlot(word: number): number {
  return (word >>> 2) & 63;
}

export function parentIsRoot(word: number): boolean {
  return (word & PARENT_ROOT) !== 0;
}

export function deadParent(id: number): number {
  return (id << 8) >>> 0;
}

// Tree header words, kept in node 0 (the NULL node, never allocated).
export const HDR_ROOT = 0;
export const HDR_FLAGS = 1;
export const HDR_HEIGHT = 2;
export const FLAG_RCU = 1;
export const FLAG_ALLOC_RANGE = 2;

export function metaEnd(meta: number): number {
  return meta & 0xff;
}

export function metaGap(meta: number): number {
  return (meta >>> 8) & 0xff;
}

export function mkMeta(end: number, gapOffset: number): number {
  return end | (gapOffset << 8);
}

/** Pivots a node of this type stores (one fewer than its slots). */
export function pivotCount(type: number): number {
  return type === ARANGE_64 ? ARANGE_SLOTS - 1 : RANGE_SLOTS - 1;
}

/** Word of pivot i of the node `enode`. */
export function pivotAddr(enode: number, i: number): number {
  return nodeBase(enode >>> 4) + PIVOTS + i;
}

/** Word of slot i of the node `enode` (its type taken from the enode). */
export function slotAddr(enode: number, i: number): number {
  return nodeBase(enode >>> 4) + slotsAt((enode >>> 2) & 3) + i;
}

/** Word of gap i of the arange node `enode`. */
export function gapAddr(enode: number, i: number): number {
  return nodeBase(enode >>> 4) + ARANGE_GAPS_AT + i;
}

/** Word of the metadata of the node `enode`. */
export function metaAddr(enode: number): number {
  return nodeBase(enode >>> 4) + META;
}

/** Word of the parent word of the node `enode`. */
export function parentAddr(enode: number): number {
  return nodeBase(enode >>> 4) + PARENT;
}
