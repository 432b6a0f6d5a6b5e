/**
 * The writer's side of the kernel build: workloads plan with the kernel's own reads and mutate
 * through its API (mtree_store_range, mas_erase, mtree_alloc_range/mtree_alloc_rrange,
 * mtree_destroy), each mutation logged in the version log before it is applied, as the replica's
 * Mutator does. The writer holds the tree's lock inside each call; grace periods run every few
 * writes (the runtime's rt_rcu_run_callbacks waits for the readers, then frees).
 */
import type { KernelInstance } from '../../kernel/loader.js';
import type { KernelCursor, KernelTree } from '../../kernel/kernel-tree.js';
import type { Range } from '../../tree/maple-tree.js';
import { MAX_INDEX } from '../../tree/layout.js';
import type { VersionLog } from '../../harness/version-log.js';
import type { Rng } from '../../harness/rng.js';
import type { Mutator, PlanningCursor, PlanningTree } from '../workloads/workload.js';

/** Writes between grace periods (each waits for every reader to leave its section). */
const WRITES_PER_GRACE_PERIOD = 64;

/** A kernel call that returned what the API says it cannot: the writer stops with this. */
export class KernelApiError extends Error {
  override name = 'KernelApiError';
}

class KernelPlanningCursor implements PlanningCursor {
  index = 0;
  last = 0;
  constructor(private readonly cursor: KernelCursor) {}
  set(index: number): this {
    this.cursor.set(index);
    return this;
  }
  find(max: number): number {
    const r = this.cursor.step('find', max);
    this.index = r.first;
    this.last = r.last;
    return r.entry;
  }
}

/** The kernel tree's reads, for planning (each in its own read-side section). */
export class KernelPlanningTree implements PlanningTree {
  private finder: KernelCursor | null = null;
  constructor(
    readonly tree: KernelTree,
    readonly nodeLimit: number,
  ) {}
  height(): number {
    return this.tree.height();
  }
  load(index: number): number {
    return this.tree.load(index);
  }
  walk(index: number): Range {
    return this.tree.walk(index);
  }
  find(index: number, max: number): Range | null {
    this.finder ??= this.tree.cursor(index);
    this.finder.set(index);
    const r = this.finder.step('find', max);
    return r.entry === 0 ? null : r;
  }
  cursor(index = 0): PlanningCursor {
    return new KernelPlanningCursor(this.tree.cursor(index));
  }
}

export interface KernelMutatorOptions {
  kernel: KernelInstance;
  tree: KernelTree;
  log: VersionLog;
  keyspace: number;
  nodeLimit: number;
  rng: Rng;
  backpressure: boolean;
  stopping: () => boolean;
  onStore?: (first: number) => void;
  /** Called after each grace period with how many callbacks ran. */
  onGracePeriod?: (callbacks: number) => void;
}

export function createKernelMutator(o: KernelMutatorOptions): Mutator {
  const { kernel, tree, log, backpressure, stopping } = o;
  let token = 16385;
  let writes = 0;
  const logged = (first: number, last: number, entry: number, apply: () => void): void => {
    const version = log.begin(first, last, entry, backpressure, stopping);
    o.onStore?.(first);
    apply();
    log.complete(version);
    if (++writes % WRITES_PER_GRACE_PERIOD === 0) gracePeriod();
  };
  const gracePeriod = (): void => {
    const callbacks = kernel.runRcuCallbacks();
    o.onGracePeriod?.(callbacks);
  };
  const nextToken = (): number => {
    token = (token + 2) >>> 0;
    return token;
  };
  return {
    tree: new KernelPlanningTree(tree, o.nodeLimit),
    keyspace: o.keyspace,
    rng: o.rng,
    nextToken,
    store(first, last, entry) {
      logged(first, last, entry, () => {
        const ret = tree.storeRange(first, last, entry);
        if (ret !== 0) throw new KernelApiError(`mtree_store_range([${first}, ${last}], ${entry}) returned ${ret}`);
      });
    },
    erase(index) {
      // The range first (the writer is the only one: it cannot change before the erase).
      const r = tree.walk(index);
      if (r.entry === 0) return 0;
      logged(r.first, r.last, 0, () => {
        const erased = tree.masErase(index);
        if (erased.entry !== r.entry) {
          throw new KernelApiError(`mas_erase(${index}) returned ${erased.entry}; mas_walk had found ${r.entry} over [${r.first}, ${r.last}]`);
        }
      });
      return r.entry;
    },
    allocRange(size, min, max, rev = false) {
      // Where the allocation will go, from the search it makes itself; it must agree.
      const area = tree.emptyArea(min, max, size, rev);
      if (area.ret !== 0) return -1;
      const start = area.first;
      const entry = nextToken();
      logged(start, start + size - 1, entry, () => {
        const got = tree.allocRange(size, entry, min, max, rev);
        if (got.ret !== 0 || got.start !== start) {
          throw new KernelApiError(
            `${rev ? 'mtree_alloc_rrange' : 'mtree_alloc_range'}(size ${size}, [${min}, ${max}]) returned ${got.ret} at ${got.start}; ` +
              `${rev ? 'mas_empty_area_rev' : 'mas_empty_area'} had found ${start}`,
          );
        }
      });
      return start;
    },
    destroy() {
      logged(0, MAX_INDEX, 0, () => tree.destroy());
    },
  };
}
