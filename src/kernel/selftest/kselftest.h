/*
 * maple-torture's stand-ins for the further kernel headers the kernel's test
 * module (lib/test_maple_tree.c) includes: linux/module.h and linux/rwsem.h.
 * The project's own code (MIT), no kernel code; used only by the self-check
 * build (src/kernel/selftest/).
 */
#ifndef MAPLE_TORTURE_KSELFTEST_H
#define MAPLE_TORTURE_KSELFTEST_H
#include <kshim.h>

/* module_init records the init function for km_selftest (selftest.c). */
extern int (*rt_module_init_fn)(void);
#define module_init(fn) \
	int (*rt_module_init_fn)(void) = fn
#define module_exit(fn) \
	static __attribute__((__unused__)) void (*rt_module_exit_fn)(void) = fn
#define MODULE_AUTHOR(x)
#define MODULE_DESCRIPTION(x)
#define MODULE_LICENSE(x)

/* One thread runs the module: a read-write semaphore is a flag. */
struct rw_semaphore { int count; };
#define init_rwsem(s) ((s)->count = 0)
#define down_write(s) ((s)->count = -1)
#define down_write_nested(s, n) down_write(s)
#define up_write(s) ((s)->count = 0)
#define down_read(s) ((s)->count++)
#define up_read(s) ((s)->count--)
#define SINGLE_DEPTH_NESTING 1

/* Between tests: a chance for the queued call_rcu callbacks to run. */
void rt_cond_resched(void);
#define cond_resched() rt_cond_resched()

#endif /* MAPLE_TORTURE_KSELFTEST_H */
