#!/usr/bin/env node
/**
 * `npm run torture`: plan the cells, run them one by one with a line as each starts and ends (and
 * the live status inside a cell), print the summary table, write OUT/torture-<id>.json and
 * OUT/torture-<id>.xml, exit with the verdict.
 */
import { UsageError, runCli } from '../cli-args.js';
import { formatStatus, humanRate } from '../status.js';
import type { StatusSample } from '../status.js';
import { TORTURE_HELP, parseTortureCli, tortureCommand } from './args.js';
import { budgetText, formatBudget, planCells } from './matrix.js';
import type { PlannedCell } from './matrix.js';
import { catalogTable, cellEndLine, cellReport, cellStartLine, markdownSummary, summaryTable, totalsLine } from './format.js';
import { appendStepSummary, writeResultPair } from './files.js';
import { toJUnit } from './junit.js';
import { exitCodeOf, runTorture } from './torture.js';

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

/** The cells whose budget differs from the first's (catalog bugs with their own cap). */
function ownBudgets(cells: readonly PlannedCell[]): string {
  const other = cells.filter((c) => c.budgetMs !== cells[0].budgetMs && c.skipReason === undefined);
  return other.length > 0 ? ` (${other.map((c) => `${c.id} ${budgetText(c.budgetMs)}`).join(', ')})` : '';
}

async function main(argv: string[]): Promise<number> {
  let options;
  let cells;
  try {
    options = parseTortureCli(argv);
    if (options.help) {
      process.stdout.write(TORTURE_HELP + '\n');
      return 0;
    }
    cells = planCells(options);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`torture: ${error.message}\nRun 'npm run torture -- --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  const rerun = tortureCommand(options);
  const threads = cells.filter((c) => c.mode === 'threads').length;
  const what = options.catalog ? `the catalog: ${cells.length} bugs` : `${cells.length} cells (${threads} threads, ${cells.length - threads} simulator)`;
  log(`maple-torture torture: seed ${options.seed}${options.seedChosen ? ' (chosen)' : ''}, shard ${options.shard.index}/${options.shard.count}, ` +
    `budget ${formatBudget(options.budgetMs)} over ${what}, ${budgetText(cells[0].budgetMs)} each${ownBudgets(cells)}`);
  log(`rerun: ${rerun}`);

  const tty = process.stderr.isTTY === true;
  const stop = new AbortController();
  const abort = new AbortController();
  const onSignal = (): void => {
    if (!stop.signal.aborted) {
      log('\nstopping (SIGINT): finishing the current cell, skipping the rest (Ctrl-C again to stop the current cell now)...');
      stop.abort();
    } else if (!abort.signal.aborted) {
      log('\nstopping the current cell (SIGINT)...');
      abort.abort();
    }
  };
  process.on('SIGINT', onSignal);
  let prev: StatusSample | null = null;
  let lastPlain = 0;
  const live = (line: string, ms: number): void => {
    if (tty) process.stderr.write(`\r\x1b[2K  ${line}`);
    else if (ms - lastPlain >= 5000) {
      lastPlain = ms;
      log(`  ${line}`);
    }
  };
  let result;
  try {
    result = await runTorture(
      {
        cells,
        budgetMs: options.budgetMs,
        seed: options.seed,
        shard: options.shard,
        catalog: options.catalog,
        out: options.out,
        filters: options.cells,
        rerun,
        trees: options.trees,
        ...(options.kernelSrc !== undefined ? { kernelSrc: options.kernelSrc } : {}),
      },
      {
        stop: stop.signal,
        abort: abort.signal,
        onCellStart: (cell, i, n) => {
          prev = null;
          lastPlain = 0;
          log(cellStartLine(cell, i, n));
        },
        onCellEnd: (cell, i, n) => {
          if (tty) process.stderr.write('\r\x1b[2K');
          log(cellEndLine(cell, i, n));
        },
        onThreadsStatus: (cell, s) => {
          const line = formatStatus(s, prev, cell.budgetMs);
          prev = s;
          live(line, s.ms);
        },
        onLog: (line) => {
          if (tty) process.stderr.write('\r\x1b[2K');
          log(`  ${line}`);
        },
        onExploreProgress: (cell, p) => {
          live(`${(p.ms / 1000).toFixed(1)}s/${(cell.budgetMs / 1000).toFixed(0)}s  ${p.schedules} schedules, ${humanRate(p.schedules / Math.max(p.ms / 1000, 0.001))}/s, no violation`, p.ms);
        },
      },
    );
  } finally {
    process.removeListener('SIGINT', onSignal);
  }

  log('');
  if (result.catalog) {
    log(`catalog score (seed ${options.seed}, shard ${options.shard.index}/${options.shard.count}):`);
    log(catalogTable(result.catalog));
  } else {
    log(summaryTable(result));
  }
  log(totalsLine(result) + (result.stoppedBy === 'signal' ? ' (stopped by SIGINT)' : ''));
  const bad = result.cells.filter((c) => c.status === 'failed' || c.status === 'error');
  for (const cell of bad) log('\n' + cellReport(cell));
  const written = writeResultPair(options.out, result.runId, result, toJUnit(result));
  log(`\nresults: ${written.json}\njunit:   ${written.xml}`);
  appendStepSummary(markdownSummary(result, `maple-torture ${options.catalog ? 'catalog' : 'torture'}, shard ${options.shard.index}/${options.shard.count}, seed ${options.seed}`));
  if (options.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  return exitCodeOf(result);
}

runCli('torture', () => main(process.argv.slice(2)));
