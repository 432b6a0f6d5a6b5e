/**
 * JUnit XML of a torture result (one shard, or merged shards): one <testsuite> per mode (per
 * shard and mode when merged), one <testcase> per cell named by its id ('threads/random/r2') with
 * classname 'maple-torture.torture.shardK' ('maple-torture.catalog.shardK' with --catalog) and
 * its time in seconds. A failing cell carries <failure> with the violation report and the rerun
 * or replay command, a missed catalog bug <failure type="missed">, an internal error <error>, a
 * cell cut by Ctrl-C <skipped/>.
 */
import { hostname } from 'node:os';
import { cellReport, failureHeadline, opsText, replayLabel, secondsToDetect } from './format.js';
import type { TortureCell, TortureResult } from './types.js';

/** Characters XML 1.0 forbids (controls other than tab, newline, return; U+FFFE/F; lone surrogates). */
const INVALID = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/** Escape text content (and attribute values, with `attribute`: also quotes and whitespace kept as is). */
export function xmlEscape(text: string, attribute = false): string {
  let s = text.replace(INVALID, '\uFFFD').replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
  if (attribute) s = s.replace(/"/g, '&quot;').replace(/'/g, '&apos;').replace(/\n/g, '&#10;').replace(/\r/g, '&#13;').replace(/\t/g, '&#9;');
  return s;
}

function attrs(values: Record<string, string | number | undefined>): string {
  return Object.entries(values)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => ` ${k}="${xmlEscape(String(v), true)}"`)
    .join('');
}

const secs = (ms: number): string => (ms / 1000).toFixed(3);

/** JUnit's timestamp: ISO 8601 without fraction or zone (what the common schema accepts). */
function stamp(iso: string): string {
  return iso.replace(/\.\d+Z$/, '').replace(/Z$/, '');
}

function shardOf(cell: TortureCell, result: TortureResult): number {
  return cell.shard ?? result.config.shard.index;
}

function testcase(cell: TortureCell, result: TortureResult, indent: string): string {
  const classname = `maple-torture.${cell.bug !== undefined ? 'catalog' : 'torture'}.shard${shardOf(cell, result)}`;
  const open = `${indent}<testcase${attrs({ name: cell.id, classname, time: secs(cell.wallMs ?? cell.elapsedMs) })}`;
  const inner: string[] = [];
  const pad = indent + '  ';
  if (cell.status === 'failed') {
    const type = cell.bug !== undefined ? 'missed' : (cell.violations[0]?.kind ?? 'violation');
    inner.push(`${pad}<failure${attrs({ message: failureHeadline(cell), type })}>${xmlEscape(cellReport(cell))}</failure>`);
  } else if (cell.status === 'error') {
    inner.push(`${pad}<error${attrs({ message: failureHeadline(cell), type: 'internal' })}>${xmlEscape(cellReport(cell))}</error>`);
  } else if (cell.status === 'skipped') {
    const why = result.stoppedBy === 'signal' ? 'not run: stopped by SIGINT' : 'not run';
    inner.push(`${pad}<skipped${attrs({ message: cell.elapsedMs > 0 ? 'cut short by SIGINT' : why })}/>`);
  }
  if (cell.status !== 'skipped' || cell.elapsedMs > 0) {
    const out = [
      `seed ${cell.seed}, ${cell.mode}, ${cell.workload}, ${cell.readers} readers${cell.bug !== undefined ? `, bug ${cell.bug}` : ''}`,
      `${opsText(cell)}, ${cell.readerOps} reader ops, ${cell.writerOps} writer ops, re-walks ${cell.rewalks ?? 0}, violations ${cell.violationCount ?? cell.violations.length}`,
    ];
    if (cell.bug !== undefined && cell.status === 'passed') {
      const v = cell.violations[0];
      out.push(`detected after ${secondsToDetect(cell).toFixed(2)} s${v ? ` as ${v.kind} in ${v.thread}: ${v.op}` : ''}`);
    }
    out.push(`${replayLabel(cell.replay)}: ${cell.replay}`);
    inner.push(`${pad}<system-out>${xmlEscape(out.join('\n'))}</system-out>`);
  }
  return inner.length === 0 ? `${open}/>` : `${open}>\n${inner.join('\n')}\n${indent}</testcase>`;
}

interface Counts {
  tests: number;
  failures: number;
  errors: number;
  skipped: number;
  ms: number;
}

function counts(cells: readonly TortureCell[]): Counts {
  return {
    tests: cells.length,
    failures: cells.filter((c) => c.status === 'failed').length,
    errors: cells.filter((c) => c.status === 'error').length,
    skipped: cells.filter((c) => c.status === 'skipped').length,
    ms: cells.reduce((a, c) => a + (c.wallMs ?? c.elapsedMs), 0),
  };
}

/** The JUnit XML document. */
export function toJUnit(result: TortureResult): string {
  const merged = result.cells.some((c) => c.shard !== undefined);
  const groups = new Map<string, TortureCell[]>();
  for (const cell of result.cells) {
    const name = `${merged ? `shard${shardOf(cell, result)}/` : ''}${cell.bug !== undefined ? 'catalog-' : ''}${cell.mode}`;
    const list = groups.get(name) ?? [];
    list.push(cell);
    groups.set(name, list);
  }
  const total = counts(result.cells);
  const lines = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<testsuites${attrs({ name: `maple-torture ${result.config.catalog ? 'catalog' : 'torture'} ${result.runId}`, tests: total.tests, failures: total.failures, errors: total.errors, skipped: total.skipped, time: secs(result.elapsedMs), timestamp: stamp(result.startedAt) })}>`,
  ];
  let id = 0;
  for (const [name, cells] of groups) {
    const c = counts(cells);
    const shard = shardOf(cells[0], result);
    lines.push(`  <testsuite${attrs({ name, id: id++, tests: c.tests, failures: c.failures, errors: c.errors, skipped: c.skipped, time: secs(c.ms), timestamp: stamp(result.startedAt), hostname: hostname() || 'localhost' })}>`);
    lines.push('    <properties>');
    const props: Array<[string, string | number]> = [
      ['seed', result.config.seed],
      ['shard', `${shard}/${merged ? (result.shards?.find((s) => s.shard.index === shard)?.shard.count ?? result.config.shard.count) : result.config.shard.count}`],
      ['budgetMs', result.config.budgetMs],
      ['rerun', result.rerun],
      ['node', result.tool.node],
    ];
    for (const [k, v] of props) lines.push(`      <property${attrs({ name: k, value: v })}/>`);
    lines.push('    </properties>');
    for (const cell of cells) lines.push(testcase(cell, result, '    '));
    lines.push('  </testsuite>');
  }
  lines.push('</testsuites>');
  return lines.join('\n') + '\n';
}
