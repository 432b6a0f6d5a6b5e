/**
 * The replica (src/tree, MapleTree) as a conformance driver. Its own conventions, mapped:
 *  - insert returns false where the kernel returns -EEXIST: both become `exists`;
 *  - emptyArea/allocRange return -1 for "no window" (the kernel's -EBUSY, and its -EINVAL for a
 *    window smaller than the size): `none`;
 *  - a RangeError from an argument check is a refused request (the kernel's -EINVAL): `invalid`;
 *  - validate() throws on a broken tree (the kernel's mt_validate counts failures): `invalid`.
 * An op that reads more than WATCHDOG_READS words is stopped and reported as a hang.
 * Cursors: before each write every cursor is paused (mas_pause), as a kernel caller must before the
 * tree changes under a kept ma_state; the kernel driver does the same.
 */
import { MapleTree } from '../../tree/maple-tree.js';
import { MA_OVERFLOW, MA_UNDERFLOW } from '../../tree/walk.js';
import { ThreadedMemory } from '../../shared-heap/memory.js';
import type { MapleCursor } from '../../tree/cursor.js';
import { replicaShape } from '../../tree/shape.js';
import type { TreeShape } from '../../tree/shape.js';
import { CURSORS, isWrite } from './script.js';
import type { Op, TreeFlags } from './script.js';
import { INVALID, NONE, entriesValue, entryValue, rangeValue, startValue, thrownValue, walkValue } from './driver.js';
import type { Driver, Outcome } from './driver.js';

/** A read or dereference budget per op: a walk that never ends throws instead of hanging the run. */
const WATCHDOG_READS = 20_000_000;

export class ReplicaHang extends Error {
  override name = 'ReplicaHang';
}

/** The replica's memory with a read budget, armed before each op. */
class WatchdogMemory extends ThreadedMemory {
  left = WATCHDOG_READS;
  override read(addr: number): number {
    if (--this.left < 0) throw new ReplicaHang('more than 20,000,000 reads in one op (a walk that does not end)');
    return super.read(addr);
  }
  override deref(addr: number): number {
    if (--this.left < 0) throw new ReplicaHang('more than 20,000,000 reads in one op (a walk that does not end)');
    return super.deref(addr);
  }
  override loadAtomic(addr: number): number {
    if (--this.left < 0) throw new ReplicaHang('more than 20,000,000 reads in one op (a walk that does not end)');
    return super.loadAtomic(addr);
  }
  override rmb(): void {
    if (--this.left < 0) throw new ReplicaHang('more than 20,000,000 accesses in one op (a loop that does not end)');
    super.rmb();
  }
  override write(addr: number, value: number): void {
    if (--this.left < 0) throw new ReplicaHang('more than 20,000,000 accesses in one op (a loop that does not end)');
    super.write(addr, value);
  }
}

/** Slab nodes per replica tree: far more than any script's tree needs. */
const CAPACITY = 4096;

export class ReplicaDriver implements Driver {
  readonly name = 'replica';
  private tree: MapleTree | null = null;
  private cursors: MapleCursor[] = [];
  private mem: WatchdogMemory | null = null;

  reset(flags: TreeFlags): void {
    this.dispose();
    this.tree = MapleTree.create(
      { capacity: CAPACITY, allocRange: flags.alloc, rcu: flags.rcu },
      { memory: (nodes) => (this.mem = new WatchdogMemory(nodes)) },
    );
    this.cursors = Array.from({ length: CURSORS }, () => this.tree!.cursor(0));
  }

  private get t(): MapleTree {
    if (!this.tree) throw new Error('replica driver: no tree (reset first)');
    return this.tree;
  }

  /**
   * A cursor step that 6.12 takes on a state standing on no node: a next, prev or find_rev bound
   * check can set ma_overflow / ma_underflow on a state that has not walked yet (ma_start, ma_pause,
   * ma_none, ma_root: mas_next_setup's and mas_prev_setup's first test, mas_find_rev_setup's pause
   * case). A later mas_next (from overflow), mas_prev (from underflow) or mas_find_rev (from
   * either) makes such a state active without a walk and hands it to mas_next_slot /
   * mas_prev_slot with no node: the kernel's build reads through a NULL node and never returns.
   * That is outside what the API defines (the state was never positioned), so neither tree runs it.
   */
  refuses(op: Op): string | null {
    if (op.op !== 'cursorNext' && op.op !== 'cursorPrev' && op.op !== 'cursorFindRev') return null;
    const mas = this.cursors[op.cursor]?.mas;
    if (!mas || mas.node !== 0) return null;
    const over = mas.status === MA_OVERFLOW;
    const under = mas.status === MA_UNDERFLOW;
    let stepsUnpositioned = false;
    if (op.op === 'cursorNext') stepsUnpositioned = over && mas.last < op.max;
    else if (op.op === 'cursorPrev') stepsUnpositioned = under && mas.index > op.min;
    else stepsUnpositioned = (over || under) && mas.index > op.min;
    return stepsUnpositioned ? `c${op.cursor} would step from ${over ? 'overflow' : 'underflow'} without ever having walked to a node` : null;
  }

  apply(op: Op): Outcome {
    const t = this.t;
    if (isWrite(op)) for (const c of this.cursors) c.pause();
    this.mem!.left = WATCHDOG_READS;
    try {
      return { value: this.run(t, op) };
    } catch (error) {
      if (error instanceof ReplicaHang) return { value: 'replica hung (the watchdog stopped a walk that does not end)', note: error.message };
      if (error instanceof RangeError) return { value: INVALID, note: error.message };
      return thrownValue('replica', error);
    }
  }

  private run(t: MapleTree, op: Op): string {
    switch (op.op) {
      case 'store':
        t.store(op.first, op.last, op.entry);
        return 'ok';
      case 'insert':
        return t.insert(op.first, op.last, op.entry) ? 'ok' : 'exists';
      case 'erase':
        return entryValue(t.erase(op.index));
      case 'load':
        return entryValue(t.load(op.index));
      case 'walk': {
        const r = t.walk(op.index);
        return walkValue(r.entry, r.first, r.last);
      }
      case 'find': {
        const r = t.find(op.index, op.max);
        return r ? rangeValue(r.entry, r.first, r.last) : 'NULL';
      }
      case 'findRev': {
        const r = t.findRev(op.index, op.min);
        return r ? rangeValue(r.entry, r.first, r.last) : 'NULL';
      }
      case 'cursorSet':
        this.cursors[op.cursor].set(op.index);
        return 'ok';
      case 'cursorFind':
      case 'cursorFindRev':
      case 'cursorNext':
      case 'cursorPrev': {
        const c = this.cursors[op.cursor];
        const entry =
          op.op === 'cursorFind' ? c.find(op.max) : op.op === 'cursorNext' ? c.next(op.max) : op.op === 'cursorFindRev' ? c.findRev(op.min) : c.prev(op.min);
        return rangeValue(entry, c.index, c.last);
      }
      case 'cursorPause':
        this.cursors[op.cursor].pause();
        return 'ok';
      case 'emptyArea':
      case 'emptyAreaRev': {
        const start = op.op === 'emptyArea' ? t.emptyArea(op.min, op.max, op.size) : t.emptyAreaRev(op.min, op.max, op.size);
        return start < 0 ? NONE : startValue(start);
      }
      case 'allocRange':
      case 'allocRangeRev': {
        const start =
          op.op === 'allocRange' ? t.allocRange(op.size, op.entry, op.min, op.max) : t.allocRangeRev(op.size, op.entry, op.min, op.max);
        return start < 0 ? NONE : startValue(start);
      }
      case 'entries':
        return entriesValue(t.entries());
      case 'validate':
        try {
          t.validate();
          return 'valid';
        } catch (error) {
          return `invalid`;
        }
      case 'setRcu':
        t.setRcu(op.on);
        return 'ok';
      case 'destroy':
        t.destroy();
        return 'ok';
    }
  }

  shape(): TreeShape {
    this.mem!.left = WATCHDOG_READS;
    return replicaShape(this.t.mem);
  }

  dispose(): void {
    this.tree = null;
    this.cursors = [];
  }
}
