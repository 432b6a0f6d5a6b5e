/**
 * The writer thread on the kernel build: its own instance on the run's shared memory, one named
 * workload driven through the kernel's API (kernel-mutator.ts), the runtime's oracles after every
 * step (kernel-checks.ts), grace periods every few writes. When the run stops it waits for the
 * readers, then the end-of-run checks judge the tree and the slab.
 */
import { KernelInstance, compileKernel } from '../../kernel/loader.js';
import { DESTROY_WALK } from '../../harness/kernel-known.js';
import { VersionLog } from '../../harness/version-log.js';
import { RunControl, OPS, DOING, DOING_ARG, DONE, GRACE_PERIODS, OP_STORE, OP_SETUP, OP_IDLE } from '../../harness/control.js';
import { Rng } from '../../harness/rng.js';
import type { Violation } from '../../harness/types.js';
import type { Report } from '../writer-checks.js';
import { createWorkload } from '../workloads/index.js';
import type { TaskResult, WriterTask } from '../task.js';
import { createKernelMutator } from './kernel-mutator.js';
import { KernelWriterChecks } from './kernel-checks.js';

/** How many nodes a workload may plan for: the slab grows on demand, so this is only a bound. */
const NODE_LIMIT = 65_536;

export function runKernelWriter(task: WriterTask): TaskResult {
  const { shared } = task;
  const info = task.kernel!;
  const control = RunControl.attach(shared.control);
  const log = VersionLog.attach(shared.log);
  const violations: Violation[] = [];
  const kernel = KernelInstance.createSync(compileKernel(info.wasmPath), info.memory, info.area);
  const tree = kernel.tree(info.tree);
  let gracePeriods = 0;
  let opName = 'setup';
  const report: Report = (kind, op, seen, expected = [], extra = {}) => {
    violations.push({ kind, thread: 'writer', op, seen, expected, ...extra });
    control.flag();
  };
  const known: Record<string, number> = {};
  const checks = new KernelWriterChecks(kernel, tree, report);
  const mutator = createKernelMutator({
    kernel,
    tree,
    log,
    keyspace: task.keyspace,
    nodeLimit: NODE_LIMIT,
    rng: new Rng(task.seed, 1),
    backpressure: task.check !== 'off',
    stopping: () => control.stopping,
    onStore: (first) => control.set(0, DOING_ARG, first),
    onGracePeriod: () => {
      gracePeriods++;
      checks.afterGracePeriod();
    },
  });
  const workload = createWorkload(task.workload, task.keyspace);
  let ops = 0;
  try {
    control.set(0, DOING, OP_SETUP);
    workload.setup(mutator);
    checks.afterStep('setup');
    control.arriveAndWait();
    control.set(0, DOING, OP_STORE);
    opName = `${task.workload} step`;
    while (task.idle && !control.stopping) Atomics.wait(control.words, 0, control.phase, 50);
    while (!control.stopping && (task.keepGoing || control.flagged === 0)) {
      workload.step(mutator);
      ops++;
      checks.afterStep(`${task.workload} step ${ops}`);
      if ((ops & 63) === 0) {
        control.set(0, OPS, ops);
        control.set(0, GRACE_PERIODS, gracePeriods);
      }
    }
  } catch (error) {
    checks.failed(`${opName}${ops > 0 ? ` ${ops + 1}` : ''}`, error);
    control.stop();
  }
  control.set(0, OPS, ops);

  // End of run: readers leave, then every deferred free runs, then the end state is judged.
  control.stopAndWaitForReaders();
  const shape = checks.endOfRun();
  // Destroy walks the runtime did not run (src/kernel/inner/known.c): a known finding.
  const clobbered = kernel.exports.km_clobbered_walks();
  if (clobbered > 0) known[DESTROY_WALK.name] = clobbered;
  const c = kernel.counters();
  control.set(0, GRACE_PERIODS, gracePeriods);
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
      gracePeriods,
      barriers: { wmb: c.wmb, rmb: c.rmb, mb: c.mb, publish: c.assign },
      deadNodes: c.deaths,
      firstNodePublishes: { published: c.firstNodePublishes, seenByReader: c.publishPausesSeen },
    },
    violations,
    tree: shape,
    known,
  };
}
