/**
 * What happens to a node after the tree has marked it dead: the free path writes its overlay (the
 * kernel's rcu_head and destroy-walk bookkeeping) over the first pivots, and the node goes back to
 * the slab once no reader can hold it.
 */
import type { Memory } from './memory.js';
import type { Slab } from './slab.js';
import type { GracePeriods } from './rcu.js';
import type { Lockdep } from './lockdep.js';
import { NODE_WORDS } from './slab.js';

export interface Reclaimer {
  /** call_rcu: the node is dead and unreachable; free it once readers are done with it. */
  callRcu(id: number, type: number, slotCount: number): void;
  /** Called at the end of every write operation: free what no reader can hold any more. */
  flush(): void;
  /** Called when a write needs `needed` free nodes and fewer are free: wait for grace periods. */
  reclaim(needed: number): void;
  /** rcu_barrier: return once every queued free has run. */
  barrier(): void;
  /** Queue the deferred free walk of a dead subtree whose nodes carry their type in the overlay. */
  callRcuWalk(rootId: number): void;
  /**
   * A read-side section on the writer's own thread opens (+1) or closes (-1): while one is open no
   * dead node may be reused (single-threaded use of cursors across writes).
   */
  hold(delta: number): void;
}

/**
 * The overlay covers five words from the first pivot (pivots 0-4), as the kernel's rcu_head and
 * destroy-walk bookkeeping overlay the first pivots; the parent word (and metadata) stay.
 */
export const OVERLAY_FIRST = 2;
/** Words the overlay covers (writeOverlay writes exactly these). */
export const OVERLAY_WORDS = 5;
/** The overlay word holding (type << 8) | slot count for the deferred free walk. */
export const OVERLAY_TYPE = OVERLAY_FIRST + 3;
export const POISON = 0xdead4ead;

/** Write the free path's overlay: recognisable poison plus the type and slot count. */
export function writeOverlay(mem: Memory, id: number, type: number, slotCount: number): void {
  const base = id * NODE_WORDS + OVERLAY_FIRST;
  mem.write(base, POISON); // rcu_head.next
  mem.write(base + 1, POISON); // rcu_head.func
  mem.write(base + 2, POISON); // piv_parent
  mem.write(base + 3, ((type << 8) | slotCount) >>> 0); // type and slot_len for the destroy walk
  mem.write(base + 4, POISON); // ma_flags
}

/**
 * No readers yet (single-threaded use): poison at once, free at the end of the write operation.
 * The grace-period reclaimer replaces this when readers run on other threads.
 */
export class EndOfOpReclaimer implements Reclaimer {
  private pending: number[] = [];
  private walks: number[] = [];

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly freeWalk: (id: number, release: (id: number) => void) => void,
    private readonly lockdep: Lockdep,
  ) {}

  callRcuWalk(rootId: number): void {
    this.walks.push(rootId);
  }

  private holds = 0;

  reclaim(): void {}

  barrier(): void {
    if (this.holds > 0) throw new Error('rcu_barrier inside a read-side section would never return');
    this.flush();
  }

  hold(delta: number): void {
    this.holds += delta;
    if (this.holds < 0) {
      this.holds = 0;
      throw new Error('rcuReadUnlock without a matching rcuReadLock');
    }
    if (this.holds === 0) this.flush();
  }

  callRcu(id: number, type: number, slotCount: number): void {
    writeOverlay(this.mem, id, type, slotCount);
    this.slab.retire(id);
    this.pending.push(id);
  }

  /** The release callback handed to freeWalk, made once (flush runs after every write). */
  private readonly release = (id: number): void => this.slab.release(id);

  flush(): void {
    if (this.holds > 0) return;
    const pending = this.pending;
    // Most writes free nothing: skip the array-length stores (a builtin call each) then.
    if (pending.length !== 0) {
      for (let i = 0; i < pending.length; i++) this.slab.release(pending[i]);
      pending.length = 0;
    }
    const walks = this.walks;
    if (walks.length === 0) return;
    const release = this.release;
    this.lockdep.rcuCallback++;
    for (let i = 0; i < walks.length; i++) this.freeWalk(walks[i], release);
    this.lockdep.rcuCallback--;
    walks.length = 0;
  }
}

/**
 * Grace-period reclaim: call_rcu queues a dead node; the writer polls without blocking at the end
 * of each write, and a node goes back to the slab only after a grace period that began after it
 * was queued. The generation word is bumped again when it is freed.
 */
export class RcuReclaimer implements Reclaimer {
  // FIFO of (id, cookie, kind); cookies never decrease along it.
  private ids: number[] = [];
  private cookies: number[] = [];
  private walks: boolean[] = [];
  private head = 0;
  /** Nodes released after a grace period, and subtree walks run. */
  released = 0;

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly gp: GracePeriods,
    private readonly freeWalk: (id: number, release: (id: number) => void) => void,
    private readonly lockdep: Lockdep,
    /** The no-grace-period bug: free at the end of the write, readers or not. */
    private readonly skipGracePeriods = false,
    /** Poll every this many writes that leave frees waiting (the explorer's tiny scenarios: 1). */
    private readonly pollEvery = 8,
  ) {}

  callRcu(id: number, type: number, slotCount: number): void {
    writeOverlay(this.mem, id, type, slotCount);
    this.slab.retire(id);
    this.enqueue(id, false);
  }

  hold(): void {
    throw new Error('the writer thread holds no read-side sections: readers register with RcuState');
  }

  /** Queue the deferred free walk of a whole dead subtree (destroy in RCU mode). */
  callRcuWalk(rootId: number): void {
    this.enqueue(rootId, true);
  }

  get waiting(): number {
    return this.ids.length - this.head;
  }

  private flushes = 0;

  flush(): void {
    if (this.waiting === 0) return;
    if (this.skipGracePeriods) return this.runDone();
    // Polling scans every reader's word: amortise it over a few writes unless frees pile up.
    if (++this.flushes % this.pollEvery !== 0 && this.waiting < 256) return;
    this.gp.poll();
    this.runDone();
    if (this.waiting > 0) this.gp.start();
  }

  reclaim(needed: number): void {
    while (this.slab.free < needed && this.waiting > 0) {
      this.gp.waitFor(this.cookies[this.head]);
      this.runDone();
    }
  }

  barrier(): void {
    while (this.waiting > 0) {
      this.gp.waitFor(this.cookies[this.ids.length - 1]);
      this.runDone();
    }
  }

  private enqueue(id: number, walk: boolean): void {
    this.ids.push(id);
    this.cookies.push(this.gp.cookie());
    this.walks.push(walk);
  }

  private runDone(): void {
    const release = (id: number): void => {
      this.slab.release(id);
      this.released++;
    };
    this.lockdep.rcuCallback++;
    // One load of the completed sequence for the whole batch (it cannot move while we run).
    const completed = this.gp.completed;
    while (this.head < this.ids.length && (this.skipGracePeriods || ((completed - this.cookies[this.head]) | 0) >= 0)) {
      const id = this.ids[this.head];
      if (this.walks[this.head]) this.freeWalk(id, release);
      else release(id);
      this.head++;
    }
    this.lockdep.rcuCallback--;
    if (this.head > 4096 && this.head * 2 > this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.cookies = this.cookies.slice(this.head);
      this.walks = this.walks.slice(this.head);
      this.head = 0;
    }
  }
}
