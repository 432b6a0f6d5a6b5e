/**
 * The writer's cost of RCU mode: the same seeded random workload on two trees, one in RCU mode
 * (new nodes for every node store, dead nodes through grace periods) and one not (in-place node
 * stores and appends, immediate frees), alternated in short slices so machine noise hits both.
 */
import { MapleTree } from '../../src/tree/maple-tree.js';
import { RcuReclaimer } from '../../src/shared-heap/reclaim.js';
import { RcuState } from '../../src/shared-heap/rcu.js';
import { VersionLog } from '../../src/harness/version-log.js';
import { Rng } from '../../src/harness/rng.js';
import { createWorkload } from '../../src/workers/workloads/index.js';
import { createMutator } from '../../src/workers/mutator.js';

function setup(rcu: boolean, seed: number): () => number {
  const gp = RcuState.create(1).writer();
  const tree = MapleTree.create({ capacity: 65_536, rcu }, { reclaimer: (p) => new RcuReclaimer(p.mem, p.slab, gp, p.freeWalk, p.lockdep) });
  const log = VersionLog.create(1, 1 << 16);
  const mutator = createMutator({ tree, log, keyspace: 100_000, rng: new Rng(seed, 1), backpressure: false, stopping: () => true });
  const workload = createWorkload('random', 100_000);
  workload.setup(mutator);
  return () => {
    const before = log.started;
    for (let i = 0; i < 2000; i++) workload.step(mutator);
    return log.started - before;
  };
}

export function writerRate(seed: number, totalMs: number): { rcu: number; nonRcu: number } {
  const rcu = setup(true, seed);
  const plain = setup(false, seed);
  for (let i = 0; i < 20; i++) {
    rcu();
    plain();
  }
  let rcuStores = 0;
  let rcuMs = 0;
  let plainStores = 0;
  let plainMs = 0;
  const end = Date.now() + totalMs;
  while (Date.now() < end) {
    let t = performance.now();
    rcuStores += rcu();
    rcuMs += performance.now() - t;
    t = performance.now();
    plainStores += plain();
    plainMs += performance.now() - t;
  }
  return { rcu: (rcuStores / rcuMs) * 1000, nonRcu: (plainStores / plainMs) * 1000 };
}
