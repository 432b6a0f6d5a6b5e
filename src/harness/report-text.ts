/** Text reports of a run: the violation report (what, where, the version window, the rerun command) and the end-of-run summary. */
import type { RunResult, Violation } from './types.js';
import { humanRate } from './status.js';

export function formatViolation(v: Violation, result: Pick<RunResult, 'config' | 'rerun'>, index: number): string {
  const c = result.config;
  const lines = [
    `VIOLATION ${index + 1} (${v.kind}) in ${v.thread}: ${v.op}`,
    `  seen:      ${v.seen}`,
  ];
  if (v.expected.length > 0) {
    lines.push(`  expected:  ${v.expected[0]}`);
    for (const e of v.expected.slice(1)) lines.push(`             ${e}`);
  }
  if (v.window) lines.push(`  window:    versions [${v.window[0]}, ${v.window[1]}] (complete when it began, started when it ended)`);
  if (v.nodes) lines.push(`  nodes:     ${v.nodes}`);
  if (v.detail) lines.push(`  detail:    ${v.detail}`);
  if (v.trace && v.trace.length > 0) {
    lines.push('  walk trace (the failing section, oldest first):');
    for (const t of v.trace) lines.push(`    ${t}`);
  }
  lines.push(`  seed ${c.seed}, workload ${c.workload}, bug ${c.bugs.length > 0 ? c.bugs.join(',') : 'none (correct build)'}, ${c.readers} readers, check ${c.check}`);
  if (result.rerun) lines.push(`  rerun:     ${result.rerun}`);
  return lines.join('\n');
}

export function formatSummary(result: RunResult): string {
  const secs = result.elapsedMs / 1000;
  const t = result.totals;
  const lines = [
    ...(result.kernel
      ? [`tree: the kernel build, ${result.kernel.version} (${result.kernel.origin} ${result.kernel.sourceDir}, sha256 ${result.kernel.sourceHash.slice(0, 16)}, build ${result.kernel.buildHash})${result.kernel.mutations.length > 0 ? `, mutations: ${result.kernel.mutations.join(', ')}` : ''}`]
      : []),
    `run ${result.runId}: ${result.stoppedBy === 'duration' ? 'completed' : `stopped by ${result.stoppedBy}`} after ${secs.toFixed(1)} s`,
    `  reader ops ${t.readerOps} (${humanRate(t.readerOps / Math.max(secs, 0.001))}/s), writer ops ${t.writerOps} (${humanRate(t.writerOps / Math.max(secs, 0.001))}/s)`,
    `  grace periods ${t.gracePeriods}, re-walks ${t.rewalks}, taint discarded by the tree's dead checks ${t.discardedTaint}`,
    `  tree at the end: height ${result.tree.height}, ${result.tree.nodes} nodes, ${result.tree.entries} entries, fill ${(result.tree.fill * 100).toFixed(0)}%`,
  ];
  for (const th of result.threads) {
    const lat = th.latency ? `, p50 ${(th.latency.p50Ns / 1000).toFixed(1)} us, p99 ${(th.latency.p99Ns / 1000).toFixed(1)} us` : '';
    const torn = th.tornAccepted ? `, torn bounds accepted ${th.tornAccepted}` : '';
    lines.push(`  ${th.thread.padEnd(9)} ops ${th.ops}, re-walks ${th.rewalks}, checks ${th.checks}${torn}${lat}`);
    if (th.inPlaceWrites) lines.push(`            write policy, in-place stores allowed: ${inPlaceText(th.inPlaceWrites)}`);
  }
  for (const [name, n] of Object.entries(result.known ?? {})) lines.push(`  known finding of the kernel's code (not a violation; README "Findings"): ${name} x${n}`);
  lines.push(result.violations.length === 0 ? '  no violations' : `  ${result.violations.length} violation(s)`);
  return lines.join('\n');
}

/** 'exactFit 12, slotStore 3, ...' for the write policy's allowed in-place stores. */
export function inPlaceText(counts: Record<string, number>): string {
  return Object.entries(counts)
    .map(([kind, n]) => `${kind} ${n}`)
    .join(', ');
}
