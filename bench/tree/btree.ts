// sorted-btree baseline: BTree<first, { last, entry }>, with the same range semantics as the
// maple tree's store/erase/load implemented as cheaply as the B+ tree API allows.
import BTreeModule from 'sorted-btree';

export type BTree<K, V> = import('sorted-btree').default<K, V>;
// sorted-btree is CommonJS with `exports.default = BTree`; under Node's ESM interop the default
// import is `module.exports`, so the class is its `.default`.
const BTreeClass = BTreeModule.default;

export interface RangeValue {
  last: number;
  entry: number;
}
export type RangeBTree = BTree<number, RangeValue>;
export type Pair = [number, RangeValue];

export function newRangeBTree(): RangeBTree {
  return new BTreeClass<number, RangeValue>();
}

/** Scratch array for the `reusedArray` parameter, so lookups do not allocate. */
export function scratchPair(): Pair {
  return [0, { last: 0, entry: 0 }];
}

/** Entry of the range holding index, or 0 (mirrors tree.load). */
export function btreeLookup(bt: RangeBTree, index: number, tmp: Pair): number {
  const p = bt.getPairOrNextLower(index, tmp);
  return p !== undefined && p[1].last >= index ? p[1].entry : 0;
}

/**
 * Mirror of tree.store(first, last, entry): any range overlapping [first, last] is trimmed, split
 * or removed, then [first, last] is set (entry 0 only erases). The common cases (fresh range in a
 * gap, overwrite of an exact range) cost one getPairOrNextLower, one nextHigherPair and one set.
 */
export function btreeStore(bt: RangeBTree, first: number, last: number, entry: number, tmp: Pair): void {
  let startsAtFirst = false;
  const lo = bt.getPairOrNextLower(first, tmp);
  if (lo !== undefined && lo[1].last >= first) {
    const k = lo[0];
    const v = lo[1];
    if (k === first && v.last === last && entry !== 0) {
      v.entry = entry; // exact overwrite: update in place, as the maple tree updates its slot
      return;
    }
    if (v.last > last) bt.set(last + 1, { last: v.last, entry: v.entry }); // tail survives
    if (k < first) v.last = first - 1; // head survives (value objects are owned per key)
    else startsAtFirst = true;
  }
  let nx = bt.nextHigherPair(first, tmp);
  while (nx !== undefined && nx[0] <= last) {
    const k = nx[0];
    const v = nx[1];
    if (v.last > last) bt.set(last + 1, { last: v.last, entry: v.entry });
    bt.delete(k);
    nx = bt.nextHigherPair(k, tmp);
  }
  if (entry !== 0) bt.set(first, { last, entry });
  else if (startsAtFirst) bt.delete(first);
}

/** Mirror of tree.erase(index): removes the whole range holding index, returns its entry or 0. */
export function btreeErase(bt: RangeBTree, index: number, tmp: Pair): number {
  const p = bt.getPairOrNextLower(index, tmp);
  if (p === undefined || p[1].last < index) return 0;
  const entry = p[1].entry;
  bt.delete(p[0]);
  return entry;
}
