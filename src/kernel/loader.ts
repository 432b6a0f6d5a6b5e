/**
 * Instantiates the kernel's maple tree (built by build.ts) on a shared WasmMemory and
 * gives it a small typed API. One instance per thread, all on the same memory: the first
 * (primary) instance uses the linker's stack and creates the node cache; each further instance
 * gets its own stack and TLS block (allocThreadArea on the primary, passed to the other thread).
 * Keys and entries are unsigned 32-bit (the module is wasm32: `unsigned long` is 32 bits).
 */
import { readFileSync } from 'node:fs';
import { MAX_MEMORY_PAGES } from './build.js';
import { KernelTree } from './kernel-tree.js';

/*
 * The project compiles against lib ES2022 without DOM, which has no WebAssembly declarations:
 * the few parts used here are typed locally.
 */
export interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
}
export interface WasmGlobal {
  value: number;
}
export type WasmModule = object;
interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  instantiate(module: WasmModule, imports: object): Promise<{ exports: object }>;
  Instance: new (module: WasmModule, imports: object) => { exports: object };
  RuntimeError: new (message?: string) => Error;
}
const WA = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Tree flags (include/linux/maple_tree.h). */
export const MT_FLAGS_ALLOC_RANGE = 0x01;
export const MT_FLAGS_USE_RCU = 0x02;

/** A BUG() in the kernel code (or any other trap): the instance's stack and RCU state were reset. */
export class KernelTrap extends Error {
  override name = 'KernelTrap';
  constructor(
    message: string,
    readonly log: string,
    /** The kernel functions on the trap's stack, innermost first (runtime helpers left out). */
    readonly frames: string[] = [],
  ) {
    super(message);
  }

  /** The innermost kernel function the trap happened in ('' when the stack has none). */
  get kernelFunction(): string {
    return this.frames[0] ?? '';
  }
}

/** The module's own functions on a wasm trap's stack, innermost first, without the runtime's. */
export function kernelFrames(error: Error): string[] {
  const frames: string[] = [];
  for (const m of (error.stack ?? '').matchAll(/at maple\.wasm\.([A-Za-z_][A-Za-z0-9_]*)/g)) {
    const name = m[1];
    if (/^(rt_|km_|mem(cpy|move|set|cmp)$)/.test(name)) continue;
    frames.push(name);
  }
  return frames;
}

/**
 * A trap of a call into the module as a KernelTrap: the BUG line from the log when there is one,
 * else the trap's own message, and the kernel functions on its stack.
 */
export function kernelTrap(what: string, error: Error, log: string): KernelTrap {
  const bug = /kernel BUG at [^\n]*/.exec(log);
  const frames = kernelFrames(error);
  const where = frames.length > 0 ? ` in ${frames.slice(0, 4).join(' < ')}` : '';
  return new KernelTrap(`${what}: ${bug ? bug[0] : `trap: ${error.message}`}${where}`, log, frames);
}

export interface ThreadArea {
  stackTop: number;
  tls: number;
}

export interface SlabStats {
  capacity: number;
  live: number;
  free: number;
  allocs: number;
  frees: number;
  doubleFrees: number;
  rcuQueued: number;
  rcuInvoked: number;
  objectSize: number;
  requestedSize: number;
}

export interface RuntimeCounters {
  mb: number;
  wmb: number;
  rmb: number;
  assign: number;
  deref: number;
  warns: number;
  dumpStacks: number;
  bugs: number;
  /** rcu_dereference_protected calls whose condition did not hold (lockdep's suspicious RCU usage). */
  lockdepSplats: number;
  /** Where the first splat was (file:line). */
  lockdepAt: string;
  /** Dead nodes freed (each dead-marked node, once). */
  deaths: number;
  /** With RCU expected (expectRcu): dead nodes freed without a grace period. */
  deadDirectFrees: number;
  /** With RCU expected: nodes an RCU callback freed that were never marked dead. */
  liveRcuFrees: number;
  /** The first node of either policy finding (0: none). */
  policyNode: number;
  /** smp_wmb calls right after one from another call site, no runtime call between (rt.c). */
  wmbBackToBack: number;
  /** The first such pair's call sites, `file:line then file:line` ('' if none). */
  wmbBackToBackAt: string;
  /** rcu_assign_pointer calls that published a tree's first node (its root word held no node). */
  firstNodePublishes: number;
  /** ... after which, with the publish pause on, a reader ran a whole read-side section. */
  publishPausesSeen: number;
}

/** A reader thread's node tracker (rt_track_nodes): what it found so far. */
export interface ReaderReport {
  /** Nodes freed while a read-side section that reached them was still open. */
  freedUnder: number;
  /** Dereferences that landed on a node already freed. */
  freedAtDeref: number;
  /** Nodes not tracked (an operation reached more than the tracker holds). */
  untracked: number;
  /** The first finding: node address and its generation when reached and when judged. */
  node: number;
  genThen: number;
  genNow: number;
  /** Calls that returned after using a slot read from a dead node (rt.c: dead-slot use). */
  deadSlotUses: number;
  /** The first one: the slot's address and the value read. */
  deadSlotAt: number;
  deadSlotValue: number;
}

interface Exports {
  __stack_pointer: WasmGlobal;
  __tls_size: WasmGlobal;
  __tls_align: WasmGlobal;
  __wasm_init_tls(tls: number): void;
  rt_counters(): number;
  rt_log(): number;
  rt_log_clear(): void;
  rt_alloc(size: number, align: number): number;
  rt_thread_init(): number;
  rt_thread_reset(): void;
  rt_rcu_run_callbacks(): number;
  rt_slab_stats(out: number): void;
  rt_node_generation_offset(): number;
  rt_test_bug(): void;
  rt_test_node_free(address: number): void;
  rt_watchdog_arm(budget: number): void;
  rt_expect_rcu(on: number): void;
  /** 1: after publishing a new root node the writer waits for a reader's section (rt.c). */
  rt_publish_pause_enable(on: number): void;
  rt_track_nodes(on: number): void;
  rt_reader_report(): number;
  /** The walk trace (rt.c): copies up to `cap` {address, value} records; returns how many were made. */
  rt_trace_copy(out: number, cap: number): number;
  rt_read_lock(): void;
  rt_read_unlock(): void;
  km_mas_erase(mt: number, index: number, out: number): number;
  rt_reader_nesting(out: number, n: number): number;
  /** RCU callbacks so far that were the destroy walk's on a clobbered top node (inner/known.c). */
  km_clobbered_walks(): number;
  /** The parent-slot audit (inner/parents.c): on/off, trap at the first wrong slot; returns its counters. */
  km_parent_audit_start(mt: number, on: number, trap: number): number;
  /** 1: do not run a destroy walk the known 6.12 finding clobbered (inner/known.c); 0: run it. */
  km_skip_clobbered_walks(on: number): void;
  km_init(): void;
  km_mtree_new(flags: number): number;
  km_sizeof_maple_node(): number;
  km_range_slots(): number;
  km_arange_slots(): number;
  km_mtree_store_range(mt: number, first: number, last: number, entry: number): number;
  km_mtree_insert_range(mt: number, first: number, last: number, entry: number): number;
  km_mtree_load(mt: number, index: number): number;
  km_mtree_erase(mt: number, index: number): number;
  km_mtree_destroy(mt: number): void;
  km_mt_set_in_rcu(mt: number, on: number): void;
  km_mt_height(mt: number): number;
  km_mas_walk(mt: number, index: number, out: number): number;
  km_mas_find_all(mt: number, index: number, max: number, out: number, cap: number): number;
  km_mt_validate(mt: number): number;
  km_mt_dump(mt: number): void;
  km_shape(mt: number, out: number, cap: number): number;
  km_cursor_alloc(): number;
  km_cursor_set(mas: number, mt: number, index: number): void;
  km_cursor_step(mas: number, step: number, limit: number, out: number): number;
  km_cursor_pause(mas: number): void;
  /** For tests: the reader's ascent check from an encoded node (1: a parent word on the path is in flux). */
  km_ascent_check(mt: number, enode: number): number;
  km_test_read_slot(mas: number, thenRoot: number): number;
  km_test_rcu_head_bound(bound: number, since: number): number;
  km_test_rcu_seq_now(): number;
  km_empty_area(mt: number, min: number, max: number, size: number, rev: number, out: number): number;
  km_empty_area_locked(mt: number, min: number, max: number, size: number, rev: number, out: number): number;
  km_alloc_range(mt: number, size: number, entry: number, min: number, max: number, rev: number, out: number): number;
  /** Only in the self-check build (buildKernel({ selfTest: true })). */
  km_selftest?: (out: number) => number;
}

/** The kernel's test module's result: its MT_BUG_ON checks run and passed, and what its init returned. */
export interface SelfTestResult {
  passed: number;
  run: number;
  /** The module init's return value: 0 when every check passed, else -EINVAL. */
  ret: number;
  /** What the module printed. */
  log: string;
}

/** A shared memory the module can import (its maximum must equal the module's). */
export function createKernelMemory(initialPages = 64): WasmMemory {
  return new WA.Memory({ initial: initialPages, maximum: MAX_MEMORY_PAGES, shared: true });
}

export function compileKernel(wasmPath: string): WasmModule {
  return new WA.Module(readFileSync(wasmPath));
}

/**
 * Imports beyond the memory: the instrument-memory pass's hooks (module `env`) and the simulator
 * flavour's ordering primitives (module `sim`); see src/kernel/sim/kernel-sim-memory.ts.
 */
export interface KernelImports {
  env: Record<string, (...args: never[]) => unknown>;
  sim: Record<string, (...args: never[]) => unknown>;
}

function kernelImports(memory: WasmMemory, hooks: KernelImports | undefined): object {
  return hooks === undefined ? { env: { memory } } : { env: { memory, ...hooks.env }, sim: hooks.sim };
}

const STACK_SIZE = 256 * 1024;
const SCRATCH_WORDS = 3 * 1024;

export class KernelInstance {
  readonly slot: number;
  private readonly stackTop: number;
  private readonly scratch: number;

  private constructor(
    readonly memory: WasmMemory,
    readonly exports: Exports,
    area: ThreadArea | undefined,
  ) {
    const x = exports;
    if (area) {
      x.__stack_pointer.value = area.stackTop;
      x.__wasm_init_tls(area.tls);
    } else {
      const tls = x.rt_alloc(Math.max(Number(x.__tls_size.value), 4), Math.max(Number(x.__tls_align.value), 16));
      x.__wasm_init_tls(tls);
      x.km_init();
    }
    this.stackTop = Number(x.__stack_pointer.value);
    this.slot = x.rt_thread_init();
    if (this.slot < 0) throw new Error('kernel runtime: no free thread slot (at most 64 instances per memory)');
    this.scratch = x.rt_alloc(SCRATCH_WORDS * 4, 64);
  }

  /**
   * Instantiate on `memory`. Without `area` this is the primary instance (one per memory, the
   * first); with `area` (from the primary's allocThreadArea) a further one, typically in a worker.
   */
  static async create(module: WasmModule, memory: WasmMemory, area?: ThreadArea, hooks?: KernelImports): Promise<KernelInstance> {
    const instance = await WA.instantiate(module, kernelImports(memory, hooks));
    return new KernelInstance(memory, instance.exports as unknown as Exports, area);
  }

  /**
   * The same as create, synchronously (a driver that replaces an instance a trap left unusable).
   * `hooks`: the simulator's imports, for an instrumented simulator build (src/kernel/sim/).
   */
  static createSync(module: WasmModule, memory: WasmMemory, area?: ThreadArea, hooks?: KernelImports): KernelInstance {
    const instance = new WA.Instance(module, kernelImports(memory, hooks));
    return new KernelInstance(memory, instance.exports as unknown as Exports, area);
  }

  /** A stack and TLS block for another instance on this memory. */
  allocThreadArea(): ThreadArea {
    const x = this.exports;
    const base = x.rt_alloc(STACK_SIZE, 256);
    const tls = x.rt_alloc(Math.max(Number(x.__tls_size.value), 4), Math.max(Number(x.__tls_align.value), 16));
    if (!base || !tls) throw new Error('kernel runtime: out of memory for a thread area');
    return { stackTop: base + STACK_SIZE, tls };
  }

  private get u32(): Uint32Array {
    return new Uint32Array(this.memory.buffer);
  }

  /** Run a call into the module; a trap resets this instance's stack and RCU nesting. */
  call<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (!KernelInstance.isTrap(error)) throw error;
      throw this.recover(what, error as Error);
    }
  }

  /** After a trap: reset this instance's stack and RCU state; the trap as a KernelTrap. */
  recover(what: string, error: Error): KernelTrap {
    this.exports.__stack_pointer.value = this.stackTop;
    this.exports.rt_thread_reset();
    return kernelTrap(what, error, this.log());
  }

  /**
   * Whether `error` left a call into the module half done: a trap (WebAssembly.RuntimeError) or a
   * stack overflow (a RangeError thrown through the module's frames). Either leaves the instance's
   * stack pointer and RCU nesting dirty: recover() resets them.
   */
  static isTrap(error: unknown): error is Error {
    return error instanceof WA.RuntimeError || error instanceof RangeError;
  }

  newTree(flags = MT_FLAGS_USE_RCU): KernelTree {
    const mt = this.call('mtree_new', () => this.exports.km_mtree_new(flags));
    if (!mt) throw new Error('kernel runtime: out of memory for a tree');
    return new KernelTree(this, mt);
  }

  /** Attach to a tree another instance on this memory created. */
  tree(address: number): KernelTree {
    return new KernelTree(this, address);
  }

  /** One grace period: wait for readers, run the queued call_rcu callbacks; returns how many ran. */
  runRcuCallbacks(): number {
    return this.call('rcu grace period', () => this.exports.rt_rcu_run_callbacks()) >>> 0;
  }

  /** Grace periods until no callback is queued. */
  rcuBarrier(): number {
    let total = 0;
    for (let n = this.runRcuCallbacks(); n > 0; n = this.runRcuCallbacks()) total += n;
    return total;
  }

  slabStats(): SlabStats {
    this.exports.rt_slab_stats(this.scratch);
    const w = this.u32.subarray(this.scratch >>> 2, (this.scratch >>> 2) + 10);
    return {
      capacity: w[0],
      live: w[1],
      free: w[2],
      allocs: w[3],
      frees: w[4],
      doubleFrees: w[5],
      rcuQueued: w[6],
      rcuInvoked: w[7],
      objectSize: w[8],
      requestedSize: w[9],
    };
  }

  /**
   * The generation of the node at byte address `node`: how many times it was freed. The runtime's
   * slab keeps it in a word after the node, outside what the tree sees.
   */
  nodeGeneration(node: number): number {
    const offset = this.exports.rt_node_generation_offset();
    if (offset === 0) throw new Error('kernel runtime: no node cache yet');
    return Atomics.load(new Uint32Array(this.memory.buffer), (node + offset) >>> 2);
  }

  counters(): RuntimeCounters {
    const base = this.exports.rt_counters() >>> 2;
    const w = this.u32;
    return {
      mb: w[base],
      wmb: w[base + 1],
      rmb: w[base + 2],
      assign: w[base + 3],
      deref: w[base + 4],
      warns: w[base + 5],
      dumpStacks: w[base + 6],
      bugs: w[base + 7],
      lockdepSplats: w[base + 14],
      lockdepAt: w[base + 14] ? `${this.cString(w[base + 16])}:${w[base + 15]}` : '',
      deaths: w[base + 17],
      deadDirectFrees: w[base + 18],
      liveRcuFrees: w[base + 19],
      policyNode: w[base + 20],
      wmbBackToBack: w[base + 22],
      wmbBackToBackAt: w[base + 22] ? `${this.cString(w[base + 25])}:${w[base + 26]} then ${this.cString(w[base + 27])}:${w[base + 28]}` : '',
      firstNodePublishes: w[base + 23],
      publishPausesSeen: w[base + 24],
    };
  }

  /** Each claimed thread slot's read-side nesting (0: outside any section), for stall reports. */
  readerNesting(): number[] {
    const { ptr } = this.scratchWords();
    const used = this.exports.rt_reader_nesting(ptr, 64);
    return Array.from(new Uint32Array(this.memory.buffer, ptr, used));
  }

  /** A NUL-terminated string in the module's memory. */
  cString(ptr: number): string {
    if (!ptr) return '';
    const bytes = new Uint8Array(this.memory.buffer);
    let end = ptr;
    while (end < bytes.length && bytes[end] !== 0 && end - ptr < 4096) end++;
    return new TextDecoder().decode(bytes.slice(ptr, end));
  }

  /**
   * Judge the free policy of RCU mode in the runtime's slab (see rt_free_policy in rt.c): dead
   * nodes only after a grace period, and every node a grace period frees dead.
   */
  expectRcu(on: boolean): void {
    this.exports.rt_expect_rcu(on ? 1 : 0);
  }

  /** Turn this thread's node tracker on (the stale-read detector at node granularity). */
  trackNodes(on: boolean): void {
    this.exports.rt_track_nodes(on ? 1 : 0);
  }

  /** This thread's node tracker findings. */
  readerReport(): ReaderReport {
    const base = this.exports.rt_reader_report() >>> 2;
    const w = this.u32;
    return { freedUnder: Atomics.load(w, base), freedAtDeref: Atomics.load(w, base + 1), untracked: w[base + 2], node: w[base + 3], genThen: w[base + 4], genNow: w[base + 5],
      deadSlotUses: Atomics.load(w, base + 6), deadSlotAt: w[base + 7], deadSlotValue: w[base + 8] };
  }

  /**
   * Single-threaded use only: until re-armed, a call into the tree that makes more than `budget`
   * RCU dereferences (a walk that never ends) BUGs and throws a KernelTrap naming the watchdog.
   * 0 disarms it.
   */
  armWatchdog(budget: number): void {
    this.exports.rt_watchdog_arm(budget >>> 0);
  }

  /** What printk wrote since the last clearLog. */
  log(): string {
    const len = this.u32[(this.exports.rt_counters() >>> 2) + 10];
    const ptr = this.exports.rt_log();
    // TextDecoder refuses views on shared memory: copy first.
    return new TextDecoder().decode(new Uint8Array(this.memory.buffer, ptr, len).slice());
  }

  clearLog(): void {
    this.exports.rt_log_clear();
  }

  /** Whether this module is a self-check build (it contains the kernel's test module). */
  hasSelfTest(): boolean {
    return typeof this.exports.km_selftest === 'function';
  }

  /**
   * Run the kernel's test module (lib/test_maple_tree.c) once: its module init, every
   * MT_BUG_ON counted. Only on a 32-slot self-check build, once, on a fresh memory (the counters
   * are the module's own and are not reset).
   */
  runSelfTest(): SelfTestResult {
    const run = this.exports.km_selftest;
    if (typeof run !== 'function') throw new Error('kernel runtime: not a self-check build (build with selfTest: true)');
    // The module takes 16 slots for 64-bit longs: on the 16-slot wasm32 build its check_find never ends.
    if (this.geometry().rangeSlots !== 32) throw new Error('kernel runtime: the self-check runs on the 32-slot build only');
    this.clearLog();
    const ret = this.call('maple_tree_seed', () => run(this.scratch));
    const w = new Uint32Array(this.memory.buffer, this.scratch, 2);
    return { passed: w[0], run: w[1], ret, log: this.log() };
  }

  /** Node geometry of this build. */
  geometry(): { rangeSlots: number; arangeSlots: number; nodeSize: number } {
    const x = this.exports;
    return { rangeSlots: x.km_range_slots(), arangeSlots: x.km_arange_slots(), nodeSize: x.km_sizeof_maple_node() };
  }

  /** @internal */
  scratchWords(): { ptr: number; words: number } {
    return { ptr: this.scratch, words: SCRATCH_WORDS };
  }

  private shapeBuffer = 0;
  private shapeWords = 0;

  /**
   * @internal A buffer of at least `words` words in the module's memory, kept for reuse. The
   * runtime's allocator never frees, so it only grows (by doubling) when a tree outgrows it.
   */
  bigScratch(words: number): number {
    if (words > this.shapeWords) {
      const size = Math.max(words, this.shapeWords * 2, 4096);
      const ptr = this.exports.rt_alloc(size * 4, 64);
      if (!ptr) throw new Error('kernel runtime: out of memory for a result buffer');
      this.shapeBuffer = ptr;
      this.shapeWords = size;
    }
    return this.shapeBuffer;
  }
}

/** Build-and-load in one step for single-threaded use. */
export async function loadKernel(wasmPath: string, memory = createKernelMemory()): Promise<KernelInstance> {
  return KernelInstance.create(compileKernel(wasmPath), memory);
}
