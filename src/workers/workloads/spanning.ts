/**
 * spanning: writes that cross many nodes over a populated tree. Stores of a fresh token and NULL
 * stores over 100 to 4096 keys replace whole runs of leaves (the writer's spanning store); bursts of
 * small stores refill the tree; now and then the whole keyspace is overwritten with one token or
 * erased, and the following steps refill it eight small stores at a time.
 */
import type { Mutator, Workload } from './workload.js';
import { EntryCounter, checkKeyspace, clamp, placeRange } from './util.js';

/** Chance per step of a whole-keyspace overwrite or erase. */
const WHOLE_CHANCE = 1 / 3000;

export function spanningWorkload(keyspace: number): Workload {
  checkKeyspace('spanning', keyspace, 64);
  const last = keyspace - 1;
  const counter = new EntryCounter();
  let target = clamp(Math.floor(keyspace / 50), 16, 2000);
  const spanMin = Math.min(100, keyspace);
  const spanMid = Math.min(600, keyspace);
  const spanMax = Math.min(4096, keyspace);
  /** After a whole-keyspace write: refill before spanning again. */
  let refilling = false;
  let refillSteps = 0;

  const small = (m: Mutator): void => {
    const len = m.rng.range(1, 8);
    const first = placeRange(m.rng, 0, last, len);
    const entry = m.nextToken();
    counter.count += counter.delta(m.tree, first, first + len - 1, entry);
    m.store(first, first + len - 1, entry);
  };

  const burst = (m: Mutator, n: number): void => {
    for (let i = 0; i < n; i++) small(m);
  };

  const span = (m: Mutator): void => {
    const len = m.rng.chance(0.7) ? m.rng.range(spanMin, spanMid) : m.rng.range(spanMid, spanMax);
    const first = placeRange(m.rng, 0, last, len);
    const entry = m.rng.chance(0.6) ? m.nextToken() : 0;
    counter.count += counter.delta(m.tree, first, first + len - 1, entry);
    m.store(first, first + len - 1, entry);
  };

  const whole = (m: Mutator): void => {
    const entry = m.rng.chance(0.5) ? m.nextToken() : 0;
    m.store(0, last, entry);
    counter.count = entry !== 0 ? 1 : 0;
    refilling = true;
    refillSteps = 0;
  };

  return {
    name: 'spanning',
    allocRange: false,
    setup(m: Mutator): void {
      target = Math.max(16, Math.min(target, m.tree.nodeLimit));
      counter.recount(m.tree, 0, last);
      for (let i = 0; counter.count < target && i < target * 4; i++) small(m);
    },
    step(m: Mutator): void {
      if (refilling) {
        burst(m, 8);
        // The step bound only matters if small stores cannot reach the target (they always can).
        if (counter.count >= target * 0.8 || ++refillSteps >= target) refilling = false;
        return;
      }
      if (m.rng.chance(WHOLE_CHANCE)) return whole(m);
      const pSpan = counter.count < target ? 0.3 : 0.7;
      if (m.rng.chance(pSpan)) span(m);
      else burst(m, 4);
    },
  };
}
