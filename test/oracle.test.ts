/**
 * The result oracle and its reference model, on synthetic histories (no tree, no threads).
 *
 * A history is a list of stores logged through a real VersionLog exactly as the writer logs them
 * (begin, then complete); version v is the tree after the v-th store, version 0 the empty tree.
 * Observations are then judged against version windows [vs, ve]: walks must match some version of
 * the window (or, with writes in the window, the torn bounds that in-place slot stores explain); iteration steps and
 * empty-area searches follow the RCU-iteration rules (real at some version, nothing stable skipped).
 */
import { describe, it, expect } from 'vitest';
import fc from 'fast-check';
import { VersionLog } from '../src/harness/version-log.js';
import { ResultOracle } from '../src/harness/oracle/result-oracle.js';
import type { OracleVerdict } from '../src/harness/oracle/result-oracle.js';
import { RangeMap, MAX_INDEX } from '../src/harness/oracle/range-map.js';
import type { FoundRange } from '../src/harness/oracle/range-map.js';

type Store = [first: number, last: number, entry: number];

/** Log every store as the writer does: begin (started) then complete. */
function history(stores: Store[]): VersionLog {
  const log = VersionLog.create(1, 1024);
  stores.forEach(([first, last, entry], i) => {
    const v = log.begin(first, last, entry, false, () => false);
    expect(v).toBe(i + 1);
    log.complete(v);
  });
  expect(log.started).toBe(stores.length);
  expect(log.completed).toBe(stores.length);
  return log;
}

function oracle(log: VersionLog): ResultOracle {
  return new ResultOracle(log, 0);
}

function rejected(verdict: OracleVerdict | null, window: [number, number]): OracleVerdict {
  expect(verdict, 'the oracle should reject this observation').not.toBeNull();
  const v = verdict as OracleVerdict;
  expect(v.window).toEqual(window);
  expect(v.expected.length).toBeGreaterThan(0);
  return v;
}

/**
 * The main history. Contents by version:
 *   v1: 101 [10,19]
 *   v2: 101 [10,19], 102 [30,39]
 *   v3: 101 [10,19], 102 [30,39], 103 [50,59]
 *   v4: 101 [10,19], 104 [30,39], 103 [50,59]            (104 overwrites 102)
 *   v5: 101 [10,14], 105 [15,25], 104 [30,39], 103 [50,59]
 *   v6: 101 [10,14], 105 [15,25], 104 [30,39]            (103 erased)
 *   v7: 101 [10,14], 105 [15,25], 104 [30,39], 106 [40,45]
 */
const MAIN: Store[] = [
  [10, 19, 101],
  [30, 39, 102],
  [50, 59, 103],
  [30, 39, 104],
  [15, 25, 105],
  [50, 59, 0],
  [40, 45, 106],
];

describe('ResultOracle: walk', () => {
  const log = history(MAIN);

  it('accepts the exact content at vs', () => {
    expect(oracle(log).walk(35, 102, 30, 39, 2, 2)).toBeNull();
    expect(oracle(log).walk(12, 101, 10, 19, 1, 1)).toBeNull();
    expect(oracle(log).walk(12, 101, 10, 14, 5, 5)).toBeNull();
  });

  it('accepts a result that only a later version inside the window gives', () => {
    expect(oracle(log).walk(35, 104, 30, 39, 2, 5)).toBeNull();
    expect(oracle(log).walk(12, 101, 10, 14, 3, 5)).toBeNull();
    // ...but not when the window ends before that version was started.
    rejected(oracle(log).walk(35, 104, 30, 39, 2, 3), [2, 3]);
  });

  it('rejects a stale entry (from before vs) and lists what each version gives', () => {
    const v = rejected(oracle(log).walk(35, 102, 30, 39, 4, 5), [4, 5]);
    expect(v.expected).toEqual(['v4: 104 over [30, 39]', 'v5: 104 over [30, 39]']);
    // A stale range of a still-present entry is a super-range: rejected as well.
    rejected(oracle(log).walk(12, 101, 10, 19, 5, 7), [5, 7]);
  });

  it('rejects the right entry over a wrong range', () => {
    rejected(oracle(log).walk(35, 102, 30, 40, 2, 2), [2, 2]);
    rejected(oracle(log).walk(35, 102, 29, 39, 2, 2), [2, 2]);
    rejected(oracle(log).walk(35, 102, 31, 39, 2, 2), [2, 2]);
  });

  it('no sub-range is accepted just because the window holds a write: only moved boundaries count', () => {
    // 104 spans [30, 39] at v4 and v5; no boundary ever stood at 31/32 or 37/38, and v5 wrote
    // elsewhere ([15, 25]), so [32, 37] is no view a reader could have had.
    rejected(oracle(log).walk(35, 104, 32, 37, 4, 5), [4, 5]);
    rejected(oracle(log).walk(35, 104, 35, 35, 4, 5), [4, 5]);
    rejected(oracle(log).walk(35, 104, 32, 37, 4, 4), [4, 4]);
  });

  it('the leniency never covers a sub-range missing the index, a reversed range or a super-range', () => {
    rejected(oracle(log).walk(35, 104, 36, 39, 4, 5), [4, 5]);
    rejected(oracle(log).walk(35, 104, 30, 34, 4, 5), [4, 5]);
    rejected(oracle(log).walk(35, 104, 37, 33, 4, 5), [4, 5]);
    rejected(oracle(log).walk(35, 104, 29, 39, 4, 5), [4, 5]);
  });

  it('NULL ranges: the gap around the index, up to MAX_INDEX at the end', () => {
    expect(oracle(log).walk(5, 0, 0, MAX_INDEX, 0, 0)).toBeNull();
    expect(oracle(log).walk(5, 0, 0, 9, 1, 1)).toBeNull();
    expect(oracle(log).walk(1000, 0, 20, MAX_INDEX, 1, 1)).toBeNull();
    expect(oracle(log).walk(MAX_INDEX, 0, 60, MAX_INDEX, 3, 3)).toBeNull();
    expect(oracle(log).walk(45, 0, 40, 49, 5, 5)).toBeNull();
    // After the erase of v6 the gap reaches the end of the keyspace.
    expect(oracle(log).walk(45, 0, 40, MAX_INDEX, 6, 6)).toBeNull();
    expect(oracle(log).walk(45, 0, 40, MAX_INDEX, 5, 6)).toBeNull();
    const v = rejected(oracle(log).walk(45, 0, 40, MAX_INDEX, 5, 5), [5, 5]);
    expect(v.expected).toEqual(['v5: NULL over [40, 49]']);
    rejected(oracle(log).walk(5, 0, 0, MAX_INDEX, 1, 1), [1, 1]);
  });

  it('rejects NULL where an entry was stable, and an entry where it was NULL', () => {
    rejected(oracle(log).walk(12, 0, 12, 12, 1, 7), [1, 7]);
    rejected(oracle(log).walk(5, 101, 10, 19, 1, 7), [1, 7]);
  });

  it('rejects an entry token that never existed', () => {
    rejected(oracle(log).walk(35, 999, 30, 39, 0, 7), [0, 7]);
  });

  it('one oracle judges a sequence of windows; failed tries roll back exactly', () => {
    const o = oracle(log);
    rejected(o.walk(35, 999, 30, 39, 2, 7), [2, 7]); // tried (and undid) v3..v7
    expect(o.replayed).toBe(2);
    expect(o.model.entries()).toEqual([
      { entry: 101, first: 10, last: 19 },
      { entry: 102, first: 30, last: 39 },
    ]);
    expect(o.walk(35, 102, 30, 39, 2, 2)).toBeNull();
    expect(o.walk(55, 103, 50, 59, 3, 3)).toBeNull();
    expect(o.walk(35, 104, 30, 39, 3, 6)).toBeNull();
    expect(o.replayed).toBe(3);
    rejected(o.walk(35, 102, 30, 39, 4, 4), [4, 4]);
    expect(o.replayed).toBe(4);
  });
});

describe('ResultOracle: find (one forward iteration step)', () => {
  const log = history(MAIN);

  it('accepts the first entry at or after the start', () => {
    expect(oracle(log).find(0, 100, 101, 10, 19, 3, 3)).toBeNull();
    expect(oracle(log).find(15, 100, 101, 10, 19, 3, 3)).toBeNull();
    expect(oracle(log).find(20, 100, 102, 30, 39, 3, 3)).toBeNull();
    expect(oracle(log).find(40, 55, 103, 50, 59, 3, 3)).toBeNull();
  });

  it('rejects skipping an entry that was stable through the window', () => {
    rejected(oracle(log).find(0, 100, 102, 30, 39, 3, 3), [3, 3]);
    // v5 overwrites only [15, 19] of 101: [10, 14] stays stable, so skipping 101 is still wrong.
    rejected(oracle(log).find(0, 100, 104, 30, 39, 3, 6), [3, 6]);
  });

  it('accepts skipping an entry that a store of the window overwrote', () => {
    // 102 [30, 39] is overwritten by v4; 103 [50, 59] was there at v3.
    expect(oracle(log).find(20, 100, 103, 50, 59, 3, 4)).toBeNull();
    rejected(oracle(log).find(20, 100, 103, 50, 59, 3, 3), [3, 3]);
    // Skipping 101 entirely once v5 has covered [15, 19] as well as [10, 14]? Not covered: rejected.
    rejected(oracle(log).find(15, 100, 104, 30, 39, 4, 4), [4, 4]);
  });

  it('rejects an entry that never existed, or an entry over a range it never held', () => {
    rejected(oracle(log).find(0, 100, 999, 10, 19, 3, 6), [3, 6]);
    // 101 never spanned [10, 25].
    rejected(oracle(log).find(0, 100, 101, 10, 25, 3, 6), [3, 6]);
    // A stale result: 102 was gone before vs.
    rejected(oracle(log).find(20, 100, 102, 30, 39, 4, 6), [4, 6]);
  });

  it('nothing: rejected when something stable was there, accepted when it was not', () => {
    rejected(oracle(log).find(0, 100, 0, 0, 0, 3, 6), [3, 6]);
    const v = rejected(oracle(log).find(40, 100, 0, 0, 0, 3, 3), [3, 3]);
    expect(v.expected).toEqual(['v3: 103 over [50, 59]']);
    expect(oracle(log).find(60, 100, 0, 0, 0, 3, 3)).toBeNull();
    expect(oracle(log).find(40, 49, 0, 0, 0, 3, 3)).toBeNull();
    // 103 was erased by v6 inside the window: returning nothing is allowed.
    expect(oracle(log).find(45, 100, 0, 0, 0, 5, 6)).toBeNull();
  });

  it('an entry stored during the window may be returned', () => {
    // 106 [40, 45] appears at v7; at v6 nothing is at or after 40.
    expect(oracle(log).find(40, 100, 106, 40, 45, 6, 7)).toBeNull();
    expect(oracle(log).find(40, 100, 0, 0, 0, 6, 7)).toBeNull();
    rejected(oracle(log).find(40, 100, 106, 40, 45, 6, 6), [6, 6]);
  });
});

describe('ResultOracle: findRev (one backward iteration step)', () => {
  const log = history(MAIN);

  it('accepts the last entry at or before the start', () => {
    expect(oracle(log).findRev(100, 0, 103, 50, 59, 3, 3)).toBeNull();
    expect(oracle(log).findRev(45, 0, 102, 30, 39, 3, 3)).toBeNull();
    expect(oracle(log).findRev(35, 0, 102, 30, 39, 3, 3)).toBeNull();
  });

  it('rejects skipping an entry that was stable through the window', () => {
    rejected(oracle(log).findRev(100, 0, 102, 30, 39, 3, 3), [3, 3]);
    rejected(oracle(log).findRev(100, 0, 101, 10, 19, 3, 5), [3, 5]);
  });

  it('accepts skipping an entry that a store of the window overwrote', () => {
    expect(oracle(log).findRev(45, 0, 101, 10, 19, 3, 4)).toBeNull();
    rejected(oracle(log).findRev(45, 0, 101, 10, 19, 3, 3), [3, 3]);
    // 103 is erased by v6: the step may return 104 from v5.
    expect(oracle(log).findRev(100, 0, 104, 30, 39, 5, 6)).toBeNull();
  });

  it('rejects an entry that never existed', () => {
    rejected(oracle(log).findRev(100, 0, 777, 50, 59, 3, 6), [3, 6]);
  });

  it('nothing: rejected when something stable was there, accepted when it was not', () => {
    rejected(oracle(log).findRev(100, 0, 0, 0, 0, 3, 6), [3, 6]);
    expect(oracle(log).findRev(9, 0, 0, 0, 0, 3, 3)).toBeNull();
    expect(oracle(log).findRev(49, 40, 0, 0, 0, 3, 3)).toBeNull();
    expect(oracle(log).findRev(59, 50, 0, 0, 0, 5, 6)).toBeNull();
    rejected(oracle(log).findRev(59, 50, 0, 0, 0, 5, 5), [5, 5]);
  });
});

describe('ResultOracle: emptyArea', () => {
  // At v3 the free windows are [0, 9], [20, 29], [40, 49] and [60, MAX].
  const log = history(MAIN);

  it('accepts the lowest free window', () => {
    expect(oracle(log).emptyArea(0, 100, 10, false, 0, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(5, 100, 10, false, 20, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(5, 100, 11, false, 60, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(10, 19, 1, false, -1, 3, 3)).toBeNull();
    rejected(oracle(log).emptyArea(5, 100, 10, false, 21, 3, 3), [3, 3]);
  });

  it('accepts the highest free window with rev', () => {
    expect(oracle(log).emptyArea(0, 59, 10, true, 40, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(0, 100, 10, true, 91, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(0, 28, 10, true, 0, 3, 3)).toBeNull();
    rejected(oracle(log).emptyArea(0, 100, 10, true, 90, 3, 3), [3, 3]);
  });

  it('rejects skipping a window that was free and untouched through the window', () => {
    // [20, 29] is free at v3 and v4 writes only [30, 39].
    rejected(oracle(log).emptyArea(5, 100, 10, false, 40, 3, 4), [3, 4]);
    // Reverse: [40, 49] is stable, so returning 20 skipped it.
    rejected(oracle(log).emptyArea(0, 59, 10, true, 20, 3, 4), [3, 4]);
  });

  it('accepts skipping a window a store of the window wrote into', () => {
    // v5 stores 105 over [15, 25], into the free window [20, 29].
    expect(oracle(log).emptyArea(5, 100, 10, false, 40, 3, 5)).toBeNull();
  });

  it('rejects a result window that was never free', () => {
    rejected(oracle(log).emptyArea(10, 100, 5, false, 12, 3, 6), [3, 6]);
    rejected(oracle(log).emptyArea(0, 59, 5, true, 52, 3, 5), [3, 5]);
  });

  it('-1: rejected when a window was free throughout, accepted when the window was filled', () => {
    rejected(oracle(log).emptyArea(0, 100, 10, false, -1, 3, 6), [3, 6]);
    rejected(oracle(log).emptyArea(0, 100, 10, true, -1, 3, 6), [3, 6]);
    // [40, 49] is free at v6 and v7 stores 106 into it.
    expect(oracle(log).emptyArea(40, 49, 10, false, -1, 6, 7)).toBeNull();
    const v = rejected(oracle(log).emptyArea(40, 49, 10, false, -1, 6, 6), [6, 6]);
    expect(v.expected).toEqual(['v6: 40']);
  });

  it('a window freed during the window may be returned', () => {
    // 103 [50, 59] is erased by v6, which frees [40, MAX]; at v5 the lowest size-15 window is 60.
    expect(oracle(log).emptyArea(40, 100, 15, false, 40, 5, 6)).toBeNull();
    rejected(oracle(log).emptyArea(40, 100, 15, false, 40, 5, 5), [5, 5]);
  });
});

describe('ResultOracle: verdict text', () => {
  // Index 5 is rewritten by every version: entry 200 + v.
  const stores: Store[] = Array.from({ length: 20 }, (_, i) => [5, 5, 201 + i] as Store);
  const log = history(stores);

  it('names the version of each expectation', () => {
    const v = rejected(oracle(log).walk(5, 999, 5, 5, 12, 12), [12, 12]);
    expect(v.expected).toEqual(['v12: 212 over [5, 5]']);
    const w = rejected(oracle(log).walk(5, 999, 5, 5, 12, 14), [12, 14]);
    expect(w.expected).toEqual(['v12: 212 over [5, 5]', 'v13: 213 over [5, 5]', 'v14: 214 over [5, 5]']);
  });

  it('shows at most nine versions and says how many more there were', () => {
    const v = rejected(oracle(log).walk(5, 999, 5, 5, 3, 20), [3, 20]);
    expect(v.expected).toHaveLength(10);
    expect(v.expected[0]).toBe('v3: 203 over [5, 5]');
    expect(v.expected[8]).toBe('v11: 211 over [5, 5]');
    expect(v.expected[9]).toBe('... 9 more versions');
  });

  it('describes iteration and search expectations', () => {
    expect(rejected(oracle(log).find(0, 10, 211, 5, 5, 12, 12), [12, 12]).expected).toEqual(['v12: 212 over [5, 5]']);
    expect(rejected(oracle(log).find(6, 10, 999, 7, 7, 12, 12), [12, 12]).expected).toEqual(['v12: nothing']);
    expect(rejected(oracle(log).findRev(100, 0, 0, 0, 0, 7, 7), [7, 7]).expected).toEqual(['v7: 207 over [5, 5]']);
    expect(rejected(oracle(log).emptyArea(0, 10, 5, false, -1, 9, 9), [9, 9]).expected).toEqual(['v9: 0']);
    expect(rejected(oracle(log).emptyArea(0, 10, 5, true, -1, 9, 9), [9, 9]).expected).toEqual(['v9: 6']);
  });
});

/**
 * Whatever any version held, a result outside the query's own bounds is wrong: the oracle checks
 * the bounds before rules (a) and (b).
 */
describe('ResultOracle: results outside the query bounds', () => {
  // v3: 101 [10,19], 102 [30,39], 103 [50,59]
  const log = history(MAIN);

  it('find(50, 100) returning 101 [10, 19], entirely before the start, is rejected', () => {
    rejected(oracle(log).find(50, 100, 101, 10, 19, 3, 3), [3, 3]);
  });

  it('find(40, 45) returning 103 [50, 59], beyond max (the answer is nothing), is rejected', () => {
    rejected(oracle(log).find(40, 45, 103, 50, 59, 3, 3), [3, 3]);
  });

  it('findRev(25, 0) returning 103 [50, 59], entirely after the start, is rejected', () => {
    rejected(oracle(log).findRev(25, 0, 103, 50, 59, 3, 3), [3, 3]);
  });

  it('emptyArea(60, 100, 5) returning 0, below min, is rejected', () => {
    rejected(oracle(log).emptyArea(60, 100, 5, false, 0, 3, 3), [3, 3]);
  });

  it('emptyAreaRev(0, 9, 5) returning 70, above max, is rejected', () => {
    rejected(oracle(log).emptyArea(0, 9, 5, true, 70, 3, 3), [3, 3]);
  });

  it('(results touching the bounds are legitimate and accepted)', () => {
    // A range that begins before the start but still holds it, or begins exactly at max.
    expect(oracle(log).find(15, 100, 101, 10, 19, 3, 3)).toBeNull();
    expect(oracle(log).find(40, 50, 103, 50, 59, 3, 3)).toBeNull();
    expect(oracle(log).findRev(55, 0, 103, 50, 59, 3, 3)).toBeNull();
    expect(oracle(log).findRev(45, 39, 102, 30, 39, 3, 3)).toBeNull();
    // Windows starting exactly at min, or ending exactly at max.
    expect(oracle(log).emptyArea(60, 100, 5, false, 60, 3, 3)).toBeNull();
    expect(oracle(log).emptyArea(0, 9, 5, true, 5, 3, 3)).toBeNull();
  });
});

describe('RangeMap', () => {
  const f = (): FoundRange => ({ entry: -1, first: -1, last: -1 });

  it('a store inside a range splits it in three; erases cut and drop ranges', () => {
    const m = new RangeMap();
    m.store(0, 99, 1);
    m.store(40, 59, 2);
    expect(m.entries()).toEqual([
      { entry: 1, first: 0, last: 39 },
      { entry: 2, first: 40, last: 59 },
      { entry: 1, first: 60, last: 99 },
    ]);
    expect(m.size).toBe(3);
    m.store(50, 69, 0);
    expect(m.entries()).toEqual([
      { entry: 1, first: 0, last: 39 },
      { entry: 2, first: 40, last: 49 },
      { entry: 1, first: 70, last: 99 },
    ]);
    // One store over several ranges keeps only the outer head and tail.
    m.store(30, 80, 3);
    expect(m.entries()).toEqual([
      { entry: 1, first: 0, last: 29 },
      { entry: 3, first: 30, last: 80 },
      { entry: 1, first: 81, last: 99 },
    ]);
    m.store(0, MAX_INDEX, 0);
    expect(m.entries()).toEqual([]);
    m.store(MAX_INDEX, MAX_INDEX, 4);
    m.store(0, 0, 5);
    expect(m.entries()).toEqual([
      { entry: 5, first: 0, last: 0 },
      { entry: 4, first: MAX_INDEX, last: MAX_INDEX },
    ]);
  });

  it('walk returns the range holding the index, NULL gaps included', () => {
    const m = new RangeMap();
    expect(m.walk(123, f())).toEqual({ entry: 0, first: 0, last: MAX_INDEX });
    m.store(10, 19, 1);
    m.store(30, 39, 2);
    expect(m.walk(0, f())).toEqual({ entry: 0, first: 0, last: 9 });
    expect(m.walk(19, f())).toEqual({ entry: 1, first: 10, last: 19 });
    expect(m.walk(20, f())).toEqual({ entry: 0, first: 20, last: 29 });
    expect(m.walk(29, f())).toEqual({ entry: 0, first: 20, last: 29 });
    expect(m.walk(30, f())).toEqual({ entry: 2, first: 30, last: 39 });
    expect(m.walk(40, f())).toEqual({ entry: 0, first: 40, last: MAX_INDEX });
    expect(m.walk(MAX_INDEX, f())).toEqual({ entry: 0, first: 40, last: MAX_INDEX });
    m.store(MAX_INDEX - 1, MAX_INDEX, 3);
    expect(m.walk(MAX_INDEX, f())).toEqual({ entry: 3, first: MAX_INDEX - 1, last: MAX_INDEX });
    expect(m.walk(MAX_INDEX - 2, f())).toEqual({ entry: 0, first: 40, last: MAX_INDEX - 2 });
  });

  it('find and findRev honour their bounds and return whole ranges', () => {
    const m = new RangeMap();
    m.store(10, 19, 1);
    m.store(30, 39, 2);
    const out = f();
    expect(m.find(15, 100, out)).toBe(true);
    expect(out).toEqual({ entry: 1, first: 10, last: 19 });
    expect(m.find(20, 29, f())).toBe(false);
    expect(m.find(20, 30, out)).toBe(true);
    expect(out).toEqual({ entry: 2, first: 30, last: 39 });
    expect(m.find(40, MAX_INDEX, f())).toBe(false);
    expect(m.find(MAX_INDEX, MAX_INDEX, f())).toBe(false);
    expect(m.findRev(100, 0, out)).toBe(true);
    expect(out).toEqual({ entry: 2, first: 30, last: 39 });
    expect(m.findRev(29, 20, f())).toBe(false);
    expect(m.findRev(29, 19, out)).toBe(true);
    expect(out).toEqual({ entry: 1, first: 10, last: 19 });
    expect(m.findRev(9, 0, f())).toBe(false);
    m.store(MAX_INDEX, MAX_INDEX, 3);
    expect(m.find(MAX_INDEX, MAX_INDEX, out)).toBe(true);
    expect(out).toEqual({ entry: 3, first: MAX_INDEX, last: MAX_INDEX });
  });

  it('emptyArea finds the lowest or highest free window inside [min, max]', () => {
    const m = new RangeMap();
    expect(m.emptyArea(0, MAX_INDEX, 100, false)).toBe(0);
    expect(m.emptyArea(0, MAX_INDEX, 100, true)).toBe(MAX_INDEX - 99);
    m.store(10, 19, 1);
    m.store(30, 39, 2);
    expect(m.emptyArea(0, 100, 10, false)).toBe(0);
    expect(m.emptyArea(0, 100, 11, false)).toBe(40);
    expect(m.emptyArea(5, 100, 10, false)).toBe(20);
    expect(m.emptyArea(12, 100, 3, false)).toBe(20);
    expect(m.emptyArea(5, 28, 10, false)).toBe(-1);
    expect(m.emptyArea(5, 8, 5, false)).toBe(-1);
    expect(m.emptyArea(0, 100, 10, true)).toBe(91);
    expect(m.emptyArea(0, 39, 10, true)).toBe(20);
    expect(m.emptyArea(0, 28, 10, true)).toBe(0);
    expect(m.emptyArea(0, 28, 9, true)).toBe(20);
    expect(m.emptyArea(0, 28, 8, true)).toBe(21);
    expect(m.emptyArea(0, 27, 9, true)).toBe(1);
    expect(m.emptyArea(0, 27, 10, true)).toBe(0);
    expect(m.emptyArea(11, 28, 10, true)).toBe(-1);
    expect(m.emptyArea(10, 39, 1, true)).toBe(29);
    m.store(0, 9, 3);
    expect(m.emptyArea(0, 9, 1, true)).toBe(-1);
    expect(m.emptyArea(0, 9, 1, false)).toBe(-1);
    m.store(40, MAX_INDEX, 4);
    expect(m.emptyArea(0, MAX_INDEX, 11, false)).toBe(-1);
    expect(m.emptyArea(0, MAX_INDEX, 10, false)).toBe(20);
    expect(m.emptyArea(0, MAX_INDEX, 10, true)).toBe(20);
  });

  it('rollback restores exactly the content at mark', () => {
    const m = new RangeMap();
    m.store(0, 99, 1);
    m.store(40, 59, 2);
    m.store(200, 300, 3);
    const before = m.entries();
    m.mark();
    m.store(50, 250, 4);
    m.store(0, 10, 0);
    m.store(0, MAX_INDEX, 5);
    m.store(7, 7, 0);
    expect(m.entries()).not.toEqual(before);
    m.rollback();
    expect(m.entries()).toEqual(before);
    // Stores after a rollback are no longer recorded: a second rollback changes nothing.
    m.store(1, 2, 6);
    const after = m.entries();
    m.rollback();
    expect(m.entries()).toEqual(after);
  });
});

// ---------------------------------------------------------------------------------------------
// Property tests against an independent array model over a small keyspace.

const K = 48; // stores stay in [0, K); indices >= K are always NULL

/** The content at one version, one slot per index of [0, K). */
type Snapshot = Int32Array;

function snapshots(stores: Store[]): Snapshot[] {
  const out: Snapshot[] = [new Int32Array(K)];
  for (const [first, last, entry] of stores) {
    const next = out[out.length - 1].slice();
    next.fill(entry, first, last + 1);
    out.push(next);
  }
  return out;
}

const at = (s: Snapshot, i: number): number => (i < K ? s[i] : 0);

/** The maximal run of equal slots around i (entries are unique per store, so runs are ranges). */
function run(s: Snapshot, i: number): FoundRange {
  const e = at(s, i);
  if (i >= K) {
    let first = K;
    while (first > 0 && s[first - 1] === 0) first--;
    return { entry: 0, first, last: MAX_INDEX };
  }
  let first = i;
  while (first > 0 && s[first - 1] === e) first--;
  let last = i;
  while (last < K - 1 && s[last + 1] === e) last++;
  if (e === 0 && last === K - 1) last = MAX_INDEX;
  return { entry: e, first, last };
}

function arrFind(s: Snapshot, from: number, max: number): FoundRange | null {
  for (let i = from; i <= Math.min(max, K - 1); i++) if (s[i] !== 0) return run(s, i);
  return null;
}

function arrFindRev(s: Snapshot, from: number, min: number): FoundRange | null {
  for (let i = Math.min(from, K - 1); i >= min; i--) if (s[i] !== 0) return run(s, i);
  return null;
}

function arrEmptyArea(s: Snapshot, min: number, max: number, size: number, rev: boolean): number {
  const free = (start: number): boolean => {
    for (let i = start; i < start + size; i++) if (at(s, i) !== 0) return false;
    return true;
  };
  if (!rev) {
    for (let start = min; start + size - 1 <= max; start++) if (free(start)) return start;
  } else {
    for (let start = max - size + 1; start >= min; start--) if (free(start)) return start;
  }
  return -1;
}

/** (first, length - 1, kind): kind 0 erases, anything else stores a fresh entry. */
const storeArb: fc.Arbitrary<[number, number, number]> = fc.tuple(
  fc.integer({ min: 0, max: K - 1 }),
  fc.integer({ min: 0, max: 12 }),
  fc.integer({ min: 0, max: 4 }),
);

/** Stores with unique entry tokens (1000 + version); kind 0 (about one in five) erases. */
function toStores(raw: Array<[number, number, number]>): Store[] {
  return raw.map(([first, len, kind], i) => [first, Math.min(K - 1, first + len), kind === 0 ? 0 : 1001 + i]);
}

const queryArb = fc.record({
  version: fc.nat(),
  before: fc.nat(),
  after: fc.nat(),
  index: fc.integer({ min: 0, max: K + 8 }),
  span: fc.integer({ min: 0, max: 30 }),
  size: fc.integer({ min: 1, max: 8 }),
  pick: fc.nat(),
});

describe('property: the model at any version of the window is accepted, a fabricated result is not', () => {
  it('RangeMap agrees with the array model at every version', () => {
    fc.assert(
      fc.property(fc.array(storeArb, { minLength: 1, maxLength: 40 }), (raw) => {
        const stores = toStores(raw);
        const snaps = snapshots(stores);
        const m = new RangeMap();
        const out: FoundRange = { entry: 0, first: 0, last: 0 };
        for (let v = 0; v < snaps.length; v++) {
          if (v > 0) m.store(...stores[v - 1]);
          const s = snaps[v];
          for (let i = 0; i <= K + 2; i++) {
            expect(m.walk(i, { ...out }), `walk(${i}) at v${v}`).toEqual(run(s, i));
            const fwd = arrFind(s, i, i + 5);
            expect(m.find(i, i + 5, out)).toBe(fwd !== null);
            if (fwd) expect({ ...out }).toEqual(fwd);
            const back = arrFindRev(s, i, Math.max(0, i - 5));
            expect(m.findRev(i, Math.max(0, i - 5), out)).toBe(back !== null);
            if (back) expect({ ...out }).toEqual(back);
            for (const size of [1, 3, 7]) {
              expect(m.emptyArea(i, i + 20, size, false), `emptyArea(${i}, ${i + 20}, ${size}) at v${v}`).toBe(arrEmptyArea(s, i, i + 20, size, false));
              expect(m.emptyArea(i, i + 20, size, true), `emptyAreaRev(${i}, ${i + 20}, ${size}) at v${v}`).toBe(arrEmptyArea(s, i, i + 20, size, true));
            }
          }
        }
      }),
      { seed: 0x5eed01, numRuns: 60 },
    );
  });

  it('mark/rollback restores every prefix exactly', () => {
    fc.assert(
      fc.property(fc.array(storeArb, { minLength: 2, maxLength: 40 }), fc.nat(), (raw, cut) => {
        const stores = toStores(raw);
        const k = cut % stores.length;
        const m = new RangeMap();
        for (let i = 0; i < k; i++) m.store(...stores[i]);
        const before = m.entries();
        m.mark();
        for (let i = k; i < stores.length; i++) m.store(...stores[i]);
        m.rollback();
        expect(m.entries()).toEqual(before);
      }),
      { seed: 0x5eed02, numRuns: 200 },
    );
  });

  it('every op answered from version v is accepted for any window [vs, ve] containing v; other entries are rejected', () => {
    fc.assert(
      fc.property(
        fc.array(storeArb, { minLength: 1, maxLength: 30 }),
        fc.array(queryArb, { minLength: 1, maxLength: 12 }),
        (raw, queries) => {
          const stores = toStores(raw);
          const log = history(stores);
          const snaps = snapshots(stores);
          const n = stores.length;
          const tokens = [...new Set(stores.map((s) => s[2]).filter((e) => e !== 0)), 99999];
          for (const q of queries) {
            const v = q.version % (n + 1);
            const vs = v - (q.before % (v + 1));
            const ve = v + (q.after % (n - v + 1));
            const s = snaps[v];
            const i = q.index;
            const tag = `v${v} in [${vs}, ${ve}], index ${i}`;

            const w = run(s, i);
            expect(oracle(log).walk(i, w.entry, w.first, w.last, vs, ve), `walk ${tag}`).toBeNull();

            const max = Math.min(MAX_INDEX, i + q.span);
            const fwd = arrFind(s, i, max);
            expect(oracle(log).find(i, max, fwd?.entry ?? 0, fwd?.first ?? 0, fwd?.last ?? 0, vs, ve), `find max ${max} ${tag}`).toBeNull();

            const min = Math.max(0, i - q.span);
            const back = arrFindRev(s, i, min);
            expect(oracle(log).findRev(i, min, back?.entry ?? 0, back?.first ?? 0, back?.last ?? 0, vs, ve), `findRev min ${min} ${tag}`).toBeNull();

            const hi = i + q.span;
            for (const rev of [false, true]) {
              const start = arrEmptyArea(s, i, hi, q.size, rev);
              expect(oracle(log).emptyArea(i, hi, q.size, rev, start, vs, ve), `emptyArea rev ${rev} [${i}, ${hi}] size ${q.size} ${tag}`).toBeNull();
            }

            // A fabricated walk: an entry the index never held at any version of the window.
            const held = new Set<number>();
            for (let u = vs; u <= ve; u++) held.add(at(snaps[u], i));
            const others = tokens.filter((e) => !held.has(e));
            const other = others[q.pick % others.length];
            const verdict = oracle(log).walk(i, other, w.first, w.last, vs, ve);
            expect(verdict, `fabricated walk ${other} ${tag}`).not.toBeNull();
            expect(verdict!.window).toEqual([vs, ve]);
            expect(verdict!.expected[0]).toMatch(new RegExp(`^v${vs}: `));
          }
        },
      ),
      { seed: 0x5eed03, numRuns: 150 },
    );
  });
});

describe('torn bounds: the new entry over older bounds, tied to the writes that moved them', () => {
  // Slot stores only (two neighbouring ranges trade a boundary), as the writer does in place:
  //   v3: 301 [100, 109], 302 [110, 119], 303 [120, 129]
  //   v4: 301 [100, 109], 304 [110, 124], 303 [125, 129]   (304 takes 302 whole and 303's head:
  //                                                          slot of 302, then pivot 119 -> 124)
  //   v5: 305 [100, 112], 304 [113, 124], 303 [125, 129]   (305 takes 301 whole and 304's head:
  //                                                          slot of 301, then pivot 109 -> 112)
  //   v6: 305 [100, 112], 306 [113, 124], 303 [125, 129]   (exact fit: 306 replaces 304)
  //   v7: 305 [100, 119], 307 [120, 129]                   (307 takes 306's tail and 303 whole:
  //                                                          slot of 303, then pivot 124 -> 119)
  const log = history([
    [100, 109, 301],
    [110, 119, 302],
    [120, 129, 303],
    [110, 124, 304],
    [100, 112, 305],
    [113, 124, 306],
    [120, 129, 307],
  ]);

  it('a slot store seen half done (new slot, old pivot) is accepted when that store is in the window', () => {
    // v4 half done: slot 1 holds 304, its pivot still says 119.
    expect(oracle(log).walk(112, 304, 110, 119, 3, 4)).toBeNull();
    // v7 half done: slot 3 holds 307, the pivot before it still says 124.
    expect(oracle(log).walk(127, 307, 125, 129, 6, 7)).toBeNull();
    // The same views with no write in the window, or before the store: rejected.
    rejected(oracle(log).walk(112, 304, 110, 119, 4, 4), [4, 4]);
    rejected(oracle(log).walk(127, 307, 125, 129, 7, 7), [7, 7]);
    rejected(oracle(log).walk(112, 304, 110, 119, 3, 3), [3, 3]);
  });

  it('bounds read long before the slot (a reader preempted between its loads) are accepted', () => {
    // Both pivots as at v3, the slot as at v6: 306 over the old [110, 119]. 109 moved to 112 (v5),
    // 119 to 124 (v4), and 306 held [113, 124].
    expect(oracle(log).walk(115, 306, 110, 119, 3, 6)).toBeNull();
    // The index may even land in a slot whose entry never held it: walk(111) read the old pivot
    // 109, so took slot 1, which holds 306 by the time it is read.
    expect(oracle(log).walk(111, 306, 110, 124, 4, 6)).toBeNull();
  });

  it('the old entry over a newer boundary (pivot first, or no barrier between) is rejected', () => {
    // v4 pivot first: 119 -> 124 visible, slot 1 still 302.
    rejected(oracle(log).walk(122, 302, 110, 124, 3, 4), [3, 4]);
    // v5 pivot first: 109 -> 112 visible, slot 0 still 301.
    rejected(oracle(log).walk(111, 301, 100, 112, 4, 5), [4, 5]);
    // v7 pivot first: 124 -> 119 visible, slot 3 still 303.
    rejected(oracle(log).walk(121, 303, 120, 129, 6, 7), [6, 7]);
  });

  it('a bound is accepted only on the line of the boundary the window moved', () => {
    // 129 was a boundary throughout, but never 305's: 305 ended at 112, then 119.
    rejected(oracle(log).walk(110, 305, 100, 129, 4, 7), [4, 7]);
    // 99 (the NULL gap's end) never moved, so 306 cannot start at 100.
    rejected(oracle(log).walk(115, 306, 100, 124, 3, 6), [3, 6]);
    // 124 became a boundary at v4 only, after 302 was gone.
    rejected(oracle(log).walk(115, 302, 110, 124, 2, 4), [2, 4]);
  });

  it("the kernel's slot store under the simulator (pivot visible before its slot): the old entry over a newer boundary is accepted and counted", () => {
    const o = oracle(log);
    o.acceptUnorderedSlotStore = true;
    // The three pivot-first views the default rule rejects (above): each bound on the line of a
    // bound of the entry's own range, moved by the window's slot store.
    expect(o.walk(122, 302, 110, 124, 3, 4)).toBeNull();
    expect(o.walk(111, 301, 100, 112, 4, 5)).toBeNull();
    expect(o.walk(121, 303, 120, 129, 6, 7)).toBeNull();
    expect(o.unorderedSlotStoreAccepted).toBe(3);
    expect(o.tornAccepted).toBe(0);
  });

  it('that allowance follows only the bounds of ranges the entry held, and only through slot stores of the window', () => {
    const o = oracle(log);
    o.acceptUnorderedSlotStore = true;
    // 129 never bounded 305, and 99 never moved, so neither range is explained either way.
    rejected(o.walk(110, 305, 100, 129, 4, 7), [4, 7]);
    rejected(o.walk(115, 306, 100, 124, 3, 6), [3, 6]);
    // The move of 119 to 124 (v4) is not in the window: exact only.
    rejected(o.walk(122, 302, 110, 124, 4, 4), [4, 4]);
    // A write that is not a slot store's shape ends the line: 503 [100, 109], then [100, 130]
    // replaced by 504 (two boundaries erased): 503 over [100, 130] is not explained.
    const spanning = history([
      [100, 109, 503],
      [110, 119, 505],
      [120, 130, 506],
      [105, 130, 504],
    ]);
    const s = oracle(spanning);
    s.acceptUnorderedSlotStore = true;
    rejected(s.walk(103, 503, 100, 130, 3, 4), [3, 4]);
    expect(o.unorderedSlotStoreAccepted + s.unorderedSlotStoreAccepted).toBe(0);
  });

  it('that allowance covers NULL slots too: the old NULL over the new boundary', () => {
    // v2: NULL [1701, 1704] after 601 [1600, 1700]; v3: 602 over [1689, 1704] (slot of the NULL,
    // then pivot 1700 -> 1688). The reader: the new pivot, the old NULL slot.
    const h = history([
      [1600, 1700, 601],
      [1705, 1800, 603],
      [1689, 1704, 602],
    ]);
    const o = oracle(h);
    o.acceptUnorderedSlotStore = true;
    expect(o.walk(1702, 0, 1689, 1704, 2, 3)).toBeNull();
    expect(o.unorderedSlotStoreAccepted).toBe(1);
    rejected(oracle(h).walk(1702, 0, 1689, 1704, 2, 3), [2, 3]);
    // A NULL bound on no line: rejected.
    rejected(o.walk(1702, 0, 1650, 1704, 2, 3), [2, 3]);
  });

  it("the kernel walk's pivot read twice: a range above the index is accepted only when the entry held the index, then exactly that range", () => {
    // v1: 901 [714, 954]; v2: NULL over [700, 873] moves 901's lower bound from 713 up to 873.
    const moved = history([
      [714, 954, 901],
      [700, 873, 0],
    ]);
    const on = (): ResultOracle => {
      const o = oracle(moved);
      o.acceptPivotReadTwice = true;
      return o;
    };
    const o = on();
    expect(o.walk(799, 901, 874, 954, 1, 2)).toBeNull();
    expect(o.findRev(799, 776, 901, 874, 954, 1, 2)).toBeNull();
    expect(o.pivotReadTwiceAccepted).toBe(2);
    // Off (the default): rejected as outside the query.
    rejected(oracle(moved).walk(799, 901, 874, 954, 1, 2), [1, 2]);
    // On, but no write in the window, a range the entry never held exactly, an entry that never
    // held the index, or a range below the index: rejected.
    const p = on();
    rejected(p.walk(799, 901, 874, 954, 2, 2), [2, 2]);
    rejected(p.walk(799, 901, 874, 960, 1, 2), [1, 2]);
    rejected(p.walk(699, 901, 874, 954, 1, 2), [1, 2]);
    rejected(p.walk(960, 901, 874, 954, 1, 2), [1, 2]);
    expect(p.pivotReadTwiceAccepted).toBe(0);
    // The other bound: v3 gives 901's tail [930, 954] to 904, so walk(940) may see 901 over
    // [874, 929], below its index (a walk or a forward step).
    const tail = history([
      [714, 954, 901],
      [700, 873, 0],
      [930, 960, 904],
    ]);
    const t = oracle(tail);
    t.acceptPivotReadTwice = true;
    expect(t.walk(940, 901, 874, 929, 2, 3)).toBeNull();
    expect(t.find(940, 1000, 901, 874, 929, 2, 3)).toBeNull();
    // A range the entry never held exactly: rejected.
    rejected(t.walk(940, 901, 880, 929, 2, 3), [2, 3]);
    expect(t.pivotReadTwiceAccepted).toBe(2);
    // NULL ranges alike: NULL [1785, 1928], then 902 takes [1769, 1835] (the NULL's head).
    const nulls = history([
      [1700, 1784, 903],
      [1769, 1835, 902],
    ]);
    const q = oracle(nulls);
    q.acceptPivotReadTwice = true;
    expect(q.walk(1829, 0, 1836, MAX_INDEX, 1, 2)).toBeNull();
    // A NULL range that never held the index up to that last: rejected.
    rejected(q.walk(1829, 0, 1836, 1900, 1, 2), [1, 2]);
    expect(q.pivotReadTwiceAccepted).toBe(1);
  });

  it('iteration steps follow the same rule', () => {
    expect(oracle(log).find(110, 200, 306, 110, 119, 3, 6)).toBeNull();
    rejected(oracle(log).find(110, 200, 302, 110, 124, 3, 4), [3, 4]);
    expect(oracle(log).findRev(128, 0, 307, 125, 129, 6, 7)).toBeNull();
    rejected(oracle(log).findRev(122, 0, 303, 120, 129, 6, 7), [6, 7]);
    // In a quiet window a step is exact: the right entry over a sub-range is wrong.
    rejected(oracle(log).find(113, 200, 304, 113, 120, 5, 5), [5, 5]);
  });
});

describe('iteration: successive steps (nextStep)', () => {
  it('the same entry twice: accepted when the model held it over two ranges (a split before the window)', () => {
    //   v1: 401 [100, 199]; v2: 402 [150, 159] splits it; v3: 403 [300, 309] elsewhere.
    const log = history([
      [100, 199, 401],
      [150, 159, 402],
      [300, 309, 403],
    ]);
    const o = oracle(log);
    expect(o.find(100, 500, 401, 100, 149, 2, 3)).toBeNull();
    expect(o.nextStep(true, 401, 100, 149, 2, 401, 160, 199, 3)).toBeNull();
    // Backward as well.
    expect(o.nextStep(false, 401, 160, 199, 2, 401, 100, 149, 3)).toBeNull();
  });

  it('the same entry twice with no split and no write between: rejected', () => {
    const log = history([
      [100, 199, 401],
      [300, 309, 403],
    ]);
    const o = oracle(log);
    expect(o.find(100, 500, 401, 100, 199, 1, 2)).toBeNull();
    const wrong = o.nextStep(true, 401, 100, 149, 1, 401, 150, 199, 2);
    expect(wrong).toContain('not the same entry again');
    expect(o.nextStep(false, 401, 150, 199, 1, 401, 100, 149, 2)).toContain('not the same entry again');
  });

  it('the same entry again over its true range after a torn step: accepted only with the slot store in the window', () => {
    //   v2: 501 [100, 109], 502 [110, 119]; v3: 503 [105, 119] (slot of 502, then pivot 109 -> 104).
    const log = history([
      [100, 109, 501],
      [110, 119, 502],
      [105, 119, 503],
    ]);
    const o = oracle(log);
    // Step 0 read the old pivot: 503 over [110, 119]; step 1 from 109 finds 503 over [105, 119].
    expect(o.findRev(118, 0, 503, 110, 119, 2, 3)).toBeNull();
    expect(o.nextStep(false, 503, 110, 119, 2, 503, 105, 119, 3)).toBeNull();
    // The same pair with no write in the windows: rejected.
    expect(oracle(log).nextStep(false, 503, 110, 119, 3, 503, 105, 119, 3)).toContain('not the same entry again');
  });

  it('a range that does not move on is rejected whatever the entry', () => {
    const log = history([[100, 199, 401]]);
    expect(oracle(log).nextStep(true, 401, 100, 149, 0, 999, 120, 140, 1)).toContain('a range further on');
    expect(oracle(log).nextStep(false, 401, 150, 199, 0, 999, 150, 160, 1)).toContain('a range further back');
  });
});
