/**
 * RCU in shared memory, in the style of userspace RCU's "memb" flavour.
 *
 * The core idea: a reader entering a read-side section stores the current grace-period sequence
 * in its own padded word and stores 0 when it leaves. A grace period that starts by bumping the
 * sequence to `t` is over once every reader word is 0 or at least `t`: every reader that was inside
 * when it began has left. Readers between operations hold 0 and never delay it.
 *
 * Every access goes through the memory layer (memory.ts) with the kind liburcu's memb flavour
 * uses, no stronger, so the weak-memory simulator can judge the RCU code itself:
 * - rcu_read_lock: READ_ONCE the sequence, WRITE_ONCE it into the reader's word, smp_mb. Against
 *   the grace period's leading smp_mb this is store buffering with a full barrier on each side:
 *   either the scan sees the announcement or the reader's tree loads see every unlink before it.
 * - rcu_read_unlock: smp_mb, then WRITE_ONCE 0 (the section's loads are done before it shows).
 * - a grace period: smp_mb, then the new sequence (a reader that reads it also sees the unlinks
 *   before it); the scan reads reader words with READ_ONCE; smp_mb before it is declared over
 *   (the scan is done before anything it lets free is reused).
 * The sequence, completed and count words are written by the one writer only, so plain
 * read-modify-writes suffice.
 */
import { ThreadedMemory } from './memory.js';
import type { Memory } from './memory.js';
import { Bug } from './bugs.js';

/** Words per reader slot: 16 words = 64 bytes, one cache line each. */
const PAD = 16;
const GP_SEQ = 0;
const GP_COMPLETED = 1;
const MAX_READERS_AT = 2;
const GP_COUNT = 3;
/** The sequence the first grace period starts from (0 means "outside a section"). */
const FIRST_SEQ = 2;

/**
 * Where the RCU words sit in a memory layer's address space: a header line (sequence, completed,
 * reader count, grace periods so far) and one line per reader, from `base`. Real threads keep them
 * in a buffer of their own (base 0); the simulator puts them after the tree's nodes in the same
 * simulated address space, so a reader's announcement and its tree loads share one store buffer
 * and one view, as on a real CPU.
 */
export class RcuLayout {
  readonly seq: number;
  readonly completed: number;
  readonly count: number;

  constructor(readonly base: number, readonly maxReaders: number) {
    if (!Number.isInteger(maxReaders) || maxReaders < 0 || maxReaders > 1024) {
      throw new RangeError(`maxReaders must be an integer in [0, 1024], got ${maxReaders}`);
    }
    this.seq = base + GP_SEQ;
    this.completed = base + GP_COMPLETED;
    this.count = base + GP_COUNT;
  }

  /** Words the layout covers. */
  static words(maxReaders: number): number {
    return (maxReaders + 1) * PAD;
  }

  get words(): number {
    return RcuLayout.words(this.maxReaders);
  }

  /** The word reader `index` announces itself in. */
  slot(index: number): number {
    return this.base + (index + 1) * PAD;
  }

  /** Initial values, [address, value], for a memory that starts zeroed. */
  initialValues(): Array<[number, number]> {
    return [
      [this.seq, FIRST_SEQ],
      [this.completed, FIRST_SEQ],
      [this.base + MAX_READERS_AT, this.maxReaders],
    ];
  }

  /** A word's name for traces ('gp.seq', 'rcu.reader1'), or null if it is not an RCU word. */
  name(addr: number): string | null {
    const off = addr - this.base;
    if (off < 0 || off >= this.words) return null;
    if (off < PAD) return ['gp.seq', 'gp.completed', 'gp.readers', 'gp.count'][off] ?? `gp.w${off}`;
    return off % PAD === 0 ? `rcu.reader${off / PAD - 1}` : `rcu.pad${off}`;
  }
}

/** The RCU words in a SharedArrayBuffer of their own, for real threads. */
export class RcuState {
  readonly buffer: SharedArrayBuffer;
  readonly layout: RcuLayout;
  private readonly words: Int32Array;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.layout = new RcuLayout(0, this.words[MAX_READERS_AT]);
  }

  static create(maxReaders: number): RcuState {
    const layout = new RcuLayout(0, maxReaders);
    const buffer = new SharedArrayBuffer(layout.words * 4);
    const words = new Int32Array(buffer);
    for (const [addr, value] of layout.initialValues()) words[addr] = value;
    return new RcuState(buffer);
  }

  static attach(buffer: SharedArrayBuffer): RcuState {
    return new RcuState(buffer);
  }

  get maxReaders(): number {
    return this.layout.maxReaders;
  }

  /** Reader `index`'s side, over a memory of its own (ThreadedMemory: the class is always the same). */
  reader(index: number, bugs = 0): RcuReader {
    return new RcuReader(new ThreadedMemory(this.buffer), this.layout, index, bugs);
  }

  /** The writer's side (one per writer thread). */
  writer(): GracePeriods {
    return new GracePeriods(new ThreadedMemory(this.buffer), this.layout);
  }

  /** Grace periods completed so far (a statistic, read from any thread). */
  get gracePeriods(): number {
    return Atomics.load(this.words, GP_COUNT);
  }
}

/** One reader's side: rcu_read_lock / rcu_read_unlock. Not nestable. */
export class RcuReader {
  private readonly seq: number;
  private readonly slot: number;
  private readonly bugs: number;

  constructor(private readonly mem: Memory, layout: RcuLayout, index: number, bugs = 0) {
    if (!Number.isInteger(index) || index < 0 || index >= layout.maxReaders) {
      throw new RangeError(`reader index must be in [0, ${layout.maxReaders - 1}], got ${index}`);
    }
    this.seq = layout.seq;
    this.slot = layout.slot(index);
    this.bugs = bugs;
  }

  lock(): void {
    const mem = this.mem;
    mem.write(this.slot, mem.read(this.seq));
    // smp_mb: the tree loads that follow are not satisfied before the announcement is visible.
    if ((this.bugs & Bug.RCU_READER_NO_MB) === 0) mem.mb();
  }

  unlock(): void {
    const mem = this.mem;
    // smp_mb: every load of the section is done before the writer can see the reader leave.
    mem.mb();
    mem.write(this.slot, 0);
  }

  /** The announcement as this thread sees it (tests). */
  get inside(): boolean {
    return this.mem.read(this.slot) !== 0;
  }
}

/** The writer's side: start grace periods, poll them without blocking, or wait for one. */
export class GracePeriods {
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  constructor(private readonly mem: Memory, readonly layout: RcuLayout) {}

  /** The sequence a callback queued now must see completed: one that starts after now. */
  cookie(): number {
    return (this.mem.read(this.layout.seq) + 2) >>> 0;
  }

  get completed(): number {
    return this.mem.read(this.layout.completed);
  }

  get inFlight(): boolean {
    return this.mem.read(this.layout.seq) !== this.mem.read(this.layout.completed);
  }

  /** Begin a grace period unless one is running. */
  start(): void {
    const mem = this.mem;
    const seq = mem.read(this.layout.seq);
    if (seq !== mem.read(this.layout.completed)) return;
    // smp_mb: every unlink so far is visible before the new sequence, and before the scan reads
    // any reader word (store buffering against the reader's announce-then-smp_mb).
    mem.mb();
    mem.write(this.layout.seq, (seq + 2) >>> 0);
  }

  /** Non-blocking: finish the running grace period if every reader has moved past it. */
  poll(): boolean {
    const mem = this.mem;
    const layout = this.layout;
    const target = mem.read(layout.seq);
    if (target === mem.read(layout.completed)) return false;
    const max = layout.maxReaders;
    for (let i = 0; i < max; i++) {
      const seen = mem.read(layout.slot(i));
      if (seen !== 0 && ((seen - target) | 0) < 0) return false;
    }
    // smp_mb: the scan is over before anything this grace period lets free is reused.
    mem.mb();
    mem.write(layout.completed, target);
    mem.write(layout.count, (mem.read(layout.count) + 1) >>> 0);
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
