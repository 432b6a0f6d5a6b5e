// Ratios between tasks and the targets they are judged against.
import type { TaskSummary } from './summary.js';

export interface Ratio {
  label: string;
  /** How it is computed, for the JSON file. */
  formula: string;
  value: number | null;
  unit: 'x' | 'bytes';
  target: number | null;
  op: '>=' | '<=' | null;
  /** null when there is no target or the value could not be measured. */
  pass: boolean | null;
  /** Speed ratios only: the same ratio from the median batches (robust to preempted batches). */
  medianValue?: number | null;
  /** Speed ratios only: a task involved ran with under 90% of a CPU, so the figure is suspect. */
  contended?: boolean;
  /** Why the value could not be measured (e.g. the kernel peer is unavailable). */
  na?: string;
}

/** Below this CPU share a task was visibly sharing its core with another process. */
export const CONTENDED_CPU_SHARE = 0.9;

function judge(value: number | null, target: number | null, op: '>=' | '<=' | null): boolean | null {
  if (value === null || target === null || op === null) return null;
  return op === '>=' ? value >= target : value <= target;
}

/** Speed of `a` relative to `b` (ops/s of a / ops/s of b, i.e. mean ns of b / mean ns of a). */
export function speedRatio(
  rows: TaskSummary[],
  label: string,
  a: string,
  b: string,
  target: number | null = null,
): Ratio {
  const ra = rows.find((r) => r.name === a);
  const rb = rows.find((r) => r.name === b);
  const value = ra?.meanNs && rb?.meanNs ? rb.meanNs / ra.meanNs : null;
  const medianValue = ra?.p50Ns && rb?.p50Ns ? rb.p50Ns / ra.p50Ns : null;
  const contended = [ra, rb].some((r) => r?.cpuShare != null && r.cpuShare < CONTENDED_CPU_SHARE);
  const op = target === null ? null : '>=';
  return {
    label,
    formula: `ops/s(${a}) / ops/s(${b}) = mean ns(${b}) / mean ns(${a})`,
    value,
    unit: 'x',
    target,
    op,
    pass: judge(value, target, op),
    medianValue,
    contended,
  };
}

export function bytesRatio(label: string, formula: string, value: number | null, target: number | null): Ratio {
  const op = target === null ? null : '<=';
  return { label, formula, value, unit: 'bytes', target, op, pass: judge(value, target, op) };
}

/** The replica against the kernel from a paired measurement (tree/paired.ts): both trees in alternating CPU-time slices. */
export function pairedRatio(label: string, r: { ratio: number; medianRatio: number; slicePairs: number; cpuShare: number }, target: number | null): Ratio {
  const op = target === null ? null : '>=';
  return {
    label,
    formula: `ops/s(maple) / ops/s(kernel) in ${r.slicePairs} pairs of alternating 250 ms CPU-time slices (tree/paired.ts); median: of the pairs' ratios`,
    value: r.ratio,
    unit: 'x',
    target,
    op,
    pass: judge(r.ratio, target, op),
    medianValue: r.medianRatio,
    contended: r.cpuShare < CONTENDED_CPU_SHARE,
  };
}

