// Seeded PRNG for the benchmarks. mulberry32: tiny, fast, good enough for picking indices.
// All random index arrays are precomputed before any timing so the PRNG is never measured.

export const DEFAULT_SEED = 0x2545f491;

/** Seed from BENCH_SEED (decimal or 0x-hex) or the fixed default, so runs are comparable. */
export function resolveSeed(env: NodeJS.ProcessEnv = process.env): number {
  const raw = env.BENCH_SEED;
  if (raw === undefined || raw === '') return DEFAULT_SEED;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > 0xffffffff) {
    throw new RangeError(`BENCH_SEED must be a uint32, got ${JSON.stringify(raw)}`);
  }
  return n >>> 0;
}

/** mulberry32: returns a function producing uniformly distributed uint32 values. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** Uniform integer in [0, bound) for bound <= 2^32. */
export function below(rng: () => number, bound: number): number {
  return Math.floor((rng() / 0x100000000) * bound);
}

/** `count` independent uniform values in [0, bound). */
export function randomIndices(rng: () => number, count: number, bound: number): Uint32Array {
  const out = new Uint32Array(count);
  for (let i = 0; i < count; i++) out[i] = below(rng, bound);
  return out;
}

/** A random permutation of 0..n-1 (Fisher-Yates): any window of it has distinct values. */
export function permutation(rng: () => number, n: number): Uint32Array {
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  for (let i = n - 1; i > 0; i--) {
    const j = below(rng, i + 1);
    const t = out[i];
    out[i] = out[j];
    out[j] = t;
  }
  return out;
}
