/**
 * bench/tree/kernel-js.ts: 6.12's mtree_load and mas_walk written in JS on the kernel tree's own
 * nodes (the bench's `kernel load in JS` / `kernel walk in JS` rows and js-ceiling). Their timings
 * mean something only if they do the kernel's walk on the kernel's layout: checkKernelJs finds no
 * disagreement with km_mtree_load, km_mas_walk and the data on a tree of several levels, and finds
 * them when the root word it is given is wrong (the check can fail).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setupKernel, type KernelPeer } from '../bench/tree/kernel.js';
import { checkKernelJs, loadAtomic, loadPlain, rootWordOf, walkFirst, walkLast, walkPort } from '../bench/tree/kernel-js.js';
import { STRIDE, expectedAt } from '../bench/tree/data.js';
import { kernelModuleOrSkip } from './support/kernel-module.js';

const N = 3000;
let peer: KernelPeer | Error;

beforeAll(async () => {
  const { peer: p, info } = await setupKernel(N, () => {});
  peer = p ?? new Error(info.reason ?? 'kernel peer unavailable');
}, 300_000);

function indices(): Uint32Array {
  // Every range's first and last index, the gap after it, and the ends of the keyspace.
  const out: number[] = [0, 1, 0xffffffff, STRIDE * N];
  for (let i = 0; i < N; i++) out.push(STRIDE * i, STRIDE * i + 5, STRIDE * i + 6, STRIDE * i + 9);
  return Uint32Array.from(out);
}

describe('the kernel walks in JS', () => {
  it('agree with km_mtree_load, km_mas_walk and the data at every range boundary', ({ skip }) => {
    kernelModuleOrSkip(peer instanceof Error ? peer : {}, skip);
    const p = peer as KernelPeer;
    expect(p.tree.height()).toBeGreaterThanOrEqual(3);
    const xs = indices();
    expect(checkKernelJs(p, xs, N, xs.length)).toEqual([]);
    // And by hand, against the data alone, for a few.
    const w = new Uint32Array(p.kernel.memory.buffer);
    const b = new Uint8Array(p.kernel.memory.buffer);
    for (const x of [0, 5, 6, 9, 10, STRIDE * (N - 1) + 5, STRIDE * N, 0xffffffff]) {
      const want = expectedAt(x, N, 0xffffffff);
      expect(loadPlain(w, rootWordOf(p), x) >>> 0).toBe(want.entry);
      expect(loadAtomic(w, rootWordOf(p), x) >>> 0).toBe(want.entry);
      expect(walkPort(w, b, rootWordOf(p), x, true) >>> 0).toBe(want.entry);
      expect([walkFirst, walkLast]).toEqual([want.first, want.last]);
    }
  });

  it('the check reports disagreements when the ports read the wrong root word', ({ skip }) => {
    kernelModuleOrSkip(peer instanceof Error ? peer : {}, skip);
    const p = peer as KernelPeer;
    // The ports read the flags word instead of ma_root: no node there, so they answer as for an
    // empty tree or a single entry, and the kernel does not.
    const problems = checkKernelJs(p, indices(), N, 64, rootWordOf(p) - 1);
    expect(problems.length).toBeGreaterThan(0);
    expect(problems.join('\n')).toMatch(/disagrees/);
  });
});
