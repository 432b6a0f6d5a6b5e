/**
 * The free path of replaced nodes: find every node of a replaced subtree that no new node kept,
 * mark each dead (parent word pointing to itself, then smp_wmb), and only then hand it to the
 * reclaimer, which writes the overlay and frees it after a grace period (at once outside RCU mode).
 */
import type { Memory } from '../shared-heap/memory.js';
import type { Slab } from '../shared-heap/slab.js';
import type { Reclaimer } from '../shared-heap/reclaim.js';
import { writeOverlay, OVERLAY_TYPE } from '../shared-heap/reclaim.js';
import { Bug } from '../shared-heap/bugs.js';
import type { Lockdep } from '../shared-heap/lockdep.js';
import { LEAF_64, META, PARENT, deadParent, nodeBase, slotCount, slotsAt } from './layout.js';

export class FreePath {
  /** smp_wmb issued after marking nodes dead (patch 4's measure: one per dead node). */
  barriers = 0;
  private dead = new Uint32Array(64);
  private count = 0;

  constructor(
    private readonly mem: Memory,
    private readonly slab: Slab,
    private readonly reclaimer: Reclaimer,
    private readonly bugs: number,
  ) {}

  /**
   * Gather every node under top whose kept mark is not this epoch's (NodeBuilder's marks: the
   * kept mark of node id is marks[2 * id + 1]).
   */
  collect(top: number, marks: Uint32Array, epoch: number): void {
    this.count = 0;
    if (marks[2 * (top >>> 4) + 1] !== epoch) this.gather(top, marks, epoch);
  }

  /** A node no new node kept, then (depth first, in slot order) its children no new node kept. */
  private gather(enode: number, marks: Uint32Array, epoch: number): void {
    const id = enode >>> 4;
    if (this.count === this.dead.length) {
      const grown = new Uint32Array(this.dead.length * 2);
      grown.set(this.dead);
      this.dead = grown;
    }
    this.dead[this.count++] = enode;
    const type = (enode >>> 2) & 3;
    if (type === LEAF_64) return;
    const mem = this.mem;
    const base = nodeBase(id);
    const end = mem.read(base + META) & 0xff;
    const sAt = base + slotsAt(type);
    // The kept test before the call: most children of a replaced internal node are carried over.
    for (let i = 0; i <= end; i++) {
      const child = mem.read(sAt + i);
      if (marks[2 * (child >>> 4) + 1] !== epoch) this.gather(child, marks, epoch);
    }
  }

  private deathBarrier(): void {
    this.barriers++;
    this.mem.wmb();
  }

  /** mte_set_node_dead then smp_wmb for each gathered node, and only then the overlay and free. */
  kill(rcu: boolean): void {
    const mem = this.mem;
    const slab = this.slab;
    const bugs = this.bugs;
    if ((bugs & Bug.OVERLAY_BEFORE_DEATH) !== 0 && rcu) {
      // Patch 5 reverted: scribble first, mark dead afterwards.
      for (let i = 0; i < this.count; i++) {
        const enode = this.dead[i];
        const type = (enode >>> 2) & 3;
        writeOverlay(mem, enode >>> 4, type, slotCount(type));
      }
    }
    for (let i = 0; i < this.count; i++) {
      const id = this.dead[i] >>> 4;
      mem.write(nodeBase(id) + PARENT, deadParent(id));
      slab.noteDeath(id);
      if ((bugs & Bug.MISSING_WMB) === 0) this.deathBarrier();
      if ((bugs & Bug.DUPLICATE_WMB) !== 0) this.deathBarrier();
    }
    for (let i = 0; i < this.count; i++) {
      const enode = this.dead[i];
      const type = (enode >>> 2) & 3;
      if (rcu) this.reclaimer.callRcu(enode >>> 4, type, slotCount(type));
      else slab.freeNow(enode >>> 4);
    }
    this.count = 0;
  }

  /**
   * Destroy in RCU mode (mt_destroy_walk): every node is marked dead and gets its type and slot
   * count in the overlay, then one deferred walk frees the whole subtree after a grace period.
   */
  destroyRcu(root: number, marks: Uint32Array, epoch: number): void {
    const mem = this.mem;
    this.collect(root, marks, epoch);
    for (let i = 0; i < this.count; i++) {
      const enode = this.dead[i];
      const id = enode >>> 4;
      const type = (enode >>> 2) & 3;
      const base = nodeBase(id);
      const used = (mem.read(base + META) & 0xff) + 1;
      mem.write(base + PARENT, deadParent(id));
      this.slab.noteDeath(id);
      if ((this.bugs & Bug.MISSING_WMB) === 0) this.deathBarrier();
      // Patch 3 reverted: only the node the callback starts from gets its type written.
      if ((this.bugs & Bug.UNTYPED_FREE_WALK) !== 0 && i > 0) writeOverlay(mem, id, 0, 0xad);
      else writeOverlay(mem, id, type, used);
      this.slab.retire(id);
    }
    this.count = 0;
    this.reclaimer.callRcuWalk(root >>> 4);
  }
}

/**
 * The deferred free walk (mt_free_walk): frees a dead subtree reading each node's type and slot
 * count from the overlay, since a callback gets a node, not a typed reference.
 */
export function freeWalk(
  mem: Memory,
  id: number,
  release: (id: number) => void,
  bugs: number,
  lockdep: Lockdep,
): void {
  const base = nodeBase(id);
  const word = mem.read(base + OVERLAY_TYPE);
  const type = (word >>> 8) & 3;
  const used = word & 0xff;
  if (type !== LEAF_64) {
    const slots = slotsAt(type);
    for (let i = 0; i < used; i++) {
      // Patch 7 reverted: the slot accessor that demands the tree lock, in callback context.
      if ((bugs & Bug.CALLBACK_UNLOCKED) !== 0) lockdep.checkTreeOrRcu('mt_free_walk');
      else lockdep.checkTreeRcuOrCallback('mt_free_walk');
      const child = mem.read(base + slots + i);
      if (child !== 0) freeWalk(mem, child >>> 4, release, bugs, lockdep);
    }
  }
  release(id);
}
