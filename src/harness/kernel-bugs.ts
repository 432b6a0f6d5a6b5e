/**
 * The stress run's view of the kernel catalog (src/harness/kernel-catalog.ts): look-up by name and
 * the mutations a run's --bug names put into the build.
 */
export { KERNEL_CATALOG, findKernelBug, kernelMutations as kernelMutationsFor } from './kernel-catalog.js';
