/**
 * One simulated thread's store buffer: plain stores waiting to reach memory, in program order,
 * cut into epochs by barriers. Only stores of the oldest epoch may drain, and of two stores to one
 * address the older drains first.
 *
 * A writer building a node buffers hundreds of stores, so every operation here is O(1) amortised:
 * entries sit in a queue [head, tail) of parallel typed arrays, drained ones become tombstones
 * (addr -1), epoch boundaries are a queue of their own, and a count of buffered stores per address
 * answers "is this the oldest store to its address?" and "anything to forward?" without a scan.
 *
 * A store may be *held* (the exhaustive explorer's one reordering of a store): the eager flush
 * (nextFlush) lets the later stores of its epoch overtake it, and drains it as soon as something
 * the barriers order after it is due (a later epoch's store, a later store to its address) or the
 * thread drains its whole buffer (mb, an Atomics op).
 */
const INITIAL = 64;
const EMPTY = new Uint32Array(0);

export class StoreBuffer {
  addr: Int32Array;
  value: Uint32Array;
  tag: Int32Array;
  origin: Int32Array;
  seq: Float64Array;
  /** 1: held back by the exhaustive explorer (see nextFlush). */
  held: Uint8Array;
  private epochOf: Uint32Array;
  private head = 0;
  private tail = 0;
  /** Live (not yet drained) entries. */
  size = 0;
  // Indices where an epoch starts, as a queue; the oldest epoch is [head, starts[1]) or [head, tail).
  private starts: Int32Array;
  private startsHead = 0;
  private startsTail = 0;
  /** Buffered stores per address; taken at the first store (a thread that never stores takes none). */
  private counts: Uint32Array = EMPTY;

  constructor(
    private readonly words: number,
    private readonly take: (words: number) => Uint32Array,
  ) {
    this.addr = new Int32Array(INITIAL);
    this.value = new Uint32Array(INITIAL);
    this.tag = new Int32Array(INITIAL);
    this.origin = new Int32Array(INITIAL);
    this.seq = new Float64Array(INITIAL);
    this.held = new Uint8Array(INITIAL);
    this.epochOf = new Uint32Array(INITIAL);
    this.starts = new Int32Array(INITIAL);
  }

  push(addr: number, value: number, tag: number, origin: number, seq: number, epoch: number, held = false): void {
    if (this.counts === EMPTY) this.counts = this.take(this.words);
    if (this.tail === this.addr.length) this.makeRoom();
    const at = this.tail++;
    if (this.size === 0 || this.epochOf[this.lastLive()] !== epoch) {
      if (this.startsTail === this.starts.length) this.growStarts();
      this.starts[this.startsTail++] = at;
    }
    this.addr[at] = addr;
    this.value[at] = value;
    this.tag[at] = tag;
    this.origin[at] = origin;
    this.seq[at] = seq;
    this.held[at] = held ? 1 : 0;
    this.epochOf[at] = epoch;
    this.counts[addr]++;
    this.size++;
  }

  /** Sequence number of the oldest buffered store; Infinity when empty. */
  get oldestSeq(): number {
    return this.size > 0 ? this.seq[this.head] : Infinity;
  }

  /** The index of the newest buffered store to addr, or -1 (store forwarding). */
  newestFor(addr: number): number {
    if (this.size === 0 || this.counts[addr] === 0) return -1;
    for (let i = this.tail - 1; i >= this.head; i--) if (this.addr[i] === addr) return i;
    return -1;
  }

  /**
   * A store that may drain now, `pick` choosing among the oldest epoch's slots (0: the oldest
   * store). A store with an older one to its address pending gives way to that one.
   *
   * With `exact`, `pick` chooses among exactly the stores that may drain (live, oldest epoch, no
   * older store to their address pending), so no two choices drain the same store: the exhaustive
   * explorer counts choices as distinct executions. Without it (the seeded strategies, whose replay
   * tokens depend on it) the choice ranges over the epoch's slots, drained ones included.
   */
  drainable(pick: (n: number) => number, exact = false): number {
    const head = this.head;
    const end = this.oldestEpochEnd();
    if (exact) return this.exactDrainable(pick, head, end);
    const span = end - head;
    let i = span > 1 ? head + pick(span) : head;
    while (this.addr[i] < 0) i = i + 1 < end ? i + 1 : head;
    return this.oldestFor(i);
  }

  /**
   * The store the eager flush drains next, or -1 when only held stores are left and nothing the
   * barriers order after them is buffered. In program order: the oldest epoch's first store that
   * is not held; a held store drains first when it is older at the same address (coherence), and
   * held stores drain, oldest first, once their epoch holds nothing else and a later epoch waits.
   */
  nextFlush(): number {
    if (this.size === 0) return -1;
    const end = this.oldestEpochEnd();
    for (let i = this.head; i < end; i++) {
      if (this.addr[i] >= 0 && this.held[i] === 0) return this.oldestFor(i);
    }
    return end < this.tail ? this.head : -1;
  }

  /** Remove entry i (its fields stay readable until the next push). */
  remove(i: number): void {
    this.counts[this.addr[i]]--;
    this.addr[i] = -1;
    this.size--;
    if (this.size === 0) {
      this.head = this.tail = 0;
      this.startsHead = this.startsTail = 0;
      return;
    }
    while (this.addr[this.head] < 0) this.head++;
    // Only the start of the second-oldest epoch is ever read: drop the starts the head has passed.
    while (this.startsTail - this.startsHead > 1 && this.starts[this.startsHead + 1] <= this.head) this.startsHead++;
  }

  private oldestEpochEnd(): number {
    return this.startsTail - this.startsHead > 1 ? this.starts[this.startsHead + 1] : this.tail;
  }

  /** Entry i, or the oldest buffered store to its address when an older one is pending. */
  private oldestFor(i: number): number {
    const addr = this.addr[i];
    if (this.counts[addr] > 1) {
      for (let j = this.head; j < i; j++) {
        if (this.addr[j] === addr) return j;
      }
    }
    return i;
  }

  private exactDrainable(pick: (n: number) => number, head: number, end: number): number {
    let n = 0;
    for (let i = head; i < end; i++) if (this.addr[i] >= 0 && this.oldestFor(i) === i) n++;
    let k = n > 1 ? pick(n) : 0;
    for (let i = head; i < end; i++) {
      if (this.addr[i] >= 0 && this.oldestFor(i) === i && k-- === 0) return i;
    }
    throw new Error('StoreBuffer: no drainable store in a non-empty buffer');
  }

  /** The per-address counts array, if one was taken (to give back to a pool). */
  release(): Uint32Array | null {
    const counts = this.counts;
    this.counts = EMPTY;
    return counts === EMPTY ? null : counts;
  }

  /** Live entries, oldest first (for tests and traces). */
  contents(): Array<{ addr: number; value: number; epoch: number }> {
    const out: Array<{ addr: number; value: number; epoch: number }> = [];
    for (let i = this.head; i < this.tail; i++) {
      if (this.addr[i] >= 0) out.push({ addr: this.addr[i], value: this.value[i], epoch: this.epochOf[i] });
    }
    return out;
  }

  private lastLive(): number {
    let i = this.tail - 2;
    while (this.addr[i] < 0) i--;
    return i;
  }

  /** Compact live entries to the front, growing the arrays if more than half are live. */
  private makeRoom(): void {
    const n = this.size * 2 > this.addr.length ? this.addr.length * 2 : this.addr.length;
    const fresh = <T extends Int32Array | Uint32Array | Uint8Array | Float64Array>(old: T, make: (n: number) => T): T => {
      const out = n === old.length ? old : make(n);
      let k = 0;
      for (let i = this.head; i < this.tail; i++) if (this.addr[i] >= 0) out[k++] = old[i];
      return out;
    };
    // Epoch starts move with their entries: recompute them from the epochs.
    const epochs = fresh(this.epochOf, (m) => new Uint32Array(m));
    this.value = fresh(this.value, (m) => new Uint32Array(m));
    this.tag = fresh(this.tag, (m) => new Int32Array(m));
    this.origin = fresh(this.origin, (m) => new Int32Array(m));
    this.seq = fresh(this.seq, (m) => new Float64Array(m));
    this.held = fresh(this.held, (m) => new Uint8Array(m));
    this.addr = fresh(this.addr, (m) => new Int32Array(m));
    this.epochOf = epochs;
    this.head = 0;
    this.tail = this.size;
    this.startsHead = this.startsTail = 0;
    for (let i = 0; i < this.size; i++) {
      if (i === 0 || epochs[i] !== epochs[i - 1]) {
        if (this.startsTail === this.starts.length) this.growStarts();
        this.starts[this.startsTail++] = i;
      }
    }
  }

  private growStarts(): void {
    const live = this.startsTail - this.startsHead;
    const out = new Int32Array(live * 2 > this.starts.length ? this.starts.length * 2 : this.starts.length);
    out.set(this.starts.subarray(this.startsHead, this.startsTail));
    this.starts = out;
    this.startsHead = 0;
    this.startsTail = live;
  }
}
