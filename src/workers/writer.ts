/**
 * The writer thread: runs one named workload, logging every mutation in the version log before
 * applying it, with grace-period reclaim of dead nodes; with checking on, the write policy judges
 * every store as it is made. When the run stops it waits for the readers, then the end-of-run
 * checks judge the tree and the slab.
 */
import { MapleTree } from '../tree/maple-tree.js';
import { RcuReclaimer } from '../shared-heap/reclaim.js';
import { RcuState } from '../shared-heap/rcu.js';
import { VersionLog } from '../harness/version-log.js';
import { RunControl, OPS, DOING, DOING_ARG, DONE, GRACE_PERIODS, OP_STORE, OP_SETUP, OP_IDLE } from '../harness/control.js';
import { Rng } from '../harness/rng.js';
import type { Violation } from '../harness/types.js';
import { PolicedMemory } from '../shared-heap/policed-memory.js';
import type { Slab } from '../shared-heap/slab.js';
import { WritePolicy } from '../tree/write-policy.js';
import { createWorkload } from './workloads/index.js';
import { createMutator } from './mutator.js';
import { WriterChecks, reportFindings } from './writer-checks.js';
import type { Report } from './writer-checks.js';
import type { TaskResult, WriterTask } from './task.js';

export function runWriter(task: WriterTask): TaskResult {
  const { shared } = task;
  const control = RunControl.attach(shared.control);
  const rcu = RcuState.attach(shared.rcu);
  const gp = rcu.writer();
  const log = VersionLog.attach(shared.log);
  const violations: Violation[] = [];
  const report: Report = (kind, op, seen, expected = [], extra = {}) => {
    violations.push({ kind, thread: 'writer', op, seen, expected, ...extra });
    control.flag();
  };
  // When results are checked, the writer's stores are policed too (readers may be in any node).
  const made: WritePolicy[] = [];
  const policed = (nodes: SharedArrayBuffer, slab: Slab): PolicedMemory =>
    new PolicedMemory(nodes, (words) => {
      made.push(new WritePolicy(slab, words, reportFindings(report), (v) => log.describe(v)));
      return made[0];
    });
  const tree = MapleTree.attach(shared.slab!, {
    bugs: task.bugs,
    reclaimer: (parts) => new RcuReclaimer(parts.mem, parts.slab, gp, parts.freeWalk, parts.lockdep, task.skipGracePeriods),
    memory: task.check !== 'off' && task.writePolicy ? policed : undefined,
  });
  const policy = made[0] ?? null;
  const checks = new WriterChecks(tree, report, 256, policy);
  const mutator = createMutator({
    tree,
    log,
    keyspace: task.keyspace,
    rng: new Rng(task.seed, 1),
    backpressure: task.check !== 'off',
    stopping: () => control.stopping,
    onStore: (first) => control.set(0, DOING_ARG, first),
  });
  const workload = createWorkload(task.workload, task.keyspace);
  let ops = 0;
  let opName = 'setup';
  try {
    control.set(0, DOING, OP_SETUP);
    workload.setup(mutator);
    control.arriveAndWait();
    control.set(0, DOING, OP_STORE);
    opName = `${task.workload} step`;
    while (task.idle && !control.stopping) Atomics.wait(control.words, 0, control.phase, 50);
    while (!control.stopping && (task.keepGoing || control.flagged === 0)) {
      workload.step(mutator);
      ops++;
      checks.afterStep(ops);
      if ((ops & 63) === 0) {
        control.set(0, OPS, ops);
        control.set(0, GRACE_PERIODS, rcu.gracePeriods);
      }
    }
  } catch (error) {
    checks.failed(opName, error);
    control.stop();
  }
  control.set(0, OPS, ops);

  // End of run: readers leave, then every deferred free runs, then the end state is judged.
  control.stopAndWaitForReaders();
  const shape = checks.endOfRun();
  control.set(0, GRACE_PERIODS, rcu.gracePeriods);
  control.set(0, DOING, OP_IDLE);
  control.set(0, DONE, 1);
  return {
    summary: {
      thread: 'writer',
      ops,
      rewalks: 0,
      discardedTaint: 0,
      checks: 0,
      versions: log.started,
      gracePeriods: rcu.gracePeriods,
      barriers: { ...tree.mem.counts },
      writeKinds: { ...tree.writeStats },
      deadNodes: tree.slab.deaths,
      inPlaceWrites: policy !== null ? { ...policy.inPlace } : undefined,
    },
    violations,
    tree: shape,
  };
}
