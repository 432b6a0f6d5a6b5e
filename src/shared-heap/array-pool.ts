/** Per-address arrays of disposed simulated worlds, kept for the next world of the same size. */
const pool: Uint32Array[] = [];
const POOL_MAX = 24;

/** A zeroed Uint32Array of n words, from the pool when one of that size is there. */
export function takeArray(n: number): Uint32Array {
  for (let i = pool.length - 1; i >= 0; i--) {
    if (pool[i].length === n) {
      const a = pool[i];
      pool[i] = pool[pool.length - 1];
      pool.pop();
      return a.fill(0);
    }
  }
  return new Uint32Array(n);
}

export function giveArray(a: Uint32Array): void {
  if (pool.length < POOL_MAX) pool.push(a);
}
