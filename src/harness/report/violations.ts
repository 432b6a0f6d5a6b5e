/** Violations and explorer traces as HTML: every field of a violation, the trace rows as a table. */
import type { Violation } from '../types.js';
import type { TraceRow } from '../sim/trace.js';
import { command, fields, heading, html } from './html.js';
import type { Html, Part } from './html.js';

/** Expected results shown per violation before "... and N more". */
const EXPECTED_SHOWN = 30;

export interface ViolationExtras {
  /** The command that reruns (threads) or replays (simulator) the run. */
  rerun?: string;
  replay?: string;
  /** Heading level of the violation's title (3 by default). */
  level?: number;
  /** Title prefix, e.g. 'Violation 2' or 'Shrunk violation'. */
  title?: string;
}

function expectedList(expected: readonly string[]): Part {
  if (expected.length === 0) return html`<span class="note">(none given)</span>`;
  const shown = expected.slice(0, EXPECTED_SHOWN).map((e) => html`<li><code>${e}</code></li>`);
  const more = expected.length > EXPECTED_SHOWN ? html`<li>... and ${expected.length - EXPECTED_SHOWN} more in the results file</li>` : '';
  return html`<ul class="expected">${shown}${more}</ul>`;
}

/** One violation: a heading, a table of its fields, and the command to reproduce it. */
export function violationSection(v: Violation, extras: ViolationExtras = {}): Html {
  const level = extras.level ?? 3;
  const rows: Array<readonly [string, Part]> = [
    ['kind', v.kind],
    ['thread', v.thread],
    ['operation', html`<code>${v.op}</code>`],
    ['seen', v.seen],
    ['expected', expectedList(Array.isArray(v.expected) ? v.expected : [])],
  ];
  if (v.window) rows.push(['window', `versions [${v.window[0]}, ${v.window[1]}]`]);
  if (v.nodes) rows.push(['nodes', v.nodes]);
  if (v.detail) rows.push(['detail', v.detail]);
  const title = `${extras.title ?? 'Violation'} (${v.kind}) in ${v.thread}: ${v.op}`;
  return html`<section class="violation">${heading(level, title)}${fields(rows, 'fields violation-fields')}${
    extras.rerun ? html`<p>Rerun:</p>${command(extras.rerun)}` : ''
  }${extras.replay ? html`<p>Replay:</p>${command(extras.replay)}` : ''}</section>`;
}

const TRACE_HEADERS = ['step', 'thread', 'operation', 'access', 'node.word', 'value', 'read from / barrier'];

/** The explorer's trace rows (up to and including the violation marker, which is highlighted). */
export function traceTable(rows: readonly TraceRow[]): Html {
  if (rows.length === 0) return html`<p class="note">no trace rows recorded</p>`;
  const body = rows.map((r) => {
    const hit = r.access.includes('VIOLATION');
    return html`<tr${hit ? html` class="hit"` : ''}><td>${r.step}</td><td>${r.thread}</td><td>${r.op}</td><td>${r.access}</td><td>${r.where ?? ''}</td><td>${r.value ?? ''}</td><td>${r.readFrom ?? ''}</td></tr>`;
  });
  return html`<table class="trace"><thead><tr>${TRACE_HEADERS.map((h) => html`<th>${h}</th>`)}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A list of violations, numbered, each with the run's rerun command. */
export function violationList(violations: readonly Violation[], extras: ViolationExtras = {}, limit = 50): Html {
  if (violations.length === 0) return html`<p>No violations.</p>`;
  const shown = violations.slice(0, limit).map((v, i) => violationSection(v, { ...extras, title: `Violation ${i + 1}` }));
  const more = violations.length > limit ? html`<p class="note">... and ${violations.length - limit} more in the results file.</p>` : '';
  return html`${shown}${more}`;
}
