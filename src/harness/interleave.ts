/**
 * The interleaving driver: readers and the writer as logical threads in one thread, on
 * sequentially consistent memory. At a seeded fraction of the readers' shared-memory accesses a
 * hook runs one whole writer step, so a reader meets every kind of write in the middle of a walk;
 * and at a seeded fraction of the writer's stores a hook runs one whole reader operation, so a
 * reader also sees every prefix of a write. Deterministic, replayable from the seed. The same
 * oracles judge as on real threads (result oracle, stale-read detector, poison and structure
 * checks, the write policy on the writer's stores, end-of-run checks).
 *
 * It catches the catalog bugs that need no reordering, without thread timing; the weak-memory
 * simulator builds on the same idea with store buffers and views.
 */
import { MapleTree } from '../tree/maple-tree.js';
import { CheckedMemory } from '../shared-heap/checked-memory.js';
import { PolicedMemory } from '../shared-heap/policed-memory.js';
import type { StorePolicy, WordSource } from '../shared-heap/policed-memory.js';
import { WritePolicy } from '../tree/write-policy.js';
import { RcuReclaimer } from '../shared-heap/reclaim.js';
import { RcuState } from '../shared-heap/rcu.js';
import type { Slab } from '../shared-heap/slab.js';
import { VersionLog } from './version-log.js';
import { Rng } from './rng.js';
import { bugMask } from './catalog.js';
import { createWorkload } from '../workers/workloads/index.js';
import { createMutator } from '../workers/mutator.js';
import { ReaderProbe } from '../workers/reader-probe.js';
import { WriterChecks, reportFindings } from '../workers/writer-checks.js';
import type { Report } from '../workers/writer-checks.js';
import type { Violation, WorkloadName } from './types.js';

export interface InterleaveConfig {
  seed: number;
  workload: WorkloadName;
  readers: number;
  /** Reader operations to run in total (round robin over the readers). */
  readerOps: number;
  keyspace: number;
  capacity: number;
  bugs: string[];
  /** Chance, at each reader access, that a whole writer step runs right there. */
  switchRate: number;
  /** Stop at the first violation. */
  stopAtFirst: boolean;
}

export interface InterleaveResult {
  violations: Violation[];
  readerOps: number;
  writerSteps: number;
  rewalks: number;
  discardedTaint: number;
  /** Reader results only the torn-bounds rule accepted (result-oracle.ts). */
  tornAccepted: number;
}

/** A reader's memory whose accesses may hand the CPU to the writer for one step. */
class InterleavedMemory extends CheckedMemory {
  constructor(nodes: SharedArrayBuffer, slab: Slab, private readonly hook: () => void) {
    super(nodes, slab.generations, slab.deathStamps);
  }

  override read(addr: number): number {
    this.hook();
    return super.read(addr);
  }

  override deref(addr: number): number {
    this.hook();
    return super.deref(addr);
  }
}

/** The writer's memory (policed), whose stores may hand the CPU to one reader operation. */
class InterleavedWriterMemory extends PolicedMemory {
  constructor(nodes: SharedArrayBuffer, policyFor: (words: WordSource) => StorePolicy, private readonly hook: () => void) {
    super(nodes, policyFor);
  }

  override write(addr: number, value: number): void {
    super.write(addr, value);
    this.hook();
  }

  override publish(addr: number, value: number): void {
    super.publish(addr, value);
    this.hook();
  }
}

export function runInterleaved(config: InterleaveConfig): InterleaveResult {
  const mask = bugMask(config.bugs);
  const workload = createWorkload(config.workload, config.keyspace);
  const rcuState = RcuState.create(config.readers);
  const gp = rcuState.writer();
  const log = VersionLog.create(config.readers, 1 << 16);
  const violations: Violation[] = [];
  const report: Report = (kind, op, seen, expected = [], extra = {}) => {
    violations.push({ kind, thread: 'writer', op, seen, expected, ...extra });
  };
  const made: WritePolicy[] = [];
  const tree = MapleTree.create(
    { capacity: config.capacity, allocRange: workload.allocRange, rcu: !config.bugs.includes('rcu-off') },
    {
      bugs: mask,
      reclaimer: (p) => new RcuReclaimer(p.mem, p.slab, gp, p.freeWalk, p.lockdep, config.bugs.includes('no-grace-period')),
      memory: (nodes, slab) =>
        new InterleavedWriterMemory(
          nodes,
          (words) => {
            made.push(new WritePolicy(slab, words, reportFindings(report), (v) => log.describe(v)));
            return made[0];
          },
          () => writerHook(),
        ),
    },
  );
  const checks = new WriterChecks(tree, report, 256, made[0]);
  const mutator = createMutator({ tree, log, keyspace: config.keyspace, rng: new Rng(config.seed, 1), backpressure: false, stopping: () => true });
  const schedule = new Rng(config.seed, 2);
  let writerSteps = 0;
  let inWriter = false;
  let writerDead = false;
  const writerStep = (): void => {
    if (writerDead) return;
    inWriter = true;
    try {
      workload.step(mutator);
      writerSteps++;
      checks.afterStep(writerSteps);
    } catch (error) {
      checks.failed(`${config.workload} step ${writerSteps}`, error);
      writerDead = true;
    } finally {
      inWriter = false;
    }
  };
  const hook = (): void => {
    if (!inWriter && schedule.chance(config.switchRate)) writerStep();
  };
  // Inside a writer step: now and then, one whole reader operation sees the write half done.
  let inReader = false;
  let nested = 0;
  const writerHook = (): void => {
    if (!inWriter || inReader || probes.length === 0 || !schedule.chance(config.switchRate)) return;
    inReader = true;
    try {
      const probe = probes[nested++ % probes.length];
      probe.runOne();
      violations.push(...probe.violations.splice(0));
    } finally {
      inReader = false;
    }
  };

  const probes: ReaderProbe[] = [];
  workload.setup(mutator);
  const slab = tree.slab;
  for (let r = 0; r < config.readers; r++) {
    let mem: CheckedMemory | null = null;
    const readerTree = MapleTree.attach(tree.buffers, {
      bugs: mask,
      memory: (nodes) => (mem = new InterleavedMemory(nodes, slab, hook)),
    });
    probes.push(
      new ReaderProbe({
        thread: `reader ${r}`,
        cursor: readerTree.cursor(),
        log,
        rcu: rcuState.reader(r, mask),
        rng: new Rng(config.seed, 1000 + r),
        keyspace: config.keyspace,
        allocTree: workload.allocRange,
        check: 'full',
        sampleRate: 1,
        reader: r,
        checkedMemory: mem,
      }),
    );
  }

  let readerOps = 0;
  while (readerOps < config.readerOps && !(config.stopAtFirst && violations.length > 0)) {
    const probe = probes[readerOps % probes.length];
    readerOps++;
    // While a reader operation runs, writer steps may run inside it, but no second reader does.
    inReader = true;
    try {
      probe.runOne();
    } finally {
      inReader = false;
    }
    violations.push(...probe.violations.splice(0));
    for (let k = schedule.int(3); k > 0; k--) writerStep();
    if (writerDead) break;
  }
  for (const probe of probes) violations.push(...probe.violations.splice(0));
  checks.endOfRun();
  return {
    violations,
    readerOps: readerOps + nested,
    writerSteps,
    rewalks: probes.reduce((a, p) => a + p.cursor.rewalks, 0),
    discardedTaint: probes.reduce((a, p) => a + p.discardedTaint, 0),
    tornAccepted: probes.reduce((a, p) => a + (p.oracle?.tornAccepted ?? 0), 0),
  };
}
