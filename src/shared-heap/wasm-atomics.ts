/**
 * The memory layer's sequentially consistent word accesses as WebAssembly instructions: a node
 * buffer that is a shared WebAssembly.Memory's buffer gets `i32.atomic.load` and `i32.atomic.store`
 * through an 85-byte module instantiated on that memory, instead of `Atomics.load`/`Atomics.store`.
 *
 * Why: V8 (11.3 in Node 20, 13.6 in Node 24) does not inline `Atomics.load`; every call goes through
 * a builtin that checks its arguments, about 4-5 ns, and a reader issues one per level (the slot's
 * rcu_dereference with the dead check's smp_rmb, ThreadedMemory.derefRmb). A call from optimized JS
 * into an exported wasm function is cheaper (about 2.5 ns less per access while one memory's
 * function is called from the site). README, "Benchmarks", round 4: the walk gained about 10%.
 *
 * Why it is the same access: WebAssembly's shared memory and ECMAScript's have one memory model;
 * wasm atomic accesses are SeqCst events of it, exactly as `Atomics.load`/`Atomics.store` on the
 * same words (and the "carved in stone" rule that orders them against the agent's unordered
 * accesses applies alike). The words are the same bytes: the typed-array views and these calls
 * read and write one backing store.
 *
 * The module, in text form:
 *
 *   (module
 *     (import "env" "mem" (memory 0 65536 shared))
 *     (func (export "ld") (param $word i32) (result i32)
 *       (i32.atomic.load (i32.shl (local.get $word) (i32.const 2))))
 *     (func (export "st") (param $word i32) (param $value i32)
 *       (i32.atomic.store (i32.shl (local.get $word) (i32.const 2)) (local.get $value))))
 *
 * `ld` returns the word as a signed i32; callers make it unsigned (`>>> 0`), as a Uint32Array
 * read is. `st` takes any uint32 (ToInt32 keeps its bits).
 */

const MODULE_BYTES = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version 1
  0x01, 0x0b, 0x02, 0x60, 0x01, 0x7f, 0x01, 0x7f, 0x60, 0x02, 0x7f, 0x7f, 0x00, // types: (i32)->i32, (i32 i32)->()
  0x02, 0x0f, 0x01, 0x03, 0x65, 0x6e, 0x76, 0x03, 0x6d, 0x65, 0x6d, 0x02, 0x03, 0x00, 0x80, 0x80, 0x04, // import env.mem: shared, 0..65536 pages
  0x03, 0x03, 0x02, 0x00, 0x01, // two functions of types 0 and 1
  0x07, 0x0b, 0x02, 0x02, 0x6c, 0x64, 0x00, 0x00, 0x02, 0x73, 0x74, 0x00, 0x01, // exports "ld" = 0, "st" = 1
  0x0a, 0x1b, 0x02, // code, two bodies
  0x0b, 0x00, 0x20, 0x00, 0x41, 0x02, 0x74, 0xfe, 0x10, 0x02, 0x00, 0x0b, // ld: local.get 0, i32.const 2, i32.shl, i32.atomic.load
  0x0d, 0x00, 0x20, 0x00, 0x41, 0x02, 0x74, 0x20, 0x01, 0xfe, 0x17, 0x02, 0x00, 0x0b, // st: ..., local.get 1, i32.atomic.store
]);

/** The largest memory the module imports (wasm32: 4 GiB, the slab's own ceiling). */
const MAX_PAGES = 65536;
const PAGE_BYTES = 65536;

/** A shared WebAssembly.Memory, as much of it as this file uses (lib ES2022 has no wasm types). */
export interface SharedWasmMemory {
  readonly buffer: SharedArrayBuffer;
}

interface WasmApi {
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => SharedWasmMemory;
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: object };
}

export interface WasmAtomics {
  /** i32.atomic.load of word `word` (signed: `>>> 0` for the uint32). */
  readonly ld: (word: number) => number;
  /** i32.atomic.store of `value` into word `word`. */
  readonly st: (word: number, value: number) => void;
}

const WA = (globalThis as unknown as { WebAssembly?: WasmApi }).WebAssembly;
let compiled: object | null = null;
/** Per thread: the node buffers this thread has a wasm memory for, and their accessors. */
const registry = new WeakMap<SharedArrayBuffer, WasmAtomics>();

/** Instantiate the accessors on `memory` and remember them for its buffer (idempotent). */
export function registerNodeMemory(memory: SharedWasmMemory): WasmAtomics | undefined {
  const known = registry.get(memory.buffer);
  if (known !== undefined || WA === undefined) return known;
  compiled ??= new WA.Module(MODULE_BYTES);
  const exports = new WA.Instance(compiled, { env: { mem: memory } }).exports as WasmAtomics;
  const atomics: WasmAtomics = { ld: exports.ld, st: exports.st };
  registry.set(memory.buffer, atomics);
  return atomics;
}

/** The wasm accessors of a node buffer, when it is a registered wasm memory's buffer. */
export function wasmAtomicsOf(buffer: SharedArrayBuffer): WasmAtomics | undefined {
  return registry.get(buffer);
}

/**
 * A zero-filled shared buffer of at least `bytes` bytes for a slab's nodes: a shared wasm memory
 * (whole pages, registered) when the engine has WebAssembly, else a SharedArrayBuffer (the memory
 * layer then uses `Atomics`). Returns the memory too, for other threads to attach with.
 */
export function createNodeBuffer(bytes: number): { buffer: SharedArrayBuffer; memory?: SharedWasmMemory } {
  const pages = Math.ceil(bytes / PAGE_BYTES);
  if (WA === undefined || pages === 0 || pages > MAX_PAGES) return { buffer: new SharedArrayBuffer(bytes) };
  let memory: SharedWasmMemory;
  try {
    memory = new WA.Memory({ initial: pages, maximum: pages, shared: true });
  } catch {
    // The engine refused a wasm memory (its address-space reservations are larger than a buffer's):
    // the same words in a SharedArrayBuffer, with Atomics.
    return { buffer: new SharedArrayBuffer(bytes) };
  }
  registerNodeMemory(memory);
  return { buffer: memory.buffer, memory };
}
