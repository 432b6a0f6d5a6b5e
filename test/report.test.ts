/**
 * HTML reports (src/harness/report): recognising results files, the series the charts draw, the
 * pages for a real stress run (with per-thread timeline samples), an old-format run, a failing
 * explorer run and a torture result built from them; escaping of every string from the JSON; no
 * external resources; the report and stress CLIs as child processes; and each page opened in
 * headless Chromium, whose DOM must hold the charts with their marks drawn and the tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { runStress } from '../src/harness/run.js';
import { DEFAULT_EXPLORE, explore } from '../src/harness/sim/explore.js';
import type { ExploreResult } from '../src/harness/sim/explore.js';
import { SCENARIOS } from '../src/harness/sim/scenarios.js';
import { HELP, UsageError, parseCli } from '../src/harness/cli-args.js';
import type { RunResult, Violation } from '../src/harness/types.js';
import { buildReport, defaultReportPath, readReportInput, recognise, reportPathNextTo, writeReport } from '../src/harness/report/report.js';
import type { ReportInput } from '../src/harness/report/report.js';
import { esc, html } from '../src/harness/report/html.js';
import { eventPoints, gracePeriodPoints, stressSeries, throughputPoints } from '../src/harness/report/stress-series.js';
import type { TortureResultShape } from '../src/harness/report/torture-shape.js';
import { DEFAULT_KERNEL_EXPLORE } from '../src/harness/sim/kernel/kernel-explore.js';
import type { KernelExploreResult } from '../src/harness/sim/kernel/kernel-explore.js';
import { parseReportCli } from '../src/harness/report/report-args.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CHROMIUM = '/usr/bin/chromium';
const HAS_CHROMIUM = existsSync(CHROMIUM);
if (!HAS_CHROMIUM) console.warn(`report.test: ${CHROMIUM} is absent, the headless browser checks are skipped (apt-get install -y chromium)`);

/** Strings a results file may hold that must never become markup. */
const HOSTILE = `<script>alert("x")</script> & 'q' <img src=x onerror=alert(1)>`;

const tmp = mkdtempSync(join(tmpdir(), 'maple-report-'));

let clean: RunResult;
let failing: RunResult;
let legacy: RunResult;
let explored: ExploreResult;
let torture: TortureResultShape;
const pages: Record<string, { file: string; text: string }> = {};

function hostileViolation(over: Partial<Violation> = {}): Violation {
  return {
    kind: 'stale-read',
    thread: 'reader 1',
    op: `walk(41635) ${HOSTILE}`,
    seen: `reader 1 used words of node 3 read after it died at version 37 ${HOSTILE}`,
    expected: ['v36: 529389 over [14250, 14255]', `v37: ${HOSTILE}`],
    window: [36, 215],
    nodes: 'node 3: generation 7 when first read, 8 when judged',
    detail: `detail ${HOSTILE}`,
    ...over,
  };
}

function tortureFrom(): TortureResultShape {
  const cell = (over: Partial<TortureResultShape['cells'][number]>): TortureResultShape['cells'][number] => ({
    id: 'threads/random/r2', mode: 'threads', workload: 'random', readers: 2, seed: 11, budgetMs: 2000, elapsedMs: 1500,
    status: 'passed', readerOps: 0, writerOps: 0, violations: [], replay: '', ...over,
  });
  const cells = [
    cell({ id: 'threads/random/r2', readerOps: clean.totals.readerOps, writerOps: clean.totals.writerOps, elapsedMs: clean.elapsedMs, replay: clean.rerun, result: clean }),
    cell({ id: `threads/churn/r2 ${HOSTILE}`, workload: 'churn', status: 'failed', readerOps: failing.totals.readerOps, writerOps: failing.totals.writerOps,
      elapsedMs: failing.elapsedMs, violations: failing.violations, violationCount: failing.violations.length, replay: failing.rerun, result: failing }),
    cell({ id: 'simulator/slot-store/r2', mode: 'simulator', workload: 'slot-store', status: 'failed', readerOps: explored.totals.readerOps, writerOps: explored.totals.writerOps,
      schedules: explored.schedulesRun, elapsedMs: explored.elapsedMs, violations: [explored.failure!.shrunk.violation], replay: explored.replay!, result: explored }),
    cell({ id: 'simulator/vma/r2', mode: 'simulator', workload: 'vma', status: 'skipped', elapsedMs: 0, replay: 'npm run explore -- --seed 5 --scenario vma' }),
  ];
  return {
    schema: 1, kind: 'torture', runId: 'torture-2026-11-25T21-00-00-000Z-11', tool: { name: 'maple-torture', version: '0.1.0', node: process.version },
    startedAt: '2026-11-25T21:00:00.000Z', elapsedMs: 9000, rerun: 'npm run torture -- --budget 10s --seed 11 --shard 1/1',
    config: { budgetMs: 10_000, seed: 11, shard: { index: 1, count: 1 }, catalog: true, out: 'results/torture.json' },
    stoppedBy: 'budget', cells,
    summary: { cells: 4, passed: 1, failed: 2, skipped: 1, violations: failing.violations.length + 1 },
    catalog: [
      { bug: 'stale-pivots', mode: 'threads', workload: 'churn', detected: true, secondsToDetect: 0.42, budgetMs: 5000, violationKind: 'stale-read', replay: failing.rerun },
      { bug: 'missing-rmb', mode: 'simulator', workload: 'slot-store', detected: true, secondsToDetect: explored.secondsToDetect, budgetMs: 5000, violationKind: 'stale-read', replay: explored.replay },
      { bug: 'dead-root', mode: 'threads', workload: 'churn', detected: false, budgetMs: 5000 },
    ],
  };
}

beforeAll(async () => {
  clean = await runStress({ durationMs: 2000, readers: 2, seed: 3, workload: 'random', bugs: [], check: 'full', sampleRate: 0.1, keyspace: 100_000, capacity: 65_536, keepGoing: false, stallMs: 10_000 },
    { rerun: 'npm run stress -- --seed 3 --workload random --readers 2 --duration 2000ms' });
  // A failing run: the real run with violations of every optional field and hostile strings.
  failing = { ...clean, runId: clean.runId + '-failing', stoppedBy: 'violation', violations: [hostileViolation(), hostileViolation({ kind: 'result', thread: 'reader 0', window: undefined, nodes: undefined })] };
  legacy = { ...clean, runId: clean.runId + '-legacy', timeline: clean.timeline.map(({ threadOps: _dropped, ...rest }) => rest) };
  explored = explore({ ...DEFAULT_EXPLORE, scenarios: [...SCENARIOS], bugs: ['missing-rmb'], seed: 3, schedules: 2000 });
  torture = tortureFrom();
  const inputs: Record<string, ReportInput> = {
    stress: { kind: 'stress', data: failing },
    legacy: { kind: 'stress', data: legacy },
    explore: { kind: 'explore', data: explored },
    torture: { kind: 'torture', data: torture },
  };
  for (const [name, input] of Object.entries(inputs)) {
    const file = await writeReport(input, join(tmp, `${name}.html`));
    pages[name] = { file, text: readFileSync(file, 'utf8') };
  }
}, 120_000);

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** The inline SVGs of a page (or a dumped DOM). */
function svgs(doc: string): string[] {
  return doc.split('<svg').slice(1).map((s) => s.slice(0, s.indexOf('</svg>')));
}

/** Drawn marks in an SVG: paths with geometry inside vega's data-mark groups (lines, points, bars). */
function drawnMarks(svg: string): number {
  let n = 0;
  for (const chunk of svg.split(/class="mark-(?:line|symbol|rect|area) role-mark\b/).slice(1)) {
    const group = chunk.slice(0, chunk.indexOf('</g>'));
    n += (group.match(/<path[^>]*\sd="M[^"]+"/g) ?? []).length;
  }
  return n;
}

function expectSelfContained(text: string): void {
  expect(text.startsWith('<!DOCTYPE html>')).toBe(true);
  expect(text).not.toMatch(/https?:\/\//);
  expect(text).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
  expect(text).not.toMatch(/\s(src|href)="(?!#)/);
}

describe('recognising results files', () => {
  it('recognises each kind and checks the fields it reads', () => {
    expect(recognise(JSON.parse(JSON.stringify(clean)), 'a.json').kind).toBe('stress');
    expect(recognise(JSON.parse(JSON.stringify(explored)), 'b.json').kind).toBe('explore');
    expect(recognise(JSON.parse(JSON.stringify(torture)), 'c.json').kind).toBe('torture');
    // A stress run is recognised by its runId or by timeline + threads.
    const { runId: _r, ...noId } = clean;
    expect(recognise({ ...noId, runId: 'x' }, 'd.json').kind).toBe('stress');
  });

  it('anything else is a usage error naming the file and what was expected', () => {
    for (const [value, found] of [
      [{ kind: 'bench-explore', date: 'x' }, "found kind 'bench-explore'"],
      [{ benchmark: 'tree', seed: 1 }, 'found an object with benchmark, seed'],
      [[1, 2], 'found array'],
      [42, 'found number'],
    ] as const) {
      let error: unknown;
      try {
        recognise(value, 'results/odd.json');
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      const m = (error as Error).message;
      expect(m).toContain('results/odd.json');
      expect(m).toContain("kind 'explore'");
      expect(m).toContain("kind 'torture'");
      expect(m).toContain('stress');
      expect(m).toContain(found);
    }
    const { totals: _t, ...broken } = clean;
    expect(() => recognise(broken, 'e.json')).toThrow(/e\.json: looks like a stress run result but lacks or mistypes: totals \(object, found undefined\)/);
    expect(() => recognise({ ...torture, cells: [{ id: 1 }] }, 'f.json')).toThrow(/f\.json: looks like a torture result .*cells\[0\]\.id \(string, found number\)/);
  });

  it('unreadable files and bad JSON are usage errors', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"runId": "stress-1", ');
    expect(() => readReportInput(bad)).toThrow(UsageError);
    expect(() => readReportInput(bad)).toThrow(/bad\.json: not valid JSON/);
    expect(() => readReportInput(join(tmp, 'missing.json'))).toThrow(/missing\.json: cannot read it \(no such file\)/);
  });
});

describe('the timeline and its series', () => {
  it('the run records cumulative ops per thread: writer first, then the readers', () => {
    expect(clean.timeline.length).toBeGreaterThanOrEqual(2);
    for (const s of clean.timeline) {
      expect(s.threadOps).toHaveLength(3);
      expect(s.threadOps![0]).toBe(s.writerOps);
      expect(s.threadOps![1] + s.threadOps![2]).toBe(s.readerOps);
    }
    expect(clean.threads.map((t) => t.thread)).toEqual(['writer', 'reader 0', 'reader 1']);
  });

  it('throughput per thread from cumulative samples, totals for old files', () => {
    const run = {
      ...clean,
      elapsedMs: 1500,
      threads: [{ ...clean.threads[0], ops: 400 }, { ...clean.threads[1], ops: 900 }, { ...clean.threads[2], ops: 600 }],
      totals: { readerOps: 1500, writerOps: 400, rewalks: 7, discardedTaint: 3, gracePeriods: 50 },
      timeline: [
        { ms: 500, readerOps: 500, writerOps: 100, rewalks: 2, gracePeriods: 10, discardedTaint: 1, threadOps: [100, 300, 200] },
        { ms: 1000, readerOps: 1000, writerOps: 250, rewalks: 5, gracePeriods: 30, discardedTaint: 2, threadOps: [250, 600, 400] },
      ],
    };
    const s = stressSeries(run);
    expect(s.names).toEqual(['reader 0', 'reader 1', 'writer']);
    expect(s.samples.map((c) => c.ms)).toEqual([0, 500, 1000, 1500]);
    const at = (t: number, series: string): number | undefined => throughputPoints(s).find((p) => p.t === t && p.series === series)?.value;
    expect(at(0.5, 'reader 0')).toBe(600);
    expect(at(1, 'reader 1')).toBe(400);
    expect(at(1.5, 'writer')).toBe(300);
    expect(eventPoints(s).filter((p) => p.series === 're-walks').map((p) => p.value)).toEqual([0, 2, 5, 7]);
    expect(gracePeriodPoints(s).map((p) => p.value)).toEqual([20, 40, 40]);
    const old = stressSeries({ ...run, timeline: run.timeline.map(({ threadOps: _x, ...rest }) => rest) });
    expect(old.legacy).toBe(true);
    expect(old.names).toEqual(['readers (all)', 'writer']);
    expect(throughputPoints(old).find((p) => p.t === 1 && p.series === 'readers (all)')?.value).toBe(1000);
  });
});

describe('HTML', () => {
  it('escapes interpolated strings, keeps built markup', () => {
    expect(esc(HOSTILE)).not.toMatch(/[<>"']/);
    expect(html`<p>${HOSTILE}</p>`.text).toBe(`<p>${esc(HOSTILE)}</p>`);
    expect(html`<div>${html`<b>${'<i>'}</b>`}</div>`.text).toBe('<div><b>&lt;i&gt;</b></div>');
  });

  it('a stress report: configuration, rerun, one SVG per chart, tree, threads, every violation escaped', () => {
    const t = pages.stress.text;
    expectSelfContained(t);
    expect(t).toContain('<title>maple-torture stress run stress-');
    for (const h of ['Configuration', 'Summary', 'Throughput over time', 'Re-walks and discarded taint over time', 'Grace periods over time', 'Tree at the end', 'Threads', 'Violations (2)']) {
      expect(t).toContain(`>${h}</h2>`);
    }
    expect(t).toContain('npm run stress -- --seed 3 --workload random --readers 2 --duration 2000ms');
    expect(svgs(t)).toHaveLength(3);
    for (const svg of svgs(t)) expect(drawnMarks(svg)).toBeGreaterThan(0);
    // One line per thread in the throughput chart.
    expect(svgs(t)[0]).toMatch(/reader 0[\s\S]*reader 1[\s\S]*writer/);
    expect(t).toContain(`>${clean.tree.nodes.toLocaleString('en-US')}<`);
    expect(t.match(/class="violation"/g)).toHaveLength(2);
    expect(t).toContain('versions [36, 215]');
    expect(t).not.toContain(HOSTILE);
    expect(t).toContain(esc(HOSTILE));
  });

  it('an old stress file (no threadOps) still charts: readers as one total', () => {
    const t = pages.legacy.text;
    expectSelfContained(t);
    expect(t).toContain('predates per-thread timeline samples');
    expect(svgs(t)).toHaveLength(3);
    expect(svgs(t)[0]).toContain('readers (all)');
  });

  it('an explore report: speed, totals, the failure with its trace table and both tokens', () => {
    const t = pages.explore.text;
    const f = explored.failure!;
    expectSelfContained(t);
    expect(t).toContain('<h1>maple-torture explorer run</h1>');
    expect(t).toContain('schedules per second');
    expect(t).toContain(`Failure at schedule ${f.schedule}`);
    expect(t).toContain('<table class="trace">');
    expect(t.match(/<table class="trace">[\s\S]*?<\/table>/)![0].match(/<tr/g)).toHaveLength(f.trace.length + 1);
    expect(t).toContain('class="hit"');
    expect(t).toContain(f.token);
    expect(t).toContain(f.shrunk.token);
    expect(t).toContain(`npm run explore -- --replay ${f.shrunk.token}`);
    expect(t).toContain('npm run explore -- --seed 3 --schedules 2000 --strategy mixed --bug missing-rmb');
    expect(svgs(t)).toHaveLength(0);
  });

  it('a torture report: summary, cell table, catalog score, per-mode throughput, failing cells in full', () => {
    const t = pages.torture.text;
    expectSelfContained(t);
    expect(t).toContain('<h1>maple-torture torture run</h1>');
    for (const h of ['Summary', 'Throughput per mode', 'Cells (4)', 'Catalog score', 'Failing cells and cells with violations (2)', 'Passing threads cells (1)']) {
      expect(t).toContain(`>${h}</h2>`);
    }
    expect(t).toContain('2 of 3 catalog bugs detected');
    expect(t).toMatch(/badge missed/);
    const cellRows = t.match(/<table class="cells">[\s\S]*?<\/table>/)![0].match(/<tr/g);
    expect(cellRows).toHaveLength(5);
    // Two per-mode bar charts; the failing threads cell's three charts; the passing cell's throughput.
    expect(svgs(t)).toHaveLength(6);
    for (const svg of svgs(t)) expect(drawnMarks(svg)).toBeGreaterThan(0);
    expect(t).toContain('<table class="trace">');
    expect(t).toContain(explored.failure!.shrunk.token);
    expect(t).not.toContain(HOSTILE);
  });
});

describe('a kernel explorer result (kind explore-kernel)', () => {
  /** Made by hand: the shape `npm run explore -- --tree kernel` writes, without building the kernel. */
  function kernelExplored(failing: boolean): KernelExploreResult {
    const config = { ...DEFAULT_KERNEL_EXPLORE, seed: 11, bugs: failing ? ['missing-rmb'] : [] };
    const spec = { scenario: 'destroy' as const, seed: 3462593261, strategy: 'random' as const, depth: 3, readers: 2, writerOps: 12, readerOps: 100, stepBound: 200_000, pctSteps: 10_000 };
    return {
      schema: 1, kind: 'explore-kernel', runId: 'explore-kernel-2026-12-03T04-10-08-925Z-11', startedAt: '2026-12-03T04:10:08.925Z', config,
      build: { wasmPath: '/x/maple-16-sim.wasm', buildHash: 'adff920fa48496d0', version: '6.12.118', mutations: config.bugs,
        instrumented: { wasmPath: '/x/i.wasm', binaryen: '132', loadSites: 2543, storeSites: 1991, signedLoadSites: [] } as unknown as KernelExploreResult['build']['instrumented'] },
      elapsedMs: 1200, stoppedBy: failing ? 'violation' : 'schedules', schedulesRun: 57, schedulesPerSecond: 47.5,
      totals: { steps: 570_000, switches: 900, drains: 4000, readerOps: 11_400, writerOps: 684, fairRuns: 0, readerWaits: 3, maxNodes: 40 },
      known: { 'prev-rereads-root': 5, 'slot-store-unordered': 1 },
      ...(failing ? { failure: { schedule: 56, spec, violation: hostileViolation({ kind: 'result', thread: 'reader 0' }), seconds: 1.2 } } : {}),
    };
  }

  it('is recognised, and one without its build is a usage error naming the field', () => {
    expect(recognise(JSON.parse(JSON.stringify(kernelExplored(true))), 'k.json').kind).toBe('explore-kernel');
    const { build: _b, ...noBuild } = kernelExplored(false);
    expect(() => recognise(noBuild, 'k2.json')).toThrow(/k2\.json: looks like an explore-kernel result but lacks or mistypes: build \(object, found undefined\)/);
  });

  it('its page: the kernel and build, the known findings counted, the failure escaped with the command that replays it', async () => {
    const t = await buildReport({ kind: 'explore-kernel', data: kernelExplored(true) });
    expectSelfContained(t);
    expect(t).toContain('<h1>maple-torture kernel explorer run</h1>');
    expect(t).toContain('Kernel 6.12.118, simulator build <code>adff920fa48496d0</code>');
    expect(t).toContain('prev-rereads-root 5, slot-store-unordered 1');
    expect(t).toContain('Failure at schedule 56');
    expect(t).toContain('npm run explore -- --tree kernel --bug missing-rmb --scenario destroy --strategy random --replay-seed 3462593261');
    expect(t).not.toContain('<script>');
    const clean = await buildReport({ kind: 'explore-kernel', data: kernelExplored(false) });
    expect(clean).toContain('No violations.');
    expect(clean).toContain('none (the correct build)');
  });

  it('a torture result with kernel simulator cells: the failing one drawn with its schedule and replay, the clean one in the table', async () => {
    const failed = kernelExplored(true);
    const passed = kernelExplored(false);
    const cell = (id: string, r: KernelExploreResult, over: Partial<TortureResultShape['cells'][number]>): TortureResultShape['cells'][number] => ({
      id, mode: 'simulator', workload: r.config.scenarios.join(','), readers: 2, seed: r.config.seed, budgetMs: 5000, elapsedMs: r.elapsedMs, status: 'passed',
      readerOps: r.totals.readerOps, writerOps: r.totals.writerOps, schedules: r.schedulesRun, violations: [], violationCount: 0, replay: 'npm run explore -- --tree kernel --seed 11',
      index: 0, tree: 'kernel', kernel: { version: '6.12.118', sourceHash: 'ab'.repeat(32), buildHash: r.build.buildHash }, result: r, ...over,
    });
    const t: TortureResultShape = {
      schema: 1, kind: 'torture', runId: 'torture-2026-12-03T07-00-00-000Z-7', elapsedMs: 10_000, startedAt: '2026-12-03T07:00:00.000Z', rerun: 'npm run torture -- --tree kernel',
      config: { budgetMs: 10_000, seed: 7, shard: { index: 1, count: 1 }, catalog: false, out: 'results/', trees: 'kernel' }, stoppedBy: 'budget',
      cells: [
        cell('kernel-sim/churn/r2', passed, { workload: 'churn' }),
        cell('kernel-sim/destroy/r2', failed, { workload: 'destroy', status: 'failed', violations: [failed.failure!.violation], violationCount: 1,
          replay: 'npm run explore -- --tree kernel --bug missing-rmb --scenario destroy --strategy random --replay-seed 3462593261' }),
      ],
      summary: { cells: 2, passed: 1, failed: 1, skipped: 0, violations: 1 },
      tool: { name: 'maple-torture', version: '0.1.0', node: process.version },
    };
    const page = await buildReport(recognise(JSON.parse(JSON.stringify(t)), 't.json'));
    expectSelfContained(page);
    expect(page).toContain('>Failing cells and cells with violations (1)</h2>');
    expect(page).toContain('Cell kernel-sim/destroy/r2 (failed)');
    expect(page).toContain('Failure at schedule 56</h4>');
    expect(page).toContain('schedule seed 3462593261, after 1.20 s');
    expect(page).toContain('npm run explore -- --tree kernel --bug missing-rmb --scenario destroy --strategy random --replay-seed 3462593261');
    expect(page).toContain('kernel-sim/churn/r2');
    expect(page).not.toContain(HOSTILE);
  });
});

describe('CLIs', () => {
  const tsx = (script: string, args: string[]) =>
    spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, script), ...args], { cwd: ROOT, encoding: 'utf8', timeout: 90_000 });

  it('report-args: one file, --out; errors are usage errors', () => {
    expect(parseReportCli(['a.json'])).toEqual({ help: false, file: 'a.json', out: undefined });
    expect(parseReportCli(['a.json', '--out', 'x.html']).out).toBe('x.html');
    expect(() => parseReportCli([])).toThrow(UsageError);
    expect(() => parseReportCli(['a.json', 'b.json'])).toThrow(UsageError);
    expect(() => parseReportCli(['a.json', '--bogus'])).toThrow(UsageError);
    expect(defaultReportPath({ kind: 'explore', data: explored })).toBe(`results/${explored.runId}.html`);
    expect(reportPathNextTo('results/stress-1.json')).toBe('results/stress-1.html');
    expect(reportPathNextTo('out/run')).toBe('out/run.html');
  });

  it('npm run report: writes the page, never overwriting; exit 2 for what it cannot read', () => {
    const json = join(tmp, 'explore.json');
    writeFileSync(json, JSON.stringify(explored));
    const out = join(tmp, 'cli.html');
    const first = tsx('src/harness/report/report-cli.ts', [json, '--out', out]);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout.trim()).toBe(`report: ${out}`);
    const second = tsx('src/harness/report/report-cli.ts', [json, '--out', out]);
    expect(second.stdout.trim()).toBe(`report: ${join(tmp, 'cli-1.html')}`);
    expect(readFileSync(out, 'utf8')).toBe(readFileSync(join(tmp, 'cli-1.html'), 'utf8'));
    const other = join(tmp, 'bench.json');
    writeFileSync(other, JSON.stringify({ kind: 'bench-explore' }));
    const bad = tsx('src/harness/report/report-cli.ts', [other]);
    expect(bad.status).toBe(2);
    expect(bad.stderr).toContain(`${other}: not a run result the report can read`);
    expect(tsx('src/harness/report/report-cli.ts', []).status).toBe(2);
  }, 120_000);

  it('npm run stress -- --report writes the report next to the results and prints its path', () => {
    expect(parseCli(['--report']).report).toBe(true);
    expect(parseCli([]).report).toBe(false);
    expect(HELP).toContain('--report');
    const json = join(tmp, 'run.json');
    const r = tsx('src/harness/cli.ts', ['--duration', '1s', '--seed', '5', '--out', json, '--report']);
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).toContain(`report: ${join(tmp, 'run.html')}`);
    const page = readFileSync(join(tmp, 'run.html'), 'utf8');
    expect(svgs(page)).toHaveLength(3);
    expect(page).toContain('npm run stress -- --seed 5');
  }, 120_000);
});

function dumpDom(file: string): string {
  const profile = mkdtempSync(join(tmpdir(), 'maple-report-chromium-'));
  try {
    const r = spawnSync(CHROMIUM, [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, '--dump-dom', pathToFileURL(file).href,
    ], { encoding: 'utf8', timeout: 90_000, maxBuffer: 256 << 20 });
    if (r.status !== 0) throw new Error(`chromium exited ${r.status}: ${r.stderr.slice(-2000)}`);
    return r.stdout;
  } finally {
    rmSync(profile, { recursive: true, force: true });
  }
}

describe('in a real browser (headless Chromium)', () => {
  const when = it.skipIf(!HAS_CHROMIUM);

  when('the stress page: three charts with their lines drawn, the violation tables (skipped without /usr/bin/chromium)', () => {
    const dom = dumpDom(pages.stress.file);
    const charts = svgs(dom);
    expect(charts).toHaveLength(3);
    for (const svg of charts) expect(drawnMarks(svg)).toBeGreaterThan(0);
    expect(dom.match(/<table class="fields violation-fields">/g)).toHaveLength(2);
    expect(dom).not.toMatch(/<script|<img/);
    expect(dom).toContain('Tree at the end');
  }, 120_000);

  when('the explore page: the trace table with the violation row (skipped without /usr/bin/chromium)', () => {
    const dom = dumpDom(pages.explore.file);
    expect(dom).toContain('<table class="trace">');
    expect(dom).toMatch(/<tr class="hit">[\s\S]*?&gt;&gt;&gt; VIOLATION/);
    expect(dom).toContain('violation-fields');
  }, 120_000);

  when('the torture page: bar and line charts drawn, cell and catalog tables (skipped without /usr/bin/chromium)', () => {
    const dom = dumpDom(pages.torture.file);
    const charts = svgs(dom);
    expect(charts).toHaveLength(6);
    for (const svg of charts) expect(drawnMarks(svg)).toBeGreaterThan(0);
    expect(dom).toContain('class="cells catalog"');
    expect(dom).not.toMatch(/<script|<img/);
  }, 120_000);
});

describe('buildReport', () => {
  it('is deterministic for the same input', async () => {
    const input: ReportInput = { kind: 'explore', data: explored };
    expect(await buildReport(input)).toBe(await buildReport(input));
  });
});
