/** The shapes that flow between the CLI, the run, the worker threads and the reports. */

export type CheckMode = 'full' | 'sample' | 'off';
export type WorkloadName = 'random' | 'vma' | 'slot-store' | 'spanning' | 'churn';
export const WORKLOADS: readonly WorkloadName[] = ['random', 'vma', 'slot-store', 'spanning', 'churn'];

/** Which tree is tortured: the project's replica, or the kernel's own code built to wasm. */
export type TreeKind = 'replica' | 'kernel';

export interface RunConfig {
  /** The tree under test (default replica). */
  tree?: TreeKind;
  /** With tree kernel: the kernel source tree (default: Debian's linux-source-6.12, fetched). */
  kernelSrc?: string;
  /** Milliseconds to run. */
  durationMs: number;
  readers: number;
  seed: number;
  workload: WorkloadName;
  /** Catalog bug names switched on (empty: the correct build). */
  bugs: string[];
  check: CheckMode;
  /** Fraction of reader operations checked with --check sample. */
  sampleRate: number;
  /** Keys used by the workload: [0, keyspace). */
  keyspace: number;
  /** Slab size in nodes. */
  capacity: number;
  /** Go on after the first violation (default: stop the run). */
  keepGoing: boolean;
  /** A thread that makes no progress this long is a stall. */
  stallMs: number;
  /** The writer fills the tree, then waits for the end (reader-scaling measurements). */
  idleWriter?: boolean;
  /**
   * Police the writer's stores with the RCU write policy (src/tree/write-policy.ts). Default: on
   * whenever results are checked; off lets tests and benchmarks see the reader-side oracles alone.
   */
  writePolicy?: boolean;
}

export type ViolationKind =
  | 'result' // a reader's result matches no version in its window
  | 'iteration' // an iteration went backwards, repeated or skipped
  | 'stale-read' // the generation detector: data from a dead node reached a result
  | 'poison' // an entry that is free-path poison or a node reference
  | 'structure' // validate() failed, or a reader hit a corrupt node
  | 'accounting' // slab accounting after the final barrier
  | 'lockdep' // an access from a context holding no protection
  | 'cost' // a barrier count above what the protocol needs
  | 'write-policy' // the writer stored into a node readers may be in, outside the protocol's in-place kinds
  | 'stall' // a thread made no progress
  | 'trap' // the kernel build trapped: BUG_ON, an out-of-bounds access, unreachable code
  | 'crash'; // a worker threw or exited

export interface Violation {
  kind: ViolationKind;
  /** 'reader 3' or 'writer'. */
  thread: string;
  /** The operation, e.g. 'walk(1234)' or 'find(100, 2000) step 3'. */
  op: string;
  /** What was seen and what any version in the window would have given. */
  seen: string;
  expected: string[];
  /** The version window [vs, ve] of the operation, when there is one. */
  window?: [number, number];
  /** Node ids and generations involved, when known. */
  nodes?: string;
  detail?: string;
  /** What the tree's code walked in the failing section (kernel build: dereferences and step states). */
  trace?: string[];
}

export interface LatencySummary {
  samples: number;
  p50Ns: number;
  p99Ns: number;
  p999Ns: number;
  maxNs: number;
}

export interface ThreadSummary {
  thread: string;
  ops: number;
  /** Reads that found a dead node and walked again from the root. */
  rewalks: number;
  /** Tainted reads the tree's own dead check threw away (checked mode). */
  discardedTaint: number;
  checks: number;
  /**
   * Readers: results only the torn-bounds rule accepted (a correct reader raced an in-place slot
   * store; src/harness/oracle/torn-bounds.ts). Absent in files written before it was counted.
   */
  tornAccepted?: number;
  latency?: LatencySummary;
  /** Writer only. */
  versions?: number;
  gracePeriods?: number;
  barriers?: { wmb: number; rmb: number; mb: number; publish: number };
  writeKinds?: Record<string, number>;
  deadNodes?: number;
  /**
   * Writer on the kernel build: trees' first nodes published (the root word held no node) and
   * how many of those publish pauses a reader's whole section saw (src/kernel/runtime/rt.c).
   */
  firstNodePublishes?: { published: number; seenByReader: number };
  /** Writer only, when its stores were policed: the allowed in-place stores, by kind (write-policy.ts). */
  inPlaceWrites?: Record<string, number>;
}

export interface RunResult {
  schema: 1;
  runId: string;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  config: RunConfig;
  /** The command that reruns this run. */
  rerun: string;
  elapsedMs: number;
  stoppedBy: 'duration' | 'violation' | 'signal' | 'failure';
  threads: ThreadSummary[];
  totals: { readerOps: number; writerOps: number; rewalks: number; discardedTaint: number; gracePeriods: number };
  tree: { height: number; nodes: number; entries: number; fill: number };
  violations: Violation[];
  /**
   * Known findings of the tree's own code met during the run, by name (src/harness/kernel-known.ts):
   * counted, not violations. Absent when none.
   */
  known?: Record<string, number>;
  /** With tree kernel: what was built and run. */
  kernel?: KernelBuildInfo;
  /** Periodic samples for reports: elapsed ms, cumulative reader ops, writer ops, rewalks, grace periods. */
  timeline: TimelineSample[];
}

export interface KernelBuildInfo {
  version: string;
  origin: string;
  sourceDir: string;
  sourceHash: string;
  buildHash: string;
  /** Kernel catalog mutations applied to the source before the build (empty: as given). */
  mutations: string[];
}

/** One timeline sample: cumulative counts since the threads started, `ms` after they started. */
export interface TimelineSample {
  ms: number;
  readerOps: number;
  writerOps: number;
  rewalks: number;
  gracePeriods: number;
  discardedTaint: number;
  /**
   * Cumulative ops per thread, in the control block's order: index 0 is the writer, index 1 + r is
   * reader r (the order of `threads` when every thread returned). Absent in files written before
   * it was recorded; reports then fall back to the reader and writer totals.
   */
  threadOps?: number[];
}
