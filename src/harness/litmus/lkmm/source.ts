/**
 * Where LKMM's own litmus tests come from: a kernel tree the user names, else Debian's kernel
 * source package, of which only the litmus folders are extracted into their own cache folder
 * (`.cache/kernel/litmus/<package>/`). Two sets: `tools/memory-model/litmus-tests/*.litmus` (the
 * memory model's tests) and `Documentation/litmus-tests/<topic>/*.litmus` (atomic, locking, rcu).
 * The tests are kernel source: read at run time, never part of the project.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KERNEL_PACKAGE, KernelSourceError, PACKAGE_NAME, defaultCacheDir, extractPackageMembers } from '../../../kernel/source.js';

export const LITMUS_DIR = 'tools/memory-model/litmus-tests';
export const DOC_LITMUS_DIR = 'Documentation/litmus-tests';

export type LitmusSet = 'memory-model' | 'documentation';

export interface LitmusFile {
  /** File name, relative to the set's folder, e.g. `MP+polocks.litmus` or `rcu/RCU+sync+read.litmus`. */
  file: string;
  text: string;
}

export interface LitmusSource {
  /** The folder the files were read from. */
  dir: string;
  origin: 'tree' | 'package';
  files: LitmusFile[];
}

export interface LitmusSourceOptions {
  /** A kernel tree, or a Debian package name such as linux-source-6.1. */
  kernelSrc?: string;
  /** Which set (default memory-model). */
  set?: LitmusSet;
  /** Defaults to `.cache/kernel` under the project. */
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The `.litmus` files of one set of a kernel tree or package, sorted by name. */
export function findLkmmLitmusTests(options: LitmusSourceOptions = {}): LitmusSource {
  const sub = (options.set ?? 'memory-model') === 'memory-model' ? LITMUS_DIR : DOC_LITMUS_DIR;
  const given = options.kernelSrc;
  if (given !== undefined && !(PACKAGE_NAME.test(given) && !existsSync(given))) {
    const root = resolve(given);
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new KernelSourceError(`--kernel-src ${given}: no such directory`);
    const dir = join(root, sub);
    if (!existsSync(dir)) throw new KernelSourceError(`${root} is not a kernel source tree with LKMM's litmus tests: missing ${sub}`);
    return { dir, origin: 'tree', files: readLitmusTree(dir) };
  }
  const pkg = given ?? KERNEL_PACKAGE;
  const cacheRoot = join(options.cacheDir ?? defaultCacheDir(), 'litmus');
  const members = [LITMUS_DIR, DOC_LITMUS_DIR];
  if (!members.every((m) => existsSync(join(cacheRoot, pkg, m)))) extractPackageMembers(pkg, members, join(cacheRoot, 'deb'), cacheRoot, options.log);
  const dir = join(cacheRoot, pkg, sub);
  if (!existsSync(dir)) throw new KernelSourceError(`${pkg} holds no ${sub}`);
  return { dir, origin: 'package', files: readLitmusTree(dir) };
}

/** The `.litmus` files of any folder (e.g. the project's own `litmus/maple/`), sorted by name. */
export function readLitmusFolder(dir: string): LitmusSource {
  const full = resolve(dir);
  if (!existsSync(full) || !statSync(full).isDirectory()) throw new KernelSourceError(`--dir ${dir}: no such directory`);
  return { dir: full, origin: 'tree', files: readLitmusTree(full) };
}

/** `.litmus` files in `dir` and its immediate subfolders (Documentation/litmus-tests/<topic>/). */
function readLitmusTree(dir: string): LitmusFile[] {
  const names: string[] = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.isFile() && entry.name.endsWith('.litmus')) names.push(entry.name);
    else if (entry.isDirectory()) {
      for (const inner of readdirSync(join(dir, entry.name))) if (inner.endsWith('.litmus')) names.push(`${entry.name}/${inner}`);
    }
  }
  names.sort();
  if (names.length === 0) throw new KernelSourceError(`${dir} holds no .litmus files`);
  return names.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}
