/**
 * random: short stores of fresh tokens anywhere in [0, keyspace), NULL stores over short ranges and
 * erases of whole entries. The chance of a removal rises with the number of entries (counted
 * exactly, see EntryCounter), so the tree settles around a target population: about 2000 entries
 * for a keyspace of 100000, a tree of height 3 or more.
 */
import type { Mutator, Workload } from './workload.js';
import { EntryCounter, checkKeyspace, clamp, placeRange, shortLength } from './util.js';

export function randomWorkload(keyspace: number): Workload {
  checkKeyspace('random', keyspace, 64);
  const last = keyspace - 1;
  const counter = new EntryCounter();
  // The steady-state population; also bounded by the slab (set in setup).
  let target = clamp(Math.floor(keyspace / 40), 16, 2000);

  const store = (m: Mutator, entry: number): void => {
    const len = shortLength(m.rng, keyspace);
    const first = placeRange(m.rng, 0, last, len);
    counter.count += counter.delta(m.tree, first, first + len - 1, entry);
    m.store(first, first + len - 1, entry);
  };

  const eraseOne = (m: Mutator): void => {
    const at = m.rng.int(keyspace);
    const r = m.tree.find(at, last) ?? m.tree.find(0, last);
    if (r === null) return store(m, m.nextToken());
    // Any index inside the range erases all of it.
    if (m.erase(r.first + m.rng.int(r.last - r.first + 1)) !== 0) counter.count--;
  };

  return {
    name: 'random',
    allocRange: false,
    setup(m: Mutator): void {
      target = Math.max(16, Math.min(target, m.tree.nodeLimit));
      counter.recount(m.tree, 0, last);
      const fill = Math.floor(target * 0.75);
      for (let i = 0; counter.count < fill && i < fill * 4; i++) store(m, m.nextToken());
    },
    step(m: Mutator): void {
      const pRemove = clamp((0.5 * counter.count) / target, 0.02, 0.95);
      if (!m.rng.chance(pRemove)) return store(m, m.nextToken());
      if (m.rng.chance(0.6)) eraseOne(m);
      else store(m, 0);
    },
  };
}
