/*
 * maple-torture's C runtime for the kernel's lib/maple_tree.c built to wasm32.
 * The project's own code (MIT), no kernel code.
 *
 * - memory: a bump heap above __heap_base (the linker puts the stack first,
 *   so nothing handed out lies below 4096) growing the shared memory on demand;
 * - slab: kmem_cache_* with the bulk calls, every object 256-byte aligned and
 *   zeroed on allocation, poisoned on free, with exact accounting;
 * - RCU: per-thread reader nesting in shared memory, call_rcu queueing, and
 *   grace periods the host drives (rt_rcu_run_callbacks);
 * - printk into a shared log the host reads, WARN counted, BUG recorded then trapped;
 * - barriers, rcu_assign_pointer and rcu_dereference as counted calls.
 */
#include "kshim.h"

#define EXPORT(name) __attribute__((export_name(#name)))
#define RT_MAX_THREADS 64
#define RT_NODE_SIZE 256u
/* The replica's free-path poison (src/shared-heap/reclaim.ts), so the reader's checks apply unchanged. */
#define RT_POISON 0xdead4eadu
#define RT_LOG_SIZE 65536u

extern unsigned char __heap_base;

#ifdef RT_SIM
/*
 * The simulator's flavour (buildKernel({ sim: true }), run through binaryen's
 * instrument-memory pass): the ordering primitives are calls into the host's
 * weak-memory simulator (src/kernel/sim/), which sees every plain load and store
 * through the pass's hooks but cannot tell a barrier from a load. The host also
 * learns which memory is simulated: the node cache's chunks and the trees' root
 * words.
 */
#define RT_SIM_IMPORT(name) __attribute__((import_module("sim"), import_name(#name)))
RT_SIM_IMPORT(mb) void rt_sim_mb(void);
RT_SIM_IMPORT(wmb) void rt_sim_wmb(void);
RT_SIM_IMPORT(rmb) void rt_sim_rmb(void);
/* rcu_dereference: the load and its address dependency. */
RT_SIM_IMPORT(deref) void *rt_sim_deref(void *const *p);
/* rcu_assign_pointer: a release store, made in memory by the host too. */
RT_SIM_IMPORT(publish) void rt_sim_publish(void **p, void *v);
/* A new chunk of `count` objects of `size` bytes of the tree's node cache, each
 * beginning with a node of `node_size` bytes (the rest is the slab's own words). */
RT_SIM_IMPORT(node_chunk) void rt_sim_node_chunk(void *chunk, unsigned int size, unsigned int node_size, unsigned int count);
/* A tree's root word. */
RT_SIM_IMPORT(root) void rt_sim_root(void *const *root);
/* synchronize_rcu begins: a full barrier, and what precedes it is seen by later sections. */
RT_SIM_IMPORT(grace_period) void rt_sim_grace_period(void);
#endif

/* ---- string functions --------------------------------------------- */
#ifdef RT_SIM
/*
 * The simulator's flavour: every byte these move must be a load or a store the
 * instrument-memory pass wraps (memory.copy and memory.fill are not; the build
 * has no bulk-memory-opt, so the compiler's own copies call these too). Word at
 * a time when both ends are word aligned, so a node's words stay word accesses.
 */
void *memcpy(void *d, const void *s, size_t n)
{
	unsigned char *dc = d;
	const unsigned char *sc = s;
	if ((((unsigned long)dc | (unsigned long)sc) & 3) == 0) {
		for (; n >= 4; n -= 4, dc += 4, sc += 4)
			*(volatile unsigned int *)dc = *(const volatile unsigned int *)sc;
	}
	for (; n; n--)
		*(volatile unsigned char *)dc++ = *(const volatile unsigned char *)sc++;
	return d;
}
void *memmove(void *d, const void *s, size_t n)
{
	unsigned char *dc = d;
	const unsigned char *sc = s;
	if (dc <= sc || dc >= sc + n)
		return memcpy(d, s, n);
	while (n--)
		((volatile unsigned char *)dc)[n] = ((const volatile unsigned char *)sc)[n];
	return d;
}
void *memset(void *d, int c, size_t n)
{
	unsigned char *dc = d;
	unsigned int w = (unsigned char)c * 0x01010101u;
	if (((unsigned long)dc & 3) == 0) {
		for (; n >= 4; n -= 4, dc += 4)
			*(volatile unsigned int *)dc = w;
	}
	for (; n; n--)
		*(volatile unsigned char *)dc++ = (unsigned char)c;
	return d;
}
#else
void *memcpy(void *d, const void *s, size_t n) { __builtin_memcpy(d, s, n); return d; }
void *memmove(void *d, const void *s, size_t n) { __builtin_memmove(d, s, n); return d; }
void *memset(void *d, int c, size_t n) { __builtin_memset(d, c, n); return d; }
#endif
int memcmp(const void *a, const void *b, size_t n)
{
	const unsigned char *x = a, *y = b;
	for (size_t i = 0; i < n; i++)
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	return 0;
}

/* ---- a tiny lock for the runtime's own shared state ---------------- */
static void rt_lock(int *l)
{
	while (__atomic_exchange_n(l, 1, __ATOMIC_ACQUIRE))
		;
}
static void rt_unlock(int *l) { __atomic_store_n(l, 0, __ATOMIC_RELEASE); }

/* ---- counters the host reads (one block, see loader.ts) ------------ */
struct rt_counters {
	unsigned int mb, wmb, rmb, assign, deref;       /* 0..4 */
	unsigned int warns, dump_stacks, bugs;          /* 5..7 */
	unsigned int bug_line;                          /* 8 */
	const char *bug_file;                           /* 9 */
	unsigned int log_len;                           /* 10 */
	unsigned int log_lost;                          /* 11 */
	unsigned int heap_next, heap_end;               /* 12, 13 */
	unsigned int lockdep_splats, lockdep_line;      /* 14, 15 */
	const char *lockdep_file;                       /* 16 */
	unsigned int deaths;                            /* 17: dead nodes freed */
	unsigned int dead_direct_frees;                 /* 18: ... without a grace period */
	unsigned int live_rcu_frees;                    /* 19: not dead, freed by a callback */
	unsigned int policy_node;                       /* 20: the first node of 18 or 19 */
	unsigned int expect_rcu;                        /* 21: the host runs the tree in RCU mode */
	unsigned int wmb_back_to_back;                  /* 22: smp_wmb right after one from another site */
	unsigned int first_node_publishes;              /* 23: a tree's first node published (root word had none) */
	unsigned int publish_pauses_seen;               /* 24: ... after which a reader ran a whole section */
	const char *wmb_first_file;                     /* 25, 26: the first back-to-back pair's sites */
	unsigned int wmb_first_line;
	const char *wmb_then_file;                      /* 27, 28 */
	unsigned int wmb_then_line;
};
static struct rt_counters rt_ctr;
static char rt_log[RT_LOG_SIZE];
static int rt_log_lock;

EXPORT(rt_counters) struct rt_counters *rt_counters_ptr(void) { return &rt_ctr; }
EXPORT(rt_log) char *rt_log_ptr(void) { return rt_log; }
EXPORT(rt_log_clear) void rt_log_clear(void)
{
	rt_lock(&rt_log_lock);
	rt_ctr.log_len = 0;
	rt_ctr.log_lost = 0;
	rt_unlock(&rt_log_lock);
}

/*
 * A write barrier right after another (the barrier cost, judged in
 * src/workers/kernel/kernel-checks.ts). smp_wmb orders the stores before it
 * against the stores after it; one that follows another with no store between
 * them orders nothing more. The runtime sees no plain stores, only its own
 * calls, so it counts an smp_wmb from one call site that follows an smp_wmb from
 * another site with no runtime call in between (rt_saw_access clears the mark).
 * In 6.12 the count is 0 in every execution: its one smp_wmb call site is in
 * mte_set_node_dead, right after a node's dead mark. (Two barriers from that one
 * site may follow each other with no runtime call between, when the tree marks
 * two nodes in a row: mat_add then mas_topiary_node in mas_topiary_replace. Each
 * has its own marking before it, so those are not counted.) A barrier added
 * after a marking's own, as 8372f4d83f96 removed from mte_dead_leaves, is.
 */
static _Thread_local const char *rt_wmb_file;   /* the last smp_wmb's site, 0: a call since */
static _Thread_local int rt_wmb_line;
static inline void rt_saw_access(void) { rt_wmb_file = 0; }

void rt_smp_mb(void)
{
	rt_saw_access();
	__atomic_fetch_add(&rt_ctr.mb, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#ifdef RT_SIM
	rt_sim_mb();
#endif
}
void rt_smp_wmb(const char *file, int line)
{
	if (rt_wmb_file && (rt_wmb_line != line || rt_wmb_file != file) &&
	    __atomic_fetch_add(&rt_ctr.wmb_back_to_back, 1, __ATOMIC_SEQ_CST) == 0) {
		rt_ctr.wmb_first_file = rt_wmb_file;
		rt_ctr.wmb_first_line = (unsigned int)rt_wmb_line;
		rt_ctr.wmb_then_file = file;
		rt_ctr.wmb_then_line = (unsigned int)line;
	}
	rt_wmb_file = file;
	rt_wmb_line = line;
	__atomic_fetch_add(&rt_ctr.wmb, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#ifdef RT_SIM
	rt_sim_wmb();
#endif
}
void rt_smp_rmb(void)
{
	rt_saw_access();
	__atomic_fetch_add(&rt_ctr.rmb, 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
#ifdef RT_SIM
	rt_sim_rmb();
#endif
}
/*
 * Watchdog for single-threaded drivers: when armed with a budget, a call into the tree that makes
 * more RCU dereferences than that (a walk that never ends) BUGs, which the host sees as a trap.
 * 0 = off (the default, and what threaded users keep).
 */
static unsigned int rt_watchdog_left;
int rt_printk(const char *fmt, ...);
__noreturn void rt_bug(const char *file, int line);
EXPORT(rt_watchdog_arm) void rt_watchdog_arm(unsigned int budget) { rt_watchdog_left = budget; }

static _Thread_local int rt_tracking;
static void rt_track(void *v, int enode);
static int rt_is_enode(unsigned long e);
static unsigned long rt_slot_holder(void *const *p);
static void rt_dead_slot_note(void *const *p, void *v, unsigned long holder);
static void rt_descent_note(void *const *p, unsigned long holder, int enode);
static void rt_descent_reset(void);
static void rt_root_read(void *const *p, void *v);

/*
 * The walk trace: with tracking on, the last RT_TRACE_MAX (4096) records of the current
 * read-side section: each dereference (the word's address and the value read; the
 * first RT_TRACE_PER_STEP of each step, then a count of those left out), and marks the host's
 * wrappers add (a step's ma_state after it). A reader that returned a wrong result
 * prints it: which nodes and slots the kernel's walk went through. Two stores per
 * dereference; reset at each outermost rcu_read_lock.
 */
#define RT_TRACE_MAX 4096
/* Dereferences kept per step: a re-walk loop keeps its first turns, not the whole ring. */
#define RT_TRACE_PER_STEP 96
#define RT_TRACE_STEP_TAG 0xffffff00u
#define RT_TRACE_SKIPPED_TAG 0xfffffff0u
struct rt_trace_rec { unsigned int at, value; };
static _Thread_local struct rt_trace_rec rt_trace[RT_TRACE_MAX];
static _Thread_local unsigned int rt_trace_n, rt_trace_in_step, rt_trace_skipped;
static void rt_trace_put(unsigned int at, unsigned int value)
{
	struct rt_trace_rec *r = &rt_trace[rt_trace_n++ & (RT_TRACE_MAX - 1)];
	r->at = at;
	r->value = value;
}
void rt_trace_mark(unsigned int tag, unsigned long value)
{
	if (!rt_tracking)
		return;
	if (rt_trace_skipped) {
		rt_trace_put(RT_TRACE_SKIPPED_TAG, rt_trace_skipped);
		rt_trace_skipped = 0;
	}
	if (tag >= RT_TRACE_STEP_TAG && tag < RT_TRACE_STEP_TAG + 4)
		rt_trace_in_step = 0;
	rt_trace_put(tag, (unsigned int)value);
}
static void rt_trace_deref(void *const *p, void *v)
{
	if (++rt_trace_in_step > RT_TRACE_PER_STEP) {
		rt_trace_skipped++;
		return;
	}
	/* Bit 0: the word's node was dead (its parent points at itself) when read. */
	unsigned long node = (unsigned long)p & ~(unsigned long)(RT_NODE_SIZE - 1);
	rt_trace_put((unsigned int)(unsigned long)p | (*(unsigned long *)node == node), (unsigned int)(unsigned long)v);
}
/* For inner/conform.c: how many records this section has made, and record i's address (0 when
 * it is no longer kept, or is a mark). */
unsigned int rt_trace_count(void) { return rt_tracking ? rt_trace_n : 0; }
unsigned int rt_trace_address(unsigned int i)
{
	if (i >= rt_trace_n || rt_trace_n - i > RT_TRACE_MAX)
		return 0;
	unsigned int at = rt_trace[i & (RT_TRACE_MAX - 1)].at;
	return at >= RT_TRACE_STEP_TAG ? 0 : at & ~3u;
}

/* Copies the trace, oldest first, into out as {at, value} pairs; returns how many records were made. */
EXPORT(rt_trace_copy) unsigned int rt_trace_copy(unsigned int *out, unsigned int cap)
{
	unsigned int n = rt_trace_n, kept = n < RT_TRACE_MAX ? n : RT_TRACE_MAX;
	if (kept > cap)
		kept = cap;
	for (unsigned int i = 0; i < kept; i++) {
		struct rt_trace_rec *r = &rt_trace[(n - kept + i) & (RT_TRACE_MAX - 1)];
		out[2 * i] = r->at;
		out[2 * i + 1] = r->value;
	}
	return n;
}

void *rt_rcu_dereference(void *const *p)
{
	/* A slot of the NULL node: the kernel dereferenced a NULL node pointer (a
	 * real kernel oopses here; in wasm address 0 is readable, so say it). */
	if ((unsigned long)p < RT_NODE_SIZE) {
		printk("rcu_dereference of %p: a slot of the NULL node (a NULL pointer dereference)\n", p);
		rt_bug(__FILE__, __LINE__);
	}
	rt_saw_access();
	__atomic_fetch_add(&rt_ctr.deref, 1, __ATOMIC_RELAXED);
	if (rt_watchdog_left && --rt_watchdog_left == 0) {
		printk("watchdog: too many rcu_dereference calls in one call (a walk that does not end)\n");
		rt_bug(__FILE__, __LINE__);
	}
#ifdef RT_SIM
	void *v = rt_sim_deref(p);
#else
	void *v = __atomic_load_n((void **)p, __ATOMIC_SEQ_CST);
#endif
	if (rt_tracking) {
		rt_trace_deref(p, v);
		/* Classified once per dereference: the node the slot lies in (0: a root word), and
		 * whether the value is a node. */
		unsigned long holder = rt_slot_holder(p);
		int enode = rt_is_enode((unsigned long)v);
		rt_dead_slot_note(p, v, holder);
		rt_descent_note(p, holder, enode);
		rt_track(v, enode);
		rt_root_read(p, v);
	}
	return v;
}
void km_parent_audit(void **p, void *v);
static void rt_publish_pause(void *const *p, void *old, void *v);
void rt_rcu_assign_pointer(void **p, void *v)
{
	rt_saw_access();
	__atomic_fetch_add(&rt_ctr.assign, 1, __ATOMIC_RELAXED);
#ifdef RT_SIM
	/* The writer's own load sees its own stores; the host makes the store. */
	void *old = *(void *volatile *)p;
	rt_sim_publish(p, v);
#else
	void *old = __atomic_exchange_n(p, v, __ATOMIC_SEQ_CST);
#endif
	km_parent_audit(p, v); /* src/kernel/inner/parents.c, off unless the host turns it on */
	rt_publish_pause((void *const *)p, old, v);
}

/* ---- printk ---------------------------------------------------------- */
struct rt_out { char *buf; unsigned int len, cap; };
static void out_c(struct rt_out *o, char c)
{
	if (o->len < o->cap)
		o->buf[o->len] = c;
	o->len++;
}
static void out_s(struct rt_out *o, const char *s)
{
	if (!s)
		s = "(null)";
	while (*s)
		out_c(o, *s++);
}
static void out_num(struct rt_out *o, unsigned long long v, unsigned base, int neg,
		int width, char pad, int upper)
{
	char tmp[24];
	int n = 0;
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	do {
		tmp[n++] = dig[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	for (int i = n; i < width; i++)
		out_c(o, pad);
	while (n)
		out_c(o, tmp[--n]);
}
static void rt_vformat(struct rt_out *o, const char *f, __builtin_va_list ap)
{
	for (; *f; f++) {
		if (*f != '%') {
			out_c(o, *f);
			continue;
		}
		f++;
		char pad = ' ';
		int width = 0, lng = 0, prec = -1;
		while (*f == '0' || *f == '-' || *f == '+' || *f == ' ' || *f == '#') {
			if (*f == '0')
				pad = '0';
			f++;
		}
		if (*f == '*') {
			width = __builtin_va_arg(ap, int);
			f++;
		}
		while (*f >= '0' && *f <= '9')
			width = width * 10 + (*f++ - '0');
		if (*f == '.') { /* precision: honoured for %s (mt_dump indents with "%.*s") */
			f++;
			prec = 0;
			if (*f == '*') {
				prec = __builtin_va_arg(ap, int);
				f++;
			}
			while (*f >= '0' && *f <= '9')
				prec = prec * 10 + (*f++ - '0');
		}
		while (*f == 'l' || *f == 'z' || *f == 'h') {
			if (*f == 'l')
				lng++;
			f++;
		}
		switch (*f) {
		case 'd': case 'i': {
			long long v = lng >= 2 ? __builtin_va_arg(ap, long long)
				: (long long)__builtin_va_arg(ap, int);
			out_num(o, v < 0 ? -(unsigned long long)v : (unsigned long long)v,
				10, v < 0, width, pad, 0);
			break;
		}
		case 'u': case 'x': case 'X': {
			unsigned long long v = lng >= 2 ? __builtin_va_arg(ap, unsigned long long)
				: __builtin_va_arg(ap, unsigned int);
			out_num(o, v, *f == 'u' ? 10 : 16, 0, width, pad, *f == 'X');
			break;
		}
		case 'p':
			out_s(o, "0x");
			out_num(o, (unsigned long)__builtin_va_arg(ap, void *), 16, 0, 0, ' ', 0);
			while (f[1] >= 'a' && f[1] <= 'z') /* %px, %pS, ... */
				f++;
			break;
		case 's': {
			const char *str = __builtin_va_arg(ap, const char *);
			if (prec < 0 || !str) {
				out_s(o, str);
			} else {
				for (int i = 0; i < prec && str[i]; i++)
					out_c(o, str[i]);
			}
			break;
		}
		case 'c':
			out_c(o, (char)__builtin_va_arg(ap, int));
			break;
		case '%':
			out_c(o, '%');
			break;
		case 0:
			return;
		default:
			out_c(o, '%');
			out_c(o, *f);
		}
	}
}
int rt_printk(const char *fmt, ...)
{
	char line[512];
	struct rt_out o = { line, 0, sizeof(line) };
	__builtin_va_list ap;
	__builtin_va_start(ap, fmt);
	rt_vformat(&o, fmt, ap);
	__builtin_va_end(ap);
	unsigned int n = o.len < o.cap ? o.len : o.cap;
	rt_lock(&rt_log_lock);
	if (rt_ctr.log_len + n <= RT_LOG_SIZE) {
		memcpy(rt_log + rt_ctr.log_len, line, n);
		rt_ctr.log_len += n;
	} else {
		rt_ctr.log_lost += n;
	}
	rt_unlock(&rt_log_lock);
	return (int)n;
}
void rt_dump_stack(void) { __atomic_fetch_add(&rt_ctr.dump_stacks, 1, __ATOMIC_SEQ_CST); }
void rt_warn(const char *file, int line)
{
	__atomic_fetch_add(&rt_ctr.warns, 1, __ATOMIC_SEQ_CST);
	rt_printk("WARNING at %s:%d\n", file, line);
}
__noreturn void rt_bug(const char *file, int line)
{
	__atomic_fetch_add(&rt_ctr.bugs, 1, __ATOMIC_SEQ_CST);
	rt_ctr.bug_file = file;
	rt_ctr.bug_line = (unsigned int)line;
	rt_printk("kernel BUG at %s:%d!\n", file, line);
	__builtin_trap();
}

/* ---- heap -------------------------------------------------------------- */
static int rt_heap_lock;
static unsigned long rt_heap_next, rt_heap_end;

/* Hand out `size` bytes aligned to `align` (a power of two); never freed. */
EXPORT(rt_alloc) void *rt_alloc(unsigned long size, unsigned long align)
{
	rt_lock(&rt_heap_lock);
	if (!rt_heap_next) {
		rt_heap_next = ((unsigned long)&__heap_base + RT_NODE_SIZE - 1) & ~(unsigned long)(RT_NODE_SIZE - 1);
		rt_heap_end = __builtin_wasm_memory_size(0) * 65536ul;
	}
	unsigned long p = (rt_heap_next + align - 1) & ~(align - 1);
	while (p + size > rt_heap_end || p + size < p) {
		unsigned long pages = (p + size - rt_heap_end + 65535) / 65536;
		if (pages < 256)
			pages = 256;
		if (__builtin_wasm_memory_grow(0, pages) == (unsigned long)-1) {
			rt_unlock(&rt_heap_lock);
			return NULL;
		}
		rt_heap_end = __builtin_wasm_memory_size(0) * 65536ul;
	}
	rt_heap_next = p + size;
	rt_ctr.heap_next = rt_heap_next;
	rt_ctr.heap_end = rt_heap_end;
	rt_unlock(&rt_heap_lock);
	memset((void *)p, 0, size);
	return (void *)p;
}

/* ---- slab -------------------------------------------------------------- */
struct kmem_cache {
	const char *name;
	unsigned int size;          /* object size, rounded up to RT_NODE_SIZE */
	unsigned int requested;     /* what the caller asked for */
	int lock;
	void *free_list;
	/* accounting: capacity == live + free; pending counts call_rcu'd objects */
	unsigned int capacity, live, free, allocs, frees, double_frees;
};
#define RT_SLAB_CHUNK 64
static struct kmem_cache *rt_node_cache; /* the last cache created: the tree's */
/* The chunks of the tree's cache, in address order (the heap only grows): a
 * free must name an object in one of them. */
#define RT_MAX_CHUNKS 16384
static unsigned long rt_chunks[RT_MAX_CHUNKS];
static unsigned int rt_nchunks;


struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
		unsigned int align, slab_flags_t flags, void (*ctor)(void *))
{
	(void)align; (void)flags; (void)ctor;
	struct kmem_cache *c = rt_alloc(sizeof(*c), 16);
	if (!c)
		BUG();
	c->name = name;
	c->requested = size;
	/* The tree finds a node from an encoded pointer by masking the low 8 bits:
	 * whatever alignment was asked for, objects are 256-byte aligned.  The
	 * last word of each object is its generation, outside what the caller
	 * sees: bumped on every free, kept through allocation and poison, so a
	 * reader can tell that the node it read was freed (and maybe reused).
	 * The word before it is 1 while the object waits in call_rcu. */
	c->size = (size + 8 + RT_NODE_SIZE - 1) & ~(RT_NODE_SIZE - 1);
	rt_node_cache = c;
	return c;
}

static void *slab_get(struct kmem_cache *c)
{
	if (!c->free_list) {
		char *chunk = rt_alloc((unsigned long)c->size * RT_SLAB_CHUNK, RT_NODE_SIZE);
		if (!chunk)
			return NULL;
		/* Readers search the chunks without the lock: publish the count last. */
		if (c == rt_node_cache && rt_nchunks < RT_MAX_CHUNKS) {
			rt_chunks[rt_nchunks] = (unsigned long)chunk;
			__atomic_store_n(&rt_nchunks, rt_nchunks + 1, __ATOMIC_SEQ_CST);
		}
#ifdef RT_SIM
		if (c == rt_node_cache)
			rt_sim_node_chunk(chunk, c->size, c->requested, RT_SLAB_CHUNK);
#endif
		for (int i = RT_SLAB_CHUNK - 1; i >= 0; i--) {
			void **obj = (void **)(chunk + (unsigned long)i * c->size);
			obj[0] = c->free_list;
			c->free_list = obj;
		}
		c->capacity += RT_SLAB_CHUNK;
		c->free += RT_SLAB_CHUNK;
	}
	void **obj = c->free_list;
	c->free_list = obj[0];
	c->free--;
	c->live++;
	c->allocs++;
	memset(obj, 0, c->size - 4);
	return obj;
}

static int slab_is_object(struct kmem_cache *c, void *p)
{
	unsigned long a = (unsigned long)p, span = (unsigned long)c->size * RT_SLAB_CHUNK;
	unsigned int lo = 0, hi = __atomic_load_n(&rt_nchunks, __ATOMIC_SEQ_CST);
	if (c != rt_node_cache)
		return 1;
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;
		if (rt_chunks[mid] <= a)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 && a - rt_chunks[lo - 1] < span && (a - rt_chunks[lo - 1]) % c->size == 0;
}

/* For inner/parents.c: whether p is an object of the tree's node cache. */
int rt_is_node(const void *p)
{
	struct kmem_cache *c = rt_node_cache;
	return c && (unsigned long)p > 4096 && slab_is_object(c, (void *)p);
}

/*
 * The free policy of RCU mode, judged at each free of a node: a node the tree
 * marked dead (its parent word points at itself) may have readers in it, so in
 * RCU mode it goes back to the slab only from an RCU callback, after a grace
 * period; and every node a callback frees must be dead, or a reader still in it
 * would not know to re-walk. Nodes that were never in the tree (unused
 * preallocations) are not dead and are freed directly: allowed.
 */
static _Thread_local int rt_in_callback;
/* The object whose rcu_head the running callback was queued with. */
static _Thread_local unsigned long rt_callback_own;
#define RT_QUEUED(c, p) (((unsigned int *)(p))[(c)->size / 4 - 2])
/* call_rcu's count; a queued node's RT_QUEUED word is its number (0: not queued). */
static unsigned int rt_rcu_seq;
unsigned int rt_rcu_seq_now(void) { return __atomic_load_n(&rt_rcu_seq, __ATOMIC_SEQ_CST); }
/* For inner/conform.c: the call_rcu number of a node still waiting in the queue, else 0. */
unsigned int rt_rcu_queued_seq(const void *p)
{
	struct kmem_cache *c = rt_node_cache;
	if (!c || !slab_is_object(c, (void *)p))
		return 0;
	const unsigned int *w = p;
	if (w[1] == RT_POISON && w[2] == RT_POISON)
		return 0; /* freed since */
	return __atomic_load_n(&RT_QUEUED(c, p), __ATOMIC_SEQ_CST);
}
static void rt_free_policy(void *p)
{
	/* A callback may free its own object and what only it reaches, never an
	 * object still waiting for its own grace period (its RT_QUEUED word is its call_rcu number). */
	if (rt_in_callback && (unsigned long)p != rt_callback_own && RT_QUEUED(rt_node_cache, p) != 0) {
		rt_unlock(&rt_node_cache->lock);
		rt_printk("slab %s: an RCU callback frees %p, which waits for its own grace period\n",
			  rt_node_cache->name, p);
		BUG();
	}
	unsigned long parent = *(unsigned long *)p & ~(unsigned long)(RT_NODE_SIZE - 1);
	int dead = parent == (unsigned long)p;
	if (dead)
		__atomic_fetch_add(&rt_ctr.deaths, 1, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&rt_ctr.expect_rcu, __ATOMIC_RELAXED))
		return;
	if (dead && !rt_in_callback) {
		if (__atomic_fetch_add(&rt_ctr.dead_direct_frees, 1, __ATOMIC_SEQ_CST) == 0 &&
		    !rt_ctr.live_rcu_frees)
			rt_ctr.policy_node = (unsigned int)(unsigned long)p;
	} else if (!dead && rt_in_callback) {
		if (__atomic_fetch_add(&rt_ctr.live_rcu_frees, 1, __ATOMIC_SEQ_CST) == 0 &&
		    !rt_ctr.dead_direct_frees)
			rt_ctr.policy_node = (unsigned int)(unsigned long)p;
		/* Not freed: it may be in the tree, and poisoning it would take readers
		 * down with a damage that is this free's, not theirs. */
		rt_unlock(&rt_node_cache->lock);
		rt_printk("slab %s: an RCU callback frees %p, which is not dead\n", rt_node_cache->name, p);
		BUG();
	}
}
EXPORT(rt_expect_rcu) void rt_expect_rcu(int on) { __atomic_store_n(&rt_ctr.expect_rcu, on ? 1u : 0u, __ATOMIC_SEQ_CST); }

static void slab_put(struct kmem_cache *c, void *p)
{
#ifndef RT_BENCH
	unsigned int *w = p;
	/* Only objects of this cache may be freed; the lock is dropped before
	 * BUG so that the instance stays usable after the trap. */
	if (!slab_is_object(c, p)) {
		c->double_frees++;
		rt_unlock(&c->lock);
		rt_printk("slab %s: free of %p, which is not one of its objects\n", c->name, p);
		BUG();
	}
	/* A freed object is all poison apart from the free-list link in word 0;
	 * a second free of it is caught by the poison in word 1. */
	if (w[1] == RT_POISON && w[2] == RT_POISON) {
		c->double_frees++;
		rt_unlock(&c->lock);
		rt_printk("slab %s: double free of %p\n", c->name, p);
		BUG();
	}
	if (c == rt_node_cache)
		rt_free_policy(p);
	for (unsigned int i = 0; i < c->size / 4 - 1; i++)
		w[i] = RT_POISON;
	__atomic_fetch_add(&w[c->size / 4 - 1], 1, __ATOMIC_SEQ_CST);
#endif /* the benchmark flavour neither poisons nor checks: a production slab */
	((void **)p)[0] = c->free_list;
	c->free_list = p;
	c->live--;
	c->free++;
	c->frees++;
}

/* Out of memory with the watchdog armed: BUG (after the cache's lock is released) rather than
 * let a store retry in mas_nomem forever. */
static void rt_oom_check(struct kmem_cache *c)
{
	if (rt_watchdog_left) {
		rt_printk("watchdog: out of memory for %s nodes (%u live)\n", c->name, c->live);
		BUG();
	}
}
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp)
{
	rt_saw_access();
	(void)gfp;
	rt_lock(&c->lock);
	void *p = slab_get(c);
	rt_unlock(&c->lock);
	if (!p)
		rt_oom_check(c);
	return p;
}
void kmem_cache_free(struct kmem_cache *c, void *p)
{
	rt_saw_access();
	if (!p)
		return;
	rt_lock(&c->lock);
	slab_put(c, p);
	rt_unlock(&c->lock);
}
int kmem_cache_alloc_bulk(struct kmem_cache *c, gfp_t gfp, size_t n, void **p)
{
	rt_saw_access();
	(void)gfp;
	size_t i;
	rt_lock(&c->lock);
	for (i = 0; i < n; i++) {
		p[i] = slab_get(c);
		if (!p[i])
			break;
	}
	if (i < n) { /* all or nothing, like the kernel's bulk allocator */
		while (i)
			slab_put(c, p[--i]);
		rt_unlock(&c->lock);
		rt_oom_check(c);
		return 0;
	}
	rt_unlock(&c->lock);
	return (int)n;
}
void kmem_cache_free_bulk(struct kmem_cache *c, size_t n, void **p)
{
	rt_saw_access();
	rt_lock(&c->lock);
	for (size_t i = 0; i < n; i++)
		if (p[i])
			slab_put(c, p[i]);
	rt_unlock(&c->lock);
}
int kmem_cache_shrink(struct kmem_cache *c) { (void)c; return 0; }

/* Byte offset of the generation word in a node of the tree's cache (0: no cache yet). */
EXPORT(rt_node_generation_offset) unsigned int rt_node_generation_offset(void)
{
	return rt_node_cache ? rt_node_cache->size - 4 : 0;
}

/* ---- RCU ----------------------------------------------------------------- */
/* Shared: reader nesting and a sequence bumped at each outermost unlock,
 * one 64-byte line per thread slot. */
struct rt_reader { unsigned int nesting, seq, used, pad[13]; };
static struct rt_reader rt_readers[RT_MAX_THREADS] __aligned(64);
static struct rcu_head *rt_rcu_queue;
static unsigned int rt_rcu_queued, rt_rcu_invoked;
static _Thread_local int rt_slot = -1;

/* Each instance (thread) claims a reader slot once its TLS is set up. */
EXPORT(rt_thread_init) int rt_thread_init(void)
{
	for (int i = 0; i < RT_MAX_THREADS; i++) {
		unsigned int expect = 0;
		if (__atomic_compare_exchange_n(&rt_readers[i].used, &expect, 1, 0,
				__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
			rt_slot = i;
			return i;
		}
	}
	return -1;
}
/*
 * ---- the reader's node tracker (the stale-read detector at node granularity) ----
 * With tracking on (reader threads), every node a read-side section reaches
 * through rcu_dereference is noted with its generation (bumped at each free).
 * RCU promises that such a node is not freed before the section ends: at the
 * outermost unlock, a changed generation is a node freed under the reader.
 * A dereference that lands on a node already freed (all poison) is judged at
 * once. Results per thread slot, for the host.
 */
#define RT_TRACK_MAX 256
struct rt_tracked { unsigned int node, gen; };
static _Thread_local struct rt_tracked rt_track_buf[RT_TRACK_MAX];
static _Thread_local unsigned int rt_tracked_n;
struct rt_reader_report {
	unsigned int freed_under, freed_at_deref, untracked;   /* counts */
	unsigned int node, gen_then, gen_now;                  /* the first finding */
	unsigned int dead_slot_uses;                           /* count (rt_dead_slot_judge) */
	unsigned int dead_slot_at, dead_slot_value;            /* the first one */
	unsigned int pad[7];
};
static struct rt_reader_report rt_reports[RT_MAX_THREADS] __aligned(64);

static void rt_report(unsigned int node, unsigned int then, unsigned int now, int at_deref)
{
	struct rt_reader_report *rep = &rt_reports[rt_slot];
	if (!rep->freed_under && !rep->freed_at_deref) {
		rep->node = node;
		rep->gen_then = then;
		rep->gen_now = now;
	}
	if (at_deref)
		__atomic_fetch_add(&rep->freed_at_deref, 1, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_add(&rep->freed_under, 1, __ATOMIC_SEQ_CST);
}

/*
 * Whether a slot's value is a maple node, an encoded enode (maple_tree.c mt_mk_node: the node's
 * address, its type in bits 3-4, MAPLE_ENODE_NULL (bit 2) always set, MAPLE_ROOT_NODE (bit 1)
 * on the root word's), rather than an entry: entries the harness stores have bit 0 set, and a
 * node lies in the node slab. (xa_is_node's test, bit 1, holds only for the root word's value.)
 */
static int rt_is_enode(unsigned long e)
{
	struct kmem_cache *c = rt_node_cache;
	return (e & 5) == 4 && e > 4096 && c && slab_is_object(c, (void *)(e & ~(unsigned long)(RT_NODE_SIZE - 1)));
}

/*
 * ---- dead-slot use: a slot read from a dead node that the call went on with ----
 * Every path of the kernel's readers reads a node's slot, then checks that the node is
 * alive (ma_dead_node), and on a dead one re-walks from the tree's root (mas_rewalk,
 * mas_reset then mas_start, or mtree_load's retry). A slot read from a node that was dead
 * at the read is therefore always followed, in the correct code, by a read of the root
 * word before the call returns: once dead, a node stays dead for the whole read-side
 * section (it is not freed before the section ends), so the later check cannot miss it.
 * A call that returns with such a read not followed by a root read used a dead node's
 * slot (the seed series' first patch: the checks mas_next_node, mas_prev_node and the
 * walks lacked). Noted at each dereference, cleared at each root read and each
 * rcu_read_lock, judged at each rcu_read_unlock: in maple_tree.c every lock/unlock pair
 * wraps a whole API call (mtree_load, mt_find, mt_next, mt_prev), as do the host's
 * wrappers (km_cursor_step, km_mas_walk). Pivots and the parent word are plain loads,
 * not seen here: what 6.12 reads after its checks (kernel-known.ts) never trips this.
 */
static _Thread_local unsigned int rt_dead_slot_at, rt_dead_slot_value;
/* The node a dereferenced word lies in, or 0 for a word outside the node slab (a tree's root word). */
static unsigned long rt_slot_holder(void *const *p)
{
	struct kmem_cache *c = rt_node_cache;
	unsigned long node = (unsigned long)p & ~(unsigned long)(RT_NODE_SIZE - 1);
	return c && node > 4096 && slab_is_object(c, (void *)node) ? node : 0;
}
static void rt_dead_slot_note(void *const *p, void *v, unsigned long node)
{
	if (!node) {
		rt_dead_slot_at = 0; /* the tree's root word: a walk from the root */
		return;
	}
	/* ma_dead_node's own test: the parent word, its low bits masked, names the node. */
	if (!rt_dead_slot_at && (*(unsigned long *)node & ~0xfful) == node) {
		rt_dead_slot_at = (unsigned int)(unsigned long)p;
		rt_dead_slot_value = (unsigned int)(unsigned long)v;
	}
}
static void rt_dead_slot_judge(void)
{
	if (!rt_dead_slot_at || rt_slot < 0)
		return;
	struct rt_reader_report *rep = &rt_reports[rt_slot];
	if (!rep->dead_slot_uses) {
		rep->dead_slot_at = rt_dead_slot_at;
		rep->dead_slot_value = rt_dead_slot_value;
	}
	__atomic_fetch_add(&rep->dead_slot_uses, 1, __ATOMIC_SEQ_CST);
	rt_dead_slot_at = 0;
}

/*
 * ---- a cursor's ascent against its own descent (kernel-known.ts: parent-slot-before-adopt) ----
 * A cursor (one ma_state, one direction, inside one read-side section, no root read in
 * between) that went down from a live node H through slot k and later reads H again reads
 * the slot after k (forward steps) or before it (backward): mas_next_node/mas_prev_node come
 * back to H only by mas_ascend from the child, which takes the slot from the child's parent
 * word, and a live node's children never change slots (RCU mode replaces a node whose
 * children move). Another slot means that the child's parent word named H with a wrong slot
 * when the cursor ascended: 6.12's window between mas_topiary_replace and mas_adopt_children,
 * seen by the reader itself even when the writer closed it before the step ended. Only node
 * references count (internal nodes' slots). Kept only inside the steps of inner/conform.c
 * (rt_descent_begin/rt_descent_end): walks and other ma_states are not judged, and the table
 * starts afresh at a new cursor, a change of direction, a root read and a new section.
 */
#define RT_DESCENT_MAX 8
struct rt_descent { unsigned int node, at; };
static _Thread_local struct rt_descent rt_descent[RT_DESCENT_MAX];
static _Thread_local unsigned int rt_descent_n, rt_descent_contradicted;
static _Thread_local int rt_descent_dir, rt_descent_on;
static _Thread_local const void *rt_descent_mas;
static void rt_descent_reset(void)
{
	rt_descent_n = 0;
	rt_descent_mas = NULL;
}
void rt_descent_begin(const void *mas, int dir)
{
	if (mas != rt_descent_mas || dir != rt_descent_dir)
		rt_descent_n = 0;
	rt_descent_mas = mas;
	rt_descent_dir = dir;
	rt_descent_contradicted = 0;
	rt_descent_on = rt_tracking;
}
/* Whether the step since rt_descent_begin came back to a live node at another slot. */
int rt_descent_end(void)
{
	rt_descent_on = 0;
	return rt_descent_contradicted;
}
static void rt_descent_note(void *const *p, unsigned long node, int enode)
{
	if (!rt_descent_on)
		return;
	if (!node) {
		rt_descent_n = 0; /* the root word: a walk from the root starts afresh */
		return;
	}
	if (!enode)
		return; /* an entry: a leaf's slot */
	unsigned int at = (unsigned int)((unsigned long)p - node), i;
	for (i = 0; i < rt_descent_n && rt_descent[i].node != node; i++)
		;
	if (i == rt_descent_n) {
		if (i == RT_DESCENT_MAX)
			return;
		rt_descent[rt_descent_n++].node = (unsigned int)node;
	} else if (at != rt_descent[i].at + rt_descent_dir * (int)sizeof(void *) &&
		   (*(unsigned long *)node & ~0xfful) != node) {
		rt_descent_contradicted = 1;
	}
	rt_descent[i].at = at;
}

static void rt_track(void *v, int enode)
{
	unsigned long e = (unsigned long)v;
	struct kmem_cache *c = rt_node_cache;
	/* Only nodes (every level's, the root's included) inside a read section. */
	if (!enode || rt_slot < 0 || !rt_readers[rt_slot].nesting)
		return;
	unsigned long node = e & ~(unsigned long)(RT_NODE_SIZE - 1);
	unsigned int *w = (unsigned int *)node;
	unsigned int gen = __atomic_load_n(&w[c->size / 4 - 1], __ATOMIC_SEQ_CST);
	if (w[1] == RT_POISON && w[2] == RT_POISON) {
		rt_report((unsigned int)node, gen, gen, 1);
		return;
	}
	if (rt_tracked_n && rt_track_buf[rt_tracked_n - 1].node == node)
		return; /* a node's slots read one after another */
	if (rt_tracked_n < RT_TRACK_MAX) {
		rt_track_buf[rt_tracked_n].node = (unsigned int)node;
		rt_track_buf[rt_tracked_n].gen = gen;
		rt_tracked_n++;
	} else {
		rt_reports[rt_slot].untracked++;
	}
}

/*
 * A re-walk that lands on a tree without nodes leaves mas->node = NULL, and a
 * step that goes on with it reads the NULL node: in a real kernel an oops; in
 * wasm address 0 reads as zeroes, which look like a dead node, so the step
 * re-walks for ever. A reader's read of a tree's root word that finds no node
 * is counted per section; a section
 * that makes many of them is that loop, and BUGs naming it.
 */
#define RT_COLLAPSED_ROOT_READS 4096
#define RT_MAX_ROOTS 16
static _Thread_local unsigned int rt_collapsed_reads;
/* The trees' root words (km_mtree_new notes each): a reader's root read is one of these. */
static void *const *rt_roots[RT_MAX_ROOTS];
static unsigned int rt_nroots;
void rt_note_root(void *const *root)
{
#ifdef RT_SIM
	rt_sim_root(root);
#endif
	unsigned int n = __atomic_load_n(&rt_nroots, __ATOMIC_SEQ_CST);
	if (n < RT_MAX_ROOTS) {
		rt_roots[n] = root;
		__atomic_store_n(&rt_nroots, n + 1, __ATOMIC_SEQ_CST);
	}
}
static void rt_root_read(void *const *p, void *v)
{
	unsigned long e = (unsigned long)v;
	if ((e & 3) == 2 && e > 4096)
		return; /* a node: not a tree without nodes */
	unsigned int n = __atomic_load_n(&rt_nroots, __ATOMIC_SEQ_CST), i = 0;
	while (i < n && rt_roots[i] != p)
		i++;
	if (i == n || rt_slot < 0 || !rt_readers[rt_slot].nesting)
		return; /* not a root read, or outside a read-side section */
	if (++rt_collapsed_reads > RT_COLLAPSED_ROOT_READS) {
		rt_collapsed_reads = 0;
		printk("a read-side section re-walked %u times to a tree without nodes: the step goes on with mas->node = NULL (a NULL node dereference)\n",
		       RT_COLLAPSED_ROOT_READS);
		rt_bug(__FILE__, __LINE__);
	}
}

/*
 * ---- the writer's publish pause: a window widened on purpose ----
 * Publishing a tree's first node (rcu_assign_pointer of a node to a root word
 * that held no node: the tree was empty or a single entry, mas_root_expand and
 * the like) is when readers start on a node the writer built from nothing:
 * everything they can reach must be written before it (initialise, then
 * publish). On real threads the writer goes on within nanoseconds, so a write
 * placed after the publish by mistake (the root's metadata, c45ea315a602) is
 * almost never seen. With the pause on (stress runs, correct and mutated builds
 * alike), the writer waits after such a publish until one reader has run a
 * whole read-side section that began after it, or about a millisecond has
 * passed (readers may be idle or descheduled). A writer may be preempted at any
 * point for longer than that, so a correct tree is not affected; a wrong one
 * has its half-made root looked at. Off by default (conform, tests).
 *
 * Only first nodes: a pause after every root publish also holds the writer
 * between publishing a new root and marking the old one dead (and adopting the
 * children it keeps), which on churn turns 0 result violations of the correct
 * build in 30 s into hundreds (see the README's kernel section).
 */
#define RT_PAUSE_SPINS 1024
#define RT_PAUSE_SLEEPS 20            /* of RT_PAUSE_SLEEP_NS each */
#define RT_PAUSE_SLEEP_NS 50000
static int rt_pause_on;
static int rt_pause_sleep_word;
EXPORT(rt_publish_pause_enable) void rt_publish_pause_enable(int on) { __atomic_store_n(&rt_pause_on, on, __ATOMIC_SEQ_CST); }

static int rt_is_root_word(void *const *p)
{
	unsigned int n = __atomic_load_n(&rt_nroots, __ATOMIC_SEQ_CST);
	for (unsigned int i = 0; i < n; i++)
		if (rt_roots[i] == p)
			return 1;
	return 0;
}

static int rt_is_node_ref(void *v)
{
	unsigned long e = (unsigned long)v;
	return (e & 3) == 2 && e > 4096;
}

/* Has some other thread's seq reached its need[] (a whole section since the snapshot)? */
static noinline int rt_a_section_passed(const unsigned int *need)
{
	for (int i = 0; i < RT_MAX_THREADS; i++) {
		if (i == rt_slot || !__atomic_load_n(&rt_readers[i].used, __ATOMIC_SEQ_CST))
			continue;
		unsigned int seq = __atomic_load_n(&rt_readers[i].seq, __ATOMIC_SEQ_CST);
		if ((int)(seq - need[i]) >= 0)
			return 1;
	}
	return 0;
}

static void rt_publish_pause(void *const *p, void *old, void *v)
{
	unsigned int need[RT_MAX_THREADS];
	if (!rt_is_node_ref(v) || rt_is_node_ref(old) || !rt_is_root_word(p))
		return; /* not a tree's first node */
	__atomic_fetch_add(&rt_ctr.first_node_publishes, 1, __ATOMIC_RELAXED);
	if (!__atomic_load_n(&rt_pause_on, __ATOMIC_SEQ_CST))
		return;
	/* A section that began after the publish has ended once a thread's seq
	 * (bumped at each outermost unlock) reaches need[i]: one unlock more if the
	 * thread is outside a section now, two if it is inside one (that one began
	 * before). Nesting is read first: a section entered in between only raises
	 * the bar. */
	for (int i = 0; i < RT_MAX_THREADS; i++) {
		unsigned int nesting = __atomic_load_n(&rt_readers[i].nesting, __ATOMIC_SEQ_CST);
		need[i] = __atomic_load_n(&rt_readers[i].seq, __ATOMIC_SEQ_CST) + (nesting ? 2u : 1u);
	}
	unsigned int spins = 0, sleeps = 0;
	while (!rt_a_section_passed(need)) {
		if (spins < RT_PAUSE_SPINS) {
			spins++;
			continue;
		}
		if (sleeps++ == RT_PAUSE_SLEEPS)
			return;
		__builtin_wasm_memory_atomic_wait32(&rt_pause_sleep_word, 0, RT_PAUSE_SLEEP_NS);
	}
	__atomic_fetch_add(&rt_ctr.publish_pauses_seen, 1, __ATOMIC_RELAXED);
}

static void rt_track_judge(void)
{
	struct kmem_cache *c = rt_node_cache;
	for (unsigned int i = 0; i < rt_tracked_n; i++) {
		unsigned int *w = (unsigned int *)(unsigned long)rt_track_buf[i].node;
		unsigned int now = __atomic_load_n(&w[c->size / 4 - 1], __ATOMIC_SEQ_CST);
		if (now != rt_track_buf[i].gen) {
			rt_report(rt_track_buf[i].node, rt_track_buf[i].gen, now, 0);
			break;
		}
	}
	rt_tracked_n = 0;
}

/* Tracking on or off for this instance's thread (readers turn it on). */
EXPORT(rt_track_nodes) void rt_track_nodes(int on) { rt_tracking = on; rt_tracked_n = 0; }
EXPORT(rt_reader_report) struct rt_reader_report *rt_reader_report_ptr(void) { return &rt_reports[rt_slot < 0 ? 0 : rt_slot]; }
/* The host's read-side section around a whole reader operation. */
EXPORT(rt_read_lock) void rt_read_lock(void) { rt_rcu_read_lock(); }
/* Leaves the section, and any a call left open; after a trap reset it is already left. */
EXPORT(rt_read_unlock) void rt_read_unlock(void)
{
	while (rt_slot >= 0 && rt_readers[rt_slot].nesting)
		rt_rcu_read_unlock();
}

/* ---- spinlocks and lockdep ------------------------------------------ */
struct lockdep_map rcu_callback_map;
/*
 * A real spinlock: the kernel's callers of the empty-area search hold the tree's
 * lock (the search descends "only under lock"), so readers that search take it
 * too. A thread taking a lock it holds would spin forever: BUG instead. The one
 * lock a thread may hold is remembered, so a trap can release it.
 */
static _Thread_local spinlock_t *rt_held;
void rt_spin_lock(spinlock_t *l)
{
	rt_saw_access();
	if (__atomic_load_n(&l->owner, __ATOMIC_RELAXED) == rt_slot + 1) {
		rt_printk("spinlock %p: taken again by its holder\n", l);
		BUG();
	}
	while (__atomic_exchange_n(&l->locked, 1, __ATOMIC_ACQUIRE))
		;
	l->owner = rt_slot + 1;
	rt_held = l;
}
void rt_spin_unlock(spinlock_t *l)
{
	rt_saw_access();
	l->owner = 0;
	rt_held = 0;
	__atomic_store_n(&l->locked, 0, __ATOMIC_RELEASE);
}
int rt_lockdep_is_held(const void *lock)
{
	if (lock == &rcu_callback_map)
		return 0; /* a lockdep map, not a lock anyone takes */
	const spinlock_t *l = lock;
	return l->locked && l->owner == rt_slot + 1;
}
int rt_lock_is_held(const void *map)
{
	return map == &rcu_callback_map ? rt_in_callback : 1;
}
void rt_lockdep_check(int held, const char *file, int line)
{
	rt_saw_access(); /* rcu_dereference_protected: a slot read under the lock */
	if (held)
		return;
	if (__atomic_fetch_add(&rt_ctr.lockdep_splats, 1, __ATOMIC_SEQ_CST) == 0) {
		rt_ctr.lockdep_file = file;
		rt_ctr.lockdep_line = (unsigned int)line;
	}
	if (rt_ctr.lockdep_splats <= 4)
		rt_printk("lockdep: suspicious rcu_dereference_protected() usage at %s:%d (%s)\n",
			  file, line, rt_in_callback ? "in an RCU callback" : "tree lock not held");
}

/* After a trap: leave any read section the trapped call was in. */
EXPORT(rt_thread_reset) void rt_thread_reset(void)
{
	if (rt_held && rt_held->owner == rt_slot + 1)
		rt_spin_unlock(rt_held);
	rt_tracked_n = 0;
	rt_collapsed_reads = 0;
	rt_dead_slot_at = 0; /* a call that trapped did not return: what it read is not judged */
	rt_descent_reset();
	rt_descent_end();
	rt_callback_own = 0;
	rt_in_callback = 0;
	if (rt_slot >= 0 && rt_readers[rt_slot].nesting) {
		__atomic_store_n(&rt_readers[rt_slot].nesting, 0, __ATOMIC_SEQ_CST);
		__atomic_fetch_add(&rt_readers[rt_slot].seq, 1, __ATOMIC_SEQ_CST);
	}
}

void rt_rcu_read_lock(void)
{
	if (rt_slot < 0)
		BUG(); /* rt_thread_init was not called on this instance */
	struct rt_reader *r = &rt_readers[rt_slot];
	if (!r->nesting)
		rt_trace_n = rt_trace_in_step = rt_trace_skipped = 0;
	rt_dead_slot_at = 0;
	if (!r->nesting)
		rt_descent_reset(); /* nodes may be freed and reused between sections */
	__atomic_store_n(&r->nesting, r->nesting + 1, __ATOMIC_SEQ_CST);
}
void rt_rcu_read_unlock(void)
{
	struct rt_reader *r = &rt_readers[rt_slot];
	if (!r->nesting)
		BUG();
	if (rt_tracking)
		rt_dead_slot_judge();
	if (r->nesting == 1 && rt_tracking) {
		rt_track_judge();
		rt_collapsed_reads = 0;
	}
	if (r->nesting == 1)
		__atomic_fetch_add(&r->seq, 1, __ATOMIC_SEQ_CST);
	__atomic_store_n(&r->nesting, r->nesting - 1, __ATOMIC_SEQ_CST);
}

void call_rcu(struct rcu_head *head, rcu_callback_t func)
{
	rt_saw_access();
	struct kmem_cache *c = rt_node_cache;
	unsigned long obj = (unsigned long)head & ~(unsigned long)(RT_NODE_SIZE - 1);
	if (c && slab_is_object(c, (void *)obj))
		RT_QUEUED(c, obj) = __atomic_add_fetch(&rt_rcu_seq, 1, __ATOMIC_SEQ_CST);
	head->func = func;
	struct rcu_head *old = __atomic_load_n(&rt_rcu_queue, __ATOMIC_SEQ_CST);
	do {
		head->next = old;
	} while (!__atomic_compare_exchange_n(&rt_rcu_queue, &old, head, 0,
			__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST));
	__atomic_fetch_add(&rt_rcu_queued, 1, __ATOMIC_SEQ_CST);
}

/* Wait until every reader that was inside a read section has left it. */
void synchronize_rcu(void)
{
	unsigned int snap[RT_MAX_THREADS];
	if (rt_slot >= 0 && rt_readers[rt_slot].nesting)
		BUG(); /* a grace period from inside a read section never ends */
#ifdef RT_SIM
	rt_sim_grace_period();
#endif
	for (int i = 0; i < RT_MAX_THREADS; i++)
		snap[i] = __atomic_load_n(&rt_readers[i].seq, __ATOMIC_SEQ_CST);
	/* Readers and the writer oversubscribe the cores: after a short spin, sleep a
	 * little between looks so a preempted reader gets the CPU to leave. */
	for (int i = 0; i < RT_MAX_THREADS; i++)
		for (unsigned int spins = 0;
		     __atomic_load_n(&rt_readers[i].nesting, __ATOMIC_SEQ_CST) &&
		     __atomic_load_n(&rt_readers[i].seq, __ATOMIC_SEQ_CST) == snap[i]; spins++)
			if (spins >= 256)
				__builtin_wasm_memory_atomic_wait32((int *)&rt_readers[i].seq, (int)snap[i], 50000);
}

/* The host's grace period: take the queued callbacks, wait for readers, run
 * them (oldest first).  Returns how many ran. */
/*
 * Callbacks whose grace period has ended, oldest first. Kept across calls so
 * that a callback that traps loses only itself: the next call runs the rest
 * (they wait for no further grace period: theirs has ended).
 */
static struct rcu_head *rt_rcu_ready;
/* src/kernel/inner/known.c: 1 for a callback a known finding makes unsafe to run. */
int km_before_rcu_callback(struct rcu_head *head);

EXPORT(rt_rcu_run_callbacks) unsigned int rt_rcu_run_callbacks(void)
{
	unsigned int n = 0;
	if (!rt_rcu_ready) {
		struct rcu_head *list = __atomic_exchange_n(&rt_rcu_queue, NULL, __ATOMIC_SEQ_CST);
		if (!list)
			return 0;
		synchronize_rcu();
		struct rcu_head *rev = NULL;
		while (list) {
			struct rcu_head *next = list->next;
			list->next = rev;
			rev = list;
			list = next;
		}
		rt_rcu_ready = rev;
	}
	rt_in_callback = 1;
	while (rt_rcu_ready) {
		struct rcu_head *head = rt_rcu_ready;
		rt_rcu_ready = head->next;
		/* Counted before it runs: a callback that traps was invoked. */
		__atomic_fetch_add(&rt_rcu_invoked, 1, __ATOMIC_SEQ_CST);
		if (km_before_rcu_callback(head))
			continue;
		rt_callback_own = (unsigned long)head & ~(unsigned long)(RT_NODE_SIZE - 1);
		head->func(head);
		rt_callback_own = 0;
		n++;
	}
	rt_in_callback = 0;
	return n;
}
void rcu_barrier(void)
{
	while (rt_rcu_run_callbacks())
		;
}

/* For a stall report: each thread slot's read-side nesting (0 outside), in out[0..n). */
EXPORT(rt_reader_nesting) unsigned int rt_reader_nesting(unsigned int *out, unsigned int n)
{
	unsigned int used = 0;
	for (unsigned int i = 0; i < RT_MAX_THREADS && i < n; i++) {
		out[i] = __atomic_load_n(&rt_readers[i].nesting, __ATOMIC_SEQ_CST);
		if (__atomic_load_n(&rt_readers[i].used, __ATOMIC_SEQ_CST))
			used = i + 1;
	}
	return used;
}

/* ---- host-visible slab and RCU accounting --------------------------------- */
struct rt_slab_stats {
	unsigned int capacity, live, free, allocs, frees, double_frees;
	unsigned int rcu_queued, rcu_invoked, object_size, requested_size;
};
EXPORT(rt_slab_stats) void rt_slab_stats(struct rt_slab_stats *s)
{
	struct kmem_cache *c = rt_node_cache;
	if (!c)
		return;
	rt_lock(&c->lock);
	s->capacity = c->capacity;
	s->live = c->live;
	s->free = c->free;
	s->allocs = c->allocs;
	s->frees = c->frees;
	s->double_frees = c->double_frees;
	s->object_size = c->size;
	s->requested_size = c->requested;
	rt_unlock(&c->lock);
	s->rcu_queued = __atomic_load_n(&rt_rcu_queued, __ATOMIC_SEQ_CST);
	s->rcu_invoked = __atomic_load_n(&rt_rcu_invoked, __ATOMIC_SEQ_CST);
}

/* For the host's tests of trap recovery: BUG() from inside a read section. */
EXPORT(rt_test_bug) void rt_test_bug(void)
{
	rt_rcu_read_lock();
	BUG();
}

/* For the host's tests of the slab's checks: free `p` to the tree's node cache. */
EXPORT(rt_test_node_free) void rt_test_node_free(void *p)
{
	kmem_cache_free(rt_node_cache, p);
}
