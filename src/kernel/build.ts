/**
 * Builds the kernel's lib/maple_tree.c, the project's shim headers and C runtime into a wasm
 * module with @yowasp/clang (Clang and LLD compiled to wasm, run in-process). The result is
 * cached in `.cache/kernel/<hash>/maple-<slots>.wasm`, keyed by the hash of the kernel files,
 * the shim, the runtime and the flags. A build with kernel mutations (src/kernel/mutation.ts) applies
 * them to the source strings first; they are part of the key and tag the file name
 * (`maple-16-m<hash>.wasm`).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { KernelSourceError, defaultCacheDir, findKernelSource, projectRoot } from './source.js';
import type { KernelSource } from './source.js';
import { applyMutations } from './mutation.js';
import type { Mutation } from './mutation.js';

/** The toolchain version the build is made and cached with. */
export const CLANG_PACKAGE = '@yowasp/clang';
/** Shared memory limit the module declares; the loader's memory must use the same maximum. */
export const MAX_MEMORY_BYTES = 256 * 1024 * 1024;
export const MAX_MEMORY_PAGES = MAX_MEMORY_BYTES / 65536;
const STACK_SIZE = 256 * 1024;

/** Every kernel header name maple_tree.c and maple_tree.h include, mapped onto the shim. */
const SHIMMED_HEADERS = [
  'linux/kernel.h',
  'linux/rcupdate.h',
  'linux/spinlock.h',
  'linux/xarray.h',
  'linux/types.h',
  'linux/export.h',
  'linux/slab.h',
  'linux/limits.h',
  'asm/barrier.h',
  'trace/events/maple_tree.h',
];
/** The further headers lib/test_maple_tree.c includes (the self-check build only). */
const SELF_TEST_HEADERS = ['linux/module.h', 'linux/rwsem.h'];

export type Slots = 16 | 32;

/** The toolchain cannot be loaded; the message says what to install. */
export class KernelToolchainError extends Error {
  override name = 'KernelToolchainError';
}
/** Clang or the linker rejected the build; `output` is their messages. */
export class KernelCompileError extends Error {
  override name = 'KernelCompileError';
  constructor(message: string, readonly output: string) {
    super(message);
  }
}

export interface BuildOptions {
  kernelSrc?: string;
  /** 16: the 64-bit node layout (BUILD_VDSO32_64), as the replica; 32: wasm32's own layout. */
  slots?: Slots;
  cacheDir?: string;
  /**
   * Also build the kernel's own test module (lib/test_maple_tree.c) with the self-check runtime
   * (src/kernel/selftest/), exported as `km_selftest`: a separate build with its own cache key.
   */
  selfTest?: boolean;
  /**
   * The benchmark flavour (`maple-<slots>-bench.wasm`, its own cache key): the same tree code with
   * x86-64's barriers (smp_rmb/smp_wmb compiler barriers, rcu_dereference a plain READ_ONCE),
   * no counted runtime calls, no slab poisoning and without CONFIG_DEBUG_MAPLE_TREE (so no
   * mt_validate/mt_dump exports): what a production kernel runs. Not with selfTest.
   */
  bench?: boolean;
  /**
   * The benchmark flavour's memory model (only with bench). 'x86-64' (default): the barriers and
   * RCU primitives as an x86-64 kernel has them. 'wasm' (`maple-<slots>-bench-wasm.wasm`): as the
   * wasm memory model, which is JavaScript's, needs them, mapped as the replica's real-thread
   * memory layer maps them (rcu_dereference a SeqCst load, rcu_assign_pointer a SeqCst store, the
   * barriers atomic accesses of a fence word; shim/kshim.h): the kernel's code on the terms a
   * reader and writer in JS must meet.
   */
  benchModel?: BenchModel;
  /**
   * The simulator's flavour (`maple-<slots>-sim.wasm`, its own cache key): -DRT_SIM, where the
   * barriers and RCU primitives call the host's simulator (imports of module `sim`, rt.c), built
   * without bulk-memory-opt so that no memory.copy/memory.fill escapes the instrument-memory pass
   * (src/kernel/instrument.ts). Not with selfTest or bench.
   */
  sim?: boolean;
  /**
   * Token-level edits applied to the kernel's files before compiling (e.g. a kernel catalog entry's,
   * src/harness/kernel-catalog.ts). A MutationError when one does not apply exactly.
   */
  mutations?: readonly Mutation[];
  /** Rebuild even when cached. */
  force?: boolean;
  log?: (line: string) => void;
}

export type BenchModel = 'x86-64' | 'wasm';
export const BENCH_MODELS: readonly BenchModel[] = ['x86-64', 'wasm'];

export interface BuildResult {
  wasmPath: string;
  slots: Slots;
  selfTest: boolean;
  bench: boolean;
  /** The benchmark flavour's memory model; null when not the benchmark flavour. */
  benchModel: BenchModel | null;
  sim: boolean;
  version: string;
  origin: KernelSource['origin'];
  sourceDir: string;
  sourceHash: string;
  buildHash: string;
  cached: boolean;
  /** Compile and link time in ms (0 when cached). */
  buildMs: number;
  /** The names of the mutations applied, in order (empty for the kernel as shipped). */
  mutations: string[];
}

/** `-m<8 hex>` naming a mutated build's file, from the mutations' full descriptions; '' without any. */
export function mutationTag(mutations: readonly Mutation[]): string {
  if (mutations.length === 0) return '';
  return `-m${createHash('sha256').update(JSON.stringify(mutations)).digest('hex').slice(0, 8)}`;
}

export function compileFlags(slots: Slots, bench = false, sim = false, benchModel: BenchModel = 'x86-64'): string[] {
  return [
    '--target=wasm32',
    '-O2',
    '-g0',
    '-nostdlib',
    '-ffreestanding',
    '-fno-builtin',
    '-fno-strict-aliasing',
    '-fwrapv',
    '-matomics',
    '-mbulk-memory',
    '-mmutable-globals',
    '-I.',
    ...(bench ? ['-DRT_BENCH', ...(benchModel === 'wasm' ? ['-DRT_BENCH_WASM'] : [])] : ['-DCONFIG_DEBUG_MAPLE_TREE']),
    // memory.copy/memory.fill would bypass the simulator: copies become calls to rt.c's loops.
    ...(sim ? ['-DRT_SIM', '-mno-bulk-memory-opt'] : []),
    '-Wno-unused',
    ...(slots === 16 ? ['-DBUILD_VDSO32_64'] : []),
  ];
}

/**
 * Defines for API differences between kernel versions the glue code must follow, found in the
 * source itself rather than guessed from the version number.
 */
export function featureFlags(header: string): string[] {
  const flags: string[] = [];
  // mt_dump gained its format argument in 6.4.
  if (/enum\s+mt_dump_format/.test(header)) flags.push('-DKM_MT_DUMP_FORMAT');
  return flags;
}

export function linkFlags(): string[] {
  const exports = ['__stack_pointer', '__wasm_init_tls', '__tls_size', '__tls_align', '__tls_base', '__heap_base'];
  return [
    `-Wl,--no-entry,--import-memory,--shared-memory,--max-memory=${MAX_MEMORY_BYTES},--stack-first`,
    `-Wl,-z,stack-size=${STACK_SIZE}`,
    `-Wl,${exports.map((name) => `--export=${name}`).join(',')}`,
  ];
}

function readDir(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of readdirSync(dir).sort()) {
    if (name.endsWith('.h') || name.endsWith('.c')) out[name] = readFileSync(join(dir, name), 'utf8');
  }
  return out;
}

function clangVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(projectRoot(), 'node_modules', '@yowasp', 'clang', 'package.json'), 'utf8'));
    return String(pkg.version);
  } catch {
    return 'missing';
  }
}

type Tree = { [name: string]: Tree | string | Uint8Array };

function put(tree: Tree, path: string, content: string): void {
  const parts = path.split('/');
  let node = tree;
  for (const part of parts.slice(0, -1)) {
    node[part] ??= {};
    node = node[part] as Tree;
  }
  node[parts[parts.length - 1]] = content;
}

/** Build (or find in the cache) the wasm module. */
export async function buildKernel(options: BuildOptions = {}): Promise<BuildResult> {
  const slots = options.slots ?? 16;
  const selfTest = options.selfTest ?? false;
  const bench = options.bench ?? false;
  const sim = options.sim ?? false;
  if (sim && (bench || selfTest)) throw new Error('kernel build: the simulator flavour is neither the benchmark nor the self-check build');
  if (bench && selfTest) throw new Error('kernel build: the benchmark flavour has no self-check (bench and selfTest exclude each other)');
  const benchModel = options.benchModel ?? 'x86-64';
  if (!BENCH_MODELS.includes(benchModel)) throw new Error(`kernel build: unknown memory model '${String(benchModel)}' (one of ${BENCH_MODELS.join(', ')})`);
  if (options.benchModel !== undefined && !bench) throw new Error('kernel build: a memory model is chosen only for the benchmark flavour (benchModel needs bench)');
  const log = options.log ?? (() => {});
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const source = findKernelSource({ kernelSrc: options.kernelSrc, cacheDir, log });
  const mutations = options.mutations ?? [];
  // Applied before the cache lookup, so a mutation that no longer fits the tree fails even when cached.
  const kernelFiles = mutations.length > 0 ? applyMutations(source.files, mutations) : source.files;
  const root = join(projectRoot(), 'src', 'kernel');
  const shim = readDir(join(root, 'shim'));
  const runtime = readDir(join(root, 'runtime'));
  const inner = readDir(join(root, 'inner'));
  const selftest = selfTest ? readDir(join(root, 'selftest')) : {};
  let testModule: string | undefined;
  if (selfTest) {
    const path = join(source.dir, 'lib', 'test_maple_tree.c');
    if (!existsSync(path)) throw new KernelSourceError(`${source.dir} has no lib/test_maple_tree.c (the kernel's test module)`);
    testModule = readFileSync(path, 'utf8');
  }
  const cflags = [...compileFlags(slots, bench, sim, benchModel), ...featureFlags(kernelFiles['include/linux/maple_tree.h'])];
  const lflags = linkFlags();
  const version = clangVersion();

  const key = createHash('sha256')
    .update(
      JSON.stringify({
        source: source.hash,
        shim,
        runtime,
        inner,
        // Only the self-check build adds these, so the plain builds keep their keys.
        ...(selfTest ? { selftest, testModule } : {}),
        // Likewise only mutated builds add their mutations.
        ...(mutations.length > 0 ? { mutations } : {}),
        cflags,
        lflags,
        clang: version,
      }),
    )
    .digest('hex')
    .slice(0, 16);
  const outDir = join(cacheDir, key);
  const flavour = selfTest ? '-selftest' : bench ? (benchModel === 'wasm' ? '-bench-wasm' : '-bench') : sim ? '-sim' : '';
  const stem = `maple-${slots}${flavour}${mutationTag(mutations)}`;
  const wasmPath = join(outDir, `${stem}.wasm`);
  const result = (cached: boolean, buildMs: number): BuildResult => ({
    wasmPath,
    slots,
    selfTest,
    bench,
    benchModel: bench ? benchModel : null,
    sim,
    version: source.version,
    origin: source.origin,
    sourceDir: source.dir,
    sourceHash: source.hash,
    buildHash: key,
    cached,
    buildMs,
    mutations: mutations.map((mutation) => mutation.name),
  });
  if (!options.force && existsSync(wasmPath)) return result(true, 0);

  type Command = (args: string[] | null, files?: Tree, options?: object) => Promise<Tree> | Tree | undefined;
  let runClang: Command;
  try {
    let runLLVM: Command;
    ({ runClang, runLLVM } = (await import(CLANG_PACKAGE)) as { runClang: Command; runLLVM: Command });
    // Load the toolchain's resources (about 100 MB) quietly: runClang's own load prints progress.
    await runLLVM(null, {}, { fetchProgress: () => {} });
  } catch (error) {
    throw new KernelToolchainError(
      `the toolchain ${CLANG_PACKAGE} cannot be loaded (${(error as Error).message}): ` +
        `run \`npm ci\` (it is a devDependency of maple-torture)`,
    );
  }

  const files: Tree = {};
  for (const [name, text] of Object.entries(shim)) put(files, name, text);
  for (const header of SHIMMED_HEADERS) put(files, header, '#include <kshim.h>\n');
  put(files, 'linux/maple_tree.h', kernelFiles['include/linux/maple_tree.h']);
  put(files, 'maple_tree.c', kernelFiles['lib/maple_tree.c']);
  for (const [name, text] of Object.entries(runtime)) put(files, name, text);
  // The inner files need the tree's static accessors: they are compiled in maple_tree.c's unit.
  for (const [name, text] of Object.entries(inner)) put(files, `inner/${name}`, text);
  const unit = ['#include "maple_tree.c"', ...Object.keys(inner).map((name) => `#include "inner/${name}"`)].join('\n');
  put(files, 'maple_unit.c', `${unit}\n`);
  const units = ['maple_unit.c', ...Object.keys(runtime).filter((name) => name.endsWith('.c'))];
  if (selfTest) {
    for (const header of SELF_TEST_HEADERS) put(files, header, '#include <kselftest.h>\n');
    for (const [name, text] of Object.entries(selftest)) put(files, name, text);
    put(files, 'test_maple_tree.c', testModule ?? '');
    units.push('test_maple_tree.c', ...Object.keys(selftest).filter((name) => name.endsWith('.c')));
  }

  const mutated = mutations.length > 0 ? `, mutations ${mutations.map((mutation) => mutation.name).join(' ')}` : '';
  log(`kernel build: compiling ${units.join(', ')} (${slots} slots${selfTest ? ', self-test' : ''}${bench ? `, benchmark flavour (${benchModel} memory model)` : ''}${sim ? ', simulator flavour' : ''}${mutated}) with ${CLANG_PACKAGE} ${version}`);
  const output: string[] = [];
  const decoder = new TextDecoder();
  const collect = (bytes: Uint8Array | null): void => {
    if (bytes) output.push(decoder.decode(bytes, { stream: true }));
  };
  const started = Date.now();
  let out: Tree | undefined;
  try {
    out = await runClang(['clang', ...cflags, '-o', 'maple.wasm', ...units, ...lflags], files, {
      stdout: collect,
      stderr: collect,
    });
  } catch (error) {
    const text = output.join('');
    throw new KernelCompileError(
      `kernel build failed (${(error as Error).message}):\n${text.split('\n').slice(0, 40).join('\n')}`,
      text,
    );
  }
  const wasm = out?.['maple.wasm'];
  if (!(wasm instanceof Uint8Array)) {
    throw new KernelCompileError('kernel build produced no maple.wasm', output.join(''));
  }
  const buildMs = Date.now() - started;
  mkdirSync(outDir, { recursive: true });
  const tmp = `${wasmPath}.${process.pid}.tmp`;
  writeFileSync(tmp, wasm);
  renameSync(tmp, wasmPath);
  writeFileSync(
    join(outDir, `${stem}.json`),
    `${JSON.stringify({ ...result(false, buildMs), cflags, lflags, clang: version, builtAt: new Date().toISOString() }, null, 2)}\n`,
  );
  return result(false, buildMs);
}
