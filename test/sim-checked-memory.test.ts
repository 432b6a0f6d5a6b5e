/**
 * The simulator's stale-read detector (src/shared-heap/sim-checked-memory.ts), on executions built
 * by hand. Every store carries the generation its node had when the writer made it
 * (SimWorld.storeTag) and every load knows which store it read from; a scripted choice source
 * makes each load of the reader return exactly the store the test names. Each rule of the
 * detector's header is tested both ways:
 *
 * - the dead check reads "dead": what was read is discarded (counted), no violation;
 * - it reads "alive": every data word of the visit must carry the generation of that parent word
 *   (a word written after the node died, or in an earlier or later life, is a violation naming
 *   the node, the generations and how);
 * - no dead check before the reader moves on (or ends its operation): the words must all come from
 *   one live incarnation;
 * - endOp() returns whether the data still unchecked at the end of the operation was tainted.
 *
 * Node N's life, as the tree and the slab make it: generation 1 (live: parent word, data words A
 * and B), death at version 40 (the parent word points at the node itself, made while the
 * generation is still 1; then the generation moves to 2 and the overlay poisons A), free
 * (generation 3), reuse (generation 4: parent word, A and B again).
 */
import { describe, expect, it } from 'vitest';
import { SimWorld } from '../src/shared-heap/simulated-memory.js';
import type { ChoicePurpose, ChoiceSource, SimulatedMemory } from '../src/shared-heap/simulated-memory.js';
import { SimCheckedMemory } from '../src/shared-heap/sim-checked-memory.js';
import { NODE_WORDS } from '../src/shared-heap/slab.js';
import { POISON } from '../src/shared-heap/reclaim.js';

const N = 1;
const M = 2;
const parentOf = (id: number): number => id * NODE_WORDS;
const wordA = (id: number): number => id * NODE_WORDS + 1;
const wordB = (id: number): number => id * NODE_WORDS + 2;
/** A live node's parent word: (parent id << 8) | slot << 2 | root flag; parent 0 is the tree. */
const ALIVE = 0x1;
const dead = (id: number): number => (id << 8) >>> 0;

/**
 * Loads choose whatever `next` says (0: the newest allowed store, Infinity: the oldest allowed);
 * drains take the oldest store. A load with a single allowed store draws no choice.
 */
class Scripted implements ChoiceSource {
  next = 0;
  int(n: number, purpose?: ChoicePurpose): number {
    if (purpose === 'drain') return 0;
    if (this.next === Infinity) return n - 1;
    if (this.next >= n) throw new Error(`scripted choice ${this.next}, but only ${n} stores may be read`);
    return this.next;
  }
}

interface Execution {
  world: SimWorld;
  choice: Scripted;
  writer: SimulatedMemory;
  reader: SimCheckedMemory;
  generations: Int32Array;
  deathStamps: Int32Array;
  /** The timestamps of node N's stores, by life. */
  ts: { p1: number; a1: number; b1: number; dead: number; a2: number; p4: number; a4: number; b4: number; pM: number; aM: number };
}

/** Node N through two lives and a death, node M live throughout; every store straight to memory. */
function execution(): Execution {
  const choice = new Scripted();
  const world = new SimWorld({ words: NODE_WORDS * 4, choice });
  const generations = new Int32Array(4);
  const deathStamps = new Int32Array(4);
  world.storeTag = (addr) => generations[addr >>> 6];
  const writer = world.createThread({ name: 'writer' });
  writer.direct = true;
  // The reader starts with the initial view: any store of the history may be chosen for it.
  const reader = world.register(new SimCheckedMemory(world, world.threads.length, 'reader', deathStamps), { view: 'initial' });
  const store = (addr: number, value: number, version: number): number => {
    world.storeOrigin = version;
    writer.write(addr, value);
    return world.clock;
  };
  generations[N] = 1;
  generations[M] = 1;
  const pM = store(parentOf(M), ALIVE, 1);
  const aM = store(wordA(M), 201, 1);
  const p1 = store(parentOf(N), (M << 8) >>> 0, 1);
  const a1 = store(wordA(N), 101, 1);
  const b1 = store(wordB(N), 102, 1);
  // Death at version 40: marked dead first (still generation 1), then the overlay (generation 2).
  const deadTs = store(parentOf(N), dead(N), 40);
  generations[N] = 2;
  deathStamps[N] = 40;
  const a2 = store(wordA(N), POISON, 40);
  generations[N] = 3; // freed
  generations[N] = 4; // reused
  const p4 = store(parentOf(N), (M << 8) >>> 0, 41);
  const a4 = store(wordA(N), 401, 41);
  const b4 = store(wordB(N), 402, 41);
  return { world, choice, writer, reader, generations, deathStamps, ts: { p1, a1, b1, dead: deadTs, a2, p4, a4, b4, pM, aM } };
}

/** Make the reader's next load of `addr` return the store with timestamp `ts`. */
function choose(x: Execution, addr: number, ts: number): void {
  const newer = x.world.storesAt(addr).filter((s) => s.ts > ts).length;
  x.choice.next = newer;
}

function readFrom(x: Execution, addr: number, ts: number): number {
  choose(x, addr, ts);
  const value = x.reader.read(addr);
  expect(x.reader.lastReadFrom, `read of ${addr} should come from store #${ts}`).toBe(ts);
  return value;
}

function derefFrom(x: Execution, addr: number, ts: number): number {
  choose(x, addr, ts);
  const value = x.reader.deref(addr);
  expect(x.reader.lastReadFrom, `deref of ${addr} should come from store #${ts}`).toBe(ts);
  return value;
}

/** The tree's dead check of node id: its parent-word read; true when it says dead. */
function deadCheck(x: Execution, id: number, ts: number): boolean {
  return readFrom(x, parentOf(id), ts) >>> 8 === id;
}

describe('SimCheckedMemory: the execution the tests are built on', () => {
  it('tags every store with its node\'s generation when it was made, and the reader can be steered to any of them', () => {
    const x = execution();
    const { world, ts } = x;
    expect([ts.p1, ts.a1, ts.b1, ts.dead, ts.a2, ts.p4, ts.a4, ts.b4].map((t) => world.tagAt(t))).toEqual([1, 1, 1, 1, 2, 4, 4, 4]);
    expect([ts.p1, ts.a2, ts.p4].map((t) => world.originAt(t))).toEqual([1, 40, 41]);
    expect(readFrom(x, wordA(N), ts.a1)).toBe(101);
    expect(readFrom(x, wordA(N), ts.a2)).toBe(POISON);
    expect(readFrom(x, wordA(N), ts.a4)).toBe(401);
    // Coherence: once the newest is read, older stores are out of reach (no choice is drawn).
    choose(x, wordA(N), ts.a1);
    expect(x.reader.read(wordA(N))).toBe(401);
    expect(x.reader.lastReadFrom).toBe(ts.a4);
  });
});

describe('SimCheckedMemory: the dead check reads dead', () => {
  it('what the visit read is discarded: counted, no violation, not tainted', () => {
    const x = execution();
    // Words of two incarnations (poison written after the death, B from the first life) ...
    expect(readFrom(x, wordA(N), x.ts.a2)).toBe(POISON);
    readFrom(x, wordB(N), x.ts.b1);
    // ... and the dead check sees the node dead: the tree throws it all away and re-walks.
    expect(deadCheck(x, N, x.ts.dead)).toBe(true);
    expect(x.reader.discarded).toBe(1);
    expect(x.reader.violations).toEqual([]);
    expect(x.reader.endOp()).toBe(false);
  });

  it('a dead check with nothing read since the last one discards nothing', () => {
    const x = execution();
    expect(deadCheck(x, N, x.ts.dead)).toBe(true);
    expect(x.reader.discarded).toBe(0);
    readFrom(x, wordA(N), x.ts.a2);
    expect(deadCheck(x, N, x.ts.dead)).toBe(true);
    expect(deadCheck(x, N, x.ts.dead)).toBe(true);
    expect(x.reader.discarded).toBe(1);
    expect(x.reader.violations).toEqual([]);
  });
});

describe('SimCheckedMemory: the dead check reads alive', () => {
  it('a word written after the node died is a violation naming node, generations and how', () => {
    const x = execution();
    expect(readFrom(x, wordA(N), x.ts.a2)).toBe(POISON);
    // The parent word from before the death (a missing rmb lets the reader see it).
    expect(deadCheck(x, N, x.ts.p1)).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
    const v = x.reader.violations[0];
    expect(v).toMatchObject({ node: N, openedAt: 2, judgedAt: 1, diedAtVersion: 40, how: 'used after its dead check said alive' });
    expect(v.detail).toBe(
      `node ${N}: a word read from store #${x.ts.a2} (writer version 40), written at generation 2, after it died; ` +
        'its parent word read alive, written at live generation 1',
    );
    expect(x.reader.discarded).toBe(0);
    // The check judged the words read before it: the end of the operation has nothing left.
    expect(x.reader.endOp()).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
  });

  it('a word of a later life (the node freed and reused) is a violation', () => {
    const x = execution();
    expect(readFrom(x, wordA(N), x.ts.a4)).toBe(401);
    readFrom(x, wordB(N), x.ts.b1);
    expect(deadCheck(x, N, x.ts.p1)).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
    // The report names the word of the other life (A, generation 4), not B, which matches.
    expect(x.reader.violations[0]).toMatchObject({ node: N, openedAt: 4, judgedAt: 1, diedAtVersion: 40, how: 'used after its dead check said alive' });
    expect(x.reader.violations[0].detail).toContain('its parent word read alive, written at live generation 1');
  });

  it('a word of an earlier life under the parent word of the new one is a violation', () => {
    const x = execution();
    expect(readFrom(x, wordA(N), x.ts.a1)).toBe(101);
    readFrom(x, wordB(N), x.ts.b4);
    expect(deadCheck(x, N, x.ts.p4)).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, openedAt: 1, judgedAt: 4, how: 'used after its dead check said alive' });
    expect(x.reader.violations[0].detail).toContain('written at live generation 1; its parent word read alive, written at live generation 4');
  });

  it('words read after the check said alive must carry the check\'s generation too', () => {
    const x = execution();
    expect(deadCheck(x, N, x.ts.p1)).toBe(false);
    // One live incarnation on its own (generation 4), but not the one the check vouched for.
    readFrom(x, wordA(N), x.ts.a4);
    readFrom(x, wordB(N), x.ts.b4);
    expect(x.reader.violations).toEqual([]);
    expect(x.reader.endOp()).toBe(true);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, openedAt: 4, judgedAt: 1, how: 'used after its dead check said alive' });
  });

  it('words of the incarnation the check read are clean, in either life, before and after the check', () => {
    for (const life of ['first', 'second'] as const) {
      const x = execution();
      const [a, b, p] = life === 'first' ? [x.ts.a1, x.ts.b1, x.ts.p1] : [x.ts.a4, x.ts.b4, x.ts.p4];
      readFrom(x, wordA(N), a);
      expect(deadCheck(x, N, p), life).toBe(false);
      readFrom(x, wordB(N), b);
      expect(deadCheck(x, N, p), life).toBe(false);
      readFrom(x, wordA(N), a);
      expect(x.reader.endOp(), life).toBe(false);
      expect(x.reader.violations, life).toEqual([]);
      expect(x.reader.discarded, life).toBe(0);
    }
  });
});

describe('SimCheckedMemory: no dead check before the reader moves on', () => {
  it('words of two incarnations (one after the death) are a violation when the reader moves to another node', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a2);
    readFrom(x, wordB(N), x.ts.b1);
    expect(x.reader.violations).toEqual([]);
    readFrom(x, wordA(M), x.ts.aM);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, diedAtVersion: 40, how: 'used without a dead check' });
    expect(x.reader.violations[0].detail).toMatch(/written at (generation 2, after it died|live generation 1); other words at (live generation 1|generation 2, after it died)$/);
  });

  it('words of one dead incarnation only are a violation too', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a2);
    readFrom(x, wordA(M), x.ts.aM);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, openedAt: 2, how: 'used without a dead check' });
    expect(x.reader.violations[0].detail).toContain('generation 2, after it died');
  });

  it('an rcu_dereference is a data read: two live incarnations, one of them through deref, are a violation', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a1);
    derefFrom(x, wordB(N), x.ts.b4);
    readFrom(x, wordA(M), x.ts.aM);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, how: 'used without a dead check' });
  });

  it('words of one live incarnation, in either life, are clean', () => {
    for (const life of ['first', 'second'] as const) {
      const x = execution();
      const [a, b] = life === 'first' ? [x.ts.a1, x.ts.b1] : [x.ts.a4, x.ts.b4];
      readFrom(x, wordA(N), a);
      derefFrom(x, wordB(N), b);
      readFrom(x, wordA(M), x.ts.aM);
      expect(deadCheck(x, M, x.ts.pM), life).toBe(false);
      expect(x.reader.endOp(), life).toBe(false);
      expect(x.reader.violations, life).toEqual([]);
    }
  });

  it('reads of the tree header (node 0) do not end a visit', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a2);
    x.choice.next = 0;
    x.reader.read(3);
    x.reader.deref(4);
    // Still node N's visit: its dead check discards the poison read before the header reads.
    expect(deadCheck(x, N, x.ts.dead)).toBe(true);
    expect(x.reader.discarded).toBe(1);
    expect(x.reader.violations).toEqual([]);
  });
});

describe('SimCheckedMemory: endOp()', () => {
  it('returns true when the words still unchecked at the end were tainted, and records why', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a1);
    readFrom(x, wordB(N), x.ts.b4);
    expect(x.reader.endOp()).toBe(true);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, how: 'used without a dead check' });
    // endOp() resets: a second one has nothing to judge.
    expect(x.reader.endOp()).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
  });

  it('returns false for one live incarnation read without a dead check', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a4);
    readFrom(x, wordB(N), x.ts.b4);
    expect(x.reader.endOp()).toBe(false);
    expect(x.reader.violations).toEqual([]);
  });

  it('each operation starts a new visit: the previous operation\'s alive check vouches for nothing', () => {
    const x = execution();
    // Operation 1 reads only the parent word of N, in its first life.
    expect(deadCheck(x, N, x.ts.p1)).toBe(false);
    expect(x.reader.endOp()).toBe(false);
    // Operation 2 reads N's second life (a clean walk of the reused node, no dead check).
    readFrom(x, wordA(N), x.ts.a4);
    readFrom(x, wordB(N), x.ts.b4);
    expect(x.reader.endOp()).toBe(false);
    expect(x.reader.violations).toEqual([]);
  });
});

describe('SimCheckedMemory: tags through the store buffer', () => {
  /**
   * The writer of the reversed message-passing pattern of the dead check, with its stores buffered
   * (not straight to memory): mark dead, wmb, overlay; then the node is freed before anything
   * drains. Each store keeps the generation it was made in.
   */
  function buffered(): { x: Execution; dead: number; overlay: number } {
    const choice = new Scripted();
    const world = new SimWorld({ words: NODE_WORDS * 4, choice });
    const generations = new Int32Array(4);
    const deathStamps = new Int32Array(4);
    world.storeTag = (addr) => generations[addr >>> 6];
    const writer = world.createThread({ name: 'writer' });
    const reader = world.register(new SimCheckedMemory(world, world.threads.length, 'reader', deathStamps), { view: 'initial' });
    generations[N] = 1;
    writer.direct = true;
    writer.write(parentOf(N), ALIVE);
    const p1 = world.clock;
    writer.write(wordA(N), 101);
    const a1 = world.clock;
    writer.direct = false;
    writer.write(parentOf(N), dead(N));
    generations[N] = 2;
    deathStamps[N] = 7;
    writer.wmb();
    writer.write(wordA(N), POISON);
    generations[N] = 3; // freed before the stores drain
    world.drainAll();
    const x: Execution = { world, choice, writer, reader, generations, deathStamps, ts: { p1, a1, b1: 0, dead: 0, a2: 0, p4: 0, a4: 0, b4: 0, pM: 0, aM: 0 } };
    const dead_ = world.newestTimestamp(parentOf(N));
    const overlay = world.newestTimestamp(wordA(N));
    expect(overlay, 'wmb: the overlay drained after the dead mark').toBeGreaterThan(dead_);
    expect(world.tagAt(overlay), 'the overlay keeps the generation it was made in, not the one it drained in').toBe(2);
    return { x, dead: dead_, overlay };
  }

  it('without rmb the reader may see the overlay and the old parent word: caught', () => {
    const { x, overlay } = buffered();
    expect(readFrom(x, wordA(N), overlay)).toBe(POISON);
    expect(deadCheck(x, N, x.ts.p1)).toBe(false);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, openedAt: 2, judgedAt: 1, diedAtVersion: 7 });
    expect(x.reader.violations[0].detail).toContain('generation 2, after it died');
  });

  it('with rmb the dead check must read the dead mark: discarded', () => {
    const { x, overlay, dead: deadTs } = buffered();
    expect(readFrom(x, wordA(N), overlay)).toBe(POISON);
    x.reader.rmb();
    // The view now covers the overlay: even the oldest parent word allowed is the dead mark.
    x.choice.next = Infinity;
    expect(x.reader.read(parentOf(N)) >>> 8).toBe(N);
    expect(x.reader.lastReadFrom).toBe(deadTs);
    expect(x.reader.discarded).toBe(1);
    expect(x.reader.violations).toEqual([]);
  });
});

describe('SimCheckedMemory: a parent word followed by mas_ascend (rcu_dereference)', () => {
  it('is the dead check\'s word, not data: words of one incarnation then the followed parent word are clean', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a4);
    expect(derefFrom(x, parentOf(N), x.ts.p4) >>> 8).toBe(M);
    readFrom(x, wordA(M), x.ts.aM);
    expect(x.reader.endOp()).toBe(false);
    expect(x.reader.violations).toEqual([]);
  });

  it('the other way: data of an earlier life, then the followed parent word of the later one, is a violation', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a1);
    expect(derefFrom(x, parentOf(N), x.ts.p4) >>> 8).toBe(M);
    expect(x.reader.violations).toHaveLength(1);
    expect(x.reader.violations[0]).toMatchObject({ node: N, how: 'used after its dead check said alive' });
  });

  it('reading "dead" through it discards what was read of the node', () => {
    const x = execution();
    readFrom(x, wordA(N), x.ts.a2);
    expect(derefFrom(x, parentOf(N), x.ts.dead) >>> 8).toBe(N);
    expect(x.reader.discarded).toBe(1);
    expect(x.reader.violations).toEqual([]);
  });
});
