/**
 * The memory layer: the only way the tree touches shared words.
 *
 * Each method is one of the Linux kernel's access kinds, never a stronger one, so a second
 * implementation (the weak-memory simulator) can give each kind exactly its LKMM meaning while the
 * tree code stays the same. This file holds the contract and the real-thread implementation.
 */
export interface Memory {
  /** Plain read (READ_ONCE): pivots, slots, metadata, parent words. */
  read(addr: number): number;
  /** Plain write (WRITE_ONCE). */
  write(addr: number, value: number): void;
  /** rcu_dereference: a load that orders later loads through the pointer it returns. */
  deref(addr: number): number;
  /** rcu_assign_pointer: a release store; everything written before it is visible first. */
  publish(addr: number, value: number): void;
  /** Sequentially consistent load and store (Atomics). */
  loadAtomic(addr: number): number;
  storeAtomic(addr: number, value: number): void;
  /** smp_wmb, smp_rmb, smp_mb. */
  wmb(): void;
  rmb(): void;
  mb(): void;
  /** Barrier counts since creation (patch 4 made barriers a cost worth counting); rmb is not counted (readers issue one per node). */
  readonly counts: BarrierCounts;
}

export interface BarrierCounts {
  wmb: number;
  rmb: number;
  mb: number;
  publish: number;
}

/**
 * Real threads: plain accesses are plain typed-array accesses, publish and dereference are
 * `Atomics` ops, barriers are `Atomics` ops on a thread-private fence word (they are compiler and
 * hardware fences in V8; a private word keeps them from bouncing a shared cache line).
 */
export class ThreadedMemory implements Memory {
  readonly words: Uint32Array;
  private readonly fence = new Int32Array(new SharedArrayBuffer(64));
  readonly counts: BarrierCounts = { wmb: 0, rmb: 0, mb: 0, publish: 0 };

  constructor(buffer: SharedArrayBuffer) {
    this.words = new Uint32Array(buffer);
  }

  read(addr: number): number {
    return this.words[addr];
  }

  write(addr: number, value: number): void {
    this.words[addr] = value;
  }

  deref(addr: number): number {
    return Atomics.load(this.words, addr);
  }

  publish(addr: number, value: number): void {
    this.counts.publish++;
    Atomics.store(this.words, addr, value);
  }

  loadAtomic(addr: number): number {
    return Atomics.load(this.words, addr);
  }

  storeAtomic(addr: number, value: number): void {
    Atomics.store(this.words, addr, value);
  }

  wmb(): void {
    this.counts.wmb++;
    Atomics.store(this.fence, 0, 0);
  }

  rmb(): void {
    // Not counted: readers issue one per node visited, and only the writer's barriers are a
    // measure of the protocol's cost (patch 4).
    Atomics.load(this.fence, 0);
  }

  mb(): void {
    this.counts.mb++;
    Atomics.add(this.fence, 0, 0);
  }
}
