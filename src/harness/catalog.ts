/**
 * The bug catalog: every historical bug of the maple tree's RCU mode that the tester must catch,
 * as a named switch (src/shared-heap/bugs.ts) with its kernel commit and the mode that exposes it.
 * `threads`: real threads catch it (npm run stress -- --bug NAME). `simulator`: only a weak memory
 * model makes it bite, since x86 never reorders the accesses involved.
 */
import { Bug } from '../shared-heap/bugs.js';
import type { ViolationKind } from './types.js';

export type CatalogMode = 'threads' | 'simulator';

export interface CatalogEntry {
  name: string;
  /** Upstream commit that fixed it (abbreviated), and its subject. */
  commit: string;
  subject: string;
  mode: CatalogMode;
  description: string;
  /** Which oracle is expected to catch it. */
  detectedBy: string;
  /**
   * The violation kind its detection produces first in its mode, as the catalog tests (fixed seeds)
   * hold it. Under other timings a bug whose damage reaches readers may first show as another
   * reader-side kind (no-grace-period and plain-publish as 'result').
   */
  kind: ViolationKind;
  /** The switch mask. */
  mask: number;
  /** The workload that exposes it fastest (the default when --bug is given without --workload). */
  workload: string;
}

export const CATALOG: readonly CatalogEntry[] = [
  {
    name: 'stale-pivots',
    commit: '39d0bd86c499',
    subject: 'maple_tree: be more cautious about dead nodes',
    mode: 'threads',
    description:
      'every dead check that follows a node\'s reads (mtree_range_walk, mas_ascend, mas_next_node/mas_prev_node, mas_next_slot/mas_prev_slot, the empty-area search) comes before them instead, so the data end, pivots and slot it uses are never re-checked',
    detectedBy: 'stale-read detector, result oracle',
    kind: 'stale-read',
    mask: Bug.STALE_PIVOTS,
    workload: 'churn',
  },
  {
    name: 'dead-root',
    commit: 'a7b92d59c885',
    subject: 'maple_tree: detect dead nodes in mas_start()',
    mode: 'threads',
    description:
      'mas_start hands the walk a root that may already be replaced without checking it is dead, and the walk (range walk, re-walk, empty-area search) trusts the node it started from',
    detectedBy: 'stale-read detector, result oracle',
    kind: 'stale-read',
    mask: Bug.DEAD_ROOT,
    workload: 'churn',
  },
  {
    name: 'untyped-free-walk',
    commit: '2e5b4921f8ef',
    subject: 'maple_tree: fix freeing of nodes in rcu mode',
    mode: 'threads',
    description: 'destroy in RCU mode leaves the node type and slot count out of the overlay; the deferred free walk reads garbage',
    detectedBy: 'slab accounting (bad free, leak after rcu_barrier)',
    kind: 'accounting',
    mask: Bug.UNTYPED_FREE_WALK,
    workload: 'churn',
  },
  {
    name: 'duplicate-wmb',
    commit: '8372f4d83f96',
    subject: 'maple_tree: remove extra smp_wmb() from mas_dead_leaves()',
    mode: 'threads',
    description: 'a second smp_wmb per dead node: a cost, not a correctness bug; caught by counting barriers per dead node',
    detectedBy: 'barrier count (cost)',
    kind: 'cost',
    mask: Bug.DUPLICATE_WMB,
    workload: 'churn',
  },
  {
    name: 'overlay-before-death',
    commit: 'c13af03de46b',
    subject: 'maple_tree: fix write memory barrier of nodes once dead for RCU mode',
    mode: 'threads',
    description: 'the free path writes its overlay over a replaced node before marking it dead, so readers take poison for pivots',
    detectedBy: 'result oracle, poison check',
    kind: 'write-policy',
    mask: Bug.OVERLAY_BEFORE_DEATH,
    workload: 'random',
  },
  {
    name: 'missing-wmb',
    commit: 'c13af03de46b',
    subject: 'maple_tree: fix write memory barrier of nodes once dead for RCU mode',
    mode: 'simulator',
    description: 'no smp_wmb between marking a node dead and overwriting it: the overwrite may become visible first',
    detectedBy: 'simulator: result oracle, poison check',
    kind: 'write-policy',
    mask: Bug.MISSING_WMB,
    workload: 'random',
  },
  {
    name: 'missing-rmb',
    commit: '0a2b18d94883',
    subject: 'maple_tree: add smp_rmb() to dead node detection',
    mode: 'simulator',
    description:
      'ma_dead_node (the one dead check of every read path: walks, ascend, next/prev node and slot, the empty-area search) reads the parent word without smp_rmb, so it may be satisfied before the data reads',
    detectedBy: 'simulator: result oracle, poison check',
    kind: 'stale-read',
    mask: Bug.MISSING_RMB,
    workload: 'random',
  },
  {
    name: 'callback-unlocked',
    commit: '790e1fa86b34',
    subject: 'maple_tree: add RCU lock checking to rcu callback functions',
    mode: 'threads',
    description: 'the deferred free walk dereferences slots with the accessor that demands the tree lock, from callback context',
    detectedBy: 'lockdep',
    kind: 'lockdep',
    mask: Bug.CALLBACK_UNLOCKED,
    workload: 'churn',
  },
  {
    name: 'rcu-off',
    commit: '3dd443254941',
    subject: 'mm: enable maple tree RCU mode by default',
    mode: 'threads',
    description: 'the tree runs outside RCU mode while lockless readers walk it: in-place node stores, immediate reuse',
    detectedBy: 'result oracle, stale-read detector',
    kind: 'write-policy',
    mask: Bug.RCU_OFF,
    workload: 'random',
  },
  {
    name: 'append-in-rcu',
    commit: 'cfeb6ae8bcb9',
    subject: 'maple_tree: disable mas_wr_append() when other readers are possible',
    mode: 'threads',
    description: 'appends write the new data end before the slot and pivot, in place, while readers walk the node',
    detectedBy: 'result oracle',
    kind: 'write-policy',
    mask: Bug.APPEND_IN_RCU,
    workload: 'churn',
  },
  {
    name: 'no-grace-period',
    commit: '(protocol)',
    subject: 'a freed node is reused with no grace period',
    mode: 'threads',
    description: 'dead nodes go back to the slab at the end of the write, while readers may still hold them',
    detectedBy: 'stale-read detector, result oracle',
    kind: 'stale-read',
    mask: Bug.NO_GRACE_PERIOD,
    workload: 'random',
  },
  {
    name: 'publish-before-init',
    commit: '(protocol)',
    subject: 'a new node is linked in before its contents are written',
    mode: 'threads',
    description: 'rcu_assign_pointer of a fresh node comes before its pivots and slots are written',
    detectedBy: 'result oracle',
    kind: 'write-policy',
    mask: Bug.PUBLISH_BEFORE_INIT,
    workload: 'random',
  },
  {
    name: 'plain-publish',
    commit: '(protocol)',
    subject: 'a new node is linked in with a plain store',
    mode: 'simulator',
    description: 'the pointer to a fresh node is a plain store, not rcu_assign_pointer, so it may be seen before the contents',
    detectedBy: 'simulator: result oracle',
    kind: 'stale-read',
    mask: Bug.PLAIN_PUBLISH,
    workload: 'random',
  },
  {
    name: 'slot-store-pivot-first',
    commit: '(protocol)',
    subject: 'the slot store moves the pivot before it stores the new slot',
    mode: 'threads',
    description: 'mas_wr_slot_store writes the moving pivot, then the slot: a reader between the two sees the old entry over the new boundary',
    detectedBy: 'result oracle',
    kind: 'result',
    mask: Bug.SLOT_STORE_PIVOT_FIRST,
    workload: 'slot-store',
  },
  {
    name: 'slot-store-no-wmb',
    commit: '(6.12 as shipped)',
    subject: 'the kernel\'s slot store: rcu_assign_pointer of the slot, then the pivot, no smp_wmb',
    mode: 'simulator',
    description: 'a release orders only what comes before it, so under LKMM the pivot may become visible before the slot: the old entry over the new boundary',
    detectedBy: 'simulator: result oracle',
    kind: 'result',
    mask: Bug.SLOT_STORE_NO_WMB,
    workload: 'slot-store',
  },
  {
    name: 'rcu-reader-no-mb',
    commit: '(protocol)',
    subject: 'rcu_read_lock announces the reader without smp_mb',
    mode: 'simulator',
    description:
      'the reader stores its grace-period announcement but no smp_mb follows: its tree loads may be satisfied before the writer\'s scan can see it, so a grace period ends under it and its nodes are reused',
    detectedBy: 'simulator: stale-read detector',
    kind: 'stale-read',
    mask: Bug.RCU_READER_NO_MB,
    workload: 'random',
  },
];

export function findBug(name: string): CatalogEntry | undefined {
  return CATALOG.find((entry) => entry.name === name);
}

/** The switch mask for a list of catalog names (unknown names are the caller's to reject first). */
export function bugMask(names: readonly string[]): number {
  let mask = 0;
  for (const name of names) mask |= findBug(name)?.mask ?? 0;
  return mask;
}
