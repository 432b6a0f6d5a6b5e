import { describe, expect, it } from 'vitest';
import { foldRepeats } from '../src/workers/kernel/walk-trace.js';

describe('walk trace folding', () => {
  it('folds a block repeated back to back into one copy and a count', () => {
    const loop = ['a', 'b', 'c'];
    const lines = ['start', ...loop, ...loop, ...loop, 'end'];
    expect(foldRepeats(lines)).toEqual(['start', '  [3 times:', '  a', '  b', '  c', '  ]', 'end']);
  });

  it('leaves lines that do not repeat alone', () => {
    const lines = ['a', 'b', 'a', 'c', 'b'];
    expect(foldRepeats(lines)).toEqual(lines);
  });

  it('prefers the fold that covers the most lines', () => {
    // "x x" repeated twice is also "x" four times: the single line with the larger count wins.
    expect(foldRepeats(['x', 'x', 'x', 'x'])).toEqual(['  [4 times:', '  x', '  ]']);
  });
});
