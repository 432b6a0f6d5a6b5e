/**
 * Running one script on both trees side by side: every op's result compared (the results level),
 * then after every write both trees' shapes (the shape level), from an empty tree each time.
 */
import { diffShapes, formatShape } from '../../tree/shape.js';
import type { ShapeDifference, TreeShape } from '../../tree/shape.js';
import { SKIPPED } from './driver.js';
import type { Driver, Outcome } from './driver.js';
import { isWrite } from './script.js';
import type { Op, OpName, Script } from './script.js';
import { evidenceBefore, knownDivergence } from './known.js';

export type Level = 'results' | 'shape';
export type DivergenceKind = 'result' | 'shape';

export interface Divergence {
  kind: DivergenceKind;
  /** The op's index in the script. */
  at: number;
  op: Op;
  kernel: Outcome;
  replica: Outcome;
  /** shape: the first node and field that differ (kernel expected, replica actual). */
  shape?: ShapeDifference;
  /** Both trees' shapes right after the op (formatShape), when they could be read. */
  kernelShape?: string;
  replicaShape?: string;
}

export interface ScriptRun {
  /** Ops run (up to and including a result divergence). */
  ops: number;
  /** The first result divergence: the script stops there. */
  result: Divergence | null;
  /** The first shape divergence (shape level only). */
  shape: Divergence | null;
  /** Each op's outcome on both trees, when asked for. */
  trace?: { op: Op; kernel: Outcome; replica: Outcome }[];
  /**
   * Result differences a known kernel divergence explains (src/harness/conform/known.ts). After
   * a read the script goes on (neither tree changed); after a write it ends there, the trees no
   * longer being the same.
   */
  known: KnownHit[];
}

export interface KnownHit {
  name: string;
  at: number;
  op: Op;
  kernel: Outcome;
  replica: Outcome;
}

export interface RunOptions {
  level: Level;
  /** Stop at the first divergence of either kind (else only a result divergence stops the script). */
  stopAtFirst: boolean;
  trace?: boolean;
}

function readShape(d: Driver): TreeShape | string {
  try {
    return d.shape();
  } catch (error) {
    return `(${d.name} shape unreadable: ${error instanceof Error ? error.message : String(error)})`;
  }
}

const show = (s: TreeShape | string): string => (typeof s === 'string' ? s : formatShape(s));

export function runScript(script: Script, kernel: Driver, replica: Driver, opts: RunOptions): ScriptRun {
  kernel.reset(script);
  replica.reset(script);
  const run: ScriptRun = { ops: 0, result: null, shape: null, trace: opts.trace ? [] : undefined, known: [] };
  try {
    for (let at = 0; at < script.ops.length; at++) {
      const op = script.ops[at];
      const refused = replica.refuses?.(op) ?? kernel.refuses?.(op) ?? null;
      const evidence = refused === null ? evidenceBefore(op, kernel) : undefined;
      const k = refused === null ? kernel.apply(op) : { value: SKIPPED, note: refused };
      const r = refused === null ? replica.apply(op) : { value: SKIPPED, note: refused };
      run.ops++;
      run.trace?.push({ op, kernel: k, replica: r });
      if (k.value !== r.value) {
        const known = knownDivergence(op, script, k, r, kernel, evidence);
        if (known) {
          run.known.push({ name: known.name, at, op, kernel: k, replica: r });
          if (isWrite(op) || known.endsScript?.(op) === true) return run;
          continue;
        }
        const ks = readShape(kernel);
        const rs = readShape(replica);
        run.result = { kind: 'result', at, op, kernel: k, replica: r, kernelShape: show(ks), replicaShape: show(rs) };
        return run;
      }
      if (opts.level === 'shape' && run.shape === null && isWrite(op)) {
        const ks = readShape(kernel);
        const rs = readShape(replica);
        const diff =
          typeof ks === 'string' || typeof rs === 'string'
            ? { node: -1, field: 'readable', expected: typeof ks === 'string' ? ks : 'yes', actual: typeof rs === 'string' ? rs : 'yes' }
            : diffShapes(ks, rs);
        if (diff) {
          run.shape = { kind: 'shape', at, op, kernel: k, replica: r, shape: diff, kernelShape: show(ks), replicaShape: show(rs) };
          if (opts.stopAtFirst) return run;
        }
      }
    }
    return run;
  } finally {
    kernel.dispose();
    replica.dispose();
  }
}

/** The first divergence of a run: a result one, else a shape one. */
export function firstDivergence(run: ScriptRun): Divergence | null {
  if (run.result && run.shape) return run.shape.at < run.result.at ? run.shape : run.result;
  return run.result ?? run.shape;
}

/** What a shrunk script must keep: the same kind, and for results the same operation diverging. */
export interface Signature {
  kind: DivergenceKind;
  op?: OpName;
}

export function signatureOf(d: Divergence): Signature {
  return d.kind === 'result' ? { kind: 'result', op: d.op.op } : { kind: 'shape' };
}

/**
 * Replays ops and says where the signature's divergence shows (its op index), or null. A result
 * signature replays at the results level (shapes cannot stop it); a shape one at the shape level,
 * where it must be the first divergence.
 */
export function reproduces(script: Script, ops: Op[], sig: Signature, kernel: Driver, replica: Driver): number | null {
  const run = runScript({ ...script, ops }, kernel, replica, { level: sig.kind === 'shape' ? 'shape' : 'results', stopAtFirst: true });
  const d = firstDivergence(run);
  if (!d || d.kind !== sig.kind) return null;
  if (sig.op !== undefined && d.op.op !== sig.op) return null;
  return d.at;
}
