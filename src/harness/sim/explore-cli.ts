#!/usr/bin/env node
/** `npm run explore`: parse, explore (or replay one token), show progress, report, write results, exit. */
import { UsageError, runCli } from '../cli-args.js';
import { writeJson } from '../results-file.js';
import { humanRate } from '../status.js';
import type { Violation } from '../types.js';
import { CATALOG } from '../catalog.js';
import { EXPLORE_HELP, exploreCommand, parseExploreCli } from './explore-args.js';
import { exploreAsync, replayCommand } from './explore.js';
import { DEFAULT_BOUNDS, boundsPhrase } from './exhaustive.js';
import type { ExploreFailure, ExploreResult } from './explore.js';
import { runSchedule } from './schedule.js';
import { TokenError, decodeToken } from './token.js';
import { formatTraceTable, traceWindow } from './trace.js';
import { kernelExploreMain } from './kernel/kernel-explore-cli.js';

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

function violationLines(v: Violation): string[] {
  const lines = [`VIOLATION (${v.kind}) in ${v.thread}: ${v.op}`, `  seen:      ${v.seen}`];
  if (v.expected.length > 0) {
    lines.push(`  expected:  ${v.expected[0]}`);
    for (const e of v.expected.slice(1, 8)) lines.push(`             ${e}`);
  }
  if (v.window) lines.push(`  window:    versions [${v.window[0]}, ${v.window[1]}] (the oldest the reader's view allowed, started when it ended)`);
  if (v.nodes) lines.push(`  nodes:     ${v.nodes}`);
  if (v.detail) lines.push(`  detail:    ${v.detail}`);
  return lines;
}

function reportFailure(f: ExploreFailure): void {
  const s = f.shrunk;
  log('');
  log(violationLines(s.violation).join('\n'));
  log(`  scenario ${f.spec.scenario}, strategy ${f.spec.strategy}, bug ${f.spec.bugs.length > 0 ? f.spec.bugs.join(',') : 'none (correct build)'}`);
  log(`  found at schedule ${f.schedule}: ${f.original.readers} readers, ${f.original.writerOps} writer ops, ${f.original.readerOps} ops per reader, ${f.original.steps} steps`);
  log(`  shrunk (${s.runs} runs): ${s.readers} readers, ${s.writerOps} writer ops, ${s.readerOps} ops per reader, ${s.steps} steps, ${s.decisions} non-default decisions`);
  log('');
  log(`trace (last ${f.trace.length} accesses up to the violation; "read from" is the store's timestamp and the writer version that made it):`);
  log(formatTraceTable(f.trace));
  log('');
  log(`replay: ${replayCommand(s.token)}`);
}

function replay(token: string, traceLines: number, json: boolean): number {
  const spec = decodeToken(token);
  log(`maple-torture explore: replaying ${spec.scenario} (${spec.strategy}, seed ${spec.seed}, bug ${spec.bugs.join(',') || 'none'})${spec.script ? `, ${spec.script.length} recorded decisions` : ''}`);
  const outcome = runSchedule(spec, { trace: true });
  if (outcome.violations.length === 0) {
    log(`no violation: ${outcome.steps} steps, ${outcome.readerOps} reader ops, ${outcome.writerOps} writer ops`);
    if (json) process.stdout.write(JSON.stringify({ token, violations: [], steps: outcome.steps }, null, 2) + '\n');
    return 0;
  }
  const rows = traceWindow(outcome.trace ?? [], outcome.violationAt, traceLines, outcome.rcu);
  log(violationLines(outcome.violations[0]).join('\n'));
  log('');
  log(formatTraceTable(rows));
  log('');
  log(`replay: ${replayCommand(token)}`);
  if (json) process.stdout.write(JSON.stringify({ token, violations: outcome.violations, steps: outcome.steps, trace: rows }, null, 2) + '\n');
  return 1;
}

/** `--tree kernel` (or `--tree=kernel`): the kernel's own code under the simulator (kernel/). */
function treeFlag(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--tree') return argv[i + 1];
    if (argv[i].startsWith('--tree=')) return argv[i].slice('--tree='.length);
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  const tree = treeFlag(argv);
  if (tree === 'kernel') return kernelExploreMain(argv);
  if (tree !== undefined && tree !== 'replica') {
    process.stderr.write(`explore: --tree must be replica (default) or kernel, got '${tree}'\n`);
    return 2;
  }
  // The replica takes no --tree flag of its own.
  argv = argv.filter((a, i) => !(a === '--tree' || a.startsWith('--tree=') || argv[i - 1] === '--tree'));
  let options;
  try {
    options = parseExploreCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`explore: ${error.message}\nRun 'npm run explore -- --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(EXPLORE_HELP + '\n');
    return 0;
  }
  if (options.replay !== undefined) {
    try {
      return replay(options.replay, options.config.traceLines, options.json);
    } catch (error) {
      if (error instanceof TokenError) {
        process.stderr.write(`explore: --replay: ${error.message}\n`);
        return 2;
      }
      throw error;
    }
  }
  const config = options.config;
  const threadOnly = config.bugs.filter((b) => CATALOG.find((e) => e.name === b)?.mode === 'threads');
  const exhaustive = config.strategy === 'exhaustive';
  const what = exhaustive ? `every execution with ${boundsPhrase(config.bounds ?? DEFAULT_BOUNDS)} (cap ${config.schedules})` : `${config.schedules} schedules`;
  log(`maple-torture explore: seed ${config.seed}${options.seedChosen ? ' (chosen)' : ''}, ${what}, strategy ${config.strategy}, ` +
    `scenarios ${config.scenarios.join(',')}, bug ${config.bugs.length > 0 ? config.bugs.join(',') : 'none'}`);
  if (threadOnly.length > 0) log(`note: ${threadOnly.join(', ')} also shows on real threads (npm run stress); the simulator catches it too`);
  log(`rerun: ${exploreCommand(config)}`);

  const tty = process.stderr.isTTY === true;
  let lastPlain = 0;
  const controller = new AbortController();
  const onSignal = (): void => {
    log('\nstopping (SIGINT): finishing the current schedule and writing results...');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  let result: ExploreResult;
  try {
    result = await exploreAsync(config, {
      signal: controller.signal,
      progressEveryMs: 500,
      onProgress: (p) => {
        const rate = `${humanRate(p.schedules / Math.max(p.ms / 1000, 0.001))}/s, ${(p.ms / 1000).toFixed(0)} s, no violation`;
        const line = exhaustive ? `  ${p.schedules} executions (now ${p.scenario}), ${rate}` : `  ${p.schedules}/${config.schedules} schedules, ${rate}`;
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (p.ms - lastPlain >= 5000) {
          lastPlain = p.ms;
          log(line);
        }
      },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (tty) process.stderr.write('\r\x1b[2K');
  const t = result.totals;
  const ending = exhaustive
    ? result.stoppedBy === 'exhausted' ? 'exhausted' : `stopped by ${result.stoppedBy === 'schedules' ? 'the --schedules cap' : result.stoppedBy}`
    : result.stoppedBy === 'schedules' ? 'completed' : `stopped by ${result.stoppedBy}`;
  const unit = exhaustive ? 'distinct executions' : 'schedules';
  log(`explore ${result.runId}: ${ending}: ${result.schedulesRun} ${unit} ` +
    `in ${(result.elapsedMs / 1000).toFixed(1)} s (${result.schedulesPerSecond.toFixed(0)}/s)`);
  for (const c of result.exhaustive?.scenarios ?? []) {
    log(`  ${c.scenario}: ${c.executions} executions${c.exhausted ? ', exhausted' : ''} (up to ${c.maxDecisions} decisions each)`);
  }
  log(`  ${t.steps} accesses, ${t.switches} switches, ${t.drains} drains, ${t.readerOps} reader ops, ${t.writerOps} writer ops, ${t.rewalks} re-walks, ${t.discardedTaint} tainted reads discarded, ${t.fairRuns} runs hit the step bound`);
  if (result.failure) {
    log(`  first failure after ${(result.secondsToDetect ?? 0).toFixed(2)} s (schedule ${result.failure.schedule})`);
    reportFailure(result.failure);
  } else log('  no violations');
  if (result.exhaustive) log(`  ${result.exhaustive.exhausted ? 'proved' : 'claim'}: ${result.exhaustive.claim}`);
  const path = writeJson(options.out ?? `results/${result.runId}.json`, result);
  log(`\nresults: ${path}`);
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result.failure ? 1 : 0;
}

runCli('explore', () => main(process.argv.slice(2)));
