/**
 * The run's control block in shared memory: the start/stop phase, and one padded row of live
 * counters per thread (row 0 is the writer, rows 1.. the readers), which the main thread reads for
 * the status line, the timeline and the stall watchdog.
 */
const PAD = 16;
const PHASE = 0;
const READY = PAD;
const FLAGGED = 2 * PAD;
const ROWS_AT = 3 * PAD;

export const PHASE_SETUP = 0;
export const PHASE_GO = 1;
export const PHASE_STOP = 2;

// Columns of a thread's row.
export const OPS = 0;
export const REWALKS = 1;
export const DISCARDED = 2;
export const CHECKS = 3;
export const VIOLATIONS = 4;
/** What the thread is doing now: an op code (see OP_NAMES) and its first argument. */
export const DOING = 5;
export const DOING_ARG = 6;
export const GRACE_PERIODS = 7;
/** 1 once the thread has returned (finished, or failed). */
export const DONE = 8;

export const OP_NAMES = [
  'idle',
  'load',
  'walk',
  'find',
  'findRev',
  'emptyArea',
  'emptyAreaRev',
  'checking',
  'store',
  'setup',
  'final barrier',
];
export const OP_IDLE = 0;
export const OP_LOAD = 1;
export const OP_WALK = 2;
export const OP_FIND = 3;
export const OP_FIND_REV = 4;
export const OP_EMPTY_AREA = 5;
export const OP_EMPTY_AREA_REV = 6;
export const OP_CHECKING = 7;
export const OP_STORE = 8;
export const OP_SETUP = 9;
export const OP_BARRIER = 10;

export class RunControl {
  readonly buffer: SharedArrayBuffer;
  readonly words: Int32Array;
  readonly threads: number;

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.words = new Int32Array(buffer);
    this.threads = (this.words.length - ROWS_AT) / PAD;
  }

  static create(threads: number): RunControl {
    return new RunControl(new SharedArrayBuffer((ROWS_AT + threads * PAD) * 4));
  }

  static attach(buffer: SharedArrayBuffer): RunControl {
    return new RunControl(buffer);
  }

  get phase(): number {
    return Atomics.load(this.words, PHASE);
  }

  get stopping(): boolean {
    return Atomics.load(this.words, PHASE) === PHASE_STOP;
  }

  go(): void {
    Atomics.store(this.words, PHASE, PHASE_GO);
    Atomics.notify(this.words, PHASE);
  }

  stop(): void {
    Atomics.store(this.words, PHASE, PHASE_STOP);
    Atomics.notify(this.words, PHASE);
  }

  /**
   * The writer at the end of its run: mark itself in the end-of-run barrier, stop every thread,
   * and wait until every reader has left (then no read-side section is open).
   */
  stopAndWaitForReaders(): void {
    this.set(0, DOING, OP_BARRIER);
    this.stop();
    for (let r = 1; r < this.threads; r++) {
      while (this.get(r, DONE) === 0) Atomics.wait(this.words, 0, this.phase, 5);
    }
  }

  /** A worker: report ready, then sleep until the main thread says go (or stop). */
  arriveAndWait(): void {
    Atomics.add(this.words, READY, 1);
    Atomics.notify(this.words, READY);
    while (Atomics.load(this.words, PHASE) === PHASE_SETUP) Atomics.wait(this.words, PHASE, PHASE_SETUP, 50);
  }

  get ready(): number {
    return Atomics.load(this.words, READY);
  }

  /** A violation anywhere: counted here so every thread can stop early. */
  flag(): void {
    Atomics.add(this.words, FLAGGED, 1);
  }

  get flagged(): number {
    return Atomics.load(this.words, FLAGGED);
  }

  row(thread: number): number {
    return ROWS_AT + thread * PAD;
  }

  get(thread: number, column: number): number {
    return Atomics.load(this.words, ROWS_AT + thread * PAD + column);
  }

  set(thread: number, column: number, value: number): void {
    Atomics.store(this.words, ROWS_AT + thread * PAD + column, value);
  }
}
