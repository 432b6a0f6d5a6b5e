#!/usr/bin/env node
/** `npm run stress`: parse, run, show progress, report, write results, exit with the verdict. */
import { CATALOG } from './catalog.js';
import { HELP, UsageError, parseCli, rerunCommand, runCli } from './cli-args.js';
import { runStress } from './run.js';
import { formatStatus } from './status.js';
import type { StatusSample } from './status.js';
import { formatSummary, formatViolation } from './report-text.js';
import { writeJson } from './results-file.js';

async function main(argv: string[]): Promise<number> {
  let options;
  try {
    options = parseCli(argv);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`stress: ${error.message}\nRun 'npm run stress -- --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  if (options.help) {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (options.listBugs) {
    if (options.json) {
      const list = CATALOG.map(({ name, commit, mode, description }) => ({ name, commit, mode, description }));
      process.stdout.write(JSON.stringify(list, null, 2) + '\n');
    } else {
      for (const b of CATALOG) {
        process.stdout.write(`${b.name.padEnd(22)} ${b.mode.padEnd(9)} ${b.commit.padEnd(12)} ${b.description}\n`);
        const origin = b.commit.startsWith('(') ? b.subject : `fixed by "${b.subject}"`;
        process.stdout.write(`${''.padEnd(22)} ${''.padEnd(9)} ${''.padEnd(12)} ${origin}; caught by: ${b.detectedBy}\n`);
      }
    }
    return 0;
  }
  const config = options.config;
  const simulatorOnly = config.bugs.filter((name) => CATALOG.find((b) => b.name === name)?.mode === 'simulator');
  const rerun = rerunCommand(config);
  const log = (line: string): void => {
    process.stderr.write(line + '\n');
  };
  log(`maple-torture stress${config.tree === 'kernel' ? ' (tree: the kernel build' + (config.kernelSrc ? ` of ${config.kernelSrc}` : '') + ')' : ''}: seed ${config.seed}, workload ${config.workload}, ${config.readers} readers + 1 writer, ` +
    `check ${config.check}, bug ${config.bugs.length > 0 ? config.bugs.join(',') : 'none'}, ${config.durationMs / 1000}s`);
  if (simulatorOnly.length > 0) {
    log(`note: ${simulatorOnly.join(', ')} only bites under a weak memory model; real threads on x86 are not expected to catch it`);
  }
  log(`rerun: ${rerun}`);

  const tty = process.stderr.isTTY === true;
  let prev: StatusSample | null = null;
  let lastPlain = 0;
  const controller = new AbortController();
  const onSignal = (): void => {
    log('\nstopping (SIGINT): finishing the run and writing results...');
    controller.abort();
  };
  process.once('SIGINT', onSignal);
  let result;
  try {
    result = await runStress(config, {
      signal: controller.signal,
      rerun,
      onKernelBuild: log,
      statusEveryMs: 500,
      onStatus: (s) => {
        const line = formatStatus(s, prev, config.durationMs);
        prev = s;
        if (tty) process.stderr.write(`\r\x1b[2K${line}`);
        else if (s.ms - lastPlain >= 5000) {
          lastPlain = s.ms;
          log(line);
        }
      },
    });
  } finally {
    process.removeListener('SIGINT', onSignal);
  }
  if (tty) process.stderr.write('\n');
  log(formatSummary(result));
  result.violations.slice(0, 20).forEach((v, i) => log('\n' + formatViolation(v, result, i)));
  if (result.violations.length > 20) log(`\n... and ${result.violations.length - 20} more in the results file`);
  const path = writeJson(options.out ?? `results/${result.runId}.json`, result);
  log(`\nresults: ${path}`);
  if (options.report) {
    // Loaded only when asked for: the charting libraries take a moment to import.
    const { reportPathNextTo, writeReport } = await import('./report/report.js');
    const html = await writeReport({ kind: 'stress', data: result }, reportPathNextTo(path));
    log(`report: ${html}`);
  }
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return result.violations.length > 0 ? 1 : 0;
}

runCli('stress', () => main(process.argv.slice(2)));
