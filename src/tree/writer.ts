/**
 * The write side, as lib/maple_tree.c writes: mas_wr_store_type decides how a store is done
 * (store-type.ts), and mas_wr_store_entry does it: in the leaf (in-place.ts), by a big node that is
 * split upward (split.ts) or rebalanced (rebalance.ts), by a spanning store (rebalance.ts), or at
 * the root (mas_store_root, mas_root_expand, mas_new_root, here). New nodes are fully written
 * before they are published; replaced nodes die after the parent words of carried children are
 * fixed (node-build.ts).
 */
import type { Memory } from '../shared-heap/memory.js';
import type { Slab } from '../shared-heap/slab.js';
import type { Reclaimer } from '../shared-heap/reclaim.js';
import { MAX_HEIGHT } from './path.js';
import { Bug } from '../shared-heap/bugs.js';
import type { Lockdep } from '../shared-heap/lockdep.js';
import { BigNode } from './big-node.js';
import { NodeBuilder } from './node-build.js';
import { LeafStores } from './in-place.js';
import { Splitter } from './split.js';
import { Rebalancer, storeBNode } from './rebalance.js';
import { WriteStats } from './write-stats.js';
import {
  WrState,
  WR_APPEND,
  WR_EXACT_FIT,
  WR_NEW_ROOT,
  WR_NODE_STORE,
  WR_REBALANCE,
  WR_SLOT_STORE,
  WR_SPANNING_STORE,
  WR_SPLIT_STORE,
  WR_STORE_ROOT,
} from './store-type.js';
import {
  HDR_HEIGHT,
  HDR_ROOT,
  LEAF_64,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  isNode,
  mkRootParent,
  nodeBase,
  slotsAt,
} from './layout.js';

// TreeWriter.lookup writes the layout's numbers as literals (see there).
if (HDR_ROOT !== 0 || nodeBase(1) !== 64 || META !== 1 || PIVOTS !== 2 || slotsAt(LEAF_64) !== 17 || slotsAt(3) !== 11 || LEAF_64 !== 1 || MAX_HEIGHT !== 32 || MAX_INDEX !== 0xffffffff) {
  throw new Error('writer: the literals of lookup no longer match layout.ts / path.ts');
}

export { WriteStats } from './write-stats.js';

export class TreeWriter {
  readonly stats = new WriteStats();
  private readonly builder: NodeBuilder;
  private readonly wr: WrState;
  private readonly lWr: WrState;
  private readonly rWr: WrState;
  private readonly bn = new BigNode();
  private readonly leaf: LeafStores;
  private readonly splitter: Splitter;
  private readonly rebalancer: Rebalancer;
  private readonly rootPiv = new Float64Array(4);
  private readonly rootSlot = new Uint32Array(4);

  // Result of lookup().
  private lkFirst = 0;
  private lkLast = 0;

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly reclaimer: Reclaimer,
    private readonly bugs: number,
    private readonly lockdep: Lockdep,
  ) {
    const builder = (this.builder = new NodeBuilder(mem, slab, reclaimer, bugs));
    this.wr = new WrState(mem);
    this.lWr = new WrState(mem);
    this.rWr = new WrState(mem);
    this.leaf = new LeafStores(mem, builder, bugs);
    this.splitter = new Splitter(mem, builder, this.bn, this.stats);
    this.rebalancer = new Rebalancer(mem, builder, this.bn, this.splitter, this.stats);
  }

  /** smp_wmb issued by the free path after marking nodes dead. */
  get deathBarriers(): number {
    return this.builder.freePath.barriers;
  }

  /** Nodes a write may need, reserved before it touches the tree (mas_preallocate). */
  private reserve(needed: number): void {
    if (this.slab.free < needed) this.reclaimer.reclaim(needed);
    this.slab.reserve(needed);
  }

  height(): number {
    return this.mem.read(HDR_HEIGHT);
  }

  /**
   * Entry at index, setting lkFirst/lkLast to its range (the writer holds the lock). Per level: the
   * data end, the pivots below index (one pivot scan), the pivots around the slot taken, then that
   * slot; the bounds stay in locals (no path is recorded): only the leaf's are kept. The layout's
   * numbers are literals, as in walk.ts's mtreeLoad and WrState.walkDown (checked below the
   * imports): HDR_ROOT 0, a node's base id << 6, META 1, PIVOTS 2, the slots at 11 (arange_64) or
   * 17, LEAF_64 1, MAX_HEIGHT 32. In optimized code every use of an imported binding is a load and
   * a check; written out, a lookup over hot nodes took about two thirds of the time.
   */
  lookup(index: number): number {
    const mem = this.mem;
    const root = mem.read(0);
    if ((root & 3) !== 2) {
      // isNode: the root holds no node.
      if (root !== 0 && index === 0) {
        this.lkFirst = this.lkLast = 0;
        return root;
      }
      this.lkFirst = root === 0 ? 0 : 1;
      this.lkLast = 0xffffffff;
      return 0;
    }
    let enode = root;
    let min = 0;
    let max = 0xffffffff;
    for (let d = 0; ; d++) {
      const type = (enode >>> 2) & 3;
      const base = (enode >>> 4) << 6;
      const end = mem.read(base + 1) & 0xff;
      const offset = mem.scan(base + 2, end, index);
      if (offset > 0) min = mem.read(base + 1 + offset) + 1;
      if (offset < end) max = mem.read(base + 2 + offset);
      if (type === 1 || d === 31) {
        this.lkFirst = min;
        this.lkLast = max;
        return mem.read(base + 17 + offset);
      }
      enode = mem.read(base + (type === 3 ? 11 : 17) + offset);
    }
  }

  /** Lookup's range, for callers. */
  get lookupFirst(): number {
    return this.lkFirst;
  }

  get lookupLast(): number {
    return this.lkLast;
  }

  /** Store entry over [first, last] (arguments already checked): mtree_store_range. */
  store(first: number, last: number, entry: number): void {
    this.lockdep.treeLock = true;
    try {
      this.storeEntry(first, last, entry, false);
    } finally {
      this.lockdep.treeLock = false;
    }
    // Deferred frees run outside the tree lock, as RCU callbacks do.
    this.reclaimer.flush();
  }

  /**
   * mtree_insert_range: store only when [first, last] lies in one NULL range of one leaf (as the
   * kernel checks it: a range over a node boundary counts as occupied). False when occupied.
   */
  insert(first: number, last: number, entry: number): boolean {
    this.lockdep.treeLock = true;
    let done: boolean;
    try {
      done = this.storeEntry(first, last, entry, true);
    } finally {
      this.lockdep.treeLock = false;
    }
    this.reclaimer.flush();
    return done;
  }

  /** mas_wr_preallocate and mas_wr_store_entry; with `insert`, mas_insert's checks first. */
  private storeEntry(first: number, last: number, entry: number, insert: boolean): boolean {
    const wr = this.wr;
    const builder = this.builder;
    const rcu = builder.rcu;
    if (insert && first === 0 && !isNode(this.mem.read(HDR_ROOT)) && this.mem.read(HDR_ROOT) !== 0) return false;
    const append = !rcu || (this.bugs & Bug.APPEND_IN_RCU) !== 0;
    const type = wr.storeType(first, last, entry, rcu, append);
    if (insert && type !== WR_STORE_ROOT) {
      // The kernel's mas_insert skips its checks for wr_new_root too, so inserting [0, MAX] over
      // a leaf root of several ranges replaces the whole tree. One of those ranges holds an entry
      // (NULL ranges never neighbour), so here the insert fails, as the API promises.
      if (type === WR_NEW_ROOT || type === WR_SPANNING_STORE) return false;
      if (wr.content !== 0 || last > wr.rMax) return false;
    }
    const mas = wr.mas;
    switch (type) {
      case WR_STORE_ROOT:
        this.stats.storeRoot++;
        this.storeRoot(wr.content, first, last, entry);
        break;
      case WR_NEW_ROOT:
        this.stats.newRoot++;
        this.newRoot(entry);
        break;
      case WR_EXACT_FIT:
        this.stats.exactFit++;
        this.leaf.exactFit(wr);
        break;
      case WR_APPEND:
        this.stats.append++;
        this.leaf.append(wr, wr.newEnd());
        break;
      case WR_SLOT_STORE:
        this.stats.slotStore++;
        this.leaf.slotStore(wr);
        break;
      case WR_NODE_STORE:
        this.stats.nodeStore++;
        if (rcu) this.reserve(1);
        this.leaf.nodeStore(wr, wr.newEnd());
        break;
      case WR_SPANNING_STORE:
        this.reserve(3 * this.height() + 4);
        builder.begin();
        if (this.rebalancer.spanningStore(wr, this.lWr, this.rWr)) {
          this.stats.spanning++;
        } else {
          this.stats.newRoot++;
          this.newRoot(entry);
        }
        break;
      case WR_SPLIT_STORE:
      case WR_REBALANCE:
        this.reserve(3 * this.height() + 4);
        builder.begin();
        this.bn.clear();
        storeBNode(this.mem, builder.alloc, wr, this.bn, wr.offsetEnd);
        if (type === WR_REBALANCE) {
          this.stats.rebalance++;
          this.rebalancer.rebalance(mas);
        } else {
          this.stats.split++;
          this.splitter.split(mas);
        }
        break;
    }
    return true;
  }

  /** mas_store_root: the tree holds no node (empty, or one entry at 0 in the root word). */
  private storeRoot(contents: number, first: number, last: number, entry: number): void {
    const mem = this.mem;
    if (entry === 0) {
      if (first === 0) mem.publish(HDR_ROOT, 0);
    } else if (last !== 0 || first !== 0) {
      this.rootExpand(contents, first, last, entry);
    } else {
      mem.publish(HDR_ROOT, entry);
    }
  }

  /** mas_root_expand: a leaf root holding what the root word held and the new range. */
  private rootExpand(contents: number, first: number, last: number, entry: number): void {
    const mem = this.mem;
    this.reserve(1);
    const builder = this.builder;
    builder.begin();
    const piv = this.rootPiv;
    const slot = this.rootSlot;
    piv.fill(0);
    slot.fill(0);
    let n = 0;
    if (first > 0) {
      if (contents !== 0) {
        slot[n] = contents;
        if (first > 1) n++;
      }
      piv[n++] = first - 1;
    }
    slot[n] = entry;
    piv[n] = last;
    if (last !== MAX_INDEX) piv[++n] = MAX_INDEX;
    const enode = builder.newNode(LEAF_64);
    builder.writeNode(enode, piv, slot, piv, 0, n + 1, 0);
    mem.write(nodeBase(enode >>> 4) + PARENT, mkRootParent());
    builder.publishNode(HDR_ROOT, enode);
    mem.write(HDR_HEIGHT, 1);
  }

  /** mas_new_root: the whole keyspace at once; NULL empties the tree. */
  private newRoot(entry: number): void {
    const mem = this.mem;
    const old = mem.read(HDR_ROOT);
    let root = 0;
    if (entry !== 0) {
      this.reserve(1);
      const builder = this.builder;
      builder.begin();
      const enode = builder.newNode(LEAF_64);
      this.rootSlot[0] = entry;
      this.rootPiv[0] = MAX_INDEX;
      builder.writeNode(enode, this.rootPiv, this.rootSlot, this.rootPiv, 0, 1, 0);
      mem.write(nodeBase(enode >>> 4) + PARENT, mkRootParent());
      root = enode;
    }
    mem.publish(HDR_ROOT, root);
    mem.write(HDR_HEIGHT, root === 0 ? 0 : 1);
    if (isNode(old)) this.builder.retireAll(old);
  }

  /**
   * mtree_destroy: every node dies; the tree is empty afterwards. In RCU mode each node is marked
   * dead and gets its type and slot count in the overlay, and one deferred walk frees the whole
   * subtree after a grace period (mt_destroy_walk / mt_free_walk).
   */
  destroy(): void {
    const mem = this.mem;
    this.lockdep.treeLock = true;
    const root = mem.read(HDR_ROOT);
    mem.publish(HDR_ROOT, 0);
    mem.write(HDR_HEIGHT, 0);
    if (isNode(root)) {
      if (this.builder.rcu) this.builder.destroyRcu(root);
      else this.builder.retireAll(root);
    }
    this.lockdep.treeLock = false;
    this.reclaimer.flush();
  }
}
