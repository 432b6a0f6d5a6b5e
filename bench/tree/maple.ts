// The slice of the MapleTree contract (docs/api.md) the benchmark uses, and the one import of src.
// Assigning the real exports to these contract types makes `tsc` report any drift from the
// documented API here, in one place, instead of deep inside a workload.
import {
  MapleTree as MapleTreeImpl,
  MAX_INDEX as MAX_INDEX_IMPL,
  SlabExhaustedError as SlabExhaustedErrorImpl,
  NODE_BYTES as NODE_BYTES_IMPL,
} from '../../src/index.js';

export interface MapleRange {
  entry: number;
  first: number;
  last: number;
}

export interface MapleStats {
  height: number;
  nodes: number;
  leaves: number;
  slab: { capacity: number; live: number; free: number; waiting: number };
}

export interface MapleCursorLike {
  index: number;
  last: number;
  find(max: number): number;
}

export interface MapleTreeLike {
  store(first: number, last: number, entry: number): void;
  load(index: number): number;
  erase(index: number): number;
  walk(index: number): MapleRange;
  validate(): void;
  destroy(): void;
  height(): number;
  stats(): MapleStats;
  cursor(index?: number, last?: number): MapleCursorLike;
  setRcu(on: boolean): void;
}

export interface MapleTreeStatic {
  create(opts?: { capacity?: number; allocRange?: boolean; rcu?: boolean }): MapleTreeLike;
}

export const MapleTree: MapleTreeStatic = MapleTreeImpl;
export const MAX_INDEX: number = MAX_INDEX_IMPL;
export const SlabExhaustedError: new (...args: never[]) => Error = SlabExhaustedErrorImpl;

/** Bytes per slab node (256, the kernel's maple_node size). */
export const NODE_BYTES: number = NODE_BYTES_IMPL;

/**
 * Counts of the kinds of write the tree performed (exactFit, slotStore, split, ...), if the
 * implementation exposes them as `writeStats` (not part of the documented contract, so optional).
 */
export function writeKinds(tree: MapleTreeLike): Record<string, number> | null {
  const ws = (tree as { writeStats?: unknown }).writeStats;
  if (ws === null || typeof ws !== 'object') return null;
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(ws)) if (typeof v === 'number') out[k] = v;
  return out;
}

export function diffKinds(after: Record<string, number> | null, before: Record<string, number> | null): Record<string, number> | null {
  if (after === null || before === null) return null;
  const out: Record<string, number> = {};
  for (const k of Object.keys(after)) {
    const d = after[k] - (before[k] ?? 0);
    if (d !== 0) out[k] = d;
  }
  return out;
}
