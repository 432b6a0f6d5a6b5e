/**
 * The reference model: the tree's content as a sorted map of non-NULL ranges (first -> last,
 * entry), with the maple tree's semantics (NULL ranges are the gaps; stores split what they
 * overlap) and an undo log so an oracle can try later versions and come back.
 */
import BTreeModule from 'sorted-btree';

// sorted-btree is CommonJS with `exports.default = BTree`: under Node's ESM loader the import is
// the exports object, under some loaders the class itself.
type BTreeClass = typeof BTreeModule.default;
const BTree: BTreeClass =
  (BTreeModule as unknown as { default?: BTreeClass }).default ?? (BTreeModule as unknown as BTreeClass);

export const MAX_INDEX = 0xffffffff;

/** [last, entry] of a range keyed by its first index. */
type Span = [number, number];

export interface FoundRange {
  entry: number;
  first: number;
  last: number;
}

export class RangeMap {
  private readonly map = new BTree<number, Span>();
  /** Undo records: (op, first, last, entry); op 0 = delete key first, 1 = set it. */
  private undo: number[] = [];
  private recording = false;
  private readonly pair: [number, Span] = [0, [0, 0]];
  private readonly storePair: [number, Span] = [0, [0, 0]];

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
      else this.map.set(u[i + 1], [u[i + 2], u[i + 3]]);
    }
    u.length = 0;
    this.recording = false;
  }

  private set(first: number, last: number, entry: number): void {
    if (this.recording) {
      const old = this.map.get(first);
      if (old) this.undo.push(1, first, old[0], old[1]);
      else this.undo.push(0, first, 0, 0);
    }
    this.map.set(first, [last, entry]);
  }

  private remove(first: number): void {
    if (this.recording) {
      const old = this.map.get(first);
      if (old) this.undo.push(1, first, old[0], old[1]);
    }
    this.map.delete(first);
  }

  /** store(first, last, entry); entry 0 erases. */
  store(first: number, last: number, entry: number): void {
    // A range starting before first that reaches into [first, last]: keep its head, maybe its tail.
    const before = this.map.getPairOrNextLower(first, this.storePair);
    if (before && before[0] < first && before[1][0] >= first) {
      const [oldLast, oldEntry] = before[1];
      this.set(before[0], first - 1, oldEntry);
      if (oldLast > last) this.set(last + 1, oldLast, oldEntry);
    }
    // Ranges starting inside [first, last]: drop them, keeping the tail of the last one.
    for (;;) {
      const next = this.map.getPairOrNextHigher(first, this.storePair);
      if (!next || next[0] > last) break;
      const [oldLast, oldEntry] = next[1];
      this.remove(next[0]);
      if (oldLast > last) this.set(last + 1, oldLast, oldEntry);
    }
    if (entry !== 0) this.set(first, last, entry);
  }

  /** The range holding index, NULL ranges included. */
  walk(index: number, out: FoundRange): FoundRange {
    const p = this.map.getPairOrNextLower(index, this.pair);
    if (p && p[1][0] >= index) {
      out.entry = p[1][1];
      out.first = p[0];
      out.last = p[1][0];
      return out;
    }
    out.entry = 0;
    out.first = p ? p[1][0] + 1 : 0;
    const q = index < MAX_INDEX ? this.map.getPairOrNextHigher(index + 1, this.pair) : undefined;
    out.last = q ? q[0] - 1 : MAX_INDEX;
    return out;
  }

  /** The first non-NULL range meeting [index, max], or false. */
  find(index: number, max: number, out: FoundRange): boolean {
    const p = this.map.getPairOrNextLower(index, this.pair);
    if (p && p[1][0] >= index) return fill(out, p);
    if (index === MAX_INDEX) return false;
    const q = this.map.getPairOrNextHigher(index + 1, this.pair);
    if (q && q[0] <= max) return fill(out, q);
    return false;
  }

  /** The last non-NULL range meeting [min, index], or false. */
  findRev(index: number, min: number, out: FoundRange): boolean {
    const p = this.map.getPairOrNextLower(index, this.pair);
    if (p && p[1][0] >= min) return fill(out, p);
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
    const start = this.map.getPairOrNextLower(from, this.pair);
    let key: number;
    if (forward) key = start && start[1][0] >= from ? start[0] : from;
    else key = start ? start[0] : -1;
    if (!forward && key < 0) return count === 1 && entries[0] === 0;
    // Step with point lookups into a reused pair: no iterator objects on this hot path.
    const map = this.map;
    const pair = this.pair;
    for (let s = 0; s < count; s++) {
      const next = key < 0 || key > MAX_INDEX ? undefined : forward ? map.getPairOrNextHigher(key, pair) : map.getPairOrNextLower(key, pair);
      const inBound = next !== undefined && (forward ? next[0] <= bound : next[1][0] >= bound);
      if (entries[s] === 0) return !inBound;
      if (!inBound) return false;
      const first = next[0];
      const span = next[1];
      if (span[1] !== entries[s] || first !== firsts[s] || span[0] !== lasts[s]) return false;
      key = forward ? first + 1 : first - 1;
    }
    return true;
  }

  /** Lowest (or highest with rev) s with [s, s+size-1] free inside [min, max]; -1 if none. */
  emptyArea(min: number, max: number, size: number, rev: boolean): number {
    if (max - min + 1 < size) return -1;
    if (!rev) {
      let lo = min;
      const p = this.map.getPairOrNextLower(min, this.pair);
      if (p && p[1][0] >= min) lo = p[1][0] + 1;
      for (;;) {
        if (lo > max || max - lo + 1 < size) return -1;
        const q = this.map.getPairOrNextHigher(lo, this.pair);
        const gapEnd = q ? Math.min(q[0] - 1, max) : max;
        if (gapEnd - lo + 1 >= size) return lo;
        if (!q) return -1;
        lo = q[1][0] + 1;
      }
    }
    let hi = max;
    for (;;) {
      const p = this.map.getPairOrNextLower(hi, this.pair);
      if (p && p[1][0] >= hi) {
        if (p[0] === 0) return -1;
        hi = p[0] - 1;
        if (hi < min) return -1;
        continue;
      }
      const gapStart = p ? Math.max(p[1][0] + 1, min) : min;
      if (hi - gapStart + 1 >= size) return hi - size + 1;
      if (!p || p[0] <= min) return -1;
      hi = p[0] - 1;
    }
  }

  /** Every range in order (for tests and reports). */
  entries(): FoundRange[] {
    const out: FoundRange[] = [];
    this.map.forEachPair((first: number, [last, entry]: Span) => {
      out.push({ entry, first, last });
    });
    return out;
  }
}

function fill(out: FoundRange, p: [number, Span]): true {
  out.entry = p[1][1];
  out.first = p[0];
  out.last = p[1][0];
  return true;
}
