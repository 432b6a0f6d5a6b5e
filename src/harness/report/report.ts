/**
 * A results file's HTML report: one self-contained page (inline stylesheet and SVG charts, no
 * scripts, no external resources) for a stress run, an explore result (the replica's or the
 * kernel's) or a torture result.
 */
import { extname, join } from 'node:path';
import { writeNew } from '../results-file.js';
import { page } from './html.js';
import type { ReportInput } from './load.js';
import { stressPage } from './stress-report.js';
import { explorePage } from './explore-report.js';
import { kernelExplorePage } from './kernel-explore-report.js';
import { torturePage } from './torture-report.js';

export type { ReportInput } from './load.js';
export { readReportInput, recognise } from './load.js';

/** The page for a recognised results file. */
export async function buildReport(input: ReportInput): Promise<string> {
  const { title, body } =
    input.kind === 'stress'
      ? await stressPage(input.data)
      : input.kind === 'explore'
        ? explorePage(input.data)
        : input.kind === 'explore-kernel'
          ? kernelExplorePage(input.data)
          : await torturePage(input.data);
  return page(title, body);
}

/** A file name from a run id: letters, digits, '.', '_' and '-' only. */
export function reportId(input: ReportInput): string {
  const id = input.data.runId.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  return id.length > 0 ? id : `${input.kind}-report`;
}

/** `results/<run id>.html`. */
export function defaultReportPath(input: ReportInput, dir = 'results'): string {
  return join(dir, `${reportId(input)}.html`);
}

/** The report's path next to a results JSON file: the same name with `.html` for its extension. */
export function reportPathNextTo(jsonPath: string): string {
  const ext = extname(jsonPath);
  return `${ext ? jsonPath.slice(0, -ext.length) : jsonPath}.html`;
}

/** Builds the report and writes it at `path` (or path-1, path-2, ...: never overwriting). Returns the path used. */
export async function writeReport(input: ReportInput, path: string): Promise<string> {
  return writeNew(path, await buildReport(input));
}
