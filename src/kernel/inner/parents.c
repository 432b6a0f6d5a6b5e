/*
 * The parent-slot audit. mas_ascend trusts a live node's parent word: the node that holds
 * it and the slot it is in (or a dead node, which sends the reader back to re-walk). 6.12's
 * mas_spanning_rebalance builds new nodes whose parent words carry provisional slots, and
 * mas_topiary_replace publishes them (rcu_assign_pointer) before mas_adopt_children writes
 * the final slots: in that window a live child names its live holder with a wrong slot,
 * and a reader that ascends from it (mas_next_node, mas_prev_node) continues from the wrong
 * sibling with no dead node on its way (kernel-known.ts: parent-slot-before-adopt).
 *
 * With the audit on (the stress writer), each rcu_assign_pointer of a node checks the
 * published node's subtree for such children and counts each publication that had one;
 * the host marks the write's version, so readers' results in that window are told apart.
 * The project's own code (MIT), compiled in maple_tree.c's unit for its static accessors.
 */
#define EXPORT_PARENTS(name) __attribute__((export_name(#name)))

int rt_is_node(const void *p);

static int km_audit_on, km_audit_trap;
/* [0] publications audited, [1] publications with a child naming its holder with a wrong slot,
 * [2] such children, [3..6] the first: child, holder, slot it is in, slot it names. */
static unsigned int km_audit[8];

static unsigned int km_audit_node(struct maple_enode *enode, unsigned int depth)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned int wrong = 0;
	void __rcu **slots;
	unsigned char i;

	if (depth > MAPLE_HEIGHT_MAX || ma_is_leaf(type) || ma_dead_node(node))
		return 0;
	slots = ma_slots(node, type);
	for (i = 0; i < mt_slots[type]; i++) {
		struct maple_enode *child = slots[i];
		struct maple_node *cnode;
		unsigned long word;

		if (!child)
			break;
		cnode = mte_to_node(child);
		word = (unsigned long)cnode->parent;
		if (word == (unsigned long)cnode)
			continue; /* dead: its readers re-walk */
		if ((struct maple_node *)(word & ~MAPLE_NODE_MASK) != node)
			continue; /* names its old parent: the old, consistent tree */
		if (mte_parent_slot(child) != i) {
			if (!km_audit[2]) {
				km_audit[3] = (unsigned int)(unsigned long)cnode;
				km_audit[4] = (unsigned int)(unsigned long)node;
				km_audit[5] = i;
				km_audit[6] = mte_parent_slot(child);
			}
			km_audit[2]++;
			wrong++;
			if (km_audit_trap)
				BUG(); /* the host reports the trap with the writer's stack */
		}
		wrong += km_audit_node(child, depth + 1);
	}
	return wrong;
}

/* The runtime calls this after each rcu_assign_pointer (v: the value published). */
void km_parent_audit(void *v)
{
	unsigned long node = (unsigned long)v & ~MAPLE_NODE_MASK;

	if (!__atomic_load_n(&km_audit_on, __ATOMIC_RELAXED))
		return;
	/* Only an encoded internal node (mt_mk_node: MAPLE_ENODE_NULL and a range type) has
	 * children: entries, leaves and the destroy walk's bare node pointers are skipped. */
	if (((unsigned long)v & MAPLE_ENODE_NULL) == 0 || (unsigned long)v & 1)
		return;
	if (mte_node_type(v) != maple_range_64 && mte_node_type(v) != maple_arange_64)
		return;
	if (!rt_is_node((void *)node))
		return;
	km_audit[0]++;
	if (km_audit_node((struct maple_enode *)v, 0))
		__atomic_fetch_add(&km_audit[1], 1, __ATOMIC_SEQ_CST);
}

/* on: audit every publication from now on; trap: BUG at the first wrong slot (diagnosis).
 * Returns the counters' address. */
EXPORT_PARENTS(km_parent_audit_start) unsigned int *km_parent_audit_start(int on, int trap)
{
	km_audit_trap = trap;
	__atomic_store_n(&km_audit_on, on, __ATOMIC_SEQ_CST);
	return km_audit;
}
