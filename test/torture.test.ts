/**
 * npm run torture and npm run merge: seed derivation, the matrix and its budget split, --shard and
 * the other flags, JUnit XML (parsed back with a strict little parser: well-formed, escaped, a
 * failing cell carries its report and rerun command), merging synthetic shard results, finding
 * shard files in folders, and real child-process runs of both CLIs (a few short cells).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOG, findBug } from '../src/harness/catalog.js';
import { WORKLOADS } from '../src/harness/types.js';
import type { Violation } from '../src/harness/types.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { parseShard, parseTortureCli, tortureCommand } from '../src/harness/torture/args.js';
import {
  CATALOG_INDEX_BASE,
  buildCatalogCells,
  buildMatrix,
  catalogBudget,
  cellBudget,
  cellSeed,
  filterCells,
  foldSeed,
  planCells,
} from '../src/harness/torture/matrix.js';
import { toJUnit, xmlEscape } from '../src/harness/torture/junit.js';
import { MergeInputError, asTortureResult, mergeCatalog, mergeTorture, parseTortureFile } from '../src/harness/torture/merge.js';
import { InputPathError, collectTortureFiles, writeResultPair } from '../src/harness/torture/files.js';
import { catalogTable, cellEndLine, markdownTable, summaryTable } from '../src/harness/torture/format.js';
import { exitCodeOf, scoreOf } from '../src/harness/torture/torture.js';
import { summarize } from '../src/harness/torture/summary.js';
import type { CatalogScore, TortureCell, TortureResult } from '../src/harness/torture/types.js';
import { usageError } from './support/usage-error.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

// ---------------------------------------------------------------------------------------------
// A strict little XML parser: enough of XML 1.0 to prove the JUnit output well-formed.

interface XmlNode {
  name: string;
  attrs: Record<string, string>;
  children: XmlNode[];
  text: string;
}

const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

function decodeEntities(raw: string, where: string): string {
  if (FORBIDDEN.test(raw)) throw new Error(`forbidden character in ${where}`);
  const rest = raw.replace(/&(?:#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, '');
  if (rest.includes('&')) throw new Error(`bare & in ${where}: ${raw.slice(0, 80)}`);
  return raw.replace(/&(#\d+|#x[0-9a-fA-F]+|amp|lt|gt|quot|apos);/g, (_, e: string) => {
    if (e === 'amp') return '&';
    if (e === 'lt') return '<';
    if (e === 'gt') return '>';
    if (e === 'quot') return '"';
    if (e === 'apos') return "'";
    return String.fromCodePoint(e.startsWith('#x') ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
  });
}

function parseXml(src: string): XmlNode {
  expect(src.startsWith('<?xml version="1.0" encoding="UTF-8"?>')).toBe(true);
  let i = src.indexOf('?>') + 2;
  const doc: XmlNode = { name: '#document', attrs: {}, children: [], text: '' };
  const stack: XmlNode[] = [doc];
  const NAME = '[A-Za-z_][A-Za-z0-9_.-]*';
  const openTag = new RegExp(`^<(${NAME})((?:\\s+${NAME}="[^"<]*")*)\\s*(/?)>`);
  while (i < src.length) {
    const lt = src.indexOf('<', i);
    const text = lt < 0 ? src.slice(i) : src.slice(i, lt);
    const top = stack[stack.length - 1];
    top.text += decodeEntities(text, `text of <${top.name}>`);
    if (lt < 0) break;
    if (src.startsWith('</', lt)) {
      const gt = src.indexOf('>', lt);
      const name = src.slice(lt + 2, gt).trim();
      const open = stack.pop();
      if (!open || open.name !== name) throw new Error(`</${name}> closes <${open?.name}>`);
      i = gt + 1;
      continue;
    }
    const m = openTag.exec(src.slice(lt));
    if (!m) throw new Error(`malformed tag at ${lt}: ${src.slice(lt, lt + 80)}`);
    const node: XmlNode = { name: m[1], attrs: {}, children: [], text: '' };
    for (const a of m[2].matchAll(new RegExp(`(${NAME})="([^"<]*)"`, 'g'))) {
      if (a[1] in node.attrs) throw new Error(`duplicate attribute ${a[1]} on <${node.name}>`);
      node.attrs[a[1]] = decodeEntities(a[2], `attribute ${a[1]}`);
    }
    top.children.push(node);
    if (m[3] !== '/') stack.push(node);
    i = lt + m[0].length;
  }
  if (stack.length !== 1) throw new Error(`unclosed <${stack[stack.length - 1].name}>`);
  if (doc.children.length !== 1 || doc.text.trim() !== '') throw new Error('a document has one root element and no text outside it');
  return doc.children[0];
}

const kids = (n: XmlNode, name: string): XmlNode[] => n.children.filter((c) => c.name === name);

/** JUnit structure: counts add up, times are seconds, every testcase has a name and a classname. */
function checkJUnit(root: XmlNode): XmlNode[] {
  expect(root.name).toBe('testsuites');
  const suites = kids(root, 'testsuite');
  const cases: XmlNode[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  let errors = 0;
  for (const s of suites) {
    const tc = kids(s, 'testcase');
    expect(Number(s.attrs.tests)).toBe(tc.length);
    expect(Number(s.attrs.failures)).toBe(tc.filter((c) => kids(c, 'failure').length > 0).length);
    expect(Number(s.attrs.skipped)).toBe(tc.filter((c) => kids(c, 'skipped').length > 0).length);
    expect(Number(s.attrs.errors)).toBe(tc.filter((c) => kids(c, 'error').length > 0).length);
    expect(s.attrs.time).toMatch(/^\d+\.\d{3}$/);
    expect(s.attrs.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d$/);
    for (const c of tc) {
      expect(c.attrs.name).toBeTruthy();
      expect(c.attrs.classname).toMatch(/^maple-torture\.(torture|catalog)\.shard\d+$/);
      expect(c.attrs.time).toMatch(/^\d+\.\d{3}$/);
    }
    tests += tc.length;
    failures += Number(s.attrs.failures);
    skipped += Number(s.attrs.skipped);
    errors += Number(s.attrs.errors);
    cases.push(...tc);
  }
  expect(Number(root.attrs.tests)).toBe(tests);
  expect(Number(root.attrs.failures)).toBe(failures);
  expect(Number(root.attrs.skipped)).toBe(skipped);
  expect(Number(root.attrs.errors)).toBe(errors);
  return cases;
}

// ---------------------------------------------------------------------------------------------
// Synthetic results.

const NASTY = `a<b & c>d "quoted" 'single' ]]> tab\there \u0001bell \uD800lone 😀 <failure>`;

const violation = (over: Partial<Violation> = {}): Violation => ({
  kind: 'stale-read',
  thread: 'reader 1',
  op: 'walk(41635)',
  seen: `reader 1 used words of node 3 read after it died ${NASTY}`,
  expected: ['v36: 101 over [10, 19]', 'v37: NULL over [0, 99]'],
  window: [36, 215],
  nodes: 'node 3: generation 7 when first read, 8 when judged',
  detail: 'detail & more',
  ...over,
});

function cell(over: Partial<TortureCell> = {}): TortureCell {
  return {
    id: 'threads/random/r2',
    mode: 'threads',
    workload: 'random',
    readers: 2,
    seed: 123,
    budgetMs: 2000,
    elapsedMs: 2001,
    wallMs: 2600,
    status: 'passed',
    readerOps: 1000,
    writerOps: 100,
    violations: [],
    replay: 'npm run stress -- --seed 123 --workload random --readers 2 --duration 2000ms',
    index: 1,
    violationCount: 0,
    ...over,
  };
}

function result(cells: TortureCell[], over: Partial<TortureResult> = {}, config: Partial<TortureResult['config']> = {}): TortureResult {
  return {
    schema: 1,
    kind: 'torture',
    runId: 'torture-2026-01-01T00-00-00-000Z-42-1of2',
    tool: { name: 'maple-torture', version: '0.1.0', node: 'v20.0.0' },
    startedAt: '2026-01-01T00:00:00.000Z',
    elapsedMs: 5000,
    rerun: 'npm run torture -- --budget 1m --seed 42 --shard 1/2',
    config: { budgetMs: 60_000, seed: 42, shard: { index: 1, count: 2 }, catalog: false, out: 'results/', ...config },
    stoppedBy: 'budget',
    cells,
    summary: summarize(cells),
    ...over,
  };
}

// ---------------------------------------------------------------------------------------------

describe('seed derivation', () => {
  it('same inputs give the same seed; another shard, cell or master seed gives another', () => {
    expect(cellSeed(42, 1, 0)).toBe(cellSeed(42, 1, 0));
    const seen = new Map<number, string>();
    for (const master of [0, 1, 42, 0xffffffff]) {
      for (let shard = 1; shard <= 8; shard++) {
        for (const index of [...buildMatrix().map((c) => c.index), ...buildCatalogCells().map((c) => c.index)]) {
          const s = cellSeed(master, shard, index);
          expect(Number.isInteger(s) && s >= 0 && s <= 0xffffffff).toBe(true);
          const key = `${master}/${shard}/${index}`;
          expect(seen.get(s), `${key} repeats ${seen.get(s)}`).toBeUndefined();
          seen.set(s, key);
        }
      }
    }
  });

  it('master seeds beyond 32 bits (a CI run id) fold to 32 bits and stay distinct', () => {
    expect(foldSeed(42)).toBe(42);
    expect(foldSeed(0xffffffff)).toBe(0xffffffff);
    const big = 12_345_678_901;
    expect(foldSeed(big)).toBe(foldSeed(big));
    expect(foldSeed(big)).not.toBe(big >>> 0);
    expect(foldSeed(big + 2 ** 32)).not.toBe(foldSeed(big));
    expect(cellSeed(big, 1, 0)).not.toBe(cellSeed(big >>> 0, 1, 0));
  });
});

describe('the matrix and the budget split', () => {
  it('threads: 5 workloads x readers 1, 2, 4; simulator: 6 scenarios x readers 1, 2', () => {
    const m = buildMatrix();
    expect(m).toHaveLength(WORKLOADS.length * 3 + SCENARIOS.length * 2);
    expect(new Set(m.map((c) => c.id)).size).toBe(m.length);
    expect(m.map((c) => c.index)).toEqual(m.map((_, i) => i));
    const threads = m.filter((c) => c.mode === 'threads');
    expect(threads.map((c) => c.id)).toContain('threads/random/r2');
    expect(new Set(threads.map((c) => c.workload))).toEqual(new Set(WORKLOADS));
    expect(new Set(threads.map((c) => c.readers))).toEqual(new Set([1, 2, 4]));
    const sim = m.filter((c) => c.mode === 'simulator');
    expect(sim.map((c) => c.id)).toContain('simulator/churn/r1');
    expect(new Set(sim.map((c) => c.workload))).toEqual(new Set(SCENARIOS));
    expect(new Set(sim.map((c) => c.readers))).toEqual(new Set([1, 2]));
    for (const c of m) expect(c.id).toBe(`${c.mode}/${c.workload}/r${c.readers}`);
  });

  it('each cell gets budget / cells; seeds come from the unfiltered index', () => {
    const base = { seed: 42, shard: { index: 2, count: 4 }, catalog: false, cells: [] as string[] };
    const all = planCells({ ...base, budgetMs: 600_000 });
    expect(all).toHaveLength(27);
    for (const c of all) {
      expect(c.budgetMs).toBe(Math.floor(600_000 / 27));
      expect(c.seed).toBe(cellSeed(42, 2, c.index));
    }
    const some = planCells({ ...base, budgetMs: 20_000, cells: ['simulator/churn/', 'threads/vma/r4'] });
    expect(some.map((c) => c.id)).toEqual(['threads/vma/r4', 'simulator/churn/r1', 'simulator/churn/r2']);
    expect(some.every((c) => c.budgetMs === Math.floor(20_000 / 3))).toBe(true);
    for (const c of some) expect(c.seed).toBe(all.find((a) => a.id === c.id)!.seed);
    // Another shard: every seed differs.
    const other = planCells({ ...base, budgetMs: 600_000, shard: { index: 3, count: 4 } });
    for (let i = 0; i < all.length; i++) expect(other[i].seed).not.toBe(all[i].seed);
  });

  it('a budget below the floor is a usage error that names the minimum', () => {
    const m = buildMatrix();
    expect(cellBudget(54_000, m)).toBe(2000);
    const e = usageError(() => cellBudget(53_999, m));
    expect(e.message).toMatch(/too small for 27 cells/);
    expect(e.message).toContain('at least 2s each');
    expect(e.message).toContain('the minimum is --budget 54s');
    // Simulator cells alone have a lower floor.
    const sim = m.filter((c) => c.mode === 'simulator');
    expect(cellBudget(6000, sim)).toBe(500);
    expect(usageError(() => cellBudget(5000, sim)).message).toContain('the minimum is --budget 6s');
    expect(usageError(() => planCells({ budgetMs: 50_000, seed: 1, shard: { index: 1, count: 1 }, catalog: false, cells: [] })).message).toContain('--budget 54s');
  });

  it('the catalog: every bug in its mode, min(30 s, budget / bugs) each', () => {
    const cells = buildCatalogCells();
    expect(cells).toHaveLength(CATALOG.length);
    for (const [i, c] of cells.entries()) {
      const bug = CATALOG[i];
      expect(c.id).toBe(`catalog/${bug.name}`);
      expect(c.bug).toBe(bug.name);
      expect(c.mode).toBe(bug.mode);
      expect(c.workload).toBe(bug.mode === 'threads' ? bug.workload : 'all');
      expect(c.readers).toBe(2);
      expect(c.index).toBe(CATALOG_INDEX_BASE + i);
    }
    expect(catalogBudget(600_000, cells)).toBe(30_000);
    expect(catalogBudget(360_000, cells)).toBe(Math.floor(360_000 / CATALOG.length));
    // Threads bugs among them: 2 s each at least.
    expect(usageError(() => catalogBudget(25_000, cells)).message).toContain(`the minimum is --budget ${2 * CATALOG.length}s`);
  });

  it('--cells: prefixes select cells; one that matches nothing is a usage error', () => {
    const m = buildMatrix();
    expect(filterCells(m, ['simulator/'])).toHaveLength(12);
    expect(filterCells(m, ['threads/random/r2'])).toHaveLength(1);
    expect(filterCells(m, [])).toBe(m);
    expect(usageError(() => filterCells(m, ['simulator/', 'nope'])).message).toContain("'nope' matches no cell");
  });
});

describe('torture flags', () => {
  it('--shard K/N: 1 <= K <= N', () => {
    expect(parseShard('2/4')).toEqual({ index: 2, count: 4 });
    expect(parseShard('1/1')).toEqual({ index: 1, count: 1 });
    for (const bad of ['0/4', '5/4', '1/0', '0/0', '2', '2/', '/4', 'a/b', '-1/4', '1.5/4', '']) {
      expect(usageError(() => parseShard(bad)).message).toMatch(/--shard/);
    }
    expect(usageError(() => parseTortureCli(['--shard', '3/2'])).message).toContain("got '3/2'");
  });

  it('defaults, flags, errors', () => {
    const o = parseTortureCli([]);
    expect(o).toMatchObject({ help: false, json: false, catalog: false, budgetMs: 600_000, seedChosen: true, shard: { index: 1, count: 1 }, out: 'results/', cells: [] });
    const p = parseTortureCli(['--budget', '90s', '--seed', '12345678901', '--shard', '2/3', '--out', 'x', '--cells', 'simulator/,threads/random/', '--cells', 'threads/vma/r1', '--catalog', '--json']);
    expect(p).toMatchObject({ budgetMs: 90_000, seed: 12_345_678_901, seedChosen: false, shard: { index: 2, count: 3 }, out: 'x', cells: ['simulator/', 'threads/random/', 'threads/vma/r1'], catalog: true, json: true });
    expect(tortureCommand(p)).toBe('npm run torture -- --catalog --budget 90s --seed 12345678901 --shard 2/3 --cells simulator/,threads/random/,threads/vma/r1 --out x');
    expect(usageError(() => parseTortureCli(['--budget', 'soon'])).message).toContain('--budget');
    expect(usageError(() => parseTortureCli(['--seed', '-1'])).message).toContain('--seed');
    expect(usageError(() => parseTortureCli(['--seed', '99999999999999999999'])).message).toContain('--seed');
    expect(usageError(() => parseTortureCli(['--frobnicate'])).message).toContain('--frobnicate');
    expect(usageError(() => parseTortureCli(['--cells', ','])).message).toContain('--cells');
  });
});

describe('JUnit XML', () => {
  const failing = cell({
    id: 'threads/vma/r4',
    workload: 'vma',
    readers: 4,
    status: 'failed',
    violations: [violation(), violation({ kind: 'result', thread: 'reader 0', op: 'find(1, max 9) step 3', window: undefined, nodes: undefined })],
    violationCount: 7,
    replay: 'npm run stress -- --seed 99 --workload vma --readers 4 --duration 2000ms',
  });
  const simFailing = cell({
    id: 'simulator/churn/r1',
    mode: 'simulator',
    workload: 'churn',
    readers: 1,
    status: 'failed',
    schedules: 17,
    violations: [violation({ kind: 'poison' })],
    violationCount: 1,
    replay: 'npm run explore -- --replay mt1.ABC_def-123',
  });
  const r = result([
    cell(),
    failing,
    cell({ id: 'threads/churn/r1', workload: 'churn', readers: 1, status: 'error', error: `Error: boom ${NASTY}\n    at x (y.ts:1:1)` }),
    cell({ id: 'simulator/random/r2', mode: 'simulator', schedules: 1234, replay: 'npm run explore -- --seed 1 --scenario random' }),
    simFailing,
    cell({ id: 'simulator/vma/r1', mode: 'simulator', status: 'skipped', elapsedMs: 0, wallMs: undefined }),
  ], { stoppedBy: 'signal' });

  it('is well-formed, escapes everything, and its counts add up', () => {
    const xml = toJUnit(r);
    const root = parseXml(xml);
    const cases = checkJUnit(root);
    expect(kids(root, 'testsuite').map((s) => s.attrs.name)).toEqual(['threads', 'simulator']);
    expect(cases.map((c) => c.attrs.name)).toEqual(r.cells.map((c) => c.id));
    expect(new Set(cases.map((c) => c.attrs.classname))).toEqual(new Set(['maple-torture.torture.shard1']));
    expect(cases[0].attrs.time).toBe('2.600');
    expect(root.attrs).toMatchObject({ tests: '6', failures: '2', errors: '1', skipped: '1' });
    // No raw control character or lone surrogate survives.
    expect(xml).not.toMatch(/[\u0000-\u0008\u000B\u000C\u000E-\u001F]/);
    expect(xml).not.toMatch(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/);
    expect(xml).toContain('😀');
  });

  it('a failing cell carries the violation report and the rerun command; a simulator failure its replay', () => {
    const cases = checkJUnit(parseXml(toJUnit(r)));
    const f = kids(cases[1], 'failure')[0];
    expect(f.attrs.type).toBe('stale-read');
    expect(f.attrs.message).toBe('stale-read in reader 1: walk(41635) (and 6 more)');
    for (const part of ['seen:', 'expected:', 'v36: 101 over [10, 19]', 'window:    versions [36, 215]', 'nodes:     node 3', 'detail:    detail & more', 'first 2 of 7', 'result in reader 0: find(1, max 9) step 3']) {
      expect(f.text).toContain(part);
    }
    // The nasty text comes back as it was (bar the characters XML cannot carry).
    expect(f.text).toContain(`a<b & c>d "quoted" 'single' ]]> tab\there`);
    expect(f.text).toContain('rerun:    npm run stress -- --seed 99 --workload vma --readers 4 --duration 2000ms');
    const sim = kids(cases[4], 'failure')[0];
    expect(sim.attrs.type).toBe('poison');
    expect(sim.text).toContain('replay:    npm run explore -- --replay mt1.ABC_def-123');
    const err = kids(cases[2], 'error')[0];
    expect(err.attrs.message).toMatch(/^internal failure: Error: boom a<b & c>d "quoted" 'single'/);
    expect(kids(cases[5], 'skipped')[0].attrs.message).toBe('not run: stopped by SIGINT');
    expect(kids(cases[0], 'system-out')[0].text).toContain('rerun: npm run stress -- --seed 123');
    expect(kids(cases[3], 'failure')).toHaveLength(0);
  });

  it('attribute escaping keeps quotes, newlines and tabs', () => {
    const text = `x"y'z<&>\n\t\r`;
    const root = parseXml(`<?xml version="1.0" encoding="UTF-8"?>\n<a b="${xmlEscape(text, true)}">${xmlEscape(text)}</a>`);
    expect(root.attrs.b).toBe(text);
    expect(root.text).toBe(text);
    expect(xmlEscape('\u0000\u001f\uFFFF')).toBe('\uFFFD\uFFFD\uFFFD');
  });

  it('a catalog run: one testcase per bug, a missed bug is a failure', () => {
    const detected = cell({ id: 'catalog/stale-pivots', bug: 'stale-pivots', workload: 'churn', status: 'passed', violations: [violation()], violationCount: 1, elapsedMs: 90 });
    const missed = cell({ id: 'catalog/missing-rmb', bug: 'missing-rmb', mode: 'simulator', workload: 'all', status: 'failed', elapsedMs: 2000, schedules: 5000, replay: 'npm run explore -- --seed 5 --bug missing-rmb' });
    const cat = result([detected, missed], {}, { catalog: true });
    cat.catalog = cat.cells.map(scoreOf);
    expect(cat.catalog[0]).toMatchObject({ bug: 'stale-pivots', detected: true, secondsToDetect: 0.09, violationKind: 'stale-read' });
    expect(cat.catalog[1]).toMatchObject({ bug: 'missing-rmb', detected: false, mode: 'simulator' });
    expect(exitCodeOf(cat)).toBe(1);
    const cases = checkJUnit(parseXml(toJUnit(cat)));
    expect(cases.map((c) => c.attrs.classname)).toEqual(['maple-torture.catalog.shard1', 'maple-torture.catalog.shard1']);
    expect(kids(cases[0], 'failure')).toHaveLength(0);
    expect(kids(cases[0], 'system-out')[0].text).toContain('detected after 0.09 s as stale-read');
    const f = kids(cases[1], 'failure')[0];
    expect(f.attrs.type).toBe('missed');
    expect(f.attrs.message).toContain('missed: missing-rmb was not detected');
    expect(f.text).toContain('rerun:    npm run explore -- --seed 5 --bug missing-rmb');
  });

  it("a simulator cell's time to detect is the explorer's, not the shrink after it", () => {
    // catalog/plain-publish, seed 15: found in the first schedule after 6 ms, then shrunk for 12.5 s.
    const sim = cell({ id: 'catalog/plain-publish', bug: 'plain-publish', mode: 'simulator', workload: 'all', status: 'passed', violations: [violation()], violationCount: 1, elapsedMs: 12_538, wallMs: 13_100, schedules: 1, readerOps: 11, result: { secondsToDetect: 0.006 } });
    // The kernel explorer does not shrink: its failure.seconds is the cell's elapsed time (seed 16).
    const kernelSim = cell({ id: 'catalog/overlay-before-death', bug: 'overlay-before-death', mode: 'simulator', workload: 'destroy', status: 'passed', violations: [violation()], violationCount: 1, elapsedMs: 1_637, schedules: 40, result: { failure: { seconds: 1.637 } } });
    const threads = cell({ id: 'catalog/stale-pivots', bug: 'stale-pivots', workload: 'churn', status: 'passed', violations: [violation()], violationCount: 1, elapsedMs: 90, wallMs: 400 });
    expect([sim, kernelSim, threads].map((c) => scoreOf(c).secondsToDetect)).toEqual([0.006, 1.637, 0.09]);
    expect(cellEndLine(sim, 13, 16)).toBe('[13/16] catalog/plain-publish: detected (stale-read) after 0.01 s (12.5 s with the shrink, 13.1 s with start-up and checks), 1 schedules, 11 reader ops');
    expect(cellEndLine(kernelSim, 2, 3)).toMatch(/^\[2\/3\] catalog\/overlay-before-death: detected \(stale-read\) after 1\.6 s \(\d+\.\d s with start-up and checks\), /);
    expect(cellEndLine(kernelSim, 2, 3)).not.toContain('shrink');
    expect(cellEndLine(threads, 1, 16)).toMatch(/^\[ 1\/16\] catalog\/stale-pivots: detected \(stale-read\) after 0\.1 s \(0\.4 s with start-up and checks\), /);
    // The JUnit report says the same as the table.
    const junit = toJUnit(result([sim], {}, { catalog: true }));
    expect(junit).toContain('detected after 0.01 s as stale-read');
    expect(junit).not.toContain('detected after 12.54 s');
  });
});

describe('merge', () => {
  const shard = (index: number, cells: TortureCell[], seed = 42, count = 2): TortureResult =>
    result(cells, { runId: `torture-x-${seed}-${index}of${count}`, elapsedMs: 1000 * index }, { shard: { index, count }, seed });

  it('folds shards: totals, every cell tagged with its shard, failures listed, shards recorded', () => {
    const a = shard(1, [cell(), cell({ id: 'threads/vma/r1', status: 'failed', violations: [violation()], violationCount: 3 })]);
    const b = shard(2, [cell({ seed: 456 }), cell({ id: 'threads/vma/r1', status: 'skipped' })], 42);
    const { result: m, warnings } = mergeTorture([{ file: 'b.json', result: b }, { file: 'a.json', result: a }], { now: new Date('2026-02-02T00:00:00Z'), out: 'o/', tool: a.tool });
    expect(warnings).toEqual([]);
    expect(m.kind).toBe('torture');
    expect(m.runId).toBe('torture-merged-2026-02-02T00-00-00-000Z-42');
    expect(m.config).toMatchObject({ seed: 42, shard: { index: 0, count: 2 }, out: 'o/' });
    expect(m.shards).toEqual([
      { file: 'a.json', shard: { index: 1, count: 2 }, runId: 'torture-x-42-1of2' },
      { file: 'b.json', shard: { index: 2, count: 2 }, runId: 'torture-x-42-2of2' },
    ]);
    expect(m.summary).toMatchObject({ cells: 4, passed: 2, failed: 1, skipped: 1, violations: 3 });
    expect(m.cells.map((c) => c.shard)).toEqual([1, 1, 2, 2]);
    const failed = m.cells.filter((c) => c.status === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]).toMatchObject({ shard: 1, id: 'threads/vma/r1', replay: expect.stringContaining('npm run stress --') });
    expect(m.elapsedMs).toBe(2000);
    expect(summaryTable(m).split('\n')[0]).toMatch(/^\| shard +\| cell/);
    // Merged JUnit: a suite per shard and mode, classnames by shard.
    const cases = checkJUnit(parseXml(toJUnit(m)));
    expect(cases.map((c) => c.attrs.classname)).toEqual(['maple-torture.torture.shard1', 'maple-torture.torture.shard1', 'maple-torture.torture.shard2', 'maple-torture.torture.shard2']);
  });

  it('warns on mixed seeds and on missing or repeated shards, and goes on', () => {
    const { result: m, warnings } = mergeTorture(
      [{ file: 'a.json', result: shard(1, [cell()], 42, 3) }, { file: 'c.json', result: shard(1, [cell()], 7, 3) }],
      { now: new Date(), out: 'results/', tool: { name: 'maple-torture', version: '0', node: 'v20' } },
    );
    expect(warnings.some((w) => /mixed master seeds: 42 \(a\.json\); 7 \(c\.json\)/.test(w))).toBe(true);
    expect(m.warnings).toEqual(warnings);
    expect(m.summary.cells).toBe(2);
    const { warnings: w2 } = mergeTorture(
      [{ file: 'a.json', result: shard(1, [cell()], 42, 3) }, { file: 'b.json', result: shard(1, [cell()], 42, 3) }],
      { now: new Date(), out: 'results/', tool: { name: 'maple-torture', version: '0', node: 'v20' } },
    );
    expect(w2).toContain('shard 1/3 of seed 42 appears 2 times (a.json, b.json)');
    expect(w2).toContain('shards missing: 2/3, 3/3');
  });

  it('refuses a file that is not a torture result, naming it', () => {
    const bad = (text: string): MergeInputError => {
      let caught: unknown = null;
      try {
        parseTortureFile('shard-3/x.json', text);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(MergeInputError);
      expect((caught as MergeInputError).file).toBe('shard-3/x.json');
      expect((caught as Error).message.startsWith('shard-3/x.json: ')).toBe(true);
      return caught as MergeInputError;
    };
    expect(bad('{"schema": 1, "kind": "tor').message).toContain('not valid JSON');
    expect(bad('[1, 2]').message).toContain('not a torture result');
    expect(bad('{"schema": 1, "kind": "explore"}').message).toContain("kind 'explore'");
    expect(bad('{"schema": 1, "runId": "stress-1", "config": {}}').message).toContain('run stress-1');
    expect(bad(JSON.stringify({ ...shard(1, [cell()]), shards: [] })).message).toContain('a merged result already');
    expect(bad(JSON.stringify({ ...shard(1, [cell()]), cells: [{ id: 1 }] })).message).toContain('cell 0');
    expect(bad(JSON.stringify({ ...shard(1, [cell()]), schema: 2 })).message).toContain('schema 2');
    expect(asTortureResult('ok.json', JSON.parse(JSON.stringify(shard(1, [cell()])))).config.seed).toBe(42);
  });

  it('merges catalog scores per bug: detected only if every shard detected it', () => {
    const s = (bug: string, detected: boolean, secondsToDetect?: number): CatalogScore => ({ bug, mode: 'threads', workload: 'churn', detected, budgetMs: 27_000, secondsToDetect, violationKind: detected ? 'stale-read' : undefined, replay: `rerun ${bug} ${detected}` });
    const m = mergeCatalog([
      [s('a', true, 1), s('b', true, 0.5)],
      [s('a', true, 3), s('b', false)],
      [s('a', true, 2), s('b', true, 0.7)],
    ]);
    expect(m[0]).toMatchObject({ bug: 'a', detected: true, runs: 3, detections: 3, secondsToDetect: 2, secondsToDetectMax: 3, violationKind: 'stale-read' });
    expect(m[1]).toMatchObject({ bug: 'b', detected: false, runs: 3, detections: 2, secondsToDetect: 0.6, replay: 'rerun b false' });
  });

  it('finds torture-*.json in folders, recursively, skipping merged results', () => {
    const dir = mkdtempSync(join(tmpdir(), 'torture-files-'));
    try {
      mkdirSync(join(dir, 'torture-shard-1', 'deep'), { recursive: true });
      mkdirSync(join(dir, 'empty'));
      writeFileSync(join(dir, 'torture-shard-1', 'torture-a.json'), '{}');
      writeFileSync(join(dir, 'torture-shard-1', 'deep', 'torture-b.json'), '{}');
      writeFileSync(join(dir, 'torture-shard-1', 'torture-a.xml'), '<x/>');
      writeFileSync(join(dir, 'torture-merged-x.json'), '{}');
      writeFileSync(join(dir, 'other.json'), '{}');
      const files = collectTortureFiles([dir, join(dir, 'torture-shard-1', 'torture-a.json')]);
      expect(files.map((f) => f.slice(dir.length + 1))).toEqual(['torture-shard-1/deep/torture-b.json', 'torture-shard-1/torture-a.json']);
      expect(() => collectTortureFiles([join(dir, 'empty')])).toThrow(InputPathError);
      expect(() => collectTortureFiles([join(dir, 'missing')])).toThrow(/no such file or directory/);
      // A result pair keeps one name when either file exists.
      writeFileSync(join(dir, 'torture-p.xml'), '');
      const pair = writeResultPair(dir, 'torture-p', { a: 1 }, '<x/>');
      expect(pair).toEqual({ json: join(dir, 'torture-p-1.json'), xml: join(dir, 'torture-p-1.xml') });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('markdown tables escape pipes and pad columns', () => {
    expect(markdownTable(['a', 'b'], [['x|y', '1']])).toBe('| a    | b   |\n|------|-----|\n| x\\|y | 1   |');
  });
});

describe('the CLIs as child processes', () => {
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'torture-cli-'));
  });
  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });
  const env = { ...process.env };
  delete env.GITHUB_STEP_SUMMARY;
  const run = (entry: 'torture-cli' | 'merge-cli', args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', `src/harness/torture/${entry}.ts`, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
  const outputs = (sub: string, ext: string): string[] =>
    readdirSync(join(dir, sub)).filter((f) => f.endsWith(ext)).map((f) => join(dir, sub, f));

  it('--help, and a budget below the floor exits 2 naming the minimum', () => {
    const h = run('torture-cli', ['--help']);
    expect(h.status, h.stderr).toBe(0);
    for (const flag of ['--budget', '--seed', '--shard', '--out', '--cells', '--catalog', '--json']) expect(h.stdout).toContain(flag);
    const r = run('torture-cli', ['--budget', '10s', '--seed', '1']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^torture: --budget 10s is too small for 27 cells: .* the minimum is --budget 54s/);
    const s = run('torture-cli', ['--shard', '0/2']);
    expect(s.status).toBe(2);
    expect(s.stderr).toContain('--shard');
  }, 60_000);

  it('a short real run: a threads cell and two simulator cells pass; JSON and JUnit written', () => {
    const r = run('torture-cli', ['--budget', '6s', '--seed', '1', '--shard', '1/2', '--cells', 'threads/random/r1,simulator/random/r1,simulator/churn/r2', '--out', join(dir, 'run')]);
    expect(r.error).toBeUndefined();
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain('[1/3] threads/random/r1: seed');
    expect(r.stderr).toMatch(/\[3\/3\] simulator\/churn\/r2: passed after/);
    expect(r.stderr).toMatch(/\| cell +\| mode +\| seed +\| time +\| ops or schedules +\| verdict \|/);
    const [jsonFile] = outputs('run', '.json');
    const [xmlFile] = outputs('run', '.xml');
    expect(jsonFile).toMatch(/torture-.*-1-1of2\.json$/);
    expect(xmlFile).toBe(jsonFile.replace(/\.json$/, '.xml'));
    const res = JSON.parse(readFileSync(jsonFile, 'utf8')) as TortureResult;
    expect(res).toMatchObject({ schema: 1, kind: 'torture', stoppedBy: 'budget', config: { budgetMs: 6000, seed: 1, shard: { index: 1, count: 2 }, catalog: false } });
    expect(res.cells.map((c) => [c.id, c.status])).toEqual([['threads/random/r1', 'passed'], ['simulator/random/r1', 'passed'], ['simulator/churn/r2', 'passed']]);
    expect(res.summary).toMatchObject({ cells: 3, passed: 3, failed: 0, skipped: 0, violations: 0 });
    const [t, s1] = res.cells;
    expect(t.seed).toBe(cellSeed(1, 1, t.index));
    expect(t.budgetMs).toBe(2000);
    // How many operations a 2 s real-thread cell does depends on the scheduler (test/stress-smoke
    // asserts amounts of work, waiting for them); here the cell must report its run faithfully.
    const stress = t.result as { totals: { readerOps: number; writerOps: number }; threads: Array<{ thread: string; ops: number; checks: number }> };
    expect(t.readerOps).toBe(stress.totals.readerOps);
    expect(t.writerOps).toBe(stress.totals.writerOps);
    const readerThreads = stress.threads.filter((x) => x.thread !== 'writer');
    expect(readerThreads.map((x) => x.thread)).toEqual(['reader 0']);
    expect(readerThreads[0].ops).toBe(t.readerOps);
    expect(readerThreads[0].checks, 'the stress default --check full: every operation judged').toBe(readerThreads[0].ops);
    expect(t.replay).toBe(`npm run stress -- --seed ${t.seed} --workload random --readers 1 --duration 2000ms`);
    expect((t.result as { timeline: unknown[] }).timeline.length).toBeGreaterThan(0);
    expect(s1.schedules).toBeGreaterThan(0);
    expect(s1.replay).toContain(`npm run explore -- --seed ${s1.seed} `);
    expect((s1.result as { kind: string }).kind).toBe('explore');
    const cases = checkJUnit(parseXml(readFileSync(xmlFile, 'utf8')));
    expect(cases.map((c) => c.attrs.name)).toEqual(['threads/random/r1', 'simulator/random/r1', 'simulator/churn/r2']);
    expect(cases.every((c) => c.attrs.classname === 'maple-torture.torture.shard1')).toBe(true);

    // Merge it with a synthetic shard 2 of the same seed that failed: exit 1, both files written.
    const shard2 = result([cell({ status: 'failed', violations: [violation()], violationCount: 1 })], { runId: 'torture-y-1-2of2' }, { seed: 1, shard: { index: 2, count: 2 } });
    mkdirSync(join(dir, 'artifacts', 'torture-shard-2'), { recursive: true });
    writeFileSync(join(dir, 'artifacts', 'torture-shard-2', 'torture-y-1-2of2.json'), JSON.stringify(shard2));
    const m = run('merge-cli', [join(dir, 'run'), join(dir, 'artifacts'), '--out', join(dir, 'merged')]);
    expect(m.status, m.stderr).toBe(1);
    expect(m.stderr).not.toContain('warning');
    expect(m.stderr).toContain('merged: 4 cells: 3 passed, 1 failed, 0 skipped');
    expect(m.stderr).toContain('VIOLATION in shard 2 threads/random/r2');
    expect(m.stderr).toContain('rerun:    npm run stress -- --seed 123');
    const [mj] = outputs('merged', '.json');
    expect(mj).toMatch(/torture-merged-.*-1\.json$/);
    const merged = JSON.parse(readFileSync(mj, 'utf8')) as TortureResult;
    expect(merged.config.shard).toEqual({ index: 0, count: 2 });
    expect(merged.shards?.map((s) => s.shard.index)).toEqual([1, 2]);
    const mcases = checkJUnit(parseXml(readFileSync(mj.replace(/\.json$/, '.xml'), 'utf8')));
    expect(mcases).toHaveLength(4);

    // A file that is not a torture result: exit 2 naming it.
    writeFileSync(join(dir, 'torture-bad.json'), '{"schema": 1, "kind": "explore"}');
    const b = run('merge-cli', [join(dir, 'run'), join(dir, 'torture-bad.json')]);
    expect(b.status).toBe(2);
    expect(b.stderr).toContain(`merge: ${join(dir, 'torture-bad.json')}: not a torture result`);
  }, 60_000);

  it('SIGINT finishes the current cell, skips the rest and still writes both files', async () => {
    const out = join(dir, 'sigint');
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/harness/torture/torture-cli.ts', '--budget', '4s', '--seed', '3', '--cells', 'simulator/random/,simulator/vma/', '--out', out], { cwd: ROOT, env });
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (!sent && stderr.includes('[1/4] simulator/random/r1: seed')) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(sent).toBe(true);
    expect(code, stderr).toBe(0);
    const stopAt = stderr.indexOf('stopping (SIGINT)');
    expect(stopAt, stderr).toBeGreaterThan(0);
    // The signal is sent as cell 1 starts, but when it lands depends on the scheduler: the cell
    // running then (the last one started before the message) is finished, every later one skipped.
    const started = [...stderr.slice(0, stopAt).matchAll(/\[(\d)\/4\] simulator\/\S+: seed/g)].map((m) => Number(m[1]));
    const current = started[started.length - 1];
    expect(current, `SIGINT landed after the last cell had started, nothing left to skip:\n${stderr}`).toBeLessThan(4);
    const [jsonFile] = outputs('sigint', '.json');
    const res = JSON.parse(readFileSync(jsonFile, 'utf8')) as TortureResult;
    expect(res.stoppedBy).toBe('signal');
    const statuses = [1, 2, 3, 4].map((k) => (k <= current ? 'passed' : 'skipped'));
    expect(res.cells.map((c) => c.status)).toEqual(statuses);
    // Finished, not cut short: the current cell ran out its time budget.
    expect(res.cells[current - 1].stoppedBy).toBe('time');
    expect(res.summary).toMatchObject({ cells: 4, passed: current, skipped: 4 - current });
    const cases = checkJUnit(parseXml(readFileSync(jsonFile.replace(/\.json$/, '.xml'), 'utf8')));
    expect(cases.map((c) => kids(c, 'skipped').length)).toEqual(statuses.map((x) => (x === 'skipped' ? 1 : 0)));
  }, 60_000);

  it('--catalog on one simulator bug: detected, scored, exit 0', () => {
    const r = run('torture-cli', ['--catalog', '--budget', '3s', '--seed', '2', '--cells', 'catalog/missing-rmb', '--out', join(dir, 'catalog')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/\| missing-rmb +\| simulator +\| all +\| yes +\| \d+\.\d\d s/);
    const [jsonFile] = outputs('catalog', '.json');
    const res = JSON.parse(readFileSync(jsonFile, 'utf8')) as TortureResult;
    expect(res.config.catalog).toBe(true);
    expect(res.catalog).toHaveLength(1);
    expect(res.catalog![0]).toMatchObject({ bug: 'missing-rmb', mode: 'simulator', detected: true, budgetMs: 3000, violationKind: findBug('missing-rmb')!.kind });
    expect(res.catalog![0].replay).toMatch(/^npm run explore -- --replay mt1\./);
    const cases = checkJUnit(parseXml(readFileSync(jsonFile.replace(/\.json$/, '.xml'), 'utf8')));
    expect(cases.map((c) => [c.attrs.name, c.attrs.classname])).toEqual([['catalog/missing-rmb', 'maple-torture.catalog.shard1']]);
  }, 60_000);
});

describe('catalog table: the kind that caught each bug', () => {
  const score = (bug: string, violationKind?: string): CatalogScore => ({ bug, mode: 'threads', workload: 'random', detected: violationKind !== undefined, budgetMs: 30_000, violationKind, secondsToDetect: 0.5 });

  it('shows the kind alone when it is the catalog\'s, and both when another came first', () => {
    const table = catalogTable([score('no-grace-period', 'stale-read'), score('dead-root', 'result'), score('stale-pivots')]);
    const rows = table.split('\n').slice(2);
    expect(rows[0]).toContain('| stale-read ');
    expect(rows[0]).not.toContain('catalog:');
    expect(rows[1]).toContain(`result (catalog: ${findBug('dead-root')!.kind})`);
    expect(rows[2]).toContain('| NO ');
  });
});
