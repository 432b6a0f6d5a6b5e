/**
 * MapleTree: the facade over the cursor (reads) and the writer (writes), with the kernel API's
 * names in TypeScript style. All state is in shared memory: another thread can attach to the same
 * tree from its buffers.
 */
import { ThreadedMemory } from '../shared-heap/memory.js';
import type { Memory } from '../shared-heap/memory.js';
import { Slab } from '../shared-heap/slab.js';
import type { SlabBuffers, SlabStats } from '../shared-heap/slab.js';
import { EndOfOpReclaimer } from '../shared-heap/reclaim.js';
import type { Reclaimer } from '../shared-heap/reclaim.js';
import { FLAG_ALLOC_RANGE, FLAG_RCU, HDR_FLAGS, HDR_HEIGHT } from './layout.js';
import { MapleCursor } from './cursor.js';
import { masSet, masWalk, mtreeLoad } from './walk.js';
import type { MaState } from './walk.js';
import type { CursorWriter } from './cursor.js';
import { TreeWriter } from './writer.js';
import { freeWalk } from './free-path.js';
import type { WriteStats } from './writer.js';
import { validateTree } from './validate.js';
import type { TreeShape } from './validate.js';
import { dumpTree } from './dump.js';
import { Lockdep } from '../shared-heap/lockdep.js';
import { checkEntry, checkIndex, checkRange, checkSize } from './args.js';

export interface MapleTreeOptions {
  /** Slab size in nodes (256 bytes each). Default 4096. */
  capacity?: number;
  /** An allocation tree: arange_64 internal nodes track gaps (MT_FLAGS_ALLOC_RANGE). */
  allocRange?: boolean;
  /** RCU mode: never edit a node a reader could be walking, except where the kernel allows. Default true. */
  rcu?: boolean;
  /**
   * Allocate the shared node buffer. Default true; false when the `memory` given at creation keeps
   * the words elsewhere (the weak-memory simulator's world), which saves allocating it.
   */
  nodeBuffer?: boolean;
}

/** Frees a dead subtree after its grace period, calling release for each node. */
export type FreeWalk = (id: number, release: (id: number) => void) => void;

export interface AttachOptions {
  /** Where dead nodes go; defaults to freeing at the end of each write operation. */
  reclaimer?: (parts: ReclaimerParts) => Reclaimer;
  /** Bug switches to turn on (src/shared-heap/bugs.ts): for the harness's own self-checks. */
  bugs?: number;
  /** Lock-context tracking shared by the writer and the reclaimer. */
  lockdep?: Lockdep;
  /** Replace the memory layer (the checked, policed or simulated one); defaults to real threads. */
  memory?: (nodes: SharedArrayBuffer, slab: Slab) => Memory;
}

/** What a reclaimer is built from. */
export interface ReclaimerParts {
  mem: Memory;
  slab: Slab;
  freeWalk: FreeWalk;
  lockdep: Lockdep;
}

export interface Range {
  entry: number;
  first: number;
  last: number;
}

export interface TreeStats extends TreeShape {
  slab: SlabStats;
}

export class MapleTree implements CursorWriter {
  readonly mem: Memory;
  readonly slab: Slab;
  readonly nodeLimit: number;
  readonly bugs: number;
  readonly lockdep: Lockdep;
  private writerRef: TreeWriter | null = null;
  private readonly reclaimerRef: Reclaimer;
  /** The facade's own cursor for one-shot reads (reset before each use). */
  private readonly reader: MapleCursor;
  /** The reader cursor's state, which load and walk use directly. */
  private readonly readState: MaState;

  private constructor(slab: Slab, options: AttachOptions) {
    this.slab = slab;
    this.nodeLimit = slab.capacity;
    this.mem = options.memory ? options.memory(slab.buffers.nodes, slab) : new ThreadedMemory(slab.buffers.nodes);
    const mem = this.mem;
    this.bugs = options.bugs ?? 0;
    this.lockdep = options.lockdep ?? new Lockdep();
    const { bugs, lockdep } = this;
    const walk = (id: number, release: (id: number) => void): void =>
      freeWalk(mem, id, release, bugs, lockdep);
    const reclaimer = options.reclaimer
      ? options.reclaimer({ mem, slab, freeWalk: walk, lockdep })
      : new EndOfOpReclaimer(mem, slab, walk, lockdep);
    this.reclaimerRef = reclaimer;

    this.reader = new MapleCursor(this);
    this.readState = this.reader.mas;
  }

  /** The write side, built at the first write (a reader's attached tree never needs one). */
  private get writer(): TreeWriter {
    return (this.writerRef ??= new TreeWriter(this.mem, this.slab, this.reclaimerRef, this.bugs, this.lockdep));
  }

  static create(opts: MapleTreeOptions = {}, attach: AttachOptions = {}): MapleTree {
    const slab = Slab.create(opts.capacity ?? 4096, opts.nodeBuffer ?? true);
    const tree = new MapleTree(slab, attach);
    let flags = 0;
    if (opts.rcu ?? true) flags |= FLAG_RCU;
    if (opts.allocRange) flags |= FLAG_ALLOC_RANGE;
    tree.mem.storeAtomic(HDR_FLAGS, flags);
    return tree;
  }

  /** The same tree from another thread, given the buffers of `tree.buffers`. */
  static attach(buffers: SlabBuffers, options: AttachOptions = {}): MapleTree {
    return new MapleTree(Slab.attach(buffers), options);
  }

  get buffers(): SlabBuffers {
    return this.slab.buffers;
  }

  get inRcu(): boolean {
    return (this.mem.loadAtomic(HDR_FLAGS) & FLAG_RCU) !== 0;
  }

  get isAllocTree(): boolean {
    return (this.mem.loadAtomic(HDR_FLAGS) & FLAG_ALLOC_RANGE) !== 0;
  }

  /** What kind of write each store turned into so far. */
  /** smp_wmb the free path issued after marking nodes dead (one per dead node is the protocol's cost). */
  get deathBarriers(): number {
    return this.writer.deathBarriers;
  }

  get writeStats(): WriteStats {
    return this.writer.stats;
  }

  cursor(index = 0, last = index): MapleCursor {
    checkIndex('index', index);
    checkIndex('last', last);
    if (index > last) throw new RangeError(`index (${index}) must not exceed last (${last})`);
    return new MapleCursor(this, index, last);
  }

  /** Store without argument checks: the cursor and the checked API come through here. */
  storeRange(first: number, last: number, entry: number): void {
    this.writer.store(first, last, entry);
  }

  store(first: number, last: number, entry: number): void {
    checkRange(first, last);
    checkEntry(entry);
    this.writer.store(first, last, entry);
  }

  insert(first: number, last: number, entry: number): boolean {
    checkRange(first, last);
    checkEntry(entry, false);
    return this.writer.insert(first, last, entry);
  }

  /** mtree_load: the lookup walk alone (walk.ts mtreeLoad), no cursor step on the way. */
  load(index: number): number {
    checkIndex('index', index);
    return mtreeLoad(this.readState, index);
  }

  erase(index: number): number {
    checkIndex('index', index);
    const entry = this.writer.lookup(index);
    if (entry !== 0) this.writer.store(this.writer.lookupFirst, this.writer.lookupLast, 0);
    return entry;
  }

  walk(index: number): Range {
    checkIndex('index', index);
    const mas = this.readState;
    masSet(mas, index);
    const entry = masWalk(mas);
    return { entry, first: mas.index, last: mas.last };
  }

  find(index: number, max: number): Range | null {
    checkIndex('index', index);
    checkIndex('max', max);
    const c = this.reader.set(index);
    const entry = c.find(max);
    return entry === 0 ? null : { entry, first: c.index, last: c.last };
  }

  findRev(index: number, min: number): Range | null {
    checkIndex('index', index);
    checkIndex('min', min);
    const c = this.reader.set(index);
    const entry = c.findRev(min);
    return entry === 0 ? null : { entry, first: c.index, last: c.last };
  }

  emptyArea(min: number, max: number, size: number): number {
    const c = this.reader.set(0);
    return c.emptyArea(min, max, size) ? c.index : -1;
  }

  emptyAreaRev(min: number, max: number, size: number): number {
    const c = this.reader.set(0);
    return c.emptyAreaRev(min, max, size) ? c.index : -1;
  }

  /** mtree_alloc_range: store entry at the lowest free window; returns its start or -1. */
  allocRange(size: number, entry: number, min: number, max: number): number {
    checkSize(size);
    checkEntry(entry, false);
    checkIndex('min', min);
    checkIndex('max', max);
    this.checkAllocTree('allocRange');
    const start = this.emptyArea(min, max, size);
    if (start >= 0) this.writer.store(start, start + size - 1, entry);
    return start;
  }

  /** mtree_alloc_rrange: the top-down twin. */
  allocRangeRev(size: number, entry: number, min: number, max: number): number {
    checkSize(size);
    checkEntry(entry, false);
    checkIndex('min', min);
    checkIndex('max', max);
    this.checkAllocTree('allocRangeRev');
    const start = this.emptyAreaRev(min, max, size);
    if (start >= 0) this.writer.store(start, start + size - 1, entry);
    return start;
  }

  /** As mtree_alloc_range's -EINVAL: allocating needs a tree that tracks gaps (MT_FLAGS_ALLOC_RANGE). */
  private checkAllocTree(what: string): void {
    if (!this.isAllocTree) throw new RangeError(`${what}: the tree was created without allocRange: true (the kernel's MT_FLAGS_ALLOC_RANGE)`);
  }

  validate(): void {
    validateTree(this.mem, this.slab);
  }

  dump(): string {
    return dumpTree(this.mem);
  }

  setRcu(on: boolean): void {
    const flags = this.mem.loadAtomic(HDR_FLAGS);
    this.mem.storeAtomic(HDR_FLAGS, on ? flags | FLAG_RCU : flags & ~FLAG_RCU);
  }

  destroy(): void {
    this.writer.destroy();
  }

  /**
   * A read-side section on this thread (rcu_read_lock): until the matching rcuReadUnlock, nodes
   * that writes on this thread replace are not reused, so a cursor kept across writes can see that
   * its node died and re-walk. Readers on other threads use RcuState instead.
   */
  rcuReadLock(): void {
    this.reclaimerRef.hold(1);
  }

  rcuReadUnlock(): void {
    this.reclaimerRef.hold(-1);
  }

  /** rcu_barrier: wait until every deferred free has run. */
  rcuBarrier(): void {
    this.reclaimerRef.barrier();
  }

  height(): number {
    return this.mem.read(HDR_HEIGHT);
  }

  /** Every non-NULL range in order. */
  entries(): Range[] {
    const out: Range[] = [];
    const c = new MapleCursor(this, 0);
    for (let entry = c.find(0xffffffff); entry !== 0; entry = c.find(0xffffffff)) {
      out.push({ entry, first: c.index, last: c.last });
    }
    return out;
  }

  stats(): TreeStats {
    const shape = validateTree(this.mem, this.slab, false);
    return { ...shape, slab: this.slab.stats() };
  }

}
