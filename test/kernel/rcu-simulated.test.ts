/**
 * Port (in our own words) of check_rcu_simulated() from the kernel's
 * tools/testing/radix-tree/maple.c: single-threaded, a reader cursor is positioned mid-walk,
 * the writer then overwrites a range (exactly the reader's entry, its first half, its second
 * half, more than the entry, more than the node, the whole tree) and the reader continues with
 * walk / next / prev. In RCU mode the reader's node may have been replaced (and marked dead);
 * it must notice and re-walk, so it sees the new value, except in the second-half case where
 * the reader's own index still holds the old value. Also the later kernel addition: a tree of a
 * single leaf node overwritten as a whole.
 */
import { describe, expect, it } from 'vitest';
import { MAX_INDEX, newTree, val, type Cursor } from './helpers.js';

const NR = 1000;
const TARGET = 4320;
const NEW = val(0xdead);
const OLD = val(TARGET / 10);

/** The writer's MA_STATE: store entry over [first, last]. */
function write(w: Cursor, first: number, last: number, entry: number): void {
  w.set(first, last);
  w.store(entry);
}

function populate(w: Cursor, nr: number): void {
  for (let i = 0; i <= nr; i++) write(w, i * 10, i * 10 + 5, val(i));
}

describe('kernel check_rcu_simulated', () => {
  /** [what, first, last, what the reader's re-walk at TARGET must return] */
  const overwrites: Array<[string, number, number, number]> = [
    ['exactly the entry', TARGET, TARGET + 5, NEW],
    ['the first half of the entry', TARGET, TARGET + 2, NEW],
    ['the second half of the entry', TARGET + 2, TARGET + 5, OLD],
    ['more than the entry', TARGET - 5, TARGET + 15, NEW],
    ['more than the node', TARGET - 400, TARGET + 400, NEW],
  ];

  it('a paused walk re-walks after each overwrite and sees the right value', () => {
    const t = newTree({ allocRange: true, rcu: true });
    const w = t.cursor();
    const r = t.cursor(TARGET);
    populate(w, NR);
    t.validate();

    for (const [what, first, last, expected] of overwrites) {
      expect(r.walk(), `before: ${what}`).toBe(OLD);
      write(w, first, last, NEW);
      expect(r.walk(), `after: ${what}`).toBe(expected);
      t.validate();
      // Restore the value (over the same range, as the kernel does) and reset the reader.
      write(w, first, last, OLD);
      r.set(TARGET);
    }

    // After the restores the neighbourhood is what the restores made it.
    expect(t.walk(TARGET)).toEqual({ entry: OLD, first: TARGET - 400, last: TARGET + 400 });

    // Overwrite the whole tree.
    expect(r.walk()).toBe(OLD);
    write(w, 0, MAX_INDEX, NEW);
    expect(r.walk()).toBe(NEW);
    expect(r.index).toBe(0);
    expect(r.last).toBe(MAX_INDEX);
    t.validate();
  });

  it('next after an overwrite of the entry the reader has stepped back from', () => {
    const t = newTree({ allocRange: true, rcu: true });
    const w = t.cursor();
    populate(w, NR);
    // Clear out the tree and recreate it, as the kernel does between the two parts.
    write(w, 0, MAX_INDEX, 0);
    expect(t.entries()).toEqual([]);
    populate(w, NR);

    const r = t.cursor(TARGET);
    expect(r.walk()).toBe(OLD);
    expect(r.prev(0)).toBe(val(TARGET / 10 - 1));
    write(w, TARGET, TARGET + 5, NEW);
    expect(r.next(MAX_INDEX)).toBe(NEW);
    expect([r.index, r.last]).toEqual([TARGET, TARGET + 5]);
    write(w, TARGET, TARGET + 5, OLD);
    t.validate();
  });

  it('prev after an overwrite of the entry the reader has stepped forward from', () => {
    const t = newTree({ allocRange: true, rcu: true });
    const w = t.cursor();
    populate(w, NR);

    const r = t.cursor(TARGET);
    expect(r.walk()).toBe(OLD);
    expect(r.next(MAX_INDEX)).toBe(val(TARGET / 10 + 1));
    write(w, TARGET, TARGET + 5, NEW);
    expect(r.prev(0)).toBe(NEW);
    expect([r.index, r.last]).toEqual([TARGET, TARGET + 5]);
    t.validate();
  });

  it('a tree of a single leaf overwritten as a whole', () => {
    const t = newTree({ allocRange: true, rcu: true });
    const w = t.cursor();
    populate(w, 5);
    expect(t.height()).toBe(1);
    const r = t.cursor(10);
    expect(r.walk()).toBe(val(1));
    write(w, 0, MAX_INDEX, NEW);
    expect(r.walk()).toBe(NEW);
    t.validate();
  });

  it('the same scenarios with the reader continuing via next/prev/find across a spanning write', () => {
    // Not in the kernel function: the same pause-then-continue pattern for iteration, with the
    // writer replacing many nodes (a spanning store) while the reader sits mid-walk.
    const t = newTree({ allocRange: true, rcu: true });
    const w = t.cursor();
    populate(w, NR);

    const r = t.cursor(TARGET);
    expect(r.find(MAX_INDEX)).toBe(OLD);
    write(w, TARGET + 6, TARGET + 995, NEW); // spans ~100 entries and several leaves
    expect(r.find(MAX_INDEX)).toBe(NEW);
    expect([r.index, r.last]).toEqual([TARGET + 6, TARGET + 995]);
    expect(r.next(MAX_INDEX)).toBe(val(TARGET / 10 + 100));
    write(w, TARGET + 6, TARGET + 995, 0);
    expect(r.prev(0)).toBe(OLD);
    expect([r.index, r.last]).toEqual([TARGET, TARGET + 5]);
    t.validate();
  });
});
