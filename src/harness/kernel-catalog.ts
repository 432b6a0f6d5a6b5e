/**
 * The kernel bug catalog: historical bugs of the maple tree's RCU mode put back into the kernel's
 * own lib/maple_tree.c (and include/linux/maple_tree.h) as token-level mutations
 * (src/kernel/mutation.ts), for `npm run kernel:build -- --mutation NAME`.
 *
 * Each entry reverses what an upstream fix did, placed where Linux 6.12.118 has the fixed code
 * (the code has moved since most fixes: 6.12 has mas_next_slot where 6.2 had mas_next_nentry,
 * mte_destroy_descend where it had mas_destroy_descend). Only descriptions are stored here: the
 * function and a few tokens of the statement, never kernel code. Names follow the replica's catalog
 * (src/harness/catalog.ts) where the bug is the same.
 *
 * `threads`: real threads can catch it on this machine. `simulator`: real threads cannot: a weak
 * memory model makes it bite (x86 and wasm on x86 never reorder the accesses involved), or a
 * preemption between two adjacent plain stores, which only the simulator's store-level scheduling
 * gives. `masked`: in this kernel version no execution shows it, on any memory model: a later dead
 * check of the same node, which the edit leaves in place, covers what the edit moved or removed
 * (the code changed since the fix). Each entry's modeReason argues its mode from the code.
 */
import type { WorkloadName } from './types.js';
import type { Mutation, MutationEdit } from '../kernel/mutation.js';
import type { CatalogMode } from './catalog.js';
import type { KernelScenarioName } from './sim/kernel/kernel-scenarios.js';

/** The replica's modes, and `masked`: this kernel's own code hides the edit (see above). */
export type KernelCatalogMode = CatalogMode | 'masked';

export interface KernelCatalogEntry {
  name: string;
  /** The stress workload that exposes it (the default when --bug is given without --workload). */
  workload: WorkloadName;
  /** Upstream commit that fixed it (abbreviated), and its subject. */
  commit: string;
  subject: string;
  /** Applied in order; each confined to one function. */
  mutations: Mutation[];
  mode: KernelCatalogMode;
  /** One line: why this mode. */
  modeReason: string;
  description: string;
  /** Which oracle is expected to catch it. */
  expected: string;
  /**
   * Simulator entries: the kernel explorer's scenarios the torture's catalog cell explores (absent:
   * all of them, in rotation); only these expose the bug.
   */
  scenarios?: readonly KernelScenarioName[];
}

const C = 'lib/maple_tree.c' as const;
const H = 'include/linux/maple_tree.h' as const;

/** A mutation of lib/maple_tree.c named `<entry>/<function>` (with a suffix when one function has several). */
function edit(entry: string, fn: string, change: MutationEdit, suffix = ''): Mutation {
  return { name: `${entry}/${fn}${suffix}`, file: C, fn, edit: change };
}

const DEAD_RETURN = 'if (unlikely(ma_dead_node(node))) return 1;';

export const KERNEL_CATALOG: readonly KernelCatalogEntry[] = [
  {
    name: 'stale-pivots-next-node',
    workload: 'churn',
    commit: '39d0bd86c499',
    subject: 'maple_tree: be more cautious about dead nodes',
    mutations: [edit('stale-pivots-next-node', 'mas_next_node', { kind: 'remove', statement: DEAD_RETURN, expectedMatches: 5, occurrence: 'all' })],
    mode: 'threads',
    modeReason: 'a node replaced and freed while the reader moves to the next node needs no reordering to be read',
    description:
      'mas_next_node never checks that the nodes it read (the data end on the way up, the slot on the way down, the next node\'s end) are still live: a replaced node\'s pivots and slots are used',
    expected: 'stale-read detector, result oracle',
  },
  {
    name: 'stale-pivots-prev-node',
    workload: 'churn',
    commit: '39d0bd86c499',
    subject: 'maple_tree: be more cautious about dead nodes',
    mutations: [edit('stale-pivots-prev-node', 'mas_prev_node', { kind: 'remove', statement: DEAD_RETURN, expectedMatches: 4, occurrence: 'all' })],
    mode: 'threads',
    modeReason: 'as for mas_next_node: the stale node is read in program order',
    description:
      'mas_prev_node uses the slot, data end and pivots it read from a node without checking afterwards that the node is still live (the check after the last node\'s data end stays)',
    expected: 'stale-read detector, result oracle',
  },
  {
    name: 'stale-pivots-ascend',
    workload: 'churn',
    commit: '39d0bd86c499',
    subject: 'maple_tree: be more cautious about dead nodes',
    mutations: [
      edit('stale-pivots-ascend', 'mas_ascend', {
        kind: 'remove',
        statement: 'if (unlikely(ma_dead_node(a_node))) return 1;',
        expectedMatches: 2,
        occurrence: 'all',
      }),
    ],
    mode: 'threads',
    modeReason: 'an ancestor replaced during the climb is read in program order',
    description: 'mas_ascend takes min and max from an ancestor\'s pivots without checking, before or after, that the ancestor is live',
    expected: 'stall watchdog: without the checks mas_ascend climbs into a dead ancestor, whose parent word names itself, and spins there for ever (no rcu_dereference in the loop); a result oracle or stale-read finding where a climb ends first',
  },
  {
    name: 'stale-pivots-walk',
    workload: 'random',
    commit: '39d0bd86c499',
    subject: 'maple_tree: be more cautious about dead nodes',
    mutations: [
      edit('stale-pivots-walk', 'mtree_range_walk', { kind: 'remove', statement: 'if (unlikely(ma_dead_node(node))) goto dead_node;' }),
      edit('stale-pivots-walk', 'mtree_lookup_walk', { kind: 'remove', statement: 'if (unlikely(ma_dead_node(node))) goto dead_node;' }),
    ],
    mode: 'threads',
    modeReason: 'a walk through a node replaced under it reads it in program order',
    description:
      'the walks of mtree_load (mtree_lookup_walk) and mas_walk/mt_find (mtree_range_walk) descend through the slot they read without checking the node is still live',
    expected: 'stale-read detector, result oracle',
  },
  {
    name: 'dead-root',
    workload: 'churn',
    commit: 'a7b92d59c885',
    subject: 'maple_tree: detect dead nodes in mas_start()',
    mutations: [edit('dead-root', 'mas_start', { kind: 'remove', statement: 'if (mte_dead_node(mas->node)) goto retry;' })],
    mode: 'masked',
    modeReason:
      'in 6.12 every reader that mas_start hands a node to walks it with mtree_range_walk or mtree_lookup_walk, which read the node and then check ma_dead_node on that same node before using anything read (a dead root: mas_reset and walk again): the check removed from mas_start only saved a walk. mas_start itself reads nothing from the node',
    description: 'mas_start hands the walk a root node without checking it is already replaced (dead)',
    expected: 'none in 6.12 (the walks\' own dead checks catch a dead root); stale-read detector, result oracle where a walk does not re-check',
  },
  {
    name: 'untyped-free-walk',
    workload: 'churn',
    commit: '2e5b4921f8ef',
    subject: 'maple_tree: fix freeing of nodes in rcu mode',
    mutations: [
      edit('untyped-free-walk', 'mte_destroy_descend', { kind: 'remove', statement: 'node->type = type;' }),
      edit('untyped-free-walk', 'mt_destroy_walk', { kind: 'remove', statement: 'node->type = mte_node_type(enode);' }),
    ],
    mode: 'threads',
    modeReason: 'single-threaded: any destroy of a tree in RCU mode runs the deferred walk on garbage types',
    description:
      'destroy in RCU mode no longer stores the node type of internal nodes and of a root leaf for the call_rcu walk (mt_free_walk/mte_dead_walk), which then reads a pivot\'s bytes as the type',
    expected: 'slab accounting (bad or double free, leak after rcu_barrier)',
  },
  {
    name: 'missing-wmb',
    workload: 'random',
    commit: 'c13af03de46b',
    subject: 'maple_tree: fix write memory barrier of nodes once dead for RCU mode',
    mutations: [edit('missing-wmb', 'mte_set_node_dead', { kind: 'remove', statement: 'smp_wmb();' })],
    mode: 'simulator',
    modeReason: 'x86 keeps stores in order, so the dead mark is never seen after the writes that follow it',
    description: 'no smp_wmb after marking a node dead: the free path\'s overlay and the new node may become visible before the mark',
    expected: 'simulator: result oracle, poison check',
  },
  {
    name: 'overlay-before-death',
    workload: 'random',
    commit: 'c13af03de46b',
    subject: 'maple_tree: fix write memory barrier of nodes once dead for RCU mode',
    mutations: [
      // Move the dead mark below the overlay writes, one adjacent swap at a time.
      edit('overlay-before-death', 'mte_destroy_descend', { kind: 'swap', first: 'mte_set_node_dead(*enode);', second: 'node->type = type;' }, '#1'),
      edit('overlay-before-death', 'mte_destroy_descend', { kind: 'swap', first: 'mte_set_node_dead(*enode);', second: 'node->piv_parent = prev;' }, '#2'),
      edit('overlay-before-death', 'mte_destroy_descend', { kind: 'swap', first: 'mte_set_node_dead(*enode);', second: 'node->parent_slot = offset;' }, '#3'),
      edit('overlay-before-death', 'mte_dead_leaves', { kind: 'swap', first: 'mte_set_node_dead(entry);', second: 'node->type = type;' }),
    ],
    mode: 'simulator',
    modeReason:
      'the overlay stores and the dead mark are adjacent plain stores (mte_destroy_descend: type, piv_parent, parent_slot, then the mark; mte_dead_leaves: type, then the mark), with no runtime call between them to widen the window: on real threads a reader must read the overlaid words and then its dead check within the few nanoseconds between two stores of one node; only the simulator\'s store-level scheduling (a reader run between two plain stores of the writer) reaches it',
    description:
      'destroying a replaced subtree writes the free walk\'s overlay (type, parent, slot), which shares words with the pivots, before marking each node dead, so readers take it for pivots',
    expected: 'result oracle, poison check',
    // The other scenarios destroy too, but there the overlaid pivots 2 to 4 lie beyond the node's
    // data end or the node was marked dead earlier (mat_add): README, "The kernel's code under the simulator".
    scenarios: ['destroy'],
  },
  {
    name: 'missing-rmb',
    workload: 'random',
    commit: '0a2b18d94883',
    subject: 'maple_tree: add smp_rmb() to dead node detection',
    mutations: [
      edit('missing-rmb', 'ma_dead_node', { kind: 'remove', statement: 'smp_rmb();' }),
      edit('missing-rmb', 'mte_dead_node', { kind: 'remove', statement: 'smp_rmb();' }),
    ],
    mode: 'simulator',
    modeReason: 'x86 never lets a load pass an earlier load, so the parent read cannot come before the data reads',
    description: 'ma_dead_node and mte_dead_node read the parent word without smp_rmb, so the check may be satisfied before the data reads it vouches for',
    expected: 'simulator: result oracle, stale-read detector',
  },
  {
    name: 'duplicate-wmb',
    workload: 'churn',
    commit: '8372f4d83f96',
    subject: 'maple_tree: remove extra smp_wmb() from mas_dead_leaves()',
    mutations: [edit('duplicate-wmb', 'mte_dead_leaves', { kind: 'insert-after', anchor: 'mte_set_node_dead(entry);', statement: 'smp_wmb();' })],
    mode: 'threads',
    modeReason: 'a cost, not a race: the runtime counts an smp_wmb that follows another with nothing between them, in any run that destroys a subtree of height 2 or more',
    description:
      'a second smp_wmb for every node mte_dead_leaves marks dead (each node below a destroyed tree\'s root), right after the one mte_set_node_dead already issues',
    expected: 'barrier count (cost): an smp_wmb right after another with no runtime call between them (rt.c), one per leaf of a destroyed subtree',
  },
  {
    name: 'callback-unlocked',
    workload: 'churn',
    commit: '790e1fa86b34',
    subject: 'maple_tree: add RCU lock checking to rcu callback functions',
    mutations: [
      edit('callback-unlocked', 'mte_dead_walk', { kind: 'replace', from: 'lock_is_held(&rcu_callback_map)', to: 'lockdep_is_held(&rcu_callback_map)' }),
      edit('callback-unlocked', 'mt_free_walk', { kind: 'replace', from: 'lock_is_held(&rcu_callback_map)', to: 'lockdep_is_held(&rcu_callback_map)' }),
    ],
    mode: 'threads',
    modeReason: 'a lockdep condition, checked on every dereference in any run',
    description:
      'the call_rcu free walk dereferences slots with a condition that demands a held lock (as before the fix, when it took a lock of its own), which callback context never holds',
    expected: 'lockdep (needs the runtime\'s lockdep_is_held and rcu_dereference_protected checks)',
  },
  {
    name: 'rcu-off',
    workload: 'random',
    commit: '3dd443254941',
    subject: 'mm: enable maple tree RCU mode by default',
    mutations: [{ name: 'rcu-off/mt_in_rcu', file: H, fn: 'mt_in_rcu', edit: { kind: 'replace', from: 'return mt->ma_flags & MT_FLAGS_USE_RCU;', to: 'return false;' } }],
    mode: 'threads',
    modeReason: 'in-place stores and immediate node reuse under lockless readers need no reordering',
    description: 'mt_in_rcu always says no: the tree stores in place and frees nodes at once (no call_rcu) while readers walk it',
    expected: 'write-policy (the runtime\'s slab: a dead node back in the slab without a grace period); result oracle, stale-read detector',
  },
  {
    name: 'append-in-rcu',
    workload: 'churn',
    commit: 'cfeb6ae8bcb9',
    subject: 'maple_tree: disable mas_wr_append() when other readers are possible',
    mutations: [
      edit('append-in-rcu', 'mas_wr_store_type', {
        kind: 'replace',
        from: '!mt_in_rcu(mas->tree) && (mas->offset == mas->end)',
        to: '(mas->offset == mas->end)',
      }),
    ],
    mode: 'threads',
    modeReason: 'the append writes the end pivot and metadata before the slot in program order',
    description: 'a store at the end of a leaf is an in-place append in RCU mode too: the new end pivot and data end are visible before the slot and the old end pivot are rewritten',
    expected: 'result oracle (wrong range or duplicate entry from next/find)',
  },
  {
    name: 'root-meta-after-publish',
    workload: 'churn',
    commit: 'c45ea315a602',
    subject: 'maple_tree: fix a potential concurrency bug in RCU mode',
    mutations: [
      edit('root-meta-after-publish', 'mas_root_expand', {
        kind: 'swap',
        first: 'ma_set_meta(node, maple_leaf_64, 0, slot);',
        second: 'rcu_assign_pointer(mas->tree->ma_root, mte_mk_root(mas->node));',
      }),
    ],
    mode: 'threads',
    modeReason:
      'the root is published before its metadata in program order: a reader between the two stores sees a data end of 0. The window is a few instructions; the runtime\'s publish pause (rt.c: after a tree\'s first node is published the writer waits for one reader\'s whole section, correct builds too) opens it',
    description:
      'expanding an empty or single-entry root into a leaf publishes the leaf before writing its data end, so mas_walk (which takes the end from the metadata) sees end 0: a walk past the first range gets the stored entry over [its first, ULONG_MAX]',
    expected: 'result oracle (mas_walk returns the new entry over a range up to ULONG_MAX)',
  },
  {
    name: 'end-read-after-dead-check',
    workload: 'churn',
    commit: '65be6f058b0e',
    subject: 'maple_tree: fix potential rcu issue',
    mutations: [
      edit('end-read-after-dead-check', 'mas_next_node', { kind: 'swap', first: 'mas->end = ma_data_end(tmp, mt, pivots, mas->max);', second: DEAD_RETURN }),
      edit('end-read-after-dead-check', 'mas_prev_node', {
        kind: 'swap',
        first: 'mas->offset = mas_data_end(mas);',
        second: 'if (unlikely(mte_dead_node(mas->node))) return 1;',
      }),
    ],
    mode: 'masked',
    modeReason:
      'in 6.12 the end read the edit moves is the next leaf\'s, and its only users are the callers mas_next_slot and mas_prev_slot, which read that leaf\'s pivot and slot and then check the leaf with mas_rewalk_if_dead before using any of it (a dead leaf: walk again): that check follows the end read in program order, with smp_rmb, whichever side of the parent\'s check the read is on',
    description:
      'the next/prev node steps read the node end after the dead check instead of before it (6.12\'s equivalent of mas_next_nentry\'s count), so an end read from a replaced node is never re-checked',
    expected: 'stale-read detector, result oracle',
  },
  {
    name: 'destroy-leaf-not-dead',
    workload: 'churn',
    commit: 'ea9b77f98d94',
    subject: 'maple_tree: fix mt_destroy_walk() on root leaf node',
    mutations: [edit('destroy-leaf-not-dead', 'mt_destroy_walk', { kind: 'remove', statement: 'mte_set_node_dead(enode);' })],
    mode: 'threads',
    modeReason: 'the overlay and cleared metadata are written in program order over a node never marked dead',
    description:
      'destroying a tree or subtree whose root is a leaf (mtree_destroy, a store over the whole range) does not mark it dead before writing its type and clearing its metadata',
    expected: 'trap: the runtime\'s slab refuses the grace period\'s free of the old root leaf, which is not dead (rt.c rt_free_policy); result oracle, poison check for readers of it',
  },
  {
    name: 'spanning-store-duplicate',
    workload: 'spanning',
    commit: 'bea07fd63192',
    subject: 'maple_tree: correct tree corruption on spanning store',
    mutations: [
      edit('spanning-store-duplicate', 'mas_wr_spanning_store', { kind: 'replace', from: 'if (r_mas.max > r_mas.last)', to: 'if (r_mas.offset <= r_mas.end)' }),
    ],
    mode: 'threads',
    modeReason: 'a sequential bug: one thread storing across the last pivot of the right leaf shows it',
    description:
      'a spanning store whose range ends at the right leaf\'s last pivot, in the parent\'s last slot, copies that range again from the right node: a duplicate entry',
    expected: 'mt_validate, result oracle (reference model)',
  },
];

export function findKernelBug(name: string): KernelCatalogEntry | undefined {
  return KERNEL_CATALOG.find((entry) => entry.name === name);
}

/** Every mutation of the named entries, in catalog order of the names given. */
export function kernelMutations(names: readonly string[]): Mutation[] {
  return names.flatMap((name) => {
    const entry = findKernelBug(name);
    if (!entry) throw new Error(`unknown kernel mutation ${name}: the catalog has ${KERNEL_CATALOG.map((e) => e.name).join(', ')}`);
    return entry.mutations;
  });
}
