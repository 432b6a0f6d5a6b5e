/**
 * Reference model of the maple tree's semantics over uint32 keys (0 .. 0xFFFFFFFF).
 *
 * The core idea: the tree's content is nothing more than a sorted array of non-overlapping
 * non-NULL ranges. Every operation is a plain linear scan over that array, so each one can be
 * checked by eye against the kernel's documented behaviour. NULL ranges are never stored: a NULL
 * range is the maximal gap between two neighbouring non-NULL ranges (or the keyspace ends).
 *
 * The model does not validate its input; tests feed it only well-formed arguments.
 */

export const MODEL_MAX = 0xffffffff;

export interface ModelRange {
  first: number;
  last: number;
  entry: number;
}

export class ReferenceModel {
  /** Non-NULL ranges, sorted by `first`, pairwise disjoint. Never merged, even with equal entries. */
  private ranges: ModelRange[] = [];

  /** Every non-NULL range in order (copies). */
  entries(): ModelRange[] {
    return this.ranges.map((r) => ({ first: r.first, last: r.last, entry: r.entry }));
  }

  get size(): number {
    return this.ranges.length;
  }

  /** Store `entry` over [first, last]; entry 0 erases. Overlapped ranges are cut, not merged. */
  store(first: number, last: number, entry: number): void {
    const out: ModelRange[] = [];
    let placed = false;
    for (const r of this.ranges) {
      if (r.last < first) {
        out.push(r);
        continue;
      }
      if (r.first > last) {
        if (!placed) {
          if (entry !== 0) out.push({ first, last, entry });
          placed = true;
        }
        out.push(r);
        continue;
      }
      // r overlaps [first, last]: keep the parts sticking out on either side.
      if (r.first < first) out.push({ first: r.first, last: first - 1, entry: r.entry });
      if (!placed) {
        if (entry !== 0) out.push({ first, last, entry });
        placed = true;
      }
      if (r.last > last) out.push({ first: last + 1, last: r.last, entry: r.entry });
    }
    if (!placed && entry !== 0) out.push({ first, last, entry });
    this.ranges = out;
  }

  /** Store only if every index of [first, last] is NULL. */
  insert(first: number, last: number, entry: number): boolean {
    if (this.ranges.some((r) => r.first <= last && r.last >= first)) return false;
    this.store(first, last, entry);
    return true;
  }

  /** The range holding `index`, or undefined when `index` is in a NULL gap. */
  private holding(index: number): ModelRange | undefined {
    return this.ranges.find((r) => r.first <= index && index <= r.last);
  }

  load(index: number): number {
    return this.holding(index)?.entry ?? 0;
  }

  /** Erase the whole range holding `index`; return its entry (0 if none). */
  erase(index: number): number {
    const r = this.holding(index);
    if (!r) return 0;
    this.ranges = this.ranges.filter((x) => x !== r);
    return r.entry;
  }

  /** The range holding `index`, NULL ranges included (a NULL range is a maximal gap). */
  walk(index: number): ModelRange {
    const r = this.holding(index);
    if (r) return { ...r };
    let first = 0;
    let last = MODEL_MAX;
    for (const x of this.ranges) {
      if (x.last < index) first = x.last + 1;
      else if (x.first > index) {
        last = x.first - 1;
        break;
      }
    }
    return { first, last, entry: 0 };
  }

  /** First non-NULL range meeting [index, max], or null. */
  find(index: number, max: number): ModelRange | null {
    if (index > max) return null;
    const r = this.ranges.find((x) => x.last >= index && x.first <= max);
    return r ? { ...r } : null;
  }

  /** Last non-NULL range meeting [min, index], or null. */
  findRev(index: number, min: number): ModelRange | null {
    if (min > index) return null;
    for (let i = this.ranges.length - 1; i >= 0; i--) {
      const x = this.ranges[i];
      if (x.first <= index && x.last >= min) return { ...x };
    }
    return null;
  }

  /** Every NULL gap [first, last], in order. */
  gaps(): Array<{ first: number; last: number }> {
    const out: Array<{ first: number; last: number }> = [];
    let next = 0;
    for (const r of this.ranges) {
      if (r.first > next) out.push({ first: next, last: r.first - 1 });
      next = r.last + 1;
    }
    if (next <= MODEL_MAX) out.push({ first: next, last: MODEL_MAX });
    return out;
  }

  /** Lowest s with [s, s + size - 1] all NULL and inside [min, max]; -1 if none. */
  emptyArea(min: number, max: number, size: number): number {
    if (min > max || size < 1) return -1;
    for (const g of this.gaps()) {
      const lo = Math.max(g.first, min);
      const hi = Math.min(g.last, max);
      if (lo <= hi && hi - lo + 1 >= size) return lo;
    }
    return -1;
  }

  /** Highest s with [s, s + size - 1] all NULL and inside [min, max]; -1 if none. */
  emptyAreaRev(min: number, max: number, size: number): number {
    if (min > max || size < 1) return -1;
    const gaps = this.gaps();
    for (let i = gaps.length - 1; i >= 0; i--) {
      const lo = Math.max(gaps[i].first, min);
      const hi = Math.min(gaps[i].last, max);
      if (lo <= hi && hi - lo + 1 >= size) return hi - size + 1;
    }
    return -1;
  }

  /** Store `entry` at emptyArea(min, max, size); return the start or -1 (model unchanged). */
  allocRange(size: number, entry: number, min: number, max: number): number {
    const s = this.emptyArea(min, max, size);
    if (s >= 0) this.store(s, s + size - 1, entry);
    return s;
  }

  /** Store `entry` at emptyAreaRev(min, max, size); return the start or -1 (model unchanged). */
  allocRangeRev(size: number, entry: number, min: number, max: number): number {
    const s = this.emptyAreaRev(min, max, size);
    if (s >= 0) this.store(s, s + size - 1, entry);
    return s;
  }
}
