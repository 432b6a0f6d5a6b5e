/*
 * maple-torture's freestanding stand-in for the kernel headers that
 * lib/maple_tree.c and include/linux/maple_tree.h include.  Written for this
 * project (MIT); it contains no kernel code.  Every header name the tree
 * includes (linux/kernel.h, linux/slab.h, asm/barrier.h, ...) is mapped to
 * this one file by the build.
 *
 * Target: wasm32, freestanding.  `unsigned long` is 32 bits, so keys are
 * 32-bit.  Barriers, RCU publication/dereference, printk and BUG are calls
 * into the runtime (src/kernel/runtime/rt.c) so the host can count and, later,
 * intercept them.
 */
#ifndef MAPLE_TORTURE_KSHIM_H
#define MAPLE_TORTURE_KSHIM_H

#define __KERNEL__ 1

/* ---- basic types -------------------------------------------------- */
typedef unsigned char u8;
typedef unsigned short u16;
typedef unsigned int u32;
typedef unsigned long long u64;
typedef signed char s8;
typedef short s16;
typedef int s32;
typedef long long s64;
typedef __SIZE_TYPE__ size_t;
typedef long ssize_t;
typedef unsigned long uintptr_t;
typedef _Bool bool;
typedef unsigned int gfp_t;
typedef unsigned int slab_flags_t;
typedef struct { int counter; } atomic_t;
#define true 1
#define false 0
#define NULL ((void *)0)

#define BITS_PER_LONG 32
#define ULONG_MAX (~0UL)
#define LONG_MAX ((long)(ULONG_MAX >> 1))
#define UINT_MAX (~0U)
#define USHRT_MAX ((unsigned short)~0U)
#define UCHAR_MAX ((unsigned char)~0U)
#define U8_MAX UCHAR_MAX

/* ---- compiler attributes ------------------------------------------ */
#define __rcu
#define __force
#define __user
#define __iomem
#define __bitwise
#define __init
#define __exit
#define __initdata
#define __must_check
#define __maybe_unused __attribute__((__unused__))
#define __always_unused __attribute__((__unused__))
#define __always_inline inline __attribute__((__always_inline__))
#define noinline __attribute__((__noinline__))
#define __noreturn __attribute__((__noreturn__))
#define __packed __attribute__((__packed__))
#define __aligned(x) __attribute__((__aligned__(x)))
#define __cacheline_aligned
#define __must_hold(x)
#define __acquires(x)
#define __releases(x)
#define fallthrough __attribute__((__fallthrough__))
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define barrier() __asm__ __volatile__("" ::: "memory")
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define IS_ENABLED(x) 0
#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define offsetof(t, m) __builtin_offsetof(t, m)
#define container_of(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define typeof_member(T, m) typeof(((T *)0)->m)

#define min(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a < _b ? _a : _b; })
#define max(a, b) ({ __typeof__(a) _a = (a); __typeof__(b) _b = (b); _a > _b ? _a : _b; })
#define min_t(t, a, b) ({ t _a = (a); t _b = (b); _a < _b ? _a : _b; })
#define max_t(t, a, b) ({ t _a = (a); t _b = (b); _a > _b ? _a : _b; })
#define swap(a, b) do { __typeof__(a) _t = (a); (a) = (b); (b) = _t; } while (0)
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))

/* ---- errno --------------------------------------------------------- */
#define EPERM 1
#define ENOENT 2
#define EINTR 4
#define EIO 5
#define EAGAIN 11
#define ENOMEM 12
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22
#define ERANGE 34
#define MAX_ERRNO 4095
#define IS_ERR_VALUE(x) unlikely((unsigned long)(void *)(x) >= (unsigned long)-MAX_ERRNO)

/* ---- runtime entry points (src/kernel/runtime/rt.c) ---------------- */
void rt_smp_mb(void);
void rt_smp_wmb(const char *file, int line);
void rt_smp_rmb(void);
void rt_rcu_read_lock(void);
void rt_rcu_read_unlock(void);
void *rt_rcu_dereference(void *const *p);
void rt_rcu_assign_pointer(void **p, void *v);
int rt_printk(const char *fmt, ...);
void rt_dump_stack(void);
void rt_warn(const char *file, int line);
__noreturn void rt_bug(const char *file, int line);
void *memcpy(void *d, const void *s, size_t n);
void *memmove(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);

/* ---- memory access ------------------------------------------------- */
#define READ_ONCE(x) (*(const volatile __typeof__(x) *)&(x))
#define WRITE_ONCE(x, v) do { *(volatile __typeof__(x) *)&(x) = (v); } while (0)
#if defined(RT_BENCH) && defined(RT_BENCH_WASM)
/*
 * The benchmark flavour under the wasm memory model (buildKernel({ bench: true,
 * benchModel: 'wasm' })), which is JavaScript's: a plain load gets no ordering
 * from an address dependency and there is no compiler-only barrier, so the
 * barriers, rcu_dereference and rcu_assign_pointer are atomic accesses, mapped
 * as the replica's real-thread memory layer maps them (ThreadedMemory,
 * src/shared-heap/memory.ts): smp_wmb a SeqCst store to a thread's fence word,
 * smp_rmb a SeqCst load of it, smp_mb an atomic add; rcu_dereference a SeqCst
 * load, rcu_assign_pointer a SeqCst store (below). rcu_dereference_protected,
 * rcu_access_pointer and RCU_INIT_POINTER stay plain, as they are on every
 * architecture. Nothing counted, as in the x86-64 flavour.
 */
static _Thread_local int rt_bench_fence __attribute__((unused)); /* per thread, as ThreadedMemory's */
#define smp_mb() ((void)__atomic_fetch_add(&rt_bench_fence, 0, __ATOMIC_SEQ_CST))
#define smp_wmb() __atomic_store_n(&rt_bench_fence, 0, __ATOMIC_SEQ_CST)
#define smp_rmb() ((void)__atomic_load_n(&rt_bench_fence, __ATOMIC_SEQ_CST))
#define mb() smp_mb()
#define wmb() smp_wmb()
#define rmb() smp_rmb()
#define smp_mb__after_atomic() smp_mb()
#define smp_store_release(p, v) __atomic_store_n((p), (v), __ATOMIC_SEQ_CST)
#define smp_load_acquire(p) __atomic_load_n((p), __ATOMIC_SEQ_CST)
#elif defined(RT_BENCH)
/*
 * The benchmark flavour (buildKernel({ bench: true })): barriers as an x86-64
 * kernel has them (TSO: smp_rmb/smp_wmb are compiler barriers, smp_mb a full
 * fence), nothing counted, so the timing is the tree's and not the checker's.
 */
#define smp_mb() __atomic_thread_fence(__ATOMIC_SEQ_CST)
#define smp_wmb() barrier()
#define smp_rmb() barrier()
#define mb() smp_mb()
#define wmb() barrier()
#define rmb() barrier()
#define smp_mb__after_atomic() smp_mb()
#define smp_store_release(p, v) do { barrier(); WRITE_ONCE(*(p), (v)); } while (0)
#define smp_load_acquire(p) ({ __typeof__(*(p)) _v = READ_ONCE(*(p)); barrier(); _v; })
#else
#define smp_mb() rt_smp_mb()
#define smp_wmb() rt_smp_wmb(__FILE__, __LINE__) /* the call site: see rt_smp_wmb */
#define smp_rmb() rt_smp_rmb()
#define mb() rt_smp_mb()
#define wmb() rt_smp_wmb(__FILE__, __LINE__)
#define rmb() rt_smp_rmb()
#define smp_mb__after_atomic() rt_smp_mb()
#define smp_store_release(p, v) do { rt_smp_mb(); WRITE_ONCE(*(p), (v)); } while (0)
#define smp_load_acquire(p) ({ __typeof__(*(p)) _v = READ_ONCE(*(p)); rt_smp_mb(); _v; })
#endif

/* ---- atomics ------------------------------------------------------- */
#define atomic_read(a) __atomic_load_n(&(a)->counter, __ATOMIC_SEQ_CST)
#define atomic_set(a, v) __atomic_store_n(&(a)->counter, (v), __ATOMIC_SEQ_CST)
#define atomic_inc(a) ((void)__atomic_fetch_add(&(a)->counter, 1, __ATOMIC_SEQ_CST))
#define atomic_dec(a) ((void)__atomic_fetch_sub(&(a)->counter, 1, __ATOMIC_SEQ_CST))

/* ---- RCU ------------------------------------------------------------ */
struct rcu_head {
	struct rcu_head *next;
	void (*func)(struct rcu_head *head);
};
typedef void (*rcu_callback_t)(struct rcu_head *head);
void call_rcu(struct rcu_head *head, rcu_callback_t func);
void rcu_barrier(void);
void synchronize_rcu(void);
#define rcu_read_lock() rt_rcu_read_lock()
#define rcu_read_unlock() rt_rcu_read_unlock()
#if defined(RT_BENCH) && defined(RT_BENCH_WASM)
/* The wasm memory model: a SeqCst load and a SeqCst store (Atomics.load, Atomics.store). */
#define rcu_dereference_raw(p) __atomic_load_n(&(p), __ATOMIC_SEQ_CST)
#define rcu_assign_pointer(p, v) __atomic_store_n(&(p), (__typeof__(p))(v), __ATOMIC_SEQ_CST)
#elif defined(RT_BENCH)
/* x86-64: READ_ONCE, and a compiler barrier before a plain store. */
#define rcu_dereference_raw(p) READ_ONCE(p)
#define rcu_assign_pointer(p, v) do { barrier(); WRITE_ONCE(p, (__typeof__(p))(v)); } while (0)
#else
#define rcu_dereference_raw(p) \
	((__typeof__(p))rt_rcu_dereference((void *const *)&(p)))
#define rcu_assign_pointer(p, v) \
	rt_rcu_assign_pointer((void **)&(p), (void *)(v))
#endif
#define rcu_dereference(p) rcu_dereference_raw(p)
#define rcu_dereference_check(p, c) rcu_dereference_raw(p)
#ifdef RT_BENCH
#define rcu_dereference_protected(p, c) (p)
#else
/* Lockdep's "suspicious RCU usage": the condition must hold, or a splat is counted. */
#define rcu_dereference_protected(p, c) \
	({ rt_lockdep_check(!!(c), __FILE__, __LINE__); (p); })
#endif
#define rcu_access_pointer(p) READ_ONCE(p)
#define RCU_INIT_POINTER(p, v) WRITE_ONCE(p, v)
#define rcu_read_lock_held() 1

/* ---- spinlocks (src/kernel/runtime/rt.c) --------------------------- */
/* The owner (the instance's thread slot + 1) lets lockdep_is_held answer. */
typedef struct { int locked; int owner; } spinlock_t;
#define __SPIN_LOCK_UNLOCKED(name) { 0, 0 }
#define DEFINE_SPINLOCK(x) spinlock_t x = __SPIN_LOCK_UNLOCKED(x)
void rt_spin_lock(spinlock_t *l);
void rt_spin_unlock(spinlock_t *l);
#define spin_lock_init(l) ((l)->locked = 0, (l)->owner = 0)
#define spin_lock(l) rt_spin_lock(l)
#define spin_unlock(l) rt_spin_unlock(l)
#define spin_lock_nested(l, s) spin_lock(l)
#define spin_lock_irqsave(l, f) do { (f) = 0; spin_lock(l); } while (0)
#define spin_unlock_irqrestore(l, f) do { (void)(f); spin_unlock(l); } while (0)

/*
 * ---- lockdep, the part the tree's accessors ask ----------------------
 * lockdep_is_held(l): this thread holds spinlock l (never true for a lockdep
 * map such as rcu_callback_map). lock_is_held(&rcu_callback_map): inside an
 * RCU callback. Asserts stay off: only rcu_dereference_protected judges.
 */
struct lockdep_map { int unused; };
extern struct lockdep_map rcu_callback_map;
int rt_lockdep_is_held(const void *lock);
int rt_lock_is_held(const void *map);
void rt_lockdep_check(int held, const char *file, int line);
#ifdef RT_BENCH
#define lockdep_is_held(l) 1
#define lock_is_held(l) 1
#else
#define lockdep_is_held(l) rt_lockdep_is_held((const void *)(l))
#define lock_is_held(l) rt_lock_is_held((const void *)(l))
#endif
#define lockdep_assert_held(l) do { } while (0)
#define lockdep_assert(c) do { } while (0)
#define might_sleep() do { } while (0)

/* ---- printk, WARN, BUG ---------------------------------------------- */
#define KERN_ERR ""
#define KERN_WARNING ""
#define KERN_INFO ""
#define KERN_CONT ""
#define printk(...) rt_printk(__VA_ARGS__)
#define pr_err(...) rt_printk(__VA_ARGS__)
#define pr_warn(...) rt_printk(__VA_ARGS__)
#define pr_info(...) rt_printk(__VA_ARGS__)
#define pr_cont(...) rt_printk(__VA_ARGS__)
#define pr_debug(...) do { } while (0)
#define dump_stack() rt_dump_stack()
#define BUG() rt_bug(__FILE__, __LINE__)
#define BUG_ON(c) do { if (unlikely(c)) BUG(); } while (0)
#define WARN_ON(c) ({ int _w = !!(c); if (unlikely(_w)) rt_warn(__FILE__, __LINE__); unlikely(_w); })
#define WARN_ON_ONCE(c) WARN_ON(c)
#define WARN(c, ...) ({ int _w = !!(c); if (unlikely(_w)) { rt_printk(__VA_ARGS__); rt_warn(__FILE__, __LINE__); } unlikely(_w); })
#define VM_BUG_ON(c) BUG_ON(c)

/* ---- gfp and slab --------------------------------------------------- */
#define __GFP_DIRECT_RECLAIM 0x400u
#define __GFP_IO 0x40u
#define __GFP_FS 0x80u
#define __GFP_NOWARN 0x2000u
#define __GFP_ZERO 0x100u
#define __GFP_HIGH 0x20u
#define __GFP_KSWAPD_RECLAIM 0x800u
#define __GFP_ACCOUNT 0x400000u
#define GFP_KERNEL (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO | __GFP_FS)
#define GFP_NOWAIT (__GFP_KSWAPD_RECLAIM)
#define GFP_ATOMIC (__GFP_HIGH | __GFP_KSWAPD_RECLAIM)
#define GFP_NOFS (__GFP_DIRECT_RECLAIM | __GFP_KSWAPD_RECLAIM | __GFP_IO)
static inline bool gfpflags_allow_blocking(gfp_t gfp)
{
	return !!(gfp & __GFP_DIRECT_RECLAIM);
}
#define SLAB_PANIC 0x40000u
#define SLAB_HWCACHE_ALIGN 0x2000u
struct kmem_cache;
struct kmem_cache *kmem_cache_create(const char *name, unsigned int size,
		unsigned int align, slab_flags_t flags, void (*ctor)(void *));
void *kmem_cache_alloc(struct kmem_cache *c, gfp_t gfp);
void kmem_cache_free(struct kmem_cache *c, void *p);
int kmem_cache_alloc_bulk(struct kmem_cache *c, gfp_t gfp, size_t n, void **p);
void kmem_cache_free_bulk(struct kmem_cache *c, size_t n, void **p);
int kmem_cache_shrink(struct kmem_cache *c);

/* ---- xarray entry encodings the tree relies on ---------------------- */
#define XA_CHUNK_SIZE 64
static inline void *xa_mk_value(unsigned long v) { return (void *)((v << 1) | 1); }
static inline unsigned long xa_to_value(const void *e) { return (unsigned long)e >> 1; }
static inline bool xa_is_value(const void *e) { return (unsigned long)e & 1; }
static inline void *xa_mk_internal(unsigned long v) { return (void *)((v << 2) | 2); }
static inline unsigned long xa_to_internal(const void *e) { return (unsigned long)e >> 2; }
static inline bool xa_is_internal(const void *e) { return ((unsigned long)e & 3) == 2; }
#define XA_RETRY_ENTRY xa_mk_internal(256)
#define XA_ZERO_ENTRY xa_mk_internal(257)
static inline bool xa_is_zero(const void *e) { return e == XA_ZERO_ENTRY; }
static inline bool xa_is_retry(const void *e) { return e == XA_RETRY_ENTRY; }
/* Internal values up to and including the retry entry are reserved. */
static inline bool xa_is_advanced(const void *e)
{
	return xa_is_internal(e) && (unsigned long)e <= (unsigned long)XA_RETRY_ENTRY;
}
static inline bool xa_is_node(const void *e)
{
	return xa_is_internal(e) && (unsigned long)e > 4096;
}
static inline bool xa_is_sibling(const void *e)
{
	return xa_is_internal(e) &&
		(unsigned long)e < (unsigned long)xa_mk_internal(XA_CHUNK_SIZE - 1);
}
static inline bool xa_is_err(const void *e)
{
	return unlikely(xa_is_internal(e) &&
		(unsigned long)e >= (unsigned long)xa_mk_internal(-MAX_ERRNO));
}
static inline int xa_err(void *e)
{
	return xa_is_err(e) ? (int)((long)e >> 2) : 0;
}

/* ---- tracepoints: off ----------------------------------------------- */
#define trace_ma_op(...) do { } while (0)
#define trace_ma_read(...) do { } while (0)
#define trace_ma_write(...) do { } while (0)

#endif /* MAPLE_TORTURE_KSHIM_H */
