/**
 * Version windows under weak memory. On real threads a reader step that starts once version v is
 * complete can only see the tree at v or later. In the simulator a completed write may still sit
 * in the writer's store buffer, and a reader's view may lag behind memory, so the oldest version a
 * step can see is the newest one whose stores had all drained by the reader's view time.
 *
 * The writer's stores of version v are those made while the log's `started` was v; between two
 * versions the writer's unlock and lock order its stores (SimulatedMemory.orderStores), so versions
 * drain in order and "drained by" is monotone.
 */
import type { SimWorld, SimulatedMemory } from '../../shared-heap/simulated-memory.js';
import type { VersionLog } from '../version-log.js';

export class VersionWindows {
  /** endSeq[v]: sequence number of the first store made after version v. */
  private readonly endSeq: number[] = [0];
  /** drainedAt[v]: a timestamp by which every store of versions <= v had drained. */
  private readonly drainedAt: number[] = [0];
  /** Highest version whose stores are all made (its successor began, or it completed). */
  private ended: number;
  /** Highest version known drained. */
  private settled: number;
  private open: number;

  constructor(private readonly log: VersionLog, private readonly writer: SimulatedMemory, private readonly world: SimWorld) {
    // Everything before now (the setup) has drained: the caller fenced the writer.
    const done = log.completed;
    for (let v = 1; v <= done; v++) {
      this.endSeq.push(world.pushed);
      this.drainedAt.push(world.clock);
    }
    this.ended = this.settled = this.open = done;
  }

  /** At each writer access: a new version began? Returns the writer's new label, or null. */
  writerAccess(): string | null {
    const started = this.log.started;
    if (started === this.open) return null;
    this.endUpTo(started - 1);
    this.open = started;
    this.world.storeOrigin = started;
    return this.log.describe(started);
  }

  /** A writer operation ended: its last version is complete. */
  opEnded(): void {
    this.endUpTo(this.log.completed);
  }

  /** After every drain of the writer's store: which versions are now wholly visible. */
  settle(): void {
    const pending = this.writer.oldestPendingSeq;
    while (this.settled < this.ended && pending >= this.endSeq[this.settled + 1]) {
      this.settled++;
      this.drainedAt[this.settled] = this.world.clock;
    }
  }

  /** The oldest version a reader whose view is `view` may still see. */
  oldestVisible(view: number): number {
    let lo = 0;
    let hi = this.settled;
    const at = this.drainedAt;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (at[mid] <= view) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  private endUpTo(version: number): void {
    if (version <= this.ended) return;
    for (let v = this.ended + 1; v <= version; v++) {
      this.endSeq[v] = this.world.pushed;
      this.drainedAt[v] = Infinity;
    }
    this.ended = version;
    this.writer.orderStores();
    this.settle();
  }
}
