/** The litmus suite as a text table: one block per test, its outcomes with counts underneath. */
import type { LitmusSuiteResult } from './suite.js';

const STATUS_TEXT = { ok: 'yes', fail: 'NO (FAIL)', stronger: 'no: simulator stronger (known)' } as const;

export function formatLitmusTable(suite: LitmusSuiteResult): string {
  const rows: string[][] = [['test', 'exists', 'LKMM', 'simulator', 'agrees with LKMM']];
  for (const r of suite.results) {
    rows.push([r.name, r.exists, r.lkmm, r.simulator, STATUS_TEXT[r.status]]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((row) => row[c].length)));
  const line = (row: string[]): string => row.map((cell, c) => cell.padEnd(widths[c])).join('  ').trimEnd();
  const out: string[] = [];
  out.push(`litmus suite on the weak-memory simulator: ${suite.runs} seeded runs per test, seed ${suite.seed}`);
  out.push('');
  out.push(line(rows[0]));
  out.push(widths.map((w) => '-'.repeat(w)).join('  '));
  suite.results.forEach((r, i) => {
    out.push(line(rows[i + 1]));
    for (const o of r.outcomes) {
      const mark = o.exists ? '  <- exists' : '';
      out.push(`    ${String(o.count).padStart(6)}  ${o.outcome}${mark}`);
    }
    if (r.note !== undefined) out.push(`    note: ${r.note}`);
  });
  out.push('');
  const stronger = suite.results.filter((r) => r.status === 'stronger').map((r) => r.name);
  if (stronger.length > 0) {
    out.push(
      `known difference: the simulator is stronger than LKMM on ${stronger.join(', ')} ` +
        '(loads never read from the future); not a failure',
    );
  }
  out.push(
    suite.ok
      ? `all ${suite.results.length} tests agree with LKMM (apart from the documented differences) in ${Math.round(suite.elapsedMs)} ms`
      : `DISAGREEMENT with LKMM: ${suite.failures.join(', ')}`,
  );
  return out.join('\n');
}
