/**
 * HTML building blocks for the reports. Every value interpolated with the `html` tag is escaped
 * unless it is already `Html` (built by these helpers, or an SVG the chart renderer produced), so
 * a string from a results file can never become markup.
 */

export class Html {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

export type Part = Html | string | number | boolean | null | undefined | readonly Part[];

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes text for element content and (quoted) attribute values. */
export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c]);
}

/** Markup that is trusted as it is (the helpers' output, the chart renderer's SVG). */
export function raw(text: string): Html {
  return new Html(text);
}

function renderPart(part: Part): string {
  if (part instanceof Html) return part.text;
  if (Array.isArray(part)) return (part as readonly Part[]).map(renderPart).join('');
  if (part === null || part === undefined || part === false) return '';
  return esc(String(part));
}

/** A template tag: literal parts are markup, interpolated values are escaped (unless Html). */
export function html(strings: TemplateStringsArray, ...values: Part[]): Html {
  let out = strings[0];
  for (let i = 0; i < values.length; i++) out += renderPart(values[i]) + strings[i + 1];
  return new Html(out);
}

export function join(parts: readonly Part[], separator: Part = ''): Html {
  return new Html(parts.map(renderPart).join(renderPart(separator)));
}

/**
 * A table: a header row and body rows; each cell is escaped text or Html. Columns listed in
 * `numeric` are right-aligned.
 */
export function table(headers: readonly string[], rows: ReadonlyArray<readonly Part[]>, className = '', numeric: readonly number[] = []): Html {
  const cls = (c: number): Html => raw(numeric.includes(c) ? ' class="n"' : '');
  return html`<table${className ? raw(` class="${esc(className)}"`) : ''}><thead><tr>${headers.map((h, c) => html`<th${cls(c)}>${h}</th>`)}</tr></thead><tbody>${rows.map(
    (row) => html`<tr>${row.map((cell, c) => html`<td${cls(c)}>${cell}</td>`)}</tr>`,
  )}</tbody></table>`;
}

/** A two-column table of names and values. */
export function fields(pairs: ReadonlyArray<readonly [string, Part]>, className = 'fields'): Html {
  return html`<table class="${className}"><tbody>${pairs.map(([k, v]) => html`<tr><th scope="row">${k}</th><td>${v}</td></tr>`)}</tbody></table>`;
}

/** A command (rerun, replay) in a block that wraps long tokens. */
export function command(text: string): Html {
  return html`<pre class="cmd"><code>${text}</code></pre>`;
}

/** A heading h1..h6 (level clamped), with an optional id for links. */
export function heading(level: number, text: string, id?: string): Html {
  const n = Math.min(6, Math.max(1, Math.round(level)));
  return html`${raw(`<h${n}`)}${id ? html` id="${id}"` : ''}>${text}${raw(`</h${n}>`)}`;
}

export function badge(text: string, kind: string): Html {
  return html`<span class="badge ${kind.replace(/[^a-z-]/g, '')}">${text}</span>`;
}

/** 1234567 -> "1,234,567"; non-finite values as a dash. */
export function num(n: number | undefined, digits = 0): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

export function seconds(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '-';
  return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

export function rate(count: number, ms: number): string {
  return ms > 0 ? `${num(count / (ms / 1000))}/s` : '-';
}

/** A config value as text: arrays joined, objects as compact JSON. */
export function valueText(v: unknown): string {
  if (Array.isArray(v)) return v.length === 0 ? '(none)' : v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join(', ');
  if (v !== null && typeof v === 'object') return JSON.stringify(v);
  return String(v);
}

/** Every field of a config object, in its order. */
export function configTable(config: object): Html {
  return fields(Object.entries(config).map(([k, v]) => [k, valueText(v)] as const));
}

const STYLE = `
:root { color-scheme: light; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f; margin: 0; background: #fafafa; }
main { max-width: 1100px; margin: 0 auto; padding: 16px 24px 48px; background: #fff; }
h1 { font-size: 22px; margin: 8px 0 2px; }
h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
h3 { font-size: 16px; margin: 20px 0 6px; }
h4 { font-size: 14px; margin: 16px 0 6px; }
.sub { color: #555; margin: 0 0 12px; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13px; }
th, td { border: 1px solid #d6d6d6; padding: 3px 8px; text-align: left; vertical-align: top; }
thead th { background: #f0f0f3; }
table.fields th { background: #f7f7f9; font-weight: 600; white-space: nowrap; }
td.n, th.n { text-align: right; font-variant-numeric: tabular-nums; }
pre.cmd { background: #f4f4f6; border: 1px solid #ddd; padding: 6px 10px; white-space: pre-wrap; word-break: break-all; margin: 4px 0 12px; }
code { font: 12px/1.4 ui-monospace, "DejaVu Sans Mono", monospace; }
table.trace td { font: 12px/1.3 ui-monospace, "DejaVu Sans Mono", monospace; white-space: nowrap; }
table.trace tr.hit td { background: #fde2e1; font-weight: 700; }
table.cells td code { word-break: break-all; white-space: normal; }
.badge { display: inline-block; padding: 0 7px; border-radius: 9px; font-size: 12px; font-weight: 600; color: #fff; background: #777; }
.badge.passed, .badge.clean, .badge.detected { background: #2e7d32; }
.badge.failed, .badge.violation, .badge.missed { background: #c62828; }
.badge.error { background: #e65100; }
.badge.skipped { background: #9e9e9e; }
section.violation { border-left: 4px solid #c62828; padding: 2px 0 2px 12px; margin: 12px 0; }
figure.chart { margin: 10px 0 18px; }
figure.chart svg { max-width: 100%; height: auto; }
p.note { color: #666; font-style: italic; }
ul.expected { margin: 0; padding-left: 18px; }
`;

/** A complete, self-contained page: inline stylesheet, no scripts, no external resources. */
export function page(title: string, body: Html): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body.text}
</main>
</body>
</html>
`;
}
