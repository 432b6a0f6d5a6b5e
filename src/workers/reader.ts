/**
 * An RCU reader thread: runs ReaderProbe operations in a loop until the run stops, keeping its
 * live counters in the control block.
 */
import { MapleTree } from '../tree/maple-tree.js';
import { CheckedMemory } from '../shared-heap/checked-memory.js';
import { RcuState } from '../shared-heap/rcu.js';
import { Slab } from '../shared-heap/slab.js';
import { VersionLog } from '../harness/version-log.js';
import { RunControl, OPS, REWALKS, DISCARDED, CHECKS, VIOLATIONS, DOING, DOING_ARG, DONE, OP_IDLE } from '../harness/control.js';
import { Rng } from '../harness/rng.js';
import { ReaderProbe } from './reader-probe.js';
import type { ProbeOptions } from './reader-probe.js';
import type { ReaderTask, TaskResult } from './task.js';

export function runReader(task: ReaderTask): TaskResult {
  const { shared } = task;
  const slab = Slab.attach(shared.slab!);
  let checkedMemory: CheckedMemory | null = null;
  const tree = MapleTree.attach(shared.slab!, {
    bugs: task.bugs,
    memory:
      task.check !== 'off'
        ? (nodes) => (checkedMemory = new CheckedMemory(nodes, slab.generations, slab.deathStamps))
        : undefined,
  });
  return runProbe(task, (base) =>
    new ReaderProbe({
      ...base,
      cursor: tree.cursor(),
      rcu: RcuState.attach(shared.rcu).reader(task.reader, task.bugs),
      checkedMemory,
    }),
  );
}

/** What every reader's probe takes from its task and loop, whatever the tree. */
export type ProbeBase = Omit<ProbeOptions, 'cursor' | 'rcu' | 'checkedMemory'>;

function probeBase(task: ReaderTask, log: VersionLog, onOp: (opCode: number, index: number) => void): ProbeBase {
  return {
    thread: `reader ${task.reader}`,
    log,
    rng: new Rng(task.seed, 1000 + task.reader),
    keyspace: task.keyspace,
    allocTree: task.allocTree,
    check: task.check,
    sampleRate: task.sampleRate,
    reader: task.reader,
    onOp,
  };
}

/**
 * The reader thread's loop, whatever the tree: run the probe's operations until the run stops,
 * keeping the live counters in the control block.
 */
export function runProbe(task: ReaderTask, makeProbe: (base: ProbeBase) => ReaderProbe): TaskResult {
  const control = RunControl.attach(task.shared.control);
  const row = task.reader + 1;
  const log = VersionLog.attach(task.shared.log);
  if (task.check === 'off') log.release(task.reader);
  const probe = makeProbe(
    probeBase(task, log, (opCode, index) => {
      control.set(row, DOING, opCode);
      control.set(row, DOING_ARG, index);
    }),
  );
  const flush = (): void => {
    control.set(row, OPS, probe.ops);
    control.set(row, CHECKS, probe.checks);
    control.set(row, REWALKS, probe.cursor.rewalks);
    control.set(row, DISCARDED, probe.discardedTaint);
  };

  control.arriveAndWait();
  try {
    while (!control.stopping && (task.keepGoing || control.flagged === 0)) {
      if (probe.runOne() > 0) {
        control.set(row, VIOLATIONS, probe.violations.length);
        control.flag();
      }
      control.set(row, DOING, OP_IDLE);
      if ((probe.ops & 63) === 0) flush();
    }
  } finally {
    flush();
    log.release(task.reader);
    control.set(row, DONE, 1);
  }
  return {
    summary: {
      thread: `reader ${task.reader}`,
      ops: probe.ops,
      rewalks: probe.cursor.rewalks,
      discardedTaint: probe.discardedTaint,
      checks: probe.checks,
      tornAccepted: probe.oracle?.tornAccepted ?? 0,
      latency: probe.latency.summary(),
    },
    violations: probe.violations,
    known: probe.known,
  };
}
