/**
 * Reading a results file and recognising what it is: a stress run (no `kind`; its runId starts
 * with 'stress-', or it has `timeline` and `threads`), an explore result (kind 'explore', or
 * 'explore-kernel' for the kernel's code under the simulator) or a torture result (kind 'torture'). Anything else, or a file that is not JSON, is a usage error
 * naming the file and what was expected. The fields the report reads are checked here, so the
 * renderers can trust them.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../cli-args.js';
import type { RunResult } from '../types.js';
import type { ExploreResult } from '../sim/explore.js';
import type { KernelExploreResult } from '../sim/kernel/kernel-explore.js';
import type { TortureResultShape } from './torture-shape.js';

export type ReportInput =
  | { kind: 'stress'; data: RunResult }
  | { kind: 'explore'; data: ExploreResult }
  | { kind: 'explore-kernel'; data: KernelExploreResult }
  | { kind: 'torture'; data: TortureResultShape };

export const EXPECTED =
  "a stress run result (no \"kind\"; runId starting 'stress-', or \"timeline\" and \"threads\"), " +
  "an explore result (kind 'explore' or 'explore-kernel') or a torture result (kind 'torture')";

type Type = 'string' | 'number' | 'boolean' | 'object' | 'array';

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return 'array';
  if (v === null) return 'null';
  return typeof v;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeOf(v) === 'object';
}

/** The fields of `obj` that are missing or of the wrong type, as 'name (type, found other)'. */
function problems(obj: unknown, spec: Record<string, Type>, prefix = ''): string[] {
  if (!isObject(obj)) return [`${prefix.replace(/\.$/, '') || 'the value'} (object, found ${typeOf(obj)})`];
  return Object.entries(spec)
    .filter(([k, t]) => typeOf(obj[k]) !== t)
    .map(([k, t]) => `${prefix}${k} (${t}, found ${typeOf(obj[k])})`);
}

/** `problems` for every element of an array field, stopping at the first bad element. */
function elementProblems(list: unknown, spec: Record<string, Type>, prefix: string): string[] {
  if (!Array.isArray(list)) return [];
  for (let i = 0; i < list.length; i++) {
    const p = problems(list[i], spec, `${prefix}[${i}].`);
    if (p.length > 0) return p;
  }
  return [];
}

const VIOLATION: Record<string, Type> = { kind: 'string', thread: 'string', op: 'string', seen: 'string', expected: 'array' };
const SAMPLE: Record<string, Type> = { ms: 'number', readerOps: 'number', writerOps: 'number', rewalks: 'number', gracePeriods: 'number', discardedTaint: 'number' };

/** True for a stress RunResult (by its shape; no field checks). */
export function looksLikeStress(v: unknown): boolean {
  if (!isObject(v) || 'kind' in v) return false;
  return (typeof v.runId === 'string' && v.runId.startsWith('stress-')) || (Array.isArray(v.timeline) && Array.isArray(v.threads));
}

export function stressProblems(v: unknown): string[] {
  const o = v as Record<string, unknown>;
  const p = problems(v, { runId: 'string', config: 'object', elapsedMs: 'number', threads: 'array', totals: 'object', tree: 'object', violations: 'array', timeline: 'array' });
  if (p.length > 0) return p;
  p.push(...problems(o.config, { seed: 'number', readers: 'number', workload: 'string', durationMs: 'number' }, 'config.'));
  p.push(...problems(o.totals, { readerOps: 'number', writerOps: 'number', rewalks: 'number', discardedTaint: 'number', gracePeriods: 'number' }, 'totals.'));
  p.push(...problems(o.tree, { height: 'number', nodes: 'number', entries: 'number', fill: 'number' }, 'tree.'));
  p.push(...elementProblems(o.threads, { thread: 'string', ops: 'number', rewalks: 'number', discardedTaint: 'number', checks: 'number' }, 'threads'));
  p.push(...elementProblems(o.violations, VIOLATION, 'violations'));
  p.push(...elementProblems(o.timeline, SAMPLE, 'timeline'));
  const bad = (o.timeline as unknown[]).findIndex((s) => {
    const ops = (s as Record<string, unknown>).threadOps;
    return ops !== undefined && !(Array.isArray(ops) && ops.every((n) => typeof n === 'number'));
  });
  if (bad >= 0) p.push(`timeline[${bad}].threadOps (array of numbers)`);
  return p;
}

export function exploreProblems(v: unknown): string[] {
  const o = v as Record<string, unknown>;
  const p = problems(v, { runId: 'string', config: 'object', elapsedMs: 'number', stoppedBy: 'string', schedulesRun: 'number', schedulesPerSecond: 'number', totals: 'object' });
  if (p.length > 0) return p;
  p.push(...problems(o.config, { seed: 'number', bugs: 'array', scenarios: 'array' }, 'config.'));
  if (o.failure !== undefined) {
    const f = o.failure as Record<string, unknown>;
    p.push(...problems(f, { schedule: 'number', violation: 'object', token: 'string', original: 'object', shrunk: 'object', spec: 'object', trace: 'array' }, 'failure.'));
    if (p.length === 0) {
      p.push(...problems(f.violation, VIOLATION, 'failure.violation.'));
      p.push(...problems(f.shrunk, { token: 'string', violation: 'object' }, 'failure.shrunk.'));
      p.push(...elementProblems(f.trace, { step: 'number', thread: 'string', op: 'string', access: 'string' }, 'failure.trace'));
    }
  }
  return p;
}

export function kernelExploreProblems(v: unknown): string[] {
  const o = v as Record<string, unknown>;
  const p = problems(v, { runId: 'string', config: 'object', build: 'object', elapsedMs: 'number', stoppedBy: 'string', schedulesRun: 'number', schedulesPerSecond: 'number', totals: 'object' });
  if (p.length > 0) return p;
  p.push(...problems(o.config, { seed: 'number', bugs: 'array', scenarios: 'array' }, 'config.'));
  p.push(...problems(o.build, { version: 'string', buildHash: 'string' }, 'build.'));
  if (o.failure !== undefined) {
    const f = o.failure as Record<string, unknown>;
    p.push(...problems(f, { schedule: 'number', seconds: 'number', violation: 'object', spec: 'object' }, 'failure.'));
    if (p.length === 0) {
      p.push(...problems(f.violation, VIOLATION, 'failure.violation.'));
      p.push(...problems(f.spec, { scenario: 'string', strategy: 'string', seed: 'number' }, 'failure.spec.'));
    }
  }
  return p;
}

export function tortureProblems(v: unknown): string[] {
  const o = v as Record<string, unknown>;
  const p = problems(v, { runId: 'string', config: 'object', elapsedMs: 'number', stoppedBy: 'string', cells: 'array', summary: 'object' });
  if (p.length > 0) return p;
  p.push(...problems(o.summary, { cells: 'number', passed: 'number', failed: 'number', skipped: 'number', violations: 'number' }, 'summary.'));
  p.push(...elementProblems(o.cells, {
    id: 'string', mode: 'string', workload: 'string', status: 'string', readerOps: 'number', writerOps: 'number', elapsedMs: 'number', violations: 'array', replay: 'string',
  }, 'cells'));
  for (const [i, cell] of (o.cells as Array<Record<string, unknown>>).entries()) {
    const q = elementProblems(cell.violations, VIOLATION, `cells[${i}].violations`);
    if (q.length > 0) {
      p.push(...q);
      break;
    }
  }
  if (o.catalog !== undefined) {
    if (!Array.isArray(o.catalog)) p.push(`catalog (array, found ${typeOf(o.catalog)})`);
    else p.push(...elementProblems(o.catalog, { bug: 'string', mode: 'string', detected: 'boolean' }, 'catalog'));
  }
  return p;
}

function describeFound(v: unknown): string {
  if (!isObject(v)) return `found ${typeOf(v)}`;
  if (typeof v.kind === 'string') return `found kind '${v.kind}'`;
  const keys = Object.keys(v);
  return keys.length === 0 ? 'found an empty object' : `found an object with ${keys.slice(0, 8).join(', ')}${keys.length > 8 ? ', ...' : ''}`;
}

/** Recognises a parsed results file; `file` names it in errors. */
export function recognise(v: unknown, file: string): ReportInput {
  let kind: ReportInput['kind'];
  let bad: string[];
  if (isObject(v) && v.kind === 'explore') {
    kind = 'explore';
    bad = exploreProblems(v);
  } else if (isObject(v) && v.kind === 'explore-kernel') {
    kind = 'explore-kernel';
    bad = kernelExploreProblems(v);
  } else if (isObject(v) && v.kind === 'torture') {
    kind = 'torture';
    bad = tortureProblems(v);
  } else if (looksLikeStress(v)) {
    kind = 'stress';
    bad = stressProblems(v);
  } else {
    throw new UsageError(`${file}: not a run result the report can read: expected ${EXPECTED}; ${describeFound(v)}`);
  }
  if (bad.length > 0) {
    throw new UsageError(`${file}: looks like ${kind === 'stress' ? 'a stress run result' : `a${kind.startsWith('explore') ? 'n' : ''} ${kind} result`} but lacks or mistypes: ${bad.slice(0, 6).join('; ')}${bad.length > 6 ? `; and ${bad.length - 6} more` : ''}`);
  }
  return { kind, data: v } as ReportInput;
}

/** Reads and recognises a results file; unreadable files and bad JSON are usage errors too. */
export function readReportInput(file: string): ReportInput {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : error instanceof Error ? error.message : String(error);
    throw new UsageError(`${file}: cannot read it (${why}); expected a results JSON file: ${EXPECTED}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UsageError(`${file}: not valid JSON (${error instanceof Error ? error.message : String(error)}); expected ${EXPECTED}`);
  }
  return recognise(parsed, file);
}
