/** The LKMM litmus results as a text table: one line per test, the summary and figures under it. */
import type { LkmmSuiteResult } from './judge.js';

const STATUS_TEXT = {
  agrees: 'yes',
  unsound: 'NO: forbidden outcome reached',
  'not-reached': 'no: allowed outcome not reached',
  unsupported: 'unsupported',
} as const;

export function formatLkmmTable(suite: LkmmSuiteResult, verbose = false): string {
  const rows: string[][] = [['test', 'LKMM', 'exists seen', 'discarded', 'agrees']];
  for (const r of suite.results) {
    const seen = r.kept === undefined ? '-' : `${r.existsSeen}/${r.kept}`;
    const discarded = r.discarded === undefined ? '-' : String(r.discarded);
    rows.push([r.name, r.expected ?? '?', seen, discarded, STATUS_TEXT[r.status]]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const out: string[] = [];
  out.push(
    `LKMM's litmus tests (${suite.source.dir}) on the weak-memory simulator: ${suite.runs} seeded executions per test, ` +
      `seed ${suite.seed}, load buffering ${suite.promises ? 'by promises' : 'off'}`,
  );
  out.push('');
  out.push(line(rows[0]));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  suite.results.forEach((r, i) => {
    out.push(line(rows[i + 1]));
    if (r.reason !== undefined && r.status !== 'agrees') out.push(`    ${r.reason}`);
    if (verbose) {
      if (r.exists !== undefined) out.push(`    exists ${r.exists}`);
      for (const o of r.outcomes ?? []) out.push(`    ${String(o.count).padStart(6)}  ${o.outcome}`);
      for (const d of r.discardReasons ?? []) out.push(`    ${String(d.count).padStart(6)}  discarded: ${d.reason}`);
    }
  });
  out.push('');
  out.push(`by family (agreeing/supported): ${suite.families.map((f) => `${f.family} ${f.agreeing}/${f.supported}`).join(', ')}`);
  if (suite.unsupported.length > 0) out.push(`unsupported (not counted): ${suite.unsupported.map((u) => u.name).join(', ')}`);
  if (suite.notReached.length > 0) {
    out.push(`allowed but not reached (the simulator is stronger there, or too few runs): ${suite.notReached.join(', ')}`);
  }
  if (suite.unsound.length > 0) out.push(`UNSOUND: forbidden outcome reached in ${suite.unsound.join(', ')}`);
  out.push(`agreement: ${suite.agreeing}/${suite.supported} supported tests agree with LKMM (${suite.results.length} tests, ${Math.round(suite.elapsedMs)} ms)`);
  return out.join('\n');
}
