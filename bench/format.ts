// Plain-text table and ratio lines.
import type { TaskSummary } from './summary.js';
import type { Ratio } from './ratios.js';

function fmtInt(x: number | null): string {
  return x === null ? 'n/a' : Math.round(x).toLocaleString('en-US');
}
function fmtFixed(x: number | null, digits: number): string {
  return x === null ? 'n/a' : x.toFixed(digits);
}

export function formatTable(rows: TaskSummary[]): string {
  const header = ['task', 'unit', 'ops/s', 'mean ns', 'margin', 'p50 ns', 'p99 ns', 'samples', 'cpu%', 'state'];
  const body = rows.map((r) => [
    r.name,
    r.unit,
    fmtInt(r.opsPerSec),
    fmtFixed(r.meanNs, 1),
    r.rmePct === null ? 'n/a' : `±${r.rmePct.toFixed(2)}%`,
    fmtFixed(r.p50Ns, 1),
    fmtFixed(r.p99Ns, 1),
    r.samples === null ? 'n/a' : String(r.samples),
    r.cpuShare === undefined || r.cpuShare === null ? 'n/a' : `${Math.round(100 * r.cpuShare)}%`,
    r.state === 'completed' ? '' : r.state,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => row[c].length)));
  const leftAligned = new Set([0, 1, 9]);
  const line = (cells: string[]) =>
    cells.map((cell, c) => (leftAligned.has(c) ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const out = [line(header), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of body) out.push(line(row));
  for (const r of rows) if (r.error !== undefined) out.push(`  ! ${r.name}: ${r.error.split('\n').slice(0, 3).join(' | ')}`);
  return out.join('\n');
}

export function formatRatio(r: Ratio): string {
  // Where a target is judged: three decimals, rounded away from the target's side, so a value just
  // short of it never prints as meeting it.
  const digits = r.unit === 'x' ? (r.target === null ? 2 : 3) : 1;
  const scale = 10 ** digits;
  const shown = (v: number) =>
    (r.op === '>=' ? Math.floor(v * scale) / scale : r.op === '<=' ? Math.ceil(v * scale) / scale : v).toFixed(digits);
  const value = r.value === null ? 'n/a' : `${shown(r.value)}${r.unit === 'x' ? 'x' : ' B'}`;
  const target = r.target === null ? '' : `target ${r.op} ${r.target}${r.unit === 'x' ? 'x' : ' B'}`;
  let verdict = r.pass === null ? (r.na !== undefined ? `(${r.na})` : r.target === null ? '' : 'MISS (not measured)') : r.pass ? 'PASS' : 'MISS';
  if (r.contended && r.pass !== null) verdict += ' (contended: rerun on an idle machine)';
  const median = r.medianValue === undefined ? '' : `median ${r.medianValue === null ? 'n/a' : shown(r.medianValue) + 'x'}`;
  return `${r.label.padEnd(52)} ${value.padStart(8)}  ${median.padEnd(14)}  ${target.padEnd(16)} ${verdict}`.trimEnd();
}

/** Maple tree shape after each maple task, and the kinds of write each write task caused. */
export function formatMapleDetails(rows: TaskSummary[]): string[] {
  const out: string[] = [];
  const drift = rows.flatMap((r) =>
    r.mapleAfter !== undefined && !('error' in r.mapleAfter)
      ? [`${r.name.replace(/^maple /, '')} ${r.mapleAfter.liveNodes}/h${r.mapleAfter.height}`]
      : [],
  );
  if (drift.length > 0) out.push(`maple live nodes/height after each maple task: ${drift.join(', ')}`);
  for (const r of rows) {
    const k = r.writeKinds;
    if (k === undefined || k === null || Object.keys(k).length === 0) continue;
    const total = Object.values(k).reduce((a, b) => a + b, 0);
    const parts = Object.entries(k)
      .sort((a, b) => b[1] - a[1])
      .map(([name, v]) => `${name} ${((100 * v) / total).toFixed(1)}%`);
    out.push(`maple write kinds, ${r.name} (${total} writes incl. warmup and untimed undo): ${parts.join(', ')}`);
  }
  return out;
}
