/**
 * The kernel build's memory under the weak-memory simulator: which of the module's bytes are
 * simulated, and the hooks that route the instrumented module's accesses (src/kernel/instrument.ts)
 * and its ordering primitives (rt.c's RT_SIM imports) to one logical thread's SimulatedMemory.
 *
 * What is simulated: the struct maple_node at the start of every object of the tree's node cache
 * (128 bytes in the 16-slot wasm32 build; objects are 256 bytes, 256-byte aligned), and each tree's
 * root word: what the tree's readers and writer share. Everything else (the stacks and TLS blocks,
 * ma_states, the runtime's slab bookkeeping, RCU counters and traces, and the words the slab keeps
 * after each node: its call_rcu number and generation) is plain sequentially consistent memory:
 * the runtime's own bookkeeping is not subject to reordering. In the simulator's address space
 * words 0..15 are root words and node k (in allocation order) has words 16 + 64k .. 16 + 64k + 63
 * (of which the node's own are simulated).
 *
 * The one writer thread stores; the wasm store always happens in memory as well, so the module's
 * memory is the writer's program order, and the writer's loads (store forwarding, its own newest
 * values) read it as they are. Each of its stores to simulated memory also goes into its store
 * buffer (a byte or half-word store as the whole word it leaves). A reader's loads of simulated
 * memory are the simulator's: the hook returns the value its view allows, not the one in memory.
 * Readers never store to simulated memory (a store there stops the run as an internal error).
 */
import type { SimWorld, SimulatedMemory } from '../../shared-heap/simulated-memory.js';
import type { KernelImports, WasmMemory } from '../loader.js';
import { MAX_MEMORY_BYTES } from '../build.js';

const NODE_BYTES = 256;
const NODE_WORDS = NODE_BYTES / 4;
/** Simulated words reserved for trees' root words, before the nodes. */
export const ROOT_WORDS = 16;

/** The simulator's words for a tree of at most `maxNodes` node objects. */
export function simWords(maxNodes: number): number {
  return ROOT_WORDS + maxNodes * NODE_WORDS;
}

/** The run needs more node objects than the simulated address space holds. */
export class SimCapacityError extends Error {
  override name = 'SimCapacityError';
}

export type SimRole = 'writer' | 'reader';

export class KernelSimMemory {
  /** Per 256-byte block of the module's memory: 1 + the node's index, 0 when not a node. */
  private readonly blocks = new Int32Array(MAX_MEMORY_BYTES / NODE_BYTES);
  private readonly touched: number[] = [];
  private readonly roots: number[] = [];
  private words: Int32Array;
  /** Node objects registered so far. */
  nodes = 0;
  /** Bytes of each object that are the node (sizeof(struct maple_node)); known at the first chunk. */
  nodeBytes = 0;
  /** The simulator's clock when the last grace period began (later sections see what came before). */
  gracePeriodClock = 0;

  constructor(
    readonly world: SimWorld,
    private readonly memory: WasmMemory,
    private readonly maxNodes: number,
    /** Load sites that sign-extend (instrument.ts). */
    private readonly signedSites: ReadonlySet<number>,
  ) {
    this.words = new Int32Array(memory.buffer);
    if (simWords(maxNodes) > world.words) throw new RangeError('KernelSimMemory: the world is smaller than maxNodes needs');
  }

  /** The simulator's word for a byte address, or -1 when the address is not simulated. */
  simWord(addr: number): number {
    const b = this.blocks[addr >>> 8];
    if (b !== 0) {
      const off = addr & (NODE_BYTES - 1);
      return off < this.nodeBytes ? ROOT_WORDS + (b - 1) * NODE_WORDS + (off >>> 2) : -1;
    }
    const roots = this.roots;
    for (let i = 0; i < roots.length; i++) if (roots[i] === (addr & ~3)) return i;
    return -1;
  }

  /** The module's memory word at a byte address (the writer's program-order value). */
  realWord(addr: number): number {
    const i = addr >>> 2;
    if (i >= this.words.length) this.words = new Int32Array(this.memory.buffer);
    return Atomics.load(this.words, i) >>> 0;
  }

  private setRealWord(addr: number, value: number): void {
    const i = addr >>> 2;
    if (i >= this.words.length) this.words = new Int32Array(this.memory.buffer);
    Atomics.store(this.words, i, value);
  }

  /** The byte addresses of the node objects registered so far (tests). */
  nodeAddresses(): number[] {
    return this.touched.map((b) => b * NODE_BYTES);
  }

  /** Forget the node map (the memory is dropped with the run). */
  dispose(): void {
    for (const b of this.touched) this.blocks[b] = 0;
    this.touched.length = 0;
  }

  private registerChunk(chunk: number, size: number, nodeBytes: number, count: number): void {
    if (size !== NODE_BYTES || nodeBytes > NODE_BYTES || nodeBytes % 4 !== 0) {
      throw new Error(`simulator: node objects of ${size} bytes holding ${nodeBytes}-byte nodes (expected ${NODE_BYTES}-byte objects)`);
    }
    this.nodeBytes = nodeBytes;
    for (let i = 0; i < count; i++) {
      const base = (chunk + i * size) >>> 0;
      if ((base & (NODE_BYTES - 1)) !== 0) throw new Error(`simulator: node object 0x${base.toString(16)} is not 256-byte aligned`);
      if (this.nodes >= this.maxNodes) {
        throw new SimCapacityError(`simulator: the tree needs more than ${this.maxNodes} node objects (the scenario's capacity)`);
      }
      this.blocks[base >>> 8] = ++this.nodes;
      this.touched.push(base >>> 8);
    }
  }

  /** The imports for one instance whose accesses are `thread`'s. */
  imports(thread: SimulatedMemory, role: SimRole): KernelImports {
    return role === 'writer' ? this.writerImports(thread) : this.readerImports(thread);
  }

  /** The pass's hooks for accesses this build never makes (GC structs and arrays) and memory growth. */
  private static passThrough(): Record<string, (...args: never[]) => unknown> {
    const pass = (_id: number, v: unknown): unknown => v;
    const names = ['memory_grow_pre', 'memory_grow_post'];
    for (const op of ['struct_get_val', 'struct_set_val', 'array_get_val', 'array_set_val']) for (const t of ['i32', 'i64', 'f32', 'f64']) names.push(`${op}_${t}`);
    names.push('array_get_index', 'array_set_index');
    return Object.fromEntries(names.map((n) => [n, pass])) as Record<string, (...args: never[]) => unknown>;
  }

  /** Module `sim`'s imports both roles share: the barriers and what the slab announces. */
  private ordering(thread: SimulatedMemory): Record<string, (...args: never[]) => unknown> {
    return {
      wmb: () => thread.wmb(),
      rmb: () => thread.rmb(),
      mb: () => thread.mb(),
      node_chunk: (chunk: number, size: number, nodeBytes: number, count: number) => this.registerChunk(chunk >>> 0, size >>> 0, nodeBytes >>> 0, count >>> 0),
      root: (p: number) => {
        if (this.roots.length >= ROOT_WORDS) throw new SimCapacityError(`simulator: more than ${ROOT_WORDS} trees`);
        this.roots.push(p >>> 0);
      },
    } as unknown as Record<string, (...args: never[]) => unknown>;
  }

  /** A float access to simulated memory: the tree has none, so the hooks do not convert floats. */
  private static noFloats(addr: number, simulated: boolean): void {
    if (simulated) throw new Error(`simulator: a float access to simulated memory at 0x${addr.toString(16)}`);
  }

  private writerImports(thread: SimulatedMemory): KernelImports {
    const world = this.world;
    // Addresses of the stores whose value is being computed, innermost last (a store's value may
    // itself make calls that store).
    const storeAddr: number[] = [];
    const storeBytes: number[] = [];
    const scheduleAt = (addr: number, kind: 'read' | 'deref'): void => {
      const w = this.simWord(addr);
      if (w >= 0 && world.onAccess !== null) world.onAccess(thread, kind, w);
    };
    const storeWord = (addr: number, bytes: number, value: number): void => {
      const w = this.simWord(addr);
      if (w < 0) return;
      if (bytes === 4 && (addr & 3) === 0) {
        thread.write(w, value >>> 0);
        return;
      }
      const shift = (addr & 3) * 8;
      if ((addr & 3) + bytes > 4) throw new Error(`simulator: a ${bytes}-byte store at 0x${addr.toString(16)} crosses a word`);
      const mask = (bytes === 1 ? 0xff : 0xffff) << shift;
      thread.write(w, ((this.realWord(addr & ~3) & ~mask) | ((value << shift) & mask)) >>> 0);
    };
    const floatStore = (_id: number, v: number): number => {
      storeBytes.pop();
      const addr = storeAddr.pop() as number;
      KernelSimMemory.noFloats(addr, this.simWord(addr) >= 0);
      return v;
    };
    const env = {
      ...KernelSimMemory.passThrough(),
      load_ptr: (_id: number, _bytes: number, offset: number, ptr: number) => {
        const addr = (ptr + offset) >>> 0;
        scheduleAt(addr, 'read');
        return ptr;
      },
      load_val_f32: (_id: number, v: number) => v,
      load_val_f64: (_id: number, v: number) => v,
      store_val_f32: floatStore,
      store_val_f64: floatStore,
      load_val_i32: (_id: number, v: number) => v,
      load_val_i64: (_id: number, v: bigint) => v,
      store_ptr: (_id: number, bytes: number, offset: number, ptr: number) => {
        storeAddr.push((ptr + offset) >>> 0);
        storeBytes.push(bytes);
        return ptr;
      },
      store_val_i32: (_id: number, v: number) => {
        const addr = storeAddr.pop() as number;
        const bytes = storeBytes.pop() as number;
        storeWord(addr, bytes, v);
        return v;
      },
      store_val_i64: (_id: number, v: bigint) => {
        const addr = storeAddr.pop() as number;
        const bytes = storeBytes.pop() as number;
        if (bytes === 8) {
          if ((addr & 3) !== 0 && (this.simWord(addr) >= 0 || this.simWord(addr + 4) >= 0)) {
            throw new Error(`simulator: an unaligned 8-byte store at 0x${addr.toString(16)} in simulated memory`);
          }
          storeWord(addr, 4, Number(BigInt.asUintN(32, v)));
          storeWord(addr + 4, 4, Number(BigInt.asUintN(32, v >> 32n)));
        } else {
          storeWord(addr, bytes, Number(BigInt.asUintN(32, v)));
        }
        return v;
      },
    };
    const sim = {
      ...this.ordering(thread),
      deref: (p: number) => {
        const addr = p >>> 0;
        scheduleAt(addr, 'deref');
        return this.realWord(addr) | 0;
      },
      publish: (p: number, v: number) => {
        const addr = p >>> 0;
        const w = this.simWord(addr);
        if (w >= 0) thread.publish(w, v >>> 0);
        this.setRealWord(addr, v | 0);
      },
      grace_period: () => {
        // synchronize_rcu: a full barrier, and every section that begins after it sees what
        // preceded it (the readers raise their views to this clock at rcu_read_lock).
        thread.fence();
        this.gracePeriodClock = world.clock;
      },
    };
    return { env, sim } as unknown as KernelImports;
  }

  private readerImports(thread: SimulatedMemory): KernelImports {
    const signed = this.signedSites;
    let pendingWord = -1;
    let pendingAddr = 0;
    let pendingBytes = 0;
    /** A sub-word's value from the word the simulator returned. */
    const part = (id: number, addr: number, bytes: number, word: number): number => {
      const shift = (addr & 3) * 8;
      if ((addr & 3) + bytes > 4) throw new Error(`simulator: a ${bytes}-byte load at 0x${addr.toString(16)} crosses a word`);
      const bits = bytes * 8;
      const v = (word >>> shift) & ((1 << bits) - 1);
      return signed.has(id) ? (v << (32 - bits)) >> (32 - bits) : v;
    };
    const refuse = (what: string, addr: number): never => {
      throw new Error(`simulator: a reader ${what} simulated memory at 0x${addr.toString(16)} (readers only read the tree)`);
    };
    const floatLoad = (_id: number, v: number): number => {
      KernelSimMemory.noFloats(pendingAddr, pendingWord >= 0);
      return v;
    };
    const env = {
      ...KernelSimMemory.passThrough(),
      load_val_f32: floatLoad,
      load_val_f64: floatLoad,
      store_val_f32: (_id: number, v: number) => v,
      store_val_f64: (_id: number, v: number) => v,
      load_ptr: (_id: number, bytes: number, offset: number, ptr: number) => {
        const addr = (ptr + offset) >>> 0;
        pendingWord = this.simWord(addr);
        pendingAddr = addr;
        pendingBytes = bytes;
        return ptr;
      },
      load_val_i32: (id: number, v: number) => {
        const w = pendingWord;
        if (w < 0) return v;
        pendingWord = -1;
        const addr = pendingAddr;
        const bytes = pendingBytes;
        const word = thread.read(w);
        return bytes === 4 && (addr & 3) === 0 ? word | 0 : part(id, addr, bytes, word) | 0;
      },
      load_val_i64: (id: number, v: bigint) => {
        const w = pendingWord;
        if (w < 0) return v;
        pendingWord = -1;
        const addr = pendingAddr;
        const bytes = pendingBytes;
        if (bytes < 8) {
          const x = bytes === 4 && (addr & 3) === 0 ? thread.read(w) : part(id, addr, bytes, thread.read(w)) >>> 0;
          return signed.has(id) ? BigInt.asIntN(64, BigInt(x | 0)) : BigInt(x >>> 0);
        }
        if ((addr & 3) !== 0) throw new Error(`simulator: an unaligned 8-byte load at 0x${addr.toString(16)} in simulated memory`);
        const lo = thread.read(w);
        const w2 = this.simWord(addr + 4);
        const hi = w2 >= 0 ? thread.read(w2) : Number(BigInt.asUintN(32, v >> 32n));
        return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
      },
      store_ptr: (_id: number, _bytes: number, offset: number, ptr: number) => {
        const addr = (ptr + offset) >>> 0;
        if (this.simWord(addr) >= 0) refuse('stored to', addr);
        return ptr;
      },
      store_val_i32: (_id: number, v: number) => v,
      store_val_i64: (_id: number, v: bigint) => v,
    };
    const sim = {
      ...this.ordering(thread),
      deref: (p: number) => {
        const addr = p >>> 0;
        const w = this.simWord(addr);
        return w >= 0 ? thread.deref(w) | 0 : this.realWord(addr) | 0;
      },
      publish: (p: number) => refuse('published to', p >>> 0),
      grace_period: () => {
        throw new Error('simulator: a reader waited for a grace period');
      },
    };
    return { env, sim } as unknown as KernelImports;
  }
}
