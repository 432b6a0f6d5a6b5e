/**
 * Ports (in our own words) of the allocation-tree scenarios of the kernel's lib/test_maple_tree.c:
 * check_alloc_range, check_alloc_rev_range, check_gap_combining, check_empty_area_window and
 * check_empty_area_fill.
 *
 * Adapting the 64-bit address tables: the kernel feeds /proc/self/maps addresses shifted right by
 * 12 (page numbers), which still need 35 bits. Here each of the three clusters of the table
 * (0x5652_34xx_x000, 0x7f36_d4xx_x000, 0x7fff_58xx_x000) keeps its page-level layout but is moved
 * to its own window below 2^32 (see mapPage). Every hole inside a cluster keeps its exact size;
 * the two huge holes between clusters shrink, and sizes that describe them are recomputed from the
 * moved endpoints. MTREE_ALLOC_MAX (the reserved top of an allocation tree) becomes TOP.
 */
import { describe, expect, it } from 'vitest';
import {
  MAX_INDEX,
  checkInsertRange,
  checkLoad,
  checkSeq,
  newTree,
  val,
  type Tree,
} from './helpers.js';

const PAGE = 4096;
const TOP = 0xf0000000; // stands in for MTREE_ALLOC_MAX
const RESERVED = val(0x3fffffff); // stands in for XA_ZERO_ENTRY over [TOP, MAX]

const CLUSTERS: ReadonlyArray<{ base: number; size: number; to: number }> = [
  { base: 0x565234000, size: 0x2000, to: 0x10000000 },
  { base: 0x7f36d4000, size: 0x2000, to: 0x40000000 },
  { base: 0x7fff58000, size: 0x1000, to: 0x70000000 },
];

/** A kernel page number (address >> 12) moved below 2^32. */
function mapPage(p: number): number {
  if (p === 0) return 0;
  for (const c of CLUSTERS) {
    if (p >= c.base && p < c.base + c.size) return c.to + (p - c.base);
  }
  throw new Error(`page 0x${p.toString(16)} lies outside the mapped clusters`);
}

/** A kernel byte address (page aligned) moved below 2^32 as a page number. */
function mapAddr(a: number): number {
  if (a % PAGE !== 0) throw new Error(`address 0x${a.toString(16)} is not page aligned`);
  return mapPage(a / PAGE);
}

/* The /proc/self/maps table: [inclusive start, exclusive end) byte addresses. */
const MAPS: ReadonlyArray<readonly [number, number]> = [
  [0x565234af2000, 0x565234af4000],
  [0x565234af4000, 0x565234af9000],
  [0x565234af9000, 0x565234afb000],
  [0x565234afc000, 0x565234afd000],
  [0x565234afd000, 0x565234afe000],
  [0x565235def000, 0x565235e10000],
  [0x7f36d4bfd000, 0x7f36d4ee2000],
  [0x7f36d4ee2000, 0x7f36d4f04000],
  [0x7f36d4f04000, 0x7f36d504c000],
  [0x7f36d504c000, 0x7f36d5098000],
  [0x7f36d5098000, 0x7f36d5099000],
  [0x7f36d5099000, 0x7f36d509d000],
  [0x7f36d509d000, 0x7f36d509f000],
  [0x7f36d509f000, 0x7f36d50a5000],
  [0x7f36d50b9000, 0x7f36d50db000],
  [0x7f36d50db000, 0x7f36d50dc000],
  [0x7f36d50dc000, 0x7f36d50fa000],
  [0x7f36d50fa000, 0x7f36d5102000],
  [0x7f36d5102000, 0x7f36d5103000],
  [0x7f36d5103000, 0x7f36d5104000],
  [0x7f36d5104000, 0x7f36d5105000],
  [0x7fff5876b000, 0x7fff5878d000],
  [0x7fff5878e000, 0x7fff58791000],
  [0x7fff58791000, 0x7fff58793000],
];

/* Holes: [inclusive start, exclusive end) byte addresses. Their sizes are end - start in pages. */
const HOLES: ReadonlyArray<readonly [number, number]> = [
  [0x565234afb000, 0x565234afc000],
  [0x565234afe000, 0x565235def000],
  [0x565235e10000, 0x7f36d4bfd000],
];

/** The populated allocation tree both alloc tests start from. */
function buildMapsTree(): Tree {
  const t = newTree({ allocRange: true });
  t.store(TOP, MAX_INDEX, RESERVED);
  MAPS.forEach(([s, e], i) => {
    checkInsertRange(t, mapAddr(s), mapAddr(e) - 1, val(i + 1), true);
    t.validate();
  });
  return t;
}

/** Highest page of the last cluster in use; the largest gap runs from here + 1 to TOP - 1. */
const LAST_USED = mapAddr(0x7fff58793000) - 1;

describe('kernel check_alloc_range', () => {
  it('finds the holes of a process map and allocates forwards', () => {
    const t = buildMapsTree();
    expect(t.emptyArea(0, MAX_INDEX, 1)).toBe(0);

    // mas_empty_area() for each hole, from just past the previous hole.
    const c = t.cursor();
    let min = mapAddr(0x565234af2000);
    for (const [s, e] of HOLES) {
      const size = mapAddr(e) - mapAddr(s);
      expect(c.emptyArea(min, mapAddr(e), size), `hole at 0x${s.toString(16)}`).toBe(true);
      expect(c.index).toBe(mapAddr(s));
      expect(c.last).toBe(mapAddr(s) + size - 1);
      expect(t.emptyArea(min, mapAddr(e), size)).toBe(mapAddr(s));
      min = mapAddr(e);
    }

    // The request table: [min, max, size, expected start or -1 for -EBUSY].
    const requests: Array<[number, number, number, number, string]> = [
      [mapAddr(0x565234af9000), mapAddr(0x7fff58791000), 1, mapAddr(0x565234afb000), 'first hole of one page'],
      // Kernel size 0x1F00 bytes = 1 page after the shift.
      [0, mapAddr(0x7fff58791000), 1, 0, 'first hole of the whole tree'],
      [mapPage(34148797436), mapAddr(0x7fff587af000), 3, mapPage(34148798629), 'ascend'],
      [mapPage(34148798623), mapPage(34148798683), 0x15, -1, 'too small a window'],
      [mapPage(34148798623), mapAddr(0x7fff587af000), 0x10, mapPage(34148798632), 'fill the rest of a gap'],
      // Adaptation: the kernel asks for size -1; the largest legal size that cannot fit here.
      [0, MAX_INDEX, MAX_INDEX, -1, 'walking off the end of root'],
      // Adaptation: one page more than the largest gap, [LAST_USED + 1, TOP - 1].
      [0, MAX_INDEX, TOP - LAST_USED, -1, 'too large a hole across the entire range'],
    ];
    requests.forEach(([lo, hi, size, expected, what], i) => {
      const entry = val(100 + i);
      const before = t.entries();
      const got = t.allocRange(size, entry, lo, hi);
      expect(got, what).toBe(expected);
      if (expected >= 0) {
        checkLoad(t, expected, entry);
        checkLoad(t, expected + size - 1, entry);
        if (expected > 0) expect(t.load(expected - 1), `${what}: below`).not.toBe(entry);
        expect(t.load(expected + size), `${what}: above`).not.toBe(entry);
      } else {
        expect(t.entries(), `${what}: a failed allocation changes nothing`).toEqual(before);
      }
      t.validate();
    });
    t.destroy();
  });
});

describe('kernel check_alloc_rev_range', () => {
  it('finds the holes of a process map top-down and allocates backwards', () => {
    const t = buildMapsTree();

    // mas_empty_area_rev() for each hole: the window ends exactly at the hole's end.
    const c = t.cursor();
    let min = 0;
    for (const [s, e] of HOLES) {
      const size = mapAddr(e) - mapAddr(s);
      expect(c.emptyAreaRev(min, mapAddr(e), size), `hole at 0x${s.toString(16)}`).toBe(true);
      expect(c.last + 1).toBe(mapAddr(e));
      expect(c.index).toBe(mapAddr(e) - size);
      expect(t.emptyAreaRev(min, mapAddr(e), size)).toBe(mapAddr(e) - size);
      min = mapAddr(e);
    }

    // The request table; the kernel's check_mtree_alloc_rrange passes max - 1 to the tree.
    const requests: Array<[number, number, number, number, string]> = [
      [mapAddr(0x565234af9000), mapAddr(0x7fff58791000), 1, mapPage(0x7fff5878d), 'first rev hole of one page'],
      [0, mapPage(0x565234af1), 3, mapPage(0x565234aee), 'max - 3'],
      // Adaptation: the kernel's (-1 >> 12) - 1 upper limit; the answer is the page below TOP.
      [0, MAX_INDEX, 1, TOP - 1, 'first rev hole below the reserved top'],
      [0, mapPage(0x7f36d510a), 4, mapPage(0x7f36d5106), 'first rev hole of four pages'],
      [0, mapPage(34148798629), 19, mapPage(34148797418), 'ascend'],
      // Adaptation: the kernel's size is two pages more than the largest remaining gap.
      [0, MAX_INDEX, TOP - mapPage(0x7fff58792), -1, 'too big'],
    ];
    requests.forEach(([lo, hi, size, expected, what], i) => {
      const entry = val(200 + i);
      const before = t.entries();
      const got = t.allocRangeRev(size, entry, lo, hi - 1);
      expect(got, what).toBe(expected);
      if (expected >= 0) {
        checkLoad(t, expected, entry);
        checkLoad(t, expected + size - 1, entry);
      } else {
        expect(t.entries(), `${what}: a failed allocation changes nothing`).toEqual(before);
      }
      t.validate();
    });

    // Create a deleted range (erase the four pages just allocated) and ask for exactly the gap
    // between the middle and the last cluster: it must start right after the middle cluster.
    expect(t.erase(mapPage(34148798727))).toBe(val(200 + 3));
    const gapStart = mapPage(34148798725);
    const gapSize = mapAddr(0x7fff5876b000) - gapStart;
    const entry = val(300);
    expect(t.allocRangeRev(gapSize, entry, 0, mapPage(34359052173) - 1)).toBe(gapStart);
    checkLoad(t, gapStart, entry);
    checkLoad(t, gapStart + gapSize - 1, entry);
    t.validate();
    t.destroy();
  });
});

describe('kernel check_gap_combining', () => {
  // 64-bit node geometry: the kernel's seq100_64 table.
  const seq100 = [74, 75, 76, 50, 100, 2, 44, 45, 46, 43, 20, 50, 3, 80, 81, 82, 76, 2, 79, 85, 4];
  const seq2000 = [1152, 1151, 1100, 1200, 2];
  const seq400 = [286, 318, 256, 260, 266, 270, 275, 280, 290, 398, 286, 310];

  it('gaps made by erasing neighbours combine and are found by empty_area_rev', () => {
    const t = newTree({ allocRange: true });
    let index = seq100[0]!;
    const c = t.cursor(index);
    checkSeq(t, 100); // 101 singletons

    t.erase(seq100[2]!);
    checkLoad(t, seq100[2]!, 0);
    t.erase(seq100[1]!);
    checkLoad(t, seq100[1]!, 0);

    c.set(index);
    expect(c.find(MAX_INDEX)).toBe(val(index));
    c.next(MAX_INDEX);
    expect(c.next(MAX_INDEX)).toBe(val(index + 4));

    // A gap of 2 at index + 1 between seq100[3] and seq100[4].
    c.set(0);
    expect(c.emptyAreaRev(seq100[3]!, seq100[4]!, seq100[5]!)).toBe(true);
    expect(c.index).toBe(index + 1);

    t.erase(seq100[6]!);
    checkLoad(t, seq100[6]!, 0);
    t.erase(seq100[7]!);
    checkLoad(t, seq100[7]!, 0);
    t.erase(seq100[8]!);
    index = seq100[9]!;

    c.set(index);
    expect(c.find(MAX_INDEX)).toBe(val(index));
    expect(c.next(MAX_INDEX)).toBe(val(index + 4));
    expect(c.next(MAX_INDEX)).toBe(val(index + 5));

    // A gap of 3 at seq100[6]: search 20 - 50 for size 3.
    c.set(0);
    expect(c.emptyAreaRev(seq100[10]!, seq100[11]!, seq100[12]!)).toBe(true);
    expect(c.index).toBe(seq100[6]);

    t.store(seq100[13]!, seq100[13]!, 0);
    checkLoad(t, seq100[13]!, 0);
    checkLoad(t, seq100[14]!, val(seq100[14]!));
    t.store(seq100[14]!, seq100[14]!, 0);
    checkLoad(t, seq100[13]!, 0);
    checkLoad(t, seq100[14]!, 0);

    c.set(0);
    expect(c.emptyAreaRev(seq100[16]!, seq100[15]!, seq100[17]!)).toBe(true);
    expect(c.index).toBe(seq100[13]);
    t.validate();

    // A NULL store at the start of a gap, then an erase joining it to the next one.
    t.store(seq100[18]!, seq100[14]!, 0);
    t.erase(seq100[15]!);
    c.set(0);
    expect(c.emptyAreaRev(seq100[16]!, seq100[19]!, seq100[20]!)).toBe(true);
    expect(c.index).toBe(seq100[18]);
    t.validate();
    t.destroy();
  });

  it('multi-level tree gaps (seq 2000)', () => {
    const t = newTree({ allocRange: true });
    checkSeq(t, 2000);
    t.erase(seq2000[0]!);
    t.erase(seq2000[1]!);
    const c = t.cursor();
    expect(c.emptyAreaRev(seq2000[2]!, seq2000[3]!, seq2000[4]!)).toBe(true);
    expect(c.index).toBe(seq2000[1]);
    t.validate();
    t.destroy();
  });

  it('rebalancing over two levels (seq 400)', () => {
    const t = newTree({ allocRange: true });
    checkSeq(t, 400);
    t.store(seq400[0]!, seq400[1]!, 0);
    checkLoad(t, seq400[0]! - 1, val(seq400[0]! - 1));
    checkLoad(t, seq400[1]! + 1, val(seq400[1]! + 1));
    expect(t.emptyAreaRev(0, 400, seq400[1]! - seq400[0]! + 1)).toBe(seq400[0]);
    t.validate();
    t.destroy();

    checkSeq(t, 400);
    const top = seq400[9]!;
    for (const k of [2, 3, 4, 5, 0, 6, 7, 8]) {
      t.store(seq400[k]!, top, val(seq400[k]!));
      checkLoad(t, seq400[k]!, val(seq400[k]!));
      checkLoad(t, top, val(seq400[k]!));
    }
    t.store(seq400[10]!, seq400[11]!, val(seq400[10]!));
    t.validate();
    checkLoad(t, 255, val(255));
    checkLoad(t, 285, val(seq400[7]!)); // 280-285 left of the last store
    checkLoad(t, 286, val(286));
    checkLoad(t, 310, val(286));
    checkLoad(t, 311, val(seq400[8]!)); // 311-398 from the [290, 398] store
    checkLoad(t, 399, val(399));
    t.destroy();
  });
});

describe('kernel check_empty_area_window', () => {
  it('windows whose ends cut through gaps', () => {
    const t = newTree({ allocRange: true });
    for (let i = 1; i <= 20; i++) t.store(i * 10, i * 10 + 9, val(i));
    t.store(160, 169, 0); // another hole besides the one at 0
    const c = t.cursor();

    // Lower bounds that do not fit.
    expect(c.emptyAreaRev(5, 90, 10)).toBe(false);
    expect(c.emptyAreaRev(6, 90, 5)).toBe(false);
    // A lower bound that does fit.
    expect(c.emptyAreaRev(5, 90, 5)).toBe(true);
    expect([c.index, c.last]).toEqual([5, 9]);

    // One gap that does not fit and one that does.
    expect(c.emptyAreaRev(5, 217, 9)).toBe(true);
    expect([c.index, c.last]).toEqual([161, 169]);
    // A gap above the min that fits.
    expect(c.emptyAreaRev(100, 218, 3)).toBe(true);
    expect([c.index, c.last]).toEqual([216, 218]);
    // A size that fits no gap.
    expect(c.emptyAreaRev(100, 218, 16)).toBe(false);
    // Fits the gap but not the lower end of the window.
    expect(c.emptyAreaRev(167, 200, 4)).toBe(false);
    // Fits the gap but not the upper end of the window.
    expect(c.emptyAreaRev(100, 162, 4)).toBe(false);

    // Forward.
    expect(c.emptyArea(0, 100, 9)).toBe(true);
    expect([c.index, c.last]).toEqual([0, 8]);
    expect(c.emptyArea(0, 100, 4)).toBe(true);
    expect([c.index, c.last]).toEqual([0, 3]);
    expect(c.emptyArea(0, 100, 11)).toBe(false);
    expect(c.emptyArea(5, 100, 6)).toBe(false);
    expect(c.emptyArea(0, 8, 10)).toBe(false);
    expect(c.emptyArea(100, 165, 3)).toBe(true); // unchecked in the kernel
    expect([c.index, c.last]).toEqual([160, 162]);
    expect(c.emptyArea(100, 163, 6)).toBe(false);

    // The tree-level twins agree.
    expect(t.emptyAreaRev(5, 217, 9)).toBe(161);
    expect(t.emptyArea(100, 163, 6)).toBe(-1);
    expect(t.emptyAreaRev(167, 200, 4)).toBe(-1);
  });
});

describe('kernel check_empty_area_fill', () => {
  it('fills 0..max with areas of 4K..64K, then searches after deep erases', () => {
    // Capacity: ~25000 ranges in an allocation tree.
    const t = newTree({ allocRange: true, capacity: 32768 });
    const max = 0x25d78000; // fits in uint32 as is
    const c = t.cursor();
    let expectedStart = 0;
    for (let shift = 12; shift <= 16; shift++) {
      const size = 2 ** shift;
      for (let loop = 0; loop < 5000; loop++) {
        c.set(0);
        const ok = c.emptyArea(0, max, size);
        if (!ok || c.last !== c.index + size - 1 || c.index !== expectedStart) {
          expect(ok, `emptyArea size ${size} #${loop}`).toBe(true);
          expect(c.index).toBe(expectedStart);
          expect(c.last).toBe(c.index + size - 1);
        }
        c.store(val(shift)); // the kernel stores (void *)size
        expectedStart += size;
      }
    }
    expect(t.entries().length).toBe(25000);
    t.validate();

    // No space left: 5000 * (4K + 8K + 16K + 32K + 64K) is exactly max.
    expect(expectedStart).toBe(max);
    expect(c.emptyArea(0, max, 0x1000)).toBe(false);

    // Fill a depth 3 node to the maximum.
    for (let i = 629440511; i <= 629440800; i += 6) t.store(i, i + 5, val(i % 1000));
    t.validate();
    // Make space in the second-last and the last depth 4 nodes.
    expect(t.erase(631668735)).not.toBe(0);
    expect(t.erase(629506047)).not.toBe(0);
    // Search from just after the gap in the second-last depth 4 node.
    expect(c.emptyArea(629506048, 690000000, 0x5000)).toBe(true);
    expect(c.index).toBeGreaterThanOrEqual(629506048);
    expect(c.last).toBe(c.index + 0x5000 - 1);
    for (const i of [c.index, c.last]) checkLoad(t, i, 0);
    t.validate();
  });
});
