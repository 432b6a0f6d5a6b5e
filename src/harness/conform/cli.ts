#!/usr/bin/env node
/** `npm run conform`: parse, build or find the kernel, run (or replay), report, write results, exit. */
import { existsSync, readFileSync } from 'node:fs';
import { UsageError, runCli } from '../cli-args.js';
import { writeJson } from '../results-file.js';
import { humanRate } from '../status.js';
import { toolVersion } from '../torture/version.js';
import { KernelCompileError, KernelToolchainError, buildKernel } from '../../kernel/build.js';
import { KernelSourceError } from '../../kernel/source.js';
import { compileKernel } from '../../kernel/loader.js';
import type { WasmModule } from '../../kernel/loader.js';
import { CONFORM_HELP, conformCommand, parseConformCli } from './args.js';
import type { ConformOptions } from './args.js';
import { conform, replayScript } from './engine.js';
import { KernelDriver } from './kernel-driver.js';
import { ReplicaDriver } from './replica-driver.js';
import { formatFinding, formatKnown, formatScenarioTable, runIdFor } from './report.js';
import type { ConformResultsFile, KernelInfo } from './report.js';
import { SCENARIOS, KEYSPACE } from './scenarios.js';
import { ScriptError, formatFlags, parseScript } from './script.js';
import type { Script } from './script.js';
import type { Level } from './compare.js';

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

const usage = (message: string): number => {
  process.stderr.write(`conform: ${message}\nRun 'npm run conform -- --help' for the options.\n`);
  return 2;
};

async function loadKernelFor(o: ConformOptions): Promise<{ kernel: WasmModule; info: KernelInfo }> {
  const build = await buildKernel({ slots: o.slots, kernelSrc: o.kernelSrc, log: o.quiet ? undefined : log });
  const kernel = compileKernel(build.wasmPath);
  const info: KernelInfo = { version: build.version, sourceHash: build.sourceHash, origin: build.origin, sourceDir: build.sourceDir, buildHash: build.buildHash, slots: build.slots };
  return { kernel, info };
}

const kernelLine = (k: KernelInfo): string =>
  `kernel ${k.version} (${k.origin === 'tree' ? k.sourceDir : 'Debian package'}, source ${k.sourceHash.slice(0, 12)}, build ${k.buildHash}, ${k.slots} slots)`;

/** The script of a results file's first finding, or a bare script; with the level it was found at. */
function readReplay(path: string): { script: Script; level: Level | null; kernelSrc?: string } {
  if (!existsSync(path)) throw new UsageError(`--replay: no such file: ${path}`);
  let data: unknown;
  try {
    data = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new UsageError(`--replay: ${path} is not JSON (${(error as Error).message})`);
  }
  const file = data as Partial<ConformResultsFile> & { ops?: unknown };
  try {
    if (Array.isArray(file.findings)) {
      if (file.findings.length === 0) throw new UsageError(`--replay: ${path} has no finding to replay (the run found no divergence)`);
      const f = file.findings[0];
      const kernelSrc = file.kernel?.origin === 'tree' ? file.kernel.sourceDir : undefined;
      return { script: parseScript(f.script), level: f.level, kernelSrc };
    }
    return { script: parseScript(data), level: null };
  } catch (error) {
    if (error instanceof ScriptError) throw new UsageError(`--replay: ${path}: ${error.message}`);
    throw error;
  }
}

async function replay(o: ConformOptions): Promise<number> {
  const r = readReplay(o.replay!);
  const level: Level = o.levelGiven ? o.level : (r.level ?? 'shape');
  const { kernel, info } = await loadKernelFor({ ...o, kernelSrc: o.kernelSrc ?? r.kernelSrc });
  log(`maple-torture conform: replaying ${r.script.scenario} seed ${r.script.seed} (${r.script.ops.length} ops, ${formatFlags(r.script)}) at the ${level} level on ${kernelLine(info)}`);
  const { finding, lines } = replayScript(r.script, level, new KernelDriver(kernel), new ReplicaDriver());
  if (!finding) {
    log(lines.join('\n'));
    log('\nno divergence: both trees agree on this script');
    if (o.json) process.stdout.write(JSON.stringify({ kernel: info, level, script: r.script, finding: null }, null, 2) + '\n');
    return 0;
  }
  log('');
  log(formatFinding(finding, `npm run conform -- --replay ${o.replay}`));
  if (o.json) process.stdout.write(JSON.stringify({ kernel: info, level, script: r.script, finding }, null, 2) + '\n');
  return 1;
}

async function main(argv: string[]): Promise<number> {
  let o: ConformOptions;
  try {
    o = parseConformCli(argv);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    throw error;
  }
  if (o.help) {
    process.stdout.write(CONFORM_HELP + '\n');
    return 0;
  }
  if (o.listScenarios) {
    const rows = SCENARIOS.map((s) => ({ name: s.name, alloc: s.alloc, keyspace: KEYSPACE[s.name], scriptOps: s.scriptOps, summary: s.summary }));
    if (o.json) process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
    else for (const r of rows) process.stdout.write(`${r.name.padEnd(20)} ${r.summary} (alloc-range: ${r.alloc}, keys < ${r.keyspace}, ${r.scriptOps} ops a script)\n`);
    return 0;
  }
  try {
    if (o.replay !== undefined) return await replay(o);
    return await run(o);
  } catch (error) {
    if (error instanceof UsageError) return usage(error.message);
    if (error instanceof KernelSourceError || error instanceof KernelCompileError || error instanceof KernelToolchainError) {
      process.stderr.write(`conform: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

async function run(o: ConformOptions): Promise<number> {
  const startedAt = new Date();
  const { kernel, info } = await loadKernelFor(o);
  const rerun = conformCommand(o);
  log(`maple-torture conform: seed ${o.seed}${o.seedChosen ? ' (chosen)' : ''}, ${o.ops} ops, level ${o.level}, scenarios ${o.scenarios.join(',')}`);
  log(`  on ${kernelLine(info)}`);
  log(`rerun: ${rerun}`);
  const tty = process.stderr.isTTY === true;
  const controller = new AbortController();
  const onSignal = (): void => {
    log('\nstopping (SIGINT): finishing the current script and writing results...');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  let outcome;
  try {
    outcome = await conform(
      { ops: o.ops, seed: o.seed, scenarios: o.scenarios, level: o.level, keepGoing: o.keepGoing, shrinkMs: o.shrinkMs },
      new KernelDriver(kernel),
      new ReplicaDriver(),
      {
        signal: controller.signal,
        progressEveryMs: 1000,
        onProgress: (p) => {
          if (o.quiet) return;
          const line =
            `  ${p.ops}/${o.ops} ops, ${humanRate(p.ops / Math.max(p.ms / 1000, 0.001))} ops/s, ${p.scripts} scripts, ` +
            `divergences: ${p.resultDivergences} result, ${p.shapeDivergences} shape`;
          if (tty) process.stderr.write(`\r\x1b[2K${line}`);
          else log(line);
        },
        onShrink: (d, script) => {
          if (tty && !o.quiet) process.stderr.write('\r\x1b[2K');
          if (!o.quiet) log(`  ${d.kind} divergence in ${script.scenario} seed ${script.seed} at op ${d.at}: shrinking...`);
        },
      },
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (tty && !o.quiet) process.stderr.write('\r\x1b[2K');
  const rate = outcome.opsRun / Math.max(outcome.elapsedMs / 1000, 0.001);
  const runId = runIdFor(startedAt, o.seed);
  const file: ConformResultsFile = {
    schema: 1,
    kind: 'conform',
    runId,
    tool: { name: 'maple-torture', version: toolVersion(), node: process.version },
    startedAt: startedAt.toISOString(),
    kernel: info,
    config: { ops: o.ops, seed: o.seed, scenarios: o.scenarios, level: o.level, keepGoing: o.keepGoing, slots: o.slots, kernelSrc: o.kernelSrc ?? process.env.MAPLE_KERNEL_SRC ?? null, shrinkMs: o.shrinkMs },
    rerun,
    elapsedMs: outcome.elapsedMs,
    stoppedBy: outcome.stoppedBy,
    opsRun: outcome.opsRun,
    opsPerSecond: Math.round(rate),
    scripts: outcome.scripts,
    scenarios: outcome.scenarios,
    findings: outcome.findings,
    known: outcome.known,
    replay: null,
  };
  const path = o.out ?? `results/${runId}.json`;
  const replayCmd = (p: string): string => `npm run conform -- --replay ${p}`;
  // The path is known once written; the replay command names it (a taken name gets a suffix).
  const written = writeJson(path, { ...file, replay: outcome.findings.length > 0 ? replayCmd(path) : null });
  if (written !== path && outcome.findings.length > 0) {
    // Rewrite under the final name so the replay command inside matches it.
    const { writeFileSync } = await import('node:fs');
    writeFileSync(written, JSON.stringify({ ...file, replay: replayCmd(written) }, null, 2) + '\n');
  }
  log(
    `conform ${runId}: ${outcome.stoppedBy === 'ops' ? 'completed' : `stopped by ${outcome.stoppedBy}`}: ${outcome.opsRun} ops in ` +
      `${outcome.scripts} scripts, ${(outcome.elapsedMs / 1000).toFixed(1)} s (${humanRate(rate)} ops/s, shrinking included)`,
  );
  log(indentTable(formatScenarioTable(outcome.scenarios, o.level)));
  const knownText = formatKnown(outcome.known);
  if (knownText) log(knownText);
  outcome.findings.forEach((f, i) => {
    log('');
    log(formatFinding(f, i === 0 ? replayCmd(written) : undefined));
  });
  if (outcome.findings.length === 0) log('  no divergence');
  log(`\nresults: ${written}`);
  if (o.json) process.stdout.write(JSON.stringify({ ...file, replay: outcome.findings.length > 0 ? replayCmd(written) : null }, null, 2) + '\n');
  return outcome.findings.length > 0 ? 1 : 0;
}

const indentTable = (t: string): string =>
  t
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

runCli('conform', () => main(process.argv.slice(2)));
