/**
 * The cursor (the kernel's ma_state) and every read path of the tree.
 *
 * Read protocol (RCU mode): read a node's metadata, pivots and slot, then `rmb` and check whether
 * the node is dead; if it is, throw away what was read and walk again from the root. The kernel
 * names (walk, next slot, data end, dead node) are kept so the bug catalog can point at them.
 */
import type { Memory } from '../shared-heap/memory.js';
import {
  HDR_ROOT,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  RANGE_SLOTS,
  RANGE_SLOTS_AT,
  ARANGE_SLOTS,
  ARANGE_SLOTS_AT,
  isNode,
} from './layout.js';
import { findEmptyArea } from './empty-area.js';
import { checkEntry, checkIndex, checkSize } from './args.js';
import { Bug } from '../shared-heap/bugs.js';

const STALE_PIVOTS = Bug.STALE_PIVOTS;
const DEAD_ROOT = Bug.DEAD_ROOT;
const MISSING_RMB = Bug.MISSING_RMB;

/** What the cursor can write through: implemented by MapleTree. */
export interface CursorWriter {
  storeRange(first: number, last: number, entry: number): void;
  readonly mem: Memory;
  readonly nodeLimit: number;
  /** Bug switches in force (src/shared-heap/bugs.ts); 0 in a correct build. */
  readonly bugs: number;
}

const START = 0;
const ACTIVE = 1;
const PAUSED = 2;
const OVERFLOW = 3;
const UNDERFLOW = 4;

export class TreeCorruptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TreeCorruptionError';
  }
}

export class MapleCursor {
  /** The range of the last result. */
  index: number;
  last: number;
  /** Times a read found its node dead and walked again from the root. */
  rewalks = 0;

  // Position: the leaf (0 when the root holds no node), the slot in it and the leaf's bounds.
  private node = 0;
  private offset = 0;
  private min = 0;
  private max = MAX_INDEX;
  private status = START;
  private readonly mem: Memory;
  private readonly bugs: number;

  constructor(private readonly tree: CursorWriter, index = 0, last = index) {
    this.mem = tree.mem;
    this.bugs = tree.bugs;
    this.index = index;
    this.last = last;
  }

  /** mas_set_range: reposition; the next operation walks from the root. */
  set(index: number, last = index): this {
    checkIndex('index', index);
    checkIndex('last', last);
    if (index > last) throw new RangeError(`index (${index}) must not exceed last (${last})`);
    this.index = index;
    this.last = last;
    this.node = 0;
    this.status = START;
    return this;
  }

  /** mas_pause: drop the node so the tree may change; the next operation re-walks. */
  pause(): void {
    this.node = 0;
    this.status = PAUSED;
  }

  /** mas_walk: the entry at `index` (NULL included); index/last become its range. */
  walk(): number {
    const entry = this.walkTo(this.index);
    this.status = ACTIVE;
    return entry;
  }

  /** mas_find: the first non-NULL entry at or after index (then after the previous result). */
  find(max: number): number {
    checkIndex('max', max);
    if (this.status === ACTIVE || this.status === OVERFLOW) {
      if (this.last >= max) return this.overflow();
      return this.nextEntry(max);
    }
    if (this.status === PAUSED) {
      if (this.last >= max) return this.overflow();
      this.index = this.last + 1;
    }
    if (this.index > max) return this.overflow();
    const entry = this.walkTo(this.index);
    this.status = ACTIVE;
    if (entry !== 0) return entry;
    return this.nextEntry(max);
  }

  /** mas_find_rev: the last non-NULL entry at or before index (then before the previous result). */
  findRev(min: number): number {
    checkIndex('min', min);
    if (this.status === ACTIVE || this.status === UNDERFLOW) {
      if (this.index <= min) return this.underflow();
      return this.prevEntry(min);
    }
    if (this.status === PAUSED) {
      if (this.index <= min) return this.underflow();
      this.index = this.last = this.index - 1;
    }
    if (this.last < min) return this.underflow();
    const entry = this.walkTo(this.last);
    this.status = ACTIVE;
    if (entry !== 0) return entry;
    return this.prevEntry(min);
  }

  /** mas_next: the next non-NULL entry after the current range, up to max. */
  next(max: number): number {
    checkIndex('max', max);
    if (this.status !== ACTIVE && this.status !== OVERFLOW) {
      if (this.status === UNDERFLOW) {
        // The caller expects to be one before where the cursor stands.
        const entry = this.walkTo(this.index);
        this.status = ACTIVE;
        if (entry !== 0) return entry;
      } else {
        this.walkTo(this.index);
        this.status = ACTIVE;
      }
    }
    if (this.last >= max) return this.overflow();
    return this.nextEntry(max);
  }

  /** mas_prev: the previous non-NULL entry before the current range, down to min. */
  prev(min: number): number {
    checkIndex('min', min);
    if (this.status !== ACTIVE && this.status !== UNDERFLOW) {
      if (this.status === OVERFLOW) {
        const entry = this.walkTo(this.index);
        this.status = ACTIVE;
        if (entry !== 0) return entry;
      } else {
        this.walkTo(this.index);
        this.status = ACTIVE;
      }
    }
    if (this.index <= min) return this.underflow();
    return this.prevEntry(min);
  }

  /** mas_store: store entry over [index, last]. */
  store(entry: number): void {
    checkEntry(entry);
    this.tree.storeRange(this.index, this.last, entry);
    this.node = 0;
    this.status = START;
  }

  /** mas_erase: erase the whole range holding index; returns its entry. */
  erase(): number {
    const entry = this.walkTo(this.index);
    if (entry !== 0) this.tree.storeRange(this.index, this.last, 0);
    this.node = 0;
    this.status = START;
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
    this.node = 0;
    this.status = START;
    const start = findEmptyArea(this.mem, this.tree.nodeLimit, min, max, size, rev, this);
    if (start < 0) return false;
    this.index = start;
    this.last = start + size - 1;
    return true;
  }

  private overflow(): number {
    this.status = OVERFLOW;
    return 0;
  }

  private underflow(): number {
    this.status = UNDERFLOW;
    return 0;
  }

  private nextEntry(max: number): number {
    this.savePosition();
    for (;;) {
      const entry = this.nextSlot();
      if (entry < 0 || this.index > max) return this.restorePosition(OVERFLOW);
      if (entry !== 0) return entry;
      if (this.last >= max) return this.restorePosition(OVERFLOW);
    }
  }

  private prevEntry(min: number): number {
    this.savePosition();
    for (;;) {
      const entry = this.prevSlot();
      if (entry < 0 || this.last < min) return this.restorePosition(UNDERFLOW);
      if (entry !== 0) return entry;
      if (this.index <= min) return this.restorePosition(UNDERFLOW);
    }
  }

  // Where the cursor stood before a next/prev that found nothing: it stays there.
  private savedNode = 0;
  private savedOffset = 0;
  private savedMin = 0;
  private savedMax = 0;
  private savedIndex = 0;
  private savedLast = 0;

  private savePosition(): void {
    this.savedNode = this.node;
    this.savedOffset = this.offset;
    this.savedMin = this.min;
    this.savedMax = this.max;
    this.savedIndex = this.index;
    this.savedLast = this.last;
  }

  private restorePosition(status: number): number {
    this.node = this.savedNode;
    this.offset = this.savedOffset;
    this.min = this.savedMin;
    this.max = this.savedMax;
    this.index = this.savedIndex;
    this.last = this.savedLast;
    this.status = status;
    return 0;
  }

  /**
   * Step to the range after the current one (mas_next_slot): the slot of this leaf that now holds
   * last + 1, or the next leaf's first slot. Returns its entry (maybe 0) with index/last set to
   * its range, or -1 at the end of the keyspace.
   *
   * The slot is found by index, not by offset + 1: in RCU mode a slot store moves one boundary in
   * place, so the current slot may have grown under the cursor, and stepping by offset would skip
   * what was written there.
   */
  private nextSlot(): number {
    const save = this.last;
    if (save === MAX_INDEX) return -1;
    if (this.node === 0 || save >= this.max) return this.crossLeaf(save + 1, save >= this.max);
    return this.slotHolding(save + 1);
  }

  /** Step to the range before the current one (mas_prev_slot); -1 at the start of the keyspace. */
  private prevSlot(): number {
    const save = this.index;
    if (save === 0) return -1;
    if (this.node === 0 || save <= this.min) return this.crossLeaf(save - 1, save <= this.min);
    return this.slotHolding(save - 1);
  }

  /**
   * Leave the leaf for the one holding `target` (mas_next_node / mas_prev_node, as a walk from the
   * root). The leaf's bounds came from the walk that reached it: check it is still alive first.
   */
  private crossLeaf(target: number, leaving: boolean): number {
    const node = this.node;
    if (node !== 0 && leaving) {
      const id = node >>> 4;
      if (this.isDead(id << 6, id)) return this.rewalk(target);
    }
    return this.walkTo(target);
  }

  /** Within the current leaf: the slot holding x, read then checked; re-walk if the leaf died. */
  private slotHolding(x: number): number {
    const mem = this.mem;
    const node = this.node;
    const id = node >>> 4;
    const base = id << 6;
    // The stale-pivots bug checks before reading, so nothing read afterwards is checked.
    const checkFirst = (this.bugs & STALE_PIVOTS) !== 0;
    if (checkFirst && this.isDead(base, id)) return this.rewalk(x);
    let end = mem.read(base + META) & 0xff;
    if (end >= RANGE_SLOTS) end = RANGE_SLOTS - 1;
    let offset = this.offset;
    if (offset > end) offset = end;
    while (offset < end && mem.read(base + PIVOTS + offset) < x) offset++;
    while (offset > 0 && mem.read(base + PIVOTS + offset - 1) >= x) offset--;
    const first = offset > 0 ? mem.read(base + PIVOTS + offset - 1) + 1 : this.min;
    const last = offset < end ? mem.read(base + PIVOTS + offset) : this.max;
    const entry = mem.deref(base + RANGE_SLOTS_AT + offset);
    if (!checkFirst && this.isDead(base, id)) return this.rewalk(x);
    this.offset = offset;
    this.index = first;
    this.last = last;
    return entry;
  }

  /** ma_dead_node: smp_rmb, then is the parent word pointing at the node itself? */
  private isDead(base: number, id: number): boolean {
    if ((this.bugs & MISSING_RMB) === 0) this.mem.rmb();
    return this.mem.read(base + PARENT) >>> 8 === id;
  }

  /**
   * The node we stood on died: walk again from the root to the index just past the current range
   * and take the range holding it. (The kernel's mas_rewalk walks back to the current range and
   * steps past it, which skips an entry stored over the old position; re-walking to the next
   * index returns that entry instead, so an iteration never misses what was there.)
   */
  private rewalk(index: number): number {
    this.rewalks++;
    return this.walkTo(index);
  }

  /**
   * Walk from the root to the leaf slot holding `index` (mtree_range_walk). Sets the position and
   * index/last to the slot's range and returns its entry.
   */
  walkTo(index: number): number {
    const mem = this.mem;
    const limit = this.tree.nodeLimit;
    retry: for (;;) {
      const root = mem.deref(HDR_ROOT);
      if (!isNode(root)) {
        // Empty tree, or a single entry held in the root for [0, 0].
        this.node = 0;
        this.offset = 0;
        if (root !== 0 && index === 0) {
          this.index = this.last = this.min = this.max = 0;
          return root;
        }
        this.index = this.min = root === 0 ? 0 : 1;
        this.last = this.max = MAX_INDEX;
        return 0;
      }
      let enode = root;
      let min = 0;
      let max = MAX_INDEX;
      const bugs = this.bugs;
      // Patch 1 reverted: check before reading. Patch 2 reverted: never check the root.
      const checkFirst = (bugs & STALE_PIVOTS) !== 0;
      const barrier = (bugs & MISSING_RMB) === 0;
      let check = (bugs & DEAD_ROOT) === 0;
      for (;;) {
        const id = enode >>> 4;
        const type = (enode >>> 2) & 3;
        const base = id << 6;
        if (checkFirst && check && this.isDead(base, id)) {
          this.rewalks++;
          continue retry;
        }
        const leaf = type < 2;
        const slots = leaf || type === 2 ? RANGE_SLOTS : ARANGE_SLOTS;
        let end = mem.read(base + META) & 0xff;
        if (end >= slots) end = slots - 1;
        let offset = 0;
        let rangeMin = min;
        let rangeMax = max;
        while (offset < end) {
          const pivot = mem.read(base + PIVOTS + offset);
          if (pivot >= index) {
            rangeMax = pivot;
            break;
          }
          rangeMin = pivot + 1;
          offset++;
        }
        // The slot, then the dead check (ma_dead_node: smp_rmb, then the parent word).
        const slot = mem.deref(base + (leaf || type === 2 ? RANGE_SLOTS_AT : ARANGE_SLOTS_AT) + offset);
        if (!checkFirst && check) {
          if (barrier) mem.rmb();
          if (mem.read(base + PARENT) >>> 8 === id) {
            this.rewalks++;
            continue retry;
          }
        }
        if (leaf) {
          this.node = enode;
          this.offset = offset;
          this.min = min;
          this.max = max;
          this.index = rangeMin;
          this.last = rangeMax;
          return slot;
        }
        check = true;
        if (!isNode(slot) || slot >>> 4 > limit) {
          throw new TreeCorruptionError(
            `node ${id} slot ${offset} holds ${slot}, not a node reference, while walking to ${index}`,
          );
        }
        const child = slot;
        enode = child;
        min = rangeMin;
        max = rangeMax;
      }
    }
  }
}
