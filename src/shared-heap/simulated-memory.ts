/**
 * The weak-memory simulator: a second implementation of the memory layer in which each access
 * kind has its Linux-kernel-memory-model meaning, so a missing `smp_wmb`/`smp_rmb` actually bites
 * (on x86 and V8 it never does).
 *
 * Model, in one paragraph. A `SimWorld` is the memory system: an address space of `words` 32-bit
 * words, a global clock, and for every address the history of the stores that have reached memory
 * ("drained"), each stamped with the next clock tick. Every logical thread is a `SimulatedMemory`
 * over that world. Its plain stores wait in a private store buffer and drain one at a time, in any
 * order its barriers allow: the buffer is cut into epochs; `wmb` and `publish` start a new epoch
 * (the published store itself belongs to the new one), and only stores of the oldest epoch may
 * drain (two stores to one address drain in program order). A plain load returns the thread's own
 * newest buffered store to that address if there is one (store forwarding); otherwise any drained
 * value that was current at the thread's *view* time or is newer, and never one older than what the
 * thread already read at that address (coherence). `rmb` raises the view to the newest timestamp
 * the thread has read; `deref` (rcu_dereference: its address dependency orders what is read
 * through it) raises it to the timestamp it read. `Atomics` ops and `mb` first drain the thread's
 * whole buffer and are sequentially consistent (they also raise the view to the clock).
 *
 * Loads never return a value that has not drained yet, so load buffering (LB) is out of reach for
 * the tree's code: the simulator is stronger than LKMM there. The litmus interpreter reaches LB
 * with promises (src/harness/litmus/lkmm/litmus-memory.ts: a store made visible early), certifying
 * each promise against the thread's dependencies.
 *
 * Every choice (which value a load returns when several are allowed, which store drains) comes from
 * the seeded choice source given to the world, so a run is a pure function of its seed and of the
 * scheduler's decisions. A hook fires before every access, where a scheduler may drain stores or
 * run another logical thread's whole operation, nested inside the hook: logical threads need no
 * generators or async code, and the tree's code runs unchanged.
 */
import type { BarrierCounts, Memory } from './memory.js';
import { scanByReads } from './memory.js';
import { StoreBuffer } from './store-buffer.js';
import { giveArray, takeArray } from './array-pool.js';

export { giveArray, takeArray };

/** Where the simulator's choices come from; `Rng` of src/harness/rng.ts fits. */
export interface ChoiceSource {
  /**
   * An integer in [0, n), n >= 1. `purpose` says what is chosen: for 'load', 0 is the newest
   * value allowed and n-1 the oldest; for 'drain', 0 is the oldest drainable store (FIFO).
   */
  int(n: number, purpose?: ChoicePurpose): number;
}

/**
 * What a choice decides. The memory's own: 'load' (which value), 'drain' (which store next),
 * 'hold' (the exhaustive explorer's: 1 holds a store back, see StoreBuffer.nextFlush). A
 * scheduler's: 'switch' (0: the running thread goes on, k: thread k - 1 runs an operation nested
 * here) and 'next' (which thread runs the next whole operation).
 */
export type ChoicePurpose = 'load' | 'drain' | 'hold' | 'switch' | 'next';

/** The access kinds the hook reports (barriers report address -1). */
export type AccessKind =
  | 'read'
  | 'write'
  | 'deref'
  | 'publish'
  | 'loadAtomic'
  | 'storeAtomic'
  | 'wmb'
  | 'rmb'
  | 'mb';

/** Called before every access of every thread; may drain stores or run other threads. */
export type AccessHook = (thread: SimulatedMemory, kind: AccessKind, addr: number) => void;

export interface SimWorldOptions {
  /** Size of the address space in 32-bit words. */
  words: number;
  /** The seeded choice source (loads' values, drain order). */
  choice: ChoiceSource;
  /**
   * How far back a load may reach: at most this many stores older than the newest one to its
   * address (a bound on staleness, far beyond what the tree's short operations meet). Default 64.
   */
  historyLimit?: number;
}

export interface ThreadOptions {
  /** A label for traces. */
  name?: string;
  /**
   * The view a new thread starts with: 'now' (default; starting a thread is a synchronisation
   * point) or 'initial' (it may see every value since the initial state).
   */
  view?: 'now' | 'initial';
}

/**
 * Sees accesses once they are done: `readFrom` is the timestamp a load read from (FORWARDED for the
 * own buffer, -2 for stores and barriers); a drain reports kind 'drain' with the new timestamp.
 */
export type AccessTracer = (thread: SimulatedMemory, kind: AccessKind | 'drain', addr: number, value: number, readFrom: number) => void;

/** Returned by `SimulatedMemory.lastReadFrom` when the last load was forwarded from the buffer. */
export const FORWARDED = -1;

/** One disposed world's per-store arrays, for the next world. */
let spareHistory: { value: Uint32Array; prev: Uint32Array; tag: Int32Array; origin: Int32Array } | null = null;

export class SimWorld {
  readonly words: number;
  /** Timestamp of the newest drained store (0: only initial values so far). */
  clock = 0;
  choice: ChoiceSource;
  /** Fires before every access; null for none. */
  onAccess: AccessHook | null = null;
  readonly threads: SimulatedMemory[] = [];
  /**
   * Labels every store when it is made (program order), e.g. the generation of the node it lands
   * in; a load can then tell which incarnation of a node the value it read belongs to. Null: 0.
   */
  storeTag: ((addr: number) => number) | null = null;
  /** Copied onto every store when it is made: who made it (e.g. the writer's version). */
  storeOrigin = 0;
  /** Sees every access after it completed, and every drain (for traces); null for none. */
  tracer: AccessTracer | null = null;
  /**
   * Asked at every buffered store whether to hold it back (the exhaustive explorer; see
   * StoreBuffer.nextFlush). Null: no store is ever held.
   */
  holdStore: ((thread: SimulatedMemory) => boolean) | null = null;
  /** Drain choices range over exactly the stores that may drain (StoreBuffer.drainable). */
  exactChoices = false;
  /** Stores made so far (a store's sequence number is its rank in program order, all threads). */
  pushed = 0;
  // Per drained store, by timestamp (the clock ticks once per store, so timestamps index arrays):
  // its value, the timestamp of the previous store to the same address (0: the initial value),
  // its tag and its origin. An address's history is the chain back from latestTs[addr]; nothing
  // is allocated per store.
  private valueByTs: Uint32Array;
  private prevByTs: Uint32Array;
  private tagByTs: Int32Array;
  private originByTs: Int32Array;

  // The newest drained value and its timestamp per address: the fast path of every load whose
  // lower bound is already the newest store (most loads) touches only these.
  private readonly latest: Uint32Array;
  private readonly latestTs: Uint32Array;
  /** Initial values set with init() (all others are 0). */
  private readonly initial = new Map<number, number>();
  private readonly historyLimit: number;
  /** Timestamp of the store the last `pick` returned (scratch, avoids returning a tuple). */
  private pickedTs = 0;

  constructor(options: SimWorldOptions) {
    if (!Number.isInteger(options.words) || options.words <= 0) {
      throw new RangeError(`SimWorld: words must be a positive integer, got ${options.words}`);
    }
    this.words = options.words;
    this.choice = options.choice;
    this.latest = takeArray(options.words);
    this.latestTs = takeArray(options.words);
    // Per-store arrays need no clearing: an entry is written before any load can reach it.
    const spare = spareHistory;
    spareHistory = null;
    this.valueByTs = spare?.value ?? new Uint32Array(1024);
    this.prevByTs = spare?.prev ?? new Uint32Array(1024);
    this.tagByTs = spare?.tag ?? new Int32Array(1024);
    this.originByTs = spare?.origin ?? new Int32Array(1024);
    this.historyLimit = Math.max(2, options.historyLimit ?? 64);
  }

  /**
   * Done with this world: its big per-address arrays (and its threads') go back to a pool, so the
   * next world of the same size costs a memset instead of an allocation and a garbage collection.
   * The world and its threads must not be used afterwards.
   */
  dispose(): void {
    giveArray(this.latest);
    giveArray(this.latestTs);
    if (spareHistory === null || spareHistory.value.length < this.valueByTs.length) {
      spareHistory = { value: this.valueByTs, prev: this.prevByTs, tag: this.tagByTs, origin: this.originByTs };
    }
    for (const t of this.threads) t.dispose();
    this.threads.length = 0;
  }

  /** Sets an initial value (timestamp 0). Only before any store has drained. */
  init(addr: number, value: number): void {
    this.checkAddr(addr);
    if (this.clock !== 0) throw new Error('SimWorld.init: stores have already drained');
    this.latest[addr] = value;
    this.initial.set(addr, value >>> 0);
  }

  /** A new logical thread over this world. */
  createThread(options: ThreadOptions = {}): SimulatedMemory {
    return this.register(new SimulatedMemory(this, this.threads.length, options.name ?? `T${this.threads.length}`), options);
  }

  /** Adds a thread built elsewhere (a subclass, e.g. the simulator's stale-read detector). */
  register<T extends SimulatedMemory>(thread: T, options: ThreadOptions = {}): T {
    if (thread.world !== this || thread.id !== this.threads.length) throw new Error('SimWorld.register: a thread of another world, or out of order');
    if ((options.view ?? 'now') === 'now') {
      thread.view = this.clock;
      thread.maxRead = this.clock;
    }
    this.threads.push(thread);
    return thread;
  }

  /** The newest drained value of an address (what an SC load would return). */
  newest(addr: number): number {
    return this.latest[addr];
  }

  /** Timestamp of the newest drained store to an address (0: the initial value). */
  newestTimestamp(addr: number): number {
    return this.latestTs[addr];
  }

  /** The drained stores to an address a load may still choose among, oldest first (tests, traces). */
  storesAt(addr: number): Array<{ ts: number; value: number }> {
    const out: Array<{ ts: number; value: number }> = [];
    let ts = this.latestTs[addr];
    for (let k = 0; k <= this.historyLimit; k++) {
      out.push({ ts, value: this.valueAt(addr, ts) });
      if (ts === 0) break;
      ts = this.prevByTs[ts];
    }
    return out.reverse();
  }

  /** Stores waiting in all buffers. */
  pending(): number {
    let n = 0;
    for (const t of this.threads) n += t.buffered;
    return n;
  }

  /** Drains one store of `thread` the barriers allow, chosen by the choice source. */
  drainOne(thread: SimulatedMemory): boolean {
    return thread.drainOneStore();
  }

  /** Drains one store of a thread chosen at random among those with buffered stores. */
  drainAny(): boolean {
    let candidates = 0;
    for (const t of this.threads) if (t.buffered > 0) candidates++;
    if (candidates === 0) return false;
    let k = this.choice.int(candidates, 'drain');
    for (const t of this.threads) {
      if (t.buffered > 0 && k-- === 0) return t.drainOneStore();
    }
    return false;
  }

  /** Drains every store that is not held, each thread's in program order (StoreBuffer.nextFlush); returns how many. */
  flushUnheld(): number {
    let n = 0;
    for (const t of this.threads) n += t.flushUnheld();
    return n;
  }

  /** Drains every buffer, one store at a time, threads and stores in a seeded order. */
  drainAll(): void {
    while (this.drainAny()) {
      // each call drains one store
    }
  }

  // ---- internal, used by SimulatedMemory -------------------------------------------------------

  /** The tag (see `storeTag`) of the store with this timestamp; 0 for initial values. */
  tagAt(ts: number): number {
    return ts > 0 ? this.tagByTs[ts] : 0;
  }

  /** The origin (see `storeOrigin`) of the store with this timestamp; 0 for initial values. */
  originAt(ts: number): number {
    return ts > 0 ? this.originByTs[ts] : 0;
  }

  /** A store reaches memory: the next timestamp, appended to the address's history. */
  commit(addr: number, value: number, tag = 0, origin = 0): number {
    const ts = ++this.clock;
    if (ts >= this.valueByTs.length) this.growHistory();
    this.valueByTs[ts] = value;
    this.prevByTs[ts] = this.latestTs[addr];
    this.tagByTs[ts] = tag;
    this.originByTs[ts] = origin;
    this.latest[addr] = value;
    this.latestTs[addr] = ts;
    return ts;
  }

  /**
   * A load's value: the store current at timestamp `lower` or any later one (at most historyLimit
   * back from the newest), chosen by the choice source. Sets `pickedTs`.
   */
  pick(addr: number, lower: number): number {
    const newest = this.latestTs[addr];
    if (lower >= newest) {
      // Only the newest store is allowed: no choice drawn (keeps the common case cheap).
      this.pickedTs = newest;
      return this.latest[addr];
    }
    // Count the stores newer than `lower`, plus the one current at `lower`.
    const prev = this.prevByTs;
    let choices = 1;
    for (let ts = newest; ts > lower && choices <= this.historyLimit; ts = prev[ts]) choices++;
    // Choice 0 is the newest value, so an all-zero decision stream is the sequentially
    // consistent run (what shrinking moves towards).
    let ts = newest;
    for (let k = this.choice.int(choices, 'load'); k > 0; k--) ts = prev[ts];
    this.pickedTs = ts;
    return this.valueAt(addr, ts);
  }

  private valueAt(addr: number, ts: number): number {
    return ts > 0 ? this.valueByTs[ts] : (this.initial.get(addr) ?? 0);
  }

  private growHistory(): void {
    const n = this.valueByTs.length * 2;
    const grow = <T extends Uint32Array | Int32Array>(old: T, fresh: T): T => {
      fresh.set(old);
      return fresh;
    };
    this.valueByTs = grow(this.valueByTs, new Uint32Array(n));
    this.prevByTs = grow(this.prevByTs, new Uint32Array(n));
    this.tagByTs = grow(this.tagByTs, new Int32Array(n));
    this.originByTs = grow(this.originByTs, new Int32Array(n));
  }

  get lastPickedTs(): number {
    return this.pickedTs;
  }

  checkAddr(addr: number): void {
    if (!(addr >= 0 && addr < this.words && Number.isInteger(addr))) {
      throw new RangeError(`simulated memory: address ${addr} outside [0, ${this.words})`);
    }
  }
}

/** `readFrom` reported to tracers for stores and barriers. */
export const NOT_A_LOAD = -2;

/** One logical thread's view of a SimWorld, implementing the memory layer's contract. */
export class SimulatedMemory implements Memory {
  readonly counts: BarrierCounts = { wmb: 0, rmb: 0, mb: 0, publish: 0 };
  /** Loads may not return a store older than the one current at this timestamp. */
  view = 0;
  /** Newest timestamp this thread has read (what `rmb` raises the view to). */
  maxRead = 0;
  /** Timestamp the last load read from, or FORWARDED (-1) if it came from the own buffer. */
  lastReadFrom = 0;
  /** Called after each of this thread's stores drains (the scheduler's bookkeeping); null for none. */
  onDrained: (() => void) | null = null;
  /**
   * Sequential mode: stores reach memory at once, in program order (a harness's setup phase, before
   * any other thread exists). Off by default.
   */
  direct = false;
  /** Per-address coherence floor: timestamp of the newest store this thread read or drained there. */
  protected readonly floor: Uint32Array;
  private readonly buffer: StoreBuffer;
  /** Epoch of the next plain store; wmb and publish start a new one. */
  private epoch = 0;

  constructor(
    readonly world: SimWorld,
    readonly id: number,
    readonly name: string,
  ) {
    this.floor = takeArray(world.words);
    this.buffer = new StoreBuffer(world.words, takeArray);
  }

  /** Stores waiting in this thread's buffer. */
  get buffered(): number {
    return this.buffer.size;
  }

  /** Sequence number (SimWorld.pushed order) of the oldest buffered store; Infinity when empty. */
  get oldestPendingSeq(): number {
    return this.buffer.oldestSeq;
  }

  /** The buffered stores, oldest first (for tests and traces). */
  bufferContents(): Array<{ addr: number; value: number; epoch: number }> {
    return this.buffer.contents();
  }

  // ---- the Memory contract ---------------------------------------------------------------------

  read(addr: number): number {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'read', addr);
    const value = this.load(addr);
    if (world.tracer !== null) world.tracer(this, 'read', addr, value, this.lastReadFrom);
    return value;
  }

  write(addr: number, value: number): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'write', addr);
    world.checkAddr(addr);
    this.push(addr, value);
    if (world.tracer !== null) world.tracer(this, 'write', addr, value, NOT_A_LOAD);
  }

  deref(addr: number): number {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'deref', addr);
    // Address dependencies, both ways. Into it: the tree computes a slot's address from the pivots
    // it read, so the slot load is not older than any load before it (modelled as all of them).
    // Out of it: what is read through the pointer is at least as new as the store that published
    // it (modelled as raising the whole view: stronger than LKMM for loads that do not depend on
    // the pointer, which the tree does not rely on). Plain loads after it are not raised to the
    // earlier loads: that is rmb's job, so a missing rmb still bites.
    const value = this.load(addr, this.maxRead);
    if (this.lastReadFrom > this.view) this.view = this.lastReadFrom;
    if (world.tracer !== null) world.tracer(this, 'deref', addr, value, this.lastReadFrom);
    return value;
  }

  /** The pivot scan as the `read` calls it stands for, one access each. */
  scan(addr: number, count: number, key: number): number {
    return scanByReads(this, addr, count, key);
  }

  /** deref then rmb: two accesses here, each with its own hook, trace line and meaning. */
  derefRmb(addr: number): number {
    const value = this.deref(addr);
    this.rmb();
    return value;
  }

  publish(addr: number, value: number): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'publish', addr);
    world.checkAddr(addr);
    this.counts.publish++;
    // Release: everything before it drains first; the store opens the new epoch, so later plain
    // stores may still drain before it (a release store orders only what precedes it).
    this.epoch++;
    this.push(addr, value);
    if (world.tracer !== null) world.tracer(this, 'publish', addr, value, NOT_A_LOAD);
  }

  loadAtomic(addr: number): number {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'loadAtomic', addr);
    world.checkAddr(addr);
    this.drainMine();
    this.syncView();
    const value = world.newest(addr);
    this.noteRead(addr, world.newestTimestamp(addr));
    if (world.tracer !== null) world.tracer(this, 'loadAtomic', addr, value, this.lastReadFrom);
    return value;
  }

  storeAtomic(addr: number, value: number): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'storeAtomic', addr);
    world.checkAddr(addr);
    this.drainMine();
    const ts = world.commit(addr, value, world.storeTag !== null ? world.storeTag(addr) : 0, world.storeOrigin);
    world.pushed++;
    this.floor[addr] = ts;
    this.syncView();
    if (world.tracer !== null) world.tracer(this, 'storeAtomic', addr, value, NOT_A_LOAD);
  }

  wmb(): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'wmb', -1);
    this.counts.wmb++;
    this.epoch++;
    if (world.tracer !== null) world.tracer(this, 'wmb', -1, 0, NOT_A_LOAD);
  }

  rmb(): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'rmb', -1);
    // Not counted, like ThreadedMemory (readers issue one per node).
    if (this.maxRead > this.view) this.view = this.maxRead;
    if (world.tracer !== null) world.tracer(this, 'rmb', -1, 0, NOT_A_LOAD);
  }

  mb(): void {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'mb', -1);
    this.counts.mb++;
    this.drainMine();
    this.syncView();
    if (world.tracer !== null) world.tracer(this, 'mb', -1, 0, NOT_A_LOAD);
  }

  /** Called by SimWorld.dispose. */
  dispose(): void {
    giveArray(this.floor);
    const counts = this.buffer.release();
    if (counts !== null) giveArray(counts);
  }

  // ---- for schedulers: ordering that is not one of the tree's accesses -------------------------

  /**
   * A full fence the harness inserts (the grace-period machinery's smp_mb): drains the buffer and
   * syncs the view, without a hook, a trace line or a barrier count.
   */
  fence(): void {
    this.drainMine();
    this.syncView();
  }

  /**
   * Orders every store so far before every later one, uncounted (the writer's unlock and lock
   * between two operations: release then acquire, which orders stores before stores).
   */
  orderStores(): void {
    if (this.buffer.size > 0) this.epoch++;
  }

  /**
   * What this thread's own program order left at an address: its newest buffered store there, else
   * the newest drained value. For a sole writer that is the word's current content. No hook, no
   * choice, no trace: harness bookkeeping, not one of the tree's accesses.
   */
  newestOwn(addr: number): number {
    const own = this.buffer.newestFor(addr);
    return own >= 0 ? this.buffer.value[own] : this.world.newest(addr);
  }

  /**
   * Raise the view to a timestamp: time passing lets the stores drained by then reach this thread
   * (a writer spinning on a grace period). Sound at any point: later loads may only return values
   * they could have returned anyway.
   */
  raiseView(ts: number): void {
    if (ts > this.view) this.view = ts;
    if (ts > this.maxRead) this.maxRead = ts;
  }

  // ---- internals -------------------------------------------------------------------------------

  protected load(addr: number, dependsOn = 0): number {
    this.world.checkAddr(addr);
    // Store forwarding: the own newest buffered store to this address wins.
    const own = this.buffer.newestFor(addr);
    if (own >= 0) {
      this.lastReadFrom = FORWARDED;
      return this.buffer.value[own];
    }
    let lower = this.floor[addr];
    if (this.view > lower) lower = this.view;
    if (dependsOn > lower) lower = dependsOn;
    const value = this.world.pick(addr, lower);
    this.noteRead(addr, this.world.lastPickedTs);
    return value;
  }

  protected noteRead(addr: number, ts: number): void {
    this.lastReadFrom = ts;
    if (ts > this.floor[addr]) this.floor[addr] = ts;
    if (ts > this.maxRead) this.maxRead = ts;
  }

  /** SC point: the view covers every drained store. */
  private syncView(): void {
    this.view = this.world.clock;
    if (this.world.clock > this.maxRead) this.maxRead = this.world.clock;
  }

  private push(addr: number, value: number): void {
    const world = this.world;
    const tag = world.storeTag !== null ? world.storeTag(addr) : 0;
    if (this.direct) {
      this.floor[addr] = world.commit(addr, value, tag, world.storeOrigin);
      world.pushed++;
      return;
    }
    const held = world.holdStore !== null && world.holdStore(this);
    this.buffer.push(addr, value, tag, world.storeOrigin, world.pushed++, this.epoch, held);
  }

  /** Drains every own buffered store, in a seeded order the barriers allow. */
  protected drainMine(): void {
    while (this.buffer.size > 0) this.drainOneStore();
  }

  /**
   * Drains one buffered store: one of the oldest epoch that has no older buffered store to the
   * same address (per-address order is program order). Choice 0 is the oldest store, so an
   * all-zero decision stream drains in program order. Called through SimWorld.drainOne.
   */
  drainOneStore(): boolean {
    if (this.buffer.size === 0) return false;
    this.drainAt(this.buffer.drainable(this.pickDrain, this.world.exactChoices));
    return true;
  }

  /** Drains, in program order, every buffered store that is not held (see StoreBuffer.nextFlush). */
  flushUnheld(): number {
    let n = 0;
    for (let at = this.buffer.nextFlush(); at >= 0; at = this.buffer.nextFlush()) {
      this.drainAt(at);
      n++;
    }
    return n;
  }

  private drainAt(at: number): void {
    const buffer = this.buffer;
    const addr = buffer.addr[at];
    const value = buffer.value[at];
    const tag = buffer.tag[at];
    const origin = buffer.origin[at];
    buffer.remove(at);
    // Own stores are coherent too: once drained, this thread never reads older there.
    const ts = this.world.commit(addr, value, tag, origin);
    this.floor[addr] = ts;
    if (this.world.tracer !== null) this.world.tracer(this, 'drain', addr, value, ts);
    if (this.onDrained !== null) this.onDrained();
  }

  private readonly pickDrain = (n: number): number => this.world.choice.int(n, 'drain');
}
