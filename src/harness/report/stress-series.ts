/**
 * The series a stress run's charts draw, from its timeline of cumulative samples: per-thread
 * throughput (ops/s per interval), cumulative re-walks and discarded taint, grace periods per
 * second. The timeline starts at 0 (all counts zero) and, when the run went on past the last
 * sample, ends with the run's final counts at `elapsedMs`. Files written before the timeline
 * carried `threadOps` get the readers' total and the writer instead of one line per thread.
 */
import type { RunResult, TimelineSample } from '../types.js';
import type { SeriesPoint } from './charts.js';

export interface Cumulative {
  ms: number;
  /** One count per series of `names`. */
  ops: number[];
  rewalks: number;
  discardedTaint: number;
  gracePeriods: number;
}

export interface StressSeries {
  /** Throughput series: 'reader 0', ..., 'writer'; or 'readers (all)' and 'writer'. */
  names: string[];
  perThread: boolean;
  /** The timeline has samples but no per-thread counts (a file from before they were recorded). */
  legacy: boolean;
  samples: Cumulative[];
}

/** The thread a `threadOps` index names: 0 the writer, 1 + r reader r. */
export function threadName(index: number): string {
  return index === 0 ? 'writer' : `reader ${index - 1}`;
}

/**
 * Samples with a zero start and the run's final counts appended when the run went on past the
 * last sample (by more than 50 ms, so the last interval's rate is not noise; by any time when
 * there is no sample at all).
 */
export function stressSeries(run: RunResult): StressSeries {
  const threads = run.config.readers + 1;
  // Readers first, then the writer (legend order); threadOps holds the writer at index 0.
  const order = [...Array.from({ length: threads - 1 }, (_, r) => r + 1), 0];
  const byName = new Map(run.threads.map((t) => [t.thread, t.ops]));
  const finalPerThread = order.map((i) => byName.get(threadName(i)));
  const sampled = run.timeline.length > 0 && run.timeline.every((s) => Array.isArray(s.threadOps) && s.threadOps.length === threads);
  const perThread = run.timeline.length > 0 ? sampled : finalPerThread.every((n) => typeof n === 'number');
  const names = perThread ? order.map(threadName) : ['readers (all)', 'writer'];
  const opsOf = (s: TimelineSample): number[] => (perThread ? order.map((i) => s.threadOps![i]) : [s.readerOps, s.writerOps]);
  const samples: Cumulative[] = [{ ms: 0, ops: names.map(() => 0), rewalks: 0, discardedTaint: 0, gracePeriods: 0 }];
  for (const s of run.timeline) {
    if (s.ms <= samples[samples.length - 1].ms) continue;
    samples.push({ ms: s.ms, ops: opsOf(s), rewalks: s.rewalks, discardedTaint: s.discardedTaint, gracePeriods: s.gracePeriods });
  }
  const last = samples[samples.length - 1];
  if (run.elapsedMs > last.ms + (samples.length === 1 ? 0 : 50)) {
    const finalOps = perThread ? finalPerThread : [run.totals.readerOps, run.totals.writerOps];
    if (finalOps.every((n): n is number => typeof n === 'number')) {
      samples.push({ ms: run.elapsedMs, ops: finalOps, rewalks: run.totals.rewalks, discardedTaint: run.totals.discardedTaint, gracePeriods: run.totals.gracePeriods });
    }
  }
  return { names, perThread, legacy: run.timeline.length > 0 && !sampled, samples };
}

/** Rate of change per second over each interval, plotted at the interval's end. */
function rates(samples: readonly Cumulative[], pick: (c: Cumulative) => number[], names: readonly string[]): SeriesPoint[] {
  const points: SeriesPoint[] = [];
  for (let i = 1; i < samples.length; i++) {
    const dt = (samples[i].ms - samples[i - 1].ms) / 1000;
    if (dt <= 0) continue;
    const now = pick(samples[i]);
    const before = pick(samples[i - 1]);
    names.forEach((series, k) => points.push({ t: samples[i].ms / 1000, series, value: Math.max(0, (now[k] - before[k]) / dt) }));
  }
  return points;
}

export function throughputPoints(s: StressSeries): SeriesPoint[] {
  return rates(s.samples, (c) => c.ops, s.names);
}

export const EVENT_SERIES = ['re-walks', 'taint discarded'];

/** Cumulative re-walks and discarded taint (rare events: counts, not rates). */
export function eventPoints(s: StressSeries): SeriesPoint[] {
  return s.samples.flatMap((c) => [
    { t: c.ms / 1000, series: EVENT_SERIES[0], value: c.rewalks },
    { t: c.ms / 1000, series: EVENT_SERIES[1], value: c.discardedTaint },
  ]);
}

export const GRACE_SERIES = ['grace periods'];

export function gracePeriodPoints(s: StressSeries): SeriesPoint[] {
  return rates(s.samples, (c) => [c.gracePeriods], GRACE_SERIES);
}
