/**
 * The writer's version log in shared memory. The writer logs every mutation under a new version
 * *before* applying it (`started`) and publishes `completed` after, so a reader operation that began
 * when `vs` was complete and ended when `ve` had been started may only have seen the tree as it was
 * at some version in [vs, ve]. Records sit in a ring; with checking on, the writer never laps the
 * slowest reader's replay position, so memory stays bounded.
 *
 * Every mutation is logged as a plain store: erase, alloc and destroy are resolved by the writer
 * into the range they write before they are logged.
 */
const PAD = 16;
const STARTED = 0;
const COMPLETED = PAD;
const RING_AT = 2 * PAD;
const READERS_AT = 3 * PAD;
const RECORD_WORDS = 4;

export class VersionLog {
  readonly buffer: SharedArrayBuffer;
  private readonly head: Int32Array;
  private readonly records: Uint32Array;
  readonly ringSize: number;
  readonly readers: number;
  private readonly sleeper = new Int32Array(new SharedArrayBuffer(4));

  private constructor(buffer: SharedArrayBuffer) {
    this.buffer = buffer;
    this.head = new Int32Array(buffer);
    this.ringSize = this.head[RING_AT];
    this.readers = this.head[RING_AT + 1];
    const headWords = READERS_AT + this.readers * PAD;
    this.records = new Uint32Array(buffer, headWords * 4, this.ringSize * RECORD_WORDS);
  }

  static create(readers: number, ringSize = 1 << 16): VersionLog {
    if ((ringSize & (ringSize - 1)) !== 0) throw new RangeError('ringSize must be a power of two');
    const headWords = READERS_AT + readers * PAD;
    const buffer = new SharedArrayBuffer((headWords + ringSize * RECORD_WORDS) * 4);
    const head = new Int32Array(buffer);
    head[RING_AT] = ringSize;
    head[RING_AT + 1] = readers;
    return new VersionLog(buffer);
  }

  static attach(buffer: SharedArrayBuffer): VersionLog {
    return new VersionLog(buffer);
  }

  get started(): number {
    return Atomics.load(this.head, STARTED);
  }

  get completed(): number {
    return Atomics.load(this.head, COMPLETED);
  }

  /**
   * Writer: log a store under the next version and mark it started. With `backpressure`, first
   * wait until no reader still needs the record this one overwrites; `stop` ends the wait.
   */
  begin(first: number, last: number, entry: number, backpressure: boolean, stop: () => boolean): number {
    const version = this.started + 1;
    if (backpressure) {
      let naps = 0;
      while (version - this.slowestReader() > this.ringSize - 1) {
        if (stop()) break;
        Atomics.wait(this.sleeper, 0, 0, naps++ < 16 ? 0.05 : 1);
      }
    }
    const at = (version & (this.ringSize - 1)) * RECORD_WORDS;
    this.records[at] = first;
    this.records[at + 1] = last;
    this.records[at + 2] = entry;
    Atomics.store(this.head, STARTED, version);
    return version;
  }

  /** Writer: the mutation of `version` is fully applied. */
  complete(version: number): void {
    Atomics.store(this.head, COMPLETED, version);
  }

  /** Reader: the record of `version` (valid while the writer has not lapped it). */
  first(version: number): number {
    return this.records[(version & (this.ringSize - 1)) * RECORD_WORDS];
  }

  last(version: number): number {
    return this.records[(version & (this.ringSize - 1)) * RECORD_WORDS + 1];
  }

  entry(version: number): number {
    return this.records[(version & (this.ringSize - 1)) * RECORD_WORDS + 2];
  }

  /** One version's write, for reports: 'v12: store [10, 19] = 16387' (valid while not lapped). */
  describe(version: number): string {
    const last = this.last(version);
    return `v${version}: store [${this.first(version)}, ${last === 0xffffffff ? 'max' : last}] = ${this.entry(version)}`;
  }

  /** Reader: every record up to `version` has been replayed; the writer may reuse them. */
  setReplayed(reader: number, version: number): void {
    Atomics.store(this.head, READERS_AT + reader * PAD, version);
  }

  /** Reader leaving: stop holding the writer back. */
  release(reader: number): void {
    Atomics.store(this.head, READERS_AT + reader * PAD, 0x7fffffff);
  }

  private slowestReader(): number {
    let min = 0x7fffffff;
    for (let i = 0; i < this.readers; i++) {
      const v = Atomics.load(this.head, READERS_AT + i * PAD);
      if (v < min) min = v;
    }
    return min;
  }
}
