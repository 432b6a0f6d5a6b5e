/**
 * The reference model: the tree's content as a sorted map of non-NULL ranges (first -> last,
 * entry), with the maple tree's semantics (NULL ranges are the gaps; stores split what they
 * overlap) and an undo log so an oracle can try later versions and come back.
 */
import { RangeIndex } from './range-index.js';

export const MAX_INDEX = 0xffffffff;

export interface FoundRange {
  entry: number;
  first: number;
  last: number;
}

export class RangeMap {
  private readonly map = new RangeIndex();
  /** Undo records: (op, first, last, entry); op 0 = delete key first, 1 = set it. */
  private undo: number[] = [];
  private recording = false;

  get size(): number {
    return this.map.size;
  }

  /** Start recording undo information for the stores that follow. */
  mark(): void {
    this.undo.length = 0;
    this.recording = true;
  }

  /** Revert every store since mark(). */
  rollback(): void {
    const u = this.undo;
    for (let i = u.length - 4; i >= 0; i -= 4) {
      if (u[i] === 0) this.map.delete(u[i + 1]);
      else this.map.set(u[i + 1], u[i + 2], u[i + 3]);
    }
    u.length = 0;
    this.recording = false;
  }

  private set(first: number, last: number, entry: number): void {
    const map = this.map;
    if (this.recording) {
      if (map.get(first)) this.undo.push(1, first, map.last, map.entry);
      else this.undo.push(0, first, 0, 0);
    }
    map.set(first, last, entry);
  }

  private remove(first: number): void {
    const map = this.map;
    if (this.recording && map.get(first)) this.undo.push(1, first, map.last, map.entry);
    map.delete(first);
  }

  /** store(first, last, entry); entry 0 erases. */
  store(first: number, last: number, entry: number): void {
    const map = this.map;
    // A range starting before first that reaches into [first, last]: keep its head, maybe its tail.
    if (map.floor(first) && map.key < first && map.last >= first) {
      const start = map.key;
      const oldLast = map.last;
      const oldEntry = map.entry;
      this.set(start, first - 1, oldEntry);
      if (oldLast > last) this.set(last + 1, oldLast, oldEntry);
    }
    // Ranges starting inside [first, last]: drop them, keeping the tail of the last one.
    while (map.ceil(first) && map.key <= last) {
      const start = map.key;
      const oldLast = map.last;
      const oldEntry = map.entry;
      this.remove(start);
      if (oldLast > last) this.set(last + 1, oldLast, oldEntry);
    }
    if (entry !== 0) this.set(first, last, entry);
  }

  /** The range holding index, NULL ranges included. */
  walk(index: number, out: FoundRange): FoundRange {
    const map = this.map;
    const before = map.floor(index);
    if (before && map.last >= index) {
      fill(out, map);
      return out;
    }
    out.entry = 0;
    out.first = before ? map.last + 1 : 0;
    out.last = index < MAX_INDEX && map.ceil(index + 1) ? map.key - 1 : MAX_INDEX;
    return out;
  }

  /** The first non-NULL range meeting [index, max], or false. */
  find(index: number, max: number, out: FoundRange): boolean {
    const map = this.map;
    if (map.floor(index) && map.last >= index) return fill(out, map);
    if (index === MAX_INDEX) return false;
    if (map.ceil(index + 1) && map.key <= max) return fill(out, map);
    return false;
  }

  /** The last non-NULL range meeting [min, index], or false. */
  findRev(index: number, min: number, out: FoundRange): boolean {
    const map = this.map;
    if (map.floor(index) && map.last >= min) return fill(out, map);
    return false;
  }

  /**
   * Does an iteration that saw no concurrent write match the model exactly? Forward: the steps are
   * the successive non-NULL ranges meeting [from, max]; backward, mirrored for [min, from]. `count`
   * steps are given; a final 0 entry means the iteration found nothing more within the bound.
   */
  iterationMatches(
    forward: boolean,
    from: number,
    bound: number,
    count: number,
    entries: Float64Array,
    firsts: Float64Array,
    lasts: Float64Array,
  ): boolean {
    const map = this.map;
    const found = map.floor(from);
    let key: number;
    if (forward) key = found && map.last >= from ? map.key : from;
    else key = found ? map.key : -1;
    if (!forward && key < 0) return count === 1 && entries[0] === 0;
    // Step with point lookups: no iterator objects on this hot path.
    for (let s = 0; s < count; s++) {
      const ok = key >= 0 && key <= MAX_INDEX && (forward ? map.ceil(key) : map.floor(key));
      const inBound = ok && (forward ? map.key <= bound : map.last >= bound);
      if (entries[s] === 0) return !inBound;
      if (!inBound) return false;
      if (map.entry !== entries[s] || map.key !== firsts[s] || map.last !== lasts[s]) return false;
      key = forward ? map.key + 1 : map.key - 1;
    }
    return true;
  }

  /** Lowest (or highest with rev) s with [s, s+size-1] free inside [min, max]; -1 if none. */
  emptyArea(min: number, max: number, size: number, rev: boolean): number {
    if (max - min + 1 < size) return -1;
    const map = this.map;
    if (!rev) {
      let lo = min;
      if (map.floor(min) && map.last >= min) lo = map.last + 1;
      for (;;) {
        if (lo > max || max - lo + 1 < size) return -1;
        const more = map.ceil(lo);
        const gapEnd = more ? Math.min(map.key - 1, max) : max;
        if (gapEnd - lo + 1 >= size) return lo;
        if (!more) return -1;
        lo = map.last + 1;
      }
    }
    let hi = max;
    for (;;) {
      const any = map.floor(hi);
      if (any && map.last >= hi) {
        if (map.key === 0) return -1;
        hi = map.key - 1;
        if (hi < min) return -1;
        continue;
      }
      const gapStart = any ? Math.max(map.last + 1, min) : min;
      if (hi - gapStart + 1 >= size) return hi - size + 1;
      if (!any || map.key <= min) return -1;
      hi = map.key - 1;
    }
  }

  /** Every range in order (for tests and reports). */
  entries(): FoundRange[] {
    const out: FoundRange[] = [];
    this.map.forEach((first, last, entry) => {
      out.push({ entry, first, last });
    });
    return out;
  }
}

function fill(out: FoundRange, map: RangeIndex): true {
  out.entry = map.entry;
  out.first = map.key;
  out.last = map.last;
  return true;
}
