/**
 * The RCU write policy (src/tree/write-policy.ts), both ways: the correct build meets every allowed
 * in-place kind with no finding (the threads memory layer and the simulator's), and each
 * disallowed shape is reported at the store that makes it, with the operation, node, word, value
 * and what the node's state allows. The catalog bugs it exists for are caught by the tree code.
 */
import { describe, expect, it } from 'vitest';
import { MapleTree } from '../src/tree/maple-tree.js';
import { PolicedMemory } from '../src/shared-heap/policed-memory.js';
import { WritePolicy } from '../src/tree/write-policy.js';
import type { InPlaceCounts, PolicyFinding } from '../src/tree/write-policy.js';
import { Bug } from '../src/shared-heap/bugs.js';
import { POISON, writeOverlay } from '../src/shared-heap/reclaim.js';
import { VersionLog } from '../src/harness/version-log.js';
import { Rng } from '../src/harness/rng.js';
import { createMutator } from '../src/workers/mutator.js';
import { createWorkload } from '../src/workers/workloads/index.js';
import { WORKLOADS } from '../src/harness/types.js';
import { DEFAULT_EXPLORE, scheduleSpec } from '../src/harness/sim/explore.js';
import { DEFAULT_SHAPE, runSchedule } from '../src/harness/sim/schedule.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  HDR_ROOT,
  LEAF_64,
  META,
  PARENT,
  PIVOTS,
  RANGE_SLOTS_AT,
  deadParent,
  enodeId,
  enodeType,
  metaEnd,
  mkEnode,
  mkMeta,
  mkParent,
  nodeBase,
  slotsAt,
} from '../src/tree/layout.js';

const KINDS: Array<keyof InPlaceCounts> = ['exactFit', 'slotStore', 'childPublish', 'gaps', 'adoption', 'deadMark', 'overlay', 'root'];

function add(into: InPlaceCounts, from: InPlaceCounts): void {
  for (const k of KINDS) into[k] += from[k];
}

function zero(): InPlaceCounts {
  return { exactFit: 0, slotStore: 0, childPublish: 0, gaps: 0, adoption: 0, deadMark: 0, overlay: 0, root: 0 };
}

/** A tree whose writer memory is policed; `op` runs a write as the next version (the slab clock). */
function policed(options: { allocRange?: boolean; rcu?: boolean; bugs?: number } = {}) {
  const findings: PolicyFinding[] = [];
  const made: WritePolicy[] = [];
  const tree = MapleTree.create(
    { capacity: 4096, allocRange: options.allocRange ?? false, rcu: options.rcu ?? true },
    {
      bugs: options.bugs ?? 0,
      memory: (nodes, slab) =>
        new PolicedMemory(nodes, (words) => {
          made.push(new WritePolicy(slab, words, (f) => findings.push(f), (v) => `op ${v}`));
          return made[0];
        }),
    },
  );
  let version = 0;
  const op = (write: () => void): number => {
    tree.slab.setClock(++version);
    write();
    return version;
  };
  return { tree, policy: made[0], findings, op };
}

/** 60 ranges [10i, 10i+5]: an internal root over leaves. Its root, and the first two leaves under one parent. */
function filled(p: ReturnType<typeof policed>) {
  for (let i = 0; i < 60; i++) p.op(() => p.tree.store(10 * i, 10 * i + 5, 2 * i + 16385));
  expect(p.findings).toEqual([]);
  const mem = p.tree.mem;
  const slot = (enode: number, k: number): number => mem.read(nodeBase(enodeId(enode)) + slotsAt(enodeType(enode)) + k);
  const root = mem.read(HDR_ROOT);
  expect(enodeType(root)).not.toBe(LEAF_64);
  let parent = root;
  while (enodeType(slot(parent, 0)) !== LEAF_64) parent = slot(parent, 0);
  return { rootId: enodeId(root), rootType: enodeType(root), leaf: enodeId(slot(parent, 0)), other: enodeId(slot(parent, 1)) };
}

describe('the correct build: every allowed in-place kind, no finding', () => {
  it('threads memory layer: every workload, the tree valid at the end', () => {
    const total = zero();
    for (const name of WORKLOADS) {
      const workload = createWorkload(name, 100_000);
      const p = policed({ allocRange: workload.allocRange });
      const log = VersionLog.create(1, 1 << 16);
      const mutator = createMutator({ tree: p.tree, log, keyspace: 100_000, rng: new Rng(5, 1), backpressure: false, stopping: () => true });
      workload.setup(mutator);
      for (let i = 0; i < 3000; i++) workload.step(mutator);
      p.policy.endOfRun();
      expect(p.findings, `${name}: ${JSON.stringify(p.findings[0])}`).toEqual([]);
      expect(p.policy.findings).toBe(0);
      p.tree.validate();
      add(total, p.policy.inPlace);
    }
    for (const k of KINDS) expect(total[k], `${k} never met: ${JSON.stringify(total)}`).toBeGreaterThan(0);
  }, 60_000);

  it('simulator: schedules over every scenario, no violation, every kind met', () => {
    const config = { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: 21, shrink: false };
    const total = zero();
    for (let i = 0; i < 5 * SCENARIOS.length; i++) {
      const outcome = runSchedule(scheduleSpec(config, i, DEFAULT_SHAPE.pctSteps));
      expect(outcome.violations, JSON.stringify(outcome.violations[0])).toEqual([]);
      expect(outcome.inPlace).toBeDefined();
      add(total, outcome.inPlace!);
    }
    for (const k of KINDS) expect(total[k], `${k} never met: ${JSON.stringify(total)}`).toBeGreaterThan(0);
  }, 60_000);

  it('in the simulator it makes no access and no decision: the same run, step for step, with it off', () => {
    const config = { ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: [], seed: 21, shrink: false };
    for (let i = 0; i < SCENARIOS.length; i++) {
      const spec = scheduleSpec(config, i, DEFAULT_SHAPE.pctSteps);
      const on = runSchedule(spec, { trace: true });
      const off = runSchedule(spec, { trace: true, writePolicy: false });
      expect(off.inPlace).toBeUndefined();
      expect(on.trace!.length).toBeGreaterThan(100);
      expect(JSON.stringify(off.trace)).toBe(JSON.stringify(on.trace));
      expect([off.steps, off.decisions]).toEqual([on.steps, on.decisions]);
    }
  });
});

describe('disallowed shapes are reported at the store, with its trace', () => {
  it("a leaf's data end written in place", () => {
    const p = policed();
    const { leaf } = filled(p);
    const base = nodeBase(leaf);
    const meta = p.tree.mem.read(base + META);
    const v = p.op(() => p.tree.mem.write(base + META, mkMeta(metaEnd(meta) + 1, 0)));
    expect(p.findings).toHaveLength(1);
    const f = p.findings[0];
    expect(f.op).toBe(`op ${v}`);
    expect(f.seen).toBe(`plain store of ${metaEnd(meta) + 1} to the metadata of node ${leaf}: a leaf's data end changes in place: in RCU mode a leaf that gains or loses a range is replaced by a new node`);
    expect(f.expected[0]).toMatch(/^exact fit: one slot/);
    expect(f.expected[1]).toMatch(/^slot store: one slot and one pivot next to it/);
    expect(f.nodes).toMatch(new RegExp(`^node ${leaf}: leaf_64, generation \\d+ \\(reachable\\), linked at v\\d+$`));
  });

  it('two slots of one leaf in one operation (exact fit is one slot)', () => {
    const p = policed();
    const { leaf } = filled(p);
    const slots = nodeBase(leaf) + RANGE_SLOTS_AT;
    p.op(() => {
      p.tree.mem.publish(slots + 1, 99_999);
      expect(p.findings).toEqual([]);
      p.tree.mem.publish(slots + 3, 99_997);
    });
    expect(p.findings).toHaveLength(1);
    expect(p.findings[0].seen).toBe(`rcu_assign_pointer of 99997 to slot 3 of node ${leaf}: a second slot of the leaf in one operation (slot 1 was written)`);
    expect(p.findings[0].detail).toBe(`in-place leaf stores of this operation before it: node ${leaf}: slot 1`);
  });

  it('a slot store whose pivot is not next to its slot, in either order', () => {
    const p = policed();
    const { leaf } = filled(p);
    const base = nodeBase(leaf);
    p.op(() => {
      p.tree.mem.write(base + PIVOTS + 4, 47);
      p.tree.mem.publish(base + RANGE_SLOTS_AT + 2, 99_999);
    });
    p.op(() => {
      p.tree.mem.publish(base + RANGE_SLOTS_AT + 2, 99_997);
      p.tree.mem.write(base + PIVOTS + 0, 8);
    });
    // Allowed: slot 2 with pivot 1 (its lower bound) or pivot 2 (its upper bound), in any order.
    p.op(() => {
      p.tree.mem.write(base + PIVOTS + 1, 17);
      p.tree.mem.publish(base + RANGE_SLOTS_AT + 2, 99_995);
    });
    p.op(() => p.tree.mem.publish(base + RANGE_SLOTS_AT + 5, 99_993));
    expect(p.findings.map((f) => f.seen)).toEqual([
      `rcu_assign_pointer of 99999 to slot 2 of node ${leaf}: slot 2 is not next to pivot 4, which this operation moved`,
      `plain store of 8 to pivot 0 of node ${leaf}: pivot 0 is not next to slot 2, which this operation wrote`,
    ]);
    expect(p.policy.inPlace.slotStore).toBe(1);
    expect(p.policy.inPlace.exactFit).toBeGreaterThanOrEqual(1);
  });

  it('a pivot moved in place with no slot: reported for its operation once the next one starts', () => {
    const p = policed();
    const { leaf } = filled(p);
    const v = p.op(() => p.tree.mem.write(nodeBase(leaf) + PIVOTS + 3, 37));
    expect(p.findings).toEqual([]);
    p.op(() => p.tree.store(5000, 5001, 77));
    expect(p.findings).toHaveLength(1);
    expect(p.findings[0].op).toBe(`op ${v}`);
    expect(p.findings[0].seen).toBe(`plain store of 37 to pivot 3 of node ${leaf}: pivot 3 moved with no slot store next to it: a range changed its bounds in place without its entry`);
    // The same at the end of the run.
    const q = policed();
    const r = filled(q);
    q.op(() => q.tree.mem.write(nodeBase(r.leaf) + PIVOTS + 3, 37));
    q.policy.endOfRun();
    expect(q.findings).toHaveLength(1);
  });

  it('two leaves written in place in one operation', () => {
    const p = policed();
    const { leaf, other } = filled(p);
    p.op(() => {
      p.tree.mem.publish(nodeBase(leaf) + RANGE_SLOTS_AT + 1, 99_999);
      p.tree.mem.publish(nodeBase(other) + RANGE_SLOTS_AT + 1, 99_997);
    });
    expect(p.findings.map((f) => f.seen)).toEqual([`rcu_assign_pointer of 99997 to slot 1 of node ${other}: a second leaf is written in place in one operation (node ${leaf} was)`]);
  });

  it('a node reference in a leaf slot', () => {
    const p = policed();
    const { leaf, other } = filled(p);
    p.op(() => p.tree.mem.publish(nodeBase(leaf) + RANGE_SLOTS_AT, mkEnode(other, LEAF_64)));
    expect(p.findings[0].seen).toBe(`rcu_assign_pointer of ${mkEnode(other, LEAF_64)} (node ${other}) to slot 0 of node ${leaf}: a leaf slot takes a node reference`);
  });

  it("an internal node's pivot, and a slot that takes a node already in the tree", () => {
    const p = policed();
    const { rootId, rootType, other } = filled(p);
    const base = nodeBase(rootId);
    p.op(() => p.tree.mem.write(base + PIVOTS, 3));
    p.op(() => p.tree.mem.publish(base + slotsAt(rootType), mkEnode(other, LEAF_64)));
    expect(p.findings.map((f) => f.seen)).toEqual([
      `plain store of 3 to pivot 0 of node ${rootId}: a pivot of an internal node moves in place`,
      `rcu_assign_pointer of ${mkEnode(other, LEAF_64)} (node ${other}) to slot 0 of node ${rootId}: an internal slot takes node ${other}, which is reachable: only a new subtree is published into a reachable node`,
    ]);
    expect(p.findings[0].expected[0]).toMatch(/^a slot: a node built in this operation/);
  });

  it("an allocation tree's metadata: the largest-gap offset may change in place, the data end may not", () => {
    const p = policed({ allocRange: true });
    const { rootId, rootType } = filled(p);
    expect(rootType).toBe(ARANGE_64);
    const base = nodeBase(rootId);
    const meta = p.tree.mem.read(base + META);
    const gaps = p.policy.inPlace.gaps;
    p.op(() => {
      p.tree.mem.write(base + ARANGE_GAPS_AT + 1, 12);
      p.tree.mem.write(base + META, mkMeta(metaEnd(meta), 1));
    });
    expect(p.findings).toEqual([]);
    expect(p.policy.inPlace.gaps).toBe(gaps + 2);
    p.op(() => p.tree.mem.write(base + META, mkMeta(metaEnd(meta) - 1, 1)));
    expect(p.findings.map((f) => f.seen)).toEqual([`plain store of ${mkMeta(metaEnd(meta) - 1, 1)} to the metadata of node ${rootId}: an internal node's data end changes in place (only its largest-gap offset may)`]);
    expect(p.findings[0].expected).toContain('gap words, and the largest-gap offset in the metadata (its data end unchanged)');
  });

  it('a parent word naming a node this operation did not make', () => {
    const p = policed();
    const { leaf, other } = filled(p);
    p.op(() => p.tree.mem.write(nodeBase(leaf) + PARENT, mkParent(other, 0, LEAF_64)));
    expect(p.findings[0].seen).toBe(`plain store of ${mkParent(other, 0, LEAF_64)} to the parent word of node ${leaf}: the parent word names node ${other}, which this operation did not make: only a new parent adopts a reachable node`);
  });

  it('the overlay: before the write barrier that follows the dead mark, and without a dead mark', () => {
    const p = policed();
    const { leaf, other } = filled(p);
    const { tree } = p;
    p.op(() => {
      tree.mem.write(nodeBase(leaf) + PARENT, deadParent(leaf));
      tree.slab.noteDeath(leaf);
      writeOverlay(tree.mem, leaf, LEAF_64, 16);
    });
    expect(p.findings).toHaveLength(1);
    expect(p.findings[0].seen).toBe(`plain store of ${POISON} (free-path poison) to pivot 0 of node ${leaf}: the overlay comes before the write barrier that must follow the dead mark: a reader may see it and still find the node alive`);
    expect(p.findings[0].nodes).toMatch(/\(dead\), linked at v\d+, dead mark stored with 0 write barriers since$/);
    expect(p.findings[0].expected).toEqual(["the free path's overlay (words 2-6), after the dead mark and a write barrier that follows it"]);
    p.op(() => {
      tree.slab.noteDeath(other);
      tree.mem.wmb();
      writeOverlay(tree.mem, other, LEAF_64, 16);
    });
    expect(p.findings[1].seen).toMatch(new RegExp(`to pivot 0 of node ${other}: the overlay goes over a node that died without its dead mark`));
  });

  it('the overlay after the mark and a barrier is allowed; other words of a dead node are not', () => {
    const p = policed();
    const { leaf } = filled(p);
    const { tree } = p;
    const overlay = p.policy.inPlace.overlay;
    p.op(() => {
      tree.mem.write(nodeBase(leaf) + PARENT, deadParent(leaf));
      tree.slab.noteDeath(leaf);
      tree.mem.wmb();
      writeOverlay(tree.mem, leaf, LEAF_64, 16);
    });
    expect(p.findings).toEqual([]);
    expect(p.policy.inPlace.overlay).toBe(overlay + 1);
    p.op(() => tree.mem.write(nodeBase(leaf) + RANGE_SLOTS_AT + 2, 5));
    expect(p.findings[0].seen).toBe(`plain store of 5 to slot 2 of node ${leaf}: a dead node is written outside the free path's overlay`);
  });

  it('a store to a free node, and a free node linked as the root', () => {
    const p = policed();
    filled(p);
    const free = p.tree.slab.capacity; // handed out last: still free
    p.op(() => p.tree.mem.write(nodeBase(free) + PIVOTS, 1));
    p.op(() => p.tree.mem.publish(HDR_ROOT, mkEnode(free, LEAF_64)));
    expect(p.findings.map((f) => f.seen)).toEqual([
      `plain store of 1 to pivot 0 of node ${free}: the node is free: nothing may write it until the slab hands it out again`,
      `rcu_assign_pointer of ${mkEnode(free, LEAF_64)} (node ${free}) to the root word in the tree header: the root takes node ${free}, which is free`,
    ]);
  });

  it("the fast path's memo of the node stored to last lapses when the node dies or is linked", () => {
    // Each store right after the last one to the same node: only the generation and link() can
    // tell the policy that what held for the node's words a moment ago holds no more.
    const p = policed();
    filled(p);
    const { tree } = p;
    const id = tree.slab.alloc();
    p.op(() => {
      tree.mem.write(nodeBase(id) + PIVOTS, 7);
      tree.slab.noteDeath(id);
      tree.mem.wmb();
      writeOverlay(tree.mem, id, LEAF_64, 16);
    });
    expect(p.findings.map((f) => f.seen)).toEqual([
      `plain store of ${POISON} (free-path poison) to pivot 0 of node ${id}: the overlay goes over a node that died without its dead mark (its parent word never named itself)`,
    ]);
    const leaf = tree.slab.alloc();
    p.op(() => {
      tree.mem.write(nodeBase(leaf) + PIVOTS, 7);
      tree.mem.publish(HDR_ROOT, mkEnode(leaf, LEAF_64));
      tree.mem.write(nodeBase(leaf) + META, mkMeta(1, 0));
    });
    expect(p.findings[1].seen).toMatch(new RegExp(`to the metadata of node ${leaf}: .*\\(the node was linked in this operation: written after it was published\\)$`));
  });

  it('one finding per operation, at most eight per run; every one is counted', () => {
    const p = policed();
    const { leaf } = filled(p);
    for (let i = 0; i < 12; i++) {
      p.op(() => {
        p.tree.mem.write(nodeBase(leaf) + META, mkMeta(3, 0));
        p.tree.mem.write(nodeBase(leaf) + META, mkMeta(4, 0));
      });
    }
    expect(p.findings).toHaveLength(8);
    expect(p.policy.findings).toBe(24);
  });
});

describe('the catalog bugs it is for, caught at the store by the tree code itself', () => {
  const oneStore = (p: ReturnType<typeof policed>): void => {
    for (let i = 0; i < 200 && p.findings.length === 0; i++) p.op(() => p.tree.store(10 * i, 10 * i + 5, 2 * i + 16385));
  };

  it('append-in-rcu: the data end written in place', () => {
    const p = policed({ bugs: Bug.APPEND_IN_RCU });
    oneStore(p);
    expect(p.findings[0].seen).toMatch(/^plain store of \d+ to the metadata of node \d+: a leaf's data end changes in place/);
  });

  it('rcu-off: node stores in place', () => {
    const p = policed({ rcu: false });
    oneStore(p);
    expect(p.findings[0].seen).toMatch(/to (the metadata|pivot \d+) of node \d+: /);
  });

  it('publish-before-init: the new node written after it was linked', () => {
    const p = policed({ bugs: Bug.PUBLISH_BEFORE_INIT });
    oneStore(p);
    expect(p.findings[0].seen).toMatch(/of node \d+: .*\(the node was linked in this operation: written after it was published\)$/);
  });

  it('overlay-before-death: poison over a node still alive', () => {
    const p = policed({ bugs: Bug.OVERLAY_BEFORE_DEATH });
    oneStore(p);
    expect(p.findings[0].seen).toMatch(/^plain store of 3735899821 \(free-path poison\) to pivot \d of node \d+: .*\(the value is the overlay, written over a node not yet dead\)$/);
    expect(p.findings[0].nodes).toMatch(/\(reachable\)/);
  });

  it('missing-wmb: the overlay right after the dead mark', () => {
    const p = policed({ bugs: Bug.MISSING_WMB });
    oneStore(p);
    expect(p.findings[0].seen).toMatch(/the overlay comes before the write barrier that must follow the dead mark/);
  });
});
