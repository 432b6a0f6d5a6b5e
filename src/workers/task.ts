/** What the main thread hands each worker: shared buffers and the run's settings. */
import type { SlabBuffers } from '../shared-heap/slab.js';
import type { CheckMode, ThreadSummary, Violation } from '../harness/types.js';
import type { ThreadArea, WasmMemory } from '../kernel/loader.js';

/** With --tree kernel: where each worker finds the kernel build and the tree. */
export interface KernelTaskInfo {
  wasmPath: string;
  /** The module's shared memory (the tree's nodes live in it). */
  memory: WasmMemory;
  /** This worker's stack and TLS block (from the primary instance). */
  area: ThreadArea;
  /** The struct maple_tree's address. */
  tree: number;
  /** The tree's flags as created (MT_FLAGS_ALLOC_RANGE, MT_FLAGS_USE_RCU). */
  flags: number;
}

export interface SharedBuffers {
  /** The replica's slab (absent with the kernel build, whose nodes live in its own memory). */
  slab?: SlabBuffers;
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
  /** Set when the tree under test is the kernel build's (--tree kernel). */
  kernel?: KernelTaskInfo;
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
  /** Known findings of the tree's code met (src/harness/kernel-known.ts), by name. */
  known?: Record<string, number>;
}
