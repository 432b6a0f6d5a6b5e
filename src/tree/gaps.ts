/**
 * Gap tracking in allocation trees (arange_64): the largest NULL range under each child, kept in
 * the parent, with the offset of the largest in the parent's metadata.
 */
import type { Memory } from '../shared-heap/memory.js';
import { ARANGE_GAPS_AT, MAX_INDEX, META, PIVOTS, RANGE_SLOTS_AT, mkMeta, nodeBase } from './layout.js';
import type { Path } from './path.js';

/** Gaps are 32-bit: the whole keyspace (2^32 indices) is stored as 0xFFFFFFFF. */
export const GAP_CLAMP = MAX_INDEX;

/** Largest NULL range of the leaf at base, which covers [min, max]. */
export function leafGap(mem: Memory, base: number, min: number, max: number): number {
  const end = mem.read(base + META) & 0xff;
  let best = 0;
  let lo = min;
  for (let i = 0; i <= end; i++) {
    const hi = i < end ? mem.read(base + PIVOTS + i) : max;
    if (mem.read(base + RANGE_SLOTS_AT + i) === 0) {
      const gap = Math.min(hi - lo + 1, GAP_CLAMP);
      if (gap > best) best = gap;
    }
    lo = hi + 1;
  }
  return best;
}

/** Set gap[offset] of path.node[depth] in place and carry a changed maximum upward (mas_parent_gap). */
export function setParentGap(mem: Memory, path: Path, depth: number, gap: number): void {
  for (let d = depth; d >= 0; d--) {
    const base = nodeBase(path.node[d] >>> 4);
    const offset = path.offset[d];
    if (mem.read(base + ARANGE_GAPS_AT + offset) === gap) return;
    const meta = mem.read(base + META);
    const end = meta & 0xff;
    const oldMax = mem.read(base + ARANGE_GAPS_AT + ((meta >>> 8) & 0xff));
    mem.write(base + ARANGE_GAPS_AT + offset, gap);
    let best = 0;
    let bestAt = 0;
    for (let i = 0; i <= end; i++) {
      const g = mem.read(base + ARANGE_GAPS_AT + i);
      if (g > best) {
        best = g;
        bestAt = i;
      }
    }
    mem.write(base + META, mkMeta(end, bestAt));
    if (best === oldMax || d === 0) return;
    gap = best;
  }
}
