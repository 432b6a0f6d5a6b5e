/**
 * Finding the kernel source the wasm build compiles: a tree the user names (`--kernel-src DIR` or
 * `MAPLE_KERNEL_SRC`) or a Debian kernel source package it names (`linux-source-6.1`), else Debian's
 * `linux-source-6.12` package, fetched with `apt-get download`,
 * unpacked with `dpkg -x`, of which only the few files needed are extracted into the ignored cache
 * (`.cache/kernel/src/`). Nothing from the kernel is ever part of the project.
 */
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The Debian package fetched when no tree is given. */
export const KERNEL_PACKAGE = 'linux-source-6.12';
/** `--kernel-src` may name a Debian kernel source package instead of a folder, e.g. linux-source-6.1. */
export const PACKAGE_NAME = /^linux-source-\d+\.\d+$/;

/** Files compiled (they make up the source hash). */
export const COMPILED_FILES = ['lib/maple_tree.c', 'include/linux/maple_tree.h'] as const;
/** Everything extracted from the package: the compiled files, the test module and the top Makefile. */
export const EXTRACTED_FILES = [...COMPILED_FILES, 'lib/test_maple_tree.c', 'Makefile'] as const;

/** The source or a tool it needs cannot be had; the message names what to install or pass. */
export class KernelSourceError extends Error {
  override name = 'KernelSourceError';
}

export interface KernelSource {
  /** The root of the (possibly partial) kernel tree. */
  dir: string;
  /** Where it came from. */
  origin: 'tree' | 'package';
  /** `6.12.118` from the top Makefile's VERSION/PATCHLEVEL/SUBLEVEL(/EXTRAVERSION). */
  version: string;
  /** sha256 of the compiled files (path and content). */
  hash: string;
  /** The compiled files' contents, by path relative to `dir`. */
  files: Record<string, string>;
}

/** The project's root: the nearest folder above this file holding package.json. */
export function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('maple-torture: cannot find the project root (package.json)');
    dir = up;
  }
}

/** `.cache/kernel` under the project root (ignored by git). */
export function defaultCacheDir(): string {
  return join(projectRoot(), '.cache', 'kernel');
}

/** The version from a top-level kernel Makefile, e.g. `6.12.118`. */
export function kernelVersion(makefile: string): string {
  const field = (name: string): string => {
    const match = new RegExp(`^${name}\\s*=[ \\t]*(\\S*)`, 'm').exec(makefile);
    return match ? match[1] : '';
  };
  const version = field('VERSION');
  const patchlevel = field('PATCHLEVEL');
  if (!version || !patchlevel) return 'unknown';
  const sublevel = field('SUBLEVEL');
  return `${version}.${patchlevel}${sublevel ? `.${sublevel}` : ''}${field('EXTRAVERSION')}`;
}

function readTree(dir: string, origin: KernelSource['origin']): KernelSource {
  const missing = COMPILED_FILES.filter((file) => !existsSync(join(dir, file)));
  if (missing.length > 0) {
    throw new KernelSourceError(
      `${dir} is not a kernel source tree with the maple tree: missing ${missing.join(', ')}`,
    );
  }
  const files: Record<string, string> = {};
  const hash = createHash('sha256');
  for (const file of COMPILED_FILES) {
    const text = readFileSync(join(dir, file), 'utf8');
    files[file] = text;
    hash.update(`${file}\0${text.length}\0`).update(text);
  }
  const makefile = join(dir, 'Makefile');
  const version = existsSync(makefile) ? kernelVersion(readFileSync(makefile, 'utf8')) : 'unknown';
  return { dir, origin, version, hash: hash.digest('hex'), files };
}

function run(command: string, args: string[], cwd: string, purpose: string, packageHint: string): string {
  const result = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (result.error && (result.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new KernelSourceError(
      `${command} is not installed (needed to ${purpose}): install ${packageHint}, ` +
        `or pass --kernel-src DIR (or set MAPLE_KERNEL_SRC) to use a kernel tree you have`,
    );
  }
  if (result.error) throw result.error;
  if (result.status !== 0) {
    throw new KernelSourceError(
      `\`${command} ${args.join(' ')}\` failed (exit ${result.status}) while trying to ${purpose}:\n` +
        `${(result.stderr || result.stdout || '').trim()}`,
    );
  }
  return result.stdout;
}

export interface FindSourceOptions {
  /** A kernel tree; overrides MAPLE_KERNEL_SRC. */
  kernelSrc?: string;
  /** Defaults to `.cache/kernel` under the project. */
  cacheDir?: string;
  /** Progress lines. */
  log?: (line: string) => void;
}

/**
 * The kernel source to build from: the given tree, else the package's files in the cache
 * (fetching and extracting them the first time).
 */
export function findKernelSource(options: FindSourceOptions = {}): KernelSource {
  const given = options.kernelSrc ?? process.env.MAPLE_KERNEL_SRC;
  if (given && PACKAGE_NAME.test(given) && !existsSync(given)) return packageSource(given, options);
  if (given) {
    const dir = resolve(given);
    if (!existsSync(dir) || !statSync(dir).isDirectory()) {
      const from = options.kernelSrc ? '--kernel-src' : 'MAPLE_KERNEL_SRC=';
      throw new KernelSourceError(`${from}${options.kernelSrc ? ' ' : ''}${given}: no such directory`);
    }
    return readTree(dir, 'tree');
  }
  return packageSource(KERNEL_PACKAGE, options);
}

/** A Debian kernel source package's maple tree files, from the cache or fetched the first time. */
function packageSource(name: string, options: FindSourceOptions): KernelSource {
  const cacheDir = options.cacheDir ?? defaultCacheDir();
  const srcDir = join(cacheDir, 'src', name);
  if (EXTRACTED_FILES.every((file) => existsSync(join(srcDir, file)))) return readTree(srcDir, 'package');
  fetchPackage(name, cacheDir, options.log ?? (() => {}));
  return readTree(srcDir, 'package');
}

/** apt-get download, dpkg -x, and extract only the needed members; leaves only those behind. */
function fetchPackage(pkg: string, cacheDir: string, log: (line: string) => void): void {
  const work = join(cacheDir, 'deb');
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const aptHint = 'apt (Debian/Ubuntu)';
  const started = Date.now();
  log(`kernel source: fetching Debian's ${pkg} (about 150 MB) with apt-get download`);
  try {
    run('apt-get', ['download', pkg], work, `fetch ${pkg}`, aptHint);
  } catch (error) {
    if (!(error instanceof KernelSourceError) || /not installed/.test(error.message)) throw error;
    // A fresh machine's package lists are often empty: update them once and retry.
    log('kernel source: apt-get download failed; running apt-get update once and retrying');
    run('apt-get', ['update'], work, 'update the package lists (needs root)', aptHint);
    run('apt-get', ['download', pkg], work, `fetch ${pkg}`, aptHint);
  }
  const deb = readdirSync(work).find((name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'));
  if (!deb) throw new KernelSourceError(`apt-get download ${pkg} left no .deb in ${work}`);
  log(`kernel source: fetched ${deb} in ${((Date.now() - started) / 1000).toFixed(1)} s; unpacking`);
  run('dpkg', ['-x', deb, 'x'], work, `unpack ${deb}`, 'dpkg (Debian/Ubuntu)');
  const tarball = join(work, 'x', 'usr', 'src', `${pkg}.tar.xz`);
  if (!existsSync(tarball)) throw new KernelSourceError(`${deb} holds no usr/src/${pkg}.tar.xz`);
  const out = join(cacheDir, 'src');
  mkdirSync(out, { recursive: true });
  run(
    'tar',
    ['-xJf', tarball, '-C', out, ...EXTRACTED_FILES.map((file) => `${pkg}/${file}`)],
    work,
    `extract the maple tree files from ${pkg}.tar.xz`,
    'tar and xz-utils',
  );
  rmSync(work, { recursive: true, force: true });
  log(`kernel source: extracted ${EXTRACTED_FILES.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/**
 * Extract some members (files or folders, relative to the tree's root) of a Debian kernel source
 * package into `outDir/<pkg>/...`: apt-get download into `workDir` (emptied first, removed after),
 * dpkg -x, tar -x of only those members. For callers with their own cache folder (the litmus tests);
 * the maple tree build keeps its own extraction above.
 */
export function extractPackageMembers(
  pkg: string,
  members: readonly string[],
  workDir: string,
  outDir: string,
  log: (line: string) => void = () => {},
): void {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const aptHint = 'apt (Debian/Ubuntu)';
  const started = Date.now();
  log(`kernel source: fetching Debian's ${pkg} (about 150 MB) with apt-get download`);
  try {
    run('apt-get', ['download', pkg], workDir, `fetch ${pkg}`, aptHint);
  } catch (error) {
    if (!(error instanceof KernelSourceError) || /not installed/.test(error.message)) throw error;
    log('kernel source: apt-get download failed; running apt-get update once and retrying');
    run('apt-get', ['update'], workDir, 'update the package lists (needs root)', aptHint);
    run('apt-get', ['download', pkg], workDir, `fetch ${pkg}`, aptHint);
  }
  const deb = readdirSync(workDir).find((name) => name.startsWith(`${pkg}_`) && name.endsWith('.deb'));
  if (!deb) throw new KernelSourceError(`apt-get download ${pkg} left no .deb in ${workDir}`);
  run('dpkg', ['-x', deb, 'x'], workDir, `unpack ${deb}`, 'dpkg (Debian/Ubuntu)');
  const tarball = join(workDir, 'x', 'usr', 'src', `${pkg}.tar.xz`);
  if (!existsSync(tarball)) throw new KernelSourceError(`${deb} holds no usr/src/${pkg}.tar.xz`);
  mkdirSync(outDir, { recursive: true });
  run(
    'tar',
    ['-xJf', tarball, '-C', outDir, ...members.map((member) => `${pkg}/${member}`)],
    workDir,
    `extract ${members.join(', ')} from ${pkg}.tar.xz`,
    'tar and xz-utils',
  );
  rmSync(workDir, { recursive: true, force: true });
  log(`kernel source: extracted ${members.join(', ')} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
