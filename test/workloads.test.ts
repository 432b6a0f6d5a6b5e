/**
 * The writer workloads, driven single-threaded against a real MapleTree through a plain Mutator
 * (no version log): each one keeps the tree valid, stays inside its keyspace, uses every token
 * once, and produces the shapes it exists for.
 */
import { describe, expect, it } from 'vitest';
import { MapleTree } from '../src/index.js';
import { Rng } from '../src/harness/rng.js';
import { WORKLOADS } from '../src/harness/types.js';
import type { Mutator, Workload } from '../src/workers/workloads/workload.js';
import {
  churnWorkload,
  createWorkload,
  randomWorkload,
  slotStoreWorkload,
  spanningWorkload,
  vmaWorkload,
  workloads,
} from '../src/workers/workloads/index.js';
import { EntryCounter } from '../src/workers/workloads/util.js';

interface StoreEvent {
  first: number;
  last: number;
  entry: number;
}

/** Applies mutations straight to the tree; `onStore` sees each store before it is applied. */
class TestMutator implements Mutator {
  readonly rng: Rng;
  private token = 16385;
  private readonly used = new Set<number>();
  onStore: ((e: StoreEvent) => void) | null = null;
  stores = 0;
  erases = 0;
  allocs = 0;
  destroys = 0;

  constructor(
    readonly tree: MapleTree,
    readonly keyspace: number,
    seed: number,
  ) {
    this.rng = new Rng(seed, 1);
  }

  nextToken(): number {
    const t = this.token;
    this.token += 2;
    return t;
  }

  store(first: number, last: number, entry: number): void {
    this.checkRange(first, last);
    if (entry !== 0) this.checkFresh(entry);
    this.onStore?.({ first, last, entry });
    this.stores++;
    this.tree.store(first, last, entry);
  }

  erase(index: number): number {
    this.checkRange(index, index);
    this.erases++;
    return this.tree.erase(index);
  }

  allocRange(size: number, min: number, max: number, rev = false): number {
    this.checkRange(min, max);
    const entry = this.nextToken();
    this.checkFresh(entry);
    this.allocs++;
    return rev ? this.tree.allocRangeRev(size, entry, min, max) : this.tree.allocRange(size, entry, min, max);
  }

  destroy(): void {
    this.destroys++;
    this.tree.destroy();
  }

  private checkRange(first: number, last: number): void {
    if (!(first >= 0 && first <= last && last < this.keyspace)) {
      throw new Error(`[${first}, ${last}] is outside the keyspace [0, ${this.keyspace})`);
    }
  }

  private checkFresh(entry: number): void {
    if (this.used.has(entry)) throw new Error(`token ${entry} stored twice`);
    this.used.add(entry);
  }
}

function setupRun(w: Workload, keyspace: number, seed: number): TestMutator {
  const tree = MapleTree.create({ allocRange: w.allocRange });
  const m = new TestMutator(tree, keyspace, seed);
  w.setup(m);
  tree.validate();
  return m;
}

/** Run `steps` steps, validating every `every` steps and at the end; `after` runs after each step. */
function drive(w: Workload, m: TestMutator, steps: number, every: number, after?: (i: number) => void): void {
  for (let i = 1; i <= steps; i++) {
    w.step(m);
    after?.(i);
    if (i % every === 0) m.tree.validate();
  }
  m.tree.validate();
}

describe('workload registry', () => {
  it('has one factory per WorkloadName, each naming itself', () => {
    expect(Object.keys(workloads).sort()).toEqual([...WORKLOADS].sort());
    for (const name of WORKLOADS) {
      const w = createWorkload(name, 100000);
      expect(w.name).toBe(name);
      expect(w.allocRange).toBe(name === 'vma');
    }
  });

  it('rejects an unknown name, listing the valid ones', () => {
    expect(() => createWorkload('mmap-storm', 1000)).toThrow(
      /unknown workload 'mmap-storm'.*random, vma, slot-store, spanning, churn/,
    );
    expect(() => createWorkload('toString', 1000)).toThrow(/unknown workload/);
  });

  it('rejects a keyspace that is not an integer in range', () => {
    for (const name of WORKLOADS) {
      expect(() => createWorkload(name, 10)).toThrow(RangeError);
      expect(() => createWorkload(name, 1000.5)).toThrow(RangeError);
      expect(() => createWorkload(name, 2 ** 32 + 1)).toThrow(RangeError);
    }
  });

  it('is deterministic: the same seed gives the same tree, another seed another one', () => {
    for (const name of WORKLOADS) {
      const run = (seed: number): string => {
        const w = createWorkload(name, 20000);
        const m = setupRun(w, 20000, seed);
        drive(w, m, 400, 400);
        return JSON.stringify({ entries: m.tree.entries(), stores: m.stores, erases: m.erases, allocs: m.allocs, destroys: m.destroys });
      };
      const a = run(7);
      expect(run(7), name).toBe(a);
      // Not trivially equal: the seed drives the workload.
      expect(run(8), name).not.toBe(a);
    }
  });

  it('works at both ends of the keyspace range', () => {
    for (const name of WORKLOADS) {
      for (const keyspace of [256, 2 ** 32]) {
        const w = createWorkload(name, keyspace);
        const m = setupRun(w, keyspace, 11);
        // The mutator throws on a range outside the keyspace and drive() validates; the steps must
        // also have written something for that to mean anything.
        const before = m.stores + m.erases + m.allocs + m.destroys;
        drive(w, m, 300, 100);
        expect(m.stores + m.erases + m.allocs + m.destroys - before, `${name}, keyspace ${keyspace}: writes in 300 steps`).toBeGreaterThanOrEqual(300);
        for (const e of m.tree.entries()) expect(e.last, `${name}, keyspace ${keyspace}`).toBeLessThan(keyspace);
      }
    }
  });
});

describe('EntryCounter', () => {
  it('predicts exactly how a store changes the number of entries', () => {
    const tree = MapleTree.create();
    const rng = new Rng(9);
    const counter = new EntryCounter();
    let token = 16385;
    expect(counter.recount(tree, 0, 999)).toBe(0);
    for (let i = 0; i < 3000; i++) {
      const len = rng.chance(0.1) ? rng.range(1, 200) : rng.range(1, 6);
      const first = rng.int(1000 - len + 1);
      const entry = rng.chance(0.3) ? 0 : (token += 2);
      const before = tree.entries().length;
      const d = counter.delta(tree, first, first + len - 1, entry);
      tree.store(first, first + len - 1, entry);
      expect(tree.entries().length - before).toBe(d);
    }
    expect(counter.covered(tree, 0, 999)).toBe(tree.entries().length);
  });
});

describe('random', () => {
  it('reaches height 3 and holds a steady population', () => {
    const w = randomWorkload(100000);
    const m = setupRun(w, 100000, 1);
    let maxHeight = m.tree.height();
    let nullStores = 0;
    m.onStore = (e) => {
      if (e.entry === 0) nullStores++;
    };
    drive(w, m, 6000, 500, () => {
      maxHeight = Math.max(maxHeight, m.tree.height());
    });
    expect(maxHeight).toBeGreaterThanOrEqual(3);
    expect(m.tree.height()).toBeGreaterThanOrEqual(3);
    expect(nullStores).toBeGreaterThan(100);
    expect(m.erases).toBeGreaterThan(100);
    const n = m.tree.entries().length;
    expect(n).toBeGreaterThan(1000);
    expect(n).toBeLessThan(3000);
  });
});

describe('churn', () => {
  it('grows to height 4, drains to empty, and does it again', () => {
    const w = churnWorkload(100000);
    const m = setupRun(w, 100000, 2);
    let sawHigh = 0;
    let emptiedAfterHigh = 0;
    let emptiedByErase = 0;
    let high = false;
    let destroys = 0;
    const stats = m.tree.writeStats;
    const collapses0 = stats.rootCollapse;
    drive(w, m, 6000, 100, () => {
      const h = m.tree.height();
      if (h >= 4 && !high) {
        high = true;
        sawHigh++;
      }
      if (h === 0 && high) {
        high = false;
        emptiedAfterHigh++;
        if (m.destroys === destroys) emptiedByErase++;
        expect(m.tree.entries()).toEqual([]);
      }
      destroys = m.destroys;
    });
    expect(sawHigh).toBeGreaterThanOrEqual(2);
    expect(emptiedAfterHigh).toBeGreaterThanOrEqual(2);
    expect(emptiedByErase).toBeGreaterThanOrEqual(1);
    expect(w.cycles).toBeGreaterThanOrEqual(2);
    expect(stats.newRoot).toBeGreaterThan(0);
    expect(stats.rootCollapse).toBeGreaterThan(collapses0);
  });

  it('drains by destroy() in some cycles', () => {
    const w = churnWorkload(20000);
    const m = setupRun(w, 20000, 3);
    drive(w, m, 8000, 400);
    expect(w.cycles).toBeGreaterThanOrEqual(5);
    expect(m.destroys).toBeGreaterThan(0);
    expect(m.tree.stats().slab.live).toBeLessThan(m.tree.stats().slab.capacity);
  });
});

describe('slot-store', () => {
  it('keeps the middle range symmetric while it grows, and rebuilds at the limit', () => {
    const keyspace = 20000;
    const w = slotStoreWorkload(keyspace);
    const m = setupRun(w, keyspace, 4);
    const stats = m.tree.writeStats;
    const slot0 = stats.slotStore;
    const node0 = stats.nodeStore;
    const at = Math.floor(w.centre);
    let width = m.tree.walk(at).last - m.tree.walk(at).first;
    let rebuilds = 0;
    let grows = 0;
    expect(w.limit).toBeGreaterThan(1000);
    drive(w, m, w.limit + 500, 500, () => {
      const r = m.tree.walk(at);
      expect(r.entry).not.toBe(0);
      expect(r.first + r.last).toBe(2 * w.centre);
      const wNow = r.last - r.first;
      if (wNow === width + 2) grows++;
      else if (wNow < width) rebuilds++;
      else throw new Error(`middle range went from width ${width} to ${wNow}`);
      width = wNow;
    });
    expect(grows).toBeGreaterThan(w.limit - 10);
    expect(rebuilds).toBe(1);
    expect(stats.slotStore - slot0).toBeGreaterThan(1000);
    expect(stats.nodeStore - node0).toBeGreaterThan(1000);
  });
});

describe('vma', () => {
  it('maps, splits, merges and grows the stack on an allocation tree', () => {
    const keyspace = 100000;
    const w = vmaWorkload(keyspace);
    const m = setupRun(w, keyspace, 5);
    expect(m.tree.isAllocTree).toBe(true);
    let splits = 0;
    let merges = 0;
    let stackGrowth = 0;
    let spanningUnmaps = 0;
    m.onStore = ({ first, last, entry }) => {
      const t = m.tree;
      const r = t.walk(first);
      if (entry !== 0 && r.entry !== 0 && r.first < first && last < r.last) splits++;
      if (entry !== 0 && r.entry !== 0 && r.first === first && r.last < last) {
        const next = t.walk(r.last + 1);
        if (next.entry !== 0 && next.last === last) merges++;
      }
      if (entry !== 0 && r.entry === 0 && r.last === first && first < last) {
        const above = t.walk(first + 1);
        if (above.entry !== 0 && above.first === first + 1 && above.last === last) stackGrowth++;
      }
      if (entry === 0 && t.find(first, last) !== null) {
        const c = t.cursor(first);
        let n = 0;
        while (c.find(last) !== 0) n++;
        if (n >= 2) spanningUnmaps++;
      }
    };
    let maxHeight = 0;
    drive(w, m, 5000, 250, () => {
      maxHeight = Math.max(maxHeight, m.tree.height());
    });
    expect(splits).toBeGreaterThan(0);
    expect(merges).toBeGreaterThan(0);
    expect(stackGrowth).toBeGreaterThan(50);
    expect(spanningUnmaps).toBeGreaterThan(0);
    expect(m.allocs).toBeGreaterThan(500);
    expect(m.erases).toBeGreaterThan(100);
    expect(w.counts.split).toBe(splits);
    expect(w.counts.merge).toBe(merges);
    expect(w.counts.stackGrow).toBe(stackGrowth);
    expect(maxHeight).toBeGreaterThanOrEqual(3);
    // The stack sits at the top of the address space.
    const top = m.tree.walk(keyspace - 1);
    expect(top.entry).not.toBe(0);
    expect(top.last).toBe(keyspace - 1);
  });
});

describe('spanning', () => {
  it('stores and erases across many entries and refills', () => {
    const keyspace = 100000;
    const w = spanningWorkload(keyspace);
    const m = setupRun(w, keyspace, 6);
    const stats = m.tree.writeStats;
    const spanning0 = stats.spanning;
    let wide = 0;
    let wideNull = 0;
    let crossing = 0;
    let small = 0;
    m.onStore = ({ first, last, entry }) => {
      if (last - first + 1 >= 100) {
        wide++;
        if (entry === 0) wideNull++;
        const c = m.tree.cursor(first);
        let n = 0;
        while (c.find(last) !== 0 && n < 10) n++;
        if (n >= 10) crossing++;
      } else {
        small++;
      }
    };
    drive(w, m, 4000, 250);
    expect(wide).toBeGreaterThan(500);
    expect(wideNull).toBeGreaterThan(100);
    expect(crossing).toBeGreaterThan(100);
    expect(small).toBeGreaterThan(2000);
    expect(stats.spanning - spanning0).toBeGreaterThan(100);
    expect(m.tree.entries().length).toBeGreaterThan(500);
  });

  it('overwrites or erases the whole keyspace now and then, then refills', () => {
    const keyspace = 30000;
    const w = spanningWorkload(keyspace);
    const m = setupRun(w, keyspace, 8);
    let wholes = 0;
    m.onStore = ({ first, last }) => {
      if (first === 0 && last === keyspace - 1) wholes++;
    };
    drive(w, m, 12000, 1000);
    expect(wholes).toBeGreaterThan(0);
    expect(m.tree.entries().length).toBeGreaterThan(100);
  });
});
