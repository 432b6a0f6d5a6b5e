/**
 * The cursor's ma_state status machine after a call that found nothing, on small trees, with the
 * results the kernel's own build gives for the same calls (found by `npm run conform`). Every
 * cursor is paused before a write, as the conform drivers do.
 */
import { describe, expect, it } from 'vitest';
import { newTree } from './kernel/helpers.js';

function setup(first: number, last: number) {
  const t = newTree();
  const c = t.cursor(0);
  t.store(first, last, 1);
  c.pause();
  return { t, c };
}

describe('cursor status after running off either end', () => {
  it('root entry [0, 0]: next that overflows at once, then prev: NULL', () => {
    const { t, c } = setup(0, 0);
    expect(c.next(0)).toBe(0);
    expect(c.prev(0)).toBe(0);
    t.destroy();
  });

  it('root entry [0, 0]: findRev that underflows at once, then next: NULL', () => {
    const { t, c } = setup(0, 0);
    expect(c.findRev(0)).toBe(0);
    expect(c.next(0)).toBe(0);
    t.destroy();
  });

  it('[1, 1]: find that stops at max, next walks and steps onto [1, 1], prev underflows', () => {
    const { t, c } = setup(1, 1);
    expect(c.find(0)).toBe(0);
    expect(c.next(1)).toBe(1);
    expect([c.index, c.last]).toEqual([1, 1]);
    expect(c.prev(0)).toBe(0);
    t.destroy();
  });

  it('root entry [0, 0]: find from a paused cursor at 0 returns it, the next find nothing', () => {
    const { t, c } = setup(0, 0);
    c.set(0);
    expect(c.find(1)).toBe(1);
    expect([c.index, c.last]).toEqual([0, 0]);
    expect(c.find(1)).toBe(0);
    expect([c.index, c.last]).toEqual([1, 0xffffffff]);
    t.destroy();
  });

  it('root entry [0, 0]: findRev with a min above 0 finds nothing (departure) but stands on [0, 0]', () => {
    const { t, c } = setup(0, 0);
    c.set(5);
    expect(c.findRev(1)).toBe(0);
    expect([c.index, c.last]).toEqual([0, 0]);
    t.destroy();
  });
});
