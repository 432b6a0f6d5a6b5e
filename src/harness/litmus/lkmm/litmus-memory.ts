/**
 * A simulated thread with what the litmus interpreter needs beyond the tree's memory layer: loads
 * with an explicit address dependency, the read of a read-modify-write, and promises (a store made
 * visible before the thread reaches it: load buffering). The tree's code never gets these.
 */
import { SimulatedMemory } from '../../../shared-heap/simulated-memory.js';

export class LitmusMemory extends SimulatedMemory {
  /**
   * A plain load not older than the store current at timestamp `after`: an address dependency on a
   * load that read that store (the interpreter tracks which loads an address came from).
   */
  readAfter(addr: number, after: number): number {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'read', addr);
    const value = this.load(addr, after);
    if (world.tracer !== null) world.tracer(this, 'read', addr, value, this.lastReadFrom);
    return value;
  }

  /**
   * The read of a read-modify-write: the newest drained value, no choice (its write must follow it
   * immediately in coherence order). The caller makes sure no store to `addr` is buffered.
   */
  readLatest(addr: number): number {
    const world = this.world;
    if (world.onAccess !== null) world.onAccess(this, 'read', addr);
    world.checkAddr(addr);
    const value = world.newest(addr);
    this.noteRead(addr, world.newestTimestamp(addr));
    if (world.tracer !== null) world.tracer(this, 'read', addr, value, this.lastReadFrom);
    return value;
  }

  /**
   * Load buffering: a store of this thread reaches memory before the thread gets to it in program
   * order (a promise), so other threads may read it early. The thread's buffered stores drain first
   * (a promise overtakes none of them); returns the store's timestamp. Sound only when the caller
   * certifies that the thread later makes exactly this store without depending on any load it makes
   * after this point, and discards the execution otherwise (promises.ts).
   */
  promise(addr: number, value: number): number {
    const world = this.world;
    world.checkAddr(addr);
    this.drainMine();
    const ts = world.commit(addr, value, world.storeTag !== null ? world.storeTag(addr) : 0, world.storeOrigin);
    world.pushed++;
    if (world.tracer !== null) world.tracer(this, 'drain', addr, value, ts);
    return ts;
  }

  /** The promised store with timestamp `ts` is reached in program order: no older value there since. */
  fulfil(addr: number, ts: number): void {
    if (ts > this.floor[addr]) this.floor[addr] = ts;
  }
}
