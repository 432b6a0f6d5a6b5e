/** The sections of a stress run's report: configuration, totals, charts over time, tree, threads, violations. */
import type { RunResult, ThreadSummary } from '../types.js';
import { chartFigure, lineChart } from './charts.js';
import { badge, command, configTable, fields, heading, html, num, rate, seconds, table } from './html.js';
import type { Html } from './html.js';
import { EVENT_SERIES, GRACE_SERIES, eventPoints, gracePeriodPoints, stressSeries, throughputPoints } from './stress-series.js';
import { violationList } from './violations.js';
import { inPlaceText } from '../report-text.js';

export interface StressSectionOptions {
  /** Heading level of the sections (2 on a page of its own). */
  level: number;
  /** Every chart, or the throughput chart only. */
  charts: 'all' | 'throughput';
  /** Configuration and rerun command. */
  config: boolean;
  violations: boolean;
}

const EMPTY = 'nothing to draw: the run recorded no timeline sample and no final counts';

/** The charts over time: throughput per thread; re-walks and discarded taint; grace periods. */
export async function stressCharts(run: RunResult, which: 'all' | 'throughput', level: number): Promise<Html> {
  const s = stressSeries(run);
  const tp = throughputPoints(s);
  const xMax = s.samples[s.samples.length - 1].ms / 1000;
  const parts: Html[] = [];
  parts.push(heading(level, 'Throughput over time'));
  if (s.legacy) parts.push(html`<p class="note">This file predates per-thread timeline samples: the readers are shown as one total.</p>`);
  parts.push(await chartFigure(lineChart({
    title: s.perThread ? 'Operations per second, per thread' : 'Operations per second: readers (all) and writer',
    description: `Throughput of each thread over the run ${run.runId}`,
    yTitle: 'operations per second',
    seriesTitle: 'thread',
    points: tp,
    series: s.names,
    xMax,
  }), tp.length, EMPTY));
  if (which === 'all') {
    const ev = eventPoints(s);
    parts.push(heading(level, 'Re-walks and discarded taint over time'));
    parts.push(await chartFigure(lineChart({
      title: 'Re-walks and discarded taint (cumulative)',
      description: 'Reader re-walks after a dead node, and tainted reads the dead checks discarded',
      yTitle: 'count since the start',
      seriesTitle: 'event',
      points: ev,
      series: EVENT_SERIES,
      xMax,
    }), s.samples.length > 1 ? ev.length : 0, EMPTY));
    const gp = gracePeriodPoints(s);
    parts.push(heading(level, 'Grace periods over time'));
    parts.push(await chartFigure(lineChart({
      title: 'RCU grace periods completed per second',
      description: 'Grace periods the writer completed per second',
      yTitle: 'grace periods per second',
      seriesTitle: 'measure',
      points: gp,
      series: GRACE_SERIES,
      xMax,
      height: 180,
    }), gp.length, EMPTY));
  }
  return html`${parts}`;
}

function latency(t: ThreadSummary): string {
  const l = t.latency;
  if (!l) return '-';
  const us = (ns: number): string => `${(ns / 1000).toFixed(1)}`;
  return `${us(l.p50Ns)} / ${us(l.p99Ns)} / ${us(l.p999Ns)} / ${us(l.maxNs)}`;
}

function threadTable(run: RunResult): Html {
  const rows = run.threads.map((t) => [t.thread, num(t.ops), rate(t.ops, run.elapsedMs), num(t.rewalks), num(t.discardedTaint), num(t.checks), latency(t)]);
  return table(['thread', 'ops', 'ops/s', 're-walks', 'taint discarded', 'checks', 'latency p50 / p99 / p99.9 / max (us)'], rows, 'threads', [1, 2, 3, 4, 5]);
}

function writerDetails(run: RunResult, level: number): Html {
  const w = run.threads.find((t) => t.thread === 'writer');
  if (!w) return html``;
  const pairs: Array<readonly [string, string]> = [];
  if (w.versions !== undefined) pairs.push(['versions logged', num(w.versions)]);
  if (w.gracePeriods !== undefined) pairs.push(['grace periods', num(w.gracePeriods)]);
  if (w.deadNodes !== undefined) pairs.push(['dead nodes', num(w.deadNodes)]);
  if (w.firstNodePublishes) pairs.push(['first nodes published (publish pause)', `${num(w.firstNodePublishes.published)}, ${num(w.firstNodePublishes.seenByReader)} seen by a reader's section`]);
  if (w.barriers) pairs.push(['barriers (free path)', `smp_wmb ${num(w.barriers.wmb)}, smp_rmb ${num(w.barriers.rmb)}, smp_mb ${num(w.barriers.mb)}, publish ${num(w.barriers.publish)}`]);
  if (w.inPlaceWrites) pairs.push(['in-place stores the write policy allowed', inPlaceText(w.inPlaceWrites)]);
  const kinds = Object.entries(w.writeKinds ?? {});
  if (pairs.length === 0 && kinds.length === 0) return html``;
  return html`${heading(level, 'Writer')}${fields(pairs)}${kinds.length > 0 ? table(['write path', 'count'], kinds.map(([k, n]) => [k, num(n)]), 'kinds', [1]) : ''}`;
}

export function verdict(run: RunResult): Html {
  const n = run.violations.length;
  return n === 0 ? badge('clean', 'clean') : badge(`${n} violation${n === 1 ? '' : 's'}`, 'violation');
}

/** The body of a stress report (without the page's title). */
export async function stressSections(run: RunResult, o: StressSectionOptions): Promise<Html> {
  const t = run.totals;
  const parts: Html[] = [];
  if (o.config) {
    parts.push(heading(o.level, 'Configuration'));
    parts.push(html`<p>Seed <strong>${run.config.seed}</strong>, workload <strong>${run.config.workload}</strong>, ${run.config.readers} readers + 1 writer, bugs: ${run.config.bugs?.length ? run.config.bugs.join(', ') : 'none (the correct build)'}.</p>`);
    parts.push(configTable(run.config));
    if (run.rerun) parts.push(html`<p>Rerun:</p>${command(run.rerun)}`);
  }
  parts.push(heading(o.level, 'Summary'));
  parts.push(fields([
    ['verdict', verdict(run)],
    ['stopped by', run.stoppedBy ?? '-'],
    ['elapsed', seconds(run.elapsedMs)],
    ['reader ops', `${num(t.readerOps)} (${rate(t.readerOps, run.elapsedMs)})`],
    ['writer ops', `${num(t.writerOps)} (${rate(t.writerOps, run.elapsedMs)})`],
    ['re-walks', num(t.rewalks)],
    ['taint discarded by the dead checks', num(t.discardedTaint)],
    ['grace periods', num(t.gracePeriods)],
  ]));
  parts.push(await stressCharts(run, o.charts, o.level));
  parts.push(heading(o.level, 'Tree at the end'));
  parts.push(table(['height', 'nodes', 'entries', 'fill'], [[num(run.tree.height), num(run.tree.nodes), num(run.tree.entries), `${num(run.tree.fill * 100, 1)}%`]], 'tree', [0, 1, 2, 3]));
  parts.push(heading(o.level, 'Threads'));
  parts.push(threadTable(run));
  parts.push(writerDetails(run, o.level + 1));
  if (o.violations) {
    parts.push(heading(o.level, `Violations (${run.violations.length})`));
    parts.push(violationList(run.violations, { rerun: run.rerun || undefined, level: o.level + 1 }));
  }
  return html`${parts}`;
}

export async function stressPage(run: RunResult): Promise<{ title: string; body: Html }> {
  const title = `maple-torture stress run ${run.runId}`;
  const head = html`<h1>maple-torture stress run</h1><p class="sub">${run.runId} &middot; started ${run.startedAt ?? '-'} &middot; ${run.tool?.name ?? 'maple-torture'} ${run.tool?.version ?? ''} on Node ${run.tool?.node ?? '-'} &middot; ${verdict(run)}</p>`;
  const body = await stressSections(run, { level: 2, charts: 'all', config: true, violations: true });
  return { title, body: html`${head}${body}` };
}
