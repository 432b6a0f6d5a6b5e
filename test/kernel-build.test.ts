/**
 * The kernel's own lib/maple_tree.c built to wasm (src/kernel): build it (cached), then run a
 * seeded script of random stores, inserts, erases, loads, walks and finds against a simple
 * reference and assert every result; the kernel's mt_validate and the slab accounting at the end.
 *
 * Needs the kernel source (Debian's linux-source-6.12 via apt-get, or MAPLE_KERNEL_SRC) and the
 * @yowasp/clang toolchain. Without them the tests skip locally and FAIL under CI=true.
 * Cold (fetch about 13 s + one build about 8 s each) versus warm (cache hit, well under a second).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildKernel } from '../src/kernel/build.js';
import type { BuildResult, Slots } from '../src/kernel/build.js';
import { KernelInstance, KernelTrap, MT_FLAGS_ALLOC_RANGE, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../src/kernel/loader.js';
import { Rng } from '../src/harness/rng.js';
import { diffShapes } from '../src/tree/shape.js';
import { featureFlags } from '../src/kernel/build.js';
import { PACKAGE_NAME } from '../src/kernel/source.js';

const CI = process.env.CI === 'true';
const EEXIST = -17;

const builds = new Map<Slots | 'selftest' | 'bench' | 'bench-wasm', BuildResult | Error>();

beforeAll(async () => {
  for (const slots of [16, 32] as const) {
    try {
      builds.set(slots, await buildKernel({ slots }));
    } catch (error) {
      builds.set(slots, error as Error);
    }
  }
  try {
    builds.set('selftest', await buildKernel({ slots: 32, selfTest: true }));
  } catch (error) {
    builds.set('selftest', error as Error);
  }
  try {
    builds.set('bench', await buildKernel({ slots: 16, bench: true }));
  } catch (error) {
    builds.set('bench', error as Error);
  }
  try {
    builds.set('bench-wasm', await buildKernel({ slots: 16, bench: true, benchModel: 'wasm' }));
  } catch (error) {
    builds.set('bench-wasm', error as Error);
  }
}, 300_000);

/** The build, or skip (locally) / fail (CI) with the reason. */
function built(slots: Slots | 'selftest' | 'bench' | 'bench-wasm', skip: (note?: string) => void): BuildResult {
  const result = builds.get(slots);
  if (result instanceof Error || result === undefined) {
    const reason = `kernel build unavailable: ${result?.message ?? 'not attempted'}`;
    if (CI) throw new Error(reason);
    console.warn(`skipping: ${reason}`);
    skip(reason);
    throw new Error('unreachable');
  }
  return result;
}

/**
 * A reference over a small keyspace: one token per key. Every store uses a fresh token, so a
 * kernel range is exactly a maximal run of equal tokens.
 */
class Reference {
  readonly keys: Uint32Array;
  constructor(readonly size: number) {
    this.keys = new Uint32Array(size);
  }
  store(first: number, last: number, entry: number): void {
    this.keys.fill(entry, first, last + 1);
  }
  occupied(first: number, last: number): boolean {
    for (let i = first; i <= last; i++) if (this.keys[i] !== 0) return true;
    return false;
  }
  /** The run holding index; the last run extends to 0xffffffff when the keyspace's tail is empty. */
  range(index: number): { first: number; last: number; entry: number } {
    const entry = this.keys[index];
    let first = index;
    while (first > 0 && this.keys[first - 1] === entry) first--;
    let last = index;
    while (last + 1 < this.size && this.keys[last + 1] === entry) last++;
    if (last === this.size - 1 && entry === 0) last = 0xffffffff;
    return { first, last, entry };
  }
  entries(): { first: number; last: number; entry: number }[] {
    const out = [];
    for (let i = 0; i < this.size; ) {
      const r = this.range(i);
      if (r.entry !== 0) out.push(r);
      i = Math.min(r.last, this.size - 1) + 1;
    }
    return out;
  }
}

function runScript(kernel: KernelInstance, seed: number, ops: number, flags: number): { loads: number } {
  const rng = new Rng(seed);
  const size = 3000;
  const ref = new Reference(size);
  const tree = kernel.newTree(flags);
  let token = 0;
  // Entries never have the low bits 10 the kernel reserves for internal values.
  const nextEntry = (): number => (++token << 2) | (token & 1);
  let loads = 0;
  for (let op = 0; op < ops; op++) {
    const kind = rng.int(100);
    const first = rng.int(size);
    const span = rng.chance(0.2) ? rng.int(300) : rng.int(8);
    const last = Math.min(size - 1, first + span);
    const where = `seed ${seed} op ${op}`;
    if (kind < 35) {
      const entry = nextEntry();
      expect(tree.storeRange(first, last, entry), where).toBe(0);
      ref.store(first, last, entry);
    } else if (kind < 45) {
      const entry = nextEntry();
      const expected = ref.occupied(first, last) ? EEXIST : 0;
      expect(tree.insertRange(first, last, entry), where).toBe(expected);
      if (expected === 0) ref.store(first, last, entry);
    } else if (kind < 55) {
      const r = ref.range(first);
      expect(tree.erase(first), where).toBe(r.entry);
      if (r.entry !== 0) ref.store(r.first, r.last, 0);
    } else if (kind < 60) {
      expect(tree.storeRange(first, last, 0), where).toBe(0); // storing NULL erases
      ref.store(first, last, 0);
    } else if (kind < 90) {
      for (let i = 0; i < 4; i++) {
        const index = rng.int(size);
        expect(tree.load(index), `${where} load ${index}`).toBe(ref.keys[index]);
        loads++;
      }
    } else if (kind < 97) {
      expect(tree.walk(first), `${where} walk ${first}`).toEqual(ref.range(first));
    } else {
      expect(tree.findAll(), `${where} findAll`).toEqual(ref.entries());
    }
    if (op % 250 === 0) kernel.runRcuCallbacks(); // the host drives grace periods
    if (op % 1000 === 999) expect(tree.validate(), `${where} mt_validate\n${kernel.log()}`).toBe(0);
  }
  for (let index = 0; index < size; index++) expect(tree.load(index)).toBe(ref.keys[index]);
  expect(tree.load(0xffffffff)).toBe(0);
  expect(tree.findAll()).toEqual(ref.entries());
  expect(tree.validate(), kernel.log()).toBe(0);
  tree.destroy();
  return { loads };
}

describe.each([16, 32] as const)('kernel maple tree, %i-slot wasm build', (slots) => {
  it('builds (cached) from a named kernel version and source hash', ({ skip }) => {
    const result = built(slots, skip);
    expect(result.version).toMatch(/^\d+\.\d+/);
    expect(result.sourceHash).toMatch(/^[0-9a-f]{64}$/);
    expect(result.wasmPath).toContain(`maple-${slots}.wasm`);
  });

  it('agrees with a reference on seeded random scripts; validates; slab exact after destroy', async ({ skip }) => {
    const result = built(slots, skip);
    const memory = createKernelMemory();
    expect(memory.buffer).toBeInstanceOf(SharedArrayBuffer);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), memory);
    const geometry = kernel.geometry();
    expect(geometry.rangeSlots).toBe(slots);
    expect(geometry.arangeSlots).toBe(slots === 16 ? 10 : 21);
    let loads = 0;
    for (const [seed, flags] of [
      [1, MT_FLAGS_USE_RCU],
      [2, MT_FLAGS_USE_RCU | MT_FLAGS_ALLOC_RANGE],
      [3, 0],
    ] as const) {
      loads += runScript(kernel, seed, 3000, flags).loads;
    }
    expect(loads).toBeGreaterThan(3000);
    kernel.rcuBarrier();
    const stats = kernel.slabStats();
    // 256-byte aligned objects with a generation word after the node: 16 slots fit one, 32 need two.
    expect(stats.objectSize).toBe(slots === 16 ? 256 : 512);
    expect(stats.doubleFrees).toBe(0);
    expect(stats.live).toBe(0); // every node came back, through call_rcu in RCU mode
    expect(stats.capacity).toBe(stats.live + stats.free);
    expect(stats.rcuInvoked).toBe(stats.rcuQueued);
    expect(stats.rcuQueued).toBeGreaterThan(0);
    expect(kernel.counters().bugs).toBe(0);
  });

  it('keeps nodes 256-byte aligned and above 4096; a reserved entry is refused', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree();
    for (let i = 0; i < 200; i++) expect(tree.storeRange(i * 10, i * 10 + 5, (i + 1) * 4)).toBe(0);
    const root = new Uint32Array(kernel.memory.buffer, tree.address, 4)[3]; // ma_lock (locked, owner), ma_flags, ma_root
    const node = root & ~0xff;
    expect(node % 256).toBe(0);
    expect(node).toBeGreaterThan(4096);
    expect(tree.storeRange(5000, 5000, 2)).toBe(-22); // xa_mk_internal(0): -EINVAL
    expect(tree.height()).toBeGreaterThan(1);
  });

  it('mt_validate reports a wrong gap (the check is live, not a stub)', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree(MT_FLAGS_USE_RCU | MT_FLAGS_ALLOC_RANGE);
    for (let i = 0; i < 300; i++) expect(tree.storeRange(i * 10, i * 10 + 5, (i + 1) * 4)).toBe(0);
    expect(tree.height()).toBeGreaterThan(1);
    expect(tree.validate(), kernel.log()).toBe(0);
    // The root is an arange node: parent, pivots, slots, then the gaps (which walks never read).
    const root = new Uint32Array(kernel.memory.buffer, tree.address, 4)[3];
    const arange = kernel.geometry().arangeSlots;
    const gapWord = 1 + (arange - 1) + arange;
    const words = new Uint32Array(kernel.memory.buffer, root & ~0xff, 64);
    const saved = words[gapWord];
    words[gapWord] = saved + 1000;
    kernel.clearLog();
    expect(tree.validate()).toBeGreaterThan(0);
    expect(kernel.log()).toMatch(/gap/i);
    words[gapWord] = saved;
    kernel.clearLog();
    expect(tree.validate(), kernel.log()).toBe(0);
  });

  it('shape(): every node in preorder, leaves cover the entries, and diffShapes finds a one-word change', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree(MT_FLAGS_USE_RCU | MT_FLAGS_ALLOC_RANGE);
    expect(tree.shape()).toEqual({ height: 0, root: 'empty', rootEntry: 0, nodes: [] });
    expect(tree.storeRange(0, 0, 8)).toBe(0);
    expect(tree.shape()).toMatchObject({ root: 'entry', rootEntry: 8, nodes: [] });
    for (let i = 0; i < 400; i++) expect(tree.storeRange(i * 10 + 1, i * 10 + 5, (i + 1) * 4)).toBe(0);
    const shape = tree.shape();
    expect(shape.height).toBe(tree.height());
    expect(shape.nodes[0]).toMatchObject({ depth: 0, min: 0, max: 0xffffffff, type: 3 });
    // The leaves, left to right, hold exactly the tree's ranges (NULL ranges included).
    const ranges: { first: number; last: number; entry: number }[] = [];
    for (const node of shape.nodes) {
      expect(node.depth).toBeLessThan(shape.height);
      if (node.type === 3) expect(node.gaps).toHaveLength(node.end + 1);
      if (node.type !== 1) continue;
      expect(node.depth).toBe(shape.height - 1);
      let lo = node.min;
      node.slots.forEach((entry, i) => {
        const hi = i < node.end ? node.pivots[i] : node.max;
        if (entry !== 0) ranges.push({ first: lo, last: hi, entry });
        lo = hi + 1;
      });
    }
    expect(ranges).toEqual(tree.findAll());
    expect(diffShapes(shape, tree.shape())).toBeNull();
    // An exact-fit store over one entry changes one slot word of one leaf, and nothing else.
    expect(tree.storeRange(2001, 2005, 12)).toBe(0);
    const moved = diffShapes(shape, tree.shape());
    expect(moved).toMatchObject({ field: 'slots' });
    const leaf = shape.nodes[moved!.node];
    expect(leaf.type).toBe(1);
    expect(moved!.actual).toContain('12');
  });

  it('keeps a generation word per node: bumped on free, kept through poison and reuse', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree(MT_FLAGS_USE_RCU);
    expect(tree.storeRange(10, 20, 4)).toBe(0);
    const rootNode = (): number => new Uint32Array(kernel.memory.buffer, tree.address, 4)[3] & ~0xff;
    const old = rootNode();
    const gen = kernel.nodeGeneration(old);
    expect(tree.storeRange(30, 40, 8)).toBe(0); // RCU mode: a new leaf replaces the root
    expect(rootNode()).not.toBe(old);
    expect(kernel.nodeGeneration(old)).toBe(gen); // queued for call_rcu, not freed yet
    kernel.rcuBarrier();
    expect(kernel.nodeGeneration(old)).toBe(gen + 1);
    const words = new Uint32Array(kernel.memory.buffer, old, 4);
    expect(words[1]).toBe(words[2]); // poison, apart from the free-list link in word 0
    // Reuse keeps the count: allocations take the freed node back without resetting it.
    for (let i = 0; i < 50; i++) expect(tree.storeRange(100 + i * 3, 101 + i * 3, 12)).toBe(0);
    kernel.rcuBarrier();
    expect(kernel.nodeGeneration(old)).toBeGreaterThanOrEqual(gen + 1);
    expect(tree.validate(), kernel.log()).toBe(0);
  });

  it('the slab traps a free of a non-object and a double free, and the instance stays usable', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree(MT_FLAGS_USE_RCU);
    for (let i = 0; i < 40; i++) expect(tree.storeRange(i * 10, i * 10 + 5, (i + 1) * 4)).toBe(0);
    const node = new Uint32Array(kernel.memory.buffer, tree.address, 4)[3] & ~0xff;
    const free = (address: number): unknown => {
      try {
        kernel.call('kmem_cache_free', () => kernel.exports.rt_test_node_free(address));
      } catch (error) {
        return error;
      }
      return null;
    };
    // Inside an object, and an address outside every chunk of the cache.
    expect(free(node + 256 * 0 + 64)).toBeInstanceOf(KernelTrap);
    expect(kernel.log()).toMatch(/not one of its objects/);
    expect(free(tree.address)).toBeInstanceOf(KernelTrap);
    const before = kernel.slabStats();
    expect(tree.destroy()).toBeUndefined();
    kernel.rcuBarrier();
    // Every node is free now: freeing the old root again is a double free.
    kernel.clearLog();
    expect(free(node)).toBeInstanceOf(KernelTrap);
    expect(kernel.log()).toMatch(/double free/);
    // The trap dropped the slab's lock: the instance still allocates.
    const again = kernel.newTree(MT_FLAGS_USE_RCU);
    for (let i = 0; i < 40; i++) expect(again.storeRange(i * 10, i * 10 + 5, 4)).toBe(0);
    expect(again.validate(), kernel.log()).toBe(0);
    expect(kernel.slabStats().doubleFrees).toBe(before.doubleFrees + 1);
  });

  it('recovers from a BUG(): a KernelTrap naming it, then the instance works (stack, RCU reset)', async ({ skip }) => {
    const result = built(slots, skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    const tree = kernel.newTree();
    expect(tree.storeRange(10, 20, 4)).toBe(0);
    const sp = kernel.exports.__stack_pointer.value;
    let caught: unknown;
    try {
      kernel.call('rt_test_bug', () => kernel.exports.rt_test_bug());
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(KernelTrap);
    expect((caught as KernelTrap).message).toMatch(/kernel BUG at .*rt\.c/);
    expect(kernel.counters().bugs).toBe(1);
    expect(kernel.exports.__stack_pointer.value).toBe(sp);
    expect(tree.storeRange(30, 40, 8)).toBe(0);
    expect(tree.erase(15)).toBe(4);
    expect(kernel.runRcuCallbacks()).toBeGreaterThanOrEqual(0); // would BUG if still inside a read section
    expect(tree.load(35)).toBe(8);
    expect(tree.validate(), kernel.log()).toBe(0);
  });
});

describe('kernel versions', () => {
  it('finds API differences in the source, not the version: mt_dump\'s format argument (6.4+)', () => {
    expect(featureFlags('enum mt_dump_format {\n\tmt_dump_dec,\n\tmt_dump_hex,\n};')).toEqual(['-DKM_MT_DUMP_FORMAT']);
    expect(featureFlags('void mt_dump(const struct maple_tree *mt);')).toEqual([]);
  });
  it('--kernel-src takes a Debian package name (linux-source-X.Y) as well as a folder', () => {
    expect(PACKAGE_NAME.test('linux-source-6.1')).toBe(true);
    expect(PACKAGE_NAME.test('linux-source-6.12')).toBe(true);
    expect(PACKAGE_NAME.test('/usr/src/linux-source-6.1')).toBe(false);
    expect(PACKAGE_NAME.test('linux-source-6.1; rm -rf /')).toBe(false);
  });
});

describe('the kernel\'s own test module (lib/test_maple_tree.c) as a self-check, 32 slots', () => {
  it('is a separate build with its own cache key; the plain builds have no test module', async ({ skip }) => {
    const result = built('selftest', skip);
    expect(result.selfTest).toBe(true);
    expect(result.slots).toBe(32);
    expect(result.wasmPath).toMatch(/maple-32-selftest\.wasm$/);
    const plain = built(32, skip);
    expect(plain.selfTest).toBe(false);
    expect(result.buildHash).not.toBe(plain.buildHash);
    const kernel = await KernelInstance.create(compileKernel(plain.wasmPath), createKernelMemory());
    expect(kernel.hasSelfTest()).toBe(false);
    expect(() => kernel.runSelfTest()).toThrow(/not a self-check build/);
  });

  it('passes every one of its checks (6.12: 134,469,094), the slab exact and every call_rcu callback run', async ({ skip }) => {
    const result = built('selftest', skip);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    expect(kernel.geometry().rangeSlots).toBe(32);
    const outcome = kernel.runSelfTest();
    const tail = outcome.log.split('\n').slice(-40).join('\n');
    expect(outcome.passed, tail).toBe(outcome.run);
    expect(outcome.ret, tail).toBe(0);
    expect(outcome.run).toBeGreaterThan(100_000_000);
    expect(outcome.log).toContain(`maple_tree: ${outcome.passed} of ${outcome.run} tests passed`);
    const counters = kernel.counters();
    expect(counters.bugs).toBe(0);
    expect(counters.warns).toBe(0);
    const slab = kernel.slabStats();
    expect(slab.doubleFrees).toBe(0);
    expect(slab.rcuInvoked).toBe(slab.rcuQueued);
    expect(slab.live).toBe(0);
    expect(slab.allocs).toBe(slab.frees);
  }, 120_000);
});

describe('the benchmark flavour (bench/tree.bench.ts\'s kernel peer), 16 slots', () => {
  it.for([
    ['bench', 'x86-64', /maple-16-bench\.wasm$/],
    ['bench-wasm', 'wasm', /maple-16-bench-wasm\.wasm$/],
  ] as const)('%s is its own build (%s memory model); same answers; nothing counted, no mt_validate', async ([name, model, path], { skip }) => {
    const result = built(name, skip);
    expect(result.bench).toBe(true);
    expect(result.benchModel).toBe(model);
    expect(result.wasmPath).toMatch(path);
    expect(result.buildHash).not.toBe(built(16, skip).buildHash);
    if (name === 'bench-wasm') expect(result.buildHash).not.toBe(built('bench', skip).buildHash);
    const kernel = await KernelInstance.create(compileKernel(result.wasmPath), createKernelMemory());
    expect(kernel.geometry().rangeSlots).toBe(16);
    expect(typeof (kernel.exports as { km_mt_validate?: unknown }).km_mt_validate).toBe('undefined');
    const n = 5000;
    for (const flags of [0, MT_FLAGS_USE_RCU]) {
      const tree = kernel.newTree(flags);
      for (let i = 0; i < n; i++) expect(tree.storeRange(10 * i, 10 * i + 5, 2 * i + 16385)).toBe(0);
      for (let i = 0; i < n; i += 7) {
        expect(tree.load(10 * i + (i % 6))).toBe(2 * i + 16385);
        expect(tree.load(10 * i + 7)).toBe(0);
        expect(tree.walk(10 * i + 6)).toEqual({ first: 10 * i + 6, last: i === n - 1 ? 0xffffffff : 10 * i + 9, entry: 0 });
      }
      for (let i = 0; i < n; i += 3) expect(tree.erase(10 * i + 1)).toBe(2 * i + 16385);
      for (let i = 0; i < n; i += 3) expect(tree.storeRange(10 * i, 10 * i + 5, 2 * i + 16385)).toBe(0);
      expect(tree.findAll()).toHaveLength(n);
      tree.destroy();
      kernel.rcuBarrier();
    }
    const counters = kernel.counters();
    expect(counters.deref + counters.rmb + counters.wmb + counters.assign).toBe(0);
    expect(counters.bugs + counters.warns).toBe(0);
    const slab = kernel.slabStats();
    expect(slab.live).toBe(0);
    expect(slab.rcuInvoked).toBe(slab.rcuQueued);
  });

  it('refuses bench together with selfTest, a memory model without bench, and an unknown model', async () => {
    await expect(buildKernel({ slots: 32, selfTest: true, bench: true })).rejects.toThrow(/exclude each other/);
    await expect(buildKernel({ slots: 16, benchModel: 'wasm' })).rejects.toThrow(/benchModel needs bench/);
    await expect(buildKernel({ slots: 16, bench: true, benchModel: 'arm64' as 'wasm' })).rejects.toThrow(/unknown memory model 'arm64'/);
  });

  it("the wasm memory model's flavour makes rcu_dereference, rcu_assign_pointer and the barriers atomic accesses", async ({ skip }) => {
    // Counted in the modules' text: the x86-64 flavour keeps only the runtime's own atomics.
    const binaryen = ((await import('binaryen')) as { default: { readBinary(b: Uint8Array): { emitText(): string; dispose(): void } } }).default;
    const texts = new Map<string, string>();
    const text = (name: 'bench' | 'bench-wasm'): string => {
      if (!texts.has(name)) {
        const module = binaryen.readBinary(readFileSync(built(name, skip).wasmPath));
        try {
          texts.set(name, module.emitText());
        } finally {
          module.dispose();
        }
      }
      return texts.get(name)!;
    };
    const count = (name: 'bench' | 'bench-wasm', op: RegExp): number => text(name).match(op)?.length ?? 0;
    // 6.12: 26 and 28 in the x86-64 flavour, 66 and 57 in the wasm one.
    const load = /i32\.atomic\.load\b(?!\d)/g;
    const store = /i32\.atomic\.store\b(?!\d)/g;
    expect(count('bench-wasm', load)).toBeGreaterThan(count('bench', load) + 25);
    expect(count('bench-wasm', store)).toBeGreaterThan(count('bench', store) + 20);
  });
});
