/**
 * Bug switches: each re-introduces one historical bug of the maple tree's RCU mode into this
 * project's own tree and heap code, so the harness can prove it catches it. All off by default;
 * code reads them as one bit mask held in a field, so an off switch costs a predictable branch.
 * The catalog (names, commits, descriptions, detection modes) is src/harness/catalog.ts.
 */
export const Bug = {
  /** Patch 1: each read path's dead check comes before a node's reads (data end, pivots, slot), not after (src/tree/walk.ts, step.ts, empty-area.ts). */
  STALE_PIVOTS: 1 << 0,
  /** Patch 2: mas_start does not check the root for death, and the walk trusts the node it started from (src/tree/walk.ts). */
  DEAD_ROOT: 1 << 1,
  /** Patch 3: destroy in RCU mode leaves type and slot count out of the overlay. */
  UNTYPED_FREE_WALK: 1 << 2,
  /** Patch 4: an extra smp_wmb per dead node (a cost, not a correctness bug). */
  DUPLICATE_WMB: 1 << 3,
  /** Patch 5: the free path writes its overlay before the node is marked dead. */
  OVERLAY_BEFORE_DEATH: 1 << 4,
  /** Patch 5: no smp_wmb between marking a node dead and overwriting it. */
  MISSING_WMB: 1 << 5,
  /** Patch 6: ma_dead_node reads the parent word without smp_rmb first (src/tree/node-access.ts). */
  MISSING_RMB: 1 << 6,
  /** Patch 7: the deferred free walk reads slots as if it held the tree lock. */
  CALLBACK_UNLOCKED: 1 << 7,
  /** Patch 8: the tree runs outside RCU mode while lockless readers walk it. */
  RCU_OFF: 1 << 8,
  /** cfeb6ae8b: append in place in RCU mode. */
  APPEND_IN_RCU: 1 << 9,
  /** A freed node is reused at once, with no grace period. */
  NO_GRACE_PERIOD: 1 << 10,
  /** A new node is linked in before its contents are written. */
  PUBLISH_BEFORE_INIT: 1 << 11,
  /** A new node is linked in with a plain store instead of rcu_assign_pointer. */
  PLAIN_PUBLISH: 1 << 12,
  /** The slot store writes the moving pivot before the new slot. */
  SLOT_STORE_PIVOT_FIRST: 1 << 13,
  /** The kernel's own slot store: rcu_assign_pointer of the slot, then the pivot, no smp_wmb. */
  SLOT_STORE_NO_WMB: 1 << 14,
  /** rcu_read_lock announces the reader without the smp_mb after it. */
  RCU_READER_NO_MB: 1 << 15,
} as const;

export type BugName = keyof typeof Bug;
