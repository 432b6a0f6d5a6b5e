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
static struct maple_tree *km_audit_tree;
/* [0] publications audited, [1] publications with a child naming its holder with a wrong slot,
 * [2] such children, [3..6] the first: child, holder, slot it is in, slot it names. */
static unsigned int km_audit[8];

static unsigned int km_audit_node(struct maple_enode *enode, unsigned int depth, int deep)
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
		if (deep)
			wrong += km_audit_node(child, depth + 1, 1);
	}
	return wrong;
}

/*
 * The runtime calls this after each rcu_assign_pointer (p: the word written, v: the value).
 * Audited: the published node's subtree, and the children of the node it was published
 * into and of each ancestor up to the root (found through their parent words), so that a
 * sibling still naming a provisional slot is seen too.
 */
void km_parent_audit(void **p, void *v)
{
	unsigned int wrong;
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
	if (km_audit_on == 2) {
		/* Diagnosis: the whole tree at every publication. */
		void *root = km_audit_tree->ma_root;
		wrong = xa_is_node(root) ? km_audit_node(root, 0, 1) : 0;
		if (wrong)
			__atomic_fetch_add(&km_audit[1], 1, __ATOMIC_SEQ_CST);
		return;
	}
	wrong = km_audit_node((struct maple_enode *)v, 0, 1);
	{
		struct maple_node *holder = (struct maple_node *)((unsigned long)p & ~MAPLE_NODE_MASK);
		unsigned int up;

		for (up = 0; up < MAPLE_HEIGHT_MAX && rt_is_node(holder); up++) {
			unsigned long word = (unsigned long)holder->parent;
			enum maple_type type;

			if (word == (unsigned long)holder)
				break; /* dead */
			/* The holder's type is in its parent's word only as "range64 or arange64". */
			type = mt_is_alloc(km_audit_tree) ? maple_arange_64 : maple_range_64;
			wrong += km_audit_node(mt_mk_node(holder, type), 0, 0);
			if (word & MA_ROOT_PARENT)
				break;
			holder = (struct maple_node *)(word & ~MAPLE_NODE_MASK);
		}
	}
	if (wrong)
		__atomic_fetch_add(&km_audit[1], 1, __ATOMIC_SEQ_CST);
}

/* mt: the audited tree; on: 1 audit every publication from now on (2: the whole tree each time,
 * for diagnosis); trap: BUG at the first wrong slot.
 * Returns the counters' address. */
EXPORT_PARENTS(km_parent_audit_start) unsigned int *km_parent_audit_start(struct maple_tree *mt, int on, int trap)
{
	km_audit_tree = mt;
	km_audit_trap = trap;
	__atomic_store_n(&km_audit_on, on, __ATOMIC_SEQ_CST);
	return km_audit;
}
