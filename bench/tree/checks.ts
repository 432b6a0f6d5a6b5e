// Untimed correctness sanity checks: the benchmark numbers mean nothing if the trees disagree.
import { performance } from 'node:perf_hooks';
import { MAX_INDEX, type MapleTreeLike } from './maple.js';
import { btreeLookup, scratchPair, type RangeBTree } from './btree.js';
import { expectedAt, firstOf, lastOf } from './data.js';

export interface CheckReport {
  label: string;
  problems: string[];
  validateMs: number | null;
  sampled: number;
}

const MAX_REPORTED = 8;

export function checkTrees(label: string, maple: MapleTreeLike, bt: RangeBTree, n: number, reads: Uint32Array, samples: number): CheckReport {
  const problems: string[] = [];
  const note = (msg: string) => {
    if (problems.length < MAX_REPORTED) problems.push(`${label}: ${msg}`);
    else if (problems.length === MAX_REPORTED) problems.push(`${label}: (further problems not listed)`);
  };
  const tmp = scratchPair();
  const edges = [0, 5, 6, 9, 10, firstOf(n - 1), lastOf(n - 1), lastOf(n - 1) + 1, MAX_INDEX - 1, MAX_INDEX];
  const probes: number[] = [...edges];
  for (let k = 0; k < Math.min(samples, reads.length); k++) probes.push(reads[k]);

  for (const x of probes) {
    const want = expectedAt(x, n, MAX_INDEX);
    try {
      const got = maple.load(x);
      if (got !== want.entry) note(`maple.load(${x}) = ${got}, expected ${want.entry}`);
      const w = maple.walk(x);
      if (w.entry !== want.entry || w.first !== want.first || w.last !== want.last) {
        note(`maple.walk(${x}) = ${JSON.stringify(w)}, expected ${JSON.stringify(want)}`);
      }
    } catch (e) {
      note(`maple threw at index ${x}: ${(e as Error).message}`);
    }
    const b = btreeLookup(bt, x, tmp);
    if (b !== want.entry) note(`btree lookup(${x}) = ${b}, expected ${want.entry}`);
  }
  if (bt.size !== n) note(`btree holds ${bt.size} ranges, expected ${n}`);

  let validateMs: number | null = null;
  const t0 = performance.now();
  try {
    maple.validate();
    validateMs = performance.now() - t0;
  } catch (e) {
    note(`maple.validate() threw: ${(e as Error).message}`);
  }
  return { label, problems, validateMs, sampled: probes.length };
}
