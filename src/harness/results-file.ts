/** Writing run output under results/: JSON, never overwriting an existing file. */
import { mkdirSync, writeFileSync, existsSync } from 'node:fs';
import { dirname, extname } from 'node:path';

/** Write `data` as JSON to `path`, or to path-1, path-2, ... if it exists. Returns the path used. */
export function writeNew(path: string, text: string): string {
  mkdirSync(dirname(path), { recursive: true });
  const ext = extname(path);
  const stem = path.slice(0, path.length - ext.length);
  let candidate = path;
  for (let i = 1; existsSync(candidate); i++) candidate = `${stem}-${i}${ext}`;
  writeFileSync(candidate, text, { flag: 'wx' });
  return candidate;
}

export function writeJson(path: string, data: unknown): string {
  return writeNew(path, JSON.stringify(data, null, 2) + '\n');
}
