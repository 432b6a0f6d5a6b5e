#!/usr/bin/env node
/**
 * `npm run kernel:build -- [--kernel-src DIR] [--slots 16|32] [--force] [--self-check] [--mutation NAME]...`:
 * build the kernel's maple tree to wasm; with --self-check, build it with the kernel's own test
 * module and run it; with --mutation, put a kernel catalog bug back into the code first.
 */
import { KernelCompileError, KernelToolchainError, buildKernel } from './build.js';
import type { Slots } from './build.js';
import { KernelTrap, loadKernel } from './loader.js';
import { KernelSourceError } from './source.js';
import { MutationError, describeMutation } from './mutation.js';
import type { Mutation } from './mutation.js';
import { KERNEL_CATALOG, findKernelBug } from '../harness/kernel-catalog.js';

const HELP = `usage: npm run kernel:build -- [--kernel-src DIR] [--slots 16|32] [--force] [--self-check]
                                  [--mutation NAME]... [--list-mutations]

Builds the Linux kernel's lib/maple_tree.c to wasm with the project's shim and runtime.
  --kernel-src DIR  a kernel source tree (default: MAPLE_KERNEL_SRC, else Debian's
                    linux-source-6.12, fetched with apt-get into .cache/kernel/src)
  --slots 16|32     16: the 64-bit node layout with 32-bit keys (default); 32: wasm32's own
  --force           rebuild even when the cache has it
  --self-check      build with the kernel's own test module (lib/test_maple_tree.c) on the
                    32-slot layout and run it: prints "N of M checks passed", exits 1 on a failure
                    (the module assumes 16 slots means 64-bit longs, so --slots 16 is refused)
  --mutation NAME   apply the kernel catalog entry NAME's edits before compiling (repeatable);
                    the build gets its own cache key and a -m<hash> file name
  --list-mutations  print the kernel catalog (name, commit, mode, edits) and exit
`;

/** The catalog, one entry per paragraph: what --mutation accepts. */
function catalogListing(): string {
  return KERNEL_CATALOG.map(
    (entry) =>
      `${entry.name}  ${entry.commit} ${entry.mode}  ${entry.subject}\n` +
      entry.mutations.map((mutation) => `    ${describeMutation(mutation)}\n`).join(''),
  ).join('');
}

async function main(argv: string[]): Promise<number> {
  let kernelSrc: string | undefined;
  let slots: Slots | undefined;
  let force = false;
  let selfCheck = false;
  const mutations: Mutation[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(HELP);
      return 0;
    } else if (arg === '--kernel-src' && i + 1 < argv.length) {
      kernelSrc = argv[++i];
    } else if (arg === '--slots' && (argv[i + 1] === '16' || argv[i + 1] === '32')) {
      slots = Number(argv[++i]) as Slots;
    } else if (arg === '--force') {
      force = true;
    } else if (arg === '--self-check') {
      selfCheck = true;
    } else if (arg === '--list-mutations') {
      process.stdout.write(catalogListing());
      return 0;
    } else if (arg === '--mutation' && i + 1 < argv.length) {
      const name = argv[++i];
      const entry = findKernelBug(name);
      if (!entry) {
        process.stderr.write(`kernel:build: unknown mutation ${name}; the kernel catalog has:\n${KERNEL_CATALOG.map((e) => `  ${e.name}\n`).join('')}`);
        return 2;
      }
      // Naming an entry twice applies it once (a second time its tokens are gone).
      if (!mutations.includes(entry.mutations[0])) mutations.push(...entry.mutations);
    } else {
      process.stderr.write(`kernel:build: bad argument ${arg}\n${HELP}`);
      return 2;
    }
  }
  if (selfCheck && slots === 16) {
    process.stderr.write('kernel:build: --self-check runs on the 32-slot layout only (the test module loops forever on 16 slots)\n');
    return 2;
  }
  slots ??= selfCheck ? 32 : 16;
  const started = Date.now();
  try {
    const built = await buildKernel({
      kernelSrc,
      slots,
      force,
      selfTest: selfCheck,
      mutations,
      log: (line) => process.stderr.write(`${line}\n`),
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `kernel ${built.version} (${built.origin === 'tree' ? 'tree' : 'package'} ${built.sourceDir})\n` +
        `  source sha256 ${built.sourceHash}\n` +
        `  ${built.slots}-slot ${built.selfTest ? 'self-check ' : ''}build ${built.buildHash}: ${built.wasmPath}\n` +
        (built.mutations.length > 0 ? `  mutations: ${built.mutations.join(', ')}\n` : '') +
        `  ${built.cached ? 'cached' : `built in ${(built.buildMs / 1000).toFixed(1)} s`}; ${seconds} s in all\n`,
    );
    if (!selfCheck) return 0;
    const kernel = await loadKernel(built.wasmPath);
    const runStarted = Date.now();
    let result;
    try {
      result = kernel.runSelfTest();
    } catch (error) {
      if (!(error instanceof KernelTrap)) throw error;
      process.stdout.write(`${error.log}\nself-check: the test module trapped: ${error.message}\n`);
      return 1;
    }
    const ok = result.passed === result.run && result.ret === 0 && result.run > 0;
    if (!ok) {
      // The module's own failure lines (MT_BUG_ON prints "BUG at <function>:<line>"); the log keeps
      // the first 64 KB the module printed.
      const failures = result.log.split('\n').filter((line) => /BUG at|WARNING at|Pass: \d+ Run:/.test(line));
      process.stdout.write(`${failures.slice(0, 40).join('\n')}\n`);
    }
    process.stdout.write(
      `self-check: ${result.passed} of ${result.run} checks passed (lib/test_maple_tree.c, ` +
        `${((Date.now() - runStarted) / 1000).toFixed(1)} s)${ok ? '' : `; module init returned ${result.ret}`}\n`,
    );
    return ok ? 0 : 1;
  } catch (error) {
    if (
      error instanceof KernelSourceError ||
      error instanceof KernelToolchainError ||
      error instanceof KernelCompileError ||
      error instanceof MutationError
    ) {
      process.stderr.write(`kernel:build: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
