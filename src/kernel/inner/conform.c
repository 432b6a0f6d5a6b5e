/*
 * Exports for the differential conformance tester (src/harness/conform): cursors kept in the
 * module's memory across calls, the empty-area searches and the allocating stores.
 * The project's own code (MIT). It uses only the tree's public API, so it builds on every kernel
 * version the project supports; it sits in the tree's unit for the shared build only.
 *
 * A cursor is an ma_state the host keeps: km_cursor_alloc once, km_cursor_set to (re)position it
 * on a tree, then the steps. Each step returns the entry and writes the cursor's range to
 * out[0], out[1]. Every read step runs inside an RCU read-side section, as the kernel's callers do.
 */
#define KM_CONFORM_EXPORT(name) __attribute__((export_name(#name)))

void *rt_alloc(unsigned long size, unsigned long align);

KM_CONFORM_EXPORT(km_cursor_alloc) struct ma_state *km_cursor_alloc(void)
{
	return rt_alloc(sizeof(struct ma_state), 16);
}

KM_CONFORM_EXPORT(km_cursor_set) void km_cursor_set(struct ma_state *mas,
		struct maple_tree *mt, unsigned long index)
{
	MA_STATE(fresh, mt, index, index);
	*mas = fresh;
}

/* Walk-trace tags (above every address): a step began (+ step, limit), its ma_state after. */
#define KM_TRACE_STEP 0xffffff00u
#define KM_TRACE_NODE 0xffffff10u
#define KM_TRACE_MIN 0xffffff11u
#define KM_TRACE_MAX 0xffffff12u
#define KM_TRACE_OFFSET 0xffffff13u
#define KM_TRACE_INDEX 0xffffff14u
#define KM_TRACE_LAST 0xffffff15u
#define KM_TRACE_PARENT 0xffffff16u

static void km_cursor_out(struct ma_state *mas, unsigned long *out)
{
	out[0] = mas->index;
	out[1] = mas->last;
}

int rt_is_node(const void *p);

/*
 * Whether a node bound the step left in the ma_state is a word of an RCU callback's head:
 * a node queued by call_rcu has its rcu_head over pivots[0] and pivots[1] (next: another
 * queued head, that is a node's address + 4; func: mt_free_rcu or mt_free_walk), written at
 * once, before the grace period. mas_next_node and mas_prev_node read the parent's pivot
 * after checking that parent is alive (kernel-known.ts: pivot-after-dead-check): a parent
 * that dies and is queued in between hands them such a word as mas->max or mas->min - 1.
 * Keys never look like either (nodes live far above any stress keyspace).
 * Only a `next` word whose parent was queued during the step counts (km_rcu_head_word).
 */
unsigned int rt_rcu_seq_now(void);
unsigned int rt_rcu_queued_seq(const void *p);

/*
 * Dated: the head whose `next` is b belongs to the node queued right after node b - 4 (one
 * writer pushes the queue), so that parent was queued, dead, after the step began only if
 * b - 4's number is at least the count at the start (`since`). A parent queued before the
 * step began was dead before it, which 6.12's check sees and a catalog edit that removes the
 * check does not: that is not this finding. A callback word cannot be dated: not counted.
 */
static int km_rcu_head_word(unsigned long b, unsigned int since)
{
	unsigned int queued;

	if (b <= 4096 + 4 || !rt_is_node((void *)(b - 4)))
		return 0;
	queued = rt_rcu_queued_seq((void *)(b - 4));
	return queued != 0 && queued >= since;
}

/*
 * The ascent path of a step: the cursor's node and up to three ancestors, found through
 * their parent words at the step's start, each with the word read then.
 */
#define KM_ASCENT 4
struct km_ascent {
	struct maple_node *node[KM_ASCENT];
	unsigned long word[KM_ASCENT];
	unsigned int n;
};

static void km_ascent_read(struct ma_state *mas, struct km_ascent *a)
{
	struct maple_node *n = mte_to_node(mas->node);

	for (a->n = 0; a->n < KM_ASCENT;) {
		unsigned long word = (unsigned long)n->parent;

		a->node[a->n] = n;
		a->word[a->n++] = word;
		if (word == (unsigned long)n || (word & MA_ROOT_PARENT) || !rt_is_node((void *)(word & ~MAPLE_NODE_MASK)))
			break;
		n = (struct maple_node *)(word & ~MAPLE_NODE_MASK);
	}
}

/*
 * Whether a parent word names a live holder that has the node in another slot than the
 * word says: what mas_ascend cannot detect (kernel-known.ts: parent-slot-before-adopt).
 * A dead node, a root, a dead holder or a holder without the node (an old node already
 * replaced: a consistent old view) is not that.
 */
static int km_provisional_slot(struct maple_tree *mt, struct maple_node *n, unsigned long word)
{
	enum maple_type type = mt_is_alloc(mt) ? maple_arange_64 : maple_range_64;
	struct maple_node *holder = (struct maple_node *)(word & ~MAPLE_NODE_MASK);
	unsigned int named, i;
	void __rcu **slots;

	if (word == (unsigned long)n || (word & MA_ROOT_PARENT) || !rt_is_node(holder) || ma_dead_node(holder))
		return 0;
	named = (word & MAPLE_PARENT_16B_SLOT_MASK) >> mte_parent_shift(word);
	slots = ma_slots(holder, type);
	for (i = 0; i < mt_slots[type]; i++)
		if (slots[i] && mte_to_node(slots[i]) == n)
			return i != named;
	return 0;
}

/* Whether a node of the path was already dead at the step's start: 6.12's own checks see
 * that, so what follows from it is not one of the findings the flags name. */
static int km_ascent_had_dead(const struct km_ascent *a)
{
	unsigned int i;

	for (i = 0; i < a->n; i++)
		if (a->word[i] == (unsigned long)a->node[i])
			return 1;
	return 0;
}

/*
 * The other way to date a bound b: a node of the start path above the cursor's node (the
 * parent a one-level mas_next_node/mas_prev_node reads) that was queued by call_rcu during
 * the step and whose rcu_head (the words after its parent word) holds b. This dates the
 * callback word too. A pivot read from a node below the path (a descent of several levels)
 * is not dated this way: not counted.
 */
static int km_rcu_head_of_path(const struct km_ascent *a, unsigned long b, unsigned int since)
{
	unsigned int i, queued;

	for (i = 1; i < a->n; i++) {
		const unsigned long *w = (const unsigned long *)a->node[i];

		if (w[1] != b && w[2] != b)
			continue;
		queued = rt_rcu_queued_seq(a->node[i]);
		if (queued != 0 && queued > since)
			return 1;
	}
	return 0;
}

unsigned int rt_trace_count(void);
unsigned int rt_trace_address(unsigned int i);

/*
 * The third way to date a bound b, for a step with no path at its start (a first step) or a
 * parent reached during the step: a node the step dereferenced (the walk trace's records since
 * `from`) whose rcu_head holds b (its `next` or its callback, which no `next` word dates) and
 * which was queued by call_rcu during the step. Seen on `spanning`: a first mas_find_rev whose
 * mas_prev_node took min = callback + 1 = 2 from the parent it had just read.
 */
static int km_rcu_head_of_read_nodes(unsigned int from, unsigned long b, unsigned int since)
{
	unsigned int i, to = rt_trace_count(), queued;
	const unsigned long *last = NULL;

	for (i = from; i < to; i++) {
		const unsigned long *w = (const unsigned long *)(unsigned long)(rt_trace_address(i) & ~MAPLE_NODE_MASK);

		/* A step reads several slots of one node in a row: look at each node once per run. */
		if (w == last)
			continue;
		last = w;
		if (!rt_is_node(w) || (w[1] != b && w[2] != b))
			continue;
		queued = rt_rcu_queued_seq(w);
		if (queued != 0 && queued > since)
			return 1;
	}
	return 0;
}

/* For tests: the predicate above over this section's trace from its start. */
KM_CONFORM_EXPORT(km_test_rcu_head_bound) int km_test_rcu_head_bound(unsigned long b, unsigned int since)
{
	return km_rcu_head_of_read_nodes(0, b, since);
}

/* For tests: the runtime's call_rcu count now (a step's `since`). */
KM_CONFORM_EXPORT(km_test_rcu_seq_now) unsigned int km_test_rcu_seq_now(void)
{
	return rt_rcu_seq_now();
}

/* A node of the path whose word, at the start or now, names its holder with a wrong slot,
 * or named the same holder with another slot at the start (a fix that happened during the step). */
static int km_ascent_in_flux(struct maple_tree *mt, const struct km_ascent *a)
{
	unsigned int i;

	for (i = 0; i < a->n; i++) {
		unsigned long now = (unsigned long)a->node[i]->parent;

		if (km_provisional_slot(mt, a->node[i], a->word[i]) || km_provisional_slot(mt, a->node[i], now))
			return 1;
		if (now != a->word[i] && (now & ~MAPLE_NODE_MASK) == (a->word[i] & ~MAPLE_NODE_MASK) &&
		    !(now & MA_ROOT_PARENT) && !(a->word[i] & MA_ROOT_PARENT))
			return 1;
	}
	return 0;
}

/* For tests: whether the ascent path from enode is in flux now (as a step would see it). */
KM_CONFORM_EXPORT(km_ascent_check) int km_ascent_check(struct maple_tree *mt, struct maple_enode *enode)
{
	MA_STATE(mas, mt, 0, 0);
	struct km_ascent a;

	mas.node = enode;
	km_ascent_read(&mas, &a);
	return km_ascent_in_flux(mt, &a);
}

/*
 * For tests of the runtime's dead-slot check (rt.c): a call that reads slot mas->offset of
 * mas->node with no dead check (what a catalog edit that drops one does), then, with
 * then_root, the tree's root word (what a re-walk reads first).
 */
KM_CONFORM_EXPORT(km_test_read_slot) void *km_test_read_slot(struct ma_state *mas, int then_root)
{
	struct maple_node *node = mte_to_node(mas->node);
	void *entry;

	rcu_read_lock();
	entry = mas_slot(mas, ma_slots(node, mte_node_type(mas->node)), mas->offset);
	if (then_root)
		mas_root(mas);
	rcu_read_unlock();
	return entry;
}

/*
 * The nodes whose words the step dereferenced (the walk trace's records since `from`): does
 * one of them, now, name its live holder with a wrong slot? That covers the ascents inside a
 * step (a first step has no path at its start), once the window is still open at its end.
 */
static int km_read_nodes_in_flux(struct maple_tree *mt, unsigned int from)
{
	unsigned int i, to = rt_trace_count();
	struct maple_node *last = NULL;

	for (i = from; i < to; i++) {
		struct maple_node *n = (struct maple_node *)(unsigned long)(rt_trace_address(i) & ~MAPLE_NODE_MASK);

		/* A step reads several slots of one node in a row: check each node once per run. */
		if (n == last)
			continue;
		last = n;
		if (rt_is_node(n) && km_provisional_slot(mt, n, (unsigned long)n->parent))
			return 1;
	}
	return 0;
}

void rt_descent_begin(const void *mas, int dir);
int rt_descent_end(void);

/* A node bound b of a step dated to it, any of the three ways above. */
static int km_rcu_head_bound(const struct km_ascent *a, unsigned int traced, unsigned long b, unsigned int since)
{
	return km_rcu_head_word(b, since) || km_rcu_head_of_path(a, b, since) ||
	       km_rcu_head_of_read_nodes(traced, b, since);
}

/* step: 0 mas_find, 1 mas_find_rev, 2 mas_next, 3 mas_prev; limit is max or min.
 * out: {index, last, flags}: bit 0, the state's node bounds hold an RCU callback head's word
 * (pivot-after-dead-check); bit 1, the ascent path's parent words were in flux, bit 2, the
 * cursor came back to a live node it went down through at another slot than the next (rt.c:
 * rt_descent_*; both parent-slot-before-adopt); bits 0 and 1 not when a node of the path was dead
 * at the start. */
KM_CONFORM_EXPORT(km_cursor_step) void *km_cursor_step(struct ma_state *mas, unsigned int step,
		unsigned long limit, unsigned long *out)
{
	void rt_trace_mark(unsigned int tag, unsigned long value);
	struct km_ascent ascent = { .n = 0 };
	void *entry = NULL;
	unsigned int i;

	unsigned int traced, since;
	int contradicted;

	rcu_read_lock();
	rt_trace_mark(KM_TRACE_STEP + step, limit);
	traced = rt_trace_count();
	since = rt_rcu_seq_now();
	if (mas->status == ma_active) {
		/* The parent words an ascent from here would read: the node's and its ancestors'. */
		km_ascent_read(mas, &ascent);
		for (i = 0; i < ascent.n; i++)
			rt_trace_mark(KM_TRACE_PARENT, ascent.word[i]);
	}
	/* Steps 0 and 2 (mas_find, mas_next) go forward, 1 and 3 back. */
	rt_descent_begin(mas, (step & 1) ? -1 : 1);
	switch (step) {
	case 0:
		entry = mas_find(mas, limit);
		break;
	case 1:
		entry = mas_find_rev(mas, limit);
		break;
	case 2:
		entry = mas_next(mas, limit);
		break;
	case 3:
		entry = mas_prev(mas, limit);
		break;
	}
	contradicted = rt_descent_end();
	km_cursor_out(mas, out);
	/* A dead node on the start path vetoes the path-based evidence (6.12 re-walks from it), not
	 * the descent check: that one holds for what the cursor read since its own last root read. */
	out[2] = contradicted << 2 | (km_ascent_had_dead(&ascent) ? 0 :
		 /* Forward, mas_next_node takes max from the parent's pivot; back, mas_prev_node takes min. */
		 (mas->status == ma_active &&
		  ((step & 1) ? km_rcu_head_bound(&ascent, traced, mas->min - 1, since)
			      : km_rcu_head_bound(&ascent, traced, mas->max, since))) |
		 (km_ascent_in_flux(mas->tree, &ascent) || km_read_nodes_in_flux(mas->tree, traced)) << 1);
	/* The state the next step starts from, for the walk trace. */
	rt_trace_mark(KM_TRACE_NODE, (unsigned long)mas->node);
	rt_trace_mark(KM_TRACE_MIN, mas->min);
	rt_trace_mark(KM_TRACE_MAX, mas->max);
	rt_trace_mark(KM_TRACE_OFFSET, mas->offset | (unsigned long)mas->end << 8 | (unsigned long)mas->status << 16);
	rt_trace_mark(KM_TRACE_INDEX, mas->index);
	rt_trace_mark(KM_TRACE_LAST, mas->last);
	rcu_read_unlock();
	return entry;
}

KM_CONFORM_EXPORT(km_cursor_pause) void km_cursor_pause(struct ma_state *mas)
{
	mas_pause(mas);
}

/*
 * mas_empty_area (rev 0) or mas_empty_area_rev (rev 1) from a fresh state: 0 with the window in
 * out[0], out[1], or the negative errno.
 */
KM_CONFORM_EXPORT(km_empty_area) int km_empty_area(struct maple_tree *mt, unsigned long min,
		unsigned long max, unsigned long size, int rev, unsigned long *out)
{
	MA_STATE(mas, mt, 0, 0);
	int ret;

	rcu_read_lock();
	ret = rev ? mas_empty_area_rev(&mas, min, max, size) : mas_empty_area(&mas, min, max, size);
	km_cursor_out(&mas, out);
	rcu_read_unlock();
	return ret;
}

/*
 * The same search holding the tree's lock, as the kernel's callers do (unmapped_area under
 * mmap_lock): the search descends only under the lock. What concurrent readers run.
 */
KM_CONFORM_EXPORT(km_empty_area_locked) int km_empty_area_locked(struct maple_tree *mt,
		unsigned long min, unsigned long max, unsigned long size, int rev, unsigned long *out)
{
	int ret;

	mtree_lock(mt);
	ret = km_empty_area(mt, min, max, size, rev, out);
	mtree_unlock(mt);
	return ret;
}

/* mtree_alloc_range (rev 0) or mtree_alloc_rrange (rev 1): 0 with the start in out[0], or -errno. */
KM_CONFORM_EXPORT(km_alloc_range) int km_alloc_range(struct maple_tree *mt, unsigned long size,
		void *entry, unsigned long min, unsigned long max, int rev, unsigned long *out)
{
	unsigned long start = 0;
	int ret = rev ? mtree_alloc_rrange(mt, &start, entry, size, min, max, GFP_KERNEL)
		      : mtree_alloc_range(mt, &start, entry, size, min, max, GFP_KERNEL);

	out[0] = start;
	return ret;
}
