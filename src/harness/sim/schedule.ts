/**
 * One simulated run ("schedule"): the writer and the readers of a small scenario as logical
 * threads in this one thread, on the weak-memory simulator, under a seeded strategy. Every shared
 * access of the running thread reaches the scheduler first, which may drain a store of the
 * writer's buffer or run another thread's whole operation right there; every value a load returns
 * is a seeded choice among those the memory model allows. The same oracles judge as on real
 * threads: the result oracle (with version windows from what each reader's view allows), the
 * simulator's stale-read detector, poison and structure checks, the write policy on the writer's
 * stores, and the end-of-run checks.
 *
 * A run is a pure function of its spec: the spec plus an optional decision script is the replay
 * token (token.ts); recording the decisions lets a failure be shrunk (shrink.ts).
 */
import { MapleTree } from '../../tree/maple-tree.js';
import { RcuReclaimer } from '../../shared-heap/reclaim.js';
import { GracePeriods, RcuLayout, RcuReader } from '../../shared-heap/rcu.js';
import { SimWorld } from '../../shared-heap/simulated-memory.js';
import type { ChoicePurpose, SimulatedMemory } from '../../shared-heap/simulated-memory.js';
import { SimCheckedMemory } from '../../shared-heap/sim-checked-memory.js';
import { NODE_WORDS } from '../../shared-heap/slab.js';
import { VersionLog } from '../version-log.js';
import { Rng } from '../rng.js';
import { CATALOG, bugMask } from '../catalog.js';
import { OP_NAMES, OP_CHECKING } from '../control.js';
import { createMutator } from '../../workers/mutator.js';
import { ReaderProbe } from '../../workers/reader-probe.js';
import { WriterChecks, reportFindings } from '../../workers/writer-checks.js';
import type { Report } from '../../workers/writer-checks.js';
import { SimPolicedMemory } from '../../shared-heap/sim-policed-memory.js';
import { WritePolicy } from '../../tree/write-policy.js';
import type { InPlaceCounts } from '../../tree/write-policy.js';
import type { Violation } from '../types.js';
import { Chooser } from './chooser.js';
import { ALL_SCENARIOS, scenarioShape } from './scenarios.js';
import type { ScenarioName } from './scenarios.js';
import { PctStrategy, RandomStrategy, STRATEGIES } from './strategies.js';
import { ExhaustiveStrategy } from './exhaustive-strategy.js';
import type { LogicalThread, SchedulerView, Strategy, StrategyName } from './strategies.js';
import { VersionWindows } from './version-windows.js';

export interface ScheduleSpec {
  scenario: ScenarioName;
  /** Catalog bugs switched on (empty: the correct build). */
  bugs: string[];
  /** This schedule's seed: the workload's and readers' streams and every decision. */
  seed: number;
  strategy: StrategyName;
  /** PCT: change points + 1. */
  depth: number;
  readers: number;
  /** Writer operations (workload steps). */
  writerOps: number;
  /** Operations per reader. */
  readerOps: number;
  /** Accesses after which the run turns fair (no more reordering) so it ends. */
  stepBound: number;
  /** PCT: the expected run length in steps (change points fall in [1, pctSteps]). */
  pctSteps: number;
  /** A recorded decision script (replaying or shrinking); absent: decisions drawn from the seed. */
  script?: number[];
  /** false: the writer's stores are not policed, the reader-side oracles judge alone (absent: policed). */
  writePolicy?: boolean;
}

export const DEFAULT_SHAPE = { readers: 2, writerOps: 12, readerOps: 8, depth: 3, stepBound: 200_000, pctSteps: 4000 } as const;

/** One line of a trace: an access (after it completed), a drain, or a violation found. */
export interface TraceEvent {
  step: number;
  thread: string;
  /** The thread's operation at the time. */
  op: string;
  kind: string;
  /** Word address (-1 for barriers). */
  addr: number;
  value: number;
  /** For loads: the timestamp of the store read (-1: own store buffer); for drains: the new timestamp. */
  readFrom: number;
  /** For loads and drains: the writer version that made the store (0: initial memory). */
  origin: number;
}

export interface ScheduleOutcome {
  violations: Violation[];
  steps: number;
  decisions: number;
  /** The decisions, when recorded. */
  script?: number[];
  /** Each decision's arity and purpose, when the shape was recorded (the exhaustive explorer). */
  arities?: number[];
  purposes?: Array<ChoicePurpose | undefined>;
  /** Every access, when traced; `violationAt` is the index of the first violation's marker. */
  trace?: TraceEvent[];
  violationAt?: number;
  switches: number;
  drains: number;
  readerOps: number;
  writerOps: number;
  rewalks: number;
  discardedTaint: number;
  /** The step bound was reached (the rest of the run was fair). */
  fair: boolean;
  /** Grace periods the writer completed. */
  gracePeriods: number;
  /** Where the RCU words sat in the simulated address space (for naming them in traces). */
  rcu: RcuLayout;
  /** The writer's allowed in-place stores, by kind, when they were policed. */
  inPlace?: InPlaceCounts;
}

export interface ScheduleOptions {
  record?: boolean;
  /** Record each decision's arity and purpose too (implies record). */
  shape?: boolean;
  trace?: boolean;
  /** Stop at the first violation (default true). */
  stopAtFirst?: boolean;
  /**
   * Police the writer's stores (default true). Off: the reader-side oracles alone, so tests can
   * show they still catch the writer-side bugs the write policy otherwise reports first.
   */
  writePolicy?: boolean;
}

/** Thrown through the tree code when a run exceeds four times its step bound. */
class StallError extends Error {}

/**
 * The real grace-period code on the writer's simulated memory, except that the writer never
 * blocks: a reader suspended inside its section (below the writer on the stack) would hold it
 * forever. Between polls time passes (`wait`): buffered stores drain and the writer's loads catch
 * up, as they eventually do for a real writer that spins, so only a reader that is really inside
 * can hold the grace period.
 */
class SimGracePeriods extends GracePeriods {
  constructor(mem: SimulatedMemory, layout: RcuLayout, private readonly wait: () => void) {
    super(mem, layout);
  }

  override waitFor(cookie: number): void {
    for (let tries = 0; !this.done(cookie); tries++) {
      this.start();
      if (this.poll()) continue;
      if (tries > 2) {
        throw new Error('simulator: the writer would wait for a grace period that a suspended reader holds (the scenario needs more slab capacity)');
      }
      this.wait();
    }
  }
}

/** RCU words for up to this many readers follow the nodes (one world size for every reader count). */
const MAX_SIM_READERS = 8;

export function checkSpec(spec: ScheduleSpec): void {
  const int = (name: string, v: unknown, min: number, max: number): void => {
    if (!Number.isInteger(v) || (v as number) < min || (v as number) > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  };
  if (!ALL_SCENARIOS.includes(spec.scenario)) throw new RangeError(`unknown scenario '${spec.scenario}': expected one of ${ALL_SCENARIOS.join(', ')}`);
  if (!STRATEGIES.includes(spec.strategy)) throw new RangeError(`unknown strategy '${spec.strategy}': expected one of ${STRATEGIES.join(', ')}`);
  if (!Array.isArray(spec.bugs)) throw new RangeError('bugs must be a list of catalog names');
  for (const b of spec.bugs) if (!CATALOG.some((e) => e.name === b)) throw new RangeError(`unknown bug '${b}'`);
  int('seed', spec.seed, 0, 0xffffffff);
  int('depth', spec.depth, 1, 32);
  int('readers', spec.readers, 1, MAX_SIM_READERS);
  int('writerOps', spec.writerOps, 0, 100_000);
  int('readerOps', spec.readerOps, 0, 100_000);
  int('stepBound', spec.stepBound, 100, 1e9);
  int('pctSteps', spec.pctSteps, 1, 1e9);
  if (spec.writePolicy !== undefined && typeof spec.writePolicy !== 'boolean') throw new RangeError('writePolicy must be true or false');
}

export function runSchedule(spec: ScheduleSpec, options: ScheduleOptions = {}): ScheduleOutcome {
  return new Schedule(spec, options).run();
}

interface SimThread extends LogicalThread {
  readonly mem: SimulatedMemory;
  label: string;
  run(): void;
}

class Schedule implements SchedulerView {
  readonly threads: SimThread[] = [];
  readonly chooser: Chooser;
  steps = 0;
  stopping = false;
  private readonly stack: SimThread[] = [];
  private readonly world: SimWorld;
  private readonly rcu: RcuLayout;
  private readonly writerMem: SimPolicedMemory;
  private readonly strategy: Strategy;
  private readonly violations: Violation[] = [];
  private readonly trace: TraceEvent[] | null;
  private violationAt = -1;
  private switches = 0;
  private drains = 0;
  private fair = false;
  private stalled = false;
  private writerOps = 0;

  constructor(private readonly spec: ScheduleSpec, private readonly options: ScheduleOptions) {
    checkSpec(spec);
    this.chooser = new Chooser(spec.seed, { script: spec.script, record: options.record, shape: options.shape });
    const shape = scenarioShape(spec.scenario);
    // The RCU words sit right after the nodes, in the same address space: a reader's announcement
    // and its tree loads go through one store buffer and one view.
    const nodeEnd = (shape.capacity + 1) * NODE_WORDS;
    this.rcu = new RcuLayout(nodeEnd, spec.readers);
    this.world = new SimWorld({ words: nodeEnd + RcuLayout.words(MAX_SIM_READERS), choice: this.chooser });
    for (const [addr, value] of this.rcu.initialValues()) this.world.init(addr, value);
    this.writerMem = this.world.register(new SimPolicedMemory(this.world, 0, 'writer'));
    this.writerMem.policedBelow = nodeEnd;
    this.strategy = spec.strategy === 'pct' ? new PctStrategy(spec.depth, spec.pctSteps) : spec.strategy === 'exhaustive' ? new ExhaustiveStrategy() : new RandomStrategy();
    if (spec.strategy === 'exhaustive') {
      // Every deviation from sequential consistency is a decision: holding a store back is one.
      const chooser = this.chooser;
      this.world.holdStore = () => chooser.int(2, 'hold') === 1;
      this.world.exactChoices = true;
    }
    this.trace = options.trace === true ? [] : null;
  }

  top(): SimThread | null {
    return this.stack.length > 0 ? this.stack[this.stack.length - 1] : null;
  }

  drainOne(): boolean {
    // Any thread's store: the writer's, or a reader's RCU announcement or exit. With only the
    // writer's buffer non-empty no decision is drawn, as before readers stored anything.
    if (!this.world.drainAny()) return false;
    this.drains++;
    return true;
  }

  flush(): void {
    this.drains += this.world.flushUnheld();
  }

  runNested(thread: LogicalThread): void {
    this.switches++;
    this.runOp(thread as SimThread);
  }

  run(): ScheduleOutcome {
    const { spec, world, writerMem } = this;
    const shape = scenarioShape(spec.scenario);
    const workload = shape.workload();
    const rcu = this.rcu;
    const gp = new SimGracePeriods(writerMem, rcu, () => {
      world.drainAll();
      writerMem.raiseView(world.clock);
    });
    const mask = bugMask(spec.bugs);
    const tree = MapleTree.create(
      { capacity: shape.capacity, allocRange: workload.allocRange, rcu: !spec.bugs.includes('rcu-off'), nodeBuffer: false },
      {
        bugs: mask,
        reclaimer: (p) => new RcuReclaimer(p.mem, p.slab, gp, p.freeWalk, p.lockdep, spec.bugs.includes('no-grace-period'), shape.pollEvery),
        memory: () => writerMem,
      },
    );
    const slab = tree.slab;
    const generations = slab.generations;
    // Every store carries the generation its node had when it was made (the stale-read detector's key).
    const nodeEnd = rcu.base;
    world.storeTag = (addr) => (addr < nodeEnd ? generations[addr >>> 6] : 0);
    const log = VersionLog.create(spec.readers, shape.logRing ?? 1 << 11);
    const report: Report = (kind, op, seen, expected = [], extra = {}) => {
      this.addViolation({ kind, thread: 'writer', op, seen, expected, ...extra });
    };
    // The writer's stores are policed here (every reader checks its results) unless a test asks not.
    const policy = (this.options.writePolicy ?? spec.writePolicy ?? true) ? new WritePolicy(slab, writerMem, reportFindings(report), (v) => log.describe(v)) : null;
    writerMem.policy = policy;
    const checks = new WriterChecks(tree, report, 8, policy);
    const mutator = createMutator({ tree, log, keyspace: shape.keyspace, rng: new Rng(spec.seed, 1), backpressure: false, stopping: () => true });

    // Setup runs sequentially (stores straight to memory), then everything is visible to everyone.
    writerMem.direct = true;
    workload.setup(mutator);
    writerMem.direct = false;
    writerMem.fence();
    const windows = new VersionWindows(log, writerMem, world);

    const writer: SimThread = {
      name: 'writer',
      mem: writerMem,
      opsLeft: spec.writerOps,
      onStack: false,
      priority: 0,
      label: 'setup',
      run: () => {
        try {
          workload.step(mutator);
          this.writerOps++;
          checks.afterStep(this.writerOps);
        } catch (error) {
          if (error instanceof StallError) throw error;
          checks.failed(`${spec.scenario} step ${this.writerOps}`, error);
          writer.opsLeft = 0;
        }
        windows.opEnded();
      },
    };
    this.threads.push(writer);
    const probes: ReaderProbe[] = [];
    const plan = shape.readerPlan ?? [];
    for (let r = 0; r < spec.readers; r++) {
      const mem = world.register(new SimCheckedMemory(world, world.threads.length, `reader ${r}`, slab.deathStamps, nodeEnd));
      const readerTree = MapleTree.attach(tree.buffers, { bugs: mask, memory: () => mem });
      const thread: SimThread = {
        name: `reader ${r}`,
        mem,
        opsLeft: spec.readerOps,
        onStack: false,
        priority: 0,
        label: '',
        run: () => {
          probe.runOne();
          if (probe.violations.length > 0) for (const v of probe.violations.splice(0)) this.addViolation(v);
        },
      };
      const probe = new ReaderProbe({
        thread: thread.name,
        cursor: readerTree.cursor(),
        log,
        rcu: new RcuReader(mem, rcu, r, mask),
        rng: new Rng(spec.seed, 1000 + r),
        keyspace: shape.keyspace,
        plan: shape.readerPlan !== undefined ? (op) => plan[op % plan.length] : undefined,
        allocTree: workload.allocRange,
        check: 'full',
        sampleRate: 1,
        reader: r,
        checkedMemory: mem,
        oldestVisible: () => windows.oldestVisible(mem.view),
        onOp: (code, index) => {
          if (code !== OP_CHECKING) thread.label = `${OP_NAMES[code]}(${index})`;
        },
      });
      probes.push(probe);
      this.threads.push(thread);
    }

    writerMem.onDrained = () => windows.settle();
    world.onAccess = (thread) => this.atAccess(thread, windows);
    if (this.trace !== null) world.tracer = (thread, kind, addr, value, readFrom) => this.traceAccess(thread, kind, addr, value, readFrom);

    const stopAtFirst = this.options.stopAtFirst ?? true;
    this.strategy.init(this);
    try {
      while (!(stopAtFirst && this.violations.length > 0) && this.threads.some((t) => t.opsLeft > 0)) {
        this.runOp(this.strategy.next(this) as SimThread);
      }
    } catch (error) {
      if (!(error instanceof StallError)) throw error;
    }
    this.stopping = true;
    world.onAccess = null;
    if (this.stalled) {
      // Whatever the unwinding broke is not a finding; the stall is.
      this.violations.length = 0;
      this.addViolation({
        kind: 'stall',
        thread: this.top()?.name ?? 'scheduler',
        op: this.top()?.label ?? '',
        seen: `no end after ${this.steps} accesses (step bound ${spec.stepBound}; fair from then on)`,
        expected: ['every operation ends once memory is fair'],
      });
    } else if (!(stopAtFirst && this.violations.length > 0)) {
      writerMem.fence();
      checks.endOfRun();
    }
    world.tracer = null;
    const gracePeriods = writerMem.read(rcu.count);
    world.dispose();
    return {
      violations: this.violations,
      steps: this.steps,
      decisions: this.chooser.made,
      script: this.chooser.recorded ?? undefined,
      arities: this.chooser.arities ?? undefined,
      purposes: this.chooser.purposes ?? undefined,
      trace: this.trace ?? undefined,
      violationAt: this.violationAt >= 0 ? this.violationAt : undefined,
      switches: this.switches,
      drains: this.drains,
      readerOps: probes.reduce((a, p) => a + p.ops, 0),
      writerOps: this.writerOps,
      rewalks: probes.reduce((a, p) => a + p.cursor.rewalks, 0),
      discardedTaint: probes.reduce((a, p) => a + p.discardedTaint, 0),
      fair: this.fair,
      gracePeriods,
      rcu,
      inPlace: policy !== null ? { ...policy.inPlace } : undefined,
    };
  }

  private runOp(thread: SimThread): void {
    thread.onStack = true;
    thread.opsLeft--;
    this.stack.push(thread);
    try {
      thread.run();
    } finally {
      this.stack.pop();
      thread.onStack = false;
    }
  }

  private atAccess(thread: SimulatedMemory, windows: VersionWindows): void {
    this.steps++;
    if (thread === this.writerMem) {
      const label = windows.writerAccess();
      if (label !== null) this.threads[0].label = label;
    }
    if (this.steps > this.spec.stepBound) {
      if (this.steps > 4 * this.spec.stepBound) {
        this.stalled = true;
        throw new StallError('simulator: step bound exceeded');
      }
      const exhaustive = this.spec.strategy === 'exhaustive';
      if (!this.fair) {
        this.fair = true;
        // The exhaustive strategy goes on deciding (its bounds keep the run finite), but holds no
        // store any more; the seeded ones stop deciding.
        if (exhaustive) this.world.holdStore = null;
        else this.chooser.fair = true;
      }
      // Fair from here on: every store visible at once; no switches but the exhaustive strategy's.
      this.world.drainAll();
      if (!exhaustive) return;
    }
    this.strategy.atAccess(this);
  }

  private addViolation(v: Violation): void {
    if (this.violations.length === 0 && this.trace !== null) {
      this.violationAt = this.trace.length;
      this.trace.push({ step: this.steps, thread: v.thread, op: v.op, kind: 'violation', addr: -1, value: 0, readFrom: -2, origin: 0 });
    }
    this.violations.push(v);
    if (this.options.stopAtFirst ?? true) this.stopping = true;
  }

  private traceAccess(thread: SimulatedMemory, kind: string, addr: number, value: number, readFrom: number): void {
    // World thread ids are the logical threads' indices: the writer first, then the readers in order.
    const logical = this.threads[thread.id];
    const loadOrDrain = readFrom > 0;
    (this.trace as TraceEvent[]).push({
      step: this.steps,
      thread: thread.name,
      op: logical?.label ?? '',
      kind,
      addr,
      value,
      readFrom,
      origin: loadOrDrain ? this.world.originAt(readFrom) : 0,
    });
  }
}
