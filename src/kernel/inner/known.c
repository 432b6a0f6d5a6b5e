/*
 * Evidence for a known finding of the kernel's code that stress runs meet
 * (src/harness/kernel-known.ts, rcu-destroy-walk-clears-last-slot). The
 * project's own code (MIT), compiled in the tree's unit for its static names.
 *
 * Before each RCU callback the runtime asks whether it is the destroy walk's
 * callback (mt_free_walk) on a full range_64 top node whose last slot lost its
 * low 16 bits: mte_dead_leaves made the slot a bare node pointer and
 * mt_clear_meta then zeroed the metadata that shares it (on such a node it
 * always does). That walk would free a wrong address and take whatever lives
 * there down with it. The runtime counts it; with skipping on (stress runs,
 * which must go on) it does not run it: the subtree leaks, nothing else is
 * harmed. Off (the default: conform, tests), the walk runs and traps as the
 * kernel's code does.
 */
static unsigned int km_clobbered_walks;
static int km_skip_clobbered;

__attribute__((export_name("km_skip_clobbered_walks"))) void km_skip_clobbered_walks(int on)
{
	__atomic_store_n(&km_skip_clobbered, on, __ATOMIC_SEQ_CST);
}

int km_before_rcu_callback(struct rcu_head *head)
{
	struct maple_node *node;
	unsigned long last;

	if (head->func != mt_free_walk)
		return 0;
	node = container_of(head, struct maple_node, rcu);
	if (node->type != maple_range_64 || node->slot_len != MAPLE_RANGE64_SLOTS)
		return 0;
	last = (unsigned long)node->mr64.slot[MAPLE_RANGE64_SLOTS - 1];
	if (last & 0xffff)
		return 0;
	__atomic_fetch_add(&km_clobbered_walks, 1, __ATOMIC_SEQ_CST);
	return __atomic_load_n(&km_skip_clobbered, __ATOMIC_SEQ_CST);
}

__attribute__((export_name("km_clobbered_walks"))) unsigned int km_clobbered_walks_seen(void)
{
	return __atomic_load_n(&km_clobbered_walks, __ATOMIC_SEQ_CST);
}
