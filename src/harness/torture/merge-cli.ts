#!/usr/bin/env node
/**
 * `npm run merge -- FILE_OR_DIR...`: read the torture results of several shards (folders are
 * searched for torture-*.json, recursively), fold them into one, print the summary, write
 * OUT/torture-merged-<id>.json and .xml, exit 1 if any cell failed.
 */
import { readFileSync } from 'node:fs';
import { UsageError, parseFlags, runCli } from '../cli-args.js';
import { catalogTable, cellReport, crossShardTable, markdownSummary, markdownTable, totalsLine } from './format.js';
import { InputPathError, appendStepSummary, collectTortureFiles, writeResultPair } from './files.js';
import { toJUnit } from './junit.js';
import { MergeInputError, mergeTorture, parseTortureFile, shardRows } from './merge.js';
import type { MergeInput } from './merge.js';
import { toolVersion } from './version.js';

export const MERGE_HELP = `Usage: npm run merge -- [options] FILE_OR_DIR...

Folds the torture results of several shards (npm run torture -- --shard K/N) into one summary:
cells per shard, passed, failed and skipped totals, every failing cell with its replay command,
the catalog scores merged per bug. A folder is searched, recursively, for torture-*.json (merged
results excepted), so a CI artifact download folder works as it is.

Writes OUT/torture-merged-<id>.json (the torture result shape, config.shard {index: 0, count: N},
plus shards: [{file, shard, runId}]) and the merged JUnit OUT/torture-merged-<id>.xml.

Options:
  --out DIR     where the merged files go (default results/)
  --json        also print the merged JSON on stdout
  --help        this text

Mixed master seeds or missing shards are warned about, not refused. With $GITHUB_STEP_SUMMARY
set (GitHub Actions) the summary is also appended there.

Exit status: 0 every cell passed, 1 a cell failed (a violation, or a missed catalog bug), 2 usage
error or an input that is not a torture result, 3 internal failure (here, or a shard's cell
that ended in an internal error).`;

const log = (line: string): void => {
  process.stderr.write(line + '\n');
};

function main(argv: string[]): number {
  let values;
  let positionals;
  try {
    ({ values, positionals } = parseFlags(argv, { out: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } }, true));
    if (values.help) {
      process.stdout.write(MERGE_HELP + '\n');
      return 0;
    }
    if (positionals.length === 0) throw new UsageError('name at least one torture result file or folder');
    if (values.out !== undefined && values.out.trim() === '') throw new UsageError('--out must name a directory');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`merge: ${message}\nRun 'npm run merge -- --help' for the options.\n`);
    return 2;
  }
  const out = values.out ?? 'results/';
  const inputs: MergeInput[] = [];
  try {
    for (const file of collectTortureFiles(positionals)) {
      let text;
      try {
        text = readFileSync(file, 'utf8');
      } catch (error) {
        throw new MergeInputError(file, `cannot be read (${error instanceof Error ? error.message : String(error)})`);
      }
      inputs.push({ file, result: parseTortureFile(file, text) });
    }
  } catch (error) {
    if (error instanceof MergeInputError || error instanceof InputPathError) {
      process.stderr.write(`merge: ${error.message}\n`);
      return 2;
    }
    throw error;
  }

  const { result, warnings } = mergeTorture(inputs, { now: new Date(), out, tool: { name: 'maple-torture', version: toolVersion(), node: process.version } });
  log(`maple-torture merge: ${inputs.length} shard result(s), master seed ${result.config.seed}`);
  for (const w of warnings) log(`warning: ${w}`);
  log('');
  log(markdownTable(['shard', 'file', 'seed', 'cells', 'passed', 'failed', 'skipped', 'errors', 'time'], shardRows(inputs)));
  log('');
  log(crossShardTable(result));
  log('');
  log(`merged: ${totalsLine(result)}`);
  if (result.catalog) {
    log('\ncatalog score, merged:');
    log(catalogTable(result.catalog));
  }
  const bad = result.cells.filter((c) => c.status === 'failed' || c.status === 'error');
  if (bad.length > 0) {
    log(`\n${bad.length} failing cell(s):`);
    for (const cell of bad) log('\n' + cellReport(cell));
  }
  const written = writeResultPair(out, result.runId, result, toJUnit(result));
  log(`\nresults: ${written.json}\njunit:   ${written.xml}`);
  appendStepSummary(markdownSummary(result, `maple-torture merged: ${inputs.length} shards, seed ${result.config.seed}`) + (warnings.length > 0 ? `\n${warnings.map((w) => `> warning: ${w}`).join('\n')}\n` : ''));
  if (values.json) process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  if (result.summary.failed > 0) return 1;
  if ((result.summary.errors ?? 0) > 0) return 3;
  return 0;
}

runCli('merge', () => main(process.argv.slice(2)));
