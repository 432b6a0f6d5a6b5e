#!/usr/bin/env node
/** `npm run kernel:build -- [--kernel-src DIR] [--slots 16|32] [--force]`: build the kernel's maple tree to wasm. */
import { KernelCompileError, KernelToolchainError, buildKernel } from './build.js';
import type { Slots } from './build.js';
import { KernelSourceError } from './source.js';

const HELP = `usage: npm run kernel:build -- [--kernel-src DIR] [--slots 16|32] [--force]

Builds the Linux kernel's lib/maple_tree.c to wasm with the project's shim and runtime.
  --kernel-src DIR  a kernel source tree (default: MAPLE_KERNEL_SRC, else Debian's
                    linux-source-6.12, fetched with apt-get into .cache/kernel/src)
  --slots 16|32     16: the 64-bit node layout with 32-bit keys (default); 32: wasm32's own
  --force           rebuild even when the cache has it
`;

async function main(argv: string[]): Promise<number> {
  let kernelSrc: string | undefined;
  let slots: Slots = 16;
  let force = false;
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
    } else {
      process.stderr.write(`kernel:build: bad argument ${arg}\n${HELP}`);
      return 2;
    }
  }
  const started = Date.now();
  try {
    const built = await buildKernel({ kernelSrc, slots, force, log: (line) => process.stderr.write(`${line}\n`) });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    process.stdout.write(
      `kernel ${built.version} (${built.origin === 'tree' ? 'tree' : 'package'} ${built.sourceDir})\n` +
        `  source sha256 ${built.sourceHash}\n` +
        `  ${built.slots}-slot build ${built.buildHash}: ${built.wasmPath}\n` +
        `  ${built.cached ? 'cached' : `built in ${(built.buildMs / 1000).toFixed(1)} s`}; ${seconds} s in all\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof KernelSourceError || error instanceof KernelToolchainError || error instanceof KernelCompileError) {
      process.stderr.write(`kernel:build: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
