/**
 * The kernel simulator builds of one torture run: each set of catalog entries is built (or found
 * in the cache), instrumented and compiled once, on the first cell that needs it, and shared by
 * the cells after it (the correct build by every `kernel-sim/` cell).
 */
import { loadKernelSim } from '../sim/kernel/kernel-explore.js';
import type { LoadedKernelSim } from '../sim/kernel/kernel-explore.js';

export class KernelSimBuilds {
  private readonly loads = new Map<string, Promise<LoadedKernelSim>>();

  constructor(
    private readonly kernelSrc: string | undefined,
    private readonly log: (line: string) => void = () => {},
  ) {}

  /** The build with these catalog entries in (none: the correct build). A failed load fails every cell that asks again. */
  get(bugs: readonly string[]): Promise<LoadedKernelSim> {
    const key = bugs.join(',');
    let load = this.loads.get(key);
    if (load === undefined) {
      load = loadKernelSim([...bugs], this.kernelSrc, this.log);
      this.loads.set(key, load);
    }
    return load;
  }

  /** How many builds were asked for (a test's evidence that cells share them). */
  get size(): number {
    return this.loads.size;
  }
}
