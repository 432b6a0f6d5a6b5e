/**
 * The cursor: the public face of the kernel's ma_state API (mas_walk, mas_find, mas_next, ...).
 * The read paths themselves are in walk.ts (the descent) and step.ts (the steps between leaves
 * and ranges), one function per kernel function, working on the cursor's MaState (passed
 * explicitly, one per cursor, reused: no read allocates). This file holds the setup each API call
 * does before it takes a read path (mas_find_setup, mas_next_setup, ...).
 */
import type { Memory } from '../shared-heap/memory.js';
import { findEmptyArea } from './empty-area.js';
import { checkEntry, checkIndex, checkSize } from './args.js';
import { HDR_ROOT, MAX_INDEX, isNode } from './layout.js';
import {
  MA_ACTIVE,
  MA_NONE,
  MA_OVERFLOW,
  MA_PAUSE,
  MA_ROOT,
  MA_START,
  MA_UNDERFLOW,
  MaState,
  masSet,
  masWalk,
} from './walk.js';
import { masNextSlot, masPrevSlot } from './step.js';

export { TreeCorruptionError } from './walk.js';

/** What the cursor can write through: implemented by MapleTree. */
export interface CursorWriter {
  storeRange(first: number, last: number, entry: number): void;
  readonly mem: Memory;
  readonly nodeLimit: number;
  /** Bug switches in force (src/shared-heap/bugs.ts); 0 in a correct build. */
  readonly bugs: number;
}

export class MapleCursor {
  /** The read state every operation of this cursor works on. */
  readonly mas: MaState;

  constructor(private readonly tree: CursorWriter, index = 0, last = index) {
    this.mas = new MaState(tree.mem, tree.bugs, tree.nodeLimit);
    this.mas.index = index;
    this.mas.last = last;
  }

  /** The range of the last result. */
  get index(): number {
    return this.mas.index;
  }

  set index(value: number) {
    this.mas.index = value;
  }

  get last(): number {
    return this.mas.last;
  }

  set last(value: number) {
    this.mas.last = value;
  }

  /** Times a read found its node dead and walked again. */
  get rewalks(): number {
    return this.mas.rewalks;
  }

  /** mas_set_range: reposition; the next operation walks from the root. */
  set(index: number, last = index): this {
    checkIndex('index', index);
    checkIndex('last', last);
    if (index > last) throw new RangeError(`index (${index}) must not exceed last (${last})`);
    const mas = this.mas;
    mas.index = index;
    mas.last = last;
    mas.node = 0;
    mas.status = MA_START;
    return this;
  }

  /** mas_pause: drop the node so the tree may change; the next operation re-walks. */
  pause(): void {
    this.mas.node = 0;
    this.mas.status = MA_PAUSE;
  }

  /** mas_walk: the entry at `index` (NULL included); index/last become its range. */
  walk(): number {
    return masWalk(this.mas);
  }

  /** Walk from the root to the range holding `index` (mas_set + mas_walk); returns its entry. */
  walkTo(index: number): number {
    const mas = this.mas;
    masSet(mas, index);
    return masWalk(mas);
  }

  /**
   * mas_find: the first non-NULL entry at or after index (then after the previous result), up to
   * max. Running past max leaves the state active (the kernel ignores the overflow here).
   */
  find(max: number): number {
    checkIndex('max', max);
    if (this.findSetup(max)) return this.setupEntry;
    const mas = this.mas;
    const entry = masNextSlot(mas, max, false);
    mas.status = MA_ACTIVE;
    return entry;
  }

  /** mas_find_rev: the last non-NULL entry at or before index (then before the previous result). */
  findRev(min: number): number {
    checkIndex('min', min);
    if (this.findRevSetup(min)) return this.setupEntry;
    return masPrevSlot(this.mas, min, false);
  }

  /** mas_next: the next non-NULL entry after the current range, up to max. */
  next(max: number): number {
    checkIndex('max', max);
    if (this.nextSetup(max)) return this.setupEntry;
    return masNextSlot(this.mas, max, false);
  }

  /** mas_prev: the previous non-NULL entry before the current range, down to min. */
  prev(min: number): number {
    checkIndex('min', min);
    if (this.prevSetup(min)) return this.setupEntry;
    return masPrevSlot(this.mas, min, false);
  }

  // The setups below decide, from the state's status, whether the call is answered without a step
  // (true: the answer is in setupEntry) or goes on to the slot step from where the state stands.
  private setupEntry = 0;

  /** mas_find_setup. */
  private findSetup(max: number): boolean {
    const mas = this.mas;
    this.setupEntry = 0;
    switch (mas.status) {
      case MA_ACTIVE:
        return mas.last >= max;
      case MA_START:
        break;
      case MA_PAUSE:
        if (mas.last >= max) return true;
        mas.index = mas.last = mas.last + 1;
        mas.status = MA_START;
        break;
      case MA_NONE:
        if (mas.last >= max) return true;
        mas.index = mas.last;
        mas.status = MA_START;
        break;
      case MA_UNDERFLOW:
        // The state stands on the entry before the one asked for.
        if (mas.index >= max) {
          mas.status = MA_OVERFLOW;
          return true;
        }
        mas.status = MA_ACTIVE;
        if ((this.setupEntry = masWalk(mas)) !== 0) return true;
        break;
      case MA_OVERFLOW:
        if (mas.last >= max) return true;
        mas.status = MA_ACTIVE;
        if ((this.setupEntry = masWalk(mas)) !== 0) return true;
        break;
      case MA_ROOT:
        break;
    }
    if (mas.status === MA_START) {
      if (mas.index > max) return true;
      if ((this.setupEntry = masWalk(mas)) !== 0) return true;
    }
    if (mas.status === MA_ROOT) {
      // The root entry covers only index 0, which is behind the state.
      mas.status = MA_NONE;
      mas.index = 1;
      mas.last = MAX_INDEX;
      return true;
    }
    if (mas.status === MA_NONE) return true;
    return mas.index === max;
  }

  /** mas_find_rev_setup. */
  private findRevSetup(min: number): boolean {
    const mas = this.mas;
    this.setupEntry = 0;
    switch (mas.status) {
      case MA_ACTIVE:
        return mas.index < min;
      case MA_START:
        break;
      case MA_PAUSE:
        if (mas.index <= min) {
          mas.status = MA_UNDERFLOW;
          return true;
        }
        mas.index = mas.last = mas.index - 1;
        mas.status = MA_START;
        break;
      case MA_NONE:
        if (mas.index <= min) {
          mas.status = MA_NONE;
          return true;
        }
        mas.last = mas.index;
        mas.status = MA_START;
        break;
      case MA_OVERFLOW:
        // The state stands on the entry after the one asked for.
        if (mas.index <= min) {
          mas.status = MA_UNDERFLOW;
          return true;
        }
        mas.status = MA_ACTIVE;
        break;
      case MA_UNDERFLOW:
        if (mas.index <= min) return true;
        mas.status = MA_ACTIVE;
        break;
      case MA_ROOT:
        break;
    }
    if (mas.status === MA_START) {
      if (mas.index < min) return true;
      if ((this.setupEntry = masWalk(mas)) !== 0) return true;
    }
    if (mas.status === MA_ROOT) {
      mas.status = MA_NONE;
      return true;
    }
    if (mas.status === MA_NONE) {
      // Nothing at or after the walk's point: what is before it is the root's entry at 0.
      // Departure from 6.12: the kernel returns that entry even when min is above 0, a result
      // outside [min, index] that the result oracle and the reference model reject; here a min
      // above 0 finds nothing (the state is still put on [0, 0], as the kernel puts it).
      this.setupEntry = this.rootEntry();
      if (min > 0) this.setupEntry = 0;
      return true;
    }
    return mas.index < min;
  }

  /** mas_next_setup. */
  private nextSetup(max: number): boolean {
    const mas = this.mas;
    const wasNone = mas.status === MA_NONE;
    this.setupEntry = 0;
    if (mas.last >= max) {
      mas.status = MA_OVERFLOW;
      return true;
    }
    switch (mas.status) {
      case MA_ACTIVE:
        return false;
      case MA_NONE:
      case MA_PAUSE:
      case MA_START:
        masWalk(mas);
        break;
      case MA_OVERFLOW:
        // Overflowed before, with a lower max.
        mas.status = MA_ACTIVE;
        break;
      case MA_UNDERFLOW:
        // The state stands on the entry before the one asked for.
        mas.status = MA_ACTIVE;
        if ((this.setupEntry = masWalk(mas)) !== 0) return true;
        break;
      case MA_ROOT:
        break;
    }
    if (mas.status === MA_ACTIVE) return false;
    if (mas.status === MA_ROOT) {
      if (wasNone && mas.index === 0) {
        mas.index = mas.last = 0;
        return true;
      }
      mas.index = 1;
      mas.last = MAX_INDEX;
      mas.status = MA_NONE;
      return true;
    }
    return mas.status === MA_NONE;
  }

  /** mas_prev_setup. */
  private prevSetup(min: number): boolean {
    const mas = this.mas;
    this.setupEntry = 0;
    if (mas.index <= min) {
      mas.status = MA_UNDERFLOW;
      return true;
    }
    switch (mas.status) {
      case MA_ACTIVE:
        return false;
      case MA_START:
        break;
      case MA_NONE:
      case MA_PAUSE:
        mas.status = MA_START;
        break;
      case MA_UNDERFLOW:
        // Underflowed before, with a higher min.
        mas.status = MA_ACTIVE;
        break;
      case MA_OVERFLOW:
        // The state stands on the entry after the one asked for.
        mas.status = MA_ACTIVE;
        if ((this.setupEntry = masWalk(mas)) !== 0) return true;
        break;
      case MA_ROOT:
        break;
    }
    if (mas.status === MA_START) masWalk(mas);
    if (mas.status === MA_ROOT) {
      if (mas.index === 0) {
        mas.status = MA_NONE;
        return true;
      }
      this.setupEntry = this.rootEntry();
      return true;
    }
    if (mas.status === MA_NONE) {
      if (mas.index !== 0) {
        // Walked past the root's entry: step back onto index 0.
        mas.status = MA_ROOT;
        this.setupEntry = this.rootEntry();
      }
      return true;
    }
    return false;
  }

  /**
   * The root's single entry (NULL on an empty tree), the state put on [0, 0] at MA_ROOT (mas_root
   * after a walk found no node). A node
   * at the root by now (a writer grew the tree since the walk) is walked to index 0 instead.
   */
  private rootEntry(): number {
    const mas = this.mas;
    const root = mas.mem.deref(HDR_ROOT);
    if (isNode(root)) return this.walkTo(0);
    mas.index = mas.last = 0;
    mas.status = MA_ROOT;
    return root;
  }

  /** mas_store: store entry over [index, last]. */
  store(entry: number): void {
    checkEntry(entry);
    const mas = this.mas;
    this.tree.storeRange(mas.index, mas.last, entry);
    mas.node = 0;
    mas.status = MA_START;
  }

  /** mas_erase: erase the whole range holding index; returns its entry. */
  erase(): number {
    const mas = this.mas;
    const entry = this.walkTo(mas.index);
    if (entry !== 0) this.tree.storeRange(mas.index, mas.last, 0);
    mas.node = 0;
    mas.status = MA_START;
    return entry;
  }

  /** mas_empty_area: the lowest free window of `size` inside [min, max]. */
  emptyArea(min: number, max: number, size: number): boolean {
    return this.emptyAreaDir(min, max, size, false);
  }

  /** mas_empty_area_rev: the highest free window of `size` inside [min, max]. */
  emptyAreaRev(min: number, max: number, size: number): boolean {
    return this.emptyAreaDir(min, max, size, true);
  }

  private emptyAreaDir(min: number, max: number, size: number, rev: boolean): boolean {
    checkIndex('min', min);
    checkIndex('max', max);
    checkSize(size);
    if (min > max) throw new RangeError(`min (${min}) must not exceed max (${max})`);
    const mas = this.mas;
    mas.node = 0;
    mas.status = MA_START;
    const start = findEmptyArea(mas, min, max, size, rev);
    mas.node = 0;
    mas.status = MA_START;
    if (start < 0) return false;
    mas.index = start;
    mas.last = start + size - 1;
    return true;
  }
}
