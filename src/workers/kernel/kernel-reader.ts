/**
 * An RCU reader thread on the kernel build: its own instance on the run's shared memory, the
 * kernel's read paths through KernelReadCursor, and the same probe and oracles as the replica's
 * readers. The stale-read detectors are the runtime's (rt.c, kernel-reader-rules.ts): the node
 * tracker (a node freed under an open section) and dead-slot use (a dead node's slot used).
 */
import { KernelInstance, compileKernel } from '../../kernel/loader.js';
import { ReaderProbe } from '../reader-probe.js';
import { REWALK_NULL_NODE, isRewalkNullNode } from '../../harness/kernel-known.js';
import { runProbe } from '../reader.js';
import type { ReaderTask, TaskResult } from '../task.js';
import { KernelReadCursor, KernelReadSection } from './kernel-read-cursor.js';
import { WalkTrace } from './walk-trace.js';
import { kernelIterationRules, kernelSectionCheck } from './kernel-reader-rules.js';

export function runKernelReader(task: ReaderTask): TaskResult {
  const info = task.kernel!;
  const kernel = KernelInstance.createSync(compileKernel(info.wasmPath), info.memory, info.area);
  const tracking = task.check !== 'off';
  kernel.trackNodes(tracking);
  const tree = kernel.tree(info.tree);
  const trace = new WalkTrace(kernel);
  const cursor = new KernelReadCursor(kernel, tree);
  const sectionCheck = kernelSectionCheck(kernel);
  return runProbe(task, (base) =>
    new ReaderProbe({
      ...base,
      cursor,
      rcu: new KernelReadSection(kernel),
      checkedMemory: null,
      sectionCheck: tracking ? sectionCheck : undefined,
      walkTrace: tracking ? () => trace.lines() : undefined,
      ...kernelIterationRules(cursor),
      knownError: (error) => (isRewalkNullNode(error) ? REWALK_NULL_NODE.name : null),
    }),
  );
}
