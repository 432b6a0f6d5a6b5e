// Counts the memory accesses each of the op-driver's operations makes, in the replica (src/tree)
// and in the kernel's own lib/maple_tree.c, on the same data, indices and undo (op-tasks.ts):
// does the replica do more work than the kernel (more word reads and writes of node memory per
// operation), or the same work at a higher cost per access?
//
//   npm run bench:build
//   node dist-bench/bench/tools/access-count.js                 # all five tasks
//   node dist-bench/bench/tools/access-count.js store-seq erase --batches 2 --top 15
//
// Arguments: tasks (default all), --batches B (timed batches of 1024 operations, default 3),
// --top K (functions listed per operation and tree, default 12; 0: none), --json (one JSON object
// instead of the tables). BENCH_RANGES (default 100,000 here) and BENCH_SEED as in the bench.
//
// How each tree is counted:
// - Replica: every access to a node word goes through the Memory interface. CountingMemory wraps
//   the ThreadedMemory and counts each call; `scan` counts the words it reads (min(count, result
//   + 1)). Words of node 0 (the tree header: root, flags, height) are counted apart from node
//   words. Anything the replica keeps outside the slab (the ma_state, the big node, the writer's
//   scratch arrays) is plain JS and not observable here.
// - Kernel: the simulator flavour (buildKernel({ sim: true }) then instrumentKernel), whose every
//   wasm load and store calls a host hook with the site, the size and the address, and whose
//   rcu_dereference, rcu_assign_pointer and barriers are host imports. The hooks here only count.
//   An access is a node access when its address lies in the first sizeof(struct maple_node) bytes
//   of an object of the tree's node cache (rt_sim_node_chunk announces them); the tree header is
//   struct maple_tree; the stack is below the instance's stack top; the rest is "other". Each load
//   and store site is attributed to the wasm function it is in (after inlining), read from the
//   instrumented module's text; the runtime's functions (rt_*, km_*, the slab, call_rcu) are
//   excluded from the tree's counts and reported as `excluded`. memcpy/memset/memmove are the
//   tree's own requests and are counted (word at a time, as rt.c's simulator flavour copies).
//   rcu_dereference and rcu_assign_pointer do their node access in the host (rt_sim_deref and
//   rt_sim_publish): each counts as one node-word read or write and as a deref or publish.

import { ThreadedMemory, type BarrierCounts, type Memory } from '../../src/shared-heap/memory.js';
import { NODE_WORDS } from '../../src/shared-heap/slab.js';
import { MapleTree } from '../../src/tree/maple-tree.js';
import { planCapacity } from '../tree/build.js';
import { entryOf, firstOf, lastOf } from '../tree/data.js';
import { BATCH, TASKS, kernelTask, mapleTask, taskArrays, type Task } from './op-tasks.js';
import { addFn, emptyCounts, stackSites, type AccessCounts } from './access-counts.js';
import { countingKernel, fillKernel } from './access-count-kernel.js';

// ---- the replica ------------------------------------------------------------------------------

/** The innermost caller outside this file, as `file:function` (V8's structured stack trace). */
function replicaCaller(): string {
  for (const s of stackSites(8)) {
    const file = s.getFileName() ?? '';
    if (file.includes('access-count')) continue;
    const base = file.slice(file.lastIndexOf('/') + 1).replace(/\.js$/, '');
    const type = s.getTypeName();
    const name = s.getFunctionName() ?? s.getMethodName() ?? '<anonymous>';
    return `${base}:${type !== null && type !== 'Object' && !name.includes('.') ? `${type}.` : ''}${name}`;
  }
  return '?';
}

/**
 * A Memory that counts every call of the one it wraps, while `on`. Words below NODE_WORDS (node 0,
 * the tree header) are header accesses; the rest are node accesses. With `attribute`, each node
 * access is also charged to the innermost tree function on the stack (slow: a stack trace each).
 */
export class CountingMemory implements Memory {
  on = false;
  attribute = false;
  c: AccessCounts = emptyCounts();

  constructor(readonly inner: Memory) {}

  get counts(): BarrierCounts {
    return this.inner.counts;
  }

  reset(): AccessCounts {
    const c = this.c;
    this.c = emptyCounts();
    return c;
  }

  private r(addr: number, words: number): void {
    if (addr >= NODE_WORDS) {
      this.c.nodeReads += words;
      if (this.attribute) addFn(this.c, replicaCaller(), words, 0);
    } else this.c.headerReads += words;
  }

  private w(addr: number): void {
    if (addr >= NODE_WORDS) {
      this.c.nodeWrites++;
      if (this.attribute) addFn(this.c, replicaCaller(), 0, 1);
    } else this.c.headerWrites++;
  }

  read(addr: number): number {
    if (this.on) this.r(addr, 1);
    return this.inner.read(addr);
  }

  scan(addr: number, count: number, key: number): number {
    const i = this.inner.scan(addr, count, key);
    if (this.on) {
      this.c.scans++;
      this.r(addr, Math.min(count, i + 1));
    }
    return i;
  }

  write(addr: number, value: number): void {
    if (this.on) this.w(addr);
    this.inner.write(addr, value);
  }

  deref(addr: number): number {
    if (this.on) {
      this.c.deref++;
      this.r(addr, 1);
    }
    return this.inner.deref(addr);
  }

  derefRmb(addr: number): number {
    if (this.on) {
      this.c.deref++;
      this.c.rmb++;
      this.r(addr, 1);
    }
    return this.inner.derefRmb(addr);
  }

  publish(addr: number, value: number): void {
    if (this.on) {
      this.c.publish++;
      this.w(addr);
    }
    this.inner.publish(addr, value);
  }

  loadAtomic(addr: number): number {
    if (this.on) {
      this.c.atomics++;
      this.r(addr, 1);
    }
    return this.inner.loadAtomic(addr);
  }

  storeAtomic(addr: number, value: number): void {
    if (this.on) {
      this.c.atomics++;
      this.w(addr);
    }
    this.inner.storeAtomic(addr, value);
  }

  wmb(): void {
    if (this.on) this.c.wmb++;
    this.inner.wmb();
  }

  rmb(): void {
    if (this.on) this.c.rmb++;
    this.inner.rmb();
  }

  mb(): void {
    if (this.on) this.c.mb++;
    this.inner.mb();
  }
}

/** The bench's replica (rcu: false) over a CountingMemory, holding ranges 0..n-1 (counting off). */
export function countingReplica(n: number, capacity = planCapacity(n).capacity): { tree: MapleTree; mem: CountingMemory } {
  let mem: CountingMemory | null = null;
  const tree = MapleTree.create({ capacity, rcu: false }, { memory: (nodes) => (mem = new CountingMemory(new ThreadedMemory(nodes))) });
  if (mem === null) throw new Error('countingReplica: the tree did not build its memory');
  for (let i = 0; i < n; i++) tree.store(firstOf(i), lastOf(i), entryOf(i));
  return { tree, mem };
}

/** Runs `batches` timed batches of the task from position 0 (undo after each), counting the timed part. */
export function countTask(task: Task, batches: number, on: (counting: boolean) => void): number {
  let pos = 0;
  let ops = 0;
  for (let b = 0; b < batches; b++) {
    if (pos + BATCH > task.src.length) pos = 0;
    const s = pos;
    pos += BATCH;
    on(true);
    task.timed(task.src, s, s + BATCH);
    on(false);
    ops += BATCH;
    if (task.undo !== null) task.undo(task.src, s, s + BATCH);
  }
  return ops;
}

const ROWS: [string, (c: AccessCounts) => number][] = [
  ['node words read', (c) => c.nodeReads],
  ['node words written', (c) => c.nodeWrites],
  ['node byte/half-word loads', (c) => c.nodeSubReads],
  ['node byte/half-word stores', (c) => c.nodeSubWrites],
  ['header words read', (c) => c.headerReads],
  ['header words written', (c) => c.headerWrites],
  ['stack reads', (c) => c.stackReads],
  ['stack writes', (c) => c.stackWrites],
  ['other reads', (c) => c.otherReads],
  ['other writes', (c) => c.otherWrites],
  ['rcu_dereference', (c) => c.deref],
  ['rcu_assign_pointer', (c) => c.publish],
  ['other atomics', (c) => c.atomics],
  ['smp_wmb', (c) => c.wmb],
  ['smp_rmb', (c) => c.rmb],
  ['smp_mb', (c) => c.mb],
  ['scan calls', (c) => c.scans],
  ['excluded (runtime) node reads', (c) => c.excludedReads],
  ['excluded (runtime) node writes', (c) => c.excludedWrites],
];
const REPLICA_NA = new Set(['node byte/half-word loads', 'node byte/half-word stores', 'stack reads', 'stack writes', 'other reads', 'other writes', 'excluded (runtime) node reads', 'excluded (runtime) node writes']);
const KERNEL_NA = new Set(['other atomics', 'scan calls']);

function fmt(x: number): string {
  return x === 0 ? '0' : x < 10 ? x.toFixed(2) : x.toFixed(1);
}

export function perOp(c: AccessCounts, ops: number): Record<string, number | null> {
  return Object.fromEntries(ROWS.map(([name, get]) => [name, get(c) / ops]));
}

/**
 * Phases of a write, by function (after inlining, so approximate): the descent, building the
 * contents (the big node, a split's or a rebalance's ascent and siblings), writing new or
 * rewritten nodes (the kernel's memset of each fresh node included), putting them in the tree
 * (parent words, finding and killing the old nodes), and the kernel's allocation list.
 */
const PHASES: [string, RegExp][] = [
  ['walk', /^(mas_wr_walk_descend|mtree_range_walk|mas_wr_store_type|mas_wr_preallocate|mas_wr_walk_index|mas_walk|mas_erase|mtree_load|mas_start|store-type:WrState\.walkDown|ma-state:MaState\.(descend|pivot|refreshEnd|slot)|writer:TreeWriter\.lookup|rebalance:nodeWalkOffset|walk:.*)$/],
  ['big node, split/rebalance', /^(mas_mab_cp|mas_wr_spanning_store|memcpy<mas_mab_cp|mas_push_data|mas_next_sibling|mas_prev_sibling|mast_ascend|mas_ascend|mast_split_data|mast_fill_bnode|mast_spanning_rebalance|mas_spanning_rebalance|big-node:.*|rebalance:.*|split:.*)$/],
  ['node writes', /^(mab_mas_cp|memcpy<mab_mas_cp|memset<.*|memcpy<mas_wr_store_entry|mas_split_final_node|mas_wr_store_entry|mas_store_b_node|node-build:NodeBuilder\.(writeNode|rewriteLeaf)|in-place:.*)$/],
  ['replace, parents, free', /^(mas_find_child|mas_wmb_replace|mas_set_parent|mas_topiary_node|mas_topiary_replace|mas_replace_node|mas_update_gap|node-build:NodeBuilder\.(replace|adopt|publishNode)|free-path:.*)$/],
  ['allocation list', /^(mas_alloc_nodes|mas_destroy|mas_pop_node|mas_push_node)$/],
];

export function phaseOf(fn: string): string {
  if (fn.startsWith('[runtime] ')) return 'excluded (runtime)';
  for (const [phase, re] of PHASES) if (re.test(fn)) return phase;
  return 'other';
}

function byPhase(c: AccessCounts, ops: number): Map<string, [number, number]> {
  const out = new Map<string, [number, number]>();
  for (const [phase] of PHASES) out.set(phase, [0, 0]);
  for (const [fn, v] of c.byFunction) {
    const phase = phaseOf(fn);
    if (phase.startsWith('excluded')) continue;
    const e = out.get(phase) ?? [0, 0];
    e[0] += v.reads / ops;
    e[1] += v.writes / ops;
    out.set(phase, e);
  }
  return out;
}

function topFunctions(c: AccessCounts, ops: number, k: number): [string, number, number][] {
  return [...c.byFunction.entries()]
    .map(([fn, v]): [string, number, number] => [fn, v.reads / ops, v.writes / ops])
    .sort((a, b) => b[1] + b[2] - (a[1] + a[2]))
    .slice(0, k);
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string, def: number): number => {
    const i = args.indexOf(name);
    if (i < 0) return def;
    const v = Number(args[i + 1]);
    args.splice(i, 2);
    return v;
  };
  const batches = opt('--batches', 3);
  const top = opt('--top', 12);
  const json = args.includes('--json');
  const tasks = args.filter((a) => !a.startsWith('--'));
  for (const t of tasks) if (!TASKS.includes(t)) throw new Error(`unknown task ${t} (${TASKS.join(', ')})`);
  const n = Number(process.env.BENCH_RANGES ?? 100_000);
  const { reads, perm, seq } = taskArrays(n);

  const replica = countingReplica(n);
  replica.mem.attribute = top > 0;
  const kernel = await countingKernel((line) => console.error(line));
  fillKernel(kernel, n);
  kernel.counter.attribute = top > 0;

  const out: Record<string, unknown> = { ranges: n, batches, opsPerTask: batches * BATCH, replicaHeight: replica.tree.height(), kernelHeight: kernel.peer.tree.height(), tasks: {} };
  if (!json) console.log(`${n.toLocaleString('en-US')} ranges, ${batches * BATCH} operations per task; heights: replica ${replica.tree.height()}, kernel ${kernel.peer.tree.height()}`);
  for (const task of tasks.length > 0 ? tasks : TASKS) {
    const mt = mapleTask(task, replica.tree, n, reads, perm, seq);
    const kt = kernelTask(task, kernel.peer, n, reads, perm, seq);
    replica.mem.reset();
    const rOps = countTask(mt, batches, (on) => (replica.mem.on = on));
    const rc = replica.mem.reset();
    kernel.counter.reset();
    const kOps = countTask(kt, batches, (on) => (kernel.counter.on = on));
    const kc = kernel.counter.reset();
    const r = perOp(rc, rOps);
    const k = perOp(kc, kOps);
    (out.tasks as Record<string, unknown>)[task] = {
      replica: r,
      kernel: k,
      replicaPhases: Object.fromEntries(byPhase(rc, rOps)),
      kernelPhases: Object.fromEntries(byPhase(kc, kOps)),
      replicaFunctions: topFunctions(rc, rOps, top),
      kernelFunctions: topFunctions(kc, kOps, top),
    };
    if (json) continue;
    console.log(`\n== ${task} (per operation) ==`);
    console.log(`${'count'.padEnd(32)}${'replica'.padStart(10)}${'kernel'.padStart(10)}`);
    for (const [name] of ROWS) {
      const rv = REPLICA_NA.has(name) ? 'n/a' : fmt(r[name] ?? 0);
      const kv = KERNEL_NA.has(name) ? 'n/a' : fmt(k[name] ?? 0);
      if ((rv === '0' || rv === 'n/a') && (kv === '0' || kv === 'n/a')) continue;
      console.log(`${name.padEnd(32)}${rv.padStart(10)}${kv.padStart(10)}`);
    }
    if (top > 0 && (r['node words written'] ?? 0) + (k['node words written'] ?? 0) > 0) {
      const rp = byPhase(rc, rOps);
      const kp = byPhase(kc, kOps);
      console.log(`  by phase: node words read / written per operation${' '.repeat(4)}${'replica'.padStart(14)}${'kernel'.padStart(16)}`);
      for (const phase of new Set([...rp.keys(), ...kp.keys()])) {
        const a = rp.get(phase) ?? [0, 0];
        const b = kp.get(phase) ?? [0, 0];
        if (a[0] + a[1] + b[0] + b[1] === 0) continue;
        console.log(`    ${phase.padEnd(44)}${fmt(a[0]).padStart(7)} /${fmt(a[1]).padStart(6)}${fmt(b[0]).padStart(8)} /${fmt(b[1]).padStart(6)}`);
      }
    }
    if (top > 0) {
      for (const [label, list] of [['replica', topFunctions(rc, rOps, top)], ['kernel', topFunctions(kc, kOps, top)]] as const) {
        console.log(`  ${label}: node words read / written per operation, by function`);
        for (const [fn, rd, wr] of list) console.log(`    ${fn.padEnd(44)}${fmt(rd).padStart(8)}${fmt(wr).padStart(8)}`);
      }
    }
  }
  if (json) console.log(JSON.stringify(out, null, 2));
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
