// The counts access-count.ts reports for each tree, and the stack walk both trees' per-function
// attribution uses.
/** Accesses counted over a span of operations (all in words, sub-word kernel accesses apart). */
export interface AccessCounts {
  /** Node-memory words read: plain reads, scanned words, rcu_dereference (+ rmb), atomic loads. */
  nodeReads: number;
  /** Node-memory words written: plain writes, rcu_assign_pointer, atomic stores. */
  nodeWrites: number;
  /** Kernel: node-memory byte and half-word loads and stores (not in nodeReads/nodeWrites). */
  nodeSubReads: number;
  nodeSubWrites: number;
  /** Tree header words (replica: node 0; kernel: struct maple_tree). */
  headerReads: number;
  headerWrites: number;
  /** Kernel only: the tree code's stack accesses (ma_state, ma_wr_state, the big node, spills). */
  stackReads: number;
  stackWrites: number;
  /** Kernel only: the tree code's other accesses (globals such as mt_slots[], mt_pivots[]). */
  otherReads: number;
  otherWrites: number;
  /** rcu_dereference (replica: deref and derefRmb) and rcu_assign_pointer (replica: publish). */
  deref: number;
  publish: number;
  /** Replica: loadAtomic/storeAtomic (Atomics.load/store outside deref and publish). */
  atomics: number;
  wmb: number;
  rmb: number;
  mb: number;
  /** Replica: scan calls (each reads several words). */
  scans: number;
  /** Kernel: node-memory accesses by the runtime (slab, checks), left out of the above. */
  excludedReads: number;
  excludedWrites: number;
  /**
   * Node words read and written, by function (replica: innermost src/tree frame; kernel: wasm
   * function after inlining, memcpy/memset/memmove as `memset<caller>`, the runtime's excluded
   * accesses as `[runtime] function`).
   */
  byFunction: Map<string, { reads: number; writes: number }>;
}

export function emptyCounts(): AccessCounts {
  return {
    nodeReads: 0,
    nodeWrites: 0,
    nodeSubReads: 0,
    nodeSubWrites: 0,
    headerReads: 0,
    headerWrites: 0,
    stackReads: 0,
    stackWrites: 0,
    otherReads: 0,
    otherWrites: 0,
    deref: 0,
    publish: 0,
    atomics: 0,
    wmb: 0,
    rmb: 0,
    mb: 0,
    scans: 0,
    excludedReads: 0,
    excludedWrites: 0,
    byFunction: new Map(),
  };
}

export function addFn(c: AccessCounts, fn: string, reads: number, writes: number): void {
  const e = c.byFunction.get(fn);
  if (e === undefined) c.byFunction.set(fn, { reads, writes });
  else {
    e.reads += reads;
    e.writes += writes;
  }
}

/** The JS and wasm frames on the stack now, innermost first (V8's structured stack trace). */
export function stackSites(limit: number): NodeJS.CallSite[] {
  const prepare = Error.prepareStackTrace;
  const saved = Error.stackTraceLimit;
  Error.prepareStackTrace = (_e, sites) => sites;
  Error.stackTraceLimit = limit;
  const holder = {} as { stack: NodeJS.CallSite[] };
  Error.captureStackTrace(holder);
  const sites = holder.stack;
  Error.prepareStackTrace = prepare;
  Error.stackTraceLimit = saved;
  return sites;
}

