/**
 * The shrunk failure's trace as a table: step, thread, operation, access, node and word, value,
 * which store a load read from (timestamp and the writer version that made it), around the
 * violation. Barriers are rows of their own; drains show when a buffered store reached memory.
 */
import type { TraceEvent } from './schedule.js';
import { NODE_WORDS } from '../../shared-heap/slab.js';
import { FORWARDED } from '../../shared-heap/simulated-memory.js';

export interface TraceRow {
  step: number;
  thread: string;
  op: string;
  access: string;
  where: string;
  value: string;
  readFrom: string;
}

/** A word's name: node id and word (parent, meta, or its index; pivots and slots depend on the type). */
export function wordName(addr: number): string {
  if (addr < 0) return '';
  const node = Math.floor(addr / NODE_WORDS);
  const word = addr % NODE_WORDS;
  if (node === 0) return word === 0 ? 'root' : `header w${word}`;
  return `n${node}.${word === 0 ? 'parent' : word === 1 ? 'meta' : `w${word}`}`;
}

function hex(v: number): string {
  return v < 4096 ? String(v) : `0x${(v >>> 0).toString(16)}`;
}

export function toRow(e: TraceEvent): TraceRow {
  const load = e.kind === 'read' || e.kind === 'deref' || e.kind === 'loadAtomic';
  let readFrom = '';
  if (e.kind === 'violation') readFrom = '';
  else if (load) readFrom = e.readFrom === FORWARDED ? 'own buffer' : e.readFrom === 0 ? 'initial' : `#${e.readFrom} (${e.origin === 0 ? 'setup' : `v${e.origin}`})`;
  else if (e.kind === 'drain') readFrom = `now #${e.readFrom} (v${e.origin})`;
  return {
    step: e.step,
    thread: e.thread,
    op: e.op,
    access: e.kind === 'violation' ? '>>> VIOLATION' : e.kind,
    where: wordName(e.addr),
    value: e.addr < 0 ? '' : hex(e.value),
    readFrom,
  };
}

/** The rows of the last `lines` events up to and including the violation marker. */
export function traceWindow(trace: readonly TraceEvent[], violationAt: number | undefined, lines: number): TraceRow[] {
  const end = violationAt === undefined ? trace.length : violationAt + 1;
  return trace.slice(Math.max(0, end - lines), end).map(toRow);
}

export function formatTraceTable(rows: readonly TraceRow[]): string {
  const head: TraceRow = { step: -1, thread: 'thread', op: 'operation', access: 'access', where: 'node.word', value: 'value', readFrom: 'read from / barrier' };
  const cells = [head, ...rows].map((r) => [r === head ? 'step' : String(r.step), r.thread, r.op, r.access, r.where, r.value, r.readFrom]);
  const widths = cells[0].map((_, c) => Math.min(c === 2 ? 34 : 24, Math.max(...cells.map((row) => row[c].length))));
  return cells
    .map((row) => row.map((cell, c) => (cell.length > widths[c] ? cell.slice(0, widths[c] - 1) + '~' : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}
