/**
 * Chart specifications (vega-lite) for the reports, and their rendering to SVG at report time:
 * vega-lite compiles a spec to vega, vega renders it headless (no canvas, no browser) to an SVG
 * string that the page inlines.
 */
import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { esc, html, raw } from './html.js';
import type { Html } from './html.js';

/** One point of a series: `t` seconds since the threads started. */
export interface SeriesPoint {
  t: number;
  series: string;
  value: number;
}

/** One bar (or one segment of a stacked bar). */
export interface BarRow {
  label: string;
  series: string;
  value: number;
}

const WIDTH = 640;

/** Readable at the page's size: larger labels than vega's defaults, legend below the plot. */
const CONFIG = {
  font: 'DejaVu Sans, Helvetica, Arial, sans-serif',
  background: 'white',
  padding: 8,
  title: { fontSize: 15, anchor: 'start', offset: 10 },
  axis: { labelFontSize: 12, titleFontSize: 12, titlePadding: 8, gridColor: '#e8e8e8' },
  legend: { labelFontSize: 12, titleFontSize: 12, orient: 'bottom', direction: 'horizontal', symbolStrokeWidth: 3 },
  view: { stroke: '#cccccc' },
} as const;

/** Axis labels: 1.5k, 2.3M above a thousand; plain numbers (no SI milli) below. */
const LABEL_EXPR = "abs(datum.value) >= 1000 ? format(datum.value, '.3~s') : format(datum.value, '~g')";

export interface LineChartOptions {
  title: string;
  /** The SVG's aria-label (what a screen reader says). */
  description: string;
  yTitle: string;
  seriesTitle: string;
  points: SeriesPoint[];
  /** Series in legend (and colour) order. */
  series: string[];
  xTitle?: string;
  /** The x axis runs from 0 to this (seconds); default: the largest t. */
  xMax?: number;
  height?: number;
}

/** Lines over time, one per series, with a point at every sample when there are few. */
export function lineChart(o: LineChartOptions): TopLevelSpec {
  const samples = o.points.length / Math.max(1, o.series.length);
  const xMax = o.xMax ?? o.points.reduce((m, p) => Math.max(m, p.t), 0);
  return {
    title: o.title,
    description: o.description,
    width: WIDTH,
    height: o.height ?? 220,
    data: { values: o.points },
    mark: { type: 'line', point: samples <= 60, strokeWidth: 2 },
    encoding: {
      x: {
        field: 't',
        type: 'quantitative',
        title: o.xTitle ?? 'seconds since the threads started',
        scale: xMax > 0 ? { domain: [0, xMax], nice: false } : {},
        axis: { labelExpr: LABEL_EXPR, tickCount: 10 },
      },
      y: { field: 'value', type: 'quantitative', title: o.yTitle, axis: { labelExpr: LABEL_EXPR } },
      color: {
        field: 'series',
        type: 'nominal',
        title: o.seriesTitle,
        sort: o.series,
        scale: { domain: o.series },
        // One series needs no legend: the title says what it is.
        legend: o.series.length > 1 ? {} : null,
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

export interface BarChartOptions {
  title: string;
  description: string;
  xTitle: string;
  yTitle: string;
  seriesTitle: string;
  rows: BarRow[];
  series: string[];
  /** Fixed colours per series, in `series` order. */
  colors?: string[];
}

/** Horizontal bars, one row per label (in the rows' order), stacked by series. */
export function barChart(o: BarChartOptions): TopLevelSpec {
  return {
    title: o.title,
    description: o.description,
    width: WIDTH - 120,
    height: { step: 20 },
    data: { values: o.rows },
    mark: { type: 'bar' },
    encoding: {
      y: { field: 'label', type: 'nominal', sort: null, title: o.yTitle, axis: { labelLimit: 280 } },
      x: { field: 'value', type: 'quantitative', stack: 'zero', title: o.xTitle, axis: { labelExpr: LABEL_EXPR } },
      color: {
        field: 'series',
        type: 'nominal',
        title: o.seriesTitle,
        sort: o.series,
        scale: o.colors ? { domain: o.series, range: o.colors } : { domain: o.series },
      },
    },
    config: CONFIG,
  } as TopLevelSpec;
}

/** Compiles and renders a vega-lite spec to an SVG string (no namespace URLs: it is inlined in HTML). */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    const svg = await view.toSVG();
    // Inline SVG in HTML needs no namespace declarations; dropping them keeps the page free of URLs.
    const label = typeof spec.description === 'string' ? ` aria-label="${esc(spec.description)}"` : '';
    return svg.replace(/^<svg([^>]*)>/, (_m, attrs: string) => `<svg${attrs.replace(/\s+xmlns(:xlink)?="[^"]*"/g, '').replace(/\s+version="[^"]*"/, '')} role="img"${label}>`);
  } finally {
    view.finalize();
  }
}

/** A chart in a figure, or a note when there is nothing to draw. */
export async function chartFigure(spec: TopLevelSpec, points: number, empty: string): Promise<Html> {
  if (points === 0) return html`<p class="note">${empty}</p>`;
  return html`<figure class="chart">${raw(await renderSvg(spec))}</figure>`;
}
