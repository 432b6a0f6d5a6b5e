/**
 * Known findings of the kernel's own code that a stress run on the kernel build meets on the
 * correct source: counted under their names in the results (`known`) instead of failing the run,
 * each with a predicate that accepts exactly its signature. They are the stress run's side of the
 * findings `npm run conform` pins down (src/harness/conform/known.ts; README "Findings").
 * test/kernel-known.test.ts exercises each both ways.
 */

import { KernelTrap } from '../kernel/loader.js';

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
    'mtree_destroy, on trees without MT_FLAGS_ALLOC_RANGE (allocation nodes keep their metadata elsewhere). ' +
    'The runtime recognises such a callback before it runs (src/kernel/inner/known.c: mt_free_walk on a full ' +
    'range_64 top node whose last slot has its low 16 bits zero), counts it and, in stress runs, does not run it: the subtree ' +
    'leaks (so the slab\'s live count is not judged against the tree), nothing else is freed wrongly.',
};

export const EMPTY_AREA_MISS: KnownFinding = {
  name: 'empty-area-contradicts-contents',
  summary:
    "6.12's mas_empty_area(_rev) answers -EBUSY although the tree's entries leave a window (pinned by " +
    '`npm run conform`, which checks it against the kernel tree\'s own entries). A kernel reader\'s "no window" ' +
    'is counted under this name when some version of its window had one; a start it returns is judged as ever.',
};

export const PREV_ROOT_REREAD: KnownFinding = {
  name: 'prev-rereads-root',
  summary:
    "6.12's mas_find_rev and mas_prev, when mas_walk left the state at ma_none or ma_root (an empty " +
    'tree, or a single entry at 0 and an index above it), answer with mas_root(mas) at [0, 0]: a second ' +
    'read of the root. A store that made the root a node in between hands the lockless reader a node ' +
    'pointer as its entry (mas_find_rev_setup, mas_prev_setup). Counted when a backward iteration ' +
    'returns a node reference over exactly [0, 0]; a node reference anywhere else is poison as ever.',
};

export const PREV_RANGE_REVERSED: KnownFinding = {
  name: 'prev-range-reversed',
  summary:
    "6.12's mas_prev_slot sets mas->last = mas->index - 1 from the index the previous step left, then " +
    'mas->index from the pivot it reads now: when a slot store moved that boundary up between the two ' +
    'steps, the lockless reader gets a range with index > last. Counted when a backward step returns a ' +
    "reversed range whose last is exactly the previous step's first - 1; any other reversed range is a " +
    'structure violation.',
};

export const NEXT_PAST_MAX: KnownFinding = {
  name: 'next-past-max',
  summary:
    "6.12's mas_next_slot reads pivots[offset] twice in one step: once to see whether the range ends at or " +
    "past max, and again for the next range's first index. A slot store that moves that pivot between the " +
    'two reads hands the lockless mas_find an entry whose range starts beyond its max. Counted when a forward ' +
    "step returns an entry whose first index is above the iteration's max.",
};

export const REWALK_NULL_NODE: KnownFinding = {
  name: 'rewalk-null-node',
  summary:
    "6.12's mas_prev_slot and mas_next_slot, on a dead node, re-walk to the save point (mas_rewalk); " +
    'when a store has meanwhile left the tree empty or a single root entry, mas_start sets mas->node = NULL ' +
    'and the step goes on with that NULL node: a NULL pointer dereference in a real kernel. In wasm address 0 ' +
    'reads as zeroes, which look like a dead node, so the step re-walks for ever; the runtime counts a ' +
    "reader's root reads that find no node and BUGs after thousands in one section (rt_root_read), or when a " +
    'slot of the NULL node is dereferenced. Counted when a reader\'s step traps that way under mas_prev_slot ' +
    'or mas_next_slot. Reproduced in test/kernel-runtime-checks.test.ts: a step of any iteration after the ' +
    'tree was destroyed or emptied under it.',
};

/** Is this error of a reader's step the NULL-node dereference after a re-walk? */
export function isRewalkNullNode(error: unknown): boolean {
  if (!(error instanceof KernelTrap)) return false;
  if (!/a tree without nodes|a slot of the NULL node/.test(error.log)) return false;
  return error.frames.includes('mas_prev_slot') || error.frames.includes('mas_next_slot');
}

export const PARENT_SLOT_BEFORE_ADOPT: KnownFinding = {
  name: 'parent-slot-before-adopt',
  summary:
    "6.12's mas_spanning_rebalance builds new nodes whose children's parent words carry provisional slots " +
    '(mas_set_parent, mast_set_split_parents), and mas_topiary_replace publishes the new nodes ' +
    '(rcu_assign_pointer in mas_put_in_tree) before mas_adopt_children writes the final slots. In that window ' +
    'a live child names its live, published holder with a wrong slot; mas_ascend has nothing to detect (no ' +
    'node is dead, the parent pointer is stable), so mas_next_node/mas_prev_node continue from the wrong ' +
    'sibling: a mas_next that goes backwards (with mas->min > mas->max), skips nodes, or a mas_prev that ' +
    'underflows early. Found by a stress run on churn (walk trace: the leaf in slot 4 named slot 1) and shown ' +
    'deterministically by the parent-slot audit (src/kernel/inner/parents.c) on a single thread: trapping at the ' +
    'first such publication, it BUGs in mas_wmb_replace < mas_spanning_rebalance < mas_erase ' +
    '(test/kernel-runtime-checks.test.ts). The runtime reads the parent words of each step\'s ascent path at the ' +
    'step\'s start and end, and at its end those of every node the step dereferenced (km_ascent_in_flux, ' +
    'km_read_nodes_in_flux in src/kernel/inner/conform.c), and flags a word that names its ' +
    "live holder with a wrong slot, or changed slot under the same holder during the step, on a path with no " +
    "dead node at the start (a dead node there is what 6.12's own checks catch); a reader's find/findRev with " +
    'such a step has its rejected results counted under this name. Walks and empty-area searches, which never ' +
    'ascend, are judged as ever.',
};

export const PIVOT_AFTER_DEAD_CHECK: KnownFinding = {
  name: 'pivot-after-dead-check',
  summary:
    "6.12's mas_next_node and mas_prev_node check the parent they ascended to is alive (ma_dead_node) and " +
    'only then read its pivot (mas->max = pivots[offset]; mas->min = pivots[offset - 1] + 1). A parent that ' +
    'is replaced in between is queued by call_rcu at once, and its rcu_head lies over pivots[0] and pivots[1]: ' +
    "the step takes the head's next pointer (another queued node's address + 4) or its callback for a bound. " +
    'No later check covers it (the next dead check is of the child), so the iteration goes on with bounds far ' +
    "outside the keyspace: ranges like [28918, 1565956], and, through ma_data_end with that max, a leaf's " +
    'metadata word returned as an entry. Found by a stress run on spanning (walk trace: min 1565957 = ' +
    "node 0x17e500's rcu_head + 1). The runtime checks each step's node bounds against those words " +
    "(src/kernel/inner/conform.c: km_rcu_head_word), counting only a next word whose parent was queued during " +
    "the step (a parent dead before the step began is what 6.12's check sees); a reader's find/findRev whose step left such a bound has " +
    'its rejected results and poison entries counted under this name.',
};


export const SLOT_STORE_UNORDERED: KnownFinding = {
  name: 'slot-store-unordered',
  summary:
    "6.12's mas_wr_slot_store writes the new entry's slot with rcu_assign_pointer and then the moved pivot " +
    'with a plain store, no smp_wmb between: a release orders only what precedes it, so under LKMM the pivot ' +
    'may become visible first and a reader returns the old entry over the new boundary (the replica adds the ' +
    'barrier; README "The slot store under LKMM", catalog entry slot-store-no-wmb). x86 keeps stores in order, ' +
    'so only the simulator shows it: with `--tree kernel` under the simulator, a result whose bounds lie on ' +
    "the lines of a range the entry held, moved by the window's slot stores " +
    '(src/harness/oracle/torn-bounds.ts: explainsNewer), is counted under this name. The allowance also hides ' +
    'a pivot-first slot store there.',
};

export const PIVOT_READ_TWICE: KnownFinding = {
  name: 'walk-pivot-read-twice',
  summary:
    "6.12's mtree_range_walk compares pivots to pick a slot and then reads the two it compared again for " +
    "the range's bounds (min = pivots[offset - 1] + 1, max = pivots[offset]). An in-place slot store that " +
    'moves one of those boundaries past the index between the two reads makes the walk return the entry over ' +
    'its new range, which lies above the index or below it (found by `npm run explore -- --tree kernel`: ' +
    'findRev(799) returned an entry over [874, 954] that had held [714, 954]). Any machine can show it with a ' +
    "preemption between the two loads; the simulator's plain loads make it common. Under the simulator, such a " +
    'result whose entry (NULL included) held the index earlier in the window and held exactly the seen range ' +
    'later (ResultOracle: movedPastIndex) is counted under this name.',
};
