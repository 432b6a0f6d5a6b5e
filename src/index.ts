/** maple-torture: the Linux maple tree's RCU mode in a SharedArrayBuffer slab, and its torture harness. */
export { MapleTree } from './tree/maple-tree.js';
export type { MapleTreeOptions, AttachOptions, Range, TreeStats } from './tree/maple-tree.js';
export { MapleCursor, TreeCorruptionError } from './tree/cursor.js';
export { MAX_INDEX } from './tree/layout.js';
export { Slab, SlabExhaustedError, NODE_BYTES, NODE_WORDS } from './shared-heap/slab.js';
export type { SlabBuffers, SlabStats } from './shared-heap/slab.js';
export { ThreadedMemory } from './shared-heap/memory.js';
export type { Memory, BarrierCounts } from './shared-heap/memory.js';
export type { Reclaimer } from './shared-heap/reclaim.js';
export { EndOfOpReclaimer, POISON } from './shared-heap/reclaim.js';
