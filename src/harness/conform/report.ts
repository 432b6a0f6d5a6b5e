/** Reading a conformance run: a divergence as text, the per-scenario table, the results JSON. */
import type { ConformOutcome, Finding, KnownSeen, ScenarioStats } from './engine.js';
import type { Level } from './compare.js';
import { formatFlags } from './script.js';

export interface KernelInfo {
  version: string;
  sourceHash: string;
  origin: string;
  sourceDir: string;
  buildHash: string;
  slots: number;
}

const indent = (text: string, by = '  '): string =>
  text
    .split('\n')
    .map((l) => by + l)
    .join('\n');

/** A finding as the report prints it: the divergence, the minimal script with both results, both shapes, the replay command. */
export function formatFinding(f: Finding, replay?: string): string {
  const lines: string[] = [];
  if (f.kind === 'result') {
    lines.push(`DIVERGENCE (result) in ${f.scenario} seed ${f.seed}, op ${f.at}: ${f.op}`);
    lines.push(`  kernel:  ${f.kernel.value}${f.kernel.note ? `   (${f.kernel.note.split('\n')[0]})` : ''}`);
    lines.push(`  replica: ${f.replica.value}${f.replica.note ? `   (${f.replica.note.split('\n')[0]})` : ''}`);
  } else {
    const s = f.shape!;
    lines.push(`DIVERGENCE (shape) in ${f.scenario} seed ${f.seed}, after op ${f.at}: ${f.op}`);
    lines.push(`  ${s.node < 0 ? 'the tree' : `node #${s.node}`}, ${s.field}: kernel ${s.expected}, replica ${s.actual}`);
    lines.push(`  (every result so far was the same on both trees)`);
  }
  lines.push('');
  lines.push(
    `minimal script: ${f.script.ops.length} ops (shrunk from ${f.originalOps} in ${f.shrinkRuns} replays${f.shrinkLimited ? ', stopped by the time limit' : ''}), ${formatFlags(f.script)}:`,
  );
  lines.push(...f.lines.map((l) => `  ${l}`));
  if (f.kernelShape !== undefined) {
    lines.push('', `kernel's tree after op ${f.at}:`, indent(f.kernelShape));
  }
  if (f.replicaShape !== undefined) {
    lines.push('', `replica's tree after op ${f.at}:`, indent(f.replicaShape));
  }
  const kernelNote = f.kernel.note?.includes('\n') ? f.kernel.note : undefined;
  if (kernelNote) lines.push('', 'kernel log:', indent(kernelNote));
  if (replay) lines.push('', `replay: ${replay}`);
  return lines.join('\n');
}

const pct = (x: number | null): string => (x === null ? '-' : `${x.toFixed(1)}%`);

export function formatScenarioTable(rows: ScenarioStats[], level: Level): string {
  const head = ['scenario', 'ops', 'scripts', 'result div.', 'shape div.', 'shapes identical', 'known kernel div.'];
  const knownCount = (r: ScenarioStats): string => String(Object.values(r.known).reduce((a, b) => a + b, 0));
  const body = rows.map((r) => [
    r.scenario,
    String(r.ops),
    String(r.scripts),
    String(r.resultDivergences),
    level === 'shape' ? String(r.shapeDivergences) : '-',
    pct(r.shapeIdenticalPct),
    knownCount(r),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [fmt(head), ...body.map(fmt)].join('\n');
}

/** The known kernel divergences met: name, count, what it is, its first example. */
export function formatKnown(known: KnownSeen[]): string {
  if (known.length === 0) return '';
  const lines = ['known kernel divergences (src/harness/conform/known.ts; counted, not failures):'];
  for (const k of known) {
    const e = k.example;
    lines.push(`  ${k.name}: ${k.count} time${k.count === 1 ? '' : 's'}; first in ${e.scenario} seed ${e.seed}, op ${e.at}: ${e.op}`);
    lines.push(`    kernel: ${e.kernel.value}${e.kernel.note ? ` (${e.kernel.note.split('\n')[0]})` : ''}, replica: ${e.replica.value}`);
  }
  return lines.join('\n');
}

export interface ConformResultsFile {
  schema: 1;
  kind: 'conform';
  runId: string;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  kernel: KernelInfo;
  config: { ops: number; seed: number; scenarios: string[]; level: Level; keepGoing: boolean; slots: number; kernelSrc: string | null; shrinkMs: number };
  rerun: string;
  elapsedMs: number;
  stoppedBy: ConformOutcome['stoppedBy'];
  opsRun: number;
  opsPerSecond: number;
  scripts: number;
  scenarios: ScenarioStats[];
  findings: Finding[];
  known: KnownSeen[];
  /** Replays the first finding's minimal script (set once the file's path is known). */
  replay: string | null;
}

export function runIdFor(started: Date, seed: number): string {
  return `conform-${started.toISOString().replace(/[:.]/g, '-')}-${seed}`;
}
