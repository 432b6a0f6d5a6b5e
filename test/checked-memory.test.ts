/**
 * The stale-read detector, single-threaded: one CheckedMemory plays the reader, a plain view of
 * the same slab plays the writer. A node's words live at id * 64 + k; word id * 64 is its parent
 * word, whose read is the tree's dead check; a dead node's parent word points at itself
 * ((id << 8) >>> 0). The generation word (outside the node) is 1 mod 3 while the node is live.
 */
import { describe, it, expect } from 'vitest';
import { Slab, NODE_WORDS } from '../src/shared-heap/slab.js';
import { CheckedMemory } from '../src/shared-heap/checked-memory.js';

interface World {
  slab: Slab;
  mem: CheckedMemory;
  /** The writer's plain view of the node words. */
  words: Uint32Array;
}

function world(): World {
  const slab = Slab.create(64);
  const mem = new CheckedMemory(slab.buffers.nodes, slab.generations, slab.deathStamps);
  return { slab, mem, words: new Uint32Array(slab.buffers.nodes) };
}

/** Allocate a live node and fill it: parent word pointing at another node, data words k * 11. */
function liveNode(w: World, parent = 0): number {
  const id = w.slab.alloc();
  expect(w.slab.generations[id] % 3, 'a freshly allocated node is live').toBe(1);
  w.words[id * NODE_WORDS] = ((parent << 8) | 0x6) >>> 0;
  for (let k = 1; k < NODE_WORDS; k++) w.words[id * NODE_WORDS + k] = id * 1000 + k * 11;
  return id;
}

/** The writer kills a node the way the tree does: parent word to itself, then the generation. */
function kill(w: World, id: number, version: number): void {
  w.slab.setClock(version);
  w.words[id * NODE_WORDS] = (id << 8) >>> 0;
  w.slab.noteDeath(id);
}

/** The reader reads some data words of a node (plain reads and an rcu_dereference). */
function readData(w: World, id: number): number[] {
  return [w.mem.read(id * NODE_WORDS + 3), w.mem.deref(id * NODE_WORDS + 9), w.mem.read(id * NODE_WORDS + 40)];
}

/** The reader's dead check: the parent-word read; true when it says dead. */
function deadCheck(w: World, id: number): boolean {
  return w.mem.read(id * NODE_WORDS) >>> 8 === id;
}

describe('CheckedMemory: the stale-read detector', () => {
  it('a clean read (no death): no taint, no violation, endOp() is false', () => {
    const w = world();
    const root = liveNode(w);
    const leaf = liveNode(w, root);
    expect(readData(w, root)).toEqual([root * 1000 + 33, root * 1000 + 99, root * 1000 + 440]);
    expect(deadCheck(w, root)).toBe(false);
    expect(readData(w, leaf)).toEqual([leaf * 1000 + 33, leaf * 1000 + 99, leaf * 1000 + 440]);
    expect(deadCheck(w, leaf)).toBe(false);
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toEqual([]);
    expect(w.mem.discarded).toBe(0);
  });

  it('a clean read with no dead check at the end is not tainted either', () => {
    const w = world();
    const a = liveNode(w);
    const b = liveNode(w, a);
    readData(w, a);
    readData(w, b); // moving on from a without a check: a did not die, so nothing to report
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toEqual([]);
  });

  it('the tree header (node 0) is never tracked', () => {
    const w = world();
    const a = liveNode(w);
    w.mem.read(1);
    w.mem.deref(2);
    readData(w, a);
    expect(deadCheck(w, a)).toBe(false);
    w.mem.read(0);
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toEqual([]);
  });

  it('data read, node dies, the dead check sees it dead: counted as discarded, no violation', () => {
    const w = world();
    const a = liveNode(w);
    readData(w, a);
    kill(w, a, 77);
    expect(w.slab.generations[a] % 3).toBe(2);
    expect(deadCheck(w, a), 'the dead check reads the dead value').toBe(true);
    expect(w.mem.discarded).toBe(1);
    expect(w.mem.violations).toEqual([]);
    expect(w.mem.endOp()).toBe(false);
  });

  it('a node that dies after its dead check said alive is not blamed for the earlier read', () => {
    const w = world();
    const a = liveNode(w);
    readData(w, a);
    expect(deadCheck(w, a)).toBe(false);
    kill(w, a, 5);
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toEqual([]);
    expect(w.mem.discarded).toBe(0);
  });

  it('data read, node dies, the dead check still says alive: "used after its dead check said alive"', () => {
    const w = world();
    const a = liveNode(w);
    const opened = w.slab.generations[a];
    readData(w, a);
    // The generation moves but the parent word was not (yet) marked dead.
    w.slab.setClock(40211);
    w.slab.noteDeath(a);
    expect(deadCheck(w, a)).toBe(false);
    expect(w.mem.violations).toEqual([
      { node: a, openedAt: opened, judgedAt: opened + 1, diedAtVersion: 40211, how: 'used after its dead check said alive' },
    ]);
    expect(w.mem.discarded).toBe(0);
    // The check consumed the taint: the end of the operation has nothing more to judge.
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toHaveLength(1);
  });

  it('data first read after the node died, check says alive: a violation too', () => {
    const w = world();
    const a = liveNode(w);
    w.slab.setClock(9);
    w.slab.noteDeath(a);
    const dead = w.slab.generations[a];
    readData(w, a);
    expect(deadCheck(w, a)).toBe(false);
    expect(w.mem.violations).toHaveLength(1);
    expect(w.mem.violations[0]).toMatchObject({ node: a, openedAt: dead, judgedAt: dead, diedAtVersion: 9, how: 'used after its dead check said alive' });
  });

  it('a node freed and reused between read and check (generation live again) is still caught', () => {
    const w = world();
    const a = liveNode(w);
    const opened = w.slab.generations[a];
    readData(w, a);
    kill(w, a, 12);
    w.slab.retire(a);
    w.slab.release(a);
    // The free list hands the same node straight back out, with a live parent word.
    expect(liveNode(w)).toBe(a);
    expect(w.slab.generations[a]).toBe(opened + 3);
    expect(w.slab.generations[a] % 3).toBe(1);
    expect(deadCheck(w, a)).toBe(false);
    expect(w.mem.violations).toHaveLength(1);
    expect(w.mem.violations[0]).toMatchObject({ node: a, openedAt: opened, judgedAt: opened + 3, how: 'used after its dead check said alive' });
  });

  it('data read with no dead check, node dies, endOp(): "used without a dead check"', () => {
    const w = world();
    const a = liveNode(w);
    const opened = w.slab.generations[a];
    readData(w, a);
    kill(w, a, 300);
    expect(w.mem.endOp()).toBe(true);
    expect(w.mem.violations).toEqual([
      { node: a, openedAt: opened, judgedAt: opened + 1, diedAtVersion: 300, how: 'used without a dead check' },
    ]);
    // endOp() resets: a second one has nothing to judge.
    expect(w.mem.endOp()).toBe(false);
  });

  it('moving on to another node without checking a dead one: "used without a dead check"', () => {
    const w = world();
    const a = liveNode(w);
    const b = liveNode(w, a);
    readData(w, a);
    kill(w, a, 4);
    readData(w, b);
    expect(w.mem.violations).toHaveLength(1);
    expect(w.mem.violations[0]).toMatchObject({ node: a, how: 'used without a dead check', diedAtVersion: 4 });
    expect(deadCheck(w, b)).toBe(false);
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toHaveLength(1);
  });

  it('a dead check of a node other than the one being read judges nothing', () => {
    const w = world();
    const a = liveNode(w);
    const b = liveNode(w, a);
    readData(w, a);
    kill(w, b, 6);
    expect(deadCheck(w, b)).toBe(true); // b was never opened: not counted as discarded
    expect(w.mem.discarded).toBe(0);
    kill(w, a, 7);
    expect(w.mem.endOp()).toBe(true);
    expect(w.mem.violations).toHaveLength(1);
    expect(w.mem.violations[0].node).toBe(a);
  });

  it('each operation starts fresh: a node opened in one op is re-opened in the next', () => {
    const w = world();
    const a = liveNode(w);
    readData(w, a);
    expect(w.mem.endOp()).toBe(false);
    kill(w, a, 8);
    // Next operation: the reader (wrongly) reads the dead node, but its check sees it dead.
    readData(w, a);
    expect(deadCheck(w, a)).toBe(true);
    expect(w.mem.discarded).toBe(1);
    expect(w.mem.violations).toEqual([]);
  });

  it('keeps at most eight violation records', () => {
    const w = world();
    const ids = Array.from({ length: 12 }, () => liveNode(w));
    for (const id of ids) {
      readData(w, id);
      w.slab.noteDeath(id);
      expect(deadCheck(w, id)).toBe(false);
    }
    expect(w.mem.violations).toHaveLength(8);
    expect(w.mem.violations.map((v) => v.node)).toEqual(ids.slice(0, 8));
  });

  it('writes and atomics pass straight through, with barrier counts', () => {
    const w = world();
    const a = liveNode(w);
    w.mem.write(a * NODE_WORDS + 5, 123);
    expect(w.words[a * NODE_WORDS + 5]).toBe(123);
    w.mem.publish(a * NODE_WORDS + 6, 456);
    w.mem.storeAtomic(a * NODE_WORDS + 7, 789);
    expect(w.mem.loadAtomic(a * NODE_WORDS + 6)).toBe(456);
    expect(w.words[a * NODE_WORDS + 7]).toBe(789);
    w.mem.wmb();
    w.mem.rmb();
    w.mem.rmb();
    w.mem.mb();
    expect(w.mem.counts).toEqual({ wmb: 1, rmb: 0, mb: 1, publish: 1 });
    // None of these opened the node for judgement.
    kill(w, a, 1);
    expect(w.mem.endOp()).toBe(false);
  });
});

describe('CheckedMemory: parent words followed by mas_ascend (rcu_dereference of the parent word)', () => {
  /** The reader follows a node's parent word, as mas_ascend does. */
  const followParent = (w: World, id: number): number => w.mem.deref(id * NODE_WORDS);

  it('a followed parent word is not node data: the node dying afterwards taints nothing', () => {
    const w = world();
    const top = liveNode(w);
    const mid = liveNode(w, top);
    const leaf = liveNode(w, mid);
    readData(w, leaf);
    expect(deadCheck(w, leaf)).toBe(false);
    // Ascend: follow the leaf's parent word, then the middle node's, then read the top node.
    expect(followParent(w, leaf) >>> 8).toBe(mid);
    expect(followParent(w, mid) >>> 8).toBe(top);
    kill(w, mid, 5);
    readData(w, top);
    expect(deadCheck(w, top)).toBe(false);
    expect(w.mem.endOp()).toBe(false);
    expect(w.mem.violations).toEqual([]);
  });

  it('the other way: data words of the node that died, read and left unchecked, are still a violation', () => {
    const w = world();
    const top = liveNode(w);
    const mid = liveNode(w, top);
    expect(followParent(w, mid) >>> 8).toBe(top);
    w.mem.read(mid * NODE_WORDS + 2); // a pivot of the middle node: data
    kill(w, mid, 5);
    readData(w, top);
    expect(w.mem.violations).toHaveLength(1);
    expect(w.mem.violations[0]).toMatchObject({ node: mid, how: 'used without a dead check' });
  });

  it('after data reads of the same node it is that node\'s dead check: dead discards, alive after a death is a violation', () => {
    const w = world();
    const a = liveNode(w);
    readData(w, a);
    kill(w, a, 6);
    expect(followParent(w, a) >>> 8).toBe(a);
    expect(w.mem.discarded).toBe(1);
    expect(w.mem.violations).toEqual([]);

    const v = world();
    const b = liveNode(v);
    readData(v, b);
    v.slab.noteDeath(b); // the generation moved while the parent word still reads alive
    expect(v.mem.deref(b * NODE_WORDS) >>> 8).not.toBe(b);
    expect(v.mem.violations).toHaveLength(1);
    expect(v.mem.violations[0]).toMatchObject({ node: b, how: 'used after its dead check said alive' });
  });
});
