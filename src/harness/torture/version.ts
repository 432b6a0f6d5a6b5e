/** The package version, for the `tool` field of results (read once from package.json). */
import { readFileSync } from 'node:fs';

let version: string | undefined;

export function toolVersion(): string {
  if (version === undefined) {
    try {
      // src/harness/torture/ and dist/harness/torture/ both sit three folders below the package.
      const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
      version = typeof pkg.version === 'string' ? pkg.version : '0.0.0';
    } catch {
      version = '0.0.0';
    }
  }
  return version;
}
