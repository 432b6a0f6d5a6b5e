/*
 * The tree's shape, node for node, as a flat word stream the host compares with the replica's.
 * The project's own code (MIT). Compiled in the same unit as maple_tree.c (after it), so it reads
 * nodes through the tree's own accessors: data end, pivots, slots, gaps, the metadata gap.
 *
 * Stream: height, root kind (0 empty, 1 entry in the root word, 2 node), root entry, node count,
 * then per node in preorder: depth, type, min, max, end, gap offset, pivot count, pivots...,
 * slot count, slots..., gap count, gaps... A child slot holds the child's preorder number.
 * Returns the words needed; writes nothing past `cap`.
 */
#define EXPORT_SHAPE(name) __attribute__((export_name(#name)))

struct km_shape_out {
	unsigned long *out;
	unsigned int cap;
	unsigned int len;
	unsigned int nodes;
};

static void km_put(struct km_shape_out *s, unsigned long word)
{
	if (s->len < s->cap)
		s->out[s->len] = word;
	s->len++;
}

static void km_shape_node(struct km_shape_out *s, struct maple_enode *enode,
		unsigned int depth, unsigned long min, unsigned long max)
{
	struct maple_node *node = mte_to_node(enode);
	enum maple_type type = mte_node_type(enode);
	unsigned long *pivots = ma_pivots(node, type);
	void __rcu **slots = ma_slots(node, type);
	unsigned char end = ma_data_end(node, type, pivots, max);
	unsigned char npiv = mt_pivots[type];
	unsigned int first_slot, i, children_at;

	s->nodes++;
	km_put(s, depth);
	km_put(s, type);
	km_put(s, min);
	km_put(s, max);
	km_put(s, end);
	/* The field itself: ma_meta_gap's signature differs between kernel versions. */
	km_put(s, type == maple_arange_64 ? node->ma64.meta.gap : 0);
	/* Pivots below the data end, and the one at it when the node has it. */
	{
		unsigned int np = end < npiv ? end + 1 : npiv;
		km_put(s, np);
		for (i = 0; i < np; i++)
			km_put(s, pivots[i]);
	}
	km_put(s, end + 1);
	first_slot = s->len;
	for (i = 0; i <= end; i++)
		km_put(s, (unsigned long)slots[i]);
	if (type == maple_arange_64) {
		unsigned long *gaps = ma_gaps(node, type);
		km_put(s, end + 1);
		for (i = 0; i <= end; i++)
			km_put(s, gaps[i]);
	} else {
		km_put(s, 0);
	}
	if (ma_is_leaf(type))
		return;
	/* Children in order; each child's slot is rewritten to its preorder number. */
	children_at = first_slot;
	for (i = 0; i <= end; i++) {
		struct maple_enode *child = slots[i];
		unsigned long cmin = i ? pivots[i - 1] + 1 : min;
		unsigned long cmax = i < npiv && i < end ? pivots[i] : max;
		if (children_at + i < s->cap)
			s->out[children_at + i] = s->nodes;
		if (child)
			km_shape_node(s, child, depth + 1, cmin, cmax);
	}
}

EXPORT_SHAPE(km_shape) unsigned int km_shape(struct maple_tree *mt, unsigned long *out,
		unsigned int cap)
{
	struct km_shape_out s = { out, cap, 0, 0 };
	void *root = rcu_dereference_protected(mt->ma_root, 1);
	unsigned int nodes_at;

	km_put(&s, mt_height(mt));
	if (!root) {
		km_put(&s, 0);
		km_put(&s, 0);
	} else if (!xa_is_node(root)) {
		km_put(&s, 1);
		km_put(&s, (unsigned long)root);
	} else {
		km_put(&s, 2);
		km_put(&s, 0);
	}
	nodes_at = s.len;
	km_put(&s, 0);
	if (root && xa_is_node(root))
		km_shape_node(&s, root, 0, 0, ULONG_MAX);
	if (nodes_at < s.cap)
		out[nodes_at] = s.nodes;
	return s.len;
}
