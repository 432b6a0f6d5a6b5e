/** Text for `npm run torture` and `npm run merge`: progress lines, violation reports, markdown tables. */
import { humanRate } from '../status.js';
import type { Violation } from '../types.js';
import { budgetText } from './matrix.js';
import type { PlannedCell } from './matrix.js';
import type { CatalogScore, TortureCell, TortureResult } from './types.js';
import { findBug } from '../catalog.js';

const EXPECTED_SHOWN = 8;

/** A violation in full: kind, thread, op, seen, expected, window, nodes, detail. */
export function violationLines(v: Violation): string[] {
  const lines = [`${v.kind} in ${v.thread}: ${v.op}`, `  seen:      ${v.seen}`];
  if (v.expected.length > 0) {
    lines.push(`  expected:  ${v.expected[0]}`);
    for (const e of v.expected.slice(1, EXPECTED_SHOWN)) lines.push(`             ${e}`);
    if (v.expected.length > EXPECTED_SHOWN) lines.push(`             ... and ${v.expected.length - EXPECTED_SHOWN} more`);
  }
  if (v.window) lines.push(`  window:    versions [${v.window[0]}, ${v.window[1]}]`);
  if (v.nodes) lines.push(`  nodes:     ${v.nodes}`);
  if (v.detail) lines.push(`  detail:    ${v.detail}`);
  return lines;
}

/** 'replay' for a command that repeats a run exactly (a replay token, a kernel schedule's seed), else 'rerun'. */
export function replayLabel(command: string): 'replay' | 'rerun' {
  return / --replay(-seed)? /.test(command) ? 'replay' : 'rerun';
}

/** One line: what a failing cell found (for a JUnit message). */
export function failureHeadline(cell: TortureCell): string {
  if (cell.status === 'error') return `internal failure: ${(cell.error ?? 'unknown').split('\n')[0]}`;
  if (cell.bug !== undefined && cell.status === 'failed') return `missed: ${cell.bug} was not detected in ${(cell.elapsedMs / 1000).toFixed(1)} s (${cell.mode})`;
  const v = cell.violations[0];
  if (!v) return `${cell.status}`;
  const more = (cell.violationCount ?? cell.violations.length) - 1;
  return `${v.kind} in ${v.thread}: ${v.op}${more > 0 ? ` (and ${more} more)` : ''}`;
}

/** The full report of a failing (or error) cell: every kept violation, then the rerun command. */
export function cellReport(cell: TortureCell): string {
  const lines: string[] = [];
  const where = `${cell.shard !== undefined ? `shard ${cell.shard} ` : ''}${cell.id}`;
  if (cell.status === 'error') {
    lines.push(`ERROR ${where}: ${cell.error ?? 'unknown'}`);
  } else if (cell.bug !== undefined && cell.status === 'failed') {
    lines.push(`MISSED ${where}: ${cell.bug} not detected within ${(cell.elapsedMs / 1000).toFixed(1)} s (budget ${budgetText(cell.budgetMs)}, seed ${cell.seed})`);
  } else {
    const total = cell.violationCount ?? cell.violations.length;
    lines.push(`VIOLATION in ${where} (seed ${cell.seed}, ${cell.mode}, ${cell.workload}, ${cell.readers} readers)${total > cell.violations.length ? `: first ${cell.violations.length} of ${total}` : ''}`);
    cell.violations.forEach((v, i) => {
      const [head, ...rest] = violationLines(v);
      lines.push(`  ${i + 1}. ${head}`, ...rest.map((l) => `   ${l}`));
    });
  }
  lines.push(`  ${replayLabel(cell.replay)}:    ${cell.replay}`);
  return lines.join('\n');
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

/** "3.21M reads, 410k writes" or "12.3k schedules". */
export function opsText(cell: TortureCell): string {
  if (cell.status === 'skipped' && cell.elapsedMs === 0) return '-';
  if (cell.mode === 'simulator') return `${humanRate(cell.schedules ?? 0)} schedules`;
  return `${humanRate(cell.readerOps)} reads, ${humanRate(cell.writerOps)} writes`;
}

export function verdictText(cell: TortureCell): string {
  if (cell.bug !== undefined) {
    if (cell.status === 'passed') return `detected (${cell.violations[0]?.kind ?? '?'})`;
    if (cell.status === 'failed') return 'MISSED';
  }
  if (cell.status === 'failed') return `FAILED (${cell.violations[0]?.kind ?? '?'})`;
  if (cell.status === 'error') return 'ERROR';
  return cell.status;
}

export function cellStartLine(cell: PlannedCell, position: number, total: number): string {
  const w = String(total).length;
  return `[${String(position).padStart(w)}/${total}] ${cell.id}: seed ${cell.seed}, ${budgetText(cell.budgetMs)}${cell.bug !== undefined ? `, bug ${cell.bug}` : ''}`;
}

/**
 * Time to the first violation of a cell that caught its bug. A replica simulator cell's elapsed
 * time also holds the shrinking of the failing schedule (seconds, against milliseconds to find
 * it), so the explorer's own secondsToDetect is taken; the kernel explorer does not shrink, and
 * its failure.seconds is its elapsed time at the failure.
 */
export function secondsToDetect(cell: TortureCell): number {
  if (cell.mode === 'simulator') {
    const r = cell.result as { secondsToDetect?: number; failure?: { seconds?: number } } | undefined;
    const s = r?.secondsToDetect ?? r?.failure?.seconds;
    if (s !== undefined) return s;
  }
  return cell.elapsedMs / 1000;
}

export function cellEndLine(cell: TortureCell, position: number, total: number): string {
  const w = String(total).length;
  const extra = cell.mode === 'threads' ? `, re-walks ${cell.rewalks ?? 0}` : `, ${humanRate(cell.readerOps)} reader ops`;
  let after = seconds(cell.elapsedMs);
  const notes: string[] = [];
  if (cell.mode === 'simulator' && cell.bug !== undefined && cell.status === 'passed') {
    // Detected: when (as the score has it), then the cell's elapsed time, which holds the shrink.
    const detectMs = secondsToDetect(cell) * 1000;
    if (cell.elapsedMs - detectMs >= 300) {
      after = `${(detectMs / 1000).toFixed(2)} s`;
      notes.push(`${seconds(cell.elapsedMs)} with the shrink`);
    }
  }
  if (cell.wallMs !== undefined && cell.wallMs - cell.elapsedMs >= 300) notes.push(`${seconds(cell.wallMs)} with start-up and checks`);
  if (notes.length > 0) after += ` (${notes.join(', ')})`;
  if (cell.skipReason !== undefined) return `[${String(position).padStart(w)}/${total}] ${cell.id}: skipped: ${cell.skipReason}`;
  const known = Object.entries(cell.known ?? {}).map(([name, n]) => `, known finding ${name} x${n}`).join('');
  const kernel = cell.kernel !== undefined ? ` [kernel ${cell.kernel.version}, sha256 ${cell.kernel.sourceHash.slice(0, 12)}]` : '';
  return `[${String(position).padStart(w)}/${total}] ${cell.id}: ${verdictText(cell)} after ${after}, ${opsText(cell)}${extra}${known}${kernel}`;
}

/** A markdown table, columns padded so it also reads as plain text. */
export function markdownTable(header: string[], rows: string[][]): string {
  const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const all = [header, ...rows].map((r) => r.map(esc));
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]): string => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i])).join(' | ')} |`;
  return [line(all[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...all.slice(1).map(line)].join('\n');
}

/** cell, mode, seed, time, ops or schedules, verdict (and the shard, for merged results). */
export function summaryTable(result: Pick<TortureResult, 'cells'>): string {
  const merged = result.cells.some((c) => c.shard !== undefined);
  const header = [...(merged ? ['shard'] : []), 'cell', 'mode', 'seed', 'time', 'ops or schedules', 'verdict'];
  const rows = result.cells.map((c) => [...(merged ? [String(c.shard ?? '')] : []), c.id, c.mode, String(c.seed), c.status === 'skipped' && !c.wallMs ? '-' : seconds(c.wallMs ?? c.elapsedMs), opsText(c), verdictText(c)]);
  return markdownTable(header, rows);
}

/** bug, mode, workload, detected, time to detect, caught as, budget (and detections, merged). */
export function catalogTable(scores: readonly CatalogScore[]): string {
  const merged = scores.some((s) => s.runs !== undefined);
  const header = ['bug', 'mode', 'workload', 'detected', 'time to detect', 'caught as', 'budget', ...(merged ? ['detections', 'slowest'] : [])];
  const rows = scores.map((s) => [
    s.bug,
    s.mode,
    s.workload,
    s.detected ? 'yes' : 'NO',
    s.secondsToDetect !== undefined ? `${s.secondsToDetect.toFixed(2)} s` : '-',
    caughtAs(s),
    budgetText(s.budgetMs),
    ...(merged ? [`${s.detections ?? 0}/${s.runs ?? 0}`, s.secondsToDetectMax !== undefined ? `${s.secondsToDetectMax.toFixed(2)} s` : '-'] : []),
  ]);
  return markdownTable(header, rows);
}

/**
 * The kind that caught the bug, and the catalog's kind when this run's first violation was another
 * (which kind comes first can depend on timing: README, "Torture runs and CI"). The kernel
 * catalog names no kind (its `expected` is prose), so a kernel bug shows its kind alone.
 */
function caughtAs(s: CatalogScore): string {
  if (s.violationKind === undefined) return '-';
  const expected = s.tree === 'kernel' ? undefined : findBug(s.bug)?.kind;
  return expected === undefined || expected === s.violationKind ? s.violationKind : `${s.violationKind} (catalog: ${expected})`;
}

export function totalsLine(result: Pick<TortureResult, 'summary' | 'elapsedMs'>): string {
  const s = result.summary;
  return `${s.cells} cells: ${s.passed} passed, ${s.failed} failed, ${s.skipped} skipped${s.errors ? `, ${s.errors} errors` : ''}; ${s.violations} violations; ${seconds(result.elapsedMs)}`;
}

/** The markdown block for a CI job summary. */
export function markdownSummary(result: TortureResult, title: string): string {
  const parts = [`### ${title}`, '', totalsLine(result), ''];
  if (result.catalog) parts.push(catalogTable(result.catalog), '');
  else if (result.cells.some((c) => c.shard !== undefined)) parts.push(crossShardTable(result), '');
  else parts.push(summaryTable(result), '');
  const bad = result.cells.filter((c) => c.status === 'failed' || c.status === 'error');
  if (bad.length > 0) {
    parts.push('<details><summary>failing cells</summary>', '', '```text', ...bad.map(cellReport), '```', '', '</details>', '');
  }
  return parts.join('\n');
}

/** Merged results: one row per cell id, one column per shard with its verdict. */
export function crossShardTable(result: Pick<TortureResult, 'cells'>): string {
  const shards = [...new Set(result.cells.map((c) => c.shard ?? 0))].sort((a, b) => a - b);
  const ids: string[] = [];
  const at = new Map<string, TortureCell>();
  for (const c of result.cells) {
    if (!ids.includes(c.id)) ids.push(c.id);
    at.set(`${c.id}@${c.shard ?? 0}`, c);
  }
  const rows = ids.map((id) => [id, ...shards.map((s) => {
    const c = at.get(`${id}@${s}`);
    return c ? verdictText(c) : '-';
  })]);
  return markdownTable(['cell', ...shards.map((s) => `shard ${s}`)], rows);
}
