/** What the main thread hands each worker: shared buffers and the run's settings. */
import type { SlabBuffers } from '../shared-heap/slab.js';
import type { CheckMode, ThreadSummary, Violation } from '../harness/types.js';

export interface SharedBuffers {
  slab: SlabBuffers;
  rcu: SharedArrayBuffer;
  log: SharedArrayBuffer;
  control: SharedArrayBuffer;
}

export interface TaskBase {
  shared: SharedBuffers;
  seed: number;
  /** Bug switch mask in force for the tree and heap code. */
  bugs: number;
  keyspace: number;
  check: CheckMode;
  keepGoing: boolean;
}

export interface ReaderTask extends TaskBase {
  role: 'reader';
  /** 0-based reader index; the thread's control row is index + 1. */
  reader: number;
  sampleRate: number;
  allocTree: boolean;
}

export interface WriterTask extends TaskBase {
  role: 'writer';
  workload: string;
  /** The free path skips grace periods (the no-grace-period bug). */
  skipGracePeriods: boolean;
  /** After setup, wait for the end instead of writing. */
  idle: boolean;
  /** Police the writer's stores (src/tree/write-policy.ts); only when results are checked. */
  writePolicy: boolean;
}

export type Task = ReaderTask | WriterTask;

export interface TaskResult {
  summary: ThreadSummary;
  violations: Violation[];
  /** Writer only: the tree's shape at the end. */
  tree?: { height: number; nodes: number; entries: number; fill: number };
}
