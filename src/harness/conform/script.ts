/**
 * Conformance scripts: the operations both trees run, one line of text each, and the checks that
 * keep every argument acceptable to both (the replica refuses internal-entry encodings, the kernel
 * reserves the same values).
 */
import { isInternalEntry } from '../../tree/layout.js';

export const MAX = 0xffffffff;

export type Op =
  | { op: 'store'; first: number; last: number; entry: number }
  | { op: 'insert'; first: number; last: number; entry: number }
  | { op: 'erase'; index: number }
  | { op: 'load'; index: number }
  | { op: 'walk'; index: number }
  | { op: 'find'; index: number; max: number }
  | { op: 'findRev'; index: number; min: number }
  | { op: 'cursorSet'; cursor: number; index: number }
  | { op: 'cursorFind'; cursor: number; max: number }
  | { op: 'cursorFindRev'; cursor: number; min: number }
  | { op: 'cursorNext'; cursor: number; max: number }
  | { op: 'cursorPrev'; cursor: number; min: number }
  | { op: 'cursorPause'; cursor: number }
  | { op: 'emptyArea'; min: number; max: number; size: number }
  | { op: 'emptyAreaRev'; min: number; max: number; size: number }
  | { op: 'allocRange'; size: number; entry: number; min: number; max: number }
  | { op: 'allocRangeRev'; size: number; entry: number; min: number; max: number }
  | { op: 'entries' }
  | { op: 'validate' }
  | { op: 'setRcu'; on: boolean }
  | { op: 'destroy' };

export type OpName = Op['op'];

/** Cursors per script (each driver keeps this many). */
export const CURSORS = 2;

/** How a script's tree starts. */
export interface TreeFlags {
  /** MT_FLAGS_ALLOC_RANGE. */
  alloc: boolean;
  /** RCU mode at creation. */
  rcu: boolean;
}

export interface Script extends TreeFlags {
  scenario: string;
  seed: number;
  ops: Op[];
}

/** Operations that change the tree (the shape is compared after each). */
const WRITES: ReadonlySet<OpName> = new Set<OpName>(['store', 'insert', 'erase', 'allocRange', 'allocRangeRev', 'destroy']);

export function isWrite(op: Op): boolean {
  return WRITES.has(op.op);
}

/** The numeric arguments of an op, in the order formatOp prints them (what the shrinker simplifies). */
export function numericFields(op: Op): string[] {
  return Object.keys(op).filter((k) => k !== 'op' && typeof (op as unknown as Record<string, unknown>)[k] === 'number');
}

/** An entry both trees accept as a stored value (0 is NULL where allowNull). */
export function validEntry(entry: number, allowNull: boolean): boolean {
  if (!Number.isInteger(entry) || entry < 0 || entry > MAX) return false;
  if (entry === 0) return allowNull;
  return !isInternalEntry(entry);
}

const index = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= MAX;

/** Whether every argument is one both trees take (what the generator makes and the shrinker keeps). */
export function validOp(op: Op): boolean {
  switch (op.op) {
    case 'store':
      return index(op.first) && index(op.last) && op.first <= op.last && validEntry(op.entry, true);
    case 'insert':
      return index(op.first) && index(op.last) && op.first <= op.last && validEntry(op.entry, false);
    case 'erase':
    case 'load':
    case 'walk':
      return index(op.index);
    case 'find':
      return index(op.index) && index(op.max);
    case 'findRev':
      return index(op.index) && index(op.min);
    case 'cursorSet':
      return op.cursor >= 0 && op.cursor < CURSORS && index(op.index);
    case 'cursorFind':
    case 'cursorNext':
      return op.cursor >= 0 && op.cursor < CURSORS && index(op.max);
    case 'cursorFindRev':
    case 'cursorPrev':
      return op.cursor >= 0 && op.cursor < CURSORS && index(op.min);
    case 'cursorPause':
      return op.cursor >= 0 && op.cursor < CURSORS;
    case 'emptyArea':
    case 'emptyAreaRev':
      // size fits the kernel's 32-bit unsigned long.
      return index(op.min) && index(op.max) && index(op.size) && op.size >= 1;
    case 'allocRange':
    case 'allocRangeRev':
      return index(op.min) && index(op.max) && index(op.size) && op.size >= 1 && validEntry(op.entry, false);
    case 'entries':
    case 'validate':
    case 'destroy':
      return true;
    case 'setRcu':
      return typeof op.on === 'boolean';
  }
}

const hex = (n: number): string => (n >= 0x10000 ? `0x${n.toString(16)}` : String(n));

/** One readable line: `store [10, 19] = 5`, `cursorNext c0 max 300`, ... */
export function formatOp(op: Op): string {
  switch (op.op) {
    case 'store':
    case 'insert':
      return `${op.op} [${hex(op.first)}, ${hex(op.last)}] = ${op.entry === 0 ? 'NULL' : op.entry}`;
    case 'erase':
    case 'load':
    case 'walk':
      return `${op.op} ${hex(op.index)}`;
    case 'find':
      return `find ${hex(op.index)} max ${hex(op.max)}`;
    case 'findRev':
      return `findRev ${hex(op.index)} min ${hex(op.min)}`;
    case 'cursorSet':
      return `cursorSet c${op.cursor} ${hex(op.index)}`;
    case 'cursorFind':
    case 'cursorNext':
      return `${op.op} c${op.cursor} max ${hex(op.max)}`;
    case 'cursorFindRev':
    case 'cursorPrev':
      return `${op.op} c${op.cursor} min ${hex(op.min)}`;
    case 'cursorPause':
      return `cursorPause c${op.cursor}`;
    case 'emptyArea':
    case 'emptyAreaRev':
      return `${op.op} [${hex(op.min)}, ${hex(op.max)}] size ${hex(op.size)}`;
    case 'allocRange':
    case 'allocRangeRev':
      return `${op.op} size ${hex(op.size)} in [${hex(op.min)}, ${hex(op.max)}] = ${op.entry}`;
    case 'setRcu':
      return `setRcu ${op.on ? 'on' : 'off'}`;
    case 'entries':
    case 'validate':
    case 'destroy':
      return op.op;
  }
}

/** The tree's flags as a line: `alloc-range tree, RCU on`. */
export function formatFlags(f: TreeFlags): string {
  return `${f.alloc ? 'alloc-range' : 'plain'} tree, RCU ${f.rcu ? 'on' : 'off'}`;
}

/** The whole script, one op per line, numbered. */
export function formatScript(script: Script): string {
  const lines = [`# ${script.scenario} seed ${script.seed}: ${formatFlags(script)}, ${script.ops.length} ops`];
  script.ops.forEach((op, i) => lines.push(`${String(i).padStart(4)}  ${formatOp(op)}`));
  return lines.join('\n');
}

export class ScriptError extends Error {
  override name = 'ScriptError';
}

const OP_NAMES: ReadonlySet<string> = new Set<OpName>([
  'store', 'insert', 'erase', 'load', 'walk', 'find', 'findRev', 'cursorSet', 'cursorFind', 'cursorFindRev',
  'cursorNext', 'cursorPrev', 'cursorPause', 'emptyArea', 'emptyAreaRev', 'allocRange', 'allocRangeRev',
  'entries', 'validate', 'setRcu', 'destroy',
]);

/** A script read back from JSON (a results file's `failure.script`), every op checked. */
export function parseScript(data: unknown): Script {
  const s = data as Partial<Script> | null;
  if (!s || typeof s !== 'object') throw new ScriptError('not a script object');
  if (typeof s.scenario !== 'string' || typeof s.seed !== 'number' || typeof s.alloc !== 'boolean' || typeof s.rcu !== 'boolean' || !Array.isArray(s.ops)) {
    throw new ScriptError('a script needs scenario, seed, alloc, rcu and ops');
  }
  s.ops.forEach((op: Op, i: number) => {
    if (!op || typeof op !== 'object' || !OP_NAMES.has(op.op) || !validOp(op)) {
      throw new ScriptError(`op ${i} is not a valid operation: ${JSON.stringify(op)}`);
    }
  });
  return { scenario: s.scenario, seed: s.seed, alloc: s.alloc, rcu: s.rcu, ops: s.ops };
}

/** Simpler versions of an op for the shrinker: each numeric argument made smaller, a range made one key. */
export function simplifyOp(op: Op): Op[] {
  const out: Op[] = [];
  const rec = op as unknown as Record<string, number>;
  const add = (field: string, value: number): void => {
    if (value === rec[field] || value < 0) return;
    const candidate = { ...op, [field]: value } as Op;
    if (validOp(candidate) && !out.some((o) => JSON.stringify(o) === JSON.stringify(candidate))) out.push(candidate);
  };
  if ('first' in op && 'last' in op && op.last !== op.first) add('last', op.first);
  for (const field of numericFields(op)) {
    const v = rec[field];
    if (field === 'cursor') {
      add(field, 0);
      continue;
    }
    for (const c of [0, 1, 3, v >>> 1, v <= 512 ? v - 1 : v - (v >>> 4)]) if (c < v) add(field, c);
  }
  return out;
}
