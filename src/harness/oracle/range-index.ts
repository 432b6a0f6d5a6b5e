/**
 * A sorted map from a range's first index to its (last, entry), built for the oracle's replay:
 * every checked reader replays every write of the writer into its own model, so a store must cost
 * little and allocate nothing. Keys live in chunks of at most 64 sorted slots (parallel typed
 * arrays); a lookup is a binary search over the chunks' first keys and then inside one chunk, an
 * insert or delete moves at most a chunk's tail. (sorted-btree took about 1.5 us a store here,
 * most of it allocating a pair per range.)
 *
 * Lookups report through the fields `key`, `last` and `entry` of the map itself.
 */
const CHUNK = 64;

class Chunk {
  readonly keys = new Float64Array(CHUNK);
  readonly lasts = new Float64Array(CHUNK);
  readonly entries = new Float64Array(CHUNK);
  n = 0;
}

export class RangeIndex {
  private chunks: Chunk[] = [];
  /** firsts[c] = chunks[c].keys[0]: the chunk search runs over one dense array. */
  private firsts = new Float64Array(16);
  size = 0;
  /** The pair the last successful lookup found. */
  key = 0;
  last = 0;
  entry = 0;

  /** The greatest key <= k. */
  floor(k: number): boolean {
    const c = this.chunkFor(k);
    if (c < 0) return false;
    const chunk = this.chunks[c];
    return this.take(chunk, upper(chunk, k) - 1);
  }

  /** The least key >= k. */
  ceil(k: number): boolean {
    const chunks = this.chunks;
    if (chunks.length === 0) return false;
    let c = this.chunkFor(k);
    if (c < 0) return this.take(chunks[0], 0);
    const at = lower(chunks[c], k);
    if (at < chunks[c].n) return this.take(chunks[c], at);
    c++;
    return c < chunks.length ? this.take(chunks[c], 0) : false;
  }

  /** The pair with key exactly k. */
  get(k: number): boolean {
    const c = this.chunkFor(k);
    if (c < 0) return false;
    const chunk = this.chunks[c];
    const at = lower(chunk, k);
    return at < chunk.n && chunk.keys[at] === k && this.take(chunk, at);
  }

  /** Insert or replace the pair with key k. */
  set(k: number, last: number, entry: number): void {
    const chunks = this.chunks;
    if (chunks.length === 0) chunks.push(new Chunk());
    let c = this.chunkFor(k);
    if (c < 0) c = 0;
    let chunk = chunks[c];
    let at = lower(chunk, k);
    if (at < chunk.n && chunk.keys[at] === k) {
      chunk.lasts[at] = last;
      chunk.entries[at] = entry;
      return;
    }
    if (chunk.n === CHUNK) {
      // Split in halves, then insert into the half that holds the position.
      const right = new Chunk();
      const half = CHUNK >> 1;
      right.keys.set(chunk.keys.subarray(half));
      right.lasts.set(chunk.lasts.subarray(half));
      right.entries.set(chunk.entries.subarray(half));
      right.n = CHUNK - half;
      chunk.n = half;
      chunks.splice(c + 1, 0, right);
      this.insertFirst(c + 1, right.keys[0]);
      if (at > half) {
        chunk = right;
        at -= half;
        c++;
      }
    }
    const n = chunk.n;
    chunk.keys.copyWithin(at + 1, at, n);
    chunk.lasts.copyWithin(at + 1, at, n);
    chunk.entries.copyWithin(at + 1, at, n);
    chunk.keys[at] = k;
    chunk.lasts[at] = last;
    chunk.entries[at] = entry;
    chunk.n = n + 1;
    if (at === 0) {
      if (n === 0 && this.size === 0) this.insertFirst(0, k);
      else this.firsts[c] = k;
    }
    this.size++;
  }

  /** Remove the pair with key k; false if there was none. */
  delete(k: number): boolean {
    const c = this.chunkFor(k);
    if (c < 0) return false;
    const chunk = this.chunks[c];
    const at = lower(chunk, k);
    if (at >= chunk.n || chunk.keys[at] !== k) return false;
    const n = chunk.n;
    chunk.keys.copyWithin(at, at + 1, n);
    chunk.lasts.copyWithin(at, at + 1, n);
    chunk.entries.copyWithin(at, at + 1, n);
    chunk.n = n - 1;
    if (chunk.n === 0) {
      this.chunks.splice(c, 1);
      this.firsts.copyWithin(c, c + 1, this.chunks.length + 1);
    } else if (at === 0) this.firsts[c] = chunk.keys[0];
    this.size--;
    return true;
  }

  private insertFirst(c: number, key: number): void {
    const count = this.chunks.length; // already includes the new chunk
    if (count > this.firsts.length) {
      const grown = new Float64Array(this.firsts.length * 2);
      grown.set(this.firsts);
      this.firsts = grown;
    }
    this.firsts.copyWithin(c + 1, c, count - 1);
    this.firsts[c] = key;
  }

  /** Every pair in key order. */
  forEach(fn: (key: number, last: number, entry: number) => void): void {
    for (const chunk of this.chunks) for (let i = 0; i < chunk.n; i++) fn(chunk.keys[i], chunk.lasts[i], chunk.entries[i]);
  }

  /** Index of the last chunk whose first key is <= k, or -1. */
  private chunkFor(k: number): number {
    const firsts = this.firsts;
    let lo = 0;
    let hi = this.chunks.length - 1;
    if (hi < 0 || firsts[0] > k) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (firsts[mid] <= k) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private take(chunk: Chunk, at: number): boolean {
    this.key = chunk.keys[at];
    this.last = chunk.lasts[at];
    this.entry = chunk.entries[at];
    return true;
  }
}

/** First position in the chunk whose key is >= k. */
function lower(chunk: Chunk, k: number): number {
  let lo = 0;
  let hi = chunk.n;
  const keys = chunk.keys;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] < k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** First position in the chunk whose key is > k. */
function upper(chunk: Chunk, k: number): number {
  let lo = 0;
  let hi = chunk.n;
  const keys = chunk.keys;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (keys[mid] <= k) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
