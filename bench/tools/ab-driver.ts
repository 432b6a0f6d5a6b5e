// Two builds of the replica side by side in one process, on one op-driver task: for a change whose
// effect (a few %) is below what separate runs on a shared machine can show. Each build is a
// dist-bench folder (its own module instances, its own 1M-range tree); the two alternate 250 ms
// slices of CPU time with the same batches and untimed undo as op-driver.ts, the order swapped
// every round. Prints ns per op of each and B's speed relative to A.
//
//   npm run bench:build                                   # B: this tree
//   git worktree add --detach /tmp/base <commit>           # A: the tree before the change
//   ln -s "$PWD/node_modules" /tmp/base/node_modules && (cd /tmp/base && npx tsc -p tsconfig.bench.json)
//   node dist-bench/bench/tools/ab-driver.js /tmp/base/dist-bench dist-bench erase 6
//
// Arguments: build A, build B, task (load | walk | store-rand | store-seq | erase), seconds per
// build (default 6). BENCH_RANGES and BENCH_SEED as in the bench. Times by the process's CPU time.
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

type Span = (src: Uint32Array, s: number, e: number) => number;
interface Task {
  src: Uint32Array;
  timed: Span;
  undo: Span | null;
}
interface Side {
  dir: string;
  task: Task;
  pos: number;
  ms: number;
  ops: number;
}

const TASKS = ['load', 'walk', 'store-rand', 'store-seq', 'erase'];
const BATCH = 1024;

/* The modules of one build, loaded by path (each build is its own set of module instances). */
async function load(dir: string, file: string): Promise<Record<string, any>> {
  return import(pathToFileURL(resolve(dir, file)).href);
}

async function side(dir: string, task: string, n: number): Promise<Side> {
  const { buildMaple, planCapacity } = await load(dir, 'bench/tree/build.js');
  const d = await load(dir, 'bench/tree/data.js');
  const { mulberry32, permutation, randomIndices, resolveSeed } = await load(dir, 'bench/prng.js');
  const t = buildMaple(n, planCapacity(n).capacity).tree;
  const rng = mulberry32(resolveSeed());
  const reads: Uint32Array = randomIndices(rng, 1 << 20, d.STRIDE * n);
  const perm: Uint32Array = permutation(rng, n);
  const seq = new Uint32Array(n);
  for (let i = 0; i < n; i++) seq[i] = i;
  // The same loops as op-driver.ts's mapleTask, one closure each.
  const unstore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.erase(d.gapFirstOf(src[k]));
    return 0;
  };
  const restore: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.store(d.firstOf(src[k]), d.lastOf(src[k]), d.entryOf(src[k]));
    return 0;
  };
  const storeGap: Span = (src, s, e) => {
    for (let k = s; k < e; k++) t.store(d.gapFirstOf(src[k]), d.gapLastOf(src[k]), d.freshEntryOf(src[k], n));
    return e - s;
  };
  let tk: Task;
  if (task === 'load') {
    tk = { src: reads, undo: null, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += t.load(src[k]); return a; } };
  } else if (task === 'walk') {
    tk = { src: reads, undo: null, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) { const r = t.walk(src[k]); a += r.entry + r.last; } return a; } };
  } else if (task === 'store-rand') {
    tk = { src: perm, timed: storeGap, undo: unstore };
  } else if (task === 'store-seq') {
    tk = { src: seq, timed: storeGap, undo: unstore };
  } else {
    tk = { src: perm, undo: restore, timed: (src, s, e) => { let a = 0; for (let k = s; k < e; k++) a += t.erase(d.firstOf(src[k]) + (src[k] % d.RANGE_LEN)); return a; } };
  }
  return { dir, task: tk, pos: 0, ms: 0, ops: 0 };
}

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Batches of the side's task for `ms` of CPU time; returns [timed ms, ops]. */
function slice(sd: Side, ms: number): [number, number] {
  const tk = sd.task;
  let timed = 0;
  let ops = 0;
  let sink = 0;
  while (timed < ms) {
    if (sd.pos + BATCH > tk.src.length) sd.pos = 0;
    const s = sd.pos;
    sd.pos += BATCH;
    const t0 = cpuMs();
    sink = (sink + tk.timed(tk.src, s, s + BATCH)) | 0;
    timed += cpuMs() - t0;
    ops += BATCH;
    if (tk.undo !== null) tk.undo(tk.src, s, s + BATCH);
  }
  if (sink === 0.5) console.log(sink);
  return [timed, ops];
}

async function main(): Promise<void> {
  const [dirA, dirB, task = 'erase', secondsArg = '6'] = process.argv.slice(2);
  if (dirA === undefined || dirB === undefined || !TASKS.includes(task)) {
    console.error(`usage: ab-driver <dist-bench A> <dist-bench B> <${TASKS.join('|')}> [seconds]`);
    process.exit(2);
  }
  const n = Number(process.env.BENCH_RANGES ?? 1_000_000);
  const sides = [await side(dirA, task, n), await side(dirB, task, n)];
  for (const sd of sides) slice(sd, 300);
  const rounds = Math.max(1, Math.round((Number(secondsArg) * 1000) / 250));
  for (let i = 0; i < rounds; i++) {
    for (const sd of i % 2 === 0 ? sides : [sides[1], sides[0]]) {
      const [ms, ops] = slice(sd, 250);
      sd.ms += ms;
      sd.ops += ops;
    }
  }
  const ns = sides.map((sd) => (sd.ms * 1e6) / sd.ops);
  console.log(`${task} A ${ns[0].toFixed(1)} ns/op (${dirA}), B ${ns[1].toFixed(1)} ns/op (${dirB}); B/A speed ${(ns[0] / ns[1]).toFixed(3)}x`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
