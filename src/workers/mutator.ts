/**
 * The writer's Mutator: every mutation a workload asks for is resolved to a plain store, logged
 * under a new version before it is applied, and marked complete after. Shared by the writer
 * thread and the single-thread interleaving driver.
 */
import type { MapleTree } from '../tree/maple-tree.js';
import { MAX_INDEX } from '../tree/layout.js';
import type { VersionLog } from '../harness/version-log.js';
import type { Rng } from '../harness/rng.js';
import type { Mutator } from './workloads/workload.js';

export interface MutatorOptions {
  tree: MapleTree;
  log: VersionLog;
  keyspace: number;
  rng: Rng;
  /** Wait for lagging readers before reusing log records (with checking on). */
  backpressure: boolean;
  /** Ends a backpressure wait (the run is stopping). */
  stopping: () => boolean;
  /** Told the first index of each store (for the stall watchdog). */
  onStore?: (first: number) => void;
}

export function createMutator(o: MutatorOptions): Mutator {
  const { tree, log, backpressure, stopping } = o;
  const cursor = tree.cursor();
  let token = 16385;
  const apply = (first: number, last: number, entry: number): void => {
    const version = log.begin(first, last, entry, backpressure, stopping);
    tree.slab.setClock(version);
    o.onStore?.(first);
    tree.storeRange(first, last, entry);
    log.complete(version);
  };
  return {
    tree,
    keyspace: o.keyspace,
    rng: o.rng,
    nextToken: () => {
      token = (token + 2) >>> 0;
      return token;
    },
    store: apply,
    erase(index) {
      const entry = cursor.set(index).walk();
      if (entry !== 0) apply(cursor.index, cursor.last, 0);
      return entry;
    },
    allocRange(size, min, max, rev = false) {
      const start = rev ? tree.emptyAreaRev(min, max, size) : tree.emptyArea(min, max, size);
      if (start >= 0) apply(start, start + size - 1, this.nextToken());
      return start;
    },
    destroy() {
      const version = log.begin(0, MAX_INDEX, 0, backpressure, stopping);
      tree.slab.setClock(version);
      tree.destroy();
      log.complete(version);
    },
  };
}
