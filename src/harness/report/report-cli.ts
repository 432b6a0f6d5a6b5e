#!/usr/bin/env node
/** `npm run report -- FILE [--out FILE]`: the HTML report of a stress, explore or torture results file. */
import { UsageError, runCli } from '../cli-args.js';
import { REPORT_HELP, parseReportCli } from './report-args.js';
import type { ReportCli } from './report-args.js';
import { defaultReportPath, readReportInput, writeReport } from './report.js';

async function main(argv: string[]): Promise<number> {
  let options: ReportCli;
  let input;
  try {
    options = parseReportCli(argv);
    if (options.help) {
      process.stdout.write(REPORT_HELP + '\n');
      return 0;
    }
    input = readReportInput(options.file!);
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`report: ${error.message}\nRun 'npm run report -- --help' for the options.\n`);
      return 2;
    }
    throw error;
  }
  const path = await writeReport(input, options.out ?? defaultReportPath(input));
  process.stdout.write(`report: ${path}\n`);
  return 0;
}

runCli('report', () => main(process.argv.slice(2)));
