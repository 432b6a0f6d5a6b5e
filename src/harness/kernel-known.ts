/**
 * Known findings of the kernel's own code that a stress run on the kernel build meets on the
 * correct source: counted under their names in the results (`known`) instead of failing the run,
 * each with a predicate that accepts exactly its signature. They are the stress run's side of the
 * findings `npm run conform` pins down (src/harness/conform/known.ts; README "Findings").
 * test/kernel-known.test.ts exercises each both ways.
 */
import type { KernelTrap } from '../kernel/loader.js';
import { MT_FLAGS_ALLOC_RANGE } from '../kernel/loader.js';

export interface KnownFinding {
  name: string;
  summary: string;
}

export const DESTROY_WALK: KnownFinding = {
  name: 'rcu-destroy-walk-clears-last-slot',
  summary:
    "6.12's RCU-mode destroy walk (mt_destroy_walk with free = false, then mt_free_walk in the callback): " +
    'on a full range_64 top node mt_clear_meta zeroes the metadata, which shares the last slot, after ' +
    'mte_dead_leaves made that slot a bare node pointer; the callback then frees an address whose low 16 ' +
    'bits are zero, or walks into one. Reached by stores that drop a subtree (mas_mat_destroy) and by ' +
    'mtree_destroy. Accepted only as a trap inside mt_free_walk of a callback the runtime saw, before it ran, ' +
    'start on such a node (a full range_64 top node whose last slot has its low 16 bits zero), on a tree ' +
    'without MT_FLAGS_ALLOC_RANGE (allocation nodes keep their metadata elsewhere).',
};

export const EMPTY_AREA_MISS: KnownFinding = {
  name: 'empty-area-contradicts-contents',
  summary:
    "6.12's mas_empty_area(_rev) answers -EBUSY although the tree's entries leave a window (pinned by " +
    '`npm run conform`, which checks it against the kernel tree\'s own entries). A kernel reader\'s "no window" ' +
    'is counted under this name when some version of its window had one; a start it returns is judged as ever.',
};

/**
 * Is this trap of a grace period the destroy walk's known finding? Only when the trap is inside
 * mt_free_walk and the runtime saw, before that callback ran, that its top node was a full
 * range_64 node whose last slot had lost its low 16 bits (src/kernel/inner/known.c): `clobbered`
 * is how many such callbacks it saw, `accepted` how many traps were already put down to them.
 */
export function isDestroyWalkTrap(trap: KernelTrap, treeFlags: number, clobbered: number, accepted: number): boolean {
  if ((treeFlags & MT_FLAGS_ALLOC_RANGE) !== 0) return false;
  return trap.frames.includes('mt_free_walk') && clobbered > accepted;
}
