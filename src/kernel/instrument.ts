/**
 * The simulator flavour of the kernel build (build.ts, `sim: true`) with every load and store
 * routed through host hooks: binaryen's `instrument-memory` pass, run through its JS API. The
 * result is cached in `.cache/kernel-sim/<build hash>/`, keyed by the build's hash and binaryen's
 * version (never committed: it is a binary built from kernel source).
 *
 * The pass hands each hook a site id, the access size and offset, not the access kind. The kinds
 * the simulator must know are read from the instrumented module's text once: which load sites
 * sign-extend (the build has none for bytes and half-words; a few i64.load32_s).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { projectRoot } from './source.js';
import type { BuildResult } from './build.js';

export const BINARYEN_PACKAGE = 'binaryen';
/** Bumped when the instrumentation changes, so cached results are redone. */
const FORMAT = 2;

export interface InstrumentedKernel {
  wasmPath: string;
  /** Load sites (the pass's ids) that sign-extend what they load. */
  signedLoadSites: number[];
  /** Instrumented load and store sites. */
  loadSites: number;
  storeSites: number;
  /** bulk-memory and atomic read-modify-write instructions left uninstrumented (see the README). */
  uninstrumented: { memoryFill: number; memoryCopy: number; atomicRmw: number };
  binaryen: string;
  cached: boolean;
}

interface Binaryen {
  readBinary(bytes: Uint8Array): BinaryenModule;
  setDebugInfo(on: boolean): void;
}
interface BinaryenModule {
  runPasses(passes: string[]): void;
  emitText(): string;
  emitBinary(): Uint8Array;
  validate(): number;
  dispose(): void;
}

function binaryenVersion(): string {
  try {
    return String(JSON.parse(readFileSync(join(projectRoot(), 'node_modules', BINARYEN_PACKAGE, 'package.json'), 'utf8')).version);
  } catch {
    return 'missing';
  }
}

export function defaultSimCacheDir(): string {
  return join(projectRoot(), '.cache', 'kernel-sim');
}

/** Instrument (or find in the cache) a simulator-flavour build. */
export async function instrumentKernel(build: BuildResult, cacheDir = defaultSimCacheDir()): Promise<InstrumentedKernel> {
  if (!build.sim) throw new Error('instrumentKernel: the build is not the simulator flavour (buildKernel({ sim: true }))');
  const version = binaryenVersion();
  const stem = build.wasmPath.slice(build.wasmPath.lastIndexOf('/') + 1).replace(/\.wasm$/, '');
  const dir = join(cacheDir, build.buildHash);
  const wasmPath = join(dir, `${stem}-instrumented.wasm`);
  const metaPath = join(dir, `${stem}-instrumented.json`);
  if (existsSync(wasmPath) && existsSync(metaPath)) {
    const meta = JSON.parse(readFileSync(metaPath, 'utf8')) as Omit<InstrumentedKernel, 'cached' | 'wasmPath'>;
    if (meta.binaryen === version && (meta as { format?: number }).format === FORMAT) return { ...meta, wasmPath, cached: true };
  }
  let binaryen: Binaryen;
  try {
    binaryen = ((await import(BINARYEN_PACKAGE)) as { default: Binaryen }).default;
  } catch (error) {
    throw new Error(`the simulator needs ${BINARYEN_PACKAGE} (${(error as Error).message}): run \`npm ci\``);
  }
  // Keep the name section: a trap's stack names the kernel functions (loader.ts: kernelFrames).
  binaryen.setDebugInfo(true);
  const module = binaryen.readBinary(readFileSync(build.wasmPath));
  try {
    // The features are the build's own (its target_features section): with more, binaryen would
    // emit encodings (compact imports) Node 20 cannot read.
    const before = module.emitText();
    module.runPasses(['instrument-memory']);
    if (!module.validate()) throw new Error('instrumentKernel: the instrumented module does not validate');
    const text = module.emitText();
    const count = (re: RegExp, t: string): number => (t.match(re) ?? []).length;
    // A sign-extending load: its pointer operand is the load_ptr call right below it.
    const signedLoadSites: number[] = [];
    for (const m of text.matchAll(/\(i(?:32|64)\.(?:atomic\.)?load(?:8|16|32)_s[^\n]*\n\s*\(call \$load_ptr\n\s*\(i32\.const (\d+)\)/g)) {
      signedLoadSites.push(Number(m[1]));
    }
    const meta = {
      signedLoadSites,
      loadSites: count(/\(call \$load_ptr\n/g, text),
      storeSites: count(/\(call \$store_ptr\n/g, text),
      // memory.fill is left only in the linker's __wasm_init_memory (zeroing .bss once, before any thread).
      uninstrumented: { memoryFill: count(/memory\.fill/g, before), memoryCopy: count(/memory\.copy/g, before), atomicRmw: count(/atomic\.rmw/g, before) },
      binaryen: version,
    };
    if (meta.uninstrumented.memoryCopy > 0) throw new Error('instrumentKernel: the build has memory.copy, which the pass does not instrument (build without bulk-memory-opt)');
    mkdirSync(dirname(wasmPath), { recursive: true });
    const tmp = `${wasmPath}.${process.pid}.tmp`;
    writeFileSync(tmp, module.emitBinary());
    renameSync(tmp, wasmPath);
    writeFileSync(metaPath, `${JSON.stringify({ ...meta, format: FORMAT, build: build.buildHash, instrumentedAt: new Date().toISOString() }, null, 2)}\n`);
    return { ...meta, wasmPath, cached: false };
  } finally {
    module.dispose();
  }
}
