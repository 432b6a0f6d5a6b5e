/**
 * What happens to a node after the tree has marked it dead: the free path writes its overlay (the
 * kernel's rcu_head and destroy-walk bookkeeping) over the first pivots, and the node goes back to
 * the slab once no reader can hold it.
 */
import type { Memory } from './memory.js';
import type { Slab } from './slab.js';
import { NODE_WORDS } from './slab.js';

export interface Reclaimer {
  /** call_rcu: the node is dead and unreachable; free it once readers are done with it. */
  callRcu(id: number, type: number, slotCount: number): void;
  /** Called at the end of every write operation. */
  flush(): void;
}

/** The overlay covers the five words after the parent word (pivots 0-4); the parent word stays. */
const OVERLAY_FIRST = 1;
export const POISON = 0xdead4ead;

/** Write the free path's overlay: recognisable poison plus the type and slot count. */
export function writeOverlay(mem: Memory, id: number, type: number, slotCount: number): void {
  const base = id * NODE_WORDS + OVERLAY_FIRST;
  mem.write(base, POISON); // rcu_head.next
  mem.write(base + 1, POISON); // rcu_head.func
  mem.write(base + 2, POISON); // piv_parent
  mem.write(base + 3, ((type << 8) | slotCount) >>> 0); // type and slot_len for the destroy walk
  mem.write(base + 4, POISON); // ma_flags
}

/**
 * No readers yet (single-threaded use): poison at once, free at the end of the write operation.
 * The grace-period reclaimer replaces this when readers run on other threads.
 */
export class EndOfOpReclaimer implements Reclaimer {
  private pending: number[] = [];

  constructor(private readonly mem: Memory, private readonly slab: Slab) {}

  callRcu(id: number, type: number, slotCount: number): void {
    writeOverlay(this.mem, id, type, slotCount);
    this.slab.retire(id);
    this.pending.push(id);
  }

  flush(): void {
    const pending = this.pending;
    for (let i = 0; i < pending.length; i++) this.slab.release(pending[i]);
    pending.length = 0;
  }
}
