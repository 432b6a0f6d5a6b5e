/**
 * The slab: fixed 256-byte nodes (64 32-bit words) in one SharedArrayBuffer, node 0 reserved as
 * NULL (its words hold the tree header instead). Allocation and free belong to the writer thread;
 * the counters and per-node generation words live in a second buffer so other threads (the
 * harness) can read them.
 *
 * Generation words sit outside the node's kernel-layout words: the free path's overlay cannot
 * touch them, so the harness can judge a read independently of the tree's own dead checks.
 */
export const NODE_WORDS = 64;
export const NODE_BYTES = NODE_WORDS * 4;
/** Hard ceiling: node ids must fit the 24 bits a parent word gives them. */
export const MAX_CAPACITY = (1 << 24) - 1;

// Control buffer layout (Int32 words).
const LIVE = 0;
const FREE = 1;
const WAITING = 2;
const CAPACITY = 3;
const FREE_TOP = 4;
const BAD_FREES = 5;
/** The harness's clock (the writer's current version), stamped on each node's death. */
const CLOCK = 6;
const HEADER_WORDS = 16;

export const NODE_FREE = 0;
export const NODE_LIVE = 1;
export const NODE_WAITING = 2;
const STATE_NAMES = ['free', 'live', 'waiting for a grace period'];

/** A free of a node that was not in the state the free path expects: a double free or a leak. */
export class BadFreeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BadFreeError';
  }
}

export class SlabExhaustedError extends Error {
  constructor(readonly needed: number, readonly available: number, readonly capacity: number) {
    super(
      `slab exhausted: this write needs up to ${needed} free nodes but only ${available} of ` +
        `${capacity} are free; the tree is unchanged (create it with a larger capacity)`,
    );
    this.name = 'SlabExhaustedError';
  }
}

export interface SlabBuffers {
  nodes: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export interface SlabStats {
  capacity: number;
  live: number;
  free: number;
  waiting: number;
}

export class Slab {
  readonly capacity: number;
  readonly buffers: SlabBuffers;
  private readonly control: Int32Array;
  /**
   * generation[id]: bumped on reuse, death and free, so generation % 3 is 1 while the node is
   * live, 2 once it is dead and 0 while it is free.
   */
  readonly generations: Int32Array;
  /** The clock value when each node last died. */
  readonly deathStamps: Int32Array;
  /** Stack of free node ids (writer-private in use, shared for inspection). */
  private readonly freeStack: Int32Array;
  /** Per-node accounting state, one byte each: free, live or waiting. */
  private readonly states: Uint8Array;

  private constructor(buffers: SlabBuffers) {
    this.buffers = buffers;
    this.control = new Int32Array(buffers.control, 0, HEADER_WORDS);
    this.capacity = this.control[CAPACITY];
    const cap = this.capacity;
    this.generations = new Int32Array(buffers.control, HEADER_WORDS * 4, cap + 1);
    this.deathStamps = new Int32Array(buffers.control, (HEADER_WORDS + cap + 1) * 4, cap + 1);
    this.freeStack = new Int32Array(buffers.control, (HEADER_WORDS + 2 * cap + 2) * 4, cap);
    this.states = new Uint8Array(buffers.control, (HEADER_WORDS + 3 * cap + 2) * 4, cap + 1);
  }

  /** `nodeBuffer` false: no node buffer (the nodes' words live in a simulated memory instead). */
  static create(capacity: number, nodeBuffer = true): Slab {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > MAX_CAPACITY) {
      throw new RangeError(`capacity must be an integer in [1, ${MAX_CAPACITY}] nodes, got ${capacity}`);
    }
    const nodes = new SharedArrayBuffer(nodeBuffer ? (capacity + 1) * NODE_BYTES : 0);
    const control = new SharedArrayBuffer((HEADER_WORDS + 3 * capacity + 2) * 4 + ((capacity + 4) & ~3));
    const words = new Int32Array(control, 0, HEADER_WORDS);
    words[CAPACITY] = capacity;
    words[FREE] = capacity;
    words[FREE_TOP] = capacity;
    const slab = new Slab({ nodes, control });
    // Pop order hands out low ids first, which keeps dumps readable.
    for (let i = 0; i < capacity; i++) slab.freeStack[i] = capacity - i;
    return slab;
  }

  /** Attach to a slab created on another thread. */
  static attach(buffers: SlabBuffers): Slab {
    return new Slab(buffers);
  }

  /**
   * Free nodes. The counters are changed by the writer alone (plain increments, in program order on
   * its own thread); other threads read them with Atomics.load, for statistics.
   */
  get free(): number {
    return Atomics.load(this.control, FREE);
  }

  stats(): SlabStats {
    return {
      capacity: this.capacity,
      live: Atomics.load(this.control, LIVE),
      free: Atomics.load(this.control, FREE),
      waiting: Atomics.load(this.control, WAITING),
    };
  }

  /** Frees of a node that was not in the expected state (double frees): 0 in a correct build. */
  get badFrees(): number {
    return Atomics.load(this.control, BAD_FREES);
  }

  /** Fail before touching the tree when a write may need more nodes than are free. */
  reserve(needed: number): void {
    const available = this.free;
    if (needed > available) throw new SlabExhaustedError(needed, available, this.capacity);
  }

  alloc(): number {
    const top = this.control[FREE_TOP];
    if (top === 0) throw new SlabExhaustedError(1, 0, this.capacity);
    const id = this.freeStack[top - 1];
    this.control[FREE_TOP] = top - 1;
    this.control[FREE]--;
    this.control[LIVE]++;
    Atomics.add(this.generations, id, 1);
    this.states[id] = NODE_LIVE;
    return id;
  }

  /** A dead node leaves the live count and waits for a grace period. */
  retire(id: number): void {
    this.transition(id, NODE_LIVE, NODE_WAITING);
    this.control[LIVE]--;
    this.control[WAITING]++;
  }

  /** Nodes that have died so far (on this thread's slab view). */
  deaths = 0;

  /** Bump a node's generation and stamp the clock: called when it dies. */
  noteDeath(id: number): void {
    this.deaths++;
    this.deathStamps[id] = this.control[CLOCK];
    Atomics.add(this.generations, id, 1);
  }

  /** Set the clock stamped on deaths (the harness's writer version). */
  setClock(value: number): void {
    this.control[CLOCK] = value;
  }

  /** The clock: the writer version being applied (0 until the harness sets one). */
  get clock(): number {
    return this.control[CLOCK];
  }

  /** Return a retired node to the free list once its grace period is over. */
  release(id: number): void {
    this.transition(id, NODE_WAITING, NODE_FREE);
    this.pushFree(id);
    this.control[WAITING]--;
  }

  /** Free a live node at once (non-RCU mode: no reader can hold it). */
  freeNow(id: number): void {
    this.transition(id, NODE_LIVE, NODE_FREE);
    this.pushFree(id);
    this.control[LIVE]--;
  }

  /** The node's accounting state: NODE_FREE, NODE_LIVE or NODE_WAITING. */
  stateOf(id: number): number {
    return this.states[id];
  }

  private pushFree(id: number): void {
    const top = this.control[FREE_TOP];
    this.freeStack[top] = id;
    this.control[FREE_TOP] = top + 1;
    this.control[FREE]++;
    Atomics.add(this.generations, id, 1);
  }

  /** Police every free: freeing a node twice, or one that was never handed out, is counted. */
  private transition(id: number, from: number, to: number): void {
    if (!(id > 0 && id <= this.capacity) || this.states[id] !== from) {
      Atomics.add(this.control, BAD_FREES, 1);
      const what = id > 0 && id <= this.capacity ? STATE_NAMES[this.states[id]] : 'out of range';
      throw new BadFreeError(`bad free of node ${id}: expected it ${STATE_NAMES[from]}, it is ${what}`);
    }
    this.states[id] = to;
  }
}
