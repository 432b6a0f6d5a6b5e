/**
 * The writer thread: runs one named workload, logging every mutation in the version log before
 * applying it, with grace-period reclaim of dead nodes. When the run stops it waits for the
 * readers, runs rcu_barrier, and checks the end state: validate(), no dead node reachable, exact
 * slab accounting, no lockdep report, one smp_wmb per dead node.
 */
import { MapleTree } from '../tree/maple-tree.js';
import { MAX_INDEX } from '../tree/layout.js';
import { RcuReclaimer } from '../shared-heap/reclaim.js';
import { GracePeriods, RcuState } from '../shared-heap/rcu.js';
import { VersionLog } from '../harness/version-log.js';
import { RunControl, OPS, DOING, DOING_ARG, DONE, GRACE_PERIODS, OP_STORE, OP_SETUP, OP_BARRIER, OP_IDLE } from '../harness/control.js';
import { Rng } from '../harness/rng.js';
import type { Violation, ViolationKind } from '../harness/types.js';
import { createWorkload } from './workloads/index.js';
import type { Mutator } from './workloads/workload.js';
import type { TaskResult, WriterTask } from './task.js';
import { BadFreeError } from '../shared-heap/slab.js';

export function runWriter(task: WriterTask): TaskResult {
  const { shared } = task;
  const control = RunControl.attach(shared.control);
  const rcu = RcuState.attach(shared.rcu);
  const gp = new GracePeriods(rcu);
  let reclaimer: RcuReclaimer | null = null;
  const tree = MapleTree.attach(shared.slab, {
    bugs: task.bugs,
    reclaimer: (parts) =>
      (reclaimer = new RcuReclaimer(parts.mem, parts.slab, gp, parts.freeWalk, parts.lockdep, task.skipGracePeriods)),
  });
  const log = VersionLog.attach(shared.log);
  const backpressure = task.check !== 'off';
  const violations: Violation[] = [];
  const report = (kind: ViolationKind, op: string, seen: string, expected: string[] = [], detail?: string): void => {
    violations.push({ kind, thread: 'writer', op, seen, expected, detail });
    control.flag();
  };
  const stopping = (): boolean => control.stopping;
  const cursor = tree.cursor();
  let token = 16385;
  let reportedSplats = 0;
  let costReported = false;
  // Lockdep reports as they happen (the first few; each names the access and the context).
  const reportSplats = (): void => {
    const splats = tree.lockdep.splats;
    for (; reportedSplats < splats.length; reportedSplats++) {
      if (reportedSplats < 3) report('lockdep', 'RCU callback (deferred free walk)', splats[reportedSplats]);
    }
  };
  // Patch 4's measure: the protocol needs exactly one smp_wmb per dead node.
  const checkBarrierCost = (): void => {
    const dead = tree.slab.deaths;
    const wmb = tree.mem.counts.wmb;
    if (costReported || dead < 256) return;
    if (wmb / dead > 1.5) {
      costReported = true;
      report('cost', 'marking dead nodes', `${(wmb / dead).toFixed(2)} smp_wmb per dead node (${wmb} barriers, ${dead} deaths)`, [
        '1 (one barrier after marking each node dead)',
      ]);
    }
  };

  const mutator: Mutator = {
    tree,
    keyspace: task.keyspace,
    rng: new Rng(task.seed, 1),
    nextToken: () => {
      token = (token + 2) >>> 0;
      return token;
    },
    store(first, last, entry) {
      const version = log.begin(first, last, entry, backpressure, stopping);
      tree.slab.setClock(version);
      control.set(0, DOING_ARG, first);
      tree.storeRange(first, last, entry);
      log.complete(version);
    },
    erase(index) {
      const entry = cursor.set(index).walk();
      if (entry !== 0) this.store(cursor.index, cursor.last, 0);
      return entry;
    },
    allocRange(size, min, max, rev = false) {
      const start = rev ? tree.emptyAreaRev(min, max, size) : tree.emptyArea(min, max, size);
      if (start >= 0) this.store(start, start + size - 1, this.nextToken());
      return start;
    },
    destroy() {
      const version = log.begin(0, MAX_INDEX, 0, backpressure, stopping);
      tree.slab.setClock(version);
      tree.destroy();
      log.complete(version);
    },
  };

  const workload = createWorkload(task.workload, task.keyspace);
  let ops = 0;
  let opName = 'setup';
  try {
    control.set(0, DOING, OP_SETUP);
    workload.setup(mutator);
    control.arriveAndWait();
    control.set(0, DOING, OP_STORE);
    opName = `${task.workload} step`;
    while (!control.stopping && (task.keepGoing || control.flagged === 0)) {
      workload.step(mutator);
      ops++;
      if (tree.lockdep.splats.length > reportedSplats) reportSplats();
      if ((ops & 63) === 0) {
        control.set(0, OPS, ops);
        control.set(0, GRACE_PERIODS, rcu.gracePeriods);
        if ((ops & 4095) === 0) checkBarrierCost();
      }
    }
  } catch (error) {
    if (error instanceof BadFreeError) report('accounting', opName, error.message, ['every node freed once, after it died']);
    else report('crash', opName, describeError(error));
    control.stop();
  }
  control.set(0, OPS, ops);

  // End of run: readers leave, then every deferred free runs, then the end state is judged.
  control.set(0, DOING, OP_BARRIER);
  control.stop();
  const readers = control.threads - 1;
  for (let r = 1; r <= readers; r++) {
    while (control.get(r, DONE) === 0) Atomics.wait(control.words, 0, control.phase, 5);
  }
  let shape = { height: 0, nodes: 0, entries: 0, fill: 0 };
  try {
    tree.rcuBarrier();
    const stats = tree.stats();
    shape = { height: stats.height, nodes: stats.nodes, entries: stats.entries, fill: stats.fill };
    try {
      tree.validate();
    } catch (error) {
      report('structure', 'validate() at the end of the run', describeError(error));
    }
    const slab = stats.slab;
    if (slab.live !== stats.nodes || slab.waiting !== 0 || slab.live + slab.free !== slab.capacity) {
      report(
        'accounting',
        'slab accounting after rcu_barrier',
        `live ${slab.live}, waiting ${slab.waiting}, free ${slab.free} of ${slab.capacity}`,
        [`live = reachable nodes (${stats.nodes}), waiting = 0, live + free = ${slab.capacity}`],
      );
    }
    if (tree.slab.badFrees > 0) report('accounting', 'slab frees', `${tree.slab.badFrees} bad or double frees`, ['0']);
  } catch (error) {
    report('accounting', 'rcu_barrier and final checks', describeError(error));
  }
  reportSplats();
  checkBarrierCost();
  const counts = tree.mem.counts;
  const dead = (reclaimer as RcuReclaimer | null)?.released ?? 0;
  control.set(0, GRACE_PERIODS, rcu.gracePeriods);
  control.set(0, DOING, OP_IDLE);
  control.set(0, DONE, 1);
  const w = tree.writeStats;
  return {
    summary: {
      thread: 'writer',
      ops,
      rewalks: 0,
      discardedTaint: 0,
      checks: 0,
      versions: log.started,
      gracePeriods: rcu.gracePeriods,
      barriers: { ...counts },
      writeKinds: { ...w },
      deadNodes: dead,
    },
    violations,
    tree: shape,
  };
}

function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
