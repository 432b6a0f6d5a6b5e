/** The totals of a torture result, from its cells (shared by a run and a merge). */
import type { TortureCell, TortureResult } from './types.js';

export function summarize(cells: readonly TortureCell[]): TortureResult['summary'] {
  const count = (s: TortureCell['status']): number => cells.filter((c) => c.status === s).length;
  return {
    cells: cells.length,
    passed: count('passed'),
    failed: count('failed'),
    skipped: count('skipped'),
    violations: cells.reduce((n, c) => n + (c.violationCount ?? c.violations.length), 0),
    errors: count('error'),
  };
}
