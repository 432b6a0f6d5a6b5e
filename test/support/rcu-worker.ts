/**
 * Worker script for test/rcu-threads.test.ts: a real RCU reader thread in one of three modes.
 *
 * - hold: take the read lock, snapshot one node (all 64 words and its generation), then keep
 *   re-reading it while the main thread replaces it and keeps writing; report what changed; unlock
 *   only when told to.
 * - churn: loop lock(); walk a few entries with a cursor; unlock(); until the stop flag, counting
 *   operations and anything a reader must never see (node references, poison, non-monotonic ranges).
 * - park: take the lock and wait (inside a read-side section), then unlock and sleep on
 *   Atomics.wait outside any section until released.
 *
 * Coordination: one shared Int32Array `sync` (see the SYNC_* offsets, each on its own 64-byte line);
 * data goes back to the main thread by postMessage. Loaded by the test with
 * `execArgv: ['--import', 'tsx']`; importing it elsewhere (for the constants) runs nothing.
 */
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import { MapleTree } from '../../src/tree/maple-tree.js';
import { MAX_INDEX, isNode, deadParent } from '../../src/tree/layout.js';
import { RcuState } from '../../src/shared-heap/rcu.js';
import { Slab, NODE_WORDS, NODE_WAITING } from '../../src/shared-heap/slab.js';
import type { SlabBuffers } from '../../src/shared-heap/slab.js';
import { POISON, OVERLAY_FIRST } from '../../src/shared-heap/reclaim.js';

/** Words per padded line of `sync`. */
export const LINE = 16;
/** main -> worker: command counter (hold/park modes), the worker waits on it. */
export const SYNC_CMD = 0;
/** main -> worker: stop flag (churn mode). */
export const SYNC_STOP = LINE;
/** worker -> main, hold mode: concurrent re-reads done so far. */
export const SYNC_REREADS = 2 * LINE;
/** Per-reader lines (churn mode) start here: OPS at +0, ERRORS at +1. */
export const SYNC_READER0 = 3 * LINE;
export const SYNC_WORDS = SYNC_READER0 + 4 * LINE;

export function opsAt(reader: number): number {
  return SYNC_READER0 + reader * LINE;
}
export function errorsAt(reader: number): number {
  return SYNC_READER0 + reader * LINE + 1;
}

export interface RcuWorkerData {
  rcuWorker: true;
  mode: 'hold' | 'churn' | 'park';
  reader: number;
  rcu: SharedArrayBuffer;
  slab: SlabBuffers;
  sync: SharedArrayBuffer;
  /** hold mode: the node to snapshot, and the overlay word it must carry once freed (type << 8 | slots). */
  node?: number;
  overlayType?: number;
  /** churn mode: keys are drawn from [0, keyspace). */
  keyspace?: number;
}

/** What the hold-mode reader saw of its node. */
export interface NodeView {
  words: number[];
  generation: number;
  state: number;
}

export type RcuWorkerMessage =
  | { kind: 'locked'; view: NodeView }
  | {
      kind: 'reread';
      view: NodeView;
      /** Re-reads done while the writer was still writing. */
      rereads: number;
      /** Problems any of those re-reads saw (first few), e.g. a word changed outside the overlay. */
      problems: string[];
    }
  | { kind: 'unlocked' }
  | { kind: 'inside' }
  | { kind: 'parked' }
  | { kind: 'churned'; ops: number; errors: string[]; rewalks: number }
  | { kind: 'error'; message: string };

const WAIT_MS = 30_000;

/** Sleep until sync[at] >= value (generous timeout, then throw: the main thread is gone or stuck). */
function waitAtLeast(sync: Int32Array, at: number, value: number): void {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const seen = Atomics.load(sync, at);
    if (seen >= value) return;
    const left = deadline - Date.now();
    if (left <= 0) throw new Error(`worker timed out waiting for sync[${at}] >= ${value} (saw ${seen})`);
    Atomics.wait(sync, at, seen, Math.min(left, 1000));
  }
}

function readNode(nodes: Uint32Array, slab: Slab, id: number): NodeView {
  const words: number[] = [];
  const base = id * NODE_WORDS;
  for (let i = 0; i < NODE_WORDS; i++) words.push(Atomics.load(nodes, base + i));
  return { words, generation: Atomics.load(slab.generations, id), state: slab.stateOf(id) };
}

/**
 * What a reader still holding a dead node may see: the dead marker in the parent word, the overlay
 * (poison plus type/slot count) in the five words from OVERLAY_FIRST, every other word exactly as it was when the node
 * was live, and one generation bump (dead, not freed), the slab state still waiting.
 */
export function nodeProblems(id: number, before: NodeView, after: NodeView, overlayType: number): string[] {
  const out: string[] = [];
  const hex = (v: number): string => `0x${(v >>> 0).toString(16)}`;
  if (after.words[0] !== deadParent(id)) out.push(`word 0 (parent) is ${hex(after.words[0])}, expected the dead marker ${hex(deadParent(id))}`);
  const F = OVERLAY_FIRST;
  for (const w of [F, F + 1, F + 2, F + 4]) {
    if (after.words[w] !== POISON) out.push(`overlay word ${w} is ${hex(after.words[w])}, expected POISON`);
  }
  if (after.words[F + 3] !== overlayType) out.push(`overlay word ${F + 3} is ${hex(after.words[F + 3])}, expected ${hex(overlayType)}`);
  for (let w = 1; w < NODE_WORDS; w++) {
    if (w >= F && w < F + 5) continue;
    if (after.words[w] !== before.words[w]) {
      out.push(`word ${w} changed outside the overlay: ${hex(before.words[w])} -> ${hex(after.words[w])}`);
    }
  }
  if (after.generation !== before.generation + 1) {
    out.push(`generation ${after.generation}, expected ${before.generation + 1} (dead, not freed)`);
  }
  if (after.state !== NODE_WAITING) out.push(`slab state ${after.state}, expected NODE_WAITING (${NODE_WAITING})`);
  return out;
}

function runHold(data: RcuWorkerData, post: (m: RcuWorkerMessage) => void): void {
  const sync = new Int32Array(data.sync);
  const slab = Slab.attach(data.slab);
  const nodes = new Uint32Array(data.slab.nodes);
  const id = data.node as number;
  const overlayType = data.overlayType as number;
  const reader = RcuState.attach(data.rcu).reader(data.reader);

  reader.lock();
  try {
    const before = readNode(nodes, slab, id);
    post({ kind: 'locked', view: before });
    // Command 1: the node is dead now; keep re-reading it while the writer keeps writing.
    waitAtLeast(sync, SYNC_CMD, 1);
    const problems: string[] = [];
    let rereads = 0;
    while (Atomics.load(sync, SYNC_CMD) < 2) {
      const p = nodeProblems(id, before, readNode(nodes, slab, id), overlayType);
      if (p.length > 0 && problems.length < 8) problems.push(`re-read ${rereads}: ${p.join('; ')}`);
      rereads++;
      Atomics.store(sync, SYNC_REREADS, rereads);
    }
    // Command 2: the writer has stopped; one last look, still inside the section.
    post({ kind: 'reread', view: readNode(nodes, slab, id), rereads, problems });
    waitAtLeast(sync, SYNC_CMD, 3);
  } finally {
    reader.unlock();
  }
  post({ kind: 'unlocked' });
}

function runChurn(data: RcuWorkerData, post: (m: RcuWorkerMessage) => void): void {
  const sync = new Int32Array(data.sync);
  const reader = RcuState.attach(data.rcu).reader(data.reader);
  const tree = MapleTree.attach(data.slab);
  const cursor = tree.cursor();
  const keyspace = data.keyspace ?? MAX_INDEX;
  const errors: string[] = [];
  let errorCount = 0;
  const fail = (what: string): void => {
    errorCount++;
    Atomics.store(sync, errorsAt(data.reader), errorCount);
    if (errors.length < 8) errors.push(what);
  };
  let seed = (0x9e3779b9 * (data.reader + 1)) >>> 0;
  let ops = 0;
  while (Atomics.load(sync, SYNC_STOP) === 0) {
    seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0;
    const start = seed % keyspace;
    reader.lock();
    try {
      cursor.set(start);
      let prevLast = -1;
      let prevEntry = 0;
      for (let k = 0; k < 4; k++) {
        const entry = cursor.find(MAX_INDEX);
        if (entry === 0) break;
        const { index, last } = cursor;
        // Entries stored by the test are odd tokens: (n << 4) | 1.
        if (isNode(entry)) fail(`node reference 0x${entry.toString(16)} returned as an entry at ${index}`);
        else if (entry === POISON) fail(`poison returned as an entry at ${index}`);
        else if ((entry & 15) !== 1) fail(`entry 0x${entry.toString(16)} at ${index} was never stored`);
        if (index > last) fail(`range [${index}, ${last}] is inverted`);
        // Each step moves forward. The cursor steps to the range holding prevLast + 1 (see
        // nextSlot in src/tree/cursor.ts), so under a concurrent store that range may begin at or
        // before prevLast; it must then hold a different entry (every store uses a fresh token and
        // an entry's ranges never overlap each other): the same entry again would be a repeat.
        if (prevLast >= 0 && last <= prevLast) fail(`range [${index}, ${last}] after one ending at ${prevLast}: no progress`);
        if (prevLast >= 0 && index <= prevLast && entry === prevEntry) {
          fail(`entry 0x${entry.toString(16)} repeated: [${index}, ${last}] overlaps the previous range ending at ${prevLast}`);
        }
        if (k === 0 && last < start) fail(`find(${start}) returned [${index}, ${last}], before the start`);
        prevLast = last;
        prevEntry = entry;
        if (last === MAX_INDEX) break;
      }
    } catch (error) {
      fail(`reader threw: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      reader.unlock();
    }
    ops++;
    Atomics.store(sync, opsAt(data.reader), ops);
  }
  post({ kind: 'churned', ops, errors, rewalks: cursor.rewalks });
}

function runPark(data: RcuWorkerData, post: (m: RcuWorkerMessage) => void): void {
  const sync = new Int32Array(data.sync);
  const reader = RcuState.attach(data.rcu).reader(data.reader);
  reader.lock();
  try {
    post({ kind: 'inside' });
    waitAtLeast(sync, SYNC_CMD, 1);
  } finally {
    reader.unlock();
  }
  post({ kind: 'parked' });
  // Parked between operations: asleep, outside any read-side section.
  waitAtLeast(sync, SYNC_CMD, 2);
}

const data = workerData as RcuWorkerData | null;
if (!isMainThread && parentPort && data && data.rcuWorker === true) {
  const port = parentPort;
  const post = (m: RcuWorkerMessage): void => port.postMessage(m);
  try {
    if (data.mode === 'hold') runHold(data, post);
    else if (data.mode === 'churn') runChurn(data, post);
    else runPark(data, post);
  } catch (error) {
    post({ kind: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  }
}
