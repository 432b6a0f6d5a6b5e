/*
 * Thin exported wrappers the host calls around the kernel's maple tree API.
 * The project's own code (MIT).  Names follow the kernel's with a `km_` prefix.
 * Results that are more than one word go through an `out` array in memory.
 */
#include "kshim.h"
#include <linux/maple_tree.h>

#define EXPORT(name) __attribute__((export_name(#name)))

void maple_tree_init(void);
static int km_initialised;

/* Once per memory (the first instance): create the node cache. */
EXPORT(km_init) void km_init(void)
{
	if (__atomic_exchange_n(&km_initialised, 1, __ATOMIC_SEQ_CST))
		return;
	maple_tree_init();
}

void *rt_alloc(unsigned long size, unsigned long align);

EXPORT(km_mtree_new) struct maple_tree *km_mtree_new(unsigned int flags)
{
	void rt_note_root(void *const *root);
	struct maple_tree *mt = rt_alloc(sizeof(*mt), 64);
	if (mt) {
		mt_init_flags(mt, flags);
		rt_note_root((void *const *)&mt->ma_root);
	}
	return mt;
}
EXPORT(km_sizeof_maple_node) unsigned int km_sizeof_maple_node(void) { return sizeof(struct maple_node); }
EXPORT(km_range_slots) unsigned int km_range_slots(void) { return MAPLE_RANGE64_SLOTS; }
EXPORT(km_arange_slots) unsigned int km_arange_slots(void) { return MAPLE_ARANGE64_SLOTS; }

EXPORT(km_mtree_store_range) int km_mtree_store_range(struct maple_tree *mt,
		unsigned long first, unsigned long last, void *entry)
{
	return mtree_store_range(mt, first, last, entry, GFP_KERNEL);
}
EXPORT(km_mtree_insert_range) int km_mtree_insert_range(struct maple_tree *mt,
		unsigned long first, unsigned long last, void *entry)
{
	return mtree_insert_range(mt, first, last, entry, GFP_KERNEL);
}
EXPORT(km_mtree_load) void *km_mtree_load(struct maple_tree *mt, unsigned long index)
{
	return mtree_load(mt, index);
}
EXPORT(km_mtree_erase) void *km_mtree_erase(struct maple_tree *mt, unsigned long index)
{
	return mtree_erase(mt, index);
}
/* mas_erase under the tree's lock: returns the entry, out = {first, last} of the range erased. */
EXPORT(km_mas_erase) void *km_mas_erase(struct maple_tree *mt, unsigned long index,
		unsigned long *out)
{
	MA_STATE(mas, mt, index, index);
	void *entry;
	mtree_lock(mt);
	entry = mas_erase(&mas);
	out[0] = mas.index;
	out[1] = mas.last;
	mtree_unlock(mt);
	return entry;
}
EXPORT(km_mtree_destroy) void km_mtree_destroy(struct maple_tree *mt)
{
	mtree_destroy(mt);
}
EXPORT(km_mt_set_in_rcu) void km_mt_set_in_rcu(struct maple_tree *mt, int on)
{
	if (on)
		mt_set_in_rcu(mt);
	else
		mt_clear_in_rcu(mt);
}
EXPORT(km_mt_height) unsigned int km_mt_height(struct maple_tree *mt)
{
	return (mt->ma_flags & MT_FLAGS_HEIGHT_MASK) >> MT_FLAGS_HEIGHT_OFFSET;
}

/* The range holding `index` (NULL ranges included): out = {first, last}. */
EXPORT(km_mas_walk) void *km_mas_walk(struct maple_tree *mt, unsigned long index,
		unsigned long *out)
{
	MA_STATE(mas, mt, index, index);
	void *entry;
	rcu_read_lock();
	entry = mas_walk(&mas);
	out[0] = mas.index;
	out[1] = mas.last;
	rcu_read_unlock();
	return entry;
}

/*
 * Cursor walk: the entries from `index` to `max` in order, at most `cap`
 * of them, as {first, last, entry} triples in `out`; returns how many.
 */
EXPORT(km_mas_find_all) unsigned int km_mas_find_all(struct maple_tree *mt,
		unsigned long index, unsigned long max, unsigned long *out, unsigned int cap)
{
	MA_STATE(mas, mt, index, index);
	unsigned int n = 0;
	void *entry;
	rcu_read_lock();
	while (n < cap && (entry = mas_find(&mas, max)) != NULL) {
		out[3 * n] = mas.index;
		out[3 * n + 1] = mas.last;
		out[3 * n + 2] = (unsigned long)entry;
		n++;
	}
	rcu_read_unlock();
	return n;
}

#ifdef CONFIG_DEBUG_MAPLE_TREE /* not in the benchmark flavour */
/* The kernel's mt_validate; returns how many of its checks failed. */
extern atomic_t maple_tree_tests_run, maple_tree_tests_passed;
EXPORT(km_mt_validate) unsigned int km_mt_validate(struct maple_tree *mt)
{
	extern void *rt_counters_ptr(void);
	unsigned int *ctr = rt_counters_ptr();
	unsigned int run = atomic_read(&maple_tree_tests_run);
	unsigned int passed = atomic_read(&maple_tree_tests_passed);
	unsigned int warns = ctr[5], dumps = ctr[6];
	rcu_read_lock();
	mt_validate(mt);
	rcu_read_unlock();
	/* A failed MT_BUG_ON counts a run without a pass and dumps the stack;
	 * MAS_WARN_ON only dumps the stack: count whichever saw more. */
	unsigned int failed = (atomic_read(&maple_tree_tests_run) - run) -
		(atomic_read(&maple_tree_tests_passed) - passed);
	unsigned int dumped = ctr[6] - dumps;
	return (failed > dumped ? failed : dumped) + (ctr[5] - warns);
}
EXPORT(km_mt_dump) void km_mt_dump(struct maple_tree *mt)
{
#ifdef KM_MT_DUMP_FORMAT
	mt_dump(mt, mt_dump_hex);
#else
	mt_dump(mt);
#endif
}
#endif
