/**
 * RCU in shared memory, in the style of userspace RCU's "memb" flavour.
 *
 * The core idea: a reader entering a read-side section stores the current grace-period sequence
 * in its own padded word and stores 0 when it leaves. A grace period that starts by bumping the
 * sequence to `t` is over once every reader word is 0 or at least `t`: every reader that was inside
 * when it began has left. Readers between operations hold 0 and never delay it.
 */

/** Words per reader slot: 16 Int32 = 64 bytes, one cache line each. */
const PAD = 16;
const GP_SEQ = 0;
const GP_COMPLETED = 1;
const MAX_READERS_AT = 2;
const GP_COUNT = 3;

export class RcuState {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly maxReaders: number;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.maxReaders = this.words[MAX_READERS_AT];
  }

  static create(maxReaders: number): RcuState {
    if (!Number.isInteger(maxReaders) || maxReaders < 0 || maxReaders > 1024) {
      throw new RangeError(`maxReaders must be an integer in [0, 1024], got ${maxReaders}`);
    }
    const buffer = new SharedArrayBuffer((maxReaders + 1) * PAD * 4);
    const words = new Int32Array(buffer);
    words[GP_SEQ] = 2;
    words[GP_COMPLETED] = 2;
    words[MAX_READERS_AT] = maxReaders;
    return new RcuState(buffer);
  }

  static attach(buffer: SharedArrayBuffer): RcuState {
    return new RcuState(buffer);
  }

  reader(index: number): RcuReader {
    if (!Number.isInteger(index) || index < 0 || index >= this.maxReaders) {
      throw new RangeError(`reader index must be in [0, ${this.maxReaders - 1}], got ${index}`);
    }
    return new RcuReader(this.words, (index + 1) * PAD);
  }

  /** Grace periods completed so far. */
  get gracePeriods(): number {
    return Atomics.load(this.words, GP_COUNT);
  }
}

/** One reader's side: rcu_read_lock / rcu_read_unlock. Not nestable. */
export class RcuReader {
  constructor(private readonly words: Int32Array, private readonly slot: number) {}

  lock(): void {
    // An SC store: the tree loads that follow cannot be satisfied before it is visible.
    Atomics.store(this.words, this.slot, Atomics.load(this.words, GP_SEQ));
  }

  unlock(): void {
    Atomics.store(this.words, this.slot, 0);
  }

  get inside(): boolean {
    return Atomics.load(this.words, this.slot) !== 0;
  }
}

/** The writer's side: start grace periods, poll them without blocking, or wait for one. */
export class GracePeriods {
  private readonly words: Int32Array;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly state: RcuState) {
    this.words = state.words;
  }

  /** The sequence a callback queued now must see completed: one that starts after now. */
  cookie(): number {
    return Atomics.load(this.words, GP_SEQ) + 2;
  }

  get completed(): number {
    return Atomics.load(this.words, GP_COMPLETED);
  }

  get inFlight(): boolean {
    return Atomics.load(this.words, GP_SEQ) !== Atomics.load(this.words, GP_COMPLETED);
  }

  /** Begin a grace period unless one is running. */
  start(): void {
    if (!this.inFlight) Atomics.add(this.words, GP_SEQ, 2);
  }

  /** Non-blocking: finish the running grace period if every reader has moved past it. */
  poll(): boolean {
    const words = this.words;
    const target = Atomics.load(words, GP_SEQ);
    if (target === Atomics.load(words, GP_COMPLETED)) return false;
    const max = this.state.maxReaders;
    for (let i = 1; i <= max; i++) {
      const seen = Atomics.load(words, i * PAD);
      if (seen !== 0 && ((seen - target) | 0) < 0) return false;
    }
    Atomics.store(words, GP_COMPLETED, target);
    Atomics.add(words, GP_COUNT, 1);
    return true;
  }

  /** True once every callback with this cookie may run. */
  done(cookie: number): boolean {
    return ((this.completed - cookie) | 0) >= 0;
  }

  /** synchronize_rcu: start a grace period and wait until it is over. */
  synchronize(): void {
    const cookie = this.cookie();
    this.waitFor(cookie);
  }

  /** Wait (sleeping briefly between polls, so readers get the cores) until cookie is done. */
  waitFor(cookie: number): void {
    let naps = 0;
    while (!this.done(cookie)) {
      this.start();
      if (this.poll()) continue;
      // Two cores, more threads than cores: yield the core instead of spinning.
      Atomics.wait(this.sleeper, 0, 0, naps++ < 8 ? 0.02 : 0.2);
    }
  }
}
