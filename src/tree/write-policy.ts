/**
 * The RCU write policy: a writer-side oracle that judges each of the writer's stores when it is
 * made, by its shape (which word of a node in which state), instead of waiting for a reader to
 * stumble on the damage.
 *
 * Node states come from the slab's generation word (bumped on allocation, death and free) and
 * from the writer's own stores:
 *   new        live and not linked into the tree in this life;
 *   reachable  linked: its reference went into the root word or into a slot of a reachable
 *              internal node; every new node under it is linked with it. It stays so until it
 *              dies, since a reader may still be inside it after it was replaced;
 *   dead       the slab counted its death; the policy notes its dead mark and the write barriers
 *              since;
 *   free       back in the slab.
 *
 * The rule. Stores to a new node and to the tree header (root word, height, flags) are allowed.
 * A store to a reachable node must be one of the protocol's in-place kinds:
 *   1. exact fit: one slot of a leaf, its range unchanged;
 *   2. slot store: one slot of a leaf and one pivot next to it (pivot s - 1 or s); one leaf per
 *      operation takes in-place slot and pivot stores, and a pivot never moves without its slot;
 *   3. child publish: a slot of an internal node takes a new node (the new subtree's root);
 *   4. gaps: an arange_64 node's gap words, and its metadata's largest-gap offset (not its data end);
 *   5. adoption: the parent word names a node this operation made, or the tree header;
 *   6. the dead mark: the parent word names the node itself.
 * A store to a dead node must be the free path's overlay (OVERLAY_WORDS words from OVERLAY_FIRST),
 * after its dead mark and after a write barrier that followed the mark. A free node takes no
 * store, and only a live node may be linked. Anything else is reported at once: the operation,
 * the node, the word, the value, how it was stored, and what the node's state allows.
 *
 * Derivation (lib/maple_tree.c, 6.12). mas_wr_store_type chooses exact fit (wr_exact_fit: one
 * slot, rcu_assign_pointer), slot store (mas_wr_slot_store: one slot by rcu_assign_pointer and
 * one pivot, the two-range case; the variant that moves two pivots is for non-RCU trees only) and
 * append (mas_wr_append, refused in RCU mode since cfeb6ae8b); a node store in RCU mode takes a
 * new node (mas_wr_node_store), and split, rebalance, spanning store, new root and collapse build
 * new nodes. They go in with one rcu_assign_pointer into the parent's slot or ma_root
 * (mas_put_in_tree, with mas_set_height in ma_flags); then carried children get their new parent
 * (mas_adopt_children), allocation-tree ancestors get their gaps in place (mas_update_gap,
 * mas_parent_gap: pgaps[offset] and ma_set_meta_gap), and each replaced node is marked dead
 * (mte_set_node_dead: parent = self, then smp_wmb) before ma_free_rcu's rcu_head, or
 * mt_destroy_walk's type and slot count, is written over its first words.
 *
 * Left to the other detectors: the order of the slot and pivot stores and whether a store is
 * plain or a release (ordering is the result oracle's and the simulator's), and what readers make
 * of any of it. One detector per bug class keeps each testable.
 *
 * A write operation is one version of the writer's log: the slab's clock, which the mutator sets
 * before each write. The per-operation part of the rule is judged as the stores come, and as a
 * whole (a pivot without its slot) once the clock moves on or the run ends.
 */
import type { Slab } from '../shared-heap/slab.js';
import { NODE_WORDS } from '../shared-heap/slab.js';
import { OVERLAY_FIRST, OVERLAY_WORDS, POISON } from '../shared-heap/reclaim.js';
import { STORE_NAMES } from '../shared-heap/policed-memory.js';
import type { StorePolicy, WordSource } from '../shared-heap/policed-memory.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  ARANGE_SLOTS,
  HDR_FLAGS,
  HDR_HEIGHT,
  HDR_ROOT,
  LEAF_64,
  META,
  PARENT,
  PIVOTS,
  RANGE_SLOTS,
  RANGE_SLOTS_AT,
  TYPE_NAMES,
  deadParent,
  isNode,
  metaEnd,
  parentId,
  parentIsRoot,
  slotCount,
  slotsAt,
} from './layout.js';

/** One disallowed store, as the drivers turn it into a 'write-policy' violation. */
export interface PolicyFinding {
  /** The write operation, e.g. 'v12: store [10, 19] = 16387'. */
  op: string;
  /** The store: how it was made, the value, the word, the node, and why it is not allowed. */
  seen: string;
  /** What the node's state allows in place. */
  expected: string[];
  nodes: string;
  detail: string;
}

/** Allowed stores to reachable and dead nodes, by kind (in-place leaf stores once per operation). */
export interface InPlaceCounts {
  exactFit: number;
  slotStore: number;
  childPublish: number;
  /** Gap words and largest-gap offsets. */
  gaps: number;
  adoption: number;
  deadMark: number;
  /** Dead nodes overlaid (judged at the first overlay word; the rest take the fast path). */
  overlay: number;
  /** Root-word stores. */
  root: number;
}

// generation % 3 (slab.ts): 0 free, 1 live, 2 dead.
const NODE_SHIFT = Math.log2(NODE_WORDS);
if (NODE_SHIFT !== 6) throw new Error('write-policy: the fast path assumes 64-word nodes');
// Fast-path masks: bit w - 1 for word w (words 1 to 32, every word a node uses but its parent word).
/** A new node: all of them. */
const NEW_PASS = -1;
/** A dead node whose overlay may be written. */
const OVERLAY_PASS = ((1 << OVERLAY_WORDS) - 1) << (OVERLAY_FIRST - 1);
const LIVE = 1;
const DEAD = 2;
/** Findings passed on: the first of each operation, at most this many per run. */
const MAX_REPORTS = 8;

const PARENT_RULE = 'the parent word: adoption by a node this operation made (or by the tree header), or the dead mark (the node itself)';
const OVERLAY_RULE = `the free path's overlay (words ${OVERLAY_FIRST}-${OVERLAY_FIRST + OVERLAY_WORDS - 1}), after the dead mark and a write barrier that follows it`;

export class WritePolicy implements StorePolicy {
  /** Disallowed stores seen, reported or not. */
  findings = 0;
  /** Allowed in-place stores seen, by kind: evidence that a clean run met each kind. */
  readonly inPlace: InPlaceCounts = { exactFit: 0, slotStore: 0, childPublish: 0, gaps: 0, adoption: 0, deadMark: 0, overlay: 0, root: 0 };
  private reported = 0;
  private reportedOp = -1;
  private readonly capacity: number;
  private readonly generations: Int32Array;
  /** The generation a node had when it was linked (reachable while it still has it). */
  private readonly linkedGen: Int32Array;
  /** The operation (slab clock) that linked it. */
  private readonly linkedOp: Int32Array;
  /**
   * The fast path's memo: word w (1 to 32) of node id takes any store while bit w - 1 of
   * passMask[id] is set and the node keeps generation passGen[id] (a new node's data words; a dead
   * node's overlay once its mark and barrier were seen). A moved generation (death, free, reuse)
   * voids it; the parent word always takes the slow path.
   */
  private readonly passGen: Int32Array;
  private readonly passMask: Int32Array;
  /**
   * The memo's entry for the node stored to last, in fields: a write builds a node word after
   * word, and a field costs less than the two array loads (with their bounds checks) at every store.
   */
  private lastId = -1;
  private lastGen = 0;
  private lastMask = 0;
  /** Its type, from the reference it was linked through. */
  private readonly types: Uint8Array;
  /** The live generation at its dead mark, and the write barriers counted then. */
  private readonly markedGen: Int32Array;
  private readonly markedFence: Float64Array;
  private fences = 0;

  // The current operation's in-place leaf stores.
  private op = -1;
  private leaf = 0;
  private leafGen = 0;
  private leafSlot = -1;
  private leafPivot = -1;
  private pivotValue = 0;
  private pivotHow = 0;

  constructor(
    private readonly slab: Slab,
    private readonly words: WordSource,
    private readonly report: (finding: PolicyFinding) => void,
    private readonly describeOp: (version: number) => string = (v) => `version ${v}`,
  ) {
    const n = slab.capacity + 1;
    this.capacity = slab.capacity;
    this.generations = slab.generations;
    this.linkedGen = new Int32Array(n);
    this.linkedOp = new Int32Array(n);
    this.passGen = new Int32Array(n);
    this.passMask = new Int32Array(n);
    this.types = new Uint8Array(n);
    this.markedGen = new Int32Array(n);
    this.markedFence = new Float64Array(n);
    // A tree built before the policy was attached: what is reachable now is reachable.
    const root = words.peek(HDR_ROOT);
    if (isNode(root)) this.link(root);
  }

  store(addr: number, value: number, how: number): void {
    // The fast path, small enough to inline into the writer: a word already judged free to store
    // at the node's present generation (most stores: every data word of every node a write
    // builds, and the overlay), while no in-place leaf store is pending.
    const id = addr >>> 6;
    const bit = (addr & 63) - 1;
    const gen = this.generations[id];
    if (id === this.lastId && gen === this.lastGen && (bit & -32) === 0 && ((this.lastMask >>> bit) & 1) !== 0 && this.leaf === 0) return;
    this.memoOrJudge(addr, id, bit, value, how, gen);
  }

  private memoOrJudge(addr: number, id: number, bit: number, value: number, how: number, gen: number): void {
    if ((bit & -32) === 0 && this.passGen[id] === gen && ((this.passMask[id] >>> bit) & 1) !== 0 && this.leaf === 0) {
      this.lastId = id;
      this.lastGen = gen;
      this.lastMask = this.passMask[id];
      return;
    }
    this.judge(addr, id, value, how, gen);
  }

  private judge(addr: number, id: number, value: number, how: number, gen: number): void {
    // The operation with in-place leaf stores is over: judge it as a whole before this store.
    if (this.leaf !== 0 && this.slab.clock !== this.op) this.syncOp();
    const word = addr & (NODE_WORDS - 1);
    if (gen % 3 === LIVE && this.linkedGen[id] !== gen) {
      // New: no reader can reach it. Only a dead mark is noted (a node may die unlinked).
      this.pass(id, gen, NEW_PASS);
      if (word === PARENT && value === deadParent(id)) this.markDead(id, gen);
      return;
    }
    // The header (node 0, never allocated, so its generation stays 0) and reachable or dead nodes.
    if (id === 0) this.headerStore(addr, value, how);
    else this.police(id, word, value, how, gen);
  }

  private headerStore(addr: number, value: number, how: number): void {
    if (addr !== HDR_ROOT) return;
    this.inPlace.root++;
    if (isNode(value)) this.linkRoot(value, how);
  }

  fence(): void {
    this.fences++;
  }

  /** The run is over: judge the last operation as a whole. */
  endOfRun(): void {
    this.endOp();
  }

  private police(id: number, word: number, value: number, how: number, gen: number): void {
    const phase = gen % 3;
    if (phase === DEAD) return this.deadStore(id, word, value, how, gen);
    if (phase !== LIVE) return this.finding(id, word, value, how, gen, 'the node is free: nothing may write it until the slab hands it out again');
    if (word === PARENT) {
      if (value === deadParent(id)) return this.markDead(id, gen);
      if (parentIsRoot(value) || this.madeThisOp(parentId(value))) {
        this.inPlace.adoption++;
        return;
      }
      return this.finding(id, word, value, how, gen, `the parent word names node ${parentId(value)}, which this operation did not make: only a new parent adopts a reachable node`);
    }
    const type = this.types[id];
    if (type === LEAF_64) this.leafStore(id, word, value, how, gen);
    else this.internalStore(id, type, word, value, how, gen);
  }

  private deadStore(id: number, word: number, value: number, how: number, gen: number): void {
    if (word === PARENT && value === deadParent(id)) {
      // Marked after the slab counted the death: still its dead mark.
      if (this.markedGen[id] !== gen - 1) this.markDead(id, gen - 1);
      return;
    }
    if (word < OVERLAY_FIRST || word >= OVERLAY_FIRST + OVERLAY_WORDS) {
      return this.finding(id, word, value, how, gen, "a dead node is written outside the free path's overlay");
    }
    if (this.markedGen[id] !== gen - 1) {
      return this.finding(id, word, value, how, gen, 'the overlay goes over a node that died without its dead mark (its parent word never named itself)');
    }
    if (this.fences === this.markedFence[id]) {
      return this.finding(id, word, value, how, gen, 'the overlay comes before the write barrier that must follow the dead mark: a reader may see it and still find the node alive');
    }
    this.inPlace.overlay++;
    this.pass(id, gen, OVERLAY_PASS);
  }

  private pass(id: number, gen: number, mask: number): void {
    this.passGen[id] = gen;
    this.passMask[id] = mask;
    this.lastId = id;
    this.lastGen = gen;
    this.lastMask = mask;
  }

  private leafStore(id: number, word: number, value: number, how: number, gen: number): void {
    this.syncOp();
    const isSlot = word >= RANGE_SLOTS_AT && word < RANGE_SLOTS_AT + RANGE_SLOTS;
    if (!isSlot && (word < PIVOTS || word >= RANGE_SLOTS_AT)) {
      const why = word === META ? "a leaf's data end changes in place: in RCU mode a leaf that gains or loses a range is replaced by a new node" : 'a word no node uses';
      return this.finding(id, word, value, how, gen, why);
    }
    if (this.leaf !== 0 && this.leaf !== id) {
      return this.finding(id, word, value, how, gen, `a second leaf is written in place in one operation (node ${this.leaf} was)`);
    }
    if (isSlot) {
      const slot = word - RANGE_SLOTS_AT;
      if (isNode(value)) return this.finding(id, word, value, how, gen, 'a leaf slot takes a node reference');
      if (this.leafSlot >= 0 && this.leafSlot !== slot) {
        return this.finding(id, word, value, how, gen, `a second slot of the leaf in one operation (slot ${this.leafSlot} was written)`);
      }
      if (this.leafPivot >= 0 && !nextTo(slot, this.leafPivot)) {
        return this.finding(id, word, value, how, gen, `slot ${slot} is not next to pivot ${this.leafPivot}, which this operation moved`);
      }
      this.leafSlot = slot;
    } else {
      const pivot = word - PIVOTS;
      if (this.leafPivot >= 0 && this.leafPivot !== pivot) {
        return this.finding(id, word, value, how, gen, `a second pivot of the leaf in one operation (pivot ${this.leafPivot} was moved)`);
      }
      if (this.leafSlot >= 0 && !nextTo(this.leafSlot, pivot)) {
        return this.finding(id, word, value, how, gen, `pivot ${pivot} is not next to slot ${this.leafSlot}, which this operation wrote`);
      }
      this.leafPivot = pivot;
      this.pivotValue = value;
      this.pivotHow = how;
    }
    this.leaf = id;
    this.leafGen = gen;
  }

  private internalStore(id: number, type: number, word: number, value: number, how: number, gen: number): void {
    const slots = slotsAt(type);
    if (word >= slots && word < slots + slotCount(type)) {
      if (this.isNew(value)) {
        this.inPlace.childPublish++;
        return this.link(value);
      }
      return this.finding(id, word, value, how, gen, `an internal slot takes ${isNode(value) ? `node ${value >>> 4}, which is ${this.stateOf(value >>> 4)}` : 'a value that is not a node reference'}: only a new subtree is published into a reachable node`);
    }
    if (
      type === ARANGE_64 &&
      ((word >= ARANGE_GAPS_AT && word < ARANGE_GAPS_AT + ARANGE_SLOTS) || (word === META && metaEnd(this.words.peek(id * NODE_WORDS + META)) === metaEnd(value)))
    ) {
      this.inPlace.gaps++;
      return;
    }
    const why =
      word === META
        ? type === ARANGE_64
          ? "an internal node's data end changes in place (only its largest-gap offset may)"
          : 'the metadata of a range_64 node changes in place (it keeps no gaps)'
        : word >= PIVOTS && word < slots
          ? 'a pivot of an internal node moves in place'
          : 'a word no node uses';
    this.finding(id, word, value, how, gen, why);
  }

  /** The root word takes a node: it must be live. */
  private linkRoot(enode: number, how: number): void {
    const id = enode >>> 4;
    if (id > 0 && id <= this.capacity && this.generations[id] % 3 === LIVE) return this.link(enode);
    this.finding(0, HDR_ROOT, enode, how, 0, `the root takes node ${id}, which is ${this.stateOf(id)}`);
  }

  /** Link a node and every new node under it (its reference went where readers can find it). */
  private link(enode: number): void {
    const id = enode >>> 4;
    const gen = this.generations[id];
    if (gen % 3 !== LIVE || this.linkedGen[id] === gen) return;
    const type = (enode >>> 2) & 3;
    this.linkedGen[id] = gen;
    this.passGen[id] = 0;
    if (this.lastId === id) this.lastId = -1;
    this.linkedOp[id] = this.slab.clock;
    this.types[id] = type;
    if (type === LEAF_64) return;
    const base = id * NODE_WORDS;
    const end = Math.min(metaEnd(this.words.peek(base + META)), slotCount(type) - 1);
    const slots = base + slotsAt(type);
    for (let i = 0; i <= end; i++) {
      const child = this.words.peek(slots + i);
      if (this.isNew(child)) this.link(child);
    }
  }

  private isNew(enode: number): boolean {
    if (!isNode(enode)) return false;
    const id = enode >>> 4;
    if (id === 0 || id > this.capacity) return false;
    const gen = this.generations[id];
    return gen % 3 === LIVE && this.linkedGen[id] !== gen;
  }

  /** A node this operation made: live, and new or linked in this operation. */
  private madeThisOp(id: number): boolean {
    if (id === 0 || id > this.capacity) return false;
    const gen = this.generations[id];
    return gen % 3 === LIVE && (this.linkedGen[id] !== gen || this.linkedOp[id] === this.slab.clock);
  }

  private markDead(id: number, liveGen: number): void {
    this.inPlace.deadMark++;
    this.markedGen[id] = liveGen;
    this.markedFence[id] = this.fences;
  }

  /** A new operation began (the clock moved): judge the last one, start afresh. */
  private syncOp(): void {
    const op = this.slab.clock;
    if (op === this.op) return;
    this.endOp();
    this.op = op;
  }

  /** The operation as a whole: a pivot that moved in place needs its slot (rule 2). */
  private endOp(): void {
    const { leaf, leafPivot, leafSlot } = this;
    this.leaf = 0;
    this.leafSlot = -1;
    this.leafPivot = -1;
    if (leaf === 0) return;
    if (leafSlot >= 0) {
      if (leafPivot >= 0) this.inPlace.slotStore++;
      else this.inPlace.exactFit++;
      return;
    }
    this.record(this.op, leaf, PIVOTS + leafPivot, this.pivotValue, this.pivotHow, this.leafGen, `pivot ${leafPivot} moved with no slot store next to it: a range changed its bounds in place without its entry`, 'none');
  }

  private finding(id: number, word: number, value: number, how: number, gen: number, why: string): void {
    this.syncOp();
    this.record(this.op, id, word, value, how, gen, why, this.leafStores());
  }

  private record(op: number, id: number, word: number, value: number, how: number, gen: number, why: string, leafStores: string): void {
    this.findings++;
    if (this.reportedOp === op || this.reported >= MAX_REPORTS) return;
    this.reportedOp = op;
    this.reported++;
    const v = value >>> 0;
    const name = this.wordName(id, word);
    const reference = isNode(v) && (name.startsWith('slot') || name === 'the root word');
    const what = v === POISON ? `${v} (free-path poison)` : reference ? `${v} (node ${v >>> 4})` : `${v}`;
    let hint = '';
    if (v === POISON && gen % 3 === LIVE) hint = ' (the value is the overlay, written over a node not yet dead)';
    else if (id !== 0 && gen % 3 === LIVE && this.linkedOp[id] === op) hint = ' (the node was linked in this operation: written after it was published)';
    this.report({
      op: this.describeOp(op),
      seen: `${STORE_NAMES[how]} of ${what} to ${name} ${id === 0 ? 'in the tree header' : `of node ${id}`}: ${why}${hint}`,
      expected: this.allowed(id, gen),
      nodes: this.nodeLine(id, gen),
      detail: `in-place leaf stores of this operation before it: ${leafStores}`,
    });
  }

  private leafStores(): string {
    if (this.leaf === 0) return 'none';
    const parts = [this.leafSlot >= 0 ? `slot ${this.leafSlot}` : '', this.leafPivot >= 0 ? `pivot ${this.leafPivot}` : ''].filter(Boolean);
    return `node ${this.leaf}: ${parts.join(', ')}`;
  }

  private allowed(id: number, gen: number): string[] {
    if (id === 0) return ['the root word takes an entry, NULL, or a live node'];
    const phase = gen % 3;
    if (phase === DEAD) return [OVERLAY_RULE];
    if (phase !== LIVE) return ['nothing: a free node is written again only after the slab hands it out'];
    if (this.types[id] === LEAF_64) {
      return ['exact fit: one slot, its range unchanged', 'slot store: one slot and one pivot next to it (pivot s - 1 or s), in one leaf per operation', PARENT_RULE];
    }
    const out = ['a slot: a node built in this operation (the new subtree, published once)'];
    if (this.types[id] === ARANGE_64) out.push('gap words, and the largest-gap offset in the metadata (its data end unchanged)');
    out.push(PARENT_RULE);
    return out;
  }

  private nodeLine(id: number, gen: number): string {
    if (id === 0) return 'node 0: the tree header';
    const type = TYPE_NAMES[this.types[id]];
    const linked = this.linkedGen[id] !== 0 ? `, linked at v${this.linkedOp[id]}` : '';
    let line = `node ${id}: ${type}, generation ${gen} (${this.stateOf(id)})${linked}`;
    if (gen % 3 === DEAD) {
      line += this.markedGen[id] === gen - 1 ? `, dead mark stored with ${this.fences - this.markedFence[id]} write barriers since` : ', no dead mark stored';
    }
    return line;
  }

  private stateOf(id: number): string {
    if (id === 0 || id > this.capacity) return 'no node';
    const gen = this.generations[id];
    const phase = gen % 3;
    if (phase === DEAD) return 'dead';
    if (phase !== LIVE) return 'free';
    return this.linkedGen[id] === gen ? 'reachable' : 'new, not linked yet';
  }

  private wordName(id: number, word: number): string {
    if (id === 0) return word === HDR_ROOT ? 'the root word' : word === HDR_HEIGHT ? 'the height word' : word === HDR_FLAGS ? 'the flags word' : `header word ${word}`;
    if (word === PARENT) return 'the parent word';
    if (word === META) return 'the metadata';
    const type = this.types[id];
    const slots = slotsAt(type);
    if (word >= PIVOTS && word < slots) return `pivot ${word - PIVOTS}`;
    if (word >= slots && word < slots + slotCount(type)) return `slot ${word - slots}`;
    if (type === ARANGE_64 && word >= ARANGE_GAPS_AT && word < ARANGE_GAPS_AT + ARANGE_SLOTS) return `gap ${word - ARANGE_GAPS_AT}`;
    return `word ${word}`;
  }
}

/** A slot store's pivot bounds its slot from above (pivot s) or below (pivot s - 1). */
function nextTo(slot: number, pivot: number): boolean {
  return pivot === slot || pivot === slot - 1;
}
