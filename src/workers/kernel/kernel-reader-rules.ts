/**
 * What a kernel reader's probe is told, on real threads (kernel-reader.ts) and under the simulator
 * (src/harness/sim/kernel/kernel-schedule.ts) alike: the runtime's section detectors (rt.c's node
 * tracker and dead-slot use, read from its per-thread report) and the rules and known findings of
 * 6.12's iteration. One place, so a finding or a detector added reaches both.
 */
import type { KernelInstance } from '../../kernel/loader.js';
import {
  EMPTY_AREA_MISS,
  NEXT_PAST_MAX,
  PARENT_SLOT_BEFORE_ADOPT,
  PIVOT_AFTER_DEAD_CHECK,
  PREV_RANGE_REVERSED,
  PREV_ROOT_REREAD,
} from '../../harness/kernel-known.js';
import type { ProbeOptions, SectionFinding } from '../reader-probe.js';
import type { KernelReadCursor } from './kernel-read-cursor.js';

/**
 * The runtime's findings after each read-side section of this instance's thread (rt.c's struct
 * rt_reader_report: freed under, freed at deref, untracked, the first freed node and its
 * generations, dead-slot uses and the first one's slot address and value), or null.
 */
export function kernelSectionCheck(kernel: KernelInstance): () => SectionFinding | null {
  const report = new Uint32Array(kernel.memory.buffer, kernel.exports.rt_reader_report(), 9);
  let seen = 0;
  let deadSlotUses = 0;
  return () => {
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
    const freed = `0x${report[3].toString(16)}`;
    const seenText =
      report[1] > 0 && report[0] === 0
        ? `reached node ${freed} through rcu_dereference after it was freed (generation ${report[4]}, all poison)`
        : `node ${freed} was freed while the read-side section that reached it was open (generation ${report[4]} when reached, ${report[5]} at the section's end)`;
    return { seen: seenText, rule: 'no node freed while a read-side section that reached it is open' };
  };
}

/** 6.12's iteration rules and the known findings a kernel reader's results are judged with. */
export function kernelIterationRules(
  cursor: KernelReadCursor,
): Pick<ProbeOptions, 'carriedPrevBound' | 'stepsBySlot' | 'knownEmptyAreaMiss' | 'knownPrevRootReread' | 'knownPrevReversed' | 'knownPastMax' | 'knownCorruptIteration'> {
  return {
    carriedPrevBound: true,
    stepsBySlot: true,
    knownEmptyAreaMiss: EMPTY_AREA_MISS.name,
    knownPrevRootReread: PREV_ROOT_REREAD.name,
    knownPrevReversed: PREV_RANGE_REVERSED.name,
    knownPastMax: NEXT_PAST_MAX.name,
    // From the first flagged step on: the steps before it were not misled.
    knownCorruptIteration: (step) =>
      cursor.flaggedStep < 0 || step < cursor.flaggedStep ? null : cursor.flaggedAs === 1 ? PIVOT_AFTER_DEAD_CHECK.name : PARENT_SLOT_BEFORE_ADOPT.name,
  };
}
