/**
 * The shrunk failure's trace as a table: step, thread, operation, access, node and word, value,
 * which store a load read from (timestamp and the writer version that made it), around the
 * violation. Barriers are rows of their own; drains show when a buffered store reached memory.
 */
import type { TraceEvent } from './schedule.js';
import { NODE_WORDS } from '../../shared-heap/slab.js';
import { FORWARDED } from '../../shared-heap/simulated-memory.js';
import type { RcuLayout } from '../../shared-heap/rcu.js';
import { ARANGE_64, ARANGE_GAPS_AT, ARANGE_SLOTS_AT, LAST_WORD, PIVOTS, RANGE_SLOTS_AT } from '../../tree/layout.js';

export interface TraceRow {
  step: number;
  thread: string;
  op: string;
  access: string;
  where: string;
  value: string;
  readFrom: string;
}

/**
 * A word's name: node id and field (parent, meta, piv3, slot5, gap2), the fields depending on the
 * node's type when the trace shows it (`types`: node id -> type, from the node references it
 * carries); otherwise the word index. RCU words (when `rcu` says where they are) by their role.
 */
export function wordName(addr: number, types: ReadonlyMap<number, number> = new Map(), rcu?: RcuLayout): string {
  if (addr < 0) return '';
  const rcuName = rcu?.name(addr) ?? null;
  if (rcuName !== null) return rcuName;
  const node = Math.floor(addr / NODE_WORDS);
  const word = addr % NODE_WORDS;
  if (node === 0) return word === 0 ? 'root' : `header w${word}`;
  return `n${node}.${fieldName(word, types.get(node))}`;
}

function fieldName(word: number, type: number | undefined): string {
  if (word === 0) return 'parent';
  if (word === 1) return 'meta';
  if (type === undefined || word > LAST_WORD) return `w${word}`;
  if (type === ARANGE_64) {
    if (word < ARANGE_SLOTS_AT) return `piv${word - PIVOTS}`;
    if (word < ARANGE_GAPS_AT) return `slot${word - ARANGE_SLOTS_AT}`;
    return `gap${word - ARANGE_GAPS_AT}`;
  }
  return word < RANGE_SLOTS_AT ? `piv${word - PIVOTS}` : `slot${word - RANGE_SLOTS_AT}`;
}

/** Node types learnt from the node references (id << 4 | type << 2 | 2) the trace's values carry. */
export function nodeTypes(trace: readonly TraceEvent[]): Map<number, number> {
  const types = new Map<number, number>();
  for (const e of trace) {
    if ((e.kind === 'deref' || e.kind === 'publish') && (e.value & 3) === 2 && e.value >>> 4 > 0) {
      types.set(e.value >>> 4, (e.value >>> 2) & 3);
    }
  }
  return types;
}

function hex(v: number): string {
  return v < 4096 ? String(v) : `0x${(v >>> 0).toString(16)}`;
}

export function toRow(e: TraceEvent, types: ReadonlyMap<number, number> = new Map(), rcu?: RcuLayout): TraceRow {
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
    where: wordName(e.addr, types, rcu),
    value: e.addr < 0 ? '' : hex(e.value),
    readFrom,
  };
}

/** The rows of the last `lines` events up to and including the violation marker. */
export function traceWindow(trace: readonly TraceEvent[], violationAt: number | undefined, lines: number, rcu?: RcuLayout): TraceRow[] {
  const end = violationAt === undefined ? trace.length : violationAt + 1;
  const types = nodeTypes(trace.slice(0, end));
  return trace.slice(Math.max(0, end - lines), end).map((e) => toRow(e, types, rcu));
}

export function formatTraceTable(rows: readonly TraceRow[]): string {
  const head: TraceRow = { step: -1, thread: 'thread', op: 'operation', access: 'access', where: 'node.word', value: 'value', readFrom: 'read from / barrier' };
  const cells = [head, ...rows].map((r) => [r === head ? 'step' : String(r.step), r.thread, r.op, r.access, r.where, r.value, r.readFrom]);
  const widths = cells[0].map((_, c) => Math.min(c === 2 ? 34 : 24, Math.max(...cells.map((row) => row[c].length))));
  return cells
    .map((row) => row.map((cell, c) => (cell.length > widths[c] ? cell.slice(0, widths[c] - 1) + '~' : cell.padEnd(widths[c]))).join('  ').trimEnd())
    .join('\n');
}
