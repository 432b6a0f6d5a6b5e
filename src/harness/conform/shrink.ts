/**
 * Delta debugging over a list: drop chunks (halves, quarters, ...), then single items, then
 * simplify each item's arguments, keeping every change after which the failure still shows. The
 * predicate replays from scratch and returns the index of the item where the failure showed (the
 * list is cut after it), or null when it no longer shows.
 */
export interface ShrinkOptions<T> {
  /** Simpler versions of an item, simplest first; each is tried in place of it. */
  simplify?: (item: T) => T[];
  /** Stop after this many predicate runs (the best list so far is returned). */
  maxRuns?: number;
  /** Stop after this many milliseconds. */
  maxMs?: number;
}

export interface ShrinkResult<T> {
  items: T[];
  runs: number;
  /** Whether a limit stopped it before a fixed point. */
  limited: boolean;
}

export function shrinkList<T>(items: readonly T[], fails: (items: T[]) => number | null, options: ShrinkOptions<T> = {}): ShrinkResult<T> {
  const maxRuns = options.maxRuns ?? 20_000;
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  let runs = 0;
  let limited = false;
  const out = (): boolean => {
    if (runs >= maxRuns || Date.now() > deadline) limited = true;
    return limited;
  };
  /** Try a candidate: on failure, the candidate cut after the failing item. */
  const attempt = (candidate: T[]): T[] | null => {
    runs++;
    const at = fails(candidate);
    return at === null ? null : candidate.slice(0, at + 1);
  };

  let current = [...items];
  const first = attempt(current);
  if (first === null) throw new Error('shrink: the failure does not show on the original list');
  current = first;

  // Chunks: remove each of n parts; on success keep the rest and coarsen, else refine.
  let n = 2;
  while (current.length >= 2 && !out()) {
    const size = Math.ceil(current.length / n);
    let removed = false;
    for (let start = 0; start < current.length && !out(); start += size) {
      const candidate = [...current.slice(0, start), ...current.slice(start + size)];
      if (candidate.length === 0) continue;
      const kept = attempt(candidate);
      if (kept) {
        current = kept;
        removed = true;
        break;
      }
    }
    if (removed) n = Math.max(n - 1, 2);
    else if (size <= 1) break;
    else n = Math.min(n * 2, current.length);
  }

  // Single items, and argument simplification, until nothing changes.
  for (let changed = true; changed && !out(); ) {
    changed = false;
    for (let i = current.length - 1; i >= 0 && !out(); i--) {
      if (i >= current.length) continue;
      const kept = attempt([...current.slice(0, i), ...current.slice(i + 1)]);
      if (kept) {
        current = kept;
        changed = true;
      }
    }
    if (!options.simplify) continue;
    for (let i = 0; i < current.length && !out(); i++) {
      for (const simpler of options.simplify(current[i])) {
        if (out()) break;
        const kept = attempt([...current.slice(0, i), simpler, ...current.slice(i + 1)]);
        if (kept) {
          current = kept;
          changed = true;
          break;
        }
      }
    }
  }
  return { items: current, runs, limited };
}
