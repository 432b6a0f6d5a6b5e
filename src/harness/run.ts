/**
 * One stress run on real threads: the tree, RCU state, version log and control block in shared
 * memory; one long-lived piscina task per reader and one for the writer; a status loop that feeds
 * the live line, the timeline and the stall watchdog; and the run's result, violations in full.
 */
import { fileURLToPath } from 'node:url';
import { Piscina } from 'piscina';
import { MapleTree } from '../tree/maple-tree.js';
import { RcuState } from '../shared-heap/rcu.js';
import { VersionLog } from './version-log.js';
import { RunControl, OPS, REWALKS, DISCARDED, VIOLATIONS, DOING, DOING_ARG, DONE, GRACE_PERIODS, OP_NAMES } from './control.js';
import { bugMask, findBug } from './catalog.js';
import { createWorkload } from '../workers/workloads/index.js';
import type { ReaderTask, SharedBuffers, TaskResult, WriterTask } from '../workers/task.js';
import type { RunConfig, RunResult, ThreadSummary, Violation } from './types.js';
import type { StatusSample } from './status.js';

export interface RunHooks {
  /** Called about every `statusEveryMs` with cumulative counts. */
  onStatus?: (sample: StatusSample) => void;
  statusEveryMs?: number;
  /** Aborting stops the run cleanly; the result is still returned. */
  signal?: AbortSignal;
  /** The command line that reruns this run (for reports). */
  rerun?: string;
}

const VERSION = '0.1.0';

/**
 * Version-log records the writer may run ahead of the slowest checking reader. Small enough that
 * with --check full the writer keeps roughly the pace it has with --check off (readers are not
 * buried in replay), large enough that no operation's window can outrun it.
 */
const LOG_RING = 4096;

function workerFile(): { filename: string; execArgv: string[] } {
  const here = import.meta.url;
  if (here.endsWith('.ts')) {
    // Under tsx (tests): workers load TypeScript through tsx as well.
    return { filename: fileURLToPath(new URL('../workers/worker.ts', here)), execArgv: ['--import', 'tsx'] };
  }
  return { filename: fileURLToPath(new URL('../workers/worker.js', here)), execArgv: [] };
}

export async function runStress(config: RunConfig, hooks: RunHooks = {}): Promise<RunResult> {
  const startedAt = new Date();
  const runId = `stress-${startedAt.toISOString().replace(/[:.]/g, '-')}-${config.seed}`;
  const mask = bugMask(config.bugs);
  const workload = createWorkload(config.workload, config.keyspace);
  const rcuOff = config.bugs.some((name) => findBug(name)?.name === 'rcu-off');
  const tree = MapleTree.create({ capacity: config.capacity, allocRange: workload.allocRange, rcu: !rcuOff });
  const rcu = RcuState.create(config.readers);
  const log = VersionLog.create(config.readers, LOG_RING);
  const control = RunControl.create(config.readers + 1);
  const shared: SharedBuffers = { slab: tree.buffers, rcu: rcu.buffer, log: log.buffer, control: control.buffer };
  const base = { shared, seed: config.seed, bugs: mask, keyspace: config.keyspace, check: config.check, keepGoing: config.keepGoing };

  const { filename, execArgv } = workerFile();
  const threads = config.readers + 1;
  const pool = new Piscina({ filename, execArgv, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const poolErrors: Violation[] = [];
  pool.on('error', (error: unknown) => {
    poolErrors.push({ kind: 'crash', thread: 'pool', op: 'worker', seen: String(error), expected: [] });
    control.stop();
  });

  const writerTask: WriterTask = {
    ...base,
    role: 'writer',
    workload: config.workload,
    skipGracePeriods: config.bugs.includes('no-grace-period'),
    idle: config.idleWriter ?? false,
    writePolicy: config.writePolicy ?? true,
  };
  const settled: Array<Promise<TaskResult | Violation>> = [];
  const crash = (thread: string) => (error: unknown): Violation => {
    control.stop();
    return { kind: 'crash', thread, op: 'worker task', seen: error instanceof Error ? `${error.message}\n${error.stack ?? ''}` : String(error), expected: [] };
  };
  settled.push(pool.run(writerTask).catch(crash('writer')));
  for (let r = 0; r < config.readers; r++) {
    const task: ReaderTask = { ...base, role: 'reader', reader: r, sampleRate: config.sampleRate, allocTree: workload.allocRange };
    settled.push(pool.run(task).catch(crash(`reader ${r}`)));
  }

  // Wait for every thread to arrive (the writer after its setup), then start them together.
  const t0 = Date.now();
  while (control.ready < threads && !control.stopping) {
    if (Date.now() - t0 > 120_000) {
      poolErrors.push({ kind: 'stall', thread: 'pool', op: 'start', seen: `only ${control.ready} of ${threads} threads started within 120 s`, expected: [] });
      control.stop();
      break;
    }
    await sleep(5);
  }
  const goAt = Date.now();
  control.go();

  const timeline: RunResult['timeline'] = [];
  const stallViolations: Violation[] = [];
  let stoppedBy: RunResult['stoppedBy'] = 'duration';
  const lastOps = new Array<number>(threads).fill(-1);
  const lastMove = new Array<number>(threads).fill(goAt);
  const everyMs = hooks.statusEveryMs ?? 500;
  let nextStatus = goAt + everyMs;
  const abort = (): void => {
    if (!control.stopping) stoppedBy = 'signal';
    control.stop();
  };
  hooks.signal?.addEventListener('abort', abort);

  const sample = (): StatusSample & { threadOps: number[] } => {
    let readerOps = 0;
    let rewalks = 0;
    let discarded = 0;
    let violations = 0;
    const threadOps = new Array<number>(threads);
    for (let t = 0; t < threads; t++) {
      threadOps[t] = control.get(t, OPS);
      if (t > 0) readerOps += threadOps[t];
      rewalks += control.get(t, REWALKS);
      discarded += control.get(t, DISCARDED);
      violations += control.get(t, VIOLATIONS);
    }
    return {
      ms: Date.now() - goAt,
      readerOps,
      writerOps: threadOps[0],
      rewalks,
      gracePeriods: control.get(0, GRACE_PERIODS),
      discardedTaint: discarded,
      violations: Math.max(violations, control.flagged),
      threadOps,
    };
  };

  let done = false;
  const all = Promise.all(settled).then((results) => {
    done = true;
    return results;
  });
  while (!done) {
    const now = Date.now();
    if (!control.stopping) {
      if (now - goAt >= config.durationMs) control.stop();
      else if (control.flagged > 0 && !config.keepGoing) {
        stoppedBy = 'violation';
        control.stop();
      }
      // Stall watchdog: a thread whose op count has not moved for stallMs.
      for (let t = 0; t < threads && !control.stopping; t++) {
        const ops = control.get(t, OPS);
        if (ops !== lastOps[t]) {
          lastOps[t] = ops;
          lastMove[t] = now;
        } else if (control.get(t, DONE) === 0 && now - lastMove[t] > config.stallMs) {
          const who = t === 0 ? 'writer' : `reader ${t - 1}`;
          const doing = OP_NAMES[control.get(t, DOING)] ?? 'unknown';
          stallViolations.push({
            kind: 'stall',
            thread: who,
            op: `${doing}(${control.get(t, DOING_ARG)})`,
            seen: `${who} made no progress for ${((now - lastMove[t]) / 1000).toFixed(1)} s (stuck in ${doing} at index ${control.get(t, DOING_ARG)}, ${ops} ops done)`,
            expected: ['progress at least every ' + (config.stallMs / 1000).toFixed(1) + ' s'],
          });
          stoppedBy = 'violation';
          control.stop();
        }
      }
    }
    if (now >= nextStatus) {
      const s = sample();
      timeline.push({ ms: s.ms, readerOps: s.readerOps, writerOps: s.writerOps, rewalks: s.rewalks, gracePeriods: s.gracePeriods, discardedTaint: s.discardedTaint, threadOps: s.threadOps });
      hooks.onStatus?.(s);
      nextStatus += everyMs;
    }
    // A stalled thread never returns: give the others a moment, then tear the pool down.
    if (stallViolations.length > 0 && Date.now() - lastMove.reduce((a, b) => Math.max(a, b), 0) > 2000) break;
    await Promise.race([all, sleep(20)]);
  }
  hooks.signal?.removeEventListener('abort', abort);
  const elapsedMs = Date.now() - goAt;
  const results: Array<TaskResult | Violation> = done ? await all : [];
  await pool.destroy();

  const threadSummaries: ThreadSummary[] = [];
  const violations: Violation[] = [...stallViolations, ...poolErrors];
  let shape = { height: 0, nodes: 0, entries: 0, fill: 0 };
  for (const r of results) {
    if ('kind' in r) {
      violations.push(r);
      continue;
    }
    threadSummaries.push(r.summary);
    violations.push(...r.violations);
    if (r.tree) shape = r.tree;
  }
  if (!done) {
    // Threads that never returned: take their counts from the control block.
    for (let t = 0; t < threads; t++) {
      threadSummaries.push({ thread: t === 0 ? 'writer' : `reader ${t - 1}`, ops: control.get(t, OPS), rewalks: control.get(t, REWALKS), discardedTaint: control.get(t, DISCARDED), checks: 0 });
    }
  }
  if (violations.length > 0 && stoppedBy === 'duration') stoppedBy = 'violation';
  if (violations.some((v) => v.kind === 'crash') && (stoppedBy as string) !== 'signal') stoppedBy = 'failure';
  const readersOnly = threadSummaries.filter((t) => t.thread !== 'writer');
  const writer = threadSummaries.find((t) => t.thread === 'writer');
  return {
    schema: 1,
    runId,
    tool: { name: 'maple-torture', version: VERSION, node: process.version },
    startedAt: startedAt.toISOString(),
    config,
    rerun: hooks.rerun ?? '',
    elapsedMs,
    stoppedBy,
    threads: threadSummaries,
    totals: {
      readerOps: readersOnly.reduce((a, t) => a + t.ops, 0),
      writerOps: writer?.ops ?? control.get(0, OPS),
      rewalks: readersOnly.reduce((a, t) => a + t.rewalks, 0),
      discardedTaint: readersOnly.reduce((a, t) => a + t.discardedTaint, 0),
      gracePeriods: writer?.gracePeriods ?? control.get(0, GRACE_PERIODS),
    },
    tree: shape,
    violations,
    timeline,
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
