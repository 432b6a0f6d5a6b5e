/**
 * The kernel build's part of a stress run's set-up (--tree kernel): build (or find cached) the
 * wasm module from the chosen source with the run's kernel mutations, make the shared memory and
 * the primary instance, create the tree in RCU mode, and cut a stack and TLS block per thread.
 */
import { buildKernel } from '../kernel/build.js';
import { KernelInstance, MT_FLAGS_ALLOC_RANGE, MT_FLAGS_USE_RCU, compileKernel, createKernelMemory } from '../kernel/loader.js';
import type { ThreadArea } from '../kernel/loader.js';
import type { KernelTaskInfo } from '../workers/task.js';
import type { KernelBuildInfo, RunConfig } from './types.js';
import { kernelMutationsFor } from './kernel-bugs.js';

export interface KernelRunSetup {
  /** What every worker gets, but its own area. */
  task: Omit<KernelTaskInfo, 'area'>;
  /** One per thread: [0] the writer, [1 + r] reader r. */
  areas: ThreadArea[];
  info: KernelBuildInfo;
  /** The main thread's instance (it created the tree). */
  primary: KernelInstance;
}

export async function setUpKernelRun(
  config: RunConfig,
  allocTree: boolean,
  threads: number,
  log?: (line: string) => void,
): Promise<KernelRunSetup> {
  const mutations = kernelMutationsFor(config.bugs);
  const build = await buildKernel({ kernelSrc: config.kernelSrc, slots: 16, mutations, log });
  const memory = createKernelMemory();
  const primary = await KernelInstance.create(compileKernel(build.wasmPath), memory);
  const flags = MT_FLAGS_USE_RCU | (allocTree ? MT_FLAGS_ALLOC_RANGE : 0);
  const tree = primary.newTree(flags);
  // The run is in RCU mode: the runtime judges every node free against it.
  primary.expectRcu(true);
  // The run goes on past the known destroy-walk finding: such a walk is counted, not run.
  primary.exports.km_skip_clobbered_walks(1);
  // After each new root node is published the writer waits for one reader's whole section
  // (rt.c, the publish pause): widens the window in which a root published before it is
  // complete can be seen. Correct and mutated builds alike.
  primary.exports.rt_publish_pause_enable(1);
  const areas: ThreadArea[] = [];
  for (let t = 0; t < threads; t++) areas.push(primary.allocThreadArea());
  return {
    task: { wasmPath: build.wasmPath, memory, tree: tree.address, flags },
    areas,
    primary,
    info: {
      version: build.version,
      origin: build.origin,
      sourceDir: build.sourceDir,
      sourceHash: build.sourceHash,
      buildHash: build.buildHash,
      mutations: config.bugs.slice(),
    },
  };
}
