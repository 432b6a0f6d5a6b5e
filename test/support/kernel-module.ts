/**
 * A kernel build a test needs, or the reason it could not be had: the test skips locally and
 * FAILS under CI=true (the README's commands must do all the set-up on a fresh machine).
 */
import type { WasmModule } from '../../src/kernel/loader.js';
import { loadKernelSim, type LoadedKernelSim } from '../../src/harness/sim/kernel/kernel-explore.js';

export function kernelModuleOrSkip(which: WasmModule | Error, skip: (note?: string) => void): WasmModule {
  if (which instanceof Error) {
    const reason = `kernel build unavailable: ${which.message}`;
    if (process.env.CI === 'true') throw new Error(reason);
    skip(reason);
    throw which;
  }
  return which;
}

/** The kernel simulator build with `bugs`, or why it could not be had (for kernelModuleOrSkip). */
export async function loadKernelSimOrError(bugs: string[]): Promise<LoadedKernelSim | Error> {
  try {
    return await loadKernelSim(bugs, undefined, () => {});
  } catch (error) {
    return error as Error;
  }
}
