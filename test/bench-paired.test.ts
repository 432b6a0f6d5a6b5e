/**
 * bench/tree/paired.ts: the replica/kernel ratios `npm run bench` judges its >= 1x targets by.
 * They mean something only if both trees run the same operation on the same indices and the
 * writes leave both trees as they found them: every op of the target is measured, each ratio is
 * the kernel's ns/op over the replica's, and afterwards both trees still hold exactly the bench's
 * ranges (checked range by range against the data, so a missing undo, the overwrite's above all,
 * fails here).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { setupKernel, type KernelPeer } from '../bench/tree/kernel.js';
import { PAIRED_OPS, measurePaired } from '../bench/tree/paired.js';
import { buildMaple, planCapacity } from '../bench/tree/build.js';
import { STRIDE, expectedAt } from '../bench/tree/data.js';
import { taskArrays } from '../bench/tools/op-tasks.js';
import { kernelModuleOrSkip } from './support/kernel-module.js';

const N = 4000;
let peer: KernelPeer | Error;

beforeAll(async () => {
  const { peer: p, info } = await setupKernel(N, () => {});
  peer = p ?? new Error(info.reason ?? 'kernel peer unavailable');
}, 300_000);

describe('paired replica/kernel ratios', () => {
  it('measure every op the target judges and leave both trees holding the bench ranges', ({ skip }) => {
    kernelModuleOrSkip(peer instanceof Error ? peer : {}, skip);
    const kernel = peer as KernelPeer;
    const maple = buildMaple(N, planCapacity(N).capacity).tree;
    const arrays = taskArrays(N, 7);
    const loadKernel = (x: number) => kernel.batch('check', () => kernel.load(kernel.mt, x) >>> 0);
    const holdsTheRanges = (): void => {
      for (let i = 0; i < N; i++) {
        for (const x of [STRIDE * i, STRIDE * i + 5, STRIDE * i + 6, STRIDE * i + 9]) {
          const want = expectedAt(x, N, 0xffffffff).entry;
          if (maple.load(x) !== want || loadKernel(x) !== want) {
            expect({ x, maple: maple.load(x), kernel: loadKernel(x) }).toEqual({ x, maple: want, kernel: want });
          }
        }
      }
    };
    // One op at a time, each checked after: a later op's undo would otherwise mend an earlier one.
    const results = PAIRED_OPS.map((op) => {
      const [r] = measurePaired(maple, kernel, N, arrays, 40, [op], () => {}, { sliceMs: 20, warmupMs: 10 });
      holdsTheRanges();
      return r;
    });
    expect(results.map((r) => r.op)).toEqual(['load', 'walk', 'store rand', 'store seq', 'overwrite', 'erase']);
    for (const r of results) {
      expect(r.mapleNs).toBeGreaterThan(0);
      expect(r.kernelNs).toBeGreaterThan(0);
      expect(r.ratio).toBeCloseTo(r.kernelNs / r.mapleNs, 10);
      expect(r.slicePairs).toBe(2);
    }
    expect(maple.validate()).toBeUndefined();
  });
});
