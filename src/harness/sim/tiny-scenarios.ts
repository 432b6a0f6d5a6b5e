/**
 * Scenarios small enough to explore exhaustively (npm run explore -- --strategy exhaustive): a
 * one-leaf tree of six ranges, [10, 19], [20, 29], ..., [60, 69] (eight slots with the NULL ranges
 * around them, so a write that keeps the count is not below the leaf's minimum), a writer step that
 * makes one kind of RCU-mode write, and readers whose operations are fixed (no seed in them), so a
 * clean exhaustive run speaks of exactly these operations.
 *
 * - tiny-node-store: step i stores a fresh entry over [15 - i, 34 + i], three ranges, so the
 *   writer builds a new leaf, publishes it as the root, marks the old one dead and overlays it
 *   (the dead-node protocol of every node replacement). Readers walk 32, then iterate up from 12.
 * - tiny-slot-store: step i stores a fresh entry over [25 - i, 39]: the two-range case, which the
 *   writer makes in place (the new slot, then the moved pivot). Readers walk 27, then 22.
 * - tiny-reuse: each step makes three node stores; the reclaimer polls at every write, so the
 *   first store's dead leaf comes back from the slab for the third once a grace period has passed:
 *   a node reused while a reader that did not announce itself may still hold it. Readers walk 32.
 */
import type { Mutator, Workload } from '../../workers/workloads/workload.js';
import type { PlannedOp } from '../../workers/reader-probe.js';
import { OP_FIND, OP_WALK } from '../control.js';

export const TINY_SCENARIOS = ['tiny-node-store', 'tiny-slot-store', 'tiny-reuse'] as const;
export type TinyScenarioName = (typeof TINY_SCENARIOS)[number];

const walk = (index: number): PlannedOp => ({ opCode: OP_WALK, index, span: 1, size: 1 });
const findUp = (index: number, span: number): PlannedOp => ({ opCode: OP_FIND, index, span, size: 1 });

function sixRanges(m: Mutator): void {
  for (let first = 10; first < 70; first += 10) m.store(first, first + 9, m.nextToken());
}

function tinyWorkload(name: TinyScenarioName, step: (m: Mutator, i: number) => void): Workload {
  let i = 0;
  return {
    name,
    allocRange: false,
    setup: sixRanges,
    step(m: Mutator): void {
      step(m, i++);
    },
  };
}

export function tinyShape(name: TinyScenarioName): {
  keyspace: number;
  capacity: number;
  workload: () => Workload;
  readerPlan: readonly PlannedOp[];
  pollEvery: number;
  logRing: number;
} {
  const base = { keyspace: 80, capacity: 64, pollEvery: 1, logRing: 256 };
  switch (name) {
    case 'tiny-node-store':
      return {
        ...base,
        workload: () => tinyWorkload(name, (m, i) => m.store(15 - i, 34 + i, m.nextToken())),
        readerPlan: [walk(32), findUp(12, 30)],
      };
    case 'tiny-slot-store':
      return {
        ...base,
        workload: () => tinyWorkload(name, (m, i) => m.store(25 - i, 39, m.nextToken())),
        readerPlan: [walk(27), walk(22)],
      };
    case 'tiny-reuse':
      return {
        ...base,
        workload: () =>
          tinyWorkload(name, (m, i) => {
            for (let k = 0; k < 3; k++) m.store(15 - 3 * i - k, 34 + 3 * i + k, m.nextToken());
          }),
        readerPlan: [walk(32)],
      };
  }
}
