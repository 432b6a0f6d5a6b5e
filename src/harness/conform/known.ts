/**
 * Known kernel divergences: result differences where the kernel's answer is not the search its API
 * describes, each named, with its evidence, and a predicate that accepts exactly that case. A
 * divergence one of them explains is counted under its name instead of failing the run; every
 * other difference is a divergence. A predicate may ask the kernel read-only questions (a search
 * with other bounds, a load), never the replica: the replica's answer is what is being judged.
 *
 * Each is derived from the kernel's code or pinned by a second kernel query, and test/conform.test.ts
 * exercises both ways: a script that needs it, and a wrong replica answer it must not accept.
 */
import { INVALID, NONE } from './driver.js';
import type { Driver, Outcome } from './driver.js';
import type { Op, Script } from './script.js';

export interface KnownDivergence {
  name: string;
  summary: string;
  /**
   * Evidence to take from the kernel before `op` runs (for a write that destroys what it would
   * need to see); undefined when the op is not one this divergence is about.
   */
  before?(op: Op, kernelDriver: Driver): unknown;
  /** Whether this explains the kernel's `kernel` against the replica's `replica` for `op`. */
  explains(op: Op, script: Script, kernel: Outcome, replica: Outcome, kernelDriver: Driver, evidence?: unknown): boolean;
  /**
   * Whether the script ends after this read too (a write always ends it): a cursor step leaves
   * the two cursors in different places, so the steps after it would compare different searches.
   */
  endsScript?(op: Op): boolean;
}

const startOf = (o: Outcome): number | null => {
  const m = /^start (\d+)$/.exec(o.value);
  return m ? Number(m[1]) : null;
};

export const KNOWN_DIVERGENCES: readonly KnownDivergence[] = [
  {
    name: 'empty-area-needs-alloc-tree',
    summary:
      "mas_empty_area(_rev) on a tree without MT_FLAGS_ALLOC_RANGE and more than one level: the walk " +
      '(mas_anode_descend / mas_rev_awalk) takes gaps from arange_64 nodes only and counts any other ' +
      'non-NULL slot as occupied, so it never descends into a child and answers -EBUSY. The replica searches ' +
      'such trees; the kernel supports the search on allocation trees only (mtree_alloc_range refuses others).',
    explains(op, script, kernel, replica, kernelDriver) {
      if (op.op !== 'emptyArea' && op.op !== 'emptyAreaRev') return false;
      if (script.alloc || kernel.value !== NONE || kernel.note !== '-EBUSY' || startOf(replica) === null) return false;
      return kernelDriver.shape().height > 1;
    },
  },
  {
    name: 'empty-area-contradicts-contents',
    summary:
      "mas_empty_area(_rev) / mtree_alloc_(r)range answer -EBUSY although the tree's own entries " +
      'leave a window: seen on 6.12.118 for reverse searches with max = ULONG_MAX (a lone entry over [1000, ULONG_MAX], ' +
      'size 2 in [0, ULONG_MAX]; the same search with max = ULONG_MAX - 1 finds [998, 999]) and on a leaf root ' +
      'holding one NULL range (after store [0, ULONG_MAX] and erase 0, size 1 in [0, 0]), on allocation and plain ' +
      'trees alike (a leaf [0] = NULL, [1, ULONG_MAX] = entry: reverse size 1 in [0, ULONG_MAX]). Accepted only when the ' +
      "replica's start is exactly the window the kernel tree's own entries give (every entry read back from the " +
      'kernel with mas_find), so a replica that misplaces a window is still a divergence.',
    explains(op, _script, kernel, replica, kernelDriver) {
      if (op.op !== 'emptyArea' && op.op !== 'emptyAreaRev' && op.op !== 'allocRange' && op.op !== 'allocRangeRev') return false;
      if (kernel.value !== NONE || kernel.note !== '-EBUSY') return false;
      const start = startOf(replica);
      if (start === null) return false;
      const entries = parseEntries(kernelDriver.apply({ op: 'entries' }).value);
      if (entries === null) return false;
      const rev = op.op === 'emptyAreaRev' || op.op === 'allocRangeRev';
      return windowFrom(entries, op.min, op.max, op.size, rev) === start;
    },
  },
  {
    name: 'one-index-window-refused',
    summary:
      'Older kernels (6.1) refuse an empty-area search or allocation whose window is one index (min == max) ' +
      'with -EINVAL (their mas_empty_area(_rev) and mtree_alloc_(r)range test min >= max); 6.12, like the ' +
      'replica, searches it. Accepted only for min == max, where the replica found that very index.',
    explains(op, _script, kernel, replica) {
      if (op.op !== 'emptyArea' && op.op !== 'emptyAreaRev' && op.op !== 'allocRange' && op.op !== 'allocRangeRev') return false;
      return op.min === op.max && kernel.value === INVALID && kernel.note === '-EINVAL' && startOf(replica) === op.min;
    },
  },
  {
    name: 'insert-whole-keyspace-overwrites',
    summary:
      'mtree_insert_range over [0, ULONG_MAX] on a tree that holds entries succeeds and replaces them all: ' +
      "mas_insert's occupancy check does not run for a store that becomes a new root (wr_new_root), so " +
      'the insert overwrites. The API promises -EEXIST when any index is occupied, and the replica keeps ' +
      'that promise. Accepted only when the kernel held an entry before the insert (read back with mas_find ' +
      'first) and holds exactly the inserted range after it.',
    before(op, kernelDriver) {
      if (op.op !== 'insert' || op.first !== 0 || op.last !== 0xffffffff) return undefined;
      return parseEntries(kernelDriver.apply({ op: 'entries' }).value);
    },
    explains(op, _script, kernel, replica, kernelDriver, evidence) {
      if (op.op !== 'insert' || op.first !== 0 || op.last !== 0xffffffff) return false;
      if (kernel.value !== 'ok' || replica.value !== 'exists') return false;
      const held = evidence as { first: number; last: number }[] | null | undefined;
      if (!held || held.length === 0) return false;
      return kernelDriver.apply({ op: 'entries' }).value === `1 entries: ${op.entry} [0, 4294967295]`;
    },
  },
  {
    name: 'find-rev-below-min-root-entry',
    summary:
      "mas_find_rev(min) on a tree whose root word holds a single entry at index 0 (no node), from an " +
      'index above 0: mas_walk finds nothing there (ma_none), and mas_find_rev_setup takes "the previous ' +
      'location is 0", sets index = last = 0 and returns the root entry without comparing 0 with min. The ' +
      'API returns entries down to min only, and the replica answers NULL for min > 0 (6.12.118: store [0, 0] = 1, ' +
      'then findRev 1 min 1 gives 1 [0, 0]). Accepted only when min > 0, the kernel answered an entry over exactly ' +
      "[0, 0] that its root word holds (height 0, a root entry), and the replica NULL. On a kept cursor " +
      '(cursorFindRev) the two cursors then stand apart, so the script ends there.',
    explains(op, _script, kernel, replica, kernelDriver) {
      if (op.op !== 'findRev' && op.op !== 'cursorFindRev') return false;
      if (op.min === 0 || replica.value !== 'NULL') return false;
      const m = /^(\d+) \[0, 0\]$/.exec(kernel.value);
      if (!m) return false;
      const shape = kernelDriver.shape();
      return shape.height === 0 && shape.root === 'entry' && shape.rootEntry === Number(m[1]);
    },
    endsScript: (op) => op.op === 'cursorFindRev',
  },
  {
    name: 'rcu-destroy-walk-clears-last-slot',
    summary:
      "In RCU mode the kernel's deferred destroy walk (mte_destroy_walk, and mas_mat_destroy for the subtrees a " +
      'spanning store drops) turns the child slots of the walk\'s top node into bare node pointers, then ' +
      "clears that node's metadata: in a full range_64 node the metadata shares the last slot, so the low 16 " +
      "bits of the last child's pointer are zeroed and the later mt_free_walk frees that wrong address (see " +
      "the README's finding). Recognised by its signature only: a trap in a grace period on a plain tree (it " +
      'was in RCU mode then), freeing an address whose low 16 bits are zero. The script ends there (the kernel instance is replaced).',
    explains(_op, script, kernel) {
      // The tree may have gone in and out of RCU mode (setRcu): a deferred walk means it was in it.
      if (script.alloc) return false;
      if (!/KernelTrap: (rcu grace period|mtree_destroy)/.test(kernel.value)) return false;
      // The mangled address is whatever node lies there, so the runtime's slab (rt.c slab_put,
      // rt_free_policy) names the wrong free by that node's state: free already ('double free of'),
      // not a node ('free of ..., which is not one of its objects'), queued for its own grace
      // period or live ('an RCU callback frees ..., which waits for its own grace period' / 'which
      // is not dead'). The address is the signature, not the message.
      return /(double free of|free of|an RCU callback frees) 0x[0-9a-f]*0000\b/.test(kernel.note ?? '');
    },
  },
];

/** Each known divergence's evidence from before `op` (only those that take some for this op). */
export function evidenceBefore(op: Op, kernelDriver: Driver): Map<string, unknown> | undefined {
  let out: Map<string, unknown> | undefined;
  for (const known of KNOWN_DIVERGENCES) {
    if (!known.before) continue;
    try {
      const e = known.before(op, kernelDriver);
      if (e !== undefined) (out ??= new Map()).set(known.name, e);
    } catch {
      // No evidence: the divergence cannot be explained by it.
    }
  }
  return out;
}

/** `N entries: e [a, b], ...` (driver.ts's entriesValue) back to ranges; null if it is not that. */
export function parseEntries(value: string): { first: number; last: number }[] | null {
  const m = /^(\d+) entries: ?(.*)$/.exec(value);
  if (!m) return null;
  const ranges = [...m[2].matchAll(/\d+ \[(\d+), (\d+)\]/g)].map((r) => ({ first: Number(r[1]), last: Number(r[2]) }));
  return ranges.length === Number(m[1]) ? ranges : null;
}

/**
 * The lowest (or, reversed, the highest) start of `size` free indices inside [min, max] between
 * sorted, disjoint `entries`; -1 when there is none. The API's definition, computed directly.
 */
export function windowFrom(entries: { first: number; last: number }[], min: number, max: number, size: number, rev: boolean): number {
  // Free runs inside [min, max], in order.
  const free: [number, number][] = [];
  let lo = min;
  for (const e of entries) {
    if (e.last < lo) continue;
    if (e.first > max) break;
    if (e.first > lo) free.push([lo, e.first - 1]);
    lo = e.last + 1;
    if (e.last >= max) {
      lo = max + 1;
      break;
    }
  }
  if (lo <= max) free.push([lo, max]);
  const fits = free.filter(([a, b]) => b - a + 1 >= size);
  if (fits.length === 0) return -1;
  if (!rev) return fits[0][0];
  const [, b] = fits[fits.length - 1];
  return b - size + 1;
}

/** The known divergence that explains this result divergence, or null. */
export function knownDivergence(
  op: Op,
  script: Script,
  kernel: Outcome,
  replica: Outcome,
  kernelDriver: Driver,
  evidence?: Map<string, unknown>,
): KnownDivergence | null {
  for (const known of KNOWN_DIVERGENCES) {
    try {
      if (known.explains(op, script, kernel, replica, kernelDriver, evidence?.get(known.name))) return known;
    } catch {
      // A question the kernel could not answer explains nothing.
    }
  }
  return null;
}
