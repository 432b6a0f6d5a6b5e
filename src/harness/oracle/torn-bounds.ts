/**
 * The torn-bounds rule: which ranges a correct tree's reader may return while in-place slot stores
 * overlap its walk, derived from the protocol, the same on real threads and under LKMM.
 *
 * The protocol. In RCU mode the only in-place change to a leaf's pivots is the slot store
 * (mas_wr_slot_store): two neighbouring ranges trade their boundary. The writer stores the new
 * entry's slot with rcu_assign_pointer, then smp_wmb, then the one pivot that moves. Every store
 * writes a fresh entry, so an entry names the store that wrote it. The reader reads the pivots
 * around the index (plain loads), then the slot through a dependency on them, then checks that the
 * leaf is alive; a leaf alive after the reads was alive during them, so every word came from that
 * leaf's live life, whose pivots move only by slot stores.
 *
 * What the reader can return. Each bound it returns is one pivot's value at some moment of the
 * window. The slot load is ordered after both pivot loads (program order on threads, the
 * dependency under LKMM), and a pivot is stored after its slot with a barrier between, so the slot
 * value is at least as new as the slot store of whichever store wrote each pivot value. Hence:
 * - a bound may be older than the entry: the pivot's value from before later slot stores moved it
 *   (a reader preempted between its pivot loads and its slot load, on any machine, or plain pivot
 *   loads satisfied early under LKMM). The new entry over older bounds is possible;
 * - a bound can never be newer than the entry: a pivot value written by a slot store that
 *   replaced the entry's slot forces the slot load to see that store's entry or a newer one. The
 *   old entry over a newer boundary is what a pivot-first slot store or a missing barrier between
 *   the two stores produces, and it is rejected.
 *
 * As a check on the version log: follow each boundary through the window. A write that erases
 * exactly one boundary of the model and creates exactly one (the model-level shape of a slot
 * store) moves that boundary; any other write that erases a boundary ends its line. The seen range
 * [first, last] with entry e is explained iff at some version u of the window e held a range
 * [a, b] where the boundary before a descends (through such moves, at versions up to u) from the
 * boundary before `first` as it stood at some version of the window, and the boundary after b
 * likewise from the one after `last`. Every allowance is thereby tied to writes of the window that
 * moved that very boundary; a quiet window explains only the exact range (the caller judges those
 * exactly and never asks).
 */
import type { VersionLog } from '../version-log.js';
import type { FoundRange, RangeMap } from './range-map.js';
import { MAX_INDEX } from './range-map.js';

/** Boundaries a write may touch that are worth counting: more than this is not a slot store. */
const COUNT_LIMIT = 4;

export class TornBounds {
  private readonly found: FoundRange = { entry: 0, first: 0, last: 0 };
  /** Where the boundary before the seen range's first index has moved to (p: between p and p + 1). */
  private readonly lower: number[] = [];
  /** Likewise for the boundary after the seen range's last index. */
  private readonly upper: number[] = [];
  private readonly before: number[] = [];

  constructor(
    private readonly model: RangeMap,
    private readonly log: VersionLog,
  ) {}

  /**
   * Is `entry` over [first, last] what a correct reader can return in the window [vs, ve]? The
   * model must stand at vs; it is left there.
   */
  explains(entry: number, first: number, last: number, vs: number, ve: number): boolean {
    if (first > last) return false;
    const lower = this.lower;
    const upper = this.upper;
    lower.length = 0;
    upper.length = 0;
    const model = this.model;
    model.mark();
    let ok = false;
    for (let v = vs; v <= ve && !ok; v++) {
      if (v > vs) this.apply(v);
      this.seed(lower, first - 1);
      this.seed(upper, last);
      ok = this.heldBetween(entry);
    }
    model.rollback();
    return ok;
  }

  /**
   * Is `entry` over [first, last] what a reader can return when a slot store's pivot may become
   * visible before its slot: the kernel's own mas_wr_slot_store writes the slot with
   * rcu_assign_pointer and then the pivot with no smp_wmb between, and a release orders only what
   * precedes it, so under LKMM (the simulator) a reader may read the new pivot and then the old
   * slot. Then a bound may be *newer* than the entry: each returned bound lies on the line of a
   * bound of a range the entry held in the window, moved (or not) by the window's slot stores. Used
   * only where that reordering is possible (the kernel build under the simulator); the rule for
   * the tree's own writer, which has the barrier, stays explains(). The model must stand at vs; it
   * is left there.
   */
  explainsNewer(entry: number, first: number, last: number, vs: number, ve: number): boolean {
    // NULL too: a slot store moves a NULL range's bound as it moves an entry's (its slot keeps NULL).
    if (first > last) return false;
    const lower = this.lower;
    const upper = this.upper;
    lower.length = 0;
    upper.length = 0;
    const model = this.model;
    const f = this.found;
    model.mark();
    let ok = false;
    for (let v = vs; v <= ve && !ok; v++) {
      if (v > vs) this.apply(v);
      // Lines start at the entry's own bounds, wherever it now holds the seen range's ends.
      for (const at of [first, last]) {
        model.walk(at, f);
        if (f.entry !== entry) continue;
        // seed() walks the model into `found` too: take the bounds first.
        const a = f.first;
        const b = f.last;
        this.seed(lower, a - 1);
        this.seed(upper, b);
      }
      ok = lower.includes(first - 1) && upper.includes(last);
    }
    model.rollback();
    return ok;
  }

  /** Start following boundary p from this version, if it is one now. */
  private seed(set: number[], p: number): void {
    if (!this.isBoundary(p) || set.includes(p)) return;
    set.push(p);
  }

  /** Did the entry hold, at this version, a range from a lower line's boundary to an upper's? */
  private heldBetween(entry: number): boolean {
    const f = this.found;
    const lower = this.lower;
    const upper = this.upper;
    for (let i = 0; i < lower.length; i++) {
      const p = lower[i];
      if (p >= MAX_INDEX) continue;
      this.model.walk(p + 1, f);
      if (f.entry === entry && f.first === p + 1 && upper.includes(f.last)) return true;
    }
    return false;
  }

  /** Boundary p: a range ends at p (p = -1 and p = MAX_INDEX are the keyspace's edges). */
  private isBoundary(p: number): boolean {
    if (p < 0 || p >= MAX_INDEX) return true;
    return this.model.walk(p, this.found).last === p;
  }

  /** Apply version v's write to the model, moving or ending the lines of the boundaries it erases. */
  private apply(v: number): void {
    const log = this.log;
    const first = log.first(v);
    const last = log.last(v);
    const lo = first - 1;
    if (!this.tracks(lo, last)) {
      this.model.store(first, last, log.entry(v));
      return;
    }
    // Boundaries in [first - 1, last] before the write (up to COUNT_LIMIT of them).
    const before = this.before;
    before.length = 0;
    const f = this.found;
    if (lo >= 0) {
      if (this.isBoundary(lo)) before.push(lo);
    }
    for (let x = first; x <= last && before.length < COUNT_LIMIT; ) {
      this.model.walk(x, f);
      if (f.last > last) break;
      before.push(f.last);
      if (f.last >= MAX_INDEX) break;
      x = f.last + 1;
    }
    this.model.store(first, last, log.entry(v));
    // After it, only its own edges can be boundaries in that span.
    const loAfter = this.isBoundary(lo);
    const hiAfter = this.isBoundary(last);
    let erased = 0;
    let erasedAt = 0;
    for (const p of before) {
      if ((p === lo && loAfter) || (p === last && hiAfter)) continue;
      erased++;
      erasedAt = p;
    }
    let created = 0;
    let createdAt = 0;
    if (lo >= 0 && loAfter && !before.includes(lo)) {
      created++;
      createdAt = lo;
    }
    if (hiAfter && !before.includes(last)) {
      created++;
      createdAt = last;
    }
    const moved = erased === 1 && created === 1;
    this.follow(this.lower, lo, last, loAfter, hiAfter, moved, erasedAt, createdAt);
    this.follow(this.upper, lo, last, loAfter, hiAfter, moved, erasedAt, createdAt);
  }

  /** Does either line currently stand in [lo, hi]? */
  private tracks(lo: number, hi: number): boolean {
    for (const p of this.lower) if (p >= lo && p <= hi) return true;
    for (const p of this.upper) if (p >= lo && p <= hi) return true;
    return false;
  }

  private follow(
    set: number[],
    lo: number,
    hi: number,
    loAfter: boolean,
    hiAfter: boolean,
    moved: boolean,
    erasedAt: number,
    createdAt: number,
  ): void {
    let n = 0;
    for (let i = 0; i < set.length; i++) {
      let p = set[i];
      if (p >= lo && p <= hi && !((p === lo && loAfter) || (p === hi && hiAfter))) {
        // Erased by this write: it moves if the write is a slot store's shape, else its line ends.
        if (!moved || p !== erasedAt) continue;
        p = createdAt;
      }
      if (!holds(set, n, p)) set[n++] = p;
    }
    set.length = n;
  }
}

/** Is p among the first n elements of set? */
function holds(set: number[], n: number, p: number): boolean {
  for (let i = 0; i < n; i++) if (set[i] === p) return true;
  return false;
}
