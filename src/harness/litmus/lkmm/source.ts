/**
 * Where LKMM's own litmus tests come from: `DIR/tools/memory-model/litmus-tests/*.litmus` of a
 * kernel tree the user names, else of Debian's kernel source package, of which only that folder is
 * extracted into its own cache folder (`.cache/kernel/litmus/<package>/`). The tests are kernel
 * source: read at run time, never part of the project.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { KERNEL_PACKAGE, KernelSourceError, PACKAGE_NAME, defaultCacheDir, extractPackageMembers } from '../../../kernel/source.js';

export const LITMUS_DIR = 'tools/memory-model/litmus-tests';

export interface LitmusFile {
  /** File name, e.g. `MP+pooncerelease+poacquireonce.litmus`. */
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
  /** Defaults to `.cache/kernel` under the project. */
  cacheDir?: string;
  log?: (line: string) => void;
}

/** The `.litmus` files of any folder (e.g. the project's own `litmus/maple/`), sorted by name. */
export function readLitmusFolder(dir: string): LitmusSource {
  const full = resolve(dir);
  if (!existsSync(full) || !statSync(full).isDirectory()) throw new KernelSourceError(`--dir ${dir}: no such directory`);
  return { dir: full, origin: 'tree', files: readLitmusDir(full) };
}

/** The `.litmus` files of a kernel tree or package, sorted by name. */
export function findLkmmLitmusTests(options: LitmusSourceOptions = {}): LitmusSource {
  const given = options.kernelSrc;
  if (given !== undefined && !(PACKAGE_NAME.test(given) && !existsSync(given))) {
    const root = resolve(given);
    if (!existsSync(root) || !statSync(root).isDirectory()) throw new KernelSourceError(`--kernel-src ${given}: no such directory`);
    const dir = join(root, LITMUS_DIR);
    if (!existsSync(dir)) throw new KernelSourceError(`${root} is not a kernel source tree with LKMM's litmus tests: missing ${LITMUS_DIR}`);
    return { dir, origin: 'tree', files: readLitmusDir(dir) };
  }
  const pkg = given ?? KERNEL_PACKAGE;
  const cacheRoot = join(options.cacheDir ?? defaultCacheDir(), 'litmus');
  const dir = join(cacheRoot, pkg, LITMUS_DIR);
  if (!existsSync(dir)) extractPackageMembers(pkg, [LITMUS_DIR], join(cacheRoot, 'deb'), cacheRoot, options.log);
  if (!existsSync(dir)) throw new KernelSourceError(`${pkg} holds no ${LITMUS_DIR}`);
  return { dir, origin: 'package', files: readLitmusDir(dir) };
}

function readLitmusDir(dir: string): LitmusFile[] {
  const names = readdirSync(dir)
    .filter((name) => name.endsWith('.litmus'))
    .sort();
  if (names.length === 0) throw new KernelSourceError(`${dir} holds no .litmus files`);
  return names.map((file) => ({ file, text: readFileSync(join(dir, file), 'utf8') }));
}
