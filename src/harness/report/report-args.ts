/** Command-line parsing for `npm run report`: one results file, an optional --out. */
import { UsageError, parseFlags } from '../cli-args.js';
import { EXPECTED } from './load.js';

export const REPORT_HELP = `Usage: npm run report -- results/<file>.json [--out FILE]

Writes a self-contained HTML report (inline charts and stylesheet, no external resources) of
${EXPECTED}.

Options:
  --out FILE   where the report goes (default results/<run-id>.html); an existing file is never
               overwritten: the name gets a -1, -2, ... suffix
  --help       this text

Exit status: 0 written, 2 usage error (bad arguments, unreadable or unrecognised file),
3 internal failure.`;

export interface ReportCli {
  help: boolean;
  file?: string;
  out?: string;
}

export function parseReportCli(argv: string[]): ReportCli {
  const parsed = parseFlags(argv, { out: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, true);
  const help = parsed.values.help ?? false;
  if (help) return { help };
  if (parsed.positionals.length !== 1) {
    throw new UsageError(parsed.positionals.length === 0 ? 'name one results file (results/<file>.json)' : `name one results file, got ${parsed.positionals.length}: ${parsed.positionals.join(' ')}`);
  }
  if (parsed.values.out !== undefined && parsed.values.out.trim() === '') throw new UsageError('--out needs a file name');
  return { help, file: parsed.positionals[0], out: parsed.values.out };
}
