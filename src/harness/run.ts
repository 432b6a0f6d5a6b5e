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
import { setUpKernelRun } from './kernel-run.js';
import type { KernelRunSetup } from './kernel-run.js';

export interface RunHooks {
  /** Called about every `statusEveryMs` with cumulative counts. */
  onStatus?: (sample: StatusSample) => void;
  statusEveryMs?: number;
  /** Aborting stops the run cleanly; the result is still returned. */
  signal?: AbortSignal;
  /** The command line that reruns this run (for reports). */
  rerun?: string;
  /** With --tree kernel: told what the build step is doing (it may fetch and compile first). */
  onKernelBuild?: (line: string) => void;
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
  const rcu = RcuState.create(config.readers);
  const log = VersionLog.create(config.readers, LOG_RING);
  const control = RunControl.create(config.readers + 1);
  const threads = config.readers + 1;
  let shared: SharedBuffers;
  let kernel: KernelRunSetup | null = null;
  if (config.tree === 'kernel') {
    kernel = await setUpKernelRun(config, workload.allocRange, threads, hooks.onKernelBuild);
    shared = { rcu: rcu.buffer, log: log.buffer, control: control.buffer };
  } else {
    const rcuOff = config.bugs.some((name) => findBug(name)?.name === 'rcu-off');
    const tree = MapleTree.create({ capacity: config.capacity, allocRange: workload.allocRange, rcu: !rcuOff });
    shared = { slab: tree.buffers, rcu: rcu.buffer, log: log.buffer, control: control.buffer };
  }
  const base = { shared, seed: config.seed, bugs: mask, keyspace: config.keyspace, check: config.check, keepGoing: config.keepGoing };
  // Each thread's own stack and TLS block in the kernel build's memory (thread 0 is the writer).
  const kernelTask = (thread: number) => (kernel === null ? {} : { kernel: { ...kernel.task, area: kernel.areas[thread] } });

  const { filename, execArgv } = workerFile();
  const pool = new Piscina({ filename, execArgv, minThreads: threads, maxThreads: threads, idleTimeout: 60_000 });
  const poolErrors: Violation[] = [];
  pool.on('error', (error: unknown) => {
    poolErrors.push({ kind: 'crash', thread: 'pool', op: 'worker', seen: String(error), expected: [] });
    control.stop();
  });

  const writerTask: WriterTask = {
    ...base,
    ...kernelTask(0),
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
    const task: ReaderTask = { ...base, ...kernelTask(r + 1), role: 'reader', reader: r, sampleRate: config.sampleRate, allocTree: workload.allocRange };
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
  let stopAt: number | undefined;
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
      // Stall watchdog: a thread whose op count has not moved for stallMs. Every such thread is
      // named: a writer waiting for a grace period is stuck because of a reader, and vice versa.
      let stalled = false;
      for (let t = 0; t < threads; t++) {
        const ops = control.get(t, OPS);
        if (ops !== lastOps[t]) {
          lastOps[t] = ops;
          lastMove[t] = now;
        } else if (control.get(t, DONE) === 0 && now - lastMove[t] > config.stallMs) {
          stallViolations.push(
            stall(control, t, (who, where) => `${who} made no progress for ${((now - lastMove[t]) / 1000).toFixed(1)} s (${where}, ${ops} ops done)`, [
              'progress at least every ' + (config.stallMs / 1000).toFixed(1) + ' s',
            ]),
          );
          stalled = true;
        }
      }
      if (stalled) {
        stoppedBy = 'violation';
        control.stop();
      }
    }
    // A thread that never finishes after the stop (the end-of-run checks, or an operation that
    // does not return) is a stall too: name it and what it is doing.
    if (control.stopping && stallViolations.length === 0) {
      stopAt ??= now;
      if (now - stopAt > Math.max(config.stallMs, 20_000)) {
        for (let t = 0; t < threads; t++) {
          if (control.get(t, DONE) !== 0) continue;
          const after = ((now - stopAt) / 1000).toFixed(1);
          stallViolations.push(
            stall(control, t, (who, where) => `${who} did not finish within ${after} s of the stop (${where})`, [
              'every thread finishes its operation and the end-of-run checks after the stop',
            ]),
          );
        }
        if (stallViolations.length > 0) {
          stoppedBy = 'violation';
          lastMove.fill(0);
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
  // A stall on the kernel build: what its runtime shows (who is inside a read-side section, what
  // printk said last), read through the main thread's instance on the same memory.
  if (kernel !== null && stallViolations.length > 0) {
    const nesting = kernel.primary.readerNesting();
    const inside = nesting.map((n, slot) => (n > 0 ? `slot ${slot}: nesting ${n}` : '')).filter(Boolean);
    const tail = kernel.primary.log().split('\n').filter(Boolean).slice(-6).join('\n');
    for (const v of stallViolations) {
      v.detail = [`kernel runtime: ${inside.length > 0 ? `inside a read-side section: ${inside.join(', ')}` : 'no thread inside a read-side section'} (slot 0 is the main thread, 1 the writer, 2.. the readers)`, tail && `log: ${tail}`].filter(Boolean).join('\n');
    }
  }
  const elapsedMs = Date.now() - goAt;
  const results: Array<TaskResult | Violation> = done ? await all : [];
  await pool.destroy();

  const threadSummaries: ThreadSummary[] = [];
  const violations: Violation[] = [...stallViolations, ...poolErrors];
  let shape = { height: 0, nodes: 0, entries: 0, fill: 0 };
  const known: Record<string, number> = {};
  for (const r of results) {
    if ('kind' in r) {
      violations.push(r);
      continue;
    }
    threadSummaries.push(r.summary);
    violations.push(...r.violations);
    if (r.tree) shape = r.tree;
    for (const [name, n] of Object.entries(r.known ?? {})) known[name] = (known[name] ?? 0) + n;
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
    ...(Object.keys(known).length > 0 ? { known } : {}),
    ...(kernel !== null ? { kernel: kernel.info } : {}),
    timeline,
  };
}

/** A stall violation of thread t (0 the writer), with what the control block says it is doing. */
function stall(control: RunControl, t: number, seen: (who: string, where: string) => string, expected: string[]): Violation {
  const who = t === 0 ? 'writer' : `reader ${t - 1}`;
  const doing = OP_NAMES[control.get(t, DOING)] ?? 'unknown';
  const at = control.get(t, DOING_ARG);
  return { kind: 'stall', thread: who, op: `${doing}(${at})`, seen: seen(who, `stuck in ${doing} at index ${at}`), expected };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
