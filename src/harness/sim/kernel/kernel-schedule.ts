/**
 * One simulated run of the kernel's own code: the instrumented simulator build
 * (src/kernel/instrument.ts) instantiated once per logical thread on one fresh memory, the writer
 * driving a scenario's workload through the kernel's API, readers walking with the kernel's cursor,
 * every access of simulated memory (src/kernel/sim/kernel-sim-memory.ts) reaching the scheduler
 * first, which may drain one of the writer's buffered stores or run a whole reader operation right
 * there, nested inside the writer's hook. The oracles are the real-thread kernel reader's (the
 * ReaderProbe with the version log, version windows from what each reader's view allows), the
 * writer's runtime checks after each step, and at the end rcu_barrier, mt_validate and the slab's
 * accounting (KernelWriterChecks).
 *
 * Readers are nested in the writer, never the writer in a reader: a writer stacked above a reader
 * would wait in synchronize_rcu for a section that cannot end. A reader's whole operation therefore
 * sees one point of the writer's program, and what it can read there is the weak memory's choice.
 */
import { KernelInstance, MT_FLAGS_ALLOC_RANGE, MT_FLAGS_USE_RCU, createKernelMemory } from '../../../kernel/loader.js';
import type { WasmModule } from '../../../kernel/loader.js';
import { KernelSimMemory, simWords } from '../../../kernel/sim/kernel-sim-memory.js';
import { SimWorld } from '../../../shared-heap/simulated-memory.js';
import type { SimulatedMemory } from '../../../shared-heap/simulated-memory.js';
import { VersionLog } from '../../version-log.js';
import { Rng } from '../../rng.js';
import { ReaderProbe } from '../../../workers/reader-probe.js';
import type { Report } from '../../../workers/writer-checks.js';
import { createKernelMutator } from '../../../workers/kernel/kernel-mutator.js';
import { KernelWriterChecks } from '../../../workers/kernel/kernel-checks.js';
import { KernelReadCursor } from '../../../workers/kernel/kernel-read-cursor.js';
import { WalkTrace } from '../../../workers/kernel/walk-trace.js';
import { kernelIterationRules, kernelSectionCheck } from '../../../workers/kernel/kernel-reader-rules.js';
import {
  REWALK_NULL_NODE,
  SLOT_STORE_UNORDERED,
  PIVOT_READ_TWICE,
  isRewalkNullNode,
} from '../../kernel-known.js';
import type { Violation } from '../../types.js';
import { OP_NAMES } from '../../control.js';
import { Chooser } from '../chooser.js';
import { kernelScenarioShape } from './kernel-scenarios.js';
import type { KernelScenarioName } from './kernel-scenarios.js';
import { PctStrategy, RandomStrategy } from '../strategies.js';
import type { LogicalThread, SchedulerView, Strategy } from '../strategies.js';
import { VersionWindows } from '../version-windows.js';

export interface KernelScheduleSpec {
  scenario: KernelScenarioName;
  seed: number;
  strategy: 'random' | 'pct';
  depth: number;
  readers: number;
  writerOps: number;
  readerOps: number;
  stepBound: number;
  pctSteps: number;
}

/** The instrumented module of one build, compiled once for every run. */
export interface KernelSimBuild {
  module: WasmModule;
  signedLoadSites: ReadonlySet<number>;
}

export interface KernelScheduleOutcome {
  violations: Violation[];
  steps: number;
  switches: number;
  drains: number;
  readerOps: number;
  writerOps: number;
  fair: boolean;
  /** Reader operations given up because they waited for the writer below them (READER_WAIT_ACCESSES). */
  readerWaits: number;
  /** Known findings of 6.12's code the readers met (kernel-known.ts), by name. */
  known: Record<string, number>;
  /** Node objects the run used. */
  nodes: number;
}

/** Node objects the simulated address space holds (the slab grows in chunks of 64). */
const MAX_NODES = 2048;
/** How many nodes a workload may plan for. */
const NODE_LIMIT = 1024;

class StallError extends Error {}

/**
 * A reader nested in the writer that has made this many accesses in one operation is waiting for
 * the writer: 6.12's readers re-walk until the writer's operation has moved on (a node published
 * before its children are adopted, a dead node still in a parent's slot), and the writer cannot
 * move on while the reader runs inside its hook. A normal operation makes a few hundred.
 */
const READER_WAIT_ACCESSES = 20_000;

/** Thrown through a reader's kernel call that waits for the writer below it (READER_WAIT_ACCESSES). */
export class ReaderWaitsForWriter extends Error {
  override name = 'ReaderWaitsForWriter';
}

/** Where a ReaderProbe counts the operations given up (ReaderWaitsForWriter): not a kernel finding. */
const WAITED_FOR_WRITER = 'waited-for-writer';

/** The readers' known findings, with the two oracle allowances' counts under their names. */
function collectKnown(into: Record<string, number>, probes: readonly ReaderProbe[]): Record<string, number> {
  for (const p of probes) {
    for (const [name, n] of Object.entries(p.known)) if (name !== WAITED_FOR_WRITER) into[name] = (into[name] ?? 0) + n;
    const unordered = p.oracle?.unorderedSlotStoreAccepted ?? 0;
    if (unordered > 0) into[SLOT_STORE_UNORDERED.name] = (into[SLOT_STORE_UNORDERED.name] ?? 0) + unordered;
    const twice = p.oracle?.pivotReadTwiceAccepted ?? 0;
    if (twice > 0) into[PIVOT_READ_TWICE.name] = (into[PIVOT_READ_TWICE.name] ?? 0) + twice;
  }
  return into;
}

interface KernelThread extends LogicalThread {
  readonly mem: SimulatedMemory;
  label: string;
  run(): void;
  /** What the thread's kernel code walked in its current section (readers), for a stall report. */
  walk?: () => string[];
  /** The step its current operation began at. */
  opStart: number;
  /** Its current operation was cut short (ReaderWaitsForWriter). */
  waited: boolean;
}

export function runKernelSchedule(build: KernelSimBuild, spec: KernelScheduleSpec): KernelScheduleOutcome {
  return new KernelSchedule(build, spec).run();
}

class KernelSchedule implements SchedulerView {
  readonly threads: KernelThread[] = [];
  readonly chooser: Chooser;
  steps = 0;
  stopping = false;
  private readonly stack: KernelThread[] = [];
  private readonly world: SimWorld;
  private readonly strategy: Strategy;
  private readonly violations: Violation[] = [];
  private switches = 0;
  private drains = 0;
  private fair = false;
  private stalled = false;
  /** The running thread when the run stalled (the stack unwinds before the report). */
  private stallAt: { thread: string; op: string; trace?: string[] } = { thread: 'scheduler', op: '' };
  private writerOps = 0;
  private writer: KernelThread | null = null;
  /** Reader operations given up because they waited for the writer below them (not judged). */
  private readerWaits = 0;

  constructor(private readonly build: KernelSimBuild, private readonly spec: KernelScheduleSpec) {
    this.chooser = new Chooser(spec.seed);
    this.world = new SimWorld({ words: simWords(MAX_NODES), choice: this.chooser });
    this.strategy = spec.strategy === 'pct' ? new PctStrategy(spec.depth, spec.pctSteps) : new RandomStrategy();
  }

  top(): KernelThread | null {
    return this.stack.length > 0 ? this.stack[this.stack.length - 1] : null;
  }

  drainOne(): boolean {
    if (!this.world.drainAny()) return false;
    this.drains++;
    return true;
  }

  flush(): void {
    this.drains += this.world.flushUnheld();
  }

  runNested(thread: LogicalThread): void {
    this.switches++;
    this.runOp(thread as KernelThread);
  }

  run(): KernelScheduleOutcome {
    const { spec, world, build } = this;
    const shape = kernelScenarioShape(spec.scenario);
    const workload = shape.workload();
    const writerMem = world.createThread({ name: 'writer' });
    // Setup: stores reach memory at once, in program order.
    writerMem.direct = true;
    const memory = createKernelMemory();
    const sim = new KernelSimMemory(world, memory, MAX_NODES, build.signedLoadSites);
    const known: Record<string, number> = {};
    const probes: ReaderProbe[] = [];
    try {
      const kernel = KernelInstance.createSync(build.module, memory, undefined, sim.imports(writerMem, 'writer'));
      kernel.expectRcu(true);
      const tree = kernel.newTree(MT_FLAGS_USE_RCU | (workload.allocRange ? MT_FLAGS_ALLOC_RANGE : 0));
      const log = VersionLog.create(spec.readers, shape.logRing ?? 1 << 11);
      const report: Report = (kind, op, seen, expected = [], extra = {}) => {
        this.addViolation({ kind, thread: 'writer', op, seen, expected, ...extra });
      };
      const checks = new KernelWriterChecks(kernel, tree, report);
      const mutator = createKernelMutator({
        kernel,
        tree,
        log,
        keyspace: shape.keyspace,
        nodeLimit: NODE_LIMIT,
        rng: new Rng(spec.seed, 1),
        backpressure: false,
        stopping: () => true,
        onGracePeriod: () => checks.afterGracePeriod(),
      });
      workload.setup(mutator);
      kernel.rcuBarrier();
      checks.afterStep('setup');
      writerMem.direct = false;
      writerMem.fence();
      const windows = new VersionWindows(log, writerMem, world);

      const writer: KernelThread = {
        name: 'writer',
        mem: writerMem,
        opsLeft: spec.writerOps,
        onStack: false,
        priority: 0,
        opStart: 0,
        waited: false,
        label: 'setup',
        run: () => {
          const step = `${spec.scenario} step ${this.writerOps + 1}`;
          try {
            workload.step(mutator);
            // A grace period after every step: frees (and their poison) come soon after each death.
            kernel.runRcuCallbacks();
            checks.afterGracePeriod();
            this.writerOps++;
            checks.afterStep(step);
          } catch (error) {
            if (error instanceof StallError) throw error;
            checks.failed(step, error);
            writer.opsLeft = 0;
          }
          windows.opEnded();
        },
      };
      this.writer = writer;
      this.threads.push(writer);
      for (let r = 0; r < spec.readers; r++) this.threads.push(this.reader(r, kernel, tree.address, sim, log, windows, shape.keyspace, probes));

      writerMem.onDrained = () => windows.settle();
      world.onAccess = (thread) => {
        this.steps++;
        if (thread === writerMem) {
          const label = windows.writerAccess();
          if (label !== null) writer.label = label;
        }
        this.atAccess();
      };
      this.strategy.init(this);
      try {
        while (this.violations.length === 0 && this.threads.some((t) => t.opsLeft > 0)) {
          this.runOp(this.strategy.next(this) as KernelThread);
        }
      } catch (error) {
        if (!(error instanceof StallError)) throw error;
      }
      this.stopping = true;
      world.onAccess = null;
      if (this.stalled) {
        this.violations.length = 0;
        this.addViolation({
          kind: 'stall',
          thread: this.stallAt.thread,
          op: this.stallAt.op,
          seen: `no end after ${this.steps} accesses (step bound ${spec.stepBound}; fair from then on)`,
          expected: ['every operation ends once memory is fair'],
          ...(this.stallAt.trace !== undefined ? { trace: this.stallAt.trace } : {}),
        });
      } else if (this.violations.length === 0) {
        writerMem.fence();
        checks.endOfRun();
      }
    } finally {
      world.onAccess = null;
      sim.dispose();
      world.dispose();
    }
    return {
      violations: this.violations,
      steps: this.steps,
      switches: this.switches,
      drains: this.drains,
      readerOps: probes.reduce((a, p) => a + p.ops, 0),
      writerOps: this.writerOps,
      fair: this.fair,
      readerWaits: this.readerWaits,
      known: collectKnown(known, probes),
      nodes: sim.nodes,
    };
  }

  /** Reader r: its own instance and logical thread, the real-thread kernel reader's probe. */
  private reader(
    r: number,
    kernel: KernelInstance,
    treeAddress: number,
    sim: KernelSimMemory,
    log: VersionLog,
    windows: VersionWindows,
    keyspace: number,
    probes: ReaderProbe[],
  ): KernelThread {
    const { spec, world, build } = this;
    const mem = world.createThread({ name: `reader ${r}` });
    const instance = KernelInstance.createSync(build.module, kernel.memory, kernel.allocThreadArea(), sim.imports(mem, 'reader'));
    // The runtime's node tracker and walk trace, as on real threads; their reads of node words go
    // through this reader's view like the kernel's own (so they judge what it could see).
    instance.trackNodes(true);
    const sectionCheck = kernelSectionCheck(instance);
    const cursor = new KernelReadCursor(instance, instance.tree(treeAddress));
    const trace = new WalkTrace(instance);
    const thread: KernelThread = {
      name: `reader ${r}`,
      mem,
      opsLeft: spec.readerOps,
      onStack: false,
      priority: 0,
      opStart: 0,
      waited: false,
      label: '',
      walk: () => trace.lines(),
      run: () => {
        probe.runOne();
        if (probe.violations.length > 0) for (const v of probe.violations.splice(0)) this.addViolation(v);
      },
    };
    const probe = new ReaderProbe({
      thread: thread.name,
      cursor,
      log,
      rcu: {
        lock: () => {
          // A section that begins after a grace period began sees everything before it.
          mem.raiseView(sim.gracePeriodClock);
          instance.exports.rt_read_lock();
        },
        unlock: () => {
          if (!thread.waited) {
            instance.exports.rt_read_unlock();
            return;
          }
          // The kernel call was cut short inside the hook: reset the instance's stack pointer and
          // its RCU and detector state (what the cut call read is not judged).
          thread.waited = false;
          instance.recover('a reader waiting for the writer', new ReaderWaitsForWriter('cut short'));
        },
      },
      rng: new Rng(spec.seed, 1000 + r),
      keyspace,
      // Empty-area searches take the tree's lock, which the writer below may hold: not run here.
      allocTree: false,
      check: 'full',
      sampleRate: 1,
      reader: r,
      checkedMemory: null,
      oldestVisible: () => windows.oldestVisible(mem.view),
      sectionCheck,
      walkTrace: () => trace.lines(),
      ...kernelIterationRules(cursor),
      knownError: (error) => {
        // Cut short (the unlock above reset the instance): counted, not judged.
        if (error instanceof ReaderWaitsForWriter) return WAITED_FOR_WRITER;
        return isRewalkNullNode(error) ? REWALK_NULL_NODE.name : null;
      },
      onOp: (code, index) => {
        thread.label = `op ${probe.ops + 1} (${OP_NAMES[code] ?? code} ${index})`;
      },
    });
    // The kernel's slot store orders its pivot store after nothing: see SLOT_STORE_UNORDERED.
    // ... and its walk reads a pivot twice: see PIVOT_READ_TWICE.
    if (probe.oracle !== null) {
      probe.oracle.acceptUnorderedSlotStore = true;
      probe.oracle.acceptPivotReadTwice = true;
    }
    probes.push(probe);
    return thread;
  }

  private runOp(thread: KernelThread): void {
    // A reader run at the top keeps the writer from being nested in it (see the module comment).
    const writer = this.writer as KernelThread;
    const blockWriter = thread !== writer && !writer.onStack;
    if (blockWriter) writer.onStack = true;
    thread.onStack = true;
    thread.opsLeft--;
    thread.opStart = this.steps;
    this.stack.push(thread);
    try {
      thread.run();
    } finally {
      this.stack.pop();
      thread.onStack = false;
      if (blockWriter) writer.onStack = false;
    }
  }

  private atAccess(): void {
    const top = this.top();
    if (top !== null && top !== this.writer && this.stack[0] === this.writer && this.steps - top.opStart > READER_WAIT_ACCESSES) {
      this.readerWaits++;
      top.waited = true;
      throw new ReaderWaitsForWriter(`${top.name} waited ${READER_WAIT_ACCESSES} accesses for the writer below it`);
    }
    if (this.steps > this.spec.stepBound) {
      if (this.steps > 4 * this.spec.stepBound) {
        this.stalled = true;
        const top = this.top();
        this.stallAt = top !== null ? { thread: top.name, op: top.label, trace: top.walk?.() } : { thread: 'scheduler', op: '' };
        throw new StallError('simulator: step bound exceeded');
      }
      if (!this.fair) {
        this.fair = true;
        this.chooser.fair = true;
      }
      this.world.drainAll();
      return;
    }
    this.strategy.atAccess(this);
  }

  private addViolation(v: Violation): void {
    this.violations.push(v);
    this.stopping = true;
  }
}
