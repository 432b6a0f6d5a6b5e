/**
 * A tree in the kernel's maple tree module (KernelTree: mtree_* and mas_* calls through the
 * module's km_* exports) and an ma_state kept in the module's memory across calls (KernelCursor).
 * Both run on a KernelInstance (loader.ts), which owns the module, its memory and trap recovery;
 * KernelInstance.newTree() and tree() make a KernelTree.
 */
import type { KernelInstance } from './loader.js';
import { parseShapeWords } from '../tree/shape.js';
import type { TreeShape } from '../tree/shape.js';

export interface Range {
  first: number;
  last: number;
  entry: number;
}

export class KernelTree {
  constructor(
    readonly kernel: KernelInstance,
    readonly address: number,
  ) {}

  /** mtree_store_range: 0 or a negative errno. */
  storeRange(first: number, last: number, entry: number): number {
    return this.kernel.call('mtree_store_range', () =>
      this.kernel.exports.km_mtree_store_range(this.address, first, last, entry),
    );
  }

  store(index: number, entry: number): number {
    return this.storeRange(index, index, entry);
  }

  /** mtree_insert_range: 0, -EEXIST when any index is occupied, or another negative errno. */
  insertRange(first: number, last: number, entry: number): number {
    return this.kernel.call('mtree_insert_range', () =>
      this.kernel.exports.km_mtree_insert_range(this.address, first, last, entry),
    );
  }

  /** mtree_load: the entry at index, 0 for none. */
  load(index: number): number {
    return this.kernel.call('mtree_load', () => this.kernel.exports.km_mtree_load(this.address, index)) >>> 0;
  }

  /** mas_erase under the tree's lock: the entry that was there and the range erased. */
  masErase(index: number): Range {
    const { ptr } = this.kernel.scratchWords();
    const entry = this.kernel.call('mas_erase', () => this.kernel.exports.km_mas_erase(this.address, index, ptr)) >>> 0;
    const w = new Uint32Array(this.kernel.memory.buffer, ptr, 2);
    return { first: w[0], last: w[1], entry };
  }

  /** mtree_erase: erases the whole range holding index; returns what was there. */
  erase(index: number): number {
    return this.kernel.call('mtree_erase', () => this.kernel.exports.km_mtree_erase(this.address, index)) >>> 0;
  }

  /** mas_walk: the range holding index, NULL ranges included. */
  walk(index: number): Range {
    const { ptr } = this.kernel.scratchWords();
    const entry = this.kernel.call('mas_walk', () => this.kernel.exports.km_mas_walk(this.address, index, ptr)) >>> 0;
    const w = new Uint32Array(this.kernel.memory.buffer, ptr, 2);
    return { first: w[0], last: w[1], entry };
  }

  /** The entries in [index, max] in order (mas_find in a loop). */
  findAll(index = 0, max = 0xffffffff): Range[] {
    const { ptr, words } = this.kernel.scratchWords();
    const cap = Math.floor(words / 3);
    const out: Range[] = [];
    let from = index >>> 0;
    for (;;) {
      const n = this.kernel.call('mas_find', () =>
        this.kernel.exports.km_mas_find_all(this.address, from, max, ptr, cap),
      );
      const w = new Uint32Array(this.kernel.memory.buffer, ptr, 3 * n);
      for (let i = 0; i < n; i++) out.push({ first: w[3 * i], last: w[3 * i + 1], entry: w[3 * i + 2] });
      if (n < cap) return out;
      const last = w[3 * (n - 1) + 1];
      if (last >= (max >>> 0)) return out;
      from = last + 1;
    }
  }

  /** The kernel's mt_validate: how many of its checks failed (0 = valid); messages in kernel.log(). */
  validate(): number {
    return this.kernel.call('mt_validate', () => this.kernel.exports.km_mt_validate(this.address)) >>> 0;
  }

  height(): number {
    return this.kernel.exports.km_mt_height(this.address);
  }

  setInRcu(on: boolean): void {
    this.kernel.call('mt_set_in_rcu', () => this.kernel.exports.km_mt_set_in_rcu(this.address, on ? 1 : 0));
  }

  /** The kernel's mt_dump, as text. */
  dump(): string {
    this.kernel.clearLog();
    this.kernel.call('mt_dump', () => this.kernel.exports.km_mt_dump(this.address));
    const text = this.kernel.log();
    this.kernel.clearLog();
    return text;
  }

  /** The tree's shape, node for node (src/kernel/inner/shape.c). */
  shape(): TreeShape {
    const x = this.kernel.exports;
    let words = 4096;
    for (;;) {
      const ptr = this.kernel.bigScratch(words);
      const need = this.kernel.call('km_shape', () => x.km_shape(this.address, ptr, words)) >>> 0;
      if (need <= words) return parseShapeWords(new Uint32Array(this.kernel.memory.buffer, ptr, need));
      words = need;
    }
  }

  /** A cursor (an ma_state kept in the module's memory) at index; see KernelCursor. */
  cursor(index = 0): KernelCursor {
    const mas = this.kernel.call('cursor alloc', () => this.kernel.exports.km_cursor_alloc());
    if (!mas) throw new Error('kernel runtime: out of memory for a cursor');
    const cursor = new KernelCursor(this, mas);
    cursor.set(index);
    return cursor;
  }

  /**
   * mas_empty_area (or mas_empty_area_rev with rev) from a fresh state: 0 and the window, or a
   * negative errno (-EBUSY no window, -EINVAL a bad request) with the state's range as it was left.
   */
  emptyArea(min: number, max: number, size: number, rev = false): { ret: number; first: number; last: number } {
    const { ptr } = this.kernel.scratchWords();
    const ret = this.kernel.call(rev ? 'mas_empty_area_rev' : 'mas_empty_area', () =>
      this.kernel.exports.km_empty_area(this.address, min, max, size, rev ? 1 : 0, ptr),
    );
    const w = new Uint32Array(this.kernel.memory.buffer, ptr, 2);
    return { ret, first: w[0], last: w[1] };
  }

  /** mtree_alloc_range (or mtree_alloc_rrange with rev): 0 and the start, or a negative errno. */
  allocRange(size: number, entry: number, min: number, max: number, rev = false): { ret: number; start: number } {
    const { ptr } = this.kernel.scratchWords();
    const ret = this.kernel.call(rev ? 'mtree_alloc_rrange' : 'mtree_alloc_range', () =>
      this.kernel.exports.km_alloc_range(this.address, size, entry, min, max, rev ? 1 : 0, ptr),
    );
    return { ret, start: new Uint32Array(this.kernel.memory.buffer, ptr, 1)[0] };
  }

  /** mtree_destroy: frees every node (through call_rcu in RCU mode). */
  destroy(): void {
    this.kernel.call('mtree_destroy', () => this.kernel.exports.km_mtree_destroy(this.address));
  }
}

/** The cursor steps, by the number km_cursor_step takes. */
const CURSOR_STEPS = { find: 0, findRev: 1, next: 2, prev: 3 } as const;
export type KernelCursorStep = keyof typeof CURSOR_STEPS;

/**
 * An ma_state kept in the module's memory across calls (src/kernel/inner/conform.c). Each step runs
 * in its own RCU read-side section; pause it (mas_pause) before the tree changes under it.
 */
export class KernelCursor {
  constructor(
    readonly tree: KernelTree,
    readonly address: number,
  ) {}

  /** mas_set: reposition at index; the next step walks from the root. */
  set(index: number): void {
    const k = this.tree.kernel;
    k.call('mas_set', () => k.exports.km_cursor_set(this.address, this.tree.address, index));
  }

  /** mas_find (limit = max), mas_find_rev (min), mas_next (max) or mas_prev (min): the entry and the state's range after it. */
  step(step: KernelCursorStep, limit: number): Range {
    const k = this.tree.kernel;
    const { ptr } = k.scratchWords();
    const entry = k.call(`mas_${step}`, () => k.exports.km_cursor_step(this.address, CURSOR_STEPS[step], limit, ptr)) >>> 0;
    const w = new Uint32Array(k.memory.buffer, ptr, 2);
    return { first: w[0], last: w[1], entry };
  }

  pause(): void {
    const k = this.tree.kernel;
    k.call('mas_pause', () => k.exports.km_cursor_pause(this.address));
  }
}
