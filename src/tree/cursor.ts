/**
 * The cursor: the public face of the kernel's ma_state API (mas_walk, mas_find, mas_next, ...).
 * The read paths themselves are in walk.ts, one function per kernel function, working on the
 * cursor's MaState (passed explicitly, one per cursor, reused: no read allocates). This file holds
 * the setup each API call does before it takes a read path (mas_find_setup, mas_next_setup, ...).
 */
import type { Memory } from '../shared-heap/memory.js';
import { findEmptyArea } from './empty-area.js';
import { checkEntry, checkIndex, checkSize } from './args.js';
import {
  MA_ACTIVE,
  MA_NONE,
  MA_OVERFLOW,
  MA_PAUSE,
  MA_ROOT,
  MA_START,
  MA_UNDERFLOW,
  MaState,
  masNextSlot,
  masPrevSlot,
  masSet,
  masWalk,
} from './walk.js';

export { TreeCorruptionError } from './walk.js';

/** What the cursor can write through: implemented by MapleTree. */
export interface CursorWriter {
  storeRange(first: number, last: number, entry: number): void;
  readonly mem: Memory;
  readonly nodeLimit: number;
  /** Bug switches in force (src/shared-heap/bugs.ts); 0 in a correct build. */
  readonly bugs: number;
}

/** Does the state stand somewhere in the tree (a leaf slot, or the nodeless root)? */
function positioned(status: number): boolean {
  return status === MA_ACTIVE || status === MA_NONE || status === MA_ROOT;
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

  /** mas_find: the first non-NULL entry at or after index (then after the previous result). */
  find(max: number): number {
    checkIndex('max', max);
    const mas = this.mas;
    const status = mas.status;
    if (positioned(status) || status === MA_OVERFLOW) {
      if (mas.last >= max) return this.overflow();
      return this.nextEntry(max);
    }
    if (status === MA_PAUSE) {
      if (mas.last >= max) return this.overflow();
      mas.index = mas.last + 1;
    }
    if (mas.index > max) return this.overflow();
    const entry = this.walkTo(mas.index);
    if (entry !== 0) return entry;
    return this.nextEntry(max);
  }

  /** mas_find_rev: the last non-NULL entry at or before index (then before the previous result). */
  findRev(min: number): number {
    checkIndex('min', min);
    const mas = this.mas;
    const status = mas.status;
    if (positioned(status) || status === MA_UNDERFLOW) {
      if (mas.index <= min) return this.underflow();
      return this.prevEntry(min);
    }
    if (status === MA_PAUSE) {
      if (mas.index <= min) return this.underflow();
      mas.index = mas.last = mas.index - 1;
    }
    if (mas.last < min) return this.underflow();
    const entry = this.walkTo(mas.last);
    if (entry !== 0) return entry;
    return this.prevEntry(min);
  }

  /** mas_next: the next non-NULL entry after the current range, up to max. */
  next(max: number): number {
    checkIndex('max', max);
    const mas = this.mas;
    const status = mas.status;
    if (!positioned(status) && status !== MA_OVERFLOW) {
      // The caller of an underflowed cursor expects to be one before where it stands.
      const entry = this.walkTo(mas.index);
      if (status === MA_UNDERFLOW && entry !== 0) return entry;
    }
    if (mas.last >= max) return this.overflow();
    return this.nextEntry(max);
  }

  /** mas_prev: the previous non-NULL entry before the current range, down to min. */
  prev(min: number): number {
    checkIndex('min', min);
    const mas = this.mas;
    const status = mas.status;
    if (!positioned(status) && status !== MA_UNDERFLOW) {
      const entry = this.walkTo(mas.index);
      if (status === MA_OVERFLOW && entry !== 0) return entry;
    }
    if (mas.index <= min) return this.underflow();
    return this.prevEntry(min);
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

  private overflow(): number {
    this.mas.status = MA_OVERFLOW;
    return 0;
  }

  private underflow(): number {
    this.mas.status = MA_UNDERFLOW;
    return 0;
  }

  /** mas_next_entry: the next non-NULL entry (mas_next_slot); on none the cursor stays put. */
  private nextEntry(max: number): number {
    this.savePosition();
    const entry = masNextSlot(this.mas, max, false);
    if (entry === 0) return this.restorePosition(MA_OVERFLOW);
    return entry;
  }

  /** mas_prev_entry: the previous non-NULL entry (mas_prev_slot); on none the cursor stays put. */
  private prevEntry(min: number): number {
    this.savePosition();
    const entry = masPrevSlot(this.mas, min, false);
    if (entry === 0) return this.restorePosition(MA_UNDERFLOW);
    return entry;
  }

  // Where the cursor stood before a next/prev that found nothing: it stays there (the kernel
  // leaves the state on the last range it looked at).
  private savedNode = 0;
  private savedOffset = 0;
  private savedEnd = 0;
  private savedMin = 0;
  private savedMax = 0;
  private savedIndex = 0;
  private savedLast = 0;

  private savePosition(): void {
    const mas = this.mas;
    // Resuming after an overflow or underflow: the state stands where it stood before.
    if (!positioned(mas.status)) mas.status = mas.node !== 0 ? MA_ACTIVE : MA_NONE;
    this.savedNode = mas.node;
    this.savedOffset = mas.offset;
    this.savedEnd = mas.end;
    this.savedMin = mas.min;
    this.savedMax = mas.max;
    this.savedIndex = mas.index;
    this.savedLast = mas.last;
  }

  private restorePosition(status: number): number {
    const mas = this.mas;
    mas.node = this.savedNode;
    mas.offset = this.savedOffset;
    mas.end = this.savedEnd;
    mas.min = this.savedMin;
    mas.max = this.savedMax;
    mas.index = this.savedIndex;
    mas.last = this.savedLast;
    mas.status = status;
    return 0;
  }
}
