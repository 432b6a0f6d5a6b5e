/**
 * An RCU reader thread on the kernel build: its own instance on the run's shared memory, the
 * kernel's read paths through KernelReadCursor, and the same probe and oracles as the replica's
 * readers. The stale-read detector is the runtime's node tracker (rt.c): a node reached inside a
 * read-side section and freed before the section ended, or reached after it was freed.
 */
import { KernelInstance, compileKernel } from '../../kernel/loader.js';
import { ReaderProbe, type SectionFinding } from '../reader-probe.js';
import {
  EMPTY_AREA_MISS,
  NEXT_PAST_MAX,
  PARENT_SLOT_BEFORE_ADOPT,
  PIVOT_AFTER_DEAD_CHECK,
  PREV_RANGE_REVERSED,
  PREV_ROOT_REREAD,
  REWALK_NULL_NODE,
  isRewalkNullNode,
} from '../../harness/kernel-known.js';
import { runProbe } from '../reader.js';
import type { ReaderTask, TaskResult } from '../task.js';
import { KernelReadCursor, KernelReadSection } from './kernel-read-cursor.js';
import { WalkTrace } from './walk-trace.js';

export function runKernelReader(task: ReaderTask): TaskResult {
  const info = task.kernel!;
  const kernel = KernelInstance.createSync(compileKernel(info.wasmPath), info.memory, info.area);
  const tracking = task.check !== 'off';
  kernel.trackNodes(tracking);
  const tree = kernel.tree(info.tree);
  // rt.c's struct rt_reader_report: freed under, freed at deref, untracked, the first freed node
  // and its generations, dead-slot uses and the first one's slot address and value.
  const report = new Uint32Array(info.memory.buffer, kernel.exports.rt_reader_report(), 9);
  let seen = 0;
  let deadSlotUses = 0;
  const trace = new WalkTrace(kernel);
  const cursor = new KernelReadCursor(kernel, tree);
  const sectionCheck = (): SectionFinding | null => {
    const uses = Atomics.load(report, 6);
    if (uses !== deadSlotUses) {
      const first = deadSlotUses === 0;
      deadSlotUses = uses;
      const at = report[7];
      const node = at & ~0xff;
      return {
        seen: first
          ? `a call returned after reading the slot at 0x${at.toString(16)} (node 0x${node.toString(16)} + ${at - node}, value 0x${report[8].toString(16)}) from a node that was dead at the read, with no re-walk from the root after it: a dead node's slot was used`
          : `a call returned after using a slot read from a dead node (${uses} such calls on this thread so far)`,
        rule: 'a slot read from a node that is dead is followed by the dead check and a re-walk from the root before it is used',
      };
    }
    const found = Atomics.load(report, 0) + Atomics.load(report, 1);
    if (found === seen) return null;
    seen = found;
    const node = `0x${report[3].toString(16)}`;
    const seenText = report[1] > 0 && report[0] === 0
      ? `reached node ${node} through rcu_dereference after it was freed (generation ${report[4]}, all poison)`
      : `node ${node} was freed while the read-side section that reached it was open (generation ${report[4]} when reached, ${report[5]} at the section's end)`;
    return { seen: seenText, rule: 'no node freed while a read-side section that reached it is open' };
  };
  return runProbe(task, (base) =>
    new ReaderProbe({
      ...base,
      cursor,
      rcu: new KernelReadSection(kernel),
      checkedMemory: null,
      sectionCheck: tracking ? sectionCheck : undefined,
      walkTrace: tracking ? () => trace.lines() : undefined,
      carriedPrevBound: true,
      stepsBySlot: true,
      knownEmptyAreaMiss: EMPTY_AREA_MISS.name,
      knownPrevRootReread: PREV_ROOT_REREAD.name,
      knownPrevReversed: PREV_RANGE_REVERSED.name,
      knownPastMax: NEXT_PAST_MAX.name,
      // From the first flagged step on: the steps before it were not misled.
      knownCorruptIteration: (step) =>
        cursor.flaggedStep < 0 || step < cursor.flaggedStep ? null : cursor.flaggedAs === 1 ? PIVOT_AFTER_DEAD_CHECK.name : PARENT_SLOT_BEFORE_ADOPT.name,
      knownError: (error) => (isRewalkNullNode(error) ? REWALK_NULL_NODE.name : null),
    }),
  );
}
