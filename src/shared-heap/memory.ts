/**
 * The memory layer: the only way the tree touches shared words.
 *
 * Each method is one of the Linux kernel's access kinds, never a stronger one, so a second
 * implementation (the weak-memory simulator) can give each kind exactly its LKMM meaning while the
 * tree code stays the same. This file holds the contract and the real-thread implementation.
 */
/**
 * The pivot scan as the `read` calls it stands for, one access each: for memories that must see
 * every word (the checked and the simulated ones), where ThreadedMemory reads the array directly.
 */
export function scanByReads(mem: Memory, addr: number, count: number, key: number): number {
  let i = 0;
  while (i < count && mem.read(addr + i) < key) i++;
  return i;
}

export interface Memory {
  /** Plain read (READ_ONCE): pivots, slots, metadata, parent words. */
  read(addr: number): number;
  /**
   * A pivot scan: plain reads of the words at addr, addr + 1, ... in order, stopping at the first
   * that is >= key (uint32 compare) or after `count` words; returns how many were below key. Its
   * meaning is exactly that loop of `read` calls; an implementation may run it without a call per
   * word (ThreadedMemory).
   */
  scan(addr: number, count: number, key: number): number;
  /** Plain write (WRITE_ONCE). */
  write(addr: number, value: number): void;
  /** rcu_dereference: a load that orders later loads through the pointer it returns. */
  deref(addr: number): number;
  /**
   * rcu_dereference immediately followed by smp_rmb, as one call: the slot (or root) a reader
   * follows just before its dead check, whose barrier this is (node-access.ts derefForCheck). Its
   * meaning is exactly `deref(addr)` then `rmb()`; an implementation may issue them as one access
   * when one access gives both orderings (ThreadedMemory).
   */
  derefRmb(addr: number): number;
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

  scan(addr: number, count: number, key: number): number {
    // One typed-array load per word, the loop written out for the 15 pivots a node has at most:
    // a loop's interrupt check makes TurboFan check the array's map and reload its length and
    // data pointer for every word, and its one exit branch is mispredicted at every level; written
    // out, the checks are made once per scan and each position has its own branch. About 5% off a
    // load or a write walk (docs/benchmarks.md, round 3). The loop after it keeps the meaning for any
    // count.
    const w = this.words;
    if (count <= 0 || w[addr] >= key) return 0;
    if (count <= 1 || w[addr + 1] >= key) return 1;
    if (count <= 2 || w[addr + 2] >= key) return 2;
    if (count <= 3 || w[addr + 3] >= key) return 3;
    if (count <= 4 || w[addr + 4] >= key) return 4;
    if (count <= 5 || w[addr + 5] >= key) return 5;
    if (count <= 6 || w[addr + 6] >= key) return 6;
    if (count <= 7 || w[addr + 7] >= key) return 7;
    if (count <= 8 || w[addr + 8] >= key) return 8;
    if (count <= 9 || w[addr + 9] >= key) return 9;
    if (count <= 10 || w[addr + 10] >= key) return 10;
    if (count <= 11 || w[addr + 11] >= key) return 11;
    if (count <= 12 || w[addr + 12] >= key) return 12;
    if (count <= 13 || w[addr + 13] >= key) return 13;
    if (count <= 14 || w[addr + 14] >= key) return 14;
    let i = 15;
    while (i < count && w[addr + i] < key) i++;
    return i;
  }

  write(addr: number, value: number): void {
    this.words[addr] = value;
  }

  deref(addr: number): number {
    return Atomics.load(this.words, addr);
  }

  /**
   * deref then rmb, as the one `Atomics.load` that deref already is. Why that load is also the
   * smp_rmb (the reader's plain loads before it, the node's pivots and data end, may not be
   * satisfied after its plain loads after it, the dead check's parent word):
   *
   * - ECMAScript's memory model orders a SeqCst access against the same agent's Unordered ones:
   *   "Atomics are carved in stone" (ECMA-262, Shared Memory Guidelines): no program
   *   transformation may reorder a SeqCst event with the agent's Unordered operations. So no
   *   compiler moves the pivot reads below this load or the parent-word read above it.
   * - The hardware mapping the same guidelines give for a SeqCst load is a full fence, the load,
   *   a full fence: the trailing fence is the smp_rmb the dead check needs (and the leading one
   *   orders the pivot reads before the slot read, which the address dependency does in the
   *   kernel). V8's own mappings are no weaker for this pattern than for the rmb it replaces: on
   *   x86-64 a SeqCst load is a plain `mov` that TurboFan treats as a barrier to every memory
   *   access (TSO keeps loads in order), exactly what the separate `Atomics.load` of the fence
   *   word was. On arm64 both are an `ldar`, which orders the loads after it but not the plain
   *   loads before it: the fence word's `ldar` did not order the pivot reads before the parent
   *   word either (that is the guidelines' fence, V8 emits less), so nothing got weaker there.
   * - The rcu_dereference half is unchanged: the load is the same SeqCst load deref is, so a
   *   child published with `Atomics.store` (publish) and read here synchronizes-with that store
   *   (the JS model's own happens-before, not an address dependency).
   *
   * The earlier implementation issued a second `Atomics.load`, of a private fence word, for the
   * rmb: one SeqCst access per node level instead of two. The simulator keeps the two separate
   * accesses (SimulatedMemory.derefRmb), so what it explores does not change.
   */
  derefRmb(addr: number): number {
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
