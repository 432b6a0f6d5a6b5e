/**
 * A kernel build a test needs, or the reason it could not be had: the test skips locally and
 * FAILS under CI=true (the README's commands must do all the set-up on a fresh machine).
 */
import type { WasmModule } from '../../src/kernel/loader.js';

export function kernelModuleOrSkip(which: WasmModule | Error, skip: (note?: string) => void): WasmModule {
  if (which instanceof Error) {
    const reason = `kernel build unavailable: ${which.message}`;
    if (process.env.CI === 'true') throw new Error(reason);
    skip(reason);
    throw which;
  }
  return which;
}
