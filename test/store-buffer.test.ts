import { describe, expect, it } from 'vitest';
import { Rng } from '../src/harness/rng.js';
import { StoreBuffer } from '../src/shared-heap/store-buffer.js';
import { SimWorld } from '../src/shared-heap/simulated-memory.js';
import type { ChoiceSource } from '../src/shared-heap/simulated-memory.js';

/**
 * Property tests of the simulator's two data structures against naive models: the store buffer
 * (an array of entries, oldest first) and the per-address histories of SimWorld (a list of
 * drained stores per address).
 */

interface Entry {
  addr: number;
  value: number;
  seq: number;
  epoch: number;
}

const WORDS = 8;

/** May entry k of the naive buffer drain now? Oldest epoch only, and no older store to its address. */
function eligible(model: Entry[], k: number): boolean {
  if (model[k].epoch !== model[0].epoch) return false;
  for (let j = 0; j < k; j++) if (model[j].addr === model[k].addr) return false;
  return true;
}

/** Throws (with the seed and step) on the first difference; plain code: expect() in a loop this hot is slow. */
function check(ok: boolean, what: () => string): void {
  if (!ok) throw new Error(what());
}

function checkAgainstModel(buffer: StoreBuffer, model: Entry[], where: string): void {
  check(buffer.size === model.length, () => `${where}: size ${buffer.size}, model ${model.length}`);
  const contents = buffer.contents();
  check(
    contents.length === model.length && contents.every((c, k) => c.addr === model[k].addr && c.value === model[k].value && c.epoch === model[k].epoch),
    () => `${where}: contents ${JSON.stringify(contents)}, model ${JSON.stringify(model)}`,
  );
  const oldest = model.length > 0 ? model[0].seq : Infinity;
  check(buffer.oldestSeq === oldest, () => `${where}: oldestSeq ${buffer.oldestSeq}, model ${oldest}`);
  for (let a = 0; a < WORDS; a++) {
    const i = buffer.newestFor(a);
    let newest: Entry | null = null;
    for (const e of model) if (e.addr === a) newest = e;
    if (newest === null) check(i === -1, () => `${where}: newestFor(${a}) = ${i}, model has none`);
    else {
      const n = newest;
      check(i >= 0 && buffer.value[i] === n.value && buffer.seq[i] === n.seq, () => `${where}: newestFor(${a}) = ${i} (seq ${buffer.seq[i]}), model seq ${n.seq}`);
    }
  }
}

/** The model index of the buffer entry at index i (entries are identified by their seq). */
function modelIndex(buffer: StoreBuffer, model: Entry[], i: number, where: string): number {
  const k = model.findIndex((e) => e.seq === buffer.seq[i] && buffer.addr[i] === e.addr);
  check(k >= 0, () => `${where}: index ${i} (addr ${buffer.addr[i]}, seq ${buffer.seq[i]}) is not a buffered store`);
  return k;
}

describe('StoreBuffer against a naive model', () => {
  it('drains only eligible stores, every eligible one can drain, and contents/newestFor/oldestSeq agree', () => {
    let drains = 0;
    let maxSize = 0;
    let maxEpochs = 0;
    let emptied = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed, 3);
      const buffer = new StoreBuffer(WORDS, (n) => new Uint32Array(n));
      const model: Entry[] = [];
      let seq = 0;
      let epoch = 0;
      // Phases of mostly pushing and mostly draining, so the queue compacts, grows, empties and
      // keeps many epochs (more than the initial 64 epoch starts) at once.
      let pushBias = 0.5;
      for (let step = 0; step < 1200; step++) {
        const where = `seed ${seed} step ${step}`;
        if (step % 100 === 0) pushBias = [0.9, 0.5, 0.1, 0.97][rng.int(4)];
        if (rng.chance(0.15)) {
          // wmb / publish / orderStores: later stores start a new epoch (sometimes with nothing
          // buffered, sometimes twice in a row).
          epoch++;
        } else if (model.length === 0 || rng.chance(pushBias)) {
          const e = { addr: rng.int(WORDS), value: rng.next(), seq: seq++, epoch };
          buffer.push(e.addr, e.value, 0, 0, e.seq, e.epoch);
          model.push(e);
        } else {
          // Every store pick can reach is eligible, and every eligible store is reachable.
          let span = 1;
          buffer.drainable((n) => ((span = n), 0));
          const got = new Set<number>();
          for (let p = 0; p < span; p++) got.add(modelIndex(buffer, model, buffer.drainable(() => p), where));
          const want = new Set<number>();
          for (let k = 0; k < model.length && model[k].epoch === model[0].epoch; k++) if (eligible(model, k)) want.add(k);
          const sorted = (x: Set<number>): string => [...x].sort((a, b) => a - b).join(',');
          check(sorted(got) === sorted(want), () => `${where}: drainable reaches [${sorted(got)}], eligible [${sorted(want)}]`);
          const i = buffer.drainable((n) => rng.int(n));
          const k = modelIndex(buffer, model, i, where);
          buffer.remove(i);
          model.splice(k, 1);
          drains++;
          if (model.length === 0) emptied++;
        }
        checkAgainstModel(buffer, model, where);
        maxSize = Math.max(maxSize, model.length);
        if (model.length > 0) maxEpochs = Math.max(maxEpochs, model[model.length - 1].epoch - model[0].epoch + 1);
      }
    }
    // The runs reached what they are for: growth past the initial 64 entries, more live epochs than
    // the initial 64 epoch starts, many drains and an empty buffer now and then.
    expect(drains).toBeGreaterThan(5000);
    expect(maxSize).toBeGreaterThan(200);
    expect(maxEpochs).toBeGreaterThan(100);
    expect(emptied).toBeGreaterThan(50);
  });
});

/** A choice source the test drives: the next load choice is whatever `next` holds. */
class Scripted implements ChoiceSource {
  next = 0;
  lastN = 0;
  int(n: number): number {
    this.lastN = n;
    return Math.min(this.next, n - 1);
  }
}

describe('SimWorld histories against a naive model', () => {
  it('a load offers exactly the stores from the one current at its lower bound on (at most historyLimit older than the newest), and stays coherent', () => {
    const LIMIT = 5;
    let reads = 0;
    for (let seed = 1; seed <= 30; seed++) {
      const rng = new Rng(seed, 4);
      const choice = new Scripted();
      const world = new SimWorld({ words: WORDS, choice, historyLimit: LIMIT });
      const init = [7, 0, 3, 0, 0, 11, 0, 5];
      init.forEach((v, a) => world.init(a, v));
      // history[a]: drained stores to a, oldest first; timestamp 0 is the initial value.
      const history: Array<Array<{ ts: number; value: number }>> = init.map((v) => [{ ts: 0, value: v }]);
      const writer = world.createThread({ name: 'w' });
      const reader = world.createThread({ name: 'r', view: 'initial' });
      const lastRead = new Array<number>(WORDS).fill(0);
      world.tracer = (_thread, kind, addr, value, ts) => {
        if (kind === 'drain') history[addr].push({ ts, value });
      };
      for (let step = 0; step < 3000; step++) {
        const a = rng.int(WORDS);
        if (rng.chance(0.5)) {
          const value = rng.next();
          writer.write(a, value);
          if (rng.chance(0.3)) writer.wmb();
          while (writer.buffered > 0 && rng.chance(0.7)) {
            const before = world.clock;
            world.drainOne(writer);
            expect(world.clock).toBe(before + 1);
          }
        } else {
          // The allowed values: the store current at lower and every later one, at most LIMIT older than the newest.
          const h = history[a];
          const lower = Math.max(reader.view, lastRead[a]);
          let from = 0;
          for (let k = 0; k < h.length; k++) if (h[k].ts <= lower) from = k;
          from = Math.max(from, h.length - 1 - LIMIT);
          const allowed = h.slice(from);
          const where = `seed ${seed} step ${step} addr ${a}`;
          const offered = world.storesAt(a).slice(-allowed.length);
          check(
            offered.length === allowed.length && offered.every((o, k) => o.ts === allowed[k].ts && o.value === allowed[k].value),
            () => `${where}: storesAt ${JSON.stringify(world.storesAt(a))}, model ${JSON.stringify(allowed)}`,
          );
          choice.lastN = 1;
          choice.next = rng.int(allowed.length + 2);
          const value = reader.read(a);
          // Choice k is the k-th newest allowed store (out-of-range choices clamp to the oldest).
          check(choice.lastN === allowed.length, () => `${where}: ${choice.lastN} choices, model ${allowed.length}`);
          const want = allowed[allowed.length - 1 - Math.min(choice.next, allowed.length - 1)];
          check(value === want.value && reader.lastReadFrom === want.ts, () => `${where}: read ${value} from ${reader.lastReadFrom}, model ${want.value} from ${want.ts}`);
          check(reader.lastReadFrom >= lastRead[a], () => `${where}: read from ${reader.lastReadFrom} after ${lastRead[a]} (coherence)`);
          lastRead[a] = reader.lastReadFrom;
          reads++;
          if (rng.chance(0.1)) reader.rmb();
          check(reader.view <= reader.maxRead, () => `${where}: view ${reader.view} above maxRead ${reader.maxRead}`);
        }
      }
      world.dispose();
    }
    expect(reads).toBeGreaterThan(30_000);
  });
});
