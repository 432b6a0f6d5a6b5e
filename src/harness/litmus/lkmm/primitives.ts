/**
 * The kernel primitives a litmus body may call, by name, with what each is to the interpreter.
 * Anything not listed makes the test unsupported, with the name as the reason.
 */

export type Primitive =
  /** A marked load through the (pointer) argument: READ_ONCE(*p) or the like. */
  | { k: 'load'; kind: 'once' | 'acquire'; lvalue: boolean }
  /** A marked store: WRITE_ONCE(*p, v), smp_store_release(p, v), rcu_assign_pointer(*p, v). */
  | { k: 'store'; kind: 'once' | 'release'; lvalue: boolean }
  | { k: 'fence'; kind: 'mb' | 'wmb' | 'rmb' | 'none' }
  | { k: 'lock' }
  | { k: 'unlock' }
  | { k: 'is-locked' }
  /** A read-modify-write: new value from old value and the argument(s); returns old or new. */
  | { k: 'rmw'; op: RmwOp; returns: 'old' | 'new' | 'nothing' | 'changed' }
  | { k: 'rcu-lock' }
  | { k: 'rcu-unlock' }
  | { k: 'synchronize-rcu' };

export type RmwOp = 'xchg' | 'cmpxchg' | 'add' | 'sub' | 'inc' | 'dec' | 'add_unless';

const table = new Map<string, Primitive>([
  ['READ_ONCE', { k: 'load', kind: 'once', lvalue: true }],
  ['rcu_dereference', { k: 'load', kind: 'once', lvalue: true }],
  ['smp_load_acquire', { k: 'load', kind: 'acquire', lvalue: false }],
  ['atomic_read', { k: 'load', kind: 'once', lvalue: false }],
  ['atomic_read_acquire', { k: 'load', kind: 'acquire', lvalue: false }],
  ['WRITE_ONCE', { k: 'store', kind: 'once', lvalue: true }],
  ['smp_store_release', { k: 'store', kind: 'release', lvalue: false }],
  ['rcu_assign_pointer', { k: 'store', kind: 'release', lvalue: true }],
  ['atomic_set', { k: 'store', kind: 'once', lvalue: false }],
  ['atomic_set_release', { k: 'store', kind: 'release', lvalue: false }],
  ['smp_mb', { k: 'fence', kind: 'mb' }],
  // The smp_mb__*() helpers order more than this in LKMM only in combination with an atomic or a
  // lock; modelled as a full smp_mb (at least as strong: never admits a forbidden outcome).
  ['smp_mb__before_atomic', { k: 'fence', kind: 'mb' }],
  ['smp_mb__after_atomic', { k: 'fence', kind: 'mb' }],
  ['smp_mb__after_spinlock', { k: 'fence', kind: 'mb' }],
  ['smp_mb__after_unlock_lock', { k: 'fence', kind: 'mb' }],
  ['smp_wmb', { k: 'fence', kind: 'wmb' }],
  ['smp_rmb', { k: 'fence', kind: 'rmb' }],
  // A compiler barrier orders nothing at run time in LKMM.
  ['barrier', { k: 'fence', kind: 'none' }],
  ['rcu_read_lock', { k: 'rcu-lock' }],
  ['rcu_read_unlock', { k: 'rcu-unlock' }],
  ['synchronize_rcu', { k: 'synchronize-rcu' }],
  ['atomic_add_unless', { k: 'rmw', op: 'add_unless', returns: 'changed' }],
  ['spin_lock', { k: 'lock' }],
  ['spin_unlock', { k: 'unlock' }],
  ['spin_is_locked', { k: 'is-locked' }],
]);

// Read-modify-writes, every ordering variant: all run as fully ordered (sequentially consistent)
// operations, at least as strong as LKMM's relaxed, acquire and release variants.
for (const suffix of ['', '_relaxed', '_acquire', '_release']) {
  table.set(`xchg${suffix}`, { k: 'rmw', op: 'xchg', returns: 'old' });
  table.set(`cmpxchg${suffix}`, { k: 'rmw', op: 'cmpxchg', returns: 'old' });
  table.set(`atomic_xchg${suffix}`, { k: 'rmw', op: 'xchg', returns: 'old' });
  table.set(`atomic_cmpxchg${suffix}`, { k: 'rmw', op: 'cmpxchg', returns: 'old' });
  for (const op of ['add', 'sub', 'inc', 'dec'] as const) {
    table.set(`atomic_${op}_return${suffix}`, { k: 'rmw', op, returns: 'new' });
    table.set(`atomic_fetch_${op}${suffix}`, { k: 'rmw', op, returns: 'old' });
  }
}
for (const op of ['add', 'sub', 'inc', 'dec'] as const) table.set(`atomic_${op}`, { k: 'rmw', op, returns: 'nothing' });

/** Primitives known but deliberately not modelled, with the reason. */
const NOT_MODELLED = new Map<string, string>([
  ['synchronize_srcu', 'SRCU is not modelled'],
  ['srcu_read_lock', 'SRCU is not modelled'],
  ['srcu_read_unlock', 'SRCU is not modelled'],
  ['spin_trylock', 'spin_trylock is not modelled'],
]);

export function primitive(name: string): Primitive | undefined {
  return table.get(name);
}

/** Why a call cannot be interpreted, or null if it can. */
export function unsupportedReason(name: string): string | null {
  if (table.has(name)) return null;
  return NOT_MODELLED.get(name) ?? `'${name}' is not a primitive the interpreter knows`;
}

/** Number of value arguments after the pointer (cmpxchg: old and new; atomic_inc: none). */
export function rmwArity(op: RmwOp): number {
  return op === 'cmpxchg' || op === 'add_unless' ? 2 : op === 'inc' || op === 'dec' ? 0 : 1;
}

export function rmwApply(op: RmwOp, old: number, args: number[]): number {
  switch (op) {
    case 'xchg':
      return args[0];
    case 'cmpxchg':
      return old === args[0] ? args[1] : old;
    case 'add':
      return (old + args[0]) | 0;
    case 'sub':
      return (old - args[0]) | 0;
    case 'inc':
      return (old + 1) | 0;
    case 'dec':
      return (old - 1) | 0;
    case 'add_unless':
      return old !== args[1] ? (old + args[0]) | 0 : old;
  }
}
