/**
 * RCU with real threads: reader worker threads (test/support/rcu-worker.ts) against a writer on
 * the main thread that frees through the grace-period reclaimer (RcuReclaimer over GracePeriods
 * over RcuState).
 *
 * 1. A reader holding a node sees it dead and overlaid, never overwritten beyond the overlay nor
 *    reused, and no grace period completes until it unlocks; then the node is freed.
 * 2. Grace periods keep ending (synchronize returns) while two readers churn; the slab accounting
 *    is exact after rcu_barrier and the readers saw nothing a reader must never see.
 * 3. A reader parked between operations never delays a grace period (and one parked inside does).
 *
 * No timing assertions: waits have generous timeouts, the machine has two shared cores.
 */
import { describe, it, expect, afterEach } from 'vitest';
import { Worker } from 'node:worker_threads';
import { MapleTree } from '../src/tree/maple-tree.js';
import { HDR_ROOT, META, PIVOTS, deadParent, enodeId, enodeType, isLeafType, isNode, slotCount, slotsAt, MAX_INDEX } from '../src/tree/layout.js';
import { RcuState, GracePeriods } from '../src/shared-heap/rcu.js';
import { RcuReclaimer, POISON, OVERLAY_FIRST } from '../src/shared-heap/reclaim.js';
import { NODE_FREE, NODE_LIVE, NODE_WAITING, NODE_WORDS } from '../src/shared-heap/slab.js';
import {
  SYNC_CMD,
  SYNC_REREADS,
  SYNC_STOP,
  SYNC_WORDS,
  errorsAt,
  nodeProblems,
  opsAt,
} from './support/rcu-worker.js';
import type { RcuWorkerData, RcuWorkerMessage } from './support/rcu-worker.js';
import { workerBoot } from './support/worker-boot.js';

const WAIT_MS = 30_000;
const WORKER_URL = new URL('./support/rcu-worker.ts', import.meta.url);

const WORKER_BOOT = workerBoot(WORKER_URL);

type Kind = RcuWorkerMessage['kind'];
type Msg<K extends Kind> = Extract<RcuWorkerMessage, { kind: K }>;

/** A started worker with its messages queued, so the test can await one kind at a time. */
class ReaderThread {
  readonly worker: Worker;
  private readonly queue: RcuWorkerMessage[] = [];
  private failure: Error | null = null;
  private exited = false;

  get alive(): boolean {
    return !this.exited && this.failure === null;
  }

  /** Throw if the worker crashed or reported an error (so waits fail fast instead of timing out). */
  check(): void {
    const reported = this.queue.find((m) => m.kind === 'error');
    if (reported && reported.kind === 'error') throw new Error(`${this.name} failed: ${reported.message}`);
    if (this.failure) throw new Error(`${this.name} crashed: ${this.failure.message}`);
  }

  constructor(readonly name: string, data: RcuWorkerData) {
    // SharedArrayBuffers travel in workerData (shared, never in a transfer list).
    this.worker = new Worker(WORKER_BOOT, { workerData: data, execArgv: [] });
    this.worker.on('message', (m: RcuWorkerMessage) => this.queue.push(m));
    this.worker.on('error', (e) => (this.failure ??= e));
    this.worker.on('exit', () => (this.exited = true));
  }

  async next<K extends Kind>(kind: K): Promise<Msg<K>> {
    const deadline = Date.now() + WAIT_MS;
    for (;;) {
      const i = this.queue.findIndex((m) => m.kind === kind || m.kind === 'error');
      if (i >= 0) {
        const m = this.queue.splice(i, 1)[0];
        if (m.kind === 'error') throw new Error(`${this.name} failed: ${m.message}`);
        return m as Msg<K>;
      }
      if (this.failure) throw new Error(`${this.name} crashed: ${this.failure.message}`);
      if (this.exited) throw new Error(`${this.name} exited before sending '${kind}'`);
      if (Date.now() > deadline) throw new Error(`${this.name}: no '${kind}' message within ${WAIT_MS} ms`);
      await sleep(5);
    }
  }
}

const running: Array<{ thread: ReaderThread; sync: Int32Array }> = [];

afterEach(async () => {
  const all = running.splice(0);
  for (const { sync } of all) {
    // Release anything still waiting so it can exit on its own, then terminate regardless.
    Atomics.store(sync, SYNC_STOP, 1);
    Atomics.store(sync, SYNC_CMD, 1 << 20);
    Atomics.notify(sync, SYNC_CMD);
  }
  await Promise.all(all.map(({ thread }) => thread.worker.terminate()));
});

function start(name: string, data: Omit<RcuWorkerData, 'rcuWorker'>): ReaderThread {
  const thread = new ReaderThread(name, { ...data, rcuWorker: true });
  running.push({ thread, sync: new Int32Array(data.sync) });
  return thread;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Wait (without blocking the event loop) until cond() holds; fail after a generous timeout. */
async function until(cond: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!cond()) {
    for (const { thread } of running) thread.check();
    if (Date.now() > deadline) throw new Error(`timed out after ${WAIT_MS} ms waiting for ${what}`);
    await sleep(2);
  }
}

function command(sync: Int32Array, value: number): void {
  Atomics.store(sync, SYNC_CMD, value);
  Atomics.notify(sync, SYNC_CMD);
}

interface RcuTree {
  tree: MapleTree;
  rcu: RcuState;
  gp: GracePeriods;
  reclaimer: RcuReclaimer;
}

/** A tree whose dead nodes wait for real grace periods (as src/workers/writer.ts builds it). */
function rcuTree(capacity: number, readers: number): RcuTree {
  const rcu = RcuState.create(readers);
  const gp = rcu.writer();
  let reclaimer: RcuReclaimer | null = null;
  const tree = MapleTree.create(
    { capacity },
    { reclaimer: (p) => (reclaimer = new RcuReclaimer(p.mem, p.slab, gp, p.freeWalk, p.lockdep)) },
  );
  if (reclaimer === null) throw new Error('MapleTree.create did not build the reclaimer');
  return { tree, rcu, gp, reclaimer };
}

/** Entry tokens the readers recognise: odd, low nibble 1. */
function token(n: number): number {
  return ((n << 4) | 1) >>> 0;
}

/** Deterministic LCG (the file is seeded: same writes every run). */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** The leaf holding `key`, found by walking the node words directly (no tree code involved). */
function leafFor(tree: MapleTree, key: number): { id: number; type: number; min: number; max: number; depth: number } {
  const words = new Uint32Array(tree.buffers.nodes);
  let enode = Atomics.load(words, HDR_ROOT);
  let min = 0;
  let max = MAX_INDEX;
  for (let depth = 1; ; depth++) {
    if (!isNode(enode)) throw new Error(`no node on the path to ${key}`);
    const id = enodeId(enode);
    const type = enodeType(enode);
    if (isLeafType(type)) return { id, type, min, max, depth };
    const base = id * NODE_WORDS;
    const end = words[base + META] & 0xff;
    let slot = 0;
    while (slot < end && words[base + PIVOTS + slot] < key) slot++;
    if (slot > 0) min = words[base + PIVOTS + slot - 1] + 1;
    if (slot < end) max = words[base + PIVOTS + slot];
    enode = Atomics.load(words, base + slotsAt(type) + slot);
  }
}

function expectExactAccounting(t: RcuTree, where: string): void {
  const s = t.tree.stats();
  const { live, free, waiting, capacity } = s.slab;
  expect(waiting, `${where}: nothing left waiting`).toBe(0);
  expect(t.reclaimer.waiting, `${where}: reclaimer queue empty`).toBe(0);
  expect(live, `${where}: live === reachable nodes`).toBe(s.nodes);
  expect(live + free, `${where}: live + free === capacity`).toBe(capacity);
  expect(t.tree.slab.badFrees, `${where}: no bad frees`).toBe(0);
}

describe('RCU with real reader threads', () => {
  it('a reader holding a node sees only the dead marker and the overlay change, and blocks its reuse until it unlocks', async () => {
    const t = rcuTree(16384, 2);
    const { tree, gp, rcu, reclaimer } = t;
    const slab = tree.slab;
    for (let i = 0; i < 300; i++) tree.store(i * 10, i * 10 + 5, token(i));
    reclaimer.barrier();
    expect(tree.stats().leaves, 'the tree has several leaves').toBeGreaterThan(4);
    expect(gp.inFlight, 'no grace period running before the reader locks').toBe(false);

    const leaf = leafFor(tree, 1503);
    expect(leaf.depth, 'the chosen node is a leaf below the root').toBeGreaterThan(1);
    const overlayType = ((leaf.type << 8) | slotCount(leaf.type)) >>> 0;
    const sync = new Int32Array(new SharedArrayBuffer(SYNC_WORDS * 4));
    const reader = start('reader 0', {
      mode: 'hold',
      reader: 0,
      rcu: rcu.buffer,
      slab: tree.buffers,
      sync: sync.buffer as SharedArrayBuffer,
      node: leaf.id,
      overlayType,
    });

    const { view: before } = await reader.next('locked');
    const nodes = new Uint32Array(tree.buffers.nodes);
    const base = leaf.id * NODE_WORDS;
    expect(before.words, 'the reader read the live node as it is').toEqual(Array.from(nodes.subarray(base, base + NODE_WORDS)));
    expect(before.generation % 3, 'live generation').toBe(1);
    expect(before.state).toBe(NODE_LIVE);
    expect(before.words[0]).not.toBe(deadParent(leaf.id));

    // Replace the leaf: split the range [1500, 1505] in three (a node store: a new leaf).
    tree.store(1502, 1502, token(5000));
    for (let k = 0; k < 8 && nodes[base] !== deadParent(leaf.id); k++) tree.store(leaf.min, leaf.max, token(5001 + k));
    expect(nodes[base], 'the leaf died: its parent word points to itself').toBe(deadParent(leaf.id));
    expect(leafFor(tree, 1503).id, 'a new leaf holds the range now').not.toBe(leaf.id);
    expect(slab.stateOf(leaf.id)).toBe(NODE_WAITING);
    expect(Atomics.load(slab.generations, leaf.id)).toBe(before.generation + 1);
    expect(nodes[base + OVERLAY_FIRST], 'the overlay is written once the node is dead').toBe(POISON);

    // Let the reader re-read concurrently while the writer keeps storing (each store flushes).
    command(sync, 1);
    await until(() => Atomics.load(sync, SYNC_REREADS) > 0, 'the reader to start re-reading');
    const gpsBefore = rcu.gracePeriods;
    const rand = lcg(0x5eed1);
    let pollsThatEnded = 0;
    let notWaiting = 0;
    let stores = 0;
    let interleaved = 0;
    for (; stores < 2000; stores++) {
      if (slab.free < 256) break; // reclaim() would wait for the held grace period forever
      const first = rand() % 3100;
      const last = first + (rand() % 8);
      tree.store(first, last, rand() % 5 === 0 ? 0 : token(6000 + stores));
      if (stores % 20 === 0) {
        gp.start();
        if (gp.poll()) pollsThatEnded++;
        if (slab.stateOf(leaf.id) !== NODE_WAITING || slab.stats().waiting === 0) notWaiting++;
      }
      if (stores % 100 === 99) {
        // Make the concurrency certain rather than likely: the reader re-reads the node between
        // these stores and the next ones, however the OS schedules the two threads.
        const rereads = Atomics.load(sync, SYNC_REREADS);
        await until(() => Atomics.load(sync, SYNC_REREADS) > rereads, 'the reader to re-read between two batches of stores');
        interleaved++;
      }
    }
    expect(stores, 'the writer kept writing while the reader held the node').toBeGreaterThan(500);
    expect(interleaved, 'batches of stores with re-reads between them').toBe(Math.floor(stores / 100));
    expect(pollsThatEnded, 'gp.poll() ended a grace period while a reader was inside').toBe(0);
    expect(rcu.gracePeriods, 'no grace period completed while the reader was inside').toBe(gpsBefore);
    expect(notWaiting, 'the held node left the waiting state while the reader was inside').toBe(0);
    expect(reclaimer.waiting, 'dead nodes queue up behind the reader').toBeGreaterThan(0);

    command(sync, 2);
    const reread = await reader.next('reread');
    expect(reread.rereads, 'the reader re-read the node between the batches of stores').toBeGreaterThanOrEqual(interleaved);
    expect(reread.problems, 'concurrent re-reads').toEqual([]);
    expect(nodeProblems(leaf.id, before, reread.view, overlayType), 'final re-read').toEqual([]);
    expect(reread.view.words[0]).toBe(deadParent(leaf.id));
    const F = OVERLAY_FIRST;
    expect([F, F + 1, F + 2, F + 4].map((w) => reread.view.words[w])).toEqual([POISON, POISON, POISON, POISON]);
    expect(reread.view.words.slice(F + 5)).toEqual(before.words.slice(F + 5));
    expect(reread.view.words.slice(1, F)).toEqual(before.words.slice(1, F));
    expect(reread.view.generation).toBe(before.generation + 1);
    expect(reread.view.generation % 3, 'dead, not freed').toBe(2);
    expect(reread.view.state).toBe(NODE_WAITING);
    expect(slab.stateOf(leaf.id), 'still waiting until the reader unlocks').toBe(NODE_WAITING);

    command(sync, 3);
    await reader.next('unlocked');
    // Now further writes (each flush polls) end the grace period and free the node.
    let more = 0;
    while (slab.stateOf(leaf.id) === NODE_WAITING && more < 1000) {
      const first = rand() % 3100;
      tree.store(first, first + (rand() % 8), token(9000 + more++));
    }
    const state = slab.stateOf(leaf.id);
    expect(state === NODE_FREE || state === NODE_LIVE, `state after unlock is ${state}`).toBe(true);
    const gen = Atomics.load(slab.generations, leaf.id);
    expect(gen, 'freed (and maybe reused): generation advanced').toBeGreaterThanOrEqual(before.generation + 2);
    expect(gen % 3, 'generation matches the state').toBe(state === NODE_FREE ? 0 : 1);
    expect(rcu.gracePeriods).toBeGreaterThan(gpsBefore);

    reclaimer.barrier();
    tree.validate();
    expectExactAccounting(t, 'after unlock and rcu_barrier');
  });

  it('grace periods end while two readers churn; accounting is exact after rcu_barrier', async () => {
    const t = rcuTree(8192, 2);
    const { tree, gp, rcu, reclaimer } = t;
    const keyspace = 50_000;
    for (let i = 0; i < 400; i++) tree.store(i * 100, i * 100 + 49, token(i));
    reclaimer.barrier();
    const sync = new Int32Array(new SharedArrayBuffer(SYNC_WORDS * 4));
    const readers = [0, 1].map((r) =>
      start(`reader ${r}`, { mode: 'churn', reader: r, rcu: rcu.buffer, slab: tree.buffers, sync: sync.buffer as SharedArrayBuffer, keyspace }),
    );
    await until(() => Atomics.load(sync, opsAt(0)) > 0 && Atomics.load(sync, opsAt(1)) > 0, 'both readers to start');
    const opsAtStart = [0, 1].map((r) => Atomics.load(sync, opsAt(r)));

    const gpsBefore = rcu.gracePeriods;
    const completedBefore = gp.completed;
    const rand = lcg(0xc0ffee);
    let syncs = 0;
    let seen = opsAtStart.slice();
    for (let n = 0; n < 3000; n++) {
      const first = rand() % keyspace;
      const last = Math.min(MAX_INDEX, first + (rand() % 300));
      tree.store(first, last, rand() % 4 === 0 ? 0 : token(1000 + n));
      if (n % 250 === 249) {
        const cookie = gp.cookie();
        gp.synchronize();
        expect(gp.done(cookie), 'synchronize returned before its grace period ended').toBe(true);
        syncs++;
        // The readers churn between every two synchronize calls (waited for, not hoped for: on
        // two shared cores the writer could otherwise finish before a reader is scheduled).
        const since = seen;
        await until(
          () => Atomics.load(sync, opsAt(0)) > since[0] && Atomics.load(sync, opsAt(1)) > since[1],
          `both readers to make progress between synchronize ${syncs} and the next stores`,
        );
        seen = [0, 1].map((r) => Atomics.load(sync, opsAt(r)));
      }
    }
    expect(syncs).toBe(12);
    expect(rcu.gracePeriods - gpsBefore, 'at least one grace period per synchronize').toBeGreaterThanOrEqual(syncs);
    expect(gp.completed - completedBefore).toBeGreaterThanOrEqual(2 * syncs);

    // rcu_barrier with the readers still churning.
    reclaimer.barrier();
    expect(reclaimer.waiting, 'rcu_barrier ran every queued free').toBe(0);
    expect(reclaimer.released, 'dead nodes were freed after grace periods').toBeGreaterThan(0);

    // Readers made progress while the writer ran (liveness, generous timeout, no timing claim).
    await until(
      () => Atomics.load(sync, opsAt(0)) > opsAtStart[0] && Atomics.load(sync, opsAt(1)) > opsAtStart[1],
      'both readers to keep making progress',
    );
    Atomics.store(sync, SYNC_STOP, 1);
    const done = await Promise.all(readers.map((r) => r.next('churned')));
    for (const [r, d] of done.entries()) {
      expect(d.ops, `reader ${r} ops`).toBeGreaterThan(opsAtStart[r]);
      expect(d.errors, `reader ${r} saw nothing a reader must never see`).toEqual([]);
      expect(Atomics.load(sync, errorsAt(r))).toBe(0);
    }

    tree.validate();
    expectExactAccounting(t, 'after the churn and rcu_barrier');
  });

  it('a reader parked outside a read-side section never delays a grace period', async () => {
    const rcu = RcuState.create(2);
    const gp = rcu.writer();
    const sync = new Int32Array(new SharedArrayBuffer(SYNC_WORDS * 4));
    const slabless = MapleTree.create({ capacity: 8 });
    const reader = start('reader 0', { mode: 'park', reader: 0, rcu: rcu.buffer, slab: slabless.buffers, sync: sync.buffer as SharedArrayBuffer });
    const probe = rcu.reader(0);

    // Control: while it sits inside a section, a grace period that starts now cannot end.
    await reader.next('inside');
    expect(probe.inside).toBe(true);
    const gps = rcu.gracePeriods;
    gp.start();
    let ended = 0;
    for (let i = 0; i < 100; i++) {
      if (gp.poll()) ended++;
      await sleep(1);
    }
    expect(ended, 'a grace period ended under a reader inside its section').toBe(0);
    expect(rcu.gracePeriods).toBe(gps);
    const pending = gp.completed + 2;
    expect(gp.done(pending)).toBe(false);

    // Parked between operations (asleep on Atomics.wait, unlocked): grace periods end.
    command(sync, 1);
    await reader.next('parked');
    expect(probe.inside, 'the parked reader is outside any section').toBe(false);
    // The grace period that waited for the reader ends now (polled, so a failure is a timeout
    // here rather than a main thread blocked forever in synchronize).
    await until(() => {
      gp.poll();
      return gp.done(pending);
    }, 'the pending grace period to end once the reader parked outside its section');
    expect(rcu.gracePeriods).toBe(gps + 1);
    for (let i = 0; i < 3; i++) {
      const cookie = gp.cookie();
      gp.synchronize();
      expect(gp.done(cookie)).toBe(true);
    }
    expect(rcu.gracePeriods - gps, 'the pending grace period and three more ended').toBeGreaterThanOrEqual(4);
    expect(reader.alive, 'the reader was still parked (alive, asleep) throughout').toBe(true);
    expect(probe.inside).toBe(false);
  });
});
