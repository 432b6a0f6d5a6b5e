/**
 * LKMM's own litmus tests judged on the simulator: parse, check, run, and compare what was reached
 * with the `Result:` line of each test's header.
 *
 * Verdicts. Never: agrees when no kept execution satisfied `exists`; reaching it is "unsound" (the
 * simulator admitted an execution LKMM forbids). Sometimes: agrees when `exists` was reached;
 * otherwise "not reached" (the simulator is stronger than LKMM there, or the runs were too few:
 * not unsound, but not agreement either). Always: agrees when every kept execution satisfied it;
 * one that did not is "unsound". A test the parser or the interpreter cannot handle is
 * "unsupported", with the reason, and is not counted either way.
 */
import type { ExpectedResult } from './ast.js';
import { parseLitmus } from './parse.js';
import { prepare } from './prepare.js';
import { executeLitmus } from './execute.js';
import type { LitmusFile } from './source.js';
import { LitmusSyntaxError, LitmusUnsupported } from './lexer.js';

export type LkmmStatus = 'agrees' | 'unsound' | 'not-reached' | 'unsupported';

export interface LkmmTestResult {
  file: string;
  name: string;
  /** The family: the subfolder (Documentation's atomic, locking, rcu), else the name up to the first '+' (MP, SB, LB, ...). */
  family: string;
  expected: ExpectedResult | null;
  status: LkmmStatus;
  /** Why unsupported, or what disagreed. */
  reason?: string;
  exists?: string;
  runs?: number;
  kept?: number;
  discarded?: number;
  existsSeen?: number;
  outcomes?: Array<{ outcome: string; count: number }>;
  discardReasons?: Array<{ reason: string; count: number }>;
  promises?: { made: number; fulfilled: number };
  elapsedMs: number;
}

export interface LkmmSuiteOptions {
  runs: number;
  seed: number;
  promises: boolean;
}

export interface LkmmFamilySummary {
  family: string;
  supported: number;
  agreeing: number;
}

export interface LkmmSuiteResult {
  suite: 'lkmm';
  source: { dir: string; origin: 'tree' | 'package' };
  runs: number;
  seed: number;
  /** Load buffering by promises on or off. */
  promises: boolean;
  results: LkmmTestResult[];
  supported: number;
  agreeing: number;
  unsound: string[];
  notReached: string[];
  unsupported: Array<{ name: string; reason: string }>;
  families: LkmmFamilySummary[];
  elapsedMs: number;
}

export function judgeLkmmTest(file: LitmusFile, options: LkmmSuiteOptions): LkmmTestResult {
  const started = performance.now();
  const fallbackName = testName(file.file);
  const folder = file.file.includes('/') ? file.file.slice(0, file.file.indexOf('/')) : null;
  const family = (name: string): string => folder ?? familyOf(name);
  const base = { file: file.file, name: fallbackName, family: family(fallbackName) };
  let program;
  try {
    program = parseLitmus(file.text);
  } catch (error) {
    return { ...base, expected: null, status: 'unsupported', reason: reasonOf(error), elapsedMs: performance.now() - started };
  }
  const named = { ...base, name: program.name, family: family(program.name), expected: program.expected };
  if (program.expected === null) {
    const other = /Result:\s*(\S+)/.exec(file.text);
    const reason = other
      ? `"Result: ${other[1]}" is not a verdict this runner judges (Never, Sometimes, Always)`
      : 'no "Result:" line in the header comment: nothing to compare with';
    return { ...named, status: 'unsupported', reason, elapsedMs: performance.now() - started };
  }
  let counts;
  try {
    counts = executeLitmus(prepare(program), options);
  } catch (error) {
    return { ...named, status: 'unsupported', reason: reasonOf(error), elapsedMs: performance.now() - started };
  }
  const { status, reason } = verdict(program.expected, counts.existsSeen, counts.kept);
  const result: LkmmTestResult = {
    ...named,
    status,
    exists: conditionText(file.text),
    runs: counts.runs,
    kept: counts.kept,
    discarded: counts.discarded,
    existsSeen: counts.existsSeen,
    outcomes: [...counts.outcomes.entries()]
      .map(([outcome, count]) => ({ outcome, count }))
      .sort((a, b) => b.count - a.count || (a.outcome < b.outcome ? -1 : 1)),
    discardReasons: [...counts.discardReasons.entries()].map(([r, count]) => ({ reason: r, count })).sort((a, b) => b.count - a.count),
    promises: { made: counts.promisesMade, fulfilled: counts.promisesFulfilled },
    elapsedMs: performance.now() - started,
  };
  if (reason !== undefined) result.reason = reason;
  return result;
}

export function verdict(expected: ExpectedResult, existsSeen: number, kept: number): { status: LkmmStatus; reason?: string } {
  if (kept === 0) return { status: 'not-reached', reason: 'every execution was discarded: nothing to judge' };
  switch (expected) {
    case 'Never':
      return existsSeen === 0 ? { status: 'agrees' } : { status: 'unsound', reason: `LKMM forbids it, reached in ${existsSeen} of ${kept} executions` };
    case 'Sometimes':
      return existsSeen > 0 ? { status: 'agrees' } : { status: 'not-reached', reason: `LKMM allows it, not reached in ${kept} executions` };
    case 'Always':
      return existsSeen === kept ? { status: 'agrees' } : { status: 'unsound', reason: `LKMM says always, failed in ${kept - existsSeen} of ${kept} executions` };
  }
}

export function runLkmmSuite(files: LitmusFile[], source: LkmmSuiteResult['source'], options: LkmmSuiteOptions): LkmmSuiteResult {
  const started = performance.now();
  const results = files.map((f) => judgeLkmmTest(f, options));
  const supported = results.filter((r) => r.status !== 'unsupported');
  const byFamily = new Map<string, LkmmFamilySummary>();
  for (const r of supported) {
    const s = byFamily.get(r.family) ?? { family: r.family, supported: 0, agreeing: 0 };
    s.supported++;
    if (r.status === 'agrees') s.agreeing++;
    byFamily.set(r.family, s);
  }
  return {
    suite: 'lkmm',
    source,
    runs: options.runs,
    seed: options.seed,
    promises: options.promises,
    results,
    supported: supported.length,
    agreeing: supported.filter((r) => r.status === 'agrees').length,
    unsound: results.filter((r) => r.status === 'unsound').map((r) => r.name),
    notReached: results.filter((r) => r.status === 'not-reached').map((r) => r.name),
    unsupported: results.filter((r) => r.status === 'unsupported').map((r) => ({ name: r.name, reason: r.reason ?? '' })),
    families: [...byFamily.values()].sort((a, b) => (a.family < b.family ? -1 : 1)),
    elapsedMs: performance.now() - started,
  };
}

/** A test's name from its file: `rcu/RCU+sync+read.litmus` is RCU+sync+read. */
export function testName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1).replace(/\.litmus$/, '');
}

function familyOf(name: string): string {
  const plus = name.indexOf('+');
  return plus < 0 ? name : name.slice(0, plus);
}

function reasonOf(error: unknown): string {
  if (error instanceof LitmusSyntaxError) return `parse error: ${error.message}`;
  if (error instanceof LitmusUnsupported) return error.message;
  throw error;
}

/** The exists clause as written (for the table). */
function conditionText(text: string): string {
  const m = /\bexists\s*(\([^\n]*?\))\s*(\(\*.*)?$/m.exec(text);
  return m ? m[1] : 'exists';
}
