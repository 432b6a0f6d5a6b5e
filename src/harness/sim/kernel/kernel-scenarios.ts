/**
 * The kernel explorer's scenarios: the replica explorer's (scenarios.ts), plus `destroy`, which
 * only the kernel needs. The kernel's RCU-mode destroy walk (mt_destroy_walk from mtree_destroy,
 * and from mas_mat_destroy for subtrees a spanning store drops, which needs a tree of height 3)
 * marks each node dead and writes its overlay (type, parent, slot over pivots 2 to 4) right away,
 * while readers may still be in the nodes: the window the overlay-before-death entry opens. The
 * replica's scenarios destroy a tree once in many schedules (churn, one cycle in five), so
 * `destroy` fills a two-level tree and destroys it on alternate steps.
 */
import { SCENARIOS, scenarioShape } from '../scenarios.js';
import type { ScenarioName, ScenarioShape } from '../scenarios.js';
import type { Mutator, Workload } from '../../../workers/workloads/workload.js';

export const KERNEL_SCENARIOS = [...SCENARIOS, 'destroy'] as const;
export type KernelScenarioName = (typeof KERNEL_SCENARIOS)[number];

/** Ranges [4k, 4k + 1] for k < ENTRIES, a NULL gap after each: 48 ranges, four or five leaves. */
const ENTRIES = 24;
const STRIDE = 4;

export function destroyWorkload(): Workload {
  let step = 0;
  const fill = (m: Mutator): void => {
    for (let k = 0; k < ENTRIES; k++) m.store(k * STRIDE, k * STRIDE + 1, m.nextToken());
  };
  return {
    name: 'destroy',
    allocRange: false,
    setup: fill,
    step(m: Mutator): void {
      // Odd steps refill what the even ones destroyed: every other step destroys a two-level tree.
      if (step++ % 2 === 0) m.destroy();
      else fill(m);
    },
  };
}

export function kernelScenarioShape(name: KernelScenarioName): ScenarioShape {
  if (name === 'destroy') return { keyspace: ENTRIES * STRIDE + 16, capacity: 512, workload: destroyWorkload };
  return scenarioShape(name as ScenarioName);
}
