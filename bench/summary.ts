// Turning tinybench tasks into plain per-op figures (ns, ops/s) for the table and the JSON file.
import type { Task } from 'tinybench';
import type { Unit } from './tree/workloads.js';

export interface TaskSummary {
  name: string;
  unit: Unit;
  description: string;
  state: string;
  /** 1e9 / meanNs: per-op throughput consistent with the mean latency. */
  opsPerSec: number | null;
  meanNs: number | null;
  p50Ns: number | null;
  p99Ns: number | null;
  minNs: number | null;
  maxNs: number | null;
  sdNs: number | null;
  /** Half-width of the 95% confidence interval of the mean, ns and % of the mean. */
  moeNs: number | null;
  rmePct: number | null;
  /** Number of samples; each sample is the per-op mean of one batch (or of one full pass). */
  samples: number | null;
  error?: string;
  /** Maple tree shape right after a maple task ran (shows drift caused by the write tasks). */
  mapleAfter?: { liveNodes: number; height: number } | { error: string };
  /** Kinds of write the maple tree performed during the task, warmup and untimed undo included. */
  writeKinds?: Record<string, number> | null;
  /** Process CPU time / wall time over the task's warmup + run (contention indicator). */
  cpuShare?: number | null;
}

const ms2ns = (ms: number): number => ms * 1e6;

export function summarize(task: Task, unit: Unit, description: string): TaskSummary {
  const r = task.result;
  const base = { name: task.name, unit, description, state: r.state };
  if (r.state === 'completed' || r.state === 'aborted-with-statistics') {
    const l = r.latency;
    const meanNs = ms2ns(l.mean);
    return {
      ...base,
      opsPerSec: meanNs > 0 ? 1e9 / meanNs : null,
      meanNs,
      p50Ns: ms2ns(l.p50),
      p99Ns: ms2ns(l.p99),
      minNs: ms2ns(l.min),
      maxNs: ms2ns(l.max),
      sdNs: ms2ns(l.sd),
      moeNs: ms2ns(l.moe),
      rmePct: l.rme,
      samples: l.samplesCount,
    };
  }
  const empty = { opsPerSec: null, meanNs: null, p50Ns: null, p99Ns: null, minNs: null, maxNs: null, sdNs: null, moeNs: null, rmePct: null, samples: null };
  if (r.state === 'errored') return { ...base, ...empty, error: r.error.stack ?? r.error.message };
  return { ...base, ...empty };
}
