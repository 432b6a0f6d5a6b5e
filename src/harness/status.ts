/** Live progress: a one-line status on a TTY, plain periodic lines otherwise. */
import type { TimelineSample } from './types.js';

/** A timeline sample's totals, and the violations found so far. */
export interface StatusSample extends Omit<TimelineSample, 'threadOps'> {
  violations: number;
}

export function formatStatus(now: StatusSample, prev: StatusSample | null, durationMs: number): string {
  const dt = prev ? (now.ms - prev.ms) / 1000 : now.ms / 1000;
  const rate = (a: number, b: number): string => (dt > 0 ? humanRate((a - b) / dt) : '0');
  const readerRate = rate(now.readerOps, prev?.readerOps ?? 0);
  const writerRate = rate(now.writerOps, prev?.writerOps ?? 0);
  return (
    `${(now.ms / 1000).toFixed(1)}s/${(durationMs / 1000).toFixed(0)}s  ` +
    `readers ${readerRate} ops/s  writer ${writerRate} ops/s  ` +
    `grace periods ${now.gracePeriods}  re-walks ${now.rewalks}  ` +
    `taint discarded ${now.discardedTaint}  violations ${now.violations}`
  );
}

export function humanRate(n: number): string {
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)}M`;
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)}k`;
  return n.toFixed(0);
}
