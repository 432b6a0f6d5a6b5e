/**
 * One reader's operations and their judgement, independent of how the reader is scheduled: the
 * reader thread runs it in a loop, and single-thread interleaving drivers (tests, the simulator)
 * run it with writer steps injected at memory accesses.
 *
 * An operation is a walk, a forward or backward iteration of up to 15 steps, or an empty-area
 * query, inside rcu_read_lock/unlock. Afterwards: the stale-read detector's verdict (judged before
 * unlocking), poison and structure checks, then the result oracle.
 */
import { isInternalEntry } from '../tree/layout.js';
import type { StaleReadDetector } from '../shared-heap/checked-memory.js';
import { POISON } from '../shared-heap/reclaim.js';
import type { VersionLog } from '../harness/version-log.js';
import { ResultOracle, describe } from '../harness/oracle/result-oracle.js';
import type { OracleVerdict } from '../harness/oracle/result-oracle.js';
import { OP_WALK, OP_FIND, OP_FIND_REV, OP_EMPTY_AREA, OP_EMPTY_AREA_REV, OP_CHECKING } from '../harness/control.js';
import type { Rng } from '../harness/rng.js';
import type { CheckMode, Violation, ViolationKind } from '../harness/types.js';
import { LatencySampler } from './latency.js';

const MAX_STEPS = 16;
const MAX_INDEX = 0xffffffff;

/**
 * What a reader operation reads through: the replica's MapleCursor, or the kernel build's
 * (src/workers/kernel/kernel-read-cursor.ts). After each call, index and last are the range found.
 */
/** What a tree runtime's own detector found in one read-side section (see ProbeOptions.sectionCheck). */
export interface SectionFinding {
  seen: string;
  /** The rule the read broke, as the report's expectation. */
  rule: string;
}

export interface ReadCursor {
  readonly index: number;
  readonly last: number;
  /** Walks restarted from the root after meeting a dead node (0 where the tree cannot tell). */
  readonly rewalks: number;
  set(index: number): unknown;
  walk(): number;
  find(max: number): number;
  findRev(min: number): number;
  emptyArea(min: number, max: number, size: number): boolean;
  emptyAreaRev(min: number, max: number, size: number): boolean;
}

export interface ProbeOptions {
  thread: string;
  /** The reader's cursor on the tree (one per probe; the probe repositions it for each operation). */
  cursor: ReadCursor;
  log: VersionLog;
  /** rcu_read_lock/unlock (an RcuReader on real threads). */
  rcu: ReadSection;
  rng: Rng;
  keyspace: number;
  allocTree: boolean;
  check: CheckMode;
  sampleRate: number;
  /** The reader's index in the version log (for replay bookkeeping). */
  reader: number;
  /** The stale-read detector, when the tree was attached with it. */
  checkedMemory: StaleReadDetector | null;
  /**
   * The oldest version a step starting now may see. Default: the log's completed version (real
   * threads); the simulator passes what the reader's view allows, since a completed write may
   * still sit in the writer's store buffer.
   */
  oldestVisible?: () => number;
  /**
   * A detector the tree's own runtime keeps (the kernel build's node tracker): asked right after
   * each read-side section, it returns what it found there (a stale-read finding and the rule it
   * breaks) or null.
   */
  sectionCheck?: () => SectionFinding | null;
  /**
   * A finding the tree's own code signalled for a step of the operation just run, or an earlier
   * one (kernel build: a step the runtime flagged), or null. Asked only for a find/findRev step's
   * result the oracle rejects or entry the poison check rejects.
   */
  knownCorruptIteration?: (step: number) => string | null;
  /** What the tree's code walked in the section just judged, for a violation report (kernel build). */
  walkTrace?: () => string[];
  /**
   * The tree's backward step carries its upper bound from the step before, as 6.12's
   * mas_prev_slot does (`mas->last = mas->index - 1` with the index the previous step left): such
   * a bound was read in the previous step's window, so a step whose upper bound is exactly the
   * previous step's first - 1 is judged over both steps' windows. The replica reads the bound
   * again in each step, so its readers leave this off.
   */
  carriedPrevBound?: boolean;
  /**
   * The tree's iteration moves on from its position, as 6.12's mas_next_slot/mas_prev_slot do
   * (the next or previous slot, or after a dead node a re-walk to the save point, the previous
   * step's last index going forward and its first going back, and a step from the range holding
   * it): when a store changed the range at
   * that position between the steps, the step goes on past the range holding the position now
   * (ResultOracle.rangesHolding) rather than from the index after the previous result. A step is
   * judged from there when it fails from the index. The replica re-finds from the index, so its
   * readers leave this off.
   */
  stepsBySlot?: boolean;
  /**
   * The tree's empty-area search is known to miss windows (6.12: src/harness/kernel-known.ts): a
   * "no window" where a version of the window had one is counted under that name, not reported.
   */
  knownEmptyAreaMiss?: string;
  /**
   * The tree's backward step is known to re-read the root (6.12: src/harness/kernel-known.ts): a
   * node reference returned over [0, 0] by a backward iteration is counted under this name, not
   * reported. Anywhere else a node reference is poison as ever.
   */
  knownPrevRootReread?: string;
  /**
   * The tree's backward step is known to return a reversed range when a slot store moved the
   * boundary between two steps (6.12: its upper bound is carried from the previous step, its lower
   * bound read afresh; src/harness/kernel-known.ts): a backward step whose range is reversed and
   * whose upper bound is exactly the previous step's first - 1 is counted under this name. Any
   * other reversed range is a structure violation as ever.
   */
  knownPrevReversed?: string;
  /**
   * A known finding of the tree's code that shows as an error of the operation (a kernel trap with
   * its signature; src/harness/kernel-known.ts): returns its name to count it, or null to report
   * the error as ever.
   */
  knownError?: (error: unknown) => string | null;
  /**
   * The tree's forward step is known to read the same pivot twice (6.12's mas_next_slot: once
   * against max, once for the next range's first index; src/harness/kernel-known.ts): an entry whose
   * range starts beyond the iteration's max is counted under this name, not judged.
   */
  knownPastMax?: string;
  /** The reader's operations, by number (the explorer's tiny scenarios); default: drawn from rng. */
  plan?: (op: number) => PlannedOp;
  /** Called when an operation starts (op code and first argument), for the stall watchdog. */
  onOp?: (opCode: number, index: number) => void;
}

/**
 * One reader operation: a walk of index, an iteration from index over span indices (OP_FIND up,
 * OP_FIND_REV down), or an empty-area search of size in [index, index + span].
 */
export interface PlannedOp {
  opCode: number;
  index: number;
  span: number;
  size: number;
}

export interface ReadSection {
  lock(): void;
  unlock(): void;
}

export class ReaderProbe {
  readonly cursor: ReadCursor;
  readonly oracle: ResultOracle | null;
  /** Violations found so far (every one, in order). */
  readonly violations: Violation[] = [];
  /** Known findings of the tree's code met so far, by name (see ProbeOptions). */
  readonly known: Record<string, number> = {};
  ops = 0;
  checks = 0;
  /** Time inside the read-side section, every 16th operation. */
  readonly latency = new LatencySampler();

  // One operation's observations: up to MAX_STEPS steps, each with its own version window.
  private readonly from = new Float64Array(MAX_STEPS);
  private readonly seenEntry = new Float64Array(MAX_STEPS);
  private readonly seenFirst = new Float64Array(MAX_STEPS);
  private readonly seenLast = new Float64Array(MAX_STEPS);
  private readonly vs = new Int32Array(MAX_STEPS);
  private readonly ve = new Int32Array(MAX_STEPS);
  private bound = 0;

  private readonly oldestVisible: (() => number) | null;

  constructor(private readonly o: ProbeOptions) {
    this.cursor = o.cursor;
    this.oldestVisible = o.oldestVisible ?? null;
    this.oracle = o.check !== 'off' ? new ResultOracle(o.log, o.reader) : null;
  }

  get discardedTaint(): number {
    return this.o.checkedMemory?.discarded ?? 0;
  }

  /** Run and judge one operation; returns how many violations it added. */
  runOne(): number {
    const o = this.o;
    const rng = o.rng;
    const before = this.violations.length;
    const { opCode, index, span, size } = o.plan !== undefined ? o.plan(this.ops) : this.drawOp();
    o.onOp?.(opCode, index);
    let steps = 0;
    let opError: unknown = null;
    let tainted = false;
    const timed = (this.ops & 15) === 0;
    const t0 = timed ? performance.now() : 0;
    o.rcu.lock();
    try {
      steps = this.perform(opCode, index, span, size);
    } catch (error) {
      opError = error;
    } finally {
      // Judge generation brackets before unlocking: afterwards nodes may legitimately be reused.
      if (o.checkedMemory !== null) tainted = o.checkedMemory.endOp();
      o.rcu.unlock();
    }
    if (timed) this.latency.add((performance.now() - t0) * 1e6);
    this.ops++;
    // The operation's name is only needed for a report: keep what makes it, build it then.
    this.opCode = opCode;
    this.opIndex = index;
    this.opSpan = span;
    this.opSize = size;
    // Stale reads before a crash of the same operation: the dead node's words are the cause.
    const mem = o.checkedMemory;
    if (mem !== null && (tainted || mem.violations.length > 0)) {
      for (const stale of mem.violations) {
        this.report('stale-read', this.opName(), `${o.thread} used words of node ${stale.node} read after it died at version ${stale.diedAtVersion} (${stale.how})`, [], {
          nodes: stale.detail ?? `node ${stale.node}: generation ${stale.openedAt} when first read, ${stale.judgedAt} when judged`,
          window: [this.vs[0], this.ve[Math.max(0, steps - 1)]],
        });
      }
      mem.violations.length = 0;
    }
    if (o.sectionCheck !== undefined) {
      const found = o.sectionCheck();
      if (found !== null) this.report('stale-read', this.opName(), found.seen, [found.rule]);
    }
    // A result a known finding of the tree's code explains is counted, not judged further.
    let opKnown = false;
    const knownName = opError !== null && o.knownError !== undefined ? o.knownError(opError) : null;
    if (knownName !== null) {
      this.known[knownName] = (this.known[knownName] ?? 0) + 1;
      opError = null;
      opKnown = true;
    }
    if (opError !== null) {
      this.report('structure', this.opName(), opError instanceof Error ? opError.message : String(opError), []);
    }
    const searching = opCode === OP_EMPTY_AREA || opCode === OP_EMPTY_AREA_REV;
    // Range bounds are pivots (first - 1 and last) or the keyspace's ends: below the keyspace a
    // bound equal to POISON can only be a pivot the free path overwrote.
    const poisonBounds = o.keyspace <= POISON;
    for (let s = 0; s < steps && !searching; s++) {
      const e = this.seenEntry[s];
      if (
        o.knownPrevRootReread !== undefined &&
        opCode === OP_FIND_REV &&
        isInternalEntry(e) &&
        e > 4096 &&
        this.seenFirst[s] === 0 &&
        this.seenLast[s] === 0
      ) {
        this.known[o.knownPrevRootReread] = (this.known[o.knownPrevRootReread] ?? 0) + 1;
        opKnown = true;
      } else if (e !== 0 && (e === POISON || isInternalEntry(e)) && this.excusedCorrupt(opCode, s)) {
        opKnown = true;
      } else if (e !== 0 && (e === POISON || isInternalEntry(e))) {
        this.report('poison', this.opName(), `entry ${e} (${e === POISON ? 'free-path poison' : 'a node reference'}) over [${this.seenFirst[s]}, ${this.seenLast[s]}]`, []);
      } else if (poisonBounds && (this.seenFirst[s] - 1 === POISON || this.seenLast[s] === POISON)) {
        this.report('poison', this.opName(), `range [${this.seenFirst[s]}, ${this.seenLast[s]}] of entry ${e} has free-path poison (${POISON}) for a bound`, []);
      } else if (o.knownPastMax !== undefined && opCode === OP_FIND && e !== 0 && this.seenFirst[s] > this.bound && this.seenFirst[s] <= this.seenLast[s]) {
        this.known[o.knownPastMax] = (this.known[o.knownPastMax] ?? 0) + 1;
        opKnown = true;
      } else if (
        this.seenFirst[s] > this.seenLast[s] &&
        o.knownPrevReversed !== undefined &&
        opCode === OP_FIND_REV &&
        s > 0 &&
        this.seenLast[s] === this.seenFirst[s - 1] - 1
      ) {
        this.known[o.knownPrevReversed] = (this.known[o.knownPrevReversed] ?? 0) + 1;
        opKnown = true;
      } else if (this.seenFirst[s] > this.seenLast[s]) {
        this.report('structure', this.opName(), `range [${this.seenFirst[s]}, ${this.seenLast[s]}] is reversed`, []);
      }
    }
    const oracle = this.oracle;
    if (oracle !== null) {
      if (opError === null && !opKnown && (o.check === 'full' || rng.chance(o.sampleRate))) {
        o.onOp?.(OP_CHECKING, index);
        this.checks++;
        this.judge(opCode, steps);
      } else {
        oracle.advance(this.vs[0]);
      }
    }
    return this.violations.length - before;
  }

  /** The next operation, drawn from the reader's stream. */
  private drawOp(): PlannedOp {
    const { rng, keyspace, allocTree } = this.o;
    const roll = rng.int(100);
    const opCode =
      roll < 50 ? OP_WALK : roll < 70 ? OP_FIND : roll < 85 ? OP_FIND_REV : allocTree ? (roll < 93 ? OP_EMPTY_AREA : OP_EMPTY_AREA_REV) : OP_WALK;
    const index = rng.int(keyspace);
    const span = 1 + rng.int(keyspace >>> 6 || 1);
    const size = 1 + rng.int(16);
    return { opCode, index, span, size };
  }

  private opCode = 0;
  private opIndex = 0;
  private opSpan = 0;
  private opSize = 0;

  private opName(): string {
    return describeOp(this.opCode, this.opIndex, this.opSpan, this.opSize);
  }

  private report(kind: ViolationKind, op: string, seen: string, expected: string[], extra: Partial<Violation> = {}): void {
    const trace = this.o.walkTrace?.();
    this.violations.push({ kind, thread: this.o.thread, op, seen, expected, ...extra, ...(trace !== undefined ? { trace } : {}) });
  }

  private judge(opCode: number, steps: number): void {
    const opName = (): string => this.opName();
    const o = this.oracle as ResultOracle;
    const { from, seenEntry, seenFirst, seenLast, vs, ve } = this;
    // An iteration no write overlapped: one pass over the model instead of a lookup per step.
    if ((opCode === OP_FIND || opCode === OP_FIND_REV) && vs[0] === ve[steps - 1]) {
      if (o.quietIteration(opCode === OP_FIND, from[0], this.bound, vs[0], steps, seenEntry, seenFirst, seenLast)) return;
    }
    for (let s = 0; s < steps; s++) {
      let verdict: OracleVerdict | null;
      const e = seenEntry[s];
      switch (opCode) {
        case OP_WALK:
          verdict = o.walk(from[s], e, seenFirst[s], seenLast[s], vs[s], ve[s]);
          break;
        case OP_FIND:
          verdict = o.find(from[s], this.bound, e, seenFirst[s], seenLast[s], vs[s], ve[s]);
          if (verdict !== null && s > 0 && this.o.stepsBySlot === true) {
            // mas_next_slot's save point is the previous step's last index.
            const held = o.rangesHolding(seenLast[s - 1], vs[s], ve[s]);
            for (let i = 0; i < held.length && verdict !== null; i += 2) {
              const after = held[i + 1] + 1;
              if (after > from[s] && after <= this.bound) verdict = o.find(after, this.bound, e, seenFirst[s], seenLast[s], vs[s], ve[s]);
            }
            // Past the upper bound: the step rightly found nothing.
            if (verdict !== null && e === 0) for (let i = 0; i < held.length; i += 2) if (held[i + 1] >= this.bound) verdict = null;
          }
          break;
        case OP_FIND_REV: {
          const carried = s > 0 && this.o.carriedPrevBound === true && seenLast[s] === seenFirst[s - 1] - 1;
          const vsFrom = carried ? vs[s - 1] : vs[s];
          verdict = o.findRev(from[s], this.bound, e, seenFirst[s], seenLast[s], vsFrom, ve[s]);
          if (verdict !== null && s > 0 && this.o.stepsBySlot === true) {
            // mas_prev_slot's save point is the previous step's first index.
            const held = o.rangesHolding(seenFirst[s - 1], vsFrom, ve[s]);
            for (let i = 0; i < held.length && verdict !== null; i += 2) {
              const before = held[i] - 1;
              if (held[i] > 0 && before < from[s] && before >= this.bound) verdict = o.findRev(before, this.bound, e, seenFirst[s], seenLast[s], vsFrom, ve[s]);
            }
            // Past the lower bound: the step rightly found nothing.
            if (verdict !== null && e === 0) for (let i = 0; i < held.length; i += 2) if (held[i] <= this.bound) verdict = null;
          }
          break;
        }
        default:
          verdict = o.emptyArea(from[s], seenFirst[s], seenLast[s], opCode === OP_EMPTY_AREA_REV, e, vs[s], ve[s]);
          if (verdict !== null && e === -1 && this.o.knownEmptyAreaMiss !== undefined) {
            this.known[this.o.knownEmptyAreaMiss] = (this.known[this.o.knownEmptyAreaMiss] ?? 0) + 1;
            return;
          }
      }
      if (verdict !== null && this.excusedCorrupt(opCode, s)) return;
      if (verdict !== null) {
        const what =
          opCode === OP_EMPTY_AREA || opCode === OP_EMPTY_AREA_REV ? `start ${e}` : e === 0 && opCode !== OP_WALK ? 'nothing' : describe(e, seenFirst[s], seenLast[s]);
        this.report('result', `${opName()}${steps > 1 ? ` step ${s}` : ''}`, what, verdict.expected, {
          window: verdict.window,
          detail: [verdict.origin, s > 0 ? `earlier steps: ${this.describeSteps(s)}` : ''].filter(Boolean).join('; ') || undefined,
        });
        return;
      }
      // Each step moves on from the one before, and the same entry comes back only where the
      // model explains it. Judged now, while the model stands at this step's window.
      if (s > 0 && e !== 0 && (opCode === OP_FIND || opCode === OP_FIND_REV)) {
        const wrong = o.nextStep(opCode === OP_FIND, seenEntry[s - 1], seenFirst[s - 1], seenLast[s - 1], vs[s - 1], e, seenFirst[s], seenLast[s], ve[s]);
        if (wrong !== null && this.excusedCorrupt(opCode, s)) return;
        if (wrong !== null) {
          this.report('iteration', `${opName()} step ${s}`, describe(e, seenFirst[s], seenLast[s]), [wrong], {
            window: [vs[s], ve[s]],
            detail: `steps: ${this.describeSteps(s + 1)}`,
          });
          return;
        }
      }
    }
  }

  /** A find/findRev step whose rejected result knownCorruptIteration explains: counted as known. */
  private excusedCorrupt(opCode: number, step: number): boolean {
    if (opCode !== OP_FIND && opCode !== OP_FIND_REV) return false;
    const name = this.o.knownCorruptIteration?.(step) ?? null;
    if (name === null) return false;
    this.known[name] = (this.known[name] ?? 0) + 1;
    return true;
  }

  /** The steps before step s, for a report. */
  private describeSteps(s: number): string {
    const out: string[] = [];
    for (let i = 0; i < s; i++) {
      out.push(`${i}: from ${this.from[i]} -> ${describe(this.seenEntry[i], this.seenFirst[i], this.seenLast[i])} in [${this.vs[i]}, ${this.ve[i]}]`);
    }
    return out.join('; ');
  }

  private oldest(log: VersionLog): number {
    return this.oldestVisible === null ? log.completed : this.oldestVisible();
  }

  /** The operation itself, inside the read-side section; returns the number of steps. */
  private perform(opCode: number, index: number, span: number, size: number): number {
    const { cursor } = this;
    const log = this.o.log;
    const { from, seenEntry, seenFirst, seenLast, vs, ve } = this;
    switch (opCode) {
      case OP_WALK: {
        vs[0] = this.oldest(log);
        cursor.set(index);
        seenEntry[0] = cursor.walk();
        ve[0] = log.started;
        from[0] = index;
        seenFirst[0] = cursor.index;
        seenLast[0] = cursor.last;
        return 1;
      }
      case OP_FIND: {
        const max = Math.min(MAX_INDEX, index + span);
        this.bound = max;
        cursor.set(index);
        let at = index;
        let s = 0;
        while (s < MAX_STEPS - 1) {
          vs[s] = this.oldest(log);
          const e = cursor.find(max);
          ve[s] = log.started;
          from[s] = at;
          seenEntry[s] = e;
          seenFirst[s] = cursor.index;
          seenLast[s] = cursor.last;
          s++;
          if (e === 0 || cursor.last >= max) break;
          at = cursor.last + 1;
        }
        return s;
      }
      case OP_FIND_REV: {
        const min = Math.max(0, index - span);
        this.bound = min;
        cursor.set(index);
        let at = index;
        let s = 0;
        while (s < MAX_STEPS - 1) {
          vs[s] = this.oldest(log);
          const e = cursor.findRev(min);
          ve[s] = log.started;
          from[s] = at;
          seenEntry[s] = e;
          seenFirst[s] = cursor.index;
          seenLast[s] = cursor.last;
          s++;
          if (e === 0 || cursor.index <= min) break;
          at = cursor.index - 1;
        }
        return s;
      }
      default: {
        // Empty area: from = min, seenFirst = max, seenLast = size, seenEntry = the start found.
        const min = index;
        const max = Math.min(MAX_INDEX, index + span * 4 + size);
        vs[0] = this.oldest(log);
        const found = opCode === OP_EMPTY_AREA ? cursor.emptyArea(min, max, size) : cursor.emptyAreaRev(min, max, size);
        ve[0] = log.started;
        from[0] = min;
        seenFirst[0] = max;
        seenLast[0] = size;
        seenEntry[0] = found ? cursor.index : -1;
        return 1;
      }
    }
  }
}

function describeOp(opCode: number, index: number, span: number, size: number): string {
  switch (opCode) {
    case OP_WALK:
      return `walk(${index})`;
    case OP_FIND:
      return `find(${index}, max ${Math.min(MAX_INDEX, index + span)})`;
    case OP_FIND_REV:
      return `findRev(${index}, min ${Math.max(0, index - span)})`;
    case OP_EMPTY_AREA:
      return `emptyArea(${index}, ${Math.min(MAX_INDEX, index + span * 4 + size)}, size ${size})`;
    default:
      return `emptyAreaRev(${index}, ${Math.min(MAX_INDEX, index + span * 4 + size)}, size ${size})`;
  }
}
