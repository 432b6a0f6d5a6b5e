/**
 * vma: a process address space in pages, on an allocation tree (gap tracking), the way mm/ uses the
 * maple tree since 6.1. Operations:
 *  - mmap: allocRange top-down (mostly, as the kernel's mmap does) or bottom-up in the mmap area;
 *  - munmap of one random VMA, and now and then a spanning munmap (NULL over several VMAs);
 *  - mprotect: a fresh token over the middle of a VMA, splitting it in three;
 *  - merge: one fresh token over two adjacent VMAs' combined extent;
 *  - stack growth: the 'stack' VMA at the top of the keyspace grows down one page per step
 *    (store(first - 1, last)) while the page below is free, and is reset now and then.
 * The mmap area ends one guard page below the stack zone, so only the stack lives up there.
 */
import type { Mutator, Workload } from './workload.js';
import type { Range } from '../../tree/maple-tree.js';
import { EntryCounter, checkKeyspace, clamp } from './util.js';

/** What a vma workload has done so far, by operation. */
export interface VmaCounts {
  mmap: number;
  munmap: number;
  spanningMunmap: number;
  split: number;
  merge: number;
  stackGrow: number;
  stackReset: number;
}

export interface VmaWorkload extends Workload {
  readonly counts: VmaCounts;
}

/** Pages the stack starts with (and is reset to). */
const STACK_PAGES = 4;

export function vmaWorkload(keyspace: number): VmaWorkload {
  checkKeyspace('vma', keyspace, 256);
  const top = keyspace - 1;
  const stackZone = clamp(Math.floor(keyspace / 64), 16, 1 << 16);
  /** The lowest page the stack may grow to; the page below it is the guard gap. */
  const stackFloor = keyspace - stackZone + 1;
  const mmapMin = Math.min(16, Math.floor(keyspace / 256)); // mmap_min_addr
  const mmapMax = stackFloor - 2;
  const mmapPages = mmapMax - mmapMin + 1;
  const longMax = clamp(Math.floor(mmapPages / 64), 17, 256);
  const counter = new EntryCounter(); // VMAs in the mmap area (the stack is not counted)
  let target = clamp(Math.floor(mmapPages / 64), 8, 1000);
  let stackFirst = top + 1; // no stack yet
  const counts: VmaCounts = { mmap: 0, munmap: 0, spanningMunmap: 0, split: 0, merge: 0, stackGrow: 0, stackReset: 0 };

  /** A random VMA of the mmap area, or null when there is none. */
  const pickVma = (m: Mutator): Range | null => {
    const at = mmapMin + m.rng.int(mmapPages);
    return m.tree.find(at, mmapMax) ?? m.tree.find(mmapMin, mmapMax);
  };

  const mmap = (m: Mutator): void => {
    const size = m.rng.chance(0.9) ? m.rng.range(1, 16) : m.rng.range(17, longMax);
    const rev = m.rng.chance(0.85);
    if (m.allocRange(size, mmapMin, mmapMax, rev) >= 0) {
      counter.count++;
      counts.mmap++;
    } else {
      munmap(m); // full: make room instead
    }
  };

  const munmap = (m: Mutator): void => {
    const r = pickVma(m);
    if (r === null) return;
    if (m.erase(r.first) !== 0) {
      counter.count--;
      counts.munmap++;
    }
  };

  const spanningMunmap = (m: Mutator): void => {
    const width = m.rng.range(32, Math.max(32, longMax * 4));
    const first = mmapMin + m.rng.int(mmapPages);
    const last = Math.min(first + width - 1, mmapMax);
    counter.count += counter.delta(m.tree, first, last, 0);
    m.store(first, last, 0);
    counts.spanningMunmap++;
  };

  /** mprotect over the middle of a VMA of three pages or more: one VMA becomes three. */
  const split = (m: Mutator): boolean => {
    let r = pickVma(m);
    for (let tries = 0; r !== null && tries < 4; tries++) {
      const len = r.last - r.first + 1;
      if (len >= 3) {
        const first = r.first + m.rng.range(1, len - 2);
        const last = m.rng.range(first, r.last - 1);
        m.store(first, last, m.nextToken());
        counter.count += 2;
        counts.split++;
        return true;
      }
      r = r.last < mmapMax ? m.tree.find(r.last + 1, mmapMax) : null;
    }
    return false;
  };

  /** vma_merge: two adjacent VMAs become one (a fresh token over both). */
  const merge = (m: Mutator): boolean => {
    let r = pickVma(m);
    for (let tries = 0; r !== null && tries < 4; tries++) {
      if (r.last < mmapMax) {
        const next = m.tree.walk(r.last + 1);
        if (next.entry !== 0) return mergeTwo(m, r.first, next.last);
      }
      if (r.first > mmapMin) {
        const prev = m.tree.walk(r.first - 1);
        if (prev.entry !== 0) return mergeTwo(m, prev.first, r.last);
      }
      r = r.last < mmapMax ? m.tree.find(r.last + 1, mmapMax) : null;
    }
    return false;
  };

  const mergeTwo = (m: Mutator, first: number, last: number): boolean => {
    m.store(first, last, m.nextToken());
    counter.count--;
    counts.merge++;
    return true;
  };

  /** The stack grows down one page, or is reset to its first pages. */
  const stack = (m: Mutator): void => {
    if (stackFirst > top) {
      stackFirst = keyspace - STACK_PAGES;
      m.store(stackFirst, top, m.nextToken());
      return;
    }
    const canGrow = stackFirst > stackFloor && m.tree.load(stackFirst - 1) === 0;
    if (canGrow && !m.rng.chance(1 / 500)) {
      stackFirst--;
      m.store(stackFirst, top, m.nextToken());
      counts.stackGrow++;
      return;
    }
    const reset = keyspace - STACK_PAGES;
    if (stackFirst < reset) {
      m.store(stackFirst, reset - 1, 0); // the stack keeps its top pages and its token
      stackFirst = reset;
      counts.stackReset++;
    }
  };

  return {
    name: 'vma',
    allocRange: true,
    counts,
    setup(m: Mutator): void {
      target = Math.max(8, Math.min(target, m.tree.nodeLimit));
      counter.recount(m.tree, mmapMin, mmapMax);
      const s = m.tree.walk(top);
      if (s.entry !== 0) stackFirst = s.first;
      else stack(m);
      const fill = Math.floor(target * 0.6);
      for (let i = 0; counter.count < fill && i < fill * 2; i++) mmap(m);
      // Punch some holes so the gaps are not all at the bottom.
      for (let i = Math.floor(fill / 6); i > 0; i--) munmap(m);
    },
    step(m: Mutator): void {
      const pick = m.rng.int(100);
      if (pick < 15) return stack(m);
      if (pick < 27 && split(m)) return;
      if (pick >= 27 && pick < 37 && merge(m)) return;
      const pRemove = clamp((0.5 * counter.count) / target, 0.05, 0.95);
      if (!m.rng.chance(pRemove)) return mmap(m);
      if (m.rng.chance(0.08)) spanningMunmap(m);
      else munmap(m);
    },
  };
}
