/**
 * The kernel build's runtime checks (src/kernel/runtime/rt.c), each both ways: the node tracker
 * (rt_track*: a node reached in a read-side section and freed before it ended), the free policy of
 * RCU mode (rt_free_policy: dead nodes only through a grace period), lockdep
 * (rt_lockdep_check: rcu_dereference_protected whose condition does not hold), and the destroy
 * walk the known 6.12 finding clobbered (src/kernel/inner/known.c: counted and not run).
 *
 * Deterministic: every instance lives in this thread, on one shared memory per test (the primary,
 * the writer, creates the node cache; the reader is a further instance with its own stack and TLS
 * from allocThreadArea). Interleavings are written out: the reader enters its section, walks,
 * the writer stores, the reader leaves. Grace periods run only when no instance is inside a read
 * section (synchronize_rcu would wait for it for ever).
 *
 * Needs the kernel build (see test/kernel-build.test.ts): skips locally without it, FAILS under CI=true.
 */
import { kernelModuleOrSkip } from './support/kernel-module.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import { KernelInstance, KernelTrap, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../src/kernel/loader.js';
import type { WasmModule } from '../src/kernel/loader.js';
import type { KernelTree } from '../src/kernel/kernel-tree.js';
import { KernelReadCursor } from '../src/workers/kernel/kernel-read-cursor.js';
import { WalkTrace } from '../src/workers/kernel/walk-trace.js';
import { createKernelMutator } from '../src/workers/kernel/kernel-mutator.js';
import { createWorkload } from '../src/workers/workloads/index.js';
import { VersionLog } from '../src/harness/version-log.js';
import { Rng } from '../src/harness/rng.js';
import { findKernelBug } from '../src/harness/kernel-catalog.js';
import { isRewalkNullNode } from '../src/harness/kernel-known.js';


let shipped: WasmModule | Error;
let unlocked: WasmModule | Error;
let untyped: WasmModule | Error;

beforeAll(async () => {
  const load = async (mutations: ReturnType<typeof findKernelBug> | null): Promise<WasmModule | Error> => {
    try {
      return compileKernel((await buildKernel(mutations ? { slots: 16, mutations: mutations.mutations } : { slots: 16 })).wasmPath);
    } catch (error) {
      return error as Error;
    }
  };
  shipped = await load(null);
  const entry = findKernelBug('callback-unlocked');
  if (entry === undefined) throw new Error('kernel catalog: no entry callback-unlocked');
  unlocked = await load(entry);
  untyped = await load(findKernelBug('untyped-free-walk') ?? null);
}, 300_000);

const module = kernelModuleOrSkip;

const entry = (i: number): number => 0x1001 + 4 * i; // (e & 3) === 1: a plain entry
const BLOCKS = 300;

/** A writer (primary) and a reader instance on a fresh memory, a tree of 300 ranges [16b, 16b + 7]. */
async function setup(mod: WasmModule, flags: number) {
  const memory = createKernelMemory();
  const writer = await KernelInstance.create(mod, memory);
  const reader = await KernelInstance.create(mod, memory, writer.allocThreadArea());
  const tree = writer.newTree(flags);
  for (let b = 0; b < BLOCKS; b++) expect(tree.storeRange(b * 16, b * 16 + 7, entry(b))).toBe(0);
  expect(tree.height(), 'the reader walks through more than a root leaf').toBeGreaterThanOrEqual(2);
  return { memory, writer, reader, tree, readerTree: reader.tree(tree.address) };
}

/** Overwrite the whole populated range with one entry: every leaf and internal node is replaced. */
function flatten(tree: KernelTree): void {
  expect(tree.storeRange(0, BLOCKS * 16, entry(9999))).toBe(0);
  expect(tree.height()).toBe(1);
}

describe('node tracker (rt_track*): nodes freed under an open read-side section', () => {
  it('non-RCU tree: nodes the reader reached are freed directly while its section is open: freedUnder > 0', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, reader, tree, readerTree } = await setup(mod, 0);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    const freesBefore = writer.slabStats().frees;
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.walk()).toBe(entry(150));
    expect([cursor.index, cursor.last]).toEqual([16 * 150, 16 * 150 + 7]);
    flatten(tree);
    expect(writer.slabStats().frees, 'the overwrite freed nodes at once').toBeGreaterThan(freesBefore);
    expect(reader.readerReport().freedUnder, 'judged when the section ends, not before').toBe(0);
    reader.exports.rt_read_unlock();
    const report = reader.readerReport();
    expect(report.freedUnder).toBeGreaterThan(0);
    expect(report.node).not.toBe(0);
    expect(report.genNow).toBeGreaterThan(report.genThen);
  });

  it('non-RCU tree, section closed before the overwrite: no finding (the tracker judges only open sections)', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, reader, tree, readerTree } = await setup(mod, 0);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.walk()).toBe(entry(150));
    reader.exports.rt_read_unlock();
    const frees = writer.slabStats().frees;
    flatten(tree);
    expect(writer.slabStats().frees).toBeGreaterThan(frees);
    expect(reader.readerReport()).toMatchObject({ freedUnder: 0, freedAtDeref: 0 });
  });

  it('RCU tree: the frees wait in call_rcu; unlock: no finding; the grace period frees them: still none', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, reader, tree, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.walk()).toBe(entry(150));
    const queued = writer.slabStats().rcuQueued;
    flatten(tree);
    expect(writer.slabStats().rcuQueued, 'the replaced nodes went to call_rcu').toBeGreaterThan(queued);
    // The reader still sees the tree it entered: the dead nodes are intact.
    expect(cursor.set(16 * 150 + 3) && cursor.walk()).toBe(entry(9999));
    reader.exports.rt_read_unlock();
    expect(reader.readerReport()).toMatchObject({ freedUnder: 0, freedAtDeref: 0 });
    const frees = writer.slabStats().frees;
    expect(writer.runRcuCallbacks()).toBeGreaterThan(0);
    expect(writer.slabStats().frees, 'the grace period freed them').toBeGreaterThan(frees);
    expect(reader.readerReport()).toMatchObject({ freedUnder: 0, freedAtDeref: 0 });
    // A later section over the new tree: nothing.
    reader.exports.rt_read_lock();
    expect(cursor.set(5).walk()).toBe(entry(9999));
    reader.exports.rt_read_unlock();
    expect(reader.readerReport()).toMatchObject({ freedUnder: 0, freedAtDeref: 0 });
  });
});

describe('free policy (rt_free_policy, expectRcu): dead nodes only after a grace period', () => {
  it('non-RCU tree overwritten: dead nodes freed directly are counted (deadDirectFrees > 0)', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, tree } = await setup(mod, 0);
    writer.expectRcu(true);
    expect(writer.counters().deadDirectFrees).toBe(0);
    flatten(tree);
    const c = writer.counters();
    expect(c.deadDirectFrees).toBeGreaterThan(0);
    expect(c.policyNode).not.toBe(0);
  });

  it('RCU tree overwritten, then grace periods: every dead node through a callback (deaths > 0, deadDirectFrees 0)', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, tree } = await setup(mod, MT_FLAGS_USE_RCU);
    writer.expectRcu(true);
    flatten(tree);
    expect(writer.counters().deaths, 'nothing dead is freed before the grace period').toBe(0);
    expect(writer.rcuBarrier()).toBeGreaterThan(0);
    const c = writer.counters();
    expect(c.deaths).toBeGreaterThan(0);
    expect(c.deadDirectFrees).toBe(0);
    expect(c.liveRcuFrees).toBe(0);
    expect(c.policyNode).toBe(0);
    expect(tree.validate(), writer.log()).toBe(0);
  });
});

/**
 * An RCU-mode run: stores, erases and grace periods on a small tree of height >= 2, then its
 * destroy and the callbacks. Returns the lockdep counters.
 */
async function rcuRun(mod: WasmModule) {
  const memory = createKernelMemory();
  const kernel = await KernelInstance.create(mod, memory);
  const tree = kernel.newTree(MT_FLAGS_USE_RCU);
  for (let b = 0; b < 200; b++) expect(tree.storeRange(b * 10, b * 10 + 4, entry(b))).toBe(0);
  for (let b = 0; b < 200; b += 7) expect(tree.erase(b * 10)).toBe(entry(b));
  for (let b = 3; b < 200; b += 11) expect(tree.storeRange(b * 10, b * 10 + 14, entry(1000 + b))).toBe(0);
  expect(kernel.rcuBarrier()).toBeGreaterThan(0);
  expect(tree.validate(), kernel.log()).toBe(0);
  expect(tree.height()).toBeGreaterThanOrEqual(2);
  const beforeDestroy = kernel.counters().lockdepSplats;
  tree.destroy();
  const queued = kernel.slabStats().rcuQueued;
  expect(kernel.rcuBarrier(), 'the destroy went through call_rcu').toBeGreaterThan(0);
  const stats = kernel.slabStats();
  expect(stats.rcuInvoked).toBe(queued);
  return { beforeDestroy, counters: kernel.counters(), live: stats.live, log: kernel.log() };
}

describe('lockdep (rt_lockdep_check)', () => {
  it('a correct RCU-mode run (stores, erases, grace periods, destroy) splats nothing', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { beforeDestroy, counters, log } = await rcuRun(mod);
    expect(beforeDestroy).toBe(0);
    expect(counters.lockdepSplats, `${counters.lockdepAt}\n${log}`).toBe(0);
    expect(counters.lockdepAt).toBe('');
  });

  it("callback-unlocked (the destroy callback's lock_is_held made lockdep_is_held) splats once the callback walks the tree", async ({ skip }) => {
    const mod = module(unlocked, skip);
    const { beforeDestroy, counters, log } = await rcuRun(mod);
    // The mutation is only in the callback's walk: nothing before the destroy.
    expect(beforeDestroy).toBe(0);
    expect(counters.lockdepSplats, log).toBeGreaterThan(0);
    expect(counters.lockdepAt).toMatch(/maple_tree\.c:\d+$/);
    expect(log).toContain('in an RCU callback');
  });
});

/** An RCU-mode tree whose root is a full range_64 node: 120 ranges, 16 leaves under the root. */
async function fullTopTree(mod: WasmModule, ranges = 120) {
  const memory = createKernelMemory();
  const kernel = await KernelInstance.create(mod, memory);
  kernel.exports.km_skip_clobbered_walks(1); // as stress runs do
  const tree = kernel.newTree(MT_FLAGS_USE_RCU);
  for (let i = 0; i < ranges; i++) expect(tree.storeRange(i * 10, i * 10 + 5, entry(i))).toBe(0);
  return { kernel, tree };
}

describe('the destroy walk of the known 6.12 finding (inner/known.c)', () => {
  it('6.12 as shipped: an RCU-mode destroy of a full range_64 top node is counted and not run; nothing is freed wrongly', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { kernel, tree } = await fullTopTree(mod);
    expect(tree.shape().nodes[0].slots.length, 'the root has 16 children').toBe(16);
    tree.destroy();
    expect(() => kernel.rcuBarrier()).not.toThrow();
    expect(kernel.exports.km_clobbered_walks()).toBe(1);
    const stats = kernel.slabStats();
    expect(stats.doubleFrees).toBe(0);
    expect(stats.rcuQueued).toBe(stats.rcuInvoked);
    // The walk that was not run leaks its subtree: the root and its 16 leaves.
    expect(stats.live).toBe(17);
  });

  it('a top node that is not full: the walk runs, nothing is counted, every node is freed', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { kernel, tree } = await fullTopTree(mod, 60);
    tree.destroy();
    kernel.rcuBarrier();
    expect(kernel.exports.km_clobbered_walks()).toBe(0);
    expect(kernel.slabStats().live).toBe(0);
  });

  it('untyped-free-walk (a catalog bug in the same walk) is not taken for it: its destroy goes wrong and nothing is counted', async ({ skip }) => {
    const mod = module(untyped, skip);
    const { kernel, tree } = await fullTopTree(mod, 60);
    tree.destroy();
    let trapped = false;
    try {
      kernel.rcuBarrier();
    } catch {
      trapped = true;
    }
    expect(kernel.exports.km_clobbered_walks()).toBe(0);
    const stats = kernel.slabStats();
    expect(trapped || stats.live !== 0 || stats.doubleFrees > 0, `live ${stats.live}, double frees ${stats.doubleFrees}`).toBe(true);
  });
});

describe('a step after the tree was emptied under the iteration (rt_root_read; the known finding rewalk-null-node)', () => {
  for (const dir of ['find', 'findRev'] as const) {
    it(`${dir}: the next step re-walks to a tree without nodes and goes on with mas->node = NULL: a trap naming it`, async ({ skip }) => {
      const mod = module(shipped, skip);
      const { writer, reader, tree, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
      reader.trackNodes(true);
      const cursor = new KernelReadCursor(reader, readerTree);
      reader.exports.rt_read_lock();
      cursor.set(2400);
      expect(dir === 'find' ? cursor.find(0xffffffff) : cursor.findRev(0)).not.toBe(0);
      tree.destroy();
      let error: unknown = null;
      try {
        if (dir === 'find') cursor.find(0xffffffff);
        else cursor.findRev(0);
      } catch (e) {
        error = e;
      }
      reader.exports.rt_read_unlock();
      expect(isRewalkNullNode(error), String(error)).toBe(true);
      writer.rcuBarrier();
    });
  }

  it('a tree left with nodes: the step goes on normally, no trap', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { writer, reader, tree, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(2400);
    expect(cursor.find(0xffffffff)).not.toBe(0);
    expect(tree.storeRange(2000, 3000, 0)).toBe(0); // the node under the cursor is replaced
    expect(() => cursor.find(0xffffffff)).not.toThrow();
    reader.exports.rt_read_unlock();
    writer.rcuBarrier();
  });
});

describe('walk trace (rt_trace*): what a reader section dereferenced, for reports', () => {
  it('records each step, its dereferences and the ma_state it left; a dead node is marked; a new section starts afresh', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { tree, reader, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const trace = new WalkTrace(reader);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.find(16 * 160)).toBe(entry(150));
    flatten(tree); // the leaf the cursor is on dies: the next step re-walks
    // mas_next re-walks to its save point (2407, now inside [0, 4800]) and goes past it: nothing up to the limit.
    expect(cursor.find(16 * 160)).toBe(0);
    reader.exports.rt_read_unlock();
    const lines = trace.lines();
    const steps = lines.filter((l) => l.startsWith('mas_'));
    expect(steps).toEqual([`mas_find(limit ${16 * 160})`, `mas_next(limit ${16 * 160})`]);
    expect(lines.filter((l) => l.startsWith('  -> node')).length).toBe(2);
    expect(lines.some((l) => l.includes(`offset`) && l.includes(`index ${16 * 150} last ${16 * 150 + 7}`))).toBe(true);
    expect(lines.some((l) => / = 0x[0-9a-f]+$/.test(l)), 'node references read').toBe(true);
    expect(lines.at(-1)).toMatch(/^nodes now: .*dead/);
    reader.exports.rt_read_lock();
    reader.exports.rt_read_unlock();
    expect(trace.lines(), 'reset at the outermost rcu_read_lock').toEqual([]);
  });
});

describe('dead-slot use (rt.c rt_dead_slot_*): a slot read from a dead node that the call went on with', () => {
  /** A cursor on [2400, 2407] in an RCU tree, then every node replaced (the cursor's leaf is dead). */
  async function deadLeaf(mod: WasmModule) {
    const { tree, reader, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.find(16 * 160)).toBe(entry(150));
    flatten(tree);
    return { reader, cursor };
  }

  it("6.12's own step reads the dead leaf, sees it dead and re-walks from the root: not counted", async ({ skip }) => {
    const { reader, cursor } = await deadLeaf(module(shipped, skip));
    const trace = new WalkTrace(reader);
    expect(cursor.find(16 * 160)).toBe(0);
    reader.exports.rt_read_unlock();
    // The leniency is needed here: the step did read a dead node's slot (the trace marks it).
    expect(trace.lines().some((l) => l.includes('dead')), 'the step read the dead leaf').toBe(true);
    expect(reader.readerReport().deadSlotUses).toBe(0);
  });

  it('a call that reads the dead leaf\'s slot and returns without a re-walk: counted once, with the slot', async ({ skip }) => {
    const { reader, cursor } = await deadLeaf(module(shipped, skip));
    expect(reader.exports.km_test_read_slot(cursor.mas, 0) >>> 0, 'the dead leaf still holds the old entry').toBe(entry(150));
    const report = reader.readerReport();
    expect(report.deadSlotUses, 'judged at the call\'s own rcu_read_unlock').toBe(1);
    expect(report.deadSlotValue).toBe(entry(150));
    expect(report.deadSlotAt & ~0xff, 'a slot inside a node').not.toBe(0);
    reader.exports.rt_read_unlock();
    expect(reader.readerReport().deadSlotUses, 'the host\'s outer unlock does not count it again').toBe(1);
  });

  it('the same read followed by a read of the root word (a re-walk): not counted', async ({ skip }) => {
    const { reader, cursor } = await deadLeaf(module(shipped, skip));
    expect(reader.exports.km_test_read_slot(cursor.mas, 1) >>> 0).toBe(entry(150));
    reader.exports.rt_read_unlock();
    expect(reader.readerReport().deadSlotUses).toBe(0);
  });

  it('a live node\'s slot read without a re-walk: not counted', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { reader, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(16 * 150 + 3);
    expect(cursor.find(16 * 160)).toBe(entry(150));
    expect(reader.exports.km_test_read_slot(cursor.mas, 0) >>> 0).toBe(entry(150));
    reader.exports.rt_read_unlock();
    expect(reader.readerReport().deadSlotUses).toBe(0);
  });
});

/** The churn workload's writes on one thread (seeded), with the audit on. */
async function churn(mod: WasmModule, trap: boolean, steps: number) {
  const memory = createKernelMemory();
  const k = await KernelInstance.create(mod, memory);
  const tree = k.newTree(MT_FLAGS_USE_RCU);
  k.expectRcu(true);
  k.exports.km_skip_clobbered_walks(1);
  const log = VersionLog.create(1, 1 << 12);
  log.release(0);
  const audit = new Uint32Array(memory.buffer, k.exports.km_parent_audit_start(tree.address, 1, trap ? 1 : 0), 7);
  const m = createKernelMutator({ kernel: k, tree, log, keyspace: 100_000, nodeLimit: 60_000, rng: new Rng(1, 3), backpressure: false, stopping: () => false });
  const w = createWorkload('churn', 100_000);
  w.setup(m);
  let error: unknown = null;
  try {
    for (let i = 0; i < steps; i++) w.step(m);
  } catch (e) {
    error = e;
  }
  return { k, memory, tree, audit, error };
}

describe('parent-slot audit (inner/parents.c): the window of parent-slot-before-adopt', () => {
  it('6.12 publishes a node whose child names it with a wrong slot, inside mas_spanning_rebalance; every write ends consistent', async ({ skip }) => {
    const mod = module(shipped, skip);
    const counted = await churn(mod, false, 4000);
    expect(counted.error).toBeNull();
    expect(counted.audit[1], 'publications with a wrong slot').toBeGreaterThan(0);
    expect(counted.tree.validate(), 'mt_validate (which checks every parent slot) after the writes').toBe(0);
    const trapped = await churn(mod, true, 4000);
    expect(trapped.error).toBeInstanceOf(KernelTrap);
    expect((trapped.error as KernelTrap).frames).toContain('mas_spanning_rebalance');
  });

  it('off: nothing is audited', async ({ skip }) => {
    const mod = module(shipped, skip);
    const memory = createKernelMemory();
    const k = await KernelInstance.create(mod, memory);
    const tree = k.newTree(MT_FLAGS_USE_RCU);
    const audit = new Uint32Array(memory.buffer, k.exports.km_parent_audit_start(tree.address, 0, 0), 3);
    for (let b = 0; b < BLOCKS; b++) expect(tree.storeRange(b * 16, b * 16 + 7, entry(b))).toBe(0);
    expect([audit[0], audit[1]]).toEqual([0, 0]);
  });
});

describe('the ascent check (inner/conform.c km_ascent_in_flux): a path whose parent word names a holder with a wrong slot', () => {
  it('frozen inside the window (the audit traps the writer there), the path from the child is in flux; in a calm tree no path is', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { k: writer, memory, tree, audit, error: trapped } = await churn(mod, true, 4000);
    expect(trapped, 'the audit found the window and froze the writer in it').toBeInstanceOf(KernelTrap);
    const [child, holder, slotIn, slotNamed] = [audit[3], audit[4], audit[5], audit[6]];
    expect(slotNamed).not.toBe(slotIn);
    const words = new Uint32Array(memory.buffer);
    // The encoded child as its holder's slot has it (range_64: 15 pivots after the parent word).
    const enode = words[(holder + 64 + 4 * slotIn) >>> 2];
    expect(enode & ~0xff).toBe(child);
    expect(writer.exports.km_ascent_check(tree.address, enode), 'the child names its holder with a wrong slot').toBe(1);
    // A calm tree: every node of it, through the holder slots of its root.
    const calm = writer.newTree(MT_FLAGS_USE_RCU);
    for (let b = 0; b < BLOCKS; b++) expect(calm.storeRange(b * 16, b * 16 + 7, entry(b))).toBe(0);
    // ma_root follows the shim's 8-byte spinlock and ma_flags; a root node is encoded with bit 1.
    const root = words[(calm.address + 12) >>> 2];
    expect(root & 3, 'the calm tree has a root node').toBe(2);
    let checked = 0;
    for (let s = 0; s < 16; s++) {
      const c = words[((root & ~0xff) + 64 + 4 * s) >>> 2];
      if (c === 0) break;
      expect(writer.exports.km_ascent_check(calm.address, c)).toBe(0);
      checked++;
    }
    expect(checked, 'children of the calm root checked').toBeGreaterThan(1);
  });
});

describe('a node bound dated to the step (inner/conform.c km_rcu_head_of_read_nodes): pivot-after-dead-check', () => {
  /** A step in an open section reads the root node; then every node dies and goes to call_rcu. */
  async function queuedAfterStep(mod: WasmModule) {
    const { memory, tree, reader, readerTree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    const words = new Uint32Array(memory.buffer);
    const root = words[(tree.address + 12) >>> 2] & ~0xff;
    reader.exports.rt_read_lock();
    const since = reader.exports.km_test_rcu_seq_now();
    cursor.set(16 * 150 + 3);
    expect(cursor.find(16 * 160)).toBe(entry(150));
    flatten(tree); // the root node dies and is queued: its rcu_head now lies over pivots[0], pivots[1]
    const [next, callback] = [words[(root >>> 2) + 1], words[(root >>> 2) + 2]];
    expect(callback, 'the callback word is set').not.toBe(0);
    return { reader, since, next, callback, after: reader.exports.km_test_rcu_seq_now() };
  }

  it("a bound equal to the callback or next word of a node the step read, queued after the step began: dated", async ({ skip }) => {
    const { reader, since, next, callback } = await queuedAfterStep(module(shipped, skip));
    expect(reader.exports.km_test_rcu_head_bound(callback, since)).toBe(1);
    expect(reader.exports.km_test_rcu_head_bound(next, since)).toBe(1);
    reader.exports.rt_read_unlock();
  });

  it('the same node queued before the step began (dead before it: 6.12 checks that), or a bound no head holds: not dated', async ({ skip }) => {
    const { reader, next, callback, after } = await queuedAfterStep(module(shipped, skip));
    expect(reader.exports.km_test_rcu_head_bound(callback, after)).toBe(0);
    expect(reader.exports.km_test_rcu_head_bound(next, after)).toBe(0);
    expect(reader.exports.km_test_rcu_head_bound(16 * 150 + 7, 0), 'a key').toBe(0);
    reader.exports.rt_read_unlock();
  });
});

describe("a cursor's ascent against its own descent (rt.c rt_descent_*): parent-slot-before-adopt seen by the reader itself", () => {
  /** Steps forward from `start` until `stop`, or 64 steps; the index of each step flagged with bit 2. */
  function iterate(reader: KernelInstance, cursor: KernelReadCursor, start: number, limit: number, backward = false): { steps: number; contradicted: number[] } {
    const contradicted: number[] = [];
    let steps = 0;
    reader.exports.rt_read_lock();
    cursor.set(start);
    for (; steps < 400; steps++) {
      const e = backward ? cursor.findRev(limit) : cursor.find(limit);
      if ((cursor.stepFlags & 4) !== 0) contradicted.push(steps);
      if (e === 0) break;
    }
    reader.exports.rt_read_unlock();
    return { steps, contradicted };
  }

  /*
   * The window's state made by hand in a calm tree: a leaf whose parent word names its holder
   * with a wrong slot, as 6.12's children carry between mas_topiary_replace and
   * mas_adopt_children (the audit test above freezes a writer there; in that state the cursor
   * reaches the child's subtree through nodes not yet adopted, so the ascent from the child itself
   * needs a leaf child, which the hand-made state gives at once).
   */
  async function misnamedLeaf(mod: WasmModule, slotIn: number, slotNamed: number) {
    const { memory, reader, readerTree, tree } = await setup(mod, MT_FLAGS_USE_RCU);
    const words = new Uint32Array(memory.buffer);
    // The holder: down slot 0 from the root to the level above the leaves (its range starts at 0).
    let holder = words[(tree.address + 12) >>> 2] & ~0xff;
    for (let level = tree.height(); level > 2; level--) holder = words[(holder + 64) >>> 2] & ~0xff;
    const leaf = words[(holder + 64 + 4 * slotIn) >>> 2] & ~0xff;
    const word = words[leaf >>> 2];
    expect(word & ~0xff, 'the leaf names its holder').toBe(holder);
    expect((word & 0xf8) >>> 3, 'with its slot').toBe(slotIn);
    words[leaf >>> 2] = (word & ~0xf8) | (slotNamed << 3);
    // The leaf's range: the holder's pivots follow its parent word.
    const first = words[(holder + 4 + 4 * (slotIn - 1)) >>> 2] + 1;
    const last = words[(holder + 4 + 4 * slotIn) >>> 2];
    reader.trackNodes(true);
    return { reader, cursor: new KernelReadCursor(reader, readerTree), first, last };
  }

  it('forward: down through slot 2 to a leaf whose word names slot 0, the ascent reads slot 1: flagged at that step', async ({ skip }) => {
    const { reader, cursor, first } = await misnamedLeaf(module(shipped, skip), 2, 0);
    const { contradicted } = iterate(reader, cursor, first, BLOCKS * 16);
    expect(contradicted.length).toBeGreaterThan(0);
    expect(contradicted[0], 'the step that left the leaf, after the descent (not the first)').toBeGreaterThan(0);
  });

  it('backward: down through slot 2 to a leaf whose word names slot 5, the ascent reads slot 4: flagged', async ({ skip }) => {
    const { reader, cursor, last } = await misnamedLeaf(module(shipped, skip), 2, 5);
    const { contradicted } = iterate(reader, cursor, last, 0, true);
    expect(contradicted.length).toBeGreaterThan(0);
    expect(contradicted[0]).toBeGreaterThan(0);
  });

  it('the same leaf named right: not flagged either way', async ({ skip }) => {
    const { reader, cursor, first, last } = await misnamedLeaf(module(shipped, skip), 2, 2);
    expect(iterate(reader, cursor, first, BLOCKS * 16).contradicted).toEqual([]);
    expect(iterate(reader, cursor, last, 0, true).contradicted).toEqual([]);
  });

  it('nodes replaced under the iteration (dead holders, re-walks): not flagged', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { reader, readerTree, tree } = await setup(mod, MT_FLAGS_USE_RCU);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    reader.exports.rt_read_lock();
    cursor.set(0);
    const flagged: number[] = [];
    for (let i = 0; i < 2 * BLOCKS; i++) {
      if (i === 100) flatten(tree); // every node dies under the open section
      if (cursor.find(BLOCKS * 16) === 0) break;
      if ((cursor.stepFlags & 4) !== 0) flagged.push(i);
    }
    reader.exports.rt_read_unlock();
    expect(flagged).toEqual([]);
  });

  it('a calm tree, forward and backward over every entry: never flagged', async ({ skip }) => {
    const mod = module(shipped, skip);
    const { reader, readerTree, tree } = await setup(mod, MT_FLAGS_USE_RCU);
    expect(tree.height()).toBeGreaterThanOrEqual(2);
    reader.trackNodes(true);
    const cursor = new KernelReadCursor(reader, readerTree);
    const forward = iterate(reader, cursor, 0, BLOCKS * 16);
    expect(forward.steps, 'every range visited').toBeGreaterThanOrEqual(BLOCKS - 1);
    expect(forward.contradicted).toEqual([]);
    const backward = iterate(reader, cursor, BLOCKS * 16, 0, true);
    expect(backward.steps).toBeGreaterThanOrEqual(BLOCKS - 1);
    expect(backward.contradicted).toEqual([]);
  });
});
