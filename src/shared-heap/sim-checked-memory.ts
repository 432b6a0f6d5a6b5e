/**
 * The stale-read detector of the simulator: a reader's simulated memory that knows, for every
 * word it reads, which incarnation of the node the value was written in.
 *
 * On real threads the detector brackets a node's reads with loads of its generation word; under a
 * weak memory model that bracket says nothing (the generation moves in program order, the node's
 * words become visible later, in any order the barriers allow). Here every store carries the
 * generation its node had when the writer made it (SimWorld.storeTag), and every load knows which
 * store it read from. So a visit to a node is judged exactly:
 *
 * - the dead check (parent-word read) says dead: whatever was read is discarded, no harm;
 * - it says alive: every data word read in the visit must carry the same generation as the parent
 *   word just read (a word written after the node died, or in another life of it, was used);
 * - no dead check before the reader moves on: the words must all come from one live incarnation.
 */
import { SimulatedMemory } from './simulated-memory.js';
import type { SimWorld } from './simulated-memory.js';
import type { StaleRead, StaleReadDetector } from './checked-memory.js';
import { NODE_WORDS } from './slab.js';

const LIVE = 1;
const NODE_SHIFT = Math.log2(NODE_WORDS);

export class SimCheckedMemory extends SimulatedMemory implements StaleReadDetector {
  discarded = 0;
  readonly violations: StaleRead[] = [];
  /** The node being visited (0: none; node 0 is the tree header and is not judged). */
  private current = 0;
  private dataReads = 0;
  private minTag = 0;
  private maxTag = 0;
  /** Timestamps of a data read with the lowest and one with the highest tag (for the report). */
  private minTs = 0;
  private maxTs = 0;
  /** Generation of the parent word the last dead check of this visit read alive; -1: none yet. */
  private aliveTag = -1;

  /** `nodeEnd`: the first word after the nodes (what lies beyond, the RCU words, is not judged). */
  constructor(world: SimWorld, id: number, name: string, private readonly deathStamps: Int32Array, private readonly nodeEnd = world.words) {
    super(world, id, name);
  }

  override read(addr: number): number {
    const value = super.read(addr);
    const id = addr >>> NODE_SHIFT;
    if (id === 0 || addr >= this.nodeEnd) return value;
    if ((addr & (NODE_WORDS - 1)) === 0) this.parentRead(id, value);
    else {
      if (id !== this.current) this.moveTo(id);
      this.noteData();
    }
    return value;
  }

  /**
   * A dereferenced parent word (mas_ascend following the parent) is judged as the plain one is:
   * the dead check's word, never node data (see CheckedMemory.parentRead for why that is sound).
   */
  override deref(addr: number): number {
    const value = super.deref(addr);
    const id = addr >>> NODE_SHIFT;
    if (id === 0 || addr >= this.nodeEnd) return value;
    if ((addr & (NODE_WORDS - 1)) === 0) this.parentRead(id, value);
    else {
      if (id !== this.current) this.moveTo(id);
      this.noteData();
    }
    return value;
  }

  /** A parent-word read, plain or dereferenced: the dead check of its node. */
  private parentRead(id: number, value: number): void {
    if (id !== this.current) this.moveTo(id);
    this.deadCheck(id, value);
  }

  endOp(): boolean {
    const tainted = this.closeVisit();
    this.current = 0;
    return tainted;
  }

  private noteData(): void {
    const ts = this.lastReadFrom;
    const tag = this.world.tagAt(ts);
    if (this.dataReads === 0) {
      this.minTag = this.maxTag = tag;
      this.minTs = this.maxTs = ts;
    } else if (tag < this.minTag) {
      this.minTag = tag;
      this.minTs = ts;
    } else if (tag > this.maxTag) {
      this.maxTag = tag;
      this.maxTs = ts;
    }
    this.dataReads++;
  }

  private deadCheck(id: number, parent: number): void {
    const tag = this.world.tagAt(this.lastReadFrom);
    if (parent >>> 8 === id) {
      if (this.dataReads > 0) this.discarded++;
      this.dataReads = 0;
      this.aliveTag = -1;
      return;
    }
    if (this.dataReads > 0 && (this.minTag !== tag || this.maxTag !== tag)) {
      this.record(`used after its dead check said alive`, tag);
    }
    this.dataReads = 0;
    this.aliveTag = tag;
  }

  private moveTo(id: number): void {
    this.closeVisit();
    this.current = id;
    this.dataReads = 0;
    this.aliveTag = -1;
  }

  /** Judge the data read since the visit's last dead check. Returns true if it was tainted. */
  private closeVisit(): boolean {
    if (this.current === 0 || this.dataReads === 0) return false;
    const reference = this.aliveTag;
    let bad: boolean;
    if (reference >= 0) bad = this.minTag !== reference || this.maxTag !== reference;
    else bad = this.minTag !== this.maxTag || this.minTag % 3 !== LIVE;
    this.dataReads = 0;
    if (bad) this.record(reference >= 0 ? 'used after its dead check said alive' : 'used without a dead check', reference);
    return bad;
  }

  private record(how: string, reference: number): void {
    if (this.violations.length >= 8) return;
    const id = this.current;
    // Name a word whose generation is not the reference's (the parent word read alive; without
    // one, the lowest generation is as good a witness as any).
    const odd = reference >= 0 && this.minTag === reference ? this.maxTs : this.minTs;
    const oddTag = this.world.tagAt(odd);
    const life = (g: number): string => (g % 3 === LIVE ? `live generation ${g}` : g % 3 === 2 ? `generation ${g}, after it died` : `generation ${g}, while free`);
    const detail =
      `node ${id}: a word read from store #${odd} (writer version ${this.world.originAt(odd)}), written at ${life(oddTag)}` +
      (reference >= 0 ? `; its parent word read alive, written at live generation ${reference}` : `; other words at ${life(oddTag === this.minTag ? this.maxTag : this.minTag)}`);
    this.violations.push({ node: id, openedAt: oddTag, judgedAt: reference, diedAtVersion: this.deathStamps[id], how, detail });
  }
}
