/**
 * The writer's cost of RCU mode: the same seeded random workload on two trees, one in RCU mode
 * (new nodes for every node store, dead nodes through grace periods) and one not (in-place node
 * stores and appends, immediate frees), alternated in short slices so machine noise hits both.
 * The same way, the write policy's cost: one RCU-mode tree with its stores policed, one without.
 */
import { MapleTree } from '../../src/tree/maple-tree.js';
import { RcuReclaimer } from '../../src/shared-heap/reclaim.js';
import { RcuState } from '../../src/shared-heap/rcu.js';
import { VersionLog } from '../../src/harness/version-log.js';
import { Rng } from '../../src/harness/rng.js';
import { createWorkload } from '../../src/workers/workloads/index.js';
import { createMutator } from '../../src/workers/mutator.js';
import { PolicedMemory } from '../../src/shared-heap/policed-memory.js';
import type { Slab } from '../../src/shared-heap/slab.js';
import { WritePolicy } from '../../src/tree/write-policy.js';

function setup(rcu: boolean, seed: number, policed = false): () => number {
  const gp = RcuState.create(1).writer();
  const policy = (nodes: SharedArrayBuffer, slab: Slab): PolicedMemory =>
    new PolicedMemory(nodes, (words) =>
      new WritePolicy(slab, words, (f) => {
        throw new Error(`write policy: ${f.seen}`);
      }),
    );
  const tree = MapleTree.create(
    { capacity: 65_536, rcu },
    { reclaimer: (p) => new RcuReclaimer(p.mem, p.slab, gp, p.freeWalk, p.lockdep), memory: policed ? policy : undefined },
  );
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

/** Stores per second of two writers, alternated in slices. */
function sideBySide(a: () => number, b: () => number, totalMs: number): [number, number] {
  for (let i = 0; i < 20; i++) {
    a();
    b();
  }
  let aStores = 0;
  let aMs = 0;
  let bStores = 0;
  let bMs = 0;
  const end = Date.now() + totalMs;
  while (Date.now() < end) {
    let t = performance.now();
    aStores += a();
    aMs += performance.now() - t;
    t = performance.now();
    bStores += b();
    bMs += performance.now() - t;
  }
  return [(aStores / aMs) * 1000, (bStores / bMs) * 1000];
}

export function writerRate(seed: number, totalMs: number): { rcu: number; nonRcu: number } {
  const [rcu, nonRcu] = sideBySide(setup(true, seed), setup(false, seed), totalMs);
  return { rcu, nonRcu };
}

/** The write policy's cost to the writer: the same RCU-mode writer with and without it. */
export function policedWriterRate(seed: number, totalMs: number): { policed: number; unpoliced: number } {
  const [policed, unpoliced] = sideBySide(setup(true, seed, true), setup(true, seed), totalMs);
  return { policed, unpoliced };
}
