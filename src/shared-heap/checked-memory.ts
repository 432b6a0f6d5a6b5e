/**
 * The stale-read detector: a reader's memory layer that brackets every node it reads with loads of
 * the node's generation word (kept by the slab, outside the node, untouched by the overlay).
 *
 * A node is "opened" at its first data read (generation loaded first) and "closed" by the tree's
 * own dead check (the parent-word read; the generation is loaded again just before it). If the
 * generation moved in between, the data may come from after the node died: that read is tainted.
 * Taint is harmless when the dead check then sees the node dead (the tree throws the data away and
 * walks again); taint the tree goes on to use (the check says alive, or no check comes before the
 * reader moves on or ends its operation) is a violation.
 */
import { ThreadedMemory, scanByReads } from './memory.js';
import { NODE_WORDS } from './slab.js';

export interface StaleRead {
  node: number;
  /** What the detector compared, in words, when it is not the two generations below. */
  detail?: string;
  /** Generation when the reader first read the node, and when it was judged. */
  openedAt: number;
  judgedAt: number;
  /** The writer's version when the node last died. */
  diedAtVersion: number;
  /** 'used after the dead check said alive' or 'used without a dead check'. */
  how: string;
}

const LIVE = 1;

/** What a reader operation asks of a stale-read detector (real threads or the simulator). */
export interface StaleReadDetector {
  /** Tainted reads the tree's own dead check threw away. */
  discarded: number;
  /** Violations seen since the caller last emptied this list. */
  readonly violations: StaleRead[];
  /** End of a reader operation: judge what is still unchecked. Returns true if tainted. */
  endOp(): boolean;
}

export class CheckedMemory extends ThreadedMemory implements StaleReadDetector {
  /** Taint the tree discarded through its own dead check. */
  discarded = 0;
  /** Violations seen since the last takeViolations(). */
  readonly violations: StaleRead[] = [];
  private current = 0;
  private openedAt = 0;
  private dirty = false;

  constructor(
    nodes: SharedArrayBuffer,
    private readonly generations: Int32Array,
    private readonly deathStamps: Int32Array,
  ) {
    super(nodes);
  }

  private touch(addr: number): void {
    const id = (addr / NODE_WORDS) | 0;
    if (id === 0) return; // the tree header
    if (id !== this.current) {
      if (this.dirty) this.judge('used without a dead check');
      this.current = id;
      this.openedAt = Atomics.load(this.generations, id);
    }
    this.dirty = true;
  }

  private judge(how: string): boolean {
    const id = this.current;
    const now = Atomics.load(this.generations, id);
    this.dirty = false;
    if (now === this.openedAt && this.openedAt % 3 === LIVE) return false;
    this.record(id, now, how);
    return true;
  }

  private record(id: number, now: number, how: string): void {
    if (this.violations.length >= 8) return;
    this.violations.push({ node: id, openedAt: this.openedAt, judgedAt: now, diedAtVersion: this.deathStamps[id], how });
  }

  override read(addr: number): number {
    if ((addr & (NODE_WORDS - 1)) === 0 && addr !== 0) return this.parentRead(addr, false);
    this.touch(addr);
    return this.words[addr];
  }

  /**
   * A parent-word read, plain (the dead check) or dereferenced (mas_ascend following the parent):
   * never node data. The word is not overlaid and holds either the node itself (dead: the tree
   * discards what it read) or the reference to its live parent, which the reader then reads and
   * checks as a node of its own (a parent that died is caught by that check: a dead node's parent
   * word names itself, so the ascend's check of the "parent" is the dead node's own check). When it
   * follows data reads of the same node, it is that node's dead check and judges them.
   */
  private parentRead(addr: number, deref: boolean): number {
    const id = addr / NODE_WORDS;
    if (id === this.current && this.dirty) {
      // The generation first, then the word: a death between the two reads "dead", never alive.
      const now = Atomics.load(this.generations, id);
      const value = deref ? Atomics.load(this.words, addr) : this.words[addr];
      this.dirty = false;
      const stale = now !== this.openedAt || this.openedAt % 3 !== LIVE;
      if (stale) {
        if (value >>> 8 === id) this.discarded++;
        else this.record(id, now, 'used after its dead check said alive');
      }
      return value;
    }
    return deref ? Atomics.load(this.words, addr) : this.words[addr];
  }

  override deref(addr: number): number {
    if ((addr & (NODE_WORDS - 1)) === 0 && addr !== 0) return this.parentRead(addr, true);
    this.touch(addr);
    return Atomics.load(this.words, addr);
  }

  /** The pivot scan word by word through `read`, so every word is seen by the detector. */
  override scan(addr: number, count: number, key: number): number {
    return scanByReads(this, addr, count, key);
  }

  /** The slot read as deref reads it; its `Atomics.load` is the rmb too (ThreadedMemory.derefRmb). */
  override derefRmb(addr: number): number {
    return this.deref(addr);
  }

  /** End of a reader operation: data still unchecked is judged now. Returns true if tainted. */
  endOp(): boolean {
    const tainted = this.dirty && this.judge('used without a dead check');
    this.current = 0;
    this.dirty = false;
    return tainted;
  }
}
