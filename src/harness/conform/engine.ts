/**
 * The conformance run: scripts (scenario × seed) on both trees until the op budget is spent,
 * scenarios interleaved so each gets about the same number of ops; the first divergence shrunk
 * (or, keeping going, the first of each kind per scenario), every scenario's counts kept.
 */
import { firstDivergence, reproduces, runScript, signatureOf } from './compare.js';
import type { Divergence, Level } from './compare.js';
import type { Driver, Outcome } from './driver.js';
import { findScenario, generateScript } from './scenarios.js';
import type { Scenario } from './scenarios.js';
import { formatOp, simplifyOp } from './script.js';
import type { Op, Script } from './script.js';
import { shrinkList } from './shrink.js';
import type { ShrinkResult } from './shrink.js';
import { KNOWN_DIVERGENCES } from './known.js';

export interface ConformConfig {
  /** Total op budget. */
  ops: number;
  seed: number;
  scenarios: string[];
  level: Level;
  keepGoing: boolean;
  /** Time limit for shrinking one divergence. */
  shrinkMs: number;
}

export interface ScenarioStats {
  scenario: string;
  ops: number;
  scripts: number;
  /** Scripts that ended at a result divergence. */
  resultDivergences: number;
  /** Scripts whose shapes parted at some write (shape level only). */
  shapeDivergences: number;
  /** Percentage of scripts whose shapes stayed identical (shape level only; null at the results level). */
  shapeIdenticalPct: number | null;
  /** Result differences explained by a known kernel divergence (known.ts), by name. */
  known: Record<string, number>;
}

/** A known kernel divergence met during the run: how often, and its first example. */
export interface KnownSeen {
  name: string;
  summary: string;
  count: number;
  example: { scenario: string; seed: number; at: number; op: string; kernel: Outcome; replica: Outcome };
}

export interface Finding {
  kind: 'result' | 'shape';
  scenario: string;
  seed: number;
  level: Level;
  /** The divergence in the minimal script. */
  at: number;
  op: string;
  kernel: Outcome;
  replica: Outcome;
  shape?: Divergence['shape'];
  kernelShape?: string;
  replicaShape?: string;
  originalOps: number;
  shrinkRuns: number;
  shrinkLimited: boolean;
  /** The minimal script (replayable). */
  script: Script;
  /** Each op of the minimal script with both trees' results. */
  lines: string[];
}

export interface Progress {
  ops: number;
  scripts: number;
  ms: number;
  resultDivergences: number;
  shapeDivergences: number;
}

export interface ConformOutcome {
  opsRun: number;
  scripts: number;
  elapsedMs: number;
  stoppedBy: 'ops' | 'divergence' | 'signal';
  scenarios: ScenarioStats[];
  findings: Finding[];
  known: KnownSeen[];
}

/** The seed of a scenario's n-th script. */
export function scriptSeed(seed: number, n: number): number {
  return (seed + Math.imul(n, 0x9e3779b9)) >>> 0;
}

export function traceLines(trace: { op: import('./script.js').Op; kernel: Outcome; replica: Outcome }[]): string[] {
  return trace.map(({ op, kernel, replica }, i) => {
    const head = `${String(i).padStart(4)}  ${formatOp(op)}`;
    if (kernel.value === replica.value) return `${head}  -> ${kernel.value}`;
    return `${head}  -> kernel: ${kernel.value} | replica: ${replica.value}   <== DIVERGES`;
  });
}

/** Shrink a divergence of `script` and replay the minimal script with a trace. */
export function shrinkDivergence(script: Script, d: Divergence, level: Level, kernel: Driver, replica: Driver, maxMs: number): Finding {
  const sig = signatureOf(d);
  // Not reproducible on replay (a tree whose behaviour depends on more than the script, e.g. the
  // memory a previous trap or script left): report the divergence as found, unshrunk. Either the
  // whole script no longer shows it (shrinkList throws at once) or the minimal one does not.
  const asFound = (runs: number): Finding => {
    const lines = script.ops.slice(0, d.at + 1).map((op, i) => `${String(i).padStart(4)}  ${formatOp(op)}`);
    lines.push(`(this divergence did not reproduce on replay: the script is as found, not shrunk; kernel: ${d.kernel.value}${d.kernel.note ? ` [${d.kernel.note}]` : ''} | replica: ${d.replica.value}${d.replica.note ? ` [${d.replica.note}]` : ''})`);
    return toFinding({ ...script, ops: script.ops.slice(0, d.at + 1) }, d, level, lines, { originalOps: script.ops.length, runs, limited: true });
  };
  let shrunk: ShrinkResult<Op>;
  try {
    shrunk = shrinkList(script.ops, (ops) => reproduces(script, ops, sig, kernel, replica), { simplify: simplifyOp, maxMs });
  } catch (error) {
    if (!(error instanceof Error) || !error.message.startsWith('shrink: the failure does not show')) throw error;
    return asFound(1);
  }
  const minimal: Script = { ...script, ops: shrunk.items };
  try {
    return describe(minimal, sig.kind === 'shape' ? 'shape' : 'results', kernel, replica, { originalOps: script.ops.length, runs: shrunk.runs, limited: shrunk.limited }, level);
  } catch {
    return asFound(shrunk.runs);
  }
}

/** Run a script with a trace and describe its first divergence (null when it shows none). */
export function replayScript(script: Script, level: Level, kernel: Driver, replica: Driver): { finding: Finding | null; lines: string[] } {
  const run = runScript(script, kernel, replica, { level, stopAtFirst: true, trace: true });
  const d = firstDivergence(run);
  const lines = traceLines(run.trace ?? []);
  if (!d) return { finding: null, lines };
  return { finding: toFinding(script, d, level, lines, { originalOps: script.ops.length, runs: 0, limited: false }), lines };
}

function describe(
  script: Script,
  replayLevel: Level,
  kernel: Driver,
  replica: Driver,
  shrink: { originalOps: number; runs: number; limited: boolean },
  level: Level,
): Finding {
  const run = runScript(script, kernel, replica, { level: replayLevel, stopAtFirst: true, trace: true });
  const d = firstDivergence(run);
  if (!d) throw new Error(`the minimal script of ${script.scenario} seed ${script.seed} no longer diverges (a nondeterministic tree?)`);
  return toFinding(script, d, level, traceLines(run.trace ?? []), shrink);
}

function toFinding(script: Script, d: Divergence, level: Level, lines: string[], shrink: { originalOps: number; runs: number; limited: boolean }): Finding {
  return {
    kind: d.kind,
    scenario: script.scenario,
    seed: script.seed,
    level: d.kind === 'shape' ? 'shape' : level,
    at: d.at,
    op: formatOp(d.op),
    kernel: d.kernel,
    replica: d.replica,
    shape: d.shape,
    kernelShape: d.kernelShape,
    replicaShape: d.replicaShape,
    originalOps: shrink.originalOps,
    shrinkRuns: shrink.runs,
    shrinkLimited: shrink.limited,
    script,
    lines,
  };
}

export interface ConformHooks {
  onProgress?: (p: Progress) => void;
  progressEveryMs?: number;
  /** Called before shrinking starts (shrinking can take a while). */
  onShrink?: (d: Divergence, script: Script) => void;
  signal?: AbortSignal;
}

export async function conform(config: ConformConfig, kernel: Driver, replica: Driver, hooks: ConformHooks = {}): Promise<ConformOutcome> {
  const scenarios: Scenario[] = config.scenarios.map((name) => {
    const s = findScenario(name);
    if (!s) throw new Error(`unknown scenario ${name}`);
    return s;
  });
  const stats = scenarios.map(
    (s): ScenarioStats & { identical: number } => ({
      scenario: s.name,
      ops: 0,
      scripts: 0,
      resultDivergences: 0,
      shapeDivergences: 0,
      shapeIdenticalPct: null,
      known: {},
      identical: 0,
    }),
  );
  const findings: Finding[] = [];
  const known = new Map<string, KnownSeen>();
  const found = new Set<string>();
  const started = Date.now();
  let lastProgress = started;
  const every = hooks.progressEveryMs ?? 1000;
  let opsRun = 0;
  let scripts = 0;
  let stoppedBy: ConformOutcome['stoppedBy'] = 'ops';
  const totals = (): Progress => ({
    ops: opsRun,
    scripts,
    ms: Date.now() - started,
    resultDivergences: stats.reduce((s, x) => s + x.resultDivergences, 0),
    shapeDivergences: stats.reduce((s, x) => s + x.shapeDivergences, 0),
  });

  outer: while (opsRun < config.ops) {
    // The scenario with the fewest ops so far goes next.
    let i = 0;
    for (let j = 1; j < stats.length; j++) if (stats[j].ops < stats[i].ops) i = j;
    const scenario = scenarios[i];
    const st = stats[i];
    const budget = config.ops - opsRun;
    const script = generateScript(scenario, scriptSeed(config.seed, st.scripts * stats.length + i), Math.min(scenario.scriptOps, Math.max(budget, 1)));
    const run = runScript(script, kernel, replica, { level: config.level, stopAtFirst: !config.keepGoing });
    st.ops += run.ops;
    st.scripts++;
    opsRun += run.ops;
    scripts++;
    for (const hit of run.known) {
      st.known[hit.name] = (st.known[hit.name] ?? 0) + 1;
      const seen = known.get(hit.name);
      if (seen) seen.count++;
      else {
        known.set(hit.name, {
          name: hit.name,
          summary: KNOWN_DIVERGENCES.find((k) => k.name === hit.name)?.summary ?? '',
          count: 1,
          example: { scenario: scenario.name, seed: script.seed, at: hit.at, op: formatOp(hit.op), kernel: hit.kernel, replica: hit.replica },
        });
      }
    }
    if (run.result) st.resultDivergences++;
    if (run.shape) st.shapeDivergences++;
    else st.identical++;
    const d = firstDivergence(run);
    if (d) {
      const key = `${scenario.name}/${d.kind}`;
      if (!config.keepGoing || !found.has(key)) {
        found.add(key);
        hooks.onShrink?.(d, script);
        findings.push(shrinkDivergence(script, d, config.level, kernel, replica, config.shrinkMs));
      }
      if (!config.keepGoing) {
        stoppedBy = 'divergence';
        break outer;
      }
    }
    const now = Date.now();
    if (now - lastProgress >= every) {
      lastProgress = now;
      hooks.onProgress?.(totals());
      await new Promise((resolve) => setImmediate(resolve));
      if (hooks.signal?.aborted) {
        stoppedBy = 'signal';
        break;
      }
    }
  }
  return {
    opsRun,
    scripts,
    elapsedMs: Date.now() - started,
    stoppedBy,
    findings,
    known: [...known.values()],
    scenarios: stats.map(({ identical, ...s }) => ({
      ...s,
      shapeIdenticalPct: config.level === 'shape' && s.scripts > 0 ? (100 * identical) / s.scripts : null,
    })),
  };
}
