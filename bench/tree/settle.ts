// Untimed pass that touches both trees before anything is measured.
import { MAX_INDEX, type MapleTreeLike } from './maple.js';
import { btreeLookup, scratchPair, type RangeBTree } from './btree.js';

/**
 * One pass over every read index on both trees and a full iteration of each, so the first measured
 * task does not alone pay for first touches (page faults, TLB, huge-page collapse, JIT tiering)
 * that later tasks get for free. Returns a checksum to keep the work observable.
 */
export function settle(maple: MapleTreeLike, bt: RangeBTree, reads: Uint32Array): number {
  const tmp = scratchPair();
  let acc = 0;
  for (let k = 0; k < reads.length; k++) acc = (acc + maple.load(reads[k]) + btreeLookup(bt, reads[k], tmp)) | 0;
  const cur = maple.cursor(0);
  while (cur.find(MAX_INDEX) !== 0) acc++;
  bt.forEach((v) => {
    acc = (acc + v.entry) | 0;
  });
  return acc;
}
