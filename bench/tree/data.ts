// The data set shared by both trees: N ranges [10i, 10i+5], entry 2i+16385 (odd, never reserved).
// Every range is followed by a 4-index gap [10i+6, 10i+9]; the last gap runs to MAX_INDEX.

export const STRIDE = 10;
export const RANGE_LEN = 6; // [10i, 10i+5]

export const firstOf = (i: number): number => STRIDE * i;
export const lastOf = (i: number): number => STRIDE * i + RANGE_LEN - 1;
export const entryOf = (i: number): number => 2 * i + 16385;

/** Fresh range stored into gap i by the store workloads: [10i+6, 10i+8], leaving 10i+9 NULL. */
export const gapFirstOf = (i: number): number => STRIDE * i + 6;
export const gapLastOf = (i: number): number => STRIDE * i + 8;
/** Entries used by writes: odd, >= 16385, and distinct from every entryOf(j) for j < n. */
export const freshEntryOf = (i: number, n: number): number => 2 * (n + i) + 16385;
export const altEntryOf = (i: number, n: number): number => 2 * (2 * n + i) + 16385;

/** What the tree must hold at `index` (arithmetic model used by the correctness checks). */
export function expectedAt(index: number, n: number, maxIndex: number): { entry: number; first: number; last: number } {
  const i = Math.floor(index / STRIDE);
  if (i < n && index - firstOf(i) < RANGE_LEN) return { entry: entryOf(i), first: firstOf(i), last: lastOf(i) };
  if (i >= n - 1) return { entry: 0, first: lastOf(n - 1) + 1, last: maxIndex };
  return { entry: 0, first: lastOf(i) + 1, last: firstOf(i + 1) - 1 };
}
