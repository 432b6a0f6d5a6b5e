/*
 * maple-torture's driver for the kernel's own test module (lib/test_maple_tree.c),
 * linked only into the self-check build.  The project's own code (MIT).
 */
#include "kshim.h"
#include <linux/maple_tree.h>

#define EXPORT(name) __attribute__((export_name(#name)))

extern int (*rt_module_init_fn)(void);
extern atomic_t maple_tree_tests_run, maple_tree_tests_passed;

/* Run the module's init; out = {passed, run}; returns what the init returned. */
EXPORT(km_selftest) int km_selftest(unsigned int *out)
{
	int ret = rt_module_init_fn ? rt_module_init_fn() : -ENOENT;
	out[0] = (unsigned int)atomic_read(&maple_tree_tests_passed);
	out[1] = (unsigned int)atomic_read(&maple_tree_tests_run);
	return ret;
}

/* One thread: a grace period whenever callbacks are queued (no reader can be inside). */
unsigned int rt_rcu_run_callbacks(void);
void rt_cond_resched(void)
{
	rt_rcu_run_callbacks();
}
