/**
 * The kernel's own lib/maple_tree.c (the wasm build, src/kernel) as a conformance driver. Its
 * conventions, mapped to the shared forms of driver.ts:
 *  - a write's 0 is `ok`; mtree_insert_range's -EEXIST is `exists` (the replica's false);
 *  - mas_empty_area(_rev) and mtree_alloc_(r)range: -EBUSY is `none` (no window); -EINVAL is
 *    `none` too when the window [min, max] is smaller than the size (no window could hold it: the
 *    replica's -1), and `invalid` for every other reason (min > max, size 0, a reserved entry,
 *    alloc on a tree without MT_FLAGS_ALLOC_RANGE: a refused request, the replica's RangeError);
 *  - mt_validate's failure count: 0 is `valid`, more is `invalid` (the count is a note);
 *  - find/findRev are mas_find/mas_find_rev on a fresh ma_state at index (the replica's facade
 *    does the same), kept in a scratch cursor.
 * Any other errno is shown as itself (never equal to a replica result). Grace periods: the driver
 * runs the queued call_rcu callbacks every few writes and after destroy, as a single-threaded
 * caller must, or the slab runs dry. Every reset starts a fresh instance on a fresh memory, so a
 * script's run depends on nothing but the script and replays exactly (shrinking and --replay need
 * that): a kernel instance kept across scripts carried the damage of an earlier one into the next.
 * Seen with 6.12's RCU-mode destroy walk (known.ts, rcu-destroy-walk-clears-last-slot), whose
 * wrong free traps only when the mangled address is free, queued or not a node, and otherwise
 * frees a node silently: `npm run conform -- --seed 2064 --scenario
 * spanning,rcu-destroy,random-large,cursor` then reported two shape divergences in later scripts
 * that did not reproduce on replay, and none with an instance per script. It costs about 40% of
 * the run's speed (1M ops in 19 s against 14 s).
 */
import { KernelInstance, KernelTrap, MT_FLAGS_ALLOC_RANGE, MT_FLAGS_USE_RCU, createKernelMemory } from '../../kernel/loader.js';
import type { WasmModule } from '../../kernel/loader.js';
import type { KernelCursor, KernelTree } from '../../kernel/kernel-tree.js';
import type { TreeShape } from '../../tree/shape.js';
import { CURSORS, isWrite } from './script.js';
import type { Op, TreeFlags } from './script.js';
import { INVALID, NONE, entriesValue, entryValue, rangeValue, startValue, thrownValue, walkValue } from './driver.js';
import type { Driver, Outcome } from './driver.js';

const EEXIST = -17;
const EINVAL = -22;
const EBUSY = -16;
const ENOMEM = -12;
const ERRNO_NAMES: Record<number, string> = { [-17]: 'EEXIST', [-22]: 'EINVAL', [-16]: 'EBUSY', [-12]: 'ENOMEM' };
/**
 * RCU dereferences one op may make before the runtime's watchdog calls it a walk that never ends
 * (a trap, reported as the kernel's result): far above any real op here, about 0.2 s of work.
 */
const WATCHDOG_DEREFS = 5_000_000;
/** Writes between grace periods. */
const WRITES_PER_GRACE_PERIOD = 16;
/**
 * The shape buffer's words, taken when the instance is made (several times what a script's tree
 * needs): taken on the first shape read instead, it moved every node allocated after it, so a run
 * at the shape level laid the kernel's nodes out otherwise than its replay at the results level.
 */
const SHAPE_WORDS = 1 << 16;

const errnoValue = (ret: number): string => `-${ERRNO_NAMES[ret] ?? `errno ${-ret}`}`;

/** -EINVAL for a well-formed request whose window cannot hold the size: the same fact as the replica's -1. */
function windowTooSmall(min: number, max: number, size: number): boolean {
  return min <= max && max - min < size - 1;
}

export class KernelDriver implements Driver {
  readonly name = 'kernel';
  private tree: KernelTree | null = null;
  private cursors: KernelCursor[] = [];
  private scratch: KernelCursor | null = null;
  private writes = 0;
  private broken = false;

  kernel: KernelInstance;

  private allocTree = false;

  constructor(private readonly module: WasmModule) {
    this.kernel = KernelInstance.createSync(module, createKernelMemory());
  }

  reset(flags: TreeFlags): void {
    this.allocTree = flags.alloc;
    // The old tree goes with its instance (nothing to free: the memory is dropped).
    this.tree = null;
    this.broken = false;
    this.writes = 0; // grace periods at the same writes of every run of a script
    this.kernel = KernelInstance.createSync(this.module, createKernelMemory());
    this.kernel.bigScratch(SHAPE_WORDS);
    const tree = this.kernel.newTree((flags.alloc ? MT_FLAGS_ALLOC_RANGE : 0) | (flags.rcu ? MT_FLAGS_USE_RCU : 0));
    this.tree = tree;
    this.cursors = Array.from({ length: CURSORS }, () => tree.cursor(0));
    this.scratch = tree.cursor(0);
  }

  private get t(): KernelTree {
    if (!this.tree) throw new Error('kernel driver: no tree (reset first)');
    return this.tree;
  }

  apply(op: Op): Outcome {
    const t = this.t;
    if (isWrite(op)) for (const c of this.cursors) c.pause();
    this.kernel.armWatchdog(WATCHDOG_DEREFS);
    try {
      const outcome = this.run(t, op);
      if (isWrite(op) && (++this.writes % WRITES_PER_GRACE_PERIOD === 0 || op.op === 'destroy')) this.kernel.rcuBarrier();
      return outcome;
    } catch (error) {
      if (error instanceof KernelTrap) {
        // A trap may have left a lock held or a grace period half run: this instance is not used again.
        this.broken = true;
        const tail = error.log.split('\n').slice(-3).join('\n');
        const hung = /watchdog: too many/.test(tail);
        const oom = /watchdog: out of memory/.test(tail);
        return {
          value: hung ? 'kernel hung (the watchdog stopped a walk that does not end)' : oom ? 'kernel out of memory' : thrownValue('kernel', error).value, note: error.log.split('\n').slice(-8).join('\n') };
      }
      return thrownValue('kernel', error);
    }
  }

  private run(t: KernelTree, op: Op): Outcome {
    switch (op.op) {
      case 'store': {
        const ret = t.storeRange(op.first, op.last, op.entry);
        return { value: ret === 0 ? 'ok' : errnoValue(ret) };
      }
      case 'insert': {
        const ret = t.insertRange(op.first, op.last, op.entry);
        return { value: ret === 0 ? 'ok' : ret === EEXIST ? 'exists' : errnoValue(ret) };
      }
      case 'erase':
        return { value: entryValue(t.erase(op.index)) };
      case 'load':
        return { value: entryValue(t.load(op.index)) };
      case 'walk': {
        const r = t.walk(op.index);
        return { value: walkValue(r.entry, r.first, r.last) };
      }
      case 'find':
      case 'findRev': {
        const c = this.scratch!;
        c.set(op.index);
        const r = op.op === 'find' ? c.step('find', op.max) : c.step('findRev', op.min);
        return { value: rangeValue(r.entry, r.first, r.last) };
      }
      case 'cursorSet':
        this.cursors[op.cursor].set(op.index);
        return { value: 'ok' };
      case 'cursorFind':
      case 'cursorNext': {
        const r = this.cursors[op.cursor].step(op.op === 'cursorFind' ? 'find' : 'next', op.max);
        return { value: rangeValue(r.entry, r.first, r.last) };
      }
      case 'cursorFindRev':
      case 'cursorPrev': {
        const r = this.cursors[op.cursor].step(op.op === 'cursorFindRev' ? 'findRev' : 'prev', op.min);
        return { value: rangeValue(r.entry, r.first, r.last) };
      }
      case 'cursorPause':
        this.cursors[op.cursor].pause();
        return { value: 'ok' };
      case 'emptyArea':
      case 'emptyAreaRev': {
        const r = t.emptyArea(op.min, op.max, op.size, op.op === 'emptyAreaRev');
        return this.areaOutcome(r.ret, r.first, op.min, op.max, op.size);
      }
      case 'allocRange':
      case 'allocRangeRev': {
        const r = t.allocRange(op.size, op.entry, op.min, op.max, op.op === 'allocRangeRev');
        // mtree_alloc_(r)range refuses a tree without MT_FLAGS_ALLOC_RANGE before looking at the
        // window: there -EINVAL is the refusal, whatever the window's size.
        if (!this.allocTree && r.ret === EINVAL) return { value: INVALID, note: '-EINVAL (not an allocation tree)' };
        return this.areaOutcome(r.ret, r.start, op.min, op.max, op.size);
      }
      case 'entries':
        return { value: entriesValue(t.findAll()) };
      case 'validate': {
        this.kernel.clearLog();
        const failed = t.validate();
        return failed === 0 ? { value: 'valid' } : { value: 'invalid', note: `mt_validate: ${failed} checks failed\n${this.kernel.log().slice(0, 2000)}` };
      }
      case 'setRcu':
        t.setInRcu(op.on);
        return { value: 'ok' };
      case 'destroy':
        t.destroy();
        return { value: 'ok' };
    }
  }

  private areaOutcome(ret: number, start: number, min: number, max: number, size: number): Outcome {
    if (ret === 0) return { value: startValue(start) };
    if (ret === EBUSY) return { value: NONE, note: '-EBUSY' };
    if (ret === EINVAL) return windowTooSmall(min, max, size) ? { value: NONE, note: '-EINVAL (window smaller than size)' } : { value: INVALID, note: '-EINVAL' };
    if (ret === ENOMEM) return { value: errnoValue(ret) };
    return { value: errnoValue(ret) };
  }

  shape(): TreeShape {
    try {
      return this.t.shape();
    } catch (error) {
      throw error;
    }
  }

  dispose(): void {
    if (!this.tree) return;
    if (this.broken) {
      // Left as it is (its nodes are lost to this memory): destroying it could spin on its lock.
      this.broken = false;
      this.tree = null;
      this.cursors = [];
      this.scratch = null;
      return;
    }
    try {
      this.tree.destroy();
      this.kernel.rcuBarrier();
    } catch {
      // A trap while freeing (a double free BUGs with the cache's lock held): the next reset starts afresh anyway.
    }
    this.tree = null;
    this.cursors = [];
    this.scratch = null;
  }
}
