/**
 * The explorer's scenarios: small trees, a few dozen operations, so that thousands of schedules
 * run per second. Each is a writer workload at a small keyspace; `rcu-simulated` is the kernel's
 * check_rcu_simulated (tools/testing/radix-tree/maple.c) as a workload: ranges [10i, 10i + 5],
 * and around one target entry the writer overwrites exactly the entry, its first half, its second
 * half, more than the entry, more than a node and a wide span, restoring the range after each.
 */
import type { Mutator, Workload } from '../../workers/workloads/workload.js';
import { createWorkload } from '../../workers/workloads/index.js';
import type { PlannedOp } from '../../workers/reader-probe.js';
import { TINY_SCENARIOS, tinyShape } from './tiny-scenarios.js';
import type { TinyScenarioName } from './tiny-scenarios.js';

/** The seeded explorer's scenarios, in rotation by default (the tiny ones are the exhaustive explorer's). */
export const SCENARIOS = ['rcu-simulated', 'random', 'vma', 'slot-store', 'spanning', 'churn'] as const;
export type ScenarioName = (typeof SCENARIOS)[number] | TinyScenarioName;
/** Every scenario a schedule may name. */
export const ALL_SCENARIOS: readonly ScenarioName[] = [...SCENARIOS, ...TINY_SCENARIOS];
export { TINY_SCENARIOS };

export interface ScenarioShape {
  keyspace: number;
  /** Slab size in nodes: enough that the writer never waits for a grace period (it must not block). */
  capacity: number;
  workload: () => Workload;
  /** The readers' operations by number, cycled (tiny scenarios); absent: drawn from each reader's seed. */
  readerPlan?: readonly PlannedOp[];
  /** The reclaimer polls for grace periods every this many writes (default 8; tiny scenarios 1). */
  pollEvery?: number;
  /** Version-log records (a power of two; default 2048): tiny scenarios need few, and a run allocates them all. */
  logRing?: number;
}

const ENTRIES = 100;
const TARGET = 430;

/** The entry check_rcu_simulated stores at [10i, 10i + 5]: xa_mk_value(i), odd so never a node. */
const value = (i: number): number => 2 * i + 1;

export function rcuSimulatedWorkload(): Workload {
  // [first, last] of each overwrite, around the target entry [TARGET, TARGET + 5].
  const cases: Array<[number, number]> = [
    [TARGET, TARGET + 5], // exactly the entry
    [TARGET, TARGET + 2], // its first half
    [TARGET + 2, TARGET + 5], // its second half
    [TARGET - 5, TARGET + 15], // more than the entry
    [TARGET - 100, TARGET + 100], // more than the node
    [TARGET - 300, TARGET + 300], // a wide span: several nodes die at once
  ];
  let step = 0;
  return {
    name: 'rcu-simulated',
    allocRange: true,
    setup(m: Mutator): void {
      for (let i = 0; i <= ENTRIES; i++) m.store(i * 10, i * 10 + 5, value(i));
    },
    step(m: Mutator): void {
      const [first, last] = cases[(step >> 1) % cases.length];
      // Even steps overwrite, odd steps restore the range as the kernel test does, but with a
      // fresh entry rather than the old one: the oracles rely on every store naming itself (an
      // old entry stored again over an overlapping range makes an iteration look like it
      // stepped back).
      m.store(first, last, m.nextToken());
      step++;
    },
  };
}

export function scenarioShape(name: ScenarioName): ScenarioShape {
  switch (name) {
    case 'rcu-simulated':
      return { keyspace: ENTRIES * 10 + 10, capacity: 512, workload: rcuSimulatedWorkload };
    case 'tiny-node-store':
    case 'tiny-slot-store':
    case 'tiny-reuse':
      return tinyShape(name);
    case 'churn':
      // 16 entries: a fill takes four writer operations, so a few dozen reach a destroy or a drain.
      return { keyspace: 64, capacity: 512, workload: () => createWorkload('churn', 64) };
    default:
      return { keyspace: 2000, capacity: 512, workload: () => createWorkload(name, 2000) };
  }
}
