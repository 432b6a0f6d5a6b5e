/**
 * One litmus thread as a resumable interpreter over its syntax tree, on a SimulatedMemory. A step
 * runs one statement (an `if` step evaluates its condition), so a scheduler can interleave threads
 * statement by statement, and a thread that waits for a lock simply is not runnable (the project's
 * own litmus runner nests whole threads in access hooks instead, which cannot block).
 *
 * Values carry where they came from, for LKMM's dependencies: `dep` is one more than the number of
 * the thread's newest load the value depends on (0: none), `ts` the newest timestamp such a load
 * read (a load through a computed address is not older than that: an address dependency). A store
 * under an `if` is control-dependent on the condition's loads. The ordering marks (`fenceLoads`,
 * `acquireLoads`, `fenceStores`) say which earlier accesses an smp_mb, an acquire or an
 * unlock-then-lock orders before everything after; promises.ts uses them to certify load buffering.
 */
import { FORWARDED } from '../../../shared-heap/simulated-memory.js';
import type { SimWorld } from '../../../shared-heap/simulated-memory.js';
import type { LitmusMemory } from './litmus-memory.js';
import type { Expr, Stmt } from './ast.js';
import type { PreparedProgram } from './prepare.js';
import { operandValue } from './prepare.js';
import { primitive, rmwApply, rmwArity } from './primitives.js';
import type { PromiseBook } from './promises.js';
import { LitmusUnsupported } from './lexer.js';

export interface Val {
  v: number;
  dep: number;
  ts: number;
}

const ZERO: Val = { v: 0, dep: 0, ts: 0 };

/** What the threads of one execution share besides memory. */
export interface ExecutionShared {
  world: SimWorld;
  prepared: PreparedProgram;
  /** Lock word address to the thread holding it. */
  lockHolder: Map<number, number>;
  /** Null when load buffering is off. */
  promises: PromiseBook | null;
  /** Per thread: rcu_read_lock nesting. */
  rcuNesting: number[];
  /** The memory clock when the latest grace period started (0: none yet). */
  gpStartClock: number;
  /** Per thread: stores made before this (SimWorld.pushed order) belong to a finished section. */
  rcsEndSeq: number[];
}

interface Frame {
  stmts: Stmt[];
  at: number;
  /** Control dependency of the enclosing conditions (as a `dep` mark). */
  ctrl: number;
}

export class ThreadRun {
  readonly regs = new Map<string, Val>();
  /** Loads and stores made so far (a load's number is the count before it). */
  loads = 0;
  stores = 0;
  /** Loads numbered below this are ordered before all later accesses (smp_mb, unlock-lock, RMW). */
  private fenceLoads = 0;
  /** Likewise, by the newest acquire load (itself included). */
  private acquireLoads = 0;
  /** Stores numbered below this are ordered before all later stores (smp_wmb, smp_mb, ...). */
  private fenceStores = 0;
  private unlockedBefore = false;
  /** RCU events a promise may not cross: outermost rcu_read_lock, each half of synchronize_rcu. */
  rcuEvents = 0;
  /** A grace period this thread started and waits to end: the threads it waits for. */
  private gpWaitsFor: number[] | null = null;
  /** Per address, the union of the taints of this thread's own stores there (read back: rfi). */
  private readonly ownStoreTs = new Map<number, number>();
  private readonly frames: Frame[];
  /** Store statements already executed (a promise for them can no longer be fulfilled). */
  readonly executed = new Set<Stmt>();

  constructor(
    readonly index: number,
    readonly mem: LitmusMemory,
    private readonly shared: ExecutionShared,
  ) {
    const prep = shared.prepared;
    const thread = prep.program.threads[index];
    for (const r of prep.program.initRegs) {
      if (r.thread === index) this.regs.set(r.reg, { v: operandValue(r.value, prep.address), dep: 0, ts: 0 });
    }
    this.frames = [{ stmts: thread.body, at: 0, ctrl: 0 }];
  }

  get done(): boolean {
    this.unwind();
    return this.frames.length === 0 && this.gpWaitsFor === null;
  }

  /** Whether the next step can run now (a spin_lock waits for its lock, a grace period for readers). */
  runnable(): boolean {
    if (this.done) return false;
    if (this.gpWaitsFor !== null) return this.gpMayEnd();
    const top = this.frames[this.frames.length - 1];
    const s = top.stmts[top.at];
    if (s.k !== 'expr' || s.e.k !== 'call' || s.e.fn !== 'spin_lock') return true;
    return this.lockAvailable(this.pureAddress(s.e.args[0]));
  }

  /** Runs the next statement (or ends a grace period). May throw Discard (promises.ts). */
  step(): void {
    if (this.gpWaitsFor !== null) {
      this.endGracePeriod();
      return;
    }
    this.unwind();
    const top = this.frames[this.frames.length - 1];
    const s = top.stmts[top.at++];
    const ctrl = top.ctrl;
    switch (s.k) {
      case 'decl':
        this.regs.set(s.name, s.init ? this.eval(s.init, ctrl) : ZERO);
        return;
      case 'assign':
        if (s.target.k === 'name') {
          this.regs.set(s.target.name, this.eval(s.value, ctrl));
        } else if (s.target.k === 'deref') {
          // A plain store: the value first, then the address (C leaves the order open; no test
          // depends on it).
          const value = this.eval(s.value, ctrl);
          const addr = this.eval(s.target.e, ctrl);
          this.store(addr, value, 'plain', ctrl, s);
        }
        return;
      case 'expr':
        this.eval(s.e, ctrl, s);
        return;
      case 'if': {
        const c = this.eval(s.cond, ctrl);
        const branch = c.v !== 0 ? s.then : s.else;
        if (branch) this.frames.push({ stmts: branch, at: 0, ctrl: Math.max(ctrl, c.dep) });
        return;
      }
      case 'block':
        this.frames.push({ stmts: s.body, at: 0, ctrl });
        return;
    }
  }

  /** For promises: ordering marks now (loads, stores and RCU events so far). */
  marks(): { loads: number; stores: number; rcu: number } {
    return { loads: this.loads, stores: this.stores, rcu: this.rcuEvents };
  }

  // ---- expressions -------------------------------------------------------------------------------

  private eval(e: Expr, ctrl: number, stmt?: Stmt): Val {
    switch (e.k) {
      case 'num':
        return { v: e.v | 0, dep: 0, ts: 0 };
      case 'name': {
        const r = this.regs.get(e.name);
        if (r !== undefined) return r;
        if (this.shared.prepared.registers[this.index].has(e.name)) return ZERO;
        return { v: this.shared.prepared.address.get(e.name)!, dep: 0, ts: 0 };
      }
      case 'deref':
        return this.load(this.eval(e.e, ctrl), 'once');
      case 'unary': {
        const a = this.eval(e.e, ctrl);
        const v = e.op === '!' ? (a.v === 0 ? 1 : 0) : e.op === '-' ? -a.v | 0 : ~a.v;
        return { v, dep: a.dep, ts: a.ts };
      }
      case 'binary': {
        const l = this.eval(e.l, ctrl);
        if ((e.op === '&&' && l.v === 0) || (e.op === '||' && l.v !== 0)) return { v: e.op === '||' ? 1 : 0, dep: l.dep, ts: l.ts };
        const r = this.eval(e.r, ctrl);
        return { v: binary(e.op, l.v, r.v), dep: Math.max(l.dep, r.dep), ts: Math.max(l.ts, r.ts) };
      }
      case 'call':
        return this.call(e, ctrl, stmt);
    }
  }

  private call(e: Extract<Expr, { k: 'call' }>, ctrl: number, stmt?: Stmt): Val {
    const prim = primitive(e.fn)!;
    const arg = (i: number): Expr => {
      if (i >= e.args.length) throw new LitmusUnsupported(`line ${e.line}: ${e.fn} needs more arguments`);
      return e.args[i];
    };
    /** The address argument: `*p` for the lvalue primitives (READ_ONCE(*p)), `p` for the others. */
    const pointer = (i: number, lvalue: boolean): Val => {
      const a = arg(i);
      if (!lvalue) return this.eval(a, ctrl);
      if (a.k !== 'deref') throw new LitmusUnsupported(`line ${e.line}: ${e.fn} expects *pointer`);
      return this.eval(a.e, ctrl);
    };
    const mem = this.mem;
    switch (prim.k) {
      case 'load':
        return this.load(pointer(0, prim.lvalue), prim.kind);
      case 'store': {
        const addr = pointer(0, prim.lvalue);
        this.store(addr, this.eval(arg(1), ctrl), prim.kind, ctrl, stmt);
        return ZERO;
      }
      case 'fence':
        if (prim.kind === 'mb') {
          mem.mb();
          this.fenceLoads = this.loads;
          this.fenceStores = this.stores;
        } else if (prim.kind === 'wmb') {
          mem.wmb();
          this.fenceStores = this.stores;
        } else if (prim.kind === 'rmb') {
          mem.rmb();
        }
        return ZERO;
      case 'lock': {
        const addr = this.pureAddress(arg(0));
        // Only a statement of its own can wait (runnable()); inside an expression it cannot.
        if (!this.lockAvailable(addr)) throw new LitmusUnsupported(`line ${e.line}: spin_lock must be a statement of its own`);
        this.shared.promises?.onLoad(this.index, addr);
        // An acquire read-modify-write: reads the unlock it follows (the newest value), then a plain
        // store of "taken" (which later stores may overtake, as LKMM allows).
        mem.readLatest(addr);
        if (mem.lastReadFrom > 0) mem.raiseView(mem.lastReadFrom);
        const seq = this.loads++;
        if (this.unlockedBefore) {
          // po-unlock-lock-po: what came before an unlock is ordered before what follows a lock.
          mem.rmb();
          this.fenceLoads = this.loads;
          this.fenceStores = this.stores;
        }
        this.acquireLoads = Math.max(this.acquireLoads, seq + 1);
        mem.write(addr, 1);
        this.stores++;
        this.shared.lockHolder.set(addr, this.index);
        return ZERO;
      }
      case 'unlock': {
        const addr = this.pureAddress(arg(0));
        if (this.shared.lockHolder.get(addr) !== this.index) throw new LitmusUnsupported(`line ${e.line}: spin_unlock of a lock P${this.index} does not hold`);
        mem.publish(addr, 0);
        this.stores++;
        this.shared.lockHolder.delete(addr);
        this.unlockedBefore = true;
        return ZERO;
      }
      case 'is-locked': {
        const v = this.load(pointer(0, false), 'once');
        return { v: v.v !== 0 ? 1 : 0, dep: v.dep, ts: v.ts };
      }
      case 'rcu-lock': {
        const shared = this.shared;
        if (shared.rcuNesting[this.index]++ === 0) {
          this.rcuEvents++;
          // A read-side section that begins after a grace period began sees what preceded that
          // start (at least as strong as RCU: the section could still end before the grace period).
          if (shared.gpStartClock > 0) mem.raiseView(shared.gpStartClock);
        }
        return ZERO;
      }
      case 'rcu-unlock':
        if (this.shared.rcuNesting[this.index] === 0) throw new LitmusUnsupported(`line ${e.line}: rcu_read_unlock without rcu_read_lock`);
        if (--this.shared.rcuNesting[this.index] === 0) this.shared.rcsEndSeq[this.index] = this.shared.world.pushed;
        return ZERO;
      case 'synchronize-rcu':
        this.startGracePeriod(e.line);
        return ZERO;
      case 'rmw': {
        const pointerLast = prim.op === 'add' || prim.op === 'sub';
        const n = rmwArity(prim.op);
        const p = pointer(pointerLast ? n : 0, false);
        const args: Val[] = [];
        for (let i = 0; i < n; i++) args.push(this.eval(arg(pointerLast ? i : i + 1), ctrl));
        if (prim.op === 'cmpxchg') {
          // A cmpxchg that fails is only a read, ordered by nothing (LKMM): a plain load whose
          // value differs from the expected one. One that reads the expected value goes on below.
          const seen = this.load(p, 'once');
          if (seen.v !== args[0].v) return { v: seen.v, dep: Math.max(seen.dep, ...args.map((a) => a.dep)), ts: seen.ts };
        }
        this.shared.promises?.onLoad(this.index, p.v);
        // Fully ordered (see primitives.ts): SC load and store, nothing runs in between (one step).
        const old = mem.loadAtomic(p.v) | 0;
        const seq = this.loads++;
        const next = rmwApply(prim.op, old, args.map((a) => a.v));
        mem.storeAtomic(p.v, next);
        this.stores++;
        this.fenceLoads = this.loads;
        this.fenceStores = this.stores;
        const dep = Math.max(seq + 1, ...args.map((a) => a.dep));
        const v = prim.returns === 'new' ? next : prim.returns === 'old' ? old : prim.returns === 'changed' ? (next !== old ? 1 : 0) : 0;
        return { v, dep, ts: mem.lastReadFrom };
      }
    }
  }

  // ---- memory ------------------------------------------------------------------------------------

  private load(addr: Val, kind: 'once' | 'acquire'): Val {
    const mem = this.mem;
    this.checkAddress(addr.v);
    this.shared.promises?.onLoad(this.index, addr.v);
    const seq = this.loads++;
    const v = (addr.ts > 0 ? mem.readAfter(addr.v, addr.ts) : mem.read(addr.v)) | 0;
    const from = mem.lastReadFrom;
    if (kind === 'acquire') {
      if (from > 0) mem.raiseView(from);
      this.acquireLoads = Math.max(this.acquireLoads, seq + 1);
    }
    let ts = Math.max(from, addr.ts);
    // Read back from the thread's own store (forwarded, or drained with its origin): the value
    // carries that store's data dependencies (LKMM: dep ; rfi, and plain accesses like registers).
    if (from === FORWARDED || (from > 0 && this.shared.world.originAt(from) === this.index + 1)) ts = Math.max(ts, this.ownStoreTs.get(addr.v) ?? 0);
    return { v, dep: seq + 1, ts };
  }

  private store(addr: Val, value: Val, kind: 'plain' | 'once' | 'release', ctrl: number, stmt?: Stmt): void {
    const mem = this.mem;
    this.checkAddress(addr.v);
    if (stmt !== undefined) this.executed.add(stmt);
    const own = this.ownStoreTs.get(addr.v) ?? 0;
    if (value.ts > own) this.ownStoreTs.set(addr.v, value.ts);
    const promises = this.shared.promises;
    if (promises !== null) {
      const orderedLoads = Math.max(value.dep, addr.dep, ctrl, this.fenceLoads, this.acquireLoads, kind === 'release' ? this.loads : 0);
      const orderedStores = kind === 'release' ? this.stores : this.fenceStores;
      const fulfilled = promises.onStore(this.index, mem, addr.v, value.v, orderedLoads, orderedStores, this.rcuEvents);
      this.stores++;
      if (fulfilled) return;
    } else {
      this.stores++;
    }
    if (kind === 'release') mem.publish(addr.v, value.v);
    else mem.write(addr.v, value.v);
  }

  // ---- RCU ---------------------------------------------------------------------------------------

  /**
   * synchronize_rcu, first half: smp_mb, note the clock (sections that begin from now on see what
   * preceded it), and wait for every thread inside a read-side section now, or with a store from a
   * finished section still buffered. The second half runs as this thread's next step, once those
   * sections have ended and their stores have reached memory (a section that began before the grace
   * period is wholly before its end).
   */
  private startGracePeriod(line: number): void {
    const shared = this.shared;
    if (shared.rcuNesting[this.index] > 0) throw new LitmusUnsupported(`line ${line}: synchronize_rcu inside a read-side critical section`);
    this.mem.mb();
    this.fenceLoads = this.loads;
    this.fenceStores = this.stores;
    this.rcuEvents++;
    if (shared.world.clock > shared.gpStartClock) shared.gpStartClock = shared.world.clock;
    const threads = shared.world.threads;
    this.gpWaitsFor = shared.rcuNesting.flatMap((n, t) =>
      t !== this.index && (n > 0 || threads[t].oldestPendingSeq < shared.rcsEndSeq[t]) ? [t] : [],
    );
  }

  private gpMayEnd(): boolean {
    const shared = this.shared;
    const threads = shared.world.threads;
    return this.gpWaitsFor!.every((t) => shared.rcuNesting[t] === 0 && threads[t].oldestPendingSeq >= shared.rcsEndSeq[t]);
  }

  /** synchronize_rcu, second half: the waited-for sections are over; smp_mb. */
  private endGracePeriod(): void {
    this.gpWaitsFor = null;
    this.mem.mb();
    this.fenceLoads = this.loads;
    this.fenceStores = this.stores;
    this.rcuEvents++;
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private lockAvailable(addr: number): boolean {
    if (this.shared.lockHolder.has(addr)) return false;
    // The previous holder's unlock must have reached memory: the lock reads it.
    for (const t of this.shared.world.threads) if (t.bufferContents().some((b) => b.addr === addr)) return false;
    return true;
  }

  /** A lock's address, which must not need a load (spin_lock(lo) with lo a parameter). */
  private pureAddress(e: Expr): number {
    if (e.k === 'name' && !this.shared.prepared.registers[this.index].has(e.name)) {
      const addr = this.shared.prepared.address.get(e.name);
      if (addr !== undefined) return addr;
    }
    throw new LitmusUnsupported('a lock must be named by a parameter');
  }

  private checkAddress(addr: number): void {
    if (!(addr > 0 && addr < this.shared.prepared.words)) {
      throw new LitmusUnsupported(`P${this.index} accessed address ${addr}, which is no shared variable (a NULL or computed pointer)`);
    }
  }

  /** Pops finished blocks. */
  private unwind(): void {
    while (this.frames.length > 0 && this.frames[this.frames.length - 1].at >= this.frames[this.frames.length - 1].stmts.length) this.frames.pop();
  }
}

function binary(op: string, l: number, r: number): number {
  switch (op) {
    case '||':
      return l !== 0 || r !== 0 ? 1 : 0;
    case '&&':
      return l !== 0 && r !== 0 ? 1 : 0;
    case '|':
      return l | r;
    case '^':
      return l ^ r;
    case '&':
      return l & r;
    case '==':
      return l === r ? 1 : 0;
    case '!=':
      return l !== r ? 1 : 0;
    case '<':
      return l < r ? 1 : 0;
    case '>':
      return l > r ? 1 : 0;
    case '<=':
      return l <= r ? 1 : 0;
    case '>=':
      return l >= r ? 1 : 0;
    case '+':
      return (l + r) | 0;
    case '-':
      return (l - r) | 0;
    case '*':
      return Math.imul(l, r);
    case '/':
      if (r === 0) throw new LitmusUnsupported('division by zero');
      return (l / r) | 0;
    default:
      if (r === 0) throw new LitmusUnsupported('division by zero');
      return l % r | 0;
  }
}
