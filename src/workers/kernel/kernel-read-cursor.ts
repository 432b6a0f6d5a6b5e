/**
 * The reader's cursor on the kernel build: each operation is one call into the kernel's own code
 * (mas_walk, mas_find/mas_next, mas_find_rev/mas_prev, mas_empty_area(_rev)) on an ma_state kept
 * in the module's memory. Lean on purpose (no closures, no objects per call): it is the reader's
 * hot path. A trap resets the instance and comes out as a KernelTrap naming the kernel function.
 */
import { KernelInstance } from '../../kernel/loader.js';
import type { KernelTree } from '../../kernel/kernel-tree.js';
import type { ReadCursor, ReadSection } from '../reader-probe.js';

const STEP_FIND = 0;
const STEP_FIND_REV = 1;
const STEP_NEXT = 2;
const STEP_PREV = 3;

export class KernelReadCursor implements ReadCursor {
  index = 0;
  last = 0;
  /** The kernel re-walks inside its own code: not visible from here. */
  readonly rewalks = 0;
  /** The cursor's ma_state, in the module's memory (tests hand it to the module's test exports). */
  readonly mas: number;
  private readonly out: number;
  private readonly words: Uint32Array;
  private readonly x: KernelInstance['exports'];
  private readonly mt: number;
  /**
   * The first step since set() the runtime flagged (inner/conform.c), or -1: with `flaggedAs` 1,
   * it left a node bound that is an RCU callback head's word (pivot-after-dead-check); with 2, a
   * parent word of its ascent path named its live holder with a wrong slot, or the cursor came back
   * to a live node it went down through at another slot than the next (parent-slot-before-adopt).
   */
  flaggedStep = -1;
  flaggedAs = 0;

  /** The last step's flags (inner/conform.c km_cursor_step, out[2]), bit by bit; for tests. */
  get stepFlags(): number {
    return this.words[2];
  }
  /** Steps since set(): after the first, iterations continue with mas_next/mas_prev on odd sets. */
  private steps = 0;
  private sets = 0;

  constructor(
    private readonly kernel: KernelInstance,
    tree: KernelTree,
  ) {
    this.x = kernel.exports;
    this.mt = tree.address;
    this.mas = this.x.km_cursor_alloc();
    if (!this.mas) throw new Error('kernel runtime: out of memory for a cursor');
    this.out = kernel.scratchWords().ptr;
    // The scratch area was allocated when the instance was made: this view always covers it.
    this.words = new Uint32Array(kernel.memory.buffer, this.out, 3);
  }

  set(index: number): this {
    this.x.km_cursor_set(this.mas, this.mt, index);
    this.index = index;
    this.last = index;
    this.steps = 0;
    this.sets++;
    this.flaggedStep = -1;
    this.flaggedAs = 0;
    return this;
  }

  walk(): number {
    try {
      const entry = this.x.km_mas_walk(this.mt, this.index, this.out) >>> 0;
      this.index = this.words[0];
      this.last = this.words[1];
      return entry;
    } catch (error) {
      throw this.trapped('mas_walk', error);
    }
  }

  find(max: number): number {
    return this.step(this.steps > 0 && (this.sets & 1) === 1 ? STEP_NEXT : STEP_FIND, max);
  }

  findRev(min: number): number {
    return this.step(this.steps > 0 && (this.sets & 1) === 1 ? STEP_PREV : STEP_FIND_REV, min);
  }

  emptyArea(min: number, max: number, size: number): boolean {
    return this.area(min, max, size, 0);
  }

  emptyAreaRev(min: number, max: number, size: number): boolean {
    return this.area(min, max, size, 1);
  }

  private step(step: number, limit: number): number {
    try {
      const entry = this.x.km_cursor_step(this.mas, step, limit, this.out) >>> 0;
      const flags = this.words[2];
      if (flags !== 0 && this.flaggedStep < 0) {
        this.flaggedStep = this.steps;
        this.flaggedAs = (flags & 1) !== 0 ? 1 : 2;
      }
      this.steps++;
      this.index = this.words[0];
      this.last = this.words[1];
      return entry;
    } catch (error) {
      throw this.trapped(STEP_NAMES[step], error);
    }
  }

  private area(min: number, max: number, size: number, rev: number): boolean {
    try {
      // Under the tree's lock, as the kernel's callers search (its search descends only under the
      // lock; run locklessly it can loop for ever on nodes a store changed under it).
      const ret = this.x.km_empty_area_locked(this.mt, min, max, size, rev, this.out);
      this.index = this.words[0];
      this.last = this.words[1];
      return ret === 0;
    } catch (error) {
      throw this.trapped(rev ? 'mas_empty_area_rev' : 'mas_empty_area', error);
    }
  }

  private trapped(what: string, error: unknown): unknown {
    return KernelInstance.isTrap(error) ? this.kernel.recover(what, error) : error;
  }
}

const STEP_NAMES = ['mas_find', 'mas_find_rev', 'mas_next', 'mas_prev'];

/** rcu_read_lock/unlock of the kernel build's runtime, around a whole reader operation. */
export class KernelReadSection implements ReadSection {
  constructor(private readonly kernel: KernelInstance) {}
  lock(): void {
    this.kernel.exports.rt_read_lock();
  }
  unlock(): void {
    this.kernel.exports.rt_read_unlock();
  }
}
