/**
 * Named scenarios and the seeded script generator: a script is scenario × seed, the same ops for
 * both trees, made without looking at either tree (so a script replays the same on any build).
 * The write patterns follow the stress workloads (src/workers/workloads/): vma, churn, spanning,
 * slot-store and random; the rest aim at one part of the API each.
 */
import { Rng } from '../rng.js';
import { CURSORS, MAX } from './script.js';
import type { Op, Script } from './script.js';

export interface Scenario {
  name: string;
  summary: string;
  /** MT_FLAGS_ALLOC_RANGE: always, never, or chosen per seed. */
  alloc: boolean | 'either';
  /** Ops in one script. */
  scriptOps: number;
  /** The ops (the generator adds nothing else). */
  generate(g: Gen, ops: number): Op[];
}

/** The generator's helpers over one seeded stream. */
export class Gen {
  private token = 0;
  constructor(
    readonly rng: Rng,
    /** Keys are mostly in [0, keyspace). */
    readonly keyspace: number,
  ) {}

  int(n: number): number {
    return this.rng.int(n);
  }
  range(lo: number, hi: number): number {
    return this.rng.range(lo, hi);
  }
  chance(p: number): boolean {
    return this.rng.chance(p);
  }

  /** A fresh entry: 1, 3, 4, 5, 7, ... (never the internal encoding, low bits 10). */
  entry(): number {
    do this.token++;
    while ((this.token & 3) === 2);
    return this.token;
  }

  /** A key: mostly inside the keyspace, now and then at its edges or the top of the index space. */
  key(): number {
    const r = this.int(100);
    if (r < 2) return 0;
    if (r < 4) return Math.min(this.keyspace - 1, MAX);
    if (r < 5) return MAX;
    return this.int(this.keyspace);
  }

  /** A length: short mostly, sometimes long. */
  length(short = 8, long = 300): number {
    return this.chance(0.8) ? this.range(1, short) : this.range(1, long);
  }

  /** [first, last] of a given length, clamped to the index space (and now and then open to MAX). */
  span(len = this.length()): [number, number] {
    const first = this.key();
    const last = this.chance(0.02) ? MAX : Math.min(MAX, first + len - 1);
    return [first, last];
  }

  /** A limit for find/next (max) or findRev/prev (min). */
  max(from: number): number {
    const r = this.int(10);
    return r < 5 ? MAX : r < 7 ? Math.min(MAX, from + this.int(this.keyspace)) : this.key();
  }
  min(from: number): number {
    const r = this.int(10);
    return r < 5 ? 0 : r < 7 ? Math.max(0, from - this.int(this.keyspace)) : this.key();
  }

  store(entry = this.chance(0.15) ? 0 : this.entry(), len?: number): Op {
    const [first, last] = this.span(len);
    return { op: 'store', first, last, entry };
  }
  insert(): Op {
    const [first, last] = this.span();
    return { op: 'insert', first, last, entry: this.entry() };
  }
  read(): Op {
    const index = this.key();
    switch (this.int(5)) {
      case 0:
      case 1:
        return { op: 'load', index };
      case 2:
        return { op: 'walk', index };
      case 3:
        return { op: 'find', index, max: this.max(index) };
      default:
        return { op: 'findRev', index, min: this.min(index) };
    }
  }
  /** A cursor sequence: set, then steps (find/findRev/next/prev/pause) in any order. */
  cursorRun(out: Op[], steps = this.range(1, 8)): void {
    const cursor = this.int(CURSORS);
    if (this.chance(0.7)) out.push({ op: 'cursorSet', cursor, index: this.key() });
    for (let i = 0; i < steps; i++) {
      const r = this.int(9);
      const at = this.key();
      if (r < 3) out.push({ op: 'cursorNext', cursor, max: this.max(at) });
      else if (r < 5) out.push({ op: 'cursorPrev', cursor, min: this.min(at) });
      else if (r < 6) out.push({ op: 'cursorFind', cursor, max: this.max(at) });
      else if (r < 7) out.push({ op: 'cursorFindRev', cursor, min: this.min(at) });
      else out.push({ op: 'cursorPause', cursor });
    }
  }
  /** An empty-area window: [min, max] inside the keyspace or open to MAX, and a size. */
  window(maxSize = 32): { min: number; max: number; size: number } {
    const min = this.chance(0.2) ? 0 : this.key();
    const r = this.int(10);
    const max = r < 3 ? MAX : r < 8 ? Math.min(MAX, min + this.int(this.keyspace)) : this.key();
    const size = this.chance(0.9) ? this.range(1, maxSize) : this.range(1, Math.max(1, Math.min(MAX, this.keyspace)));
    return { min, max, size };
  }
  emptyArea(maxSize?: number): Op {
    const w = this.window(maxSize);
    return { op: this.chance(0.5) ? 'emptyArea' : 'emptyAreaRev', ...w };
  }
  alloc(maxSize?: number, rev = this.chance(0.5)): Op {
    const w = this.window(maxSize);
    return { op: rev ? 'allocRangeRev' : 'allocRange', size: w.size, entry: this.entry(), min: w.min, max: w.max };
  }
  erase(): Op {
    return { op: 'erase', index: this.key() };
  }
}

type Weights = Partial<Record<'store' | 'insert' | 'erase' | 'read' | 'cursor' | 'empty' | 'alloc' | 'entries' | 'validate' | 'rcu' | 'destroy', number>>;

/** Ops drawn from a weighted mix; each draw may add several ops (a cursor run). */
function mix(g: Gen, ops: number, weights: Weights, opts: { maxSize?: number; storeLen?: () => number } = {}): Op[] {
  const entries = Object.entries(weights) as [keyof Weights, number][];
  const total = entries.reduce((s, [, w]) => s + w, 0);
  const out: Op[] = [];
  while (out.length < ops) {
    let pick = g.int(total);
    let kind: keyof Weights = entries[0][0];
    for (const [k, w] of entries) {
      if (pick < w) {
        kind = k;
        break;
      }
      pick -= w;
    }
    switch (kind) {
      case 'store':
        out.push(g.store(undefined, opts.storeLen?.()));
        break;
      case 'insert':
        out.push(g.insert());
        break;
      case 'erase':
        out.push(g.erase());
        break;
      case 'read':
        out.push(g.read());
        break;
      case 'cursor':
        g.cursorRun(out);
        break;
      case 'empty':
        out.push(g.emptyArea(opts.maxSize));
        break;
      case 'alloc':
        out.push(g.alloc(opts.maxSize));
        break;
      case 'entries':
        out.push({ op: 'entries' });
        break;
      case 'validate':
        out.push({ op: 'validate' });
        break;
      case 'rcu':
        out.push({ op: 'setRcu', on: g.chance(0.5) });
        break;
      case 'destroy':
        out.push({ op: 'destroy' });
        break;
    }
  }
  return out.slice(0, ops);
}

const EVERYTHING: Weights = { store: 30, insert: 8, erase: 10, read: 20, cursor: 8, empty: 6, alloc: 6, entries: 3, validate: 1, rcu: 1, destroy: 0.3 };

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'random-small',
    summary: 'every operation over keys 0..300 on a plain tree',
    alloc: false,
    scriptOps: 300,
    generate: (g, ops) => mix(g, ops, { ...EVERYTHING, alloc: 0 }),
  },
  {
    name: 'random-small-alloc',
    summary: 'every operation over keys 0..300 on an alloc-range tree',
    alloc: true,
    scriptOps: 300,
    generate: (g, ops) => mix(g, ops, EVERYTHING),
  },
  {
    name: 'alloc-leaf',
    summary: 'allocRange/allocRangeRev interleaved with stores and erases on small alloc-range trees (one leaf, a few entries)',
    alloc: true,
    scriptOps: 60,
    generate: (g, ops) => mix(g, ops, { store: 20, erase: 15, alloc: 35, empty: 8, read: 8, entries: 12, validate: 2 }, { maxSize: 24, storeLen: () => g.range(1, 12) }),
  },
  {
    name: 'random-large',
    summary: 'every operation over the whole 32-bit index space, ranges up to 2^20 keys, on a plain tree',
    alloc: false,
    scriptOps: 1500,
    generate: (g, ops) => mix(g, ops, { ...EVERYTHING, alloc: 0, entries: 0.3 }, { maxSize: 1 << 16, storeLen: () => g.length(256, 1 << 20) }),
  },
  {
    name: 'random-large-alloc',
    summary: 'every operation over the whole 32-bit index space on an alloc-range tree',
    alloc: true,
    scriptOps: 1500,
    generate: (g, ops) => mix(g, ops, { ...EVERYTHING, entries: 0.3 }, { maxSize: 1 << 16, storeLen: () => g.length(256, 1 << 20) }),
  },
  { name: 'vma', summary: 'an address space in pages: mmap by allocRange(Rev), munmap, mprotect splits, merges, stack growth', alloc: true, scriptOps: 2000, generate: vma },
  { name: 'churn', summary: 'fill [4k, 4k+1] ranges ascending, descending or permuted to height 3-4, drain by erase or destroy', alloc: 'either', scriptOps: 2500, generate: churn },
  { name: 'spanning', summary: 'stores and NULL stores over 100..4096 keys across a populated tree, whole-keyspace writes now and then', alloc: 'either', scriptOps: 1500, generate: spanning },
  { name: 'slot-store', summary: 'a middle range grown one key each side, neighbouring boundaries moved (the kernel\'s RCU slot-store test)', alloc: 'either', scriptOps: 1500, generate: slotStore },
  {
    name: 'cursor',
    summary: 'cursor runs (find, findRev, next, prev, pause) over a populated tree, interleaved with writes',
    alloc: 'either',
    scriptOps: 800,
    generate: (g, ops) => [...fill(g, 150, 2000), ...mix(g, ops - 150, { store: 15, erase: 8, cursor: 40, read: 5, entries: 1 })].slice(0, ops),
  },
  {
    name: 'rcu-destroy',
    summary: 'RCU mode toggled and the tree destroyed (then used again) among every other operation',
    alloc: 'either',
    scriptOps: 600,
    generate: (g, ops) => mix(g, ops, { ...EVERYTHING, rcu: 6, destroy: 3 }),
  },
];

/** Small fresh stores over [0, width): a populated start. */
function fill(g: Gen, count: number, width: number): Op[] {
  const out: Op[] = [];
  for (let i = 0; i < count; i++) {
    const first = g.int(width);
    out.push({ op: 'store', first, last: Math.min(MAX, first + g.range(0, 6)), entry: g.entry() });
  }
  return out;
}

/** Keyspace per scenario (keys mostly below it). */
export const KEYSPACE: Record<string, number> = {
  'random-small': 300,
  'random-small-alloc': 300,
  'alloc-leaf': 300,
  'random-large': MAX + 1,
  'random-large-alloc': MAX + 1,
  vma: 1 << 14,
  churn: 1 << 16,
  spanning: 100_000,
  'slot-store': 100_000,
  cursor: 2000,
  'rcu-destroy': 1000,
};

function vma(g: Gen, ops: number): Op[] {
  const top = g.keyspace - 1;
  const stackFloor = g.keyspace - 256;
  const mmapMin = 16;
  const mmapMax = stackFloor - 2;
  const out: Op[] = [];
  let stackFirst = top + 1;
  while (out.length < ops) {
    const r = g.int(100);
    if (r < 35) {
      const size = g.chance(0.9) ? g.range(1, 16) : g.range(17, 256);
      out.push({ op: g.chance(0.85) ? 'allocRangeRev' : 'allocRange', size, entry: g.entry(), min: mmapMin, max: mmapMax });
    } else if (r < 50) {
      out.push({ op: 'erase', index: g.range(mmapMin, mmapMax) });
    } else if (r < 53) {
      const first = g.range(mmapMin, mmapMax);
      out.push({ op: 'store', first, last: Math.min(mmapMax, first + g.range(32, 1024) - 1), entry: 0 });
    } else if (r < 60) {
      const first = g.range(mmapMin, mmapMax);
      out.push({ op: 'store', first, last: Math.min(mmapMax, first + g.range(0, 4)), entry: g.entry() });
    } else if (r < 64) {
      const first = g.range(mmapMin, mmapMax);
      out.push({ op: 'store', first, last: Math.min(mmapMax, first + g.range(2, 64)), entry: g.entry() });
    } else if (r < 70) {
      if (stackFirst > top || stackFirst <= stackFloor || g.chance(0.02)) stackFirst = top - 3;
      else stackFirst--;
      out.push({ op: 'store', first: stackFirst, last: top, entry: g.entry() });
    } else if (r < 80) {
      out.push(g.chance(0.5) ? { op: 'emptyAreaRev', min: mmapMin, max: mmapMax, size: g.range(1, 64) } : g.read());
    } else if (r < 92) {
      out.push(g.read());
    } else if (r < 97) {
      g.cursorRun(out, g.range(1, 4));
    } else if (r < 99) {
      out.push({ op: 'validate' });
    } else {
      out.push({ op: 'setRcu', on: g.chance(0.7) });
    }
  }
  return out.slice(0, ops);
}

/** An order over [0, n): ascending, descending or an affine permutation. */
function order(g: Gen, n: number): (i: number) => number {
  const r = g.int(3);
  if (r === 0) return (i) => i;
  if (r === 1) return (i) => n - 1 - i;
  let a = g.range(1, n - 1) | 1;
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y));
  while (gcd(a, n) !== 1) a += 2;
  const b = g.int(n);
  return (i) => (a * i + b) % n;
}

function churn(g: Gen, ops: number): Op[] {
  const out: Op[] = [];
  while (out.length < ops) {
    const n = g.range(200, 900);
    const fillOrder = order(g, n);
    for (let i = 0; i < n && out.length < ops; i++) {
      const k = fillOrder(i);
      out.push({ op: 'store', first: 4 * k, last: 4 * k + 1, entry: g.entry() });
      if (g.chance(0.1)) out.push(g.read());
    }
    if (g.chance(0.2)) {
      out.push({ op: 'destroy' });
      continue;
    }
    const drainOrder = order(g, n);
    for (let i = 0; i < n && out.length < ops; i++) {
      out.push({ op: 'erase', index: 4 * drainOrder(i) + g.int(2) });
      if (g.chance(0.1)) out.push(g.read());
      if (g.chance(0.02)) g.cursorRun(out, 3);
    }
    out.push({ op: 'entries' });
  }
  return out.slice(0, ops);
}

function spanning(g: Gen, ops: number): Op[] {
  const last = g.keyspace - 1;
  const out: Op[] = [];
  while (out.length < ops) {
    const r = g.int(1000);
    if (r < 2) {
      out.push({ op: 'store', first: 0, last: g.chance(0.5) ? last : MAX, entry: g.chance(0.5) ? 0 : g.entry() });
    } else if (r < 500) {
      for (let i = 0; i < 4; i++) {
        const first = g.int(g.keyspace);
        out.push({ op: 'store', first, last: Math.min(last, first + g.range(0, 7)), entry: g.entry() });
      }
    } else if (r < 800) {
      const width = g.chance(0.7) ? g.range(100, 600) : g.range(600, 4096);
      const first = g.int(g.keyspace);
      out.push({ op: 'store', first, last: Math.min(last, first + width - 1), entry: g.chance(0.5) ? 0 : g.entry() });
    } else if (r < 950) {
      out.push(g.read());
    } else if (r < 990) {
      g.cursorRun(out, 3);
    } else {
      out.push({ op: 'validate' });
    }
  }
  return out.slice(0, ops);
}

function slotStore(g: Gen, ops: number): Op[] {
  const out: Op[] = [];
  const blockFirst = Math.floor(g.keyspace / 4);
  const blockLast = Math.floor((3 * g.keyspace) / 4);
  const centre = Math.floor((blockFirst + blockLast) / 2);
  const side = Math.floor((centre - blockFirst) / 100);
  const rebuild = (): void => {
    out.push({ op: 'store', first: blockFirst, last: blockLast, entry: g.entry() });
    for (let i = 0; i < 100; i++) {
      out.push({ op: 'store', first: blockFirst + i * side, last: blockFirst + (i + 1) * side - 1, entry: g.entry() });
      out.push({ op: 'store', first: centre + 1 + i * side, last: centre + (i + 1) * side, entry: g.entry() });
    }
  };
  rebuild();
  let start = centre;
  let end = centre;
  const limit = g.range(50, 400);
  let grown = 0;
  while (out.length < ops) {
    if (grown++ >= limit) {
      rebuild();
      start = end = centre;
      grown = 0;
    }
    out.push({ op: 'store', first: --start, last: ++end, entry: g.entry() });
    if (g.chance(0.5)) {
      // Move a boundary between two side ranges by a few keys: one overwritten whole, the next in part.
      const i = g.int(99);
      const base = g.chance(0.5) ? blockFirst : centre + 1;
      const first = base + i * side;
      out.push({ op: 'store', first, last: first + side - 1 + g.range(1, 4), entry: g.entry() });
    }
    if (g.chance(0.3)) out.push({ op: 'load', index: centre + g.range(-side, side) });
    if (g.chance(0.05)) out.push({ op: 'walk', index: start });
    if (g.chance(0.05)) g.cursorRun(out, 3);
    if (g.chance(0.01)) out.push({ op: 'validate' });
  }
  return out.slice(0, ops);
}

export function findScenario(name: string): Scenario | undefined {
  return SCENARIOS.find((s) => s.name === name);
}

/** The script for scenario × seed: the same ops for the same pair, always. */
export function generateScript(scenario: Scenario, seed: number, ops = scenario.scriptOps): Script {
  const rng = new Rng(seed, hashName(scenario.name));
  const g = new Gen(rng, KEYSPACE[scenario.name] ?? 1000);
  const alloc = scenario.alloc === 'either' ? rng.chance(0.5) : scenario.alloc;
  const rcu = rng.chance(0.7);
  return { scenario: scenario.name, seed, alloc, rcu, ops: scenario.generate(g, ops) };
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619);
  return h >>> 0;
}
