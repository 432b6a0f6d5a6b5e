// Writing results/bench-tree-<timestamp>.json without ever overwriting an existing file.
import { mkdirSync, openSync, writeSync, closeSync } from 'node:fs';
import { cpus, platform, arch, release, totalmem } from 'node:os';
import { join } from 'node:path';

export function machineInfo() {
  const cpuList = cpus();
  return {
    cpu: cpuList[0]?.model ?? 'unknown',
    cores: cpuList.length,
    node: process.version,
    v8: process.versions.v8,
    platform: platform(),
    arch: arch(),
    osRelease: release(),
    totalMemBytes: totalmem(),
  };
}

/** Writes JSON to dir/<prefix>-<ISO timestamp, ':' -> '-'>[-k].json with O_EXCL; returns the path. */
export function writeResultsFile(dir: string, prefix: string, date: Date, data: unknown): string {
  mkdirSync(dir, { recursive: true });
  const stamp = date.toISOString().replace(/:/g, '-');
  const text = JSON.stringify(data, null, 2) + '\n';
  for (let k = 0; k < 1000; k++) {
    const path = join(dir, `${prefix}-${stamp}${k === 0 ? '' : `-${k}`}.json`);
    let fd: number;
    try {
      fd = openSync(path, 'wx');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw e;
    }
    try {
      writeSync(fd, text);
    } finally {
      closeSync(fd);
    }
    return path;
  }
  throw new Error(`could not find a free file name for ${prefix}-${stamp} in ${dir}`);
}
