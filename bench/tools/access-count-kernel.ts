// access-count.ts's kernel side: the simulator flavour of the kernel build, instrumented, with
// hooks that count each load and store by where it lands (node objects, the tree header, the
// stack, the rest) and by the wasm function it is in; the runtime's own accesses apart.
import { readFileSync } from 'node:fs';
import { MAX_MEMORY_BYTES, buildKernel } from '../../src/kernel/build.js';
import { instrumentKernel } from '../../src/kernel/instrument.js';
import { KernelInstance, compileKernel, createKernelMemory, type KernelImports, type WasmMemory } from '../../src/kernel/loader.js';
import { entryOf, firstOf, lastOf } from '../tree/data.js';
import { kernelPeerOf, type KernelPeer } from '../tree/kernel.js';
import { addFn, emptyCounts, stackSites, type AccessCounts } from './access-counts.js';

const NODE_OBJECT = 256;

/** Functions of the runtime and glue (src/kernel/runtime, src/kernel/inner), not lib/maple_tree.c. */
export function isRuntimeFunction(name: string): boolean {
  return /^(rt_|km_|kmem_cache_|slab_|call_rcu|__wasm|memcmp)/.test(name);
}

const STRING_FNS = new Set(['memcpy', 'memset', 'memmove']);

/** Load and store sites of the instrumented module, each with the function it is in. */
export interface SiteMap {
  loads: string[];
  stores: string[];
}

/** Reads the instrumented module's text (binaryen, names kept) for each site's function. */
export async function siteMap(wasmPath: string): Promise<SiteMap> {
  const binaryen = ((await import('binaryen')) as { default: { readBinary(b: Uint8Array): { emitText(): string; dispose(): void }; setDebugInfo(on: boolean): void } }).default;
  binaryen.setDebugInfo(true);
  const m = binaryen.readBinary(readFileSync(wasmPath));
  const text = m.emitText();
  m.dispose();
  const loads: string[] = [];
  const stores: string[] = [];
  // Read back, the hooks are named after their import index ($fimport$9), not load_ptr.
  const esc = (x: string): string => x.replace(/[$.]/g, (c) => `\\${c}`);
  const hook = (name: string): string => {
    const m = new RegExp(`\\(import "env" "${name}" \\(func \\$(\\S+) `).exec(text);
    if (m === null) throw new Error(`siteMap: the module imports no env.${name}`);
    return m[1];
  };
  const loadHook = hook('load_ptr');
  const storeHook = hook('store_ptr');
  const re = new RegExp(`^ \\(func \\$(\\S+)|\\(call \\$(${esc(loadHook)}|${esc(storeHook)})\\n\\s*\\(i32\\.const (\\d+)\\)`, 'gm');
  let fn = '?';
  for (const m of text.matchAll(re)) {
    if (m[1] !== undefined) fn = m[1];
    else (m[2] === loadHook ? loads : stores)[Number(m[3])] = fn;
  }
  if (loads.length === 0 || stores.length === 0) throw new Error('siteMap: found no load or store sites in the module text');
  return { loads, stores };
}

/** The innermost wasm function on the stack that `skip` does not skip. */
function wasmCaller(skip: (name: string) => boolean): string {
  for (const s of stackSites(10)) {
    const file = s.getFileName() ?? '';
    if (!file.startsWith('wasm')) continue;
    const name = (s.getFunctionName() ?? '?').replace(/^\$/, '');
    if (skip(name)) continue;
    return name;
  }
  return '?';
}

/**
 * The instrumented simulator flavour's hooks, counting. Node objects are learnt from
 * rt_sim_node_chunk; `setTree` names the tree header (struct maple_tree) and `stackTop` the end of
 * the stack (the stack is first in memory: --stack-first).
 */
export class KernelCounter {
  on = false;
  /** Attribute rcu_dereference/rcu_assign_pointer to their caller (a stack trace each). */
  attribute = true;
  c: AccessCounts = emptyCounts();
  private readonly blocks = new Uint8Array(MAX_MEMORY_BYTES / NODE_OBJECT);
  private nodeBytes = 0;
  private headerLo = -1;
  private headerHi = -1;
  stackTop = 0;
  private roots: number[] = [];
  private words: Int32Array;
  private readonly loadRuntime: boolean[];
  private readonly storeRuntime: boolean[];

  constructor(
    private readonly memory: WasmMemory,
    private readonly sites: SiteMap,
  ) {
    this.words = new Int32Array(memory.buffer);
    this.loadRuntime = sites.loads.map((f) => isRuntimeFunction(f ?? ''));
    this.storeRuntime = sites.stores.map((f) => isRuntimeFunction(f ?? ''));
  }

  reset(): AccessCounts {
    const c = this.c;
    this.c = emptyCounts();
    return c;
  }

  /** The tree's struct maple_tree: from its address to the end of its root word. */
  setTree(mt: number): void {
    const root = this.roots.find((r) => r >= mt && r < mt + 64);
    if (root === undefined) throw new Error('KernelCounter: the tree announced no root word');
    this.headerLo = mt;
    this.headerHi = root + 4;
  }

  private isNode(addr: number): boolean {
    return this.blocks[addr >>> 8] !== 0 && (addr & (NODE_OBJECT - 1)) < this.nodeBytes;
  }

  private realWord(addr: number): number {
    const i = addr >>> 2;
    if (i >= this.words.length) this.words = new Int32Array(this.memory.buffer);
    return Atomics.load(this.words, i);
  }

  /** One access of `bytes` at addr by the function `fn` (runtime: whether it is the runtime's). */
  private access(addr: number, bytes: number, write: boolean, site: string, runtime: boolean): void {
    const c = this.c;
    if (this.isNode(addr)) {
      if (runtime) {
        if (write) c.excludedWrites++;
        else c.excludedReads++;
        addFn(c, `[runtime] ${site}`, write ? 0 : 1, write ? 1 : 0);
        return;
      }
      // memcpy/memset/memmove: charged to the tree function that called them.
      const fn = this.attribute && STRING_FNS.has(site) ? `${site}<${wasmCaller((f) => STRING_FNS.has(f) || f.startsWith('rt_'))}` : site;
      const words = bytes === 8 ? 2 : bytes === 4 ? 1 : 0;
      if (words === 0) {
        if (write) c.nodeSubWrites++;
        else c.nodeSubReads++;
        addFn(c, fn, 0, 0);
        return;
      }
      if (write) c.nodeWrites += words;
      else c.nodeReads += words;
      addFn(c, fn, write ? 0 : words, write ? words : 0);
      return;
    }
    if (runtime) return;
    const n = bytes === 8 ? 2 : 1;
    if (addr >= this.headerLo && addr < this.headerHi) {
      if (write) c.headerWrites += n;
      else c.headerReads += n;
    } else if (addr < this.stackTop) {
      if (write) c.stackWrites += n;
      else c.stackReads += n;
    } else if (write) c.otherWrites += n;
    else c.otherReads += n;
  }

  imports(): KernelImports {
    const pass = (_id: number, v: unknown): unknown => v;
    const env: Record<string, unknown> = {};
    for (const op of ['struct_get_val', 'struct_set_val', 'array_get_val', 'array_set_val']) for (const t of ['i32', 'i64', 'f32', 'f64']) env[`${op}_${t}`] = pass;
    for (const name of ['memory_grow_pre', 'memory_grow_post', 'array_get_index', 'array_set_index']) env[name] = pass;
    for (const t of ['i32', 'i64', 'f32', 'f64']) {
      env[`load_val_${t}`] = pass;
      env[`store_val_${t}`] = pass;
    }
    const { loads, stores } = this.sites;
    env.load_ptr = (id: number, bytes: number, offset: number, ptr: number): number => {
      if (this.on) this.access((ptr + offset) >>> 0, bytes, false, loads[id], this.loadRuntime[id]);
      return ptr;
    };
    env.store_ptr = (id: number, bytes: number, offset: number, ptr: number): number => {
      if (this.on) this.access((ptr + offset) >>> 0, bytes, true, stores[id], this.storeRuntime[id]);
      return ptr;
    };
    const sim = {
      wmb: () => {
        if (this.on) this.c.wmb++;
      },
      rmb: () => {
        if (this.on) this.c.rmb++;
      },
      mb: () => {
        if (this.on) this.c.mb++;
      },
      node_chunk: (chunk: number, size: number, nodeBytes: number, count: number) => {
        if (size !== NODE_OBJECT) throw new Error(`KernelCounter: node objects of ${size} bytes (expected ${NODE_OBJECT})`);
        this.nodeBytes = nodeBytes;
        for (let i = 0; i < count; i++) this.blocks[((chunk >>> 0) + i * size) >>> 8] = 1;
      },
      root: (p: number) => {
        this.roots.push(p >>> 0);
      },
      deref: (p: number) => {
        const addr = p >>> 0;
        if (this.on) {
          this.c.deref++;
          this.access(addr, 4, false, this.attribute ? wasmCaller(isRuntimeFunction) : 'rcu_dereference', false);
        }
        return this.realWord(addr);
      },
      publish: (p: number, v: number) => {
        const addr = p >>> 0;
        if (this.on) {
          this.c.publish++;
          this.access(addr, 4, true, this.attribute ? wasmCaller(isRuntimeFunction) : 'rcu_assign_pointer', false);
        }
        const i = addr >>> 2;
        if (i >= this.words.length) this.words = new Int32Array(this.memory.buffer);
        Atomics.store(this.words, i, v | 0);
      },
      grace_period: () => {},
    };
    return { env, sim } as unknown as KernelImports;
  }
}

export interface CountingKernel {
  peer: KernelPeer;
  counter: KernelCounter;
  wasmPath: string;
}

/** The simulator flavour, instrumented, with a KernelCounter and an empty tree (flags 0, as the bench's). */
export async function countingKernel(log: (line: string) => void = () => {}): Promise<CountingKernel> {
  const built = await buildKernel({ slots: 16, sim: true, log });
  const instrumented = await instrumentKernel(built);
  const sites = await siteMap(instrumented.wasmPath);
  const memory = createKernelMemory();
  const counter = new KernelCounter(memory, sites);
  const kernel = KernelInstance.createSync(compileKernel(instrumented.wasmPath), memory, undefined, counter.imports());
  counter.stackTop = Number(kernel.exports.__stack_pointer.value);
  const tree = kernel.newTree(0);
  counter.setTree(tree.address);
  return { peer: kernelPeerOf(kernel, tree), counter, wasmPath: instrumented.wasmPath };
}

/** Fills the counting kernel's tree with ranges 0..n-1 (counting off). */
export function fillKernel(k: CountingKernel, n: number): void {
  k.peer.batch('fill', () => {
    for (let i = 0; i < n; i++) {
      const r = k.peer.storeRange(k.peer.mt, firstOf(i), lastOf(i), entryOf(i));
      if (r !== 0) throw new Error(`kernel: mtree_store_range returned ${r} at range ${i}`);
    }
  });
  k.peer.gracePeriods();
}

// ---- running the tasks ------------------------------------------------------------------------
