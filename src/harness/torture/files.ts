/** Files of torture runs: writing a result's JSON and JUnit pair, finding shard results to merge. */
import { existsSync, mkdirSync, readdirSync, statSync, appendFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { writeNew } from '../results-file.js';

/**
 * Write DIR/<name>.json and DIR/<name>.xml, never overwriting: if either exists, both get the
 * first free suffix (-1, -2, ...), so the pair keeps one name.
 */
export function writeResultPair(dir: string, name: string, json: unknown, xml: string): { json: string; xml: string } {
  mkdirSync(dir, { recursive: true });
  let stem = join(dir, name);
  for (let i = 1; existsSync(`${stem}.json`) || existsSync(`${stem}.xml`); i++) stem = join(dir, `${name}-${i}`);
  return { json: writeNew(`${stem}.json`, JSON.stringify(json, null, 2) + '\n'), xml: writeNew(`${stem}.xml`, xml) };
}

/** A path given to merge that does not exist, or a folder with no torture results in it. */
export class InputPathError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InputPathError';
  }
}

/** Shard result files in a folder and below (a CI artifact download has a folder per artifact). */
function walk(dir: string, into: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, into);
    else if (entry.isFile() && /^torture-.*\.json$/.test(entry.name) && !entry.name.startsWith('torture-merged-')) into.push(path);
  }
}

/**
 * The files named, and every torture-*.json under the folders named (merged results excepted),
 * each once, in order.
 */
export function collectTortureFiles(paths: readonly string[]): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      throw new InputPathError(`${p}: no such file or directory`);
    }
    const found: string[] = [];
    if (st.isDirectory()) {
      walk(p, found);
      if (found.length === 0) throw new InputPathError(`${p}: no torture-*.json files in this folder or below`);
    } else found.push(p);
    for (const f of found) {
      const key = resolve(f);
      if (!seen.has(key)) {
        seen.add(key);
        out.push(f);
      }
    }
  }
  return out;
}

/** In GitHub Actions: append markdown to the job summary (a no-op elsewhere, or if it cannot). */
export function appendStepSummary(markdown: string): void {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (!file) return;
  try {
    appendFileSync(file, markdown + '\n');
  } catch {
    // the summary is a convenience; the files and the exit status carry the verdict
  }
}
