/** The writer workloads by name (see each module for what it does). */
import { WORKLOADS } from '../../harness/types.js';
import type { WorkloadName } from '../../harness/types.js';
import type { Workload } from './workload.js';
import { randomWorkload } from './random.js';
import { vmaWorkload } from './vma.js';
import { slotStoreWorkload } from './slot-store.js';
import { spanningWorkload } from './spanning.js';
import { churnWorkload } from './churn.js';

export type { Mutator, Workload } from './workload.js';
export type { VmaWorkload, VmaCounts } from './vma.js';
export type { SlotStoreWorkload } from './slot-store.js';
export type { ChurnWorkload, ChurnPhase } from './churn.js';
export { randomWorkload, vmaWorkload, slotStoreWorkload, spanningWorkload, churnWorkload };

export const workloads: Record<WorkloadName, (keyspace: number) => Workload> = {
  random: randomWorkload,
  vma: vmaWorkload,
  'slot-store': slotStoreWorkload,
  spanning: spanningWorkload,
  churn: churnWorkload,
};

/** The workload called `name` over [0, keyspace); throws for an unknown name, listing the valid ones. */
export function createWorkload(name: string, keyspace: number): Workload {
  if (!Object.hasOwn(workloads, name)) {
    throw new Error(`unknown workload '${name}': expected one of ${WORKLOADS.join(', ')}`);
  }
  return workloads[name as WorkloadName](keyspace);
}
