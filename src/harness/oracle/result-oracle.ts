/**
 * The result oracle (linearizability against the single writer's version log). A reader's result
 * is correct iff it equals what the tree held at some version in the operation's window [vs, ve].
 *
 * Each reader keeps its own reference model, replayed from the log up to vs; when the result does
 * not match at vs, the oracle applies the records (vs, ve] one at a time, trying each version, and
 * rolls them back afterwards (the next operation may start before ve).
 *
 * Iteration steps (find/next, findRev/prev) and empty-area searches read many slots, possibly in
 * several nodes, one at a time; under RCU they promise what rcu-protected iteration promises, not a
 * snapshot: what they return was there at some version of the window, and nothing that was there
 * for the whole window was skipped. So a step passes when (a) its result is explained at some
 * version of the window (below) and (b) no index between the start and the returned range held an
 * entry at vs that no store of the window touched. An empty-area result passes when its window was
 * free at some version and no lower (higher, for the reverse search) window was free at vs and
 * untouched by the window's stores.
 *
 * A window with no write in it (vs = ve) is judged exactly, iteration steps included: there is
 * nothing a reader could have raced with. With writes in the window, one leniency, derived from the
 * in-place slot store and tied to the writes that moved each boundary: torn bounds (the new entry
 * over older bounds), see torn-bounds.ts for the derivation. It holds on real threads (a reader
 * preempted between its pivot loads and its slot load) and under LKMM alike.
 */
import type { VersionLog } from '../version-log.js';
import { RangeMap } from './range-map.js';
import type { FoundRange } from './range-map.js';
import { TornBounds } from './torn-bounds.js';

const WALK = 0;
const FIND = 1;
const FIND_REV = 2;
const EMPTY_AREA = 3;
const EMPTY_AREA_REV = 4;

export interface OracleVerdict {
  /** What every version in the window would have given. */
  expected: string[];
  window: [number, number];
  /** Which store of the window wrote the entry that was seen, when one did. */
  origin?: string;
}

export class ResultOracle {
  readonly model = new RangeMap();
  private version = 0;
  private readonly found: FoundRange = { entry: 0, first: 0, last: 0 };

  // The observation under judgement.
  private op = WALK;
  private a = 0;
  private b = 0;
  private c = 0;
  private seenEntry = 0;
  private seenFirst = 0;
  private seenLast = 0;
  private readonly torn: TornBounds;
  /** Results only the torn-bounds rule accepted (a correct reader raced a slot store). */
  tornAccepted = 0;
  /**
   * Also accept bounds newer than the entry (TornBounds.explainsNewer): the kernel's slot store
   * under the simulator, where its pivot may become visible before its slot. Off by default.
   */
  acceptUnorderedSlotStore = false;
  /** Results only that allowance accepted. */
  unorderedSlotStoreAccepted = 0;
  /**
   * Also accept a walk's or a backward step's range that lies above its index when the entry held
   * the index earlier in the window and the range is exactly one the entry held later
   * (movedPastIndex): the kernel's mtree_range_walk reads pivots[offset - 1] twice. Off by default.
   */
  acceptPivotReadTwice = false;
  /** Results only that allowance accepted. */
  pivotReadTwiceAccepted = 0;

  constructor(
    private readonly log: VersionLog,
    private readonly reader: number,
  ) {
    this.torn = new TornBounds(this.model, log);
  }

  /** Replay the log up to `to` (the start of an operation's window). */
  advance(to: number): void {
    const log = this.log;
    if (to <= this.version) return;
    for (let v = this.version + 1; v <= to; v++) this.model.store(log.first(v), log.last(v), log.entry(v));
    this.version = to;
    this.log.setReplayed(this.reader, to);
  }

  get replayed(): number {
    return this.version;
  }

  /**
   * Fast path for a whole iteration that saw no concurrent write (every step's window is [v, v]):
   * true if it matches the model at v exactly. A false answer proves nothing: judge step by step.
   */
  quietIteration(
    forward: boolean,
    from: number,
    bound: number,
    v: number,
    count: number,
    entries: Float64Array,
    firsts: Float64Array,
    lasts: Float64Array,
  ): boolean {
    this.advance(v);
    return this.model.iterationMatches(forward, from, bound, count, entries, firsts, lasts);
  }

  /** walk(index) gave entry over [first, last]. */
  walk(index: number, entry: number, first: number, last: number, vs: number, ve: number): OracleVerdict | null {
    this.op = WALK;
    this.a = index;
    return this.judge(entry, first, last, vs, ve);
  }

  /** find(from, max) (one iteration step) gave entry over [first, last]; entry 0: nothing. */
  find(from: number, max: number, entry: number, first: number, last: number, vs: number, ve: number): OracleVerdict | null {
    this.op = FIND;
    this.a = from;
    this.b = max;
    return this.judge(entry, first, last, vs, ve);
  }

  /** findRev(from, min) (one backward step) gave entry over [first, last]; entry 0: nothing. */
  findRev(from: number, min: number, entry: number, first: number, last: number, vs: number, ve: number): OracleVerdict | null {
    this.op = FIND_REV;
    this.a = from;
    this.b = min;
    return this.judge(entry, first, last, vs, ve);
  }

  /** emptyArea(min, max, size) (or its reverse) gave start (-1: none). */
  emptyArea(min: number, max: number, size: number, rev: boolean, start: number, vs: number, ve: number): OracleVerdict | null {
    this.op = rev ? EMPTY_AREA_REV : EMPTY_AREA;
    this.a = min;
    this.b = max;
    this.c = size;
    return this.judge(start, 0, 0, vs, ve);
  }

  private judge(entry: number, first: number, last: number, vs: number, ve: number): OracleVerdict | null {
    this.seenEntry = entry;
    this.seenFirst = first;
    this.seenLast = last;
    this.advance(vs);
    if (!this.withinQuery()) {
      if (this.acceptPivotReadTwice && ve > vs && this.movedPastIndex(vs, ve)) {
        this.pivotReadTwiceAccepted++;
        return null;
      }
      return this.verdict(vs, ve);
    }
    if (this.holds()) return null;
    // Nothing to race with: exact only.
    if (ve === vs) return this.verdict(vs, ve);
    switch (this.op) {
      case WALK:
        if (this.atSomeVersion(vs, ve, () => this.holds())) return null;
        if (this.torn.explains(entry, first, last, vs, ve)) return this.acceptTorn();
        if (this.acceptUnorderedSlotStore && this.torn.explainsNewer(entry, first, last, vs, ve)) return this.acceptUnordered();
        break;
      case FIND:
      case FIND_REV:
        // Nothing stable skipped, and the entry (if any) over a range the protocol explains.
        if (this.skippedStable(vs, ve)) break;
        if (entry === 0 || this.atSomeVersion(vs, ve, () => this.holds())) return null;
        if (this.torn.explains(entry, first, last, vs, ve)) return this.acceptTorn();
        if (this.acceptUnorderedSlotStore && this.torn.explainsNewer(entry, first, last, vs, ve)) return this.acceptUnordered();
        break;
      default:
        if (!this.skippedStable(vs, ve) && this.freeAtSomeVersion(vs, ve)) return null;
    }
    return this.verdict(vs, ve);
  }

  /**
   * The ranges that hold `index` at the versions of [vs, ve], distinct, as [first, last] pairs
   * (entries only). For a tree whose iteration moves on from its position rather than from an
   * index (6.12's mas_next_slot/mas_prev_slot, and their re-walk to the save point after a dead
   * node): the next step starts past whatever range holds the previous step's position then. The
   * model must stand at vs or before.
   */
  rangesHolding(index: number, vs: number, ve: number): number[] {
    this.advance(vs);
    const f = this.found;
    const out: number[] = [];
    this.atSomeVersion(vs, ve, () => {
      if (this.model.find(index, index, f) && f.first <= index) {
        let seen = false;
        for (let i = 0; i < out.length; i += 2) if (out[i] === f.first && out[i + 1] === f.last) seen = true;
        if (!seen) out.push(f.first, f.last);
      }
      return false;
    });
    return out;
  }

  /**
   * Two successive steps of one iteration, each already judged on its own: does the second move
   * on from the first? Returns what was expected instead, or null.
   *
   * No range comes back (forward: the second must end after the first). The same entry may come
   * back only when the model held it over two ranges (a store inside its range split it in three)
   * at some version the model can still reach, or when a write of the two steps' windows touched
   * what lies between them: a split during the iteration, or a slot store that moved the boundary
   * the first step returned (it read an older pivot: torn-bounds.ts), so the second finds the
   * entry again over its true range. A different entry may overlap the first range: one stored
   * over the cursor's position, which the step oracle has judged already.
   */
  nextStep(
    forward: boolean,
    entry0: number,
    first0: number,
    last0: number,
    vs0: number,
    entry1: number,
    first1: number,
    last1: number,
    ve1: number,
  ): string | null {
    if (forward ? last1 <= last0 : first1 >= first0) return `after ${describe(entry0, first0, last0)}: a range further ${forward ? 'on' : 'back'}`;
    if (entry1 !== entry0) return null;
    // What lies between the two ranges: the boundary the cursor crossed and any gap after it.
    const lo = forward ? last0 : Math.min(last1, first0 - 1);
    const hi = forward ? Math.max(last0 + 1, first1) : first0;
    if (this.touched(lo, hi, vs0, ve1) || this.heldTwice(entry0, first0, last0, first1, last1, ve1)) return null;
    return `after ${describe(entry0, first0, last0)}: not the same entry again (it never held two ranges, and no write of versions (${vs0}, ${ve1}] touched [${lo}, ${hi}])`;
  }

  /**
   * Did the entry hold two distinct ranges, one meeting [f0, l0] and one meeting [f1, l1], at some
   * version from the model's current one up to `to`?
   */
  private heldTwice(entry: number, f0: number, l0: number, f1: number, l1: number, to: number): boolean {
    const f = this.found;
    const rangeMeeting = (first: number, last: number): number => {
      for (let at = first, n = 0; n < 64 && this.model.find(at, last, f); n++) {
        if (f.entry === entry) return f.first;
        if (f.last >= last) break;
        at = f.last + 1;
      }
      return -1;
    };
    return this.atSomeVersion(this.version, Math.max(this.version, to), () => {
      const a = rangeMeeting(f0, l0);
      const b = rangeMeeting(f1, l1);
      return a >= 0 && b >= 0 && a !== b;
    });
  }

  private acceptUnordered(): null {
    this.unorderedSlotStoreAccepted++;
    return null;
  }

  private acceptTorn(): null {
    this.tornAccepted++;
    return null;
  }

  private verdict(vs: number, ve: number): OracleVerdict {
    return { expected: this.expectations(vs, ve), window: [vs, ve], origin: this.origin(vs, ve) };
  }

  /** Whatever the versions held, a result outside the query's own bounds is wrong. */
  private withinQuery(): boolean {
    switch (this.op) {
      case FIND:
        return this.seenEntry === 0 || (this.seenLast >= this.a && this.seenFirst <= this.b && this.seenFirst <= this.seenLast);
      case FIND_REV:
        return this.seenEntry === 0 || (this.seenFirst <= this.a && this.seenLast >= this.b && this.seenFirst <= this.seenLast);
      case EMPTY_AREA:
      case EMPTY_AREA_REV:
        return this.seenEntry === -1 || (this.seenEntry >= this.a && this.seenEntry + this.c - 1 <= this.b);
      default:
        return this.seenFirst <= this.a && this.a <= this.seenLast;
    }
  }

  /**
   * The kernel's mtree_range_walk compares pivots to pick the slot and then reads the two it
   * compared again for the range's bounds (min = pivots[offset - 1] + 1, max = pivots[offset]). A
   * slot store that moves one of those boundaries past the index between the two reads hands the
   * walk the entry over its new range, which lies above the index (the entry's head given to its
   * neighbour) or below it (its tail given away). Explained when the range holding the index at
   * some version of the window had the seen entry and reached at least to the seen far bound, and
   * at that version or a later one the entry held exactly the seen range (a write of the window
   * moved the near bound past the index). NULL ranges too: the walk treats a NULL slot alike. Walks
   * both ways; a backward step's result above its index, a forward step's below it.
   */
  private movedPastIndex(vs: number, ve: number): boolean {
    const entry = this.seenEntry;
    const first = this.seenFirst;
    const last = this.seenLast;
    const index = this.a;
    const above = first > index;
    if (first > last || (!above && last >= index)) return false;
    if (this.op !== WALK && this.op !== (above ? FIND_REV : FIND)) return false;
    const f = this.found;
    let heldIndex = false;
    return this.atSomeVersion(vs, ve, () => {
      this.model.walk(index, f);
      if (f.entry === entry && (above ? f.last >= last : f.first <= first)) heldIndex = true;
      if (!heldIndex) return false;
      this.model.walk(first, f);
      return f.entry === entry && f.first === first && f.last === last;
    });
  }

  /** An empty-area result: its window was free at some version of the window. */
  private freeAtSomeVersion(vs: number, ve: number): boolean {
    const start = this.seenEntry;
    if (start < 0) return true;
    return this.atSomeVersion(vs, ve, () => this.model.emptyArea(start, start + this.c - 1, this.c, false) === start);
  }

  private atSomeVersion(vs: number, ve: number, test: () => boolean): boolean {
    if (test()) return true;
    const model = this.model;
    const log = this.log;
    model.mark();
    let ok = false;
    for (let v = vs + 1; v <= ve && !ok; v++) {
      model.store(log.first(v), log.last(v), log.entry(v));
      ok = test();
    }
    model.rollback();
    return ok;
  }

  /**
   * (b) Between the start of the step and what it returned, did the model at vs hold an entry (or,
   * for empty-area searches, a free window) over indices that no store of the window touched?
   */
  private skippedStable(vs: number, ve: number): boolean {
    const m = this.model;
    const f = this.found;
    if (this.op === FIND || this.op === FIND_REV) {
      const forward = this.op === FIND;
      const from = this.a;
      const bound = this.b;
      // The indices the step passed over without returning anything.
      let lo: number;
      let hi: number;
      if (forward) {
        lo = from;
        hi = this.seenEntry === 0 ? bound : Math.min(bound, this.seenFirst - 1);
      } else {
        hi = from;
        lo = this.seenEntry === 0 ? bound : Math.max(bound, this.seenLast + 1);
      }
      let at = lo;
      while (at <= hi && m.find(at, hi, f)) {
        const p = Math.max(f.first, lo);
        const q = Math.min(f.last, hi);
        if (!this.covered(p, q, vs, ve)) return true;
        if (f.last >= hi) break;
        at = f.last + 1;
      }
      return false;
    }
    // Empty area: a window free at vs, better placed than the result, untouched during the window.
    const rev = this.op === EMPTY_AREA_REV;
    const size = this.c;
    let min = this.a;
    let max = this.b;
    const start = this.seenEntry;
    if (start >= 0) {
      if (rev) min = start + 1;
      else max = start + size - 2;
    }
    for (let tries = 0; tries < 64; tries++) {
      const c = m.emptyArea(min, max, size, rev);
      if (c < 0) return false;
      if (!this.touched(c, c + size - 1, vs, ve)) return true;
      if (rev) max = c + size - 2;
      else min = c + 1;
    }
    return false;
  }

  /** Is every index of [p, q] written by some store of (vs, ve]? (Sort and sweep: windows can be long.) */
  private covered(p: number, q: number, vs: number, ve: number): boolean {
    const log = this.log;
    const spans = this.spans;
    spans.length = 0;
    for (let v = vs + 1; v <= ve; v++) {
      const a = log.first(v);
      const b = log.last(v);
      if (a <= q && b >= p) spans.push(a, b);
    }
    if (spans.length === 0) return false;
    const order = Array.from({ length: spans.length / 2 }, (_, i) => i).sort((x, y) => spans[2 * x] - spans[2 * y]);
    let next = p;
    for (const i of order) {
      if (spans[2 * i] > next) return false;
      if (spans[2 * i + 1] >= next) next = spans[2 * i + 1] + 1;
      if (next > q) return true;
    }
    return next > q;
  }

  private readonly spans: number[] = [];

  /** Did any store of (vs, ve] write an index of [p, q]? */
  private touched(p: number, q: number, vs: number, ve: number): boolean {
    const log = this.log;
    for (let v = vs + 1; v <= ve; v++) if (log.first(v) <= q && log.last(v) >= p) return true;
    return false;
  }

  /** Does the observation match the model as it stands? */
  private holds(): boolean {
    const m = this.model;
    const f = this.found;
    switch (this.op) {
      case WALK:
        m.walk(this.a, f);
        return this.matches(f);
      case FIND:
        if (!m.find(this.a, this.b, f)) return this.seenEntry === 0;
        return this.matches(f);
      case FIND_REV:
        if (!m.findRev(this.a, this.b, f)) return this.seenEntry === 0;
        return this.matches(f);
      case EMPTY_AREA:
        return m.emptyArea(this.a, this.b, this.c, false) === this.seenEntry;
      default:
        return m.emptyArea(this.a, this.b, this.c, true) === this.seenEntry;
    }
  }

  /** The model's range is exactly the one seen. */
  private matches(f: FoundRange): boolean {
    return f.entry === this.seenEntry && f.first === this.seenFirst && f.last === this.seenLast;
  }

  /** What each version of the window gives, for the report (only on failure, so it may allocate). */
  private expectations(vs: number, ve: number): string[] {
    const out: string[] = [];
    const model = this.model;
    const log = this.log;
    const shown = Math.min(ve, vs + 8);
    model.mark();
    for (let v = vs; v <= shown; v++) {
      if (v > vs) model.store(log.first(v), log.last(v), log.entry(v));
      out.push(`v${v}: ${this.describeModel()}`);
    }
    model.rollback();
    if (ve > shown) out.push(`... ${ve - shown} more versions`);
    return out;
  }

  /**
   * Where the seen entry came from: every entry names the store that wrote it. When that store is
   * older than the window, the log is searched back as far as the ring still holds it (the writer
   * may still be running, so a margin is kept), and the stores since then over the seen range are
   * listed: what a reader that returned a stale range raced with. This reader's replay position
   * (vs) holds the writer back with checking on, so the records from started - ringSize on stay put.
   */
  private origin(vs: number, ve: number): string | undefined {
    const seen = this.seenEntry;
    if (seen <= 0 || this.op === EMPTY_AREA || this.op === EMPTY_AREA_REV) return undefined;
    const log = this.log;
    for (let v = ve; v > vs; v--) {
      if (log.entry(v) === seen) return `${seen} was stored at v${v} over [${log.first(v)}, ${log.last(v)}]`;
    }
    const oldest = Math.max(1, log.started - log.ringSize + 1);
    for (let v = vs; v >= oldest; v--) {
      if (log.entry(v) !== seen) continue;
      const since: string[] = [];
      for (let w = v + 1; w <= vs && since.length < ORIGIN_SHOWN; w++) {
        if (log.first(w) <= this.seenLast && log.last(w) >= this.seenFirst) since.push(log.describe(w));
      }
      const tail = since.length > 0 ? `; since then over the seen range: ${since.join(', ')}` : '';
      return `${seen} was stored at v${v} over [${log.first(v)}, ${log.last(v)}]${tail}`;
    }
    return `${seen} was stored before v${oldest}`;
  }

  private describeModel(): string {
    const m = this.model;
    const f = this.found;
    switch (this.op) {
      case WALK:
        m.walk(this.a, f);
        return describe(f.entry, f.first, f.last);
      case FIND:
        return m.find(this.a, this.b, f) ? describe(f.entry, f.first, f.last) : 'nothing';
      case FIND_REV:
        return m.findRev(this.a, this.b, f) ? describe(f.entry, f.first, f.last) : 'nothing';
      case EMPTY_AREA:
        return String(m.emptyArea(this.a, this.b, this.c, false));
      default:
        return String(m.emptyArea(this.a, this.b, this.c, true));
    }
  }
}

/** Stores over the seen range listed after an old origin. */
const ORIGIN_SHOWN = 12;

export function describe(entry: number, first: number, last: number): string {
  return `${entry === 0 ? 'NULL' : entry} over [${first}, ${last}]`;
}
