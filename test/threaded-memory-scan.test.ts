/**
 * ThreadedMemory's written-out pivot scan exists for speed and must not change a result: the same
 * answer as the loop of reads it stands for (scanByReads), for every count and key, pivots above
 * 2^31 included, and on words that are not sorted (a node being rewritten under a reader).
 */
import { describe, expect, it } from 'vitest';
import { ThreadedMemory, scanByReads } from '../src/shared-heap/memory.js';
import { Rng } from '../src/harness/rng.js';

describe('ThreadedMemory.scan', () => {
  it('returns what the loop of reads returns, for counts 0 to 20 and keys around every pivot', () => {
    const mem = new ThreadedMemory(new SharedArrayBuffer(4 * 64));
    const rng = new Rng(7);
    let checked = 0;
    let wrong = 0;
    for (let round = 0; round < 40; round++) {
      // Strictly increasing pivots from word 3 on, half the rounds reaching above 2^31.
      const high = round % 2 === 1;
      let v = high ? 0x7fff0000 + (rng.next() % 1000) : rng.next() % 1000;
      for (let i = 0; i < 24; i++) {
        v += 1 + (rng.next() % (high ? 0x8000000 : 50));
        mem.write(3 + i, Math.min(v, 0xffffffff));
      }
      for (let count = 0; count <= 20; count++) {
        for (let i = 0; i < 24; i++) {
          const p = mem.read(3 + i);
          for (const key of [p - 1, p, p + 1]) {
            if (key < 0 || key > 0xffffffff) continue;
            if (mem.scan(3, count, key) !== scanByReads(mem, 3, count, key)) wrong++;
            checked++;
          }
        }
      }
    }
    expect(wrong).toBe(0);
    expect(checked).toBeGreaterThan(40 * 21 * 24 * 2);
  });

  it('stops at the first word at or above the key, also when the words are not sorted', () => {
    const mem = new ThreadedMemory(new SharedArrayBuffer(4 * 64));
    const words = [5, 9, 3, 12, 1, 30, 2, 40, 7, 50, 8, 60, 4, 70, 6, 80, 0];
    words.forEach((w, i) => mem.write(i, w));
    for (let count = 0; count <= words.length; count++) {
      for (let key = 0; key <= 81; key++) expect(mem.scan(0, count, key)).toBe(scanByReads(mem, 0, count, key));
    }
  });
});
