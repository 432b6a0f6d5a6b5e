/**
 * Shrinking a failing schedule: fewer reader threads, fewer operations, fewer non-default
 * decisions (switches, drains, stale values), each step kept only if the run still fails with a
 * violation of the same kind and is no larger than before. Deterministic: the same failing spec
 * shrinks to the same result.
 */
import { runSchedule } from './schedule.js';
import type { ScheduleOutcome, ScheduleSpec } from './schedule.js';
import type { ViolationKind } from '../types.js';

export interface ShrinkBudget {
  /** Schedules to try at most. */
  runs: number;
  /** Wall time at most. */
  ms: number;
}

export interface ShrinkResult {
  spec: ScheduleSpec;
  outcome: ScheduleOutcome;
  /** Schedules tried. */
  runs: number;
}

/** How large a failing case is: threads, operations, non-default decisions. */
export function caseSize(spec: ScheduleSpec): { readers: number; ops: number; decisions: number } {
  return {
    readers: spec.readers,
    ops: spec.writerOps + spec.readers * spec.readerOps,
    decisions: spec.script?.reduce((n, d) => n + (d !== 0 ? 1 : 0), 0) ?? Infinity,
  };
}

function noLarger(a: ScheduleSpec, b: ScheduleSpec): boolean {
  const x = caseSize(a);
  const y = caseSize(b);
  return x.readers <= y.readers && x.ops <= y.ops && x.decisions <= y.decisions;
}

/** Shrink `spec` (which fails with `kind` when run with its script or seed). */
export function shrink(spec: ScheduleSpec, kind: ViolationKind, budget: ShrinkBudget): ShrinkResult {
  const deadline = Date.now() + budget.ms;
  let runs = 0;
  const spent = (): boolean => runs >= budget.runs || Date.now() > deadline;
  const attempt = (candidate: ScheduleSpec): { spec: ScheduleSpec; outcome: ScheduleOutcome } | null => {
    if (spent()) return null;
    runs++;
    const outcome = runSchedule(candidate, { record: true });
    if (outcome.violations.length === 0 || outcome.violations[0].kind !== kind) return null;
    // The recorded script is exactly what this run used (values in range, trailing decisions dropped).
    const script = (outcome.script ?? []).slice(0, outcome.decisions);
    return { spec: { ...candidate, script }, outcome };
  };

  const first = attempt(spec);
  if (first === null) throw new Error('shrink: the case does not fail as reported');
  let cur = first;
  const take = (candidate: ScheduleSpec): boolean => {
    const r = attempt(candidate);
    if (r === null || !noLarger(r.spec, cur.spec)) return false;
    cur = r;
    return true;
  };

  let progress = true;
  while (progress && !spent()) {
    progress = false;
    // Fewer threads.
    for (let readers = 1; readers < cur.spec.readers; readers++) {
      if (take({ ...cur.spec, readers })) {
        progress = true;
        break;
      }
    }
    // Fewer operations: halve, then step down.
    for (const field of ['writerOps', 'readerOps'] as const) {
      for (let n = cur.spec[field] >> 1; n < cur.spec[field]; ) {
        if (take({ ...cur.spec, [field]: n })) {
          progress = true;
          n = cur.spec[field] >> 1;
        } else n = n + Math.max(1, (cur.spec[field] - n) >> 1);
      }
    }
    // Fewer non-default decisions: zero them in chunks, large to small, down to a lone one. Each
    // candidate copies the whole script, so stop as soon as the budget is spent: a stall's script
    // has hundreds of thousands of decisions, and copying it once per chunk would take hours.
    const script = cur.spec.script as number[];
    const nonzero: number[] = [];
    script.forEach((d, i) => d !== 0 && nonzero.push(i));
    for (let chunk = Math.max(1, nonzero.length >> 1); chunk >= 1 && !spent(); chunk >>= 1) {
      for (let start = 0; start < nonzero.length && !spent(); start += chunk) {
        const next = (cur.spec.script as number[]).slice();
        let changed = false;
        for (let k = start; k < start + chunk && k < nonzero.length; k++) {
          if (next[nonzero[k]] !== 0 && nonzero[k] < next.length) {
            next[nonzero[k]] = 0;
            changed = true;
          }
        }
        if (changed && take({ ...cur.spec, script: next })) progress = true;
      }
    }
  }
  return { spec: cur.spec, outcome: cur.outcome, runs };
}
