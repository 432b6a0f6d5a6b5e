/**
 * Load buffering by promises. A thread may, at any point, promise one of its later stores: the
 * store reaches memory at once (`LitmusMemory.promise`), so other threads' loads may read it
 * before the thread gets there. The promise must then be fulfilled by the thread's own store to
 * that address with that value, and that store must not be ordered, in LKMM's sense, after anything
 * the thread did after promising:
 *  - no load made after the promise may be ordered before the store: no address, data or control
 *    dependency from it (values carry the loads they come from), it is no acquire, and no smp_mb
 *    or unlock-then-lock lies between it and the store; a release store is ordered after every
 *    earlier access, so it is only ever "promised" with nothing in between;
 *  - no store made after the promise may be ordered before it (smp_wmb, smp_mb, a release store);
 *  - the thread may not read or write the promised address in between (coherence with its own
 *    store: a read would have to return an older value, a write would be overtaken);
 *  - no outermost rcu_read_lock and no synchronize_rcu lies in between: a store may not become
 *    visible before the read-side section it belongs to begins, nor before a grace period ends.
 * An execution that breaks any of these, or ends with a promise unfulfilled, is discarded: it is
 * not one LKMM allows, so it is not counted. Stores that precede the promise drain first, so a
 * promise overtakes only what comes after it in program order.
 */
import type { LitmusMemory } from './litmus-memory.js';

/** Thrown out of a thread's step: the execution is not a valid one, and is not counted. */
export class Discard extends Error {
  override name = 'Discard';
}

export interface PromiseRecord {
  addr: number;
  value: number;
  /** Timestamp the promised store got in memory. */
  ts: number;
  /** Loads the thread had made when it promised: loads numbered from here on come after it. */
  loadMark: number;
  /** Stores the thread had made when it promised. */
  storeMark: number;
  /** RCU events (outermost rcu_read_lock, grace-period halves) the thread had passed. */
  rcuMark: number;
}

export class PromiseBook {
  /** Outstanding promise per thread (one at a time). */
  private readonly outstanding: Array<PromiseRecord | null>;
  made = 0;
  fulfilled = 0;

  constructor(threads: number) {
    this.outstanding = new Array<PromiseRecord | null>(threads).fill(null);
  }

  has(thread: number): boolean {
    return this.outstanding[thread] !== null;
  }

  make(thread: number, mem: LitmusMemory, addr: number, value: number, loadMark: number, storeMark: number, rcuMark: number): void {
    if (this.outstanding[thread] !== null) throw new Error('PromiseBook.make: a promise is already outstanding');
    const ts = mem.promise(addr, value);
    this.outstanding[thread] = { addr, value, ts, loadMark, storeMark, rcuMark };
    this.made++;
  }

  /** A load of the thread: reading its own promised address before the store is discarded. */
  onLoad(thread: number, addr: number): void {
    const p = this.outstanding[thread];
    if (p !== null && p.addr === addr) throw new Discard('a thread read the address it promised a store to, before the store');
  }

  /**
   * A store of the thread. `orderedLoads`: loads numbered below this are ordered before the store;
   * `orderedStores` likewise for stores. Returns true when the store fulfils the promise (it is in
   * memory already: the caller must not store it again).
   */
  onStore(thread: number, mem: LitmusMemory, addr: number, value: number, orderedLoads: number, orderedStores: number, rcuEvents: number): boolean {
    const p = this.outstanding[thread];
    if (p === null || p.addr !== addr) return false;
    if ((value | 0) !== (p.value | 0)) throw new Discard(`promised value ${p.value} but stored ${value}`);
    if (orderedLoads > p.loadMark) throw new Discard('the promised store depends on (is ordered after) a load made after the promise');
    if (orderedStores > p.storeMark) throw new Discard('a store made after the promise is ordered before the promised store');
    if (rcuEvents !== p.rcuMark) throw new Discard('the promised store would cross an rcu_read_lock or a grace period');
    mem.fulfil(addr, p.ts);
    this.outstanding[thread] = null;
    this.fulfilled++;
    return true;
  }

  /** The thread ended: an unfulfilled promise discards the execution. */
  onFinish(thread: number): void {
    if (this.outstanding[thread] !== null) throw new Discard('a promise was never fulfilled');
  }
}
