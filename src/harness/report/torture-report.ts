/**
 * The sections of a torture report: configuration, summary, throughput per mode, the cell table,
 * the catalog score, shards, and the cells in detail (failing ones with every chart, violations,
 * and trace; passing threads cells with their throughput chart).
 */
import type { RunResult } from '../types.js';
import type { ExploreResult } from '../sim/explore.js';
import type { KernelExploreResult } from '../sim/kernel/kernel-explore.js';
import { barChart, chartFigure } from './charts.js';
import type { BarRow } from './charts.js';
import { badge, command, configTable, fields, heading, html, num, seconds, table } from './html.js';
import type { Html, Part } from './html.js';
import { exploreProblems, kernelExploreProblems, looksLikeStress, stressProblems } from './load.js';
import { failureSections } from './explore-report.js';
import { kernelFailureSection } from './kernel-explore-report.js';
import { stressCharts, stressSections } from './stress-report.js';
import type { TortureCellShape, TortureResultShape } from './torture-shape.js';
import { violationList } from './violations.js';

/** Passing threads cells that get a throughput chart of their own (the rest: the table only). */
const PASSING_CHARTS = 24;

const STATUS_COLORS = { reader: '#1f77b4', writer: '#ff7f0e', schedules: '#2ca02c' };

function stressResult(cell: TortureCellShape): RunResult | null {
  return looksLikeStress(cell.result) && stressProblems(cell.result).length === 0 ? (cell.result as RunResult) : null;
}

function exploreResult(cell: TortureCellShape): ExploreResult | null {
  const r = cell.result as { kind?: unknown } | undefined;
  return r?.kind === 'explore' && exploreProblems(r).length === 0 ? (cell.result as ExploreResult) : null;
}

/** A kernel simulator cell's exploration, when it failed (its failure is drawn in full). */
function kernelFailure(cell: TortureCellShape): KernelExploreResult | null {
  const r = cell.result as { kind?: unknown; failure?: unknown } | undefined;
  return r?.kind === 'explore-kernel' && r.failure !== undefined && kernelExploreProblems(r).length === 0 ? (cell.result as KernelExploreResult) : null;
}

/** An element id for a cell (ids are free text: keep letters, digits, '-' and '_'). */
function anchor(c: TortureCellShape): string {
  return `cell-${c.id.replace(/[^A-Za-z0-9_-]+/g, '-')}`;
}

function violationCount(cell: TortureCellShape): number {
  return cell.violationCount ?? cell.violations.length;
}

function failing(cell: TortureCellShape): boolean {
  return cell.status === 'failed' || cell.status === 'error' || violationCount(cell) > 0;
}

export function tortureVerdict(r: TortureResultShape): Html {
  const bad = r.summary.failed + (r.summary.errors ?? 0);
  return bad === 0 ? badge('all cells passed', 'passed') : badge(`${bad} cell${bad === 1 ? '' : 's'} failed`, 'failed');
}

/** One bar chart per mode: reader and writer ops/s per threads cell, schedules/s per simulator cell. */
async function modeCharts(r: TortureResultShape, level: number): Promise<Html> {
  const ran = r.cells.filter((c) => c.status !== 'skipped' && c.elapsedMs > 0);
  const threads = ran.filter((c) => c.mode === 'threads');
  const sim = ran.filter((c) => c.mode === 'simulator');
  const parts: Html[] = [heading(level, 'Throughput per mode')];
  if (threads.length === 0 && sim.length === 0) parts.push(html`<p class="note">no cell ran</p>`);
  if (threads.length > 0) {
    const rows: BarRow[] = threads.flatMap((c) => [
      { label: c.id, series: 'reader ops/s', value: c.readerOps / (c.elapsedMs / 1000) },
      { label: c.id, series: 'writer ops/s', value: c.writerOps / (c.elapsedMs / 1000) },
    ]);
    parts.push(await chartFigure(barChart({
      title: 'Threads cells: operations per second',
      description: 'Reader and writer operations per second of each real-thread cell',
      xTitle: 'operations per second (reader + writer, stacked)',
      yTitle: 'cell',
      seriesTitle: 'threads',
      rows,
      series: ['reader ops/s', 'writer ops/s'],
      colors: [STATUS_COLORS.reader, STATUS_COLORS.writer],
    }), rows.length, 'no threads cell ran'));
  }
  if (sim.length > 0) {
    const rows: BarRow[] = sim.map((c) => ({ label: c.id, series: 'schedules/s', value: (c.schedules ?? 0) / (c.elapsedMs / 1000) }));
    parts.push(await chartFigure(barChart({
      title: 'Simulator cells: schedules per second',
      description: 'Schedules per second of each simulator cell',
      xTitle: 'schedules per second',
      yTitle: 'cell',
      seriesTitle: 'measure',
      rows,
      series: ['schedules/s'],
      colors: [STATUS_COLORS.schedules],
    }), rows.length, 'no simulator cell ran'));
  }
  return html`${parts}`;
}

/** The cells shown in detail: every failing one, and the first passing threads cells. */
function detailed(r: TortureResultShape): { bad: TortureCellShape[]; passing: TortureCellShape[]; more: number } {
  const bad = r.cells.filter(failing);
  const passing = r.cells.filter((c) => !failing(c) && stressResult(c) !== null);
  return { bad, passing: passing.slice(0, PASSING_CHARTS), more: Math.max(0, passing.length - PASSING_CHARTS) };
}

function cellTable(r: TortureResultShape, linked: ReadonlySet<TortureCellShape>): Html {
  const rows = r.cells.map((c): Part[] => [
    linked.has(c) ? html`<a href="#${anchor(c)}">${c.id}</a>` : c.id,
    c.mode,
    c.workload,
    num(c.readers),
    String(c.seed),
    badge(c.status, c.status),
    num(c.readerOps),
    num(c.writerOps),
    c.schedules !== undefined ? num(c.schedules) : '-',
    `${seconds(c.elapsedMs)} / ${seconds(c.budgetMs)}`,
    num(violationCount(c)),
    html`<code>${c.replay}</code>`,
  ]);
  return table(['cell', 'mode', 'workload', 'readers', 'seed', 'status', 'reader ops', 'writer ops', 'schedules', 'time / budget', 'violations', 'rerun / replay'], rows, 'cells', [3, 6, 7, 8, 10]);
}

function catalogTable(r: TortureResultShape): Html {
  const scores = r.catalog ?? [];
  const detected = scores.filter((s) => s.detected).length;
  const rows = scores.map((s): Part[] => [
    s.bug,
    s.mode,
    s.workload ?? '-',
    s.detected ? badge('detected', 'detected') : badge('missed', 'missed'),
    s.secondsToDetect !== undefined ? `${num(s.secondsToDetect, 3)} s${s.secondsToDetectMax !== undefined ? ` (max ${num(s.secondsToDetectMax, 3)} s)` : ''}` : '-',
    s.runs !== undefined ? `${num(s.detections ?? 0)} / ${num(s.runs)}` : '-',
    seconds(s.budgetMs),
    s.violationKind ?? '-',
    s.replay ? html`<code>${s.replay}</code>` : '-',
  ]);
  return html`<p>${detected} of ${scores.length} catalog bugs detected.</p>${table(['bug', 'mode', 'workload', 'detected', 'time to detect', 'detections / runs', 'budget', 'violation', 'rerun / replay'], rows, 'cells catalog')}`;
}

async function cellDetail(c: TortureCellShape, level: number, full: boolean): Promise<Html> {
  const run = stressResult(c);
  const explored = exploreResult(c);
  const parts: Html[] = [heading(level, `Cell ${c.id} (${c.status})`, anchor(c))];
  parts.push(html`<p>${c.mode} mode, workload ${c.workload}, ${c.readers} readers, seed ${c.seed}${c.bug ? `, bug ${c.bug}` : ''}${c.stoppedBy ? `, stopped by ${c.stoppedBy}` : ''}, ${seconds(c.elapsedMs)} of ${seconds(c.budgetMs)}.</p>`);
  if (c.replay) parts.push(html`<p>Rerun / replay:</p>${command(c.replay)}`);
  if (c.error) parts.push(html`<p><strong>Internal error:</strong></p><pre class="cmd"><code>${c.error}</code></pre>`);
  const kernelFailed = kernelFailure(c);
  if (full && kernelFailed?.failure) {
    parts.push(kernelFailureSection(kernelFailed.config, kernelFailed.failure, level + 1));
  } else if (full) {
    if (c.violations.length > 0 || violationCount(c) > 0) {
      const how = c.mode === 'threads' ? { rerun: c.replay } : { replay: c.replay };
      parts.push(violationList(c.violations, { ...how, level: level + 1 }));
      if (violationCount(c) > c.violations.length) parts.push(html`<p class="note">${violationCount(c) - c.violations.length} more violations in the cell's result.</p>`);
    }
    if (run) parts.push(await stressSections(run, { level: level + 1, charts: 'all', config: false, violations: false }));
    if (explored?.failure) parts.push(failureSections(explored.failure, level + 1));
  } else if (run) {
    parts.push(await stressCharts(run, 'throughput', level + 1));
  }
  return html`${parts}`;
}

async function cellDetails(r: TortureResultShape, level: number): Promise<Html> {
  const { bad, passing, more } = detailed(r);
  const parts: Html[] = [];
  parts.push(heading(level, `Failing cells and cells with violations (${bad.length})`));
  if (bad.length === 0) parts.push(html`<p>None.</p>`);
  for (const c of bad) parts.push(await cellDetail(c, level + 1, true));
  if (passing.length > 0) {
    parts.push(heading(level, `Passing threads cells (${passing.length + more})`));
    for (const c of passing) parts.push(await cellDetail(c, level + 1, false));
    if (more > 0) parts.push(html`<p class="note">${more} more passing cells: see the cell table.</p>`);
  }
  return html`${parts}`;
}

export async function torturePage(r: TortureResultShape): Promise<{ title: string; body: Html }> {
  const s = r.summary;
  const parts: Html[] = [];
  parts.push(html`<h1>maple-torture torture run</h1><p class="sub">${r.runId} &middot; started ${r.startedAt ?? '-'} &middot; ${r.tool?.name ?? 'maple-torture'} ${r.tool?.version ?? ''} on Node ${r.tool?.node ?? '-'} &middot; ${tortureVerdict(r)}</p>`);
  parts.push(heading(2, 'Configuration'));
  parts.push(html`<p>Master seed <strong>${String(r.config.seed)}</strong>, budget ${seconds(r.config.budgetMs)}${r.config.shard ? `, shard ${r.config.shard.index} of ${r.config.shard.count}` : ''}.</p>`);
  parts.push(configTable(r.config));
  if (r.rerun) parts.push(html`<p>Rerun:</p>${command(r.rerun)}`);
  parts.push(heading(2, 'Summary'));
  parts.push(fields([
    ['verdict', tortureVerdict(r)],
    ['stopped by', r.stoppedBy],
    ['elapsed', seconds(r.elapsedMs)],
    ['cells', num(s.cells)],
    ['passed', num(s.passed)],
    ['failed', num(s.failed)],
    ['errors', num(s.errors ?? 0)],
    ['skipped', num(s.skipped)],
    ['violations', num(s.violations)],
  ]));
  if (r.warnings && r.warnings.length > 0) parts.push(html`<p><strong>Warnings:</strong></p><ul>${r.warnings.map((w) => html`<li>${w}</li>`)}</ul>`);
  parts.push(await modeCharts(r, 2));
  parts.push(heading(2, `Cells (${r.cells.length})`));
  const { bad, passing } = detailed(r);
  parts.push(cellTable(r, new Set([...bad, ...passing])));
  if (r.catalog) {
    parts.push(heading(2, 'Catalog score'));
    parts.push(catalogTable(r));
  }
  if (r.shards && r.shards.length > 0) {
    parts.push(heading(2, 'Shards'));
    parts.push(table(['shard', 'file', 'run'], r.shards.map((x) => [`${x.shard.index} of ${x.shard.count}`, x.file, x.runId])));
  }
  parts.push(await cellDetails(r, 2));
  return { title: `maple-torture torture run ${r.runId}`, body: html`${parts}` };
}
