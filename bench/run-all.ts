/**
 * `npm run bench`: every benchmark, each in its own process (the tree bench needs --expose-gc and a
 * quiet heap), then one consolidated results/bench-<timestamp>.json and a markdown summary
 * (results/bench-<timestamp>.md) with every target, the figure measured and the machine.
 *
 * `node dist-bench/bench/run-all.js --only explore,stress` runs a subset; `--consolidate` skips the
 * runs and folds the newest file of each benchmark already in results/.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { machineInfo, writeResultsFile } from './results.js';

const RESULTS = 'results';
const PARTS = [
  { name: 'tree', script: 'dist-bench/bench/tree.bench.js', args: ['--expose-gc'] },
  { name: 'stress', script: 'dist-bench/bench/stress.bench.js', args: [] },
  { name: 'explore', script: 'dist-bench/bench/explore.bench.js', args: [] },
] as const;

interface Target {
  benchmark: string;
  label: string;
  target: string;
  measured: string;
  met: boolean | null;
}

/** The newest results/bench-<name>-*.json (written at or after `since` when given). */
function newest(name: string, since: number): string | null {
  const files = readdirSync(RESULTS)
    .filter((f) => f.startsWith(`bench-${name}-`) && f.endsWith('.json'))
    .sort();
  for (let i = files.length - 1; i >= 0; i--) {
    const stamp = Date.parse(files[i].slice(`bench-${name}-`.length, -'.json'.length).replace(/T(\d\d)-(\d\d)-/, 'T$1:$2:').replace(/-\d+$/, ''));
    if (Number.isNaN(stamp) || stamp >= since) return join(RESULTS, files[i]);
  }
  return null;
}

const num = (x: number, digits = 2): string => (Math.abs(x) >= 100 ? x.toFixed(0) : x.toFixed(digits));

/** The targets of one benchmark's results file, in one shape. */
function targetsOf(name: string, data: Record<string, unknown>): Target[] {
  const out: Target[] = [];
  if (name === 'tree') {
    for (const r of (data.ratios ?? []) as Array<{ label: string; formula?: string; value: number | null; unit: string; target?: number | null; op?: string; pass?: boolean | null; medianValue?: number | null; na?: string }>) {
      if (r.target == null) continue;
      const unit = r.unit === 'x' ? 'x' : ` ${r.unit}`;
      // Paired ratios (tree/paired.ts) take the median of their slice pairs, the others of the batches.
      const of = r.formula?.includes('slices') ? 'median slice pair' : 'median batch';
      const median = r.medianValue != null ? ` (${of} ${num(r.medianValue)}${unit})` : '';
      const measured = r.value === null ? `n/a${r.na !== undefined ? ` (${r.na})` : ''}` : `${num(r.value)}${unit}${median}`;
      out.push({ benchmark: name, label: r.label, target: `${r.op} ${r.target}${unit}`, measured, met: r.pass ?? null });
    }
  } else if (name === 'stress') {
    for (const r of (data.ratios ?? []) as Array<{ label: string; value: number; target: number; met: boolean }>) {
      if (r.target === 0) continue;
      const seconds = r.label.includes('(s)');
      out.push({ benchmark: name, label: r.label, target: seconds ? `<= ${r.target} s` : `>= ${r.target}x`, measured: seconds ? `${num(r.value)} s` : `${num(r.value)}x`, met: r.met });
    }
  } else {
    const t = data.targets as {
      schedulesPerSecond: { target: number; value: number; met: boolean };
      orderingMedianS: { target: number; values: Record<string, number>; met: boolean };
      allDetected: { missed: string[]; met: boolean };
    };
    out.push({ benchmark: name, label: 'simulator schedules per second (default rotation)', target: `>= ${t.schedulesPerSecond.target}`, measured: num(t.schedulesPerSecond.value), met: t.schedulesPerSecond.met });
    const medians = Object.entries(t.orderingMedianS.values).map(([bug, s]) => `${bug} ${num(s, 3)} s`).join(', ');
    out.push({ benchmark: name, label: 'median time to detect each ordering bug', target: `<= ${t.orderingMedianS.target} s`, measured: medians, met: t.orderingMedianS.met });
    out.push({ benchmark: name, label: 'every catalog bug detected by the explorer', target: 'all', measured: t.allDetected.missed.length === 0 ? 'all' : `missed: ${t.allDetected.missed.join(', ')}`, met: t.allDetected.met });
  }
  return out;
}

/** Which kernel the tree benchmark's kernel peer was, from its results file. */
function kernelLine(tree: unknown): string[] {
  const k = (tree as { kernel?: { available: boolean; reason: string | null; version: string | null; sourceHash: string | null; buildHash: string | null; flavour: string; ranges: number } } | undefined)?.kernel;
  if (k === undefined) return [];
  return [
    k.available
      ? `Kernel peer (tree): lib/maple_tree.c from Linux ${k.version}, source sha256 ${k.sourceHash}, wasm build ${k.buildHash}, ${k.flavour}; ${k.ranges.toLocaleString('en-US')} ranges, the same as the replica's.`
      : `Kernel peer (tree): n/a (${k.reason}).`,
    '',
  ];
}

function markdown(date: Date, machine: ReturnType<typeof machineInfo>, files: Record<string, string | null>, targets: Target[], tree?: unknown): string {
  const lines = [
    `# Benchmarks, ${date.toISOString()}`,
    '',
    `Machine: ${machine.cpu}, ${machine.cores} cores, ${(machine.totalMemBytes / 2 ** 30).toFixed(0)} GiB, Node ${machine.node} (V8 ${machine.v8}), ${machine.platform} ${machine.arch}.`,
    '',
    ...kernelLine(tree),
    '| benchmark | measure | target | measured | met |',
    '| --- | --- | --- | --- | --- |',
    ...targets.map((t) => `| ${t.benchmark} | ${t.label} | ${t.target} | ${t.measured} | ${t.met === null ? '' : t.met ? 'yes' : 'no'} |`),
    '',
    'Sources:',
    ...Object.entries(files).map(([name, file]) => `- ${name}: ${file ?? 'not run'}`),
    '',
  ];
  return lines.join('\n');
}

function main(argv: string[]): number {
  const started = Date.now();
  const onlyAt = argv.indexOf('--only');
  const only = onlyAt >= 0 ? (argv[onlyAt + 1] ?? '').split(',') : PARTS.map((p) => p.name);
  const consolidateOnly = argv.includes('--consolidate');
  let failed = false;
  if (!consolidateOnly) {
    for (const part of PARTS) {
      if (!only.includes(part.name)) continue;
      process.stderr.write(`\n=== bench:${part.name} ===\n`);
      const r = spawnSync(process.execPath, [...part.args, part.script], { stdio: 'inherit' });
      if (r.status !== 0) {
        failed = true;
        process.stderr.write(`bench:${part.name} exited with ${r.status ?? r.signal}\n`);
      }
    }
  }
  const since = consolidateOnly ? 0 : started - 1000;
  const files: Record<string, string | null> = {};
  const parts: Record<string, unknown> = {};
  const targets: Target[] = [];
  for (const part of PARTS) {
    const file = only.includes(part.name) ? newest(part.name, since) : null;
    files[part.name] = file;
    if (file === null) continue;
    const data = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    parts[part.name] = data;
    targets.push(...targetsOf(part.name, data));
  }
  const date = new Date();
  const machine = machineInfo();
  const path = writeResultsFile(RESULTS, 'bench', date, { kind: 'bench', date: date.toISOString(), machine, files, targets, parts });
  const md = path.replace(/\.json$/, '.md');
  writeFileSync(md, markdown(date, machine, files, targets, parts.tree), { flag: 'wx' });
  process.stderr.write(`\n${markdown(date, machine, files, targets, parts.tree)}\nresults: ${path}\nsummary: ${md}\n`);
  return failed ? 1 : 0;
}

process.exitCode = main(process.argv.slice(2));
