/**
 * Folding torture results of several shards into one: validation of each input, warnings for
 * mixed master seeds and missing or repeated shards, totals, every cell tagged with its shard, and
 * the catalog scores merged per bug. Pure: the CLI reads the files and writes the output.
 */
import type { CatalogScore, ShardRef, TortureCell, TortureResult } from './types.js';
import { formatBudget } from './matrix.js';
import { summarize } from './summary.js';

/** An input that is not a torture result (or not JSON); the CLI exits 2 naming the file. */
export class MergeInputError extends Error {
  constructor(readonly file: string, reason: string) {
    super(`${file}: ${reason}`);
    this.name = 'MergeInputError';
  }
}

export interface MergeInput {
  file: string;
  result: TortureResult;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Parse a file's text as a torture result, or throw MergeInputError saying what it is instead. */
export function parseTortureFile(file: string, text: string): TortureResult {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new MergeInputError(file, `not valid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  return asTortureResult(file, data);
}

export function asTortureResult(file: string, data: unknown): TortureResult {
  if (!isObject(data)) throw new MergeInputError(file, 'not a torture result (not a JSON object)');
  if (data.kind !== 'torture') {
    const what = typeof data.kind === 'string' ? `kind '${data.kind}'` : 'runId' in data && typeof data.runId === 'string' ? `run ${data.runId}` : 'no kind';
    throw new MergeInputError(file, `not a torture result (${what}; expected kind 'torture')`);
  }
  if (data.schema !== 1) throw new MergeInputError(file, `unsupported torture schema ${JSON.stringify(data.schema)} (this merge reads schema 1)`);
  if (Array.isArray(data.shards)) throw new MergeInputError(file, 'a merged result already; merge the shard files it came from');
  const config = data.config;
  if (!isObject(config) || typeof config.seed !== 'number' || !isObject(config.shard) || !isCount(config.shard.index) || !isCount(config.shard.count)) {
    throw new MergeInputError(file, 'not a torture result (config.seed or config.shard missing)');
  }
  if (!Array.isArray(data.cells)) throw new MergeInputError(file, 'not a torture result (no cells array)');
  data.cells.forEach((c, i) => {
    if (!isObject(c) || typeof c.id !== 'string' || typeof c.status !== 'string' || !Array.isArray(c.violations)) {
      throw new MergeInputError(file, `not a torture result (cell ${i} has no id, status or violations)`);
    }
  });
  if (data.catalog !== undefined && !Array.isArray(data.catalog)) throw new MergeInputError(file, 'not a torture result (catalog is not an array)');
  return data as unknown as TortureResult;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/**
 * The catalog scores of every shard, per bug and tree (the replica's missing-wmb and the kernel's
 * are two bugs): detected only if every run detected it.
 */
export function mergeCatalog(lists: ReadonlyArray<readonly CatalogScore[]>): CatalogScore[] {
  const byBug = new Map<string, CatalogScore[]>();
  for (const list of lists) {
    for (const s of list) {
      const key = `${s.tree ?? 'replica'}/${s.bug}`;
      const all = byBug.get(key) ?? [];
      all.push(s);
      byBug.set(key, all);
    }
  }
  const out: CatalogScore[] = [];
  for (const scores of byBug.values()) {
    const bug = scores[0].bug;
    const runs = scores.reduce((n, s) => n + (s.runs ?? 1), 0);
    const detections = scores.reduce((n, s) => n + (s.detections ?? (s.detected ? 1 : 0)), 0);
    const times = scores.filter((s) => s.detected && s.secondsToDetect !== undefined).map((s) => s.secondsToDetect!);
    const first = scores.find((s) => s.detected) ?? scores[0];
    const merged: CatalogScore = {
      bug,
      mode: scores[0].mode,
      ...(scores[0].tree !== undefined ? { tree: scores[0].tree } : {}),
      workload: scores[0].workload,
      detected: detections === runs,
      budgetMs: Math.max(...scores.map((s) => s.budgetMs)),
      runs,
      detections,
    };
    if (times.length > 0) {
      merged.secondsToDetect = median(times);
      merged.secondsToDetectMax = Math.max(...times);
    }
    if (first.violationKind !== undefined) merged.violationKind = first.violationKind;
    // The replay of a miss is the most useful one to show; else the first detection's.
    const missed = scores.find((s) => !s.detected);
    const replay = (missed ?? first).replay;
    if (replay !== undefined) merged.replay = replay;
    out.push(merged);
  }
  return out;
}

export interface MergeOptions {
  /** When the merge ran (the merged runId). */
  now: Date;
  /** Output directory recorded in config.out. */
  out: string;
  tool: TortureResult['tool'];
}

export interface Merged {
  result: TortureResult;
  warnings: string[];
}

/** Fold shard results into one TortureResult (config.shard {index: 0, count: shards}). */
export function mergeTorture(inputs: readonly MergeInput[], options: MergeOptions): Merged {
  if (inputs.length === 0) throw new Error('merge: no inputs');
  const sorted = [...inputs].sort((a, b) => a.result.config.shard.index - b.result.config.shard.index || a.file.localeCompare(b.file));
  const warnings: string[] = [];

  const bySeed = new Map<number, string[]>();
  for (const { file, result } of sorted) bySeed.set(result.config.seed, [...(bySeed.get(result.config.seed) ?? []), file]);
  if (bySeed.size > 1) {
    const parts = [...bySeed].map(([seed, files]) => `${seed} (${files.join(', ')})`);
    warnings.push(`mixed master seeds: ${parts.join('; ')}; these are not shards of one run`);
  }
  const counts = new Set(sorted.map((i) => i.result.config.shard.count));
  if (counts.size > 1) warnings.push(`mixed shard counts: ${[...counts].sort((a, b) => a - b).join(', ')}`);
  const catalogs = new Set(sorted.map((i) => i.result.config.catalog === true));
  if (catalogs.size > 1) warnings.push('some inputs are --catalog runs and some are matrix runs');
  const seen = new Map<string, string[]>();
  for (const { file, result } of sorted) {
    const key = `${result.config.seed}:${result.config.shard.index}/${result.config.shard.count}`;
    seen.set(key, [...(seen.get(key) ?? []), file]);
  }
  for (const [key, files] of seen) {
    if (files.length > 1) warnings.push(`shard ${key.split(':')[1]} of seed ${key.split(':')[0]} appears ${files.length} times (${files.join(', ')})`);
  }
  if (counts.size === 1 && bySeed.size === 1) {
    const count = [...counts][0];
    const have = new Set(sorted.map((i) => i.result.config.shard.index));
    const missing: string[] = [];
    for (let k = 1; k <= count; k++) if (!have.has(k)) missing.push(`${k}/${count}`);
    if (missing.length > 0) warnings.push(`shards missing: ${missing.join(', ')}`);
  }

  const cells: TortureCell[] = [];
  const shards: ShardRef[] = [];
  for (const { file, result } of sorted) {
    shards.push({ file, shard: { index: result.config.shard.index, count: result.config.shard.count }, runId: result.runId });
    for (const cell of result.cells) cells.push({ ...cell, shard: result.config.shard.index });
  }
  const first = sorted[0].result;
  const stoppedBy: TortureResult['stoppedBy'] = sorted.some((i) => i.result.stoppedBy === 'signal')
    ? 'signal'
    : sorted.some((i) => i.result.stoppedBy === 'violation')
      ? 'violation'
      : 'budget';
  const stamp = options.now.toISOString().replace(/[:.]/g, '-');
  const startedAt = sorted.map((i) => i.result.startedAt).filter((s) => typeof s === 'string').sort()[0] ?? options.now.toISOString();
  const shardCount = Math.max(...counts);
  const catalog = [...catalogs].every((c) => c);
  const rerunParts = ['npm run torture --', ...(catalog ? ['--catalog'] : []), `--budget ${formatBudget(first.config.budgetMs)}`, `--seed ${first.config.seed}`, `--shard K/${shardCount}`];
  if (first.config.cells && first.config.cells.length > 0) rerunParts.push(`--cells ${first.config.cells.join(',')}`);
  const result: TortureResult = {
    schema: 1,
    kind: 'torture',
    runId: `torture-merged-${stamp}-${first.config.seed}`,
    tool: options.tool,
    startedAt,
    elapsedMs: Math.max(...sorted.map((i) => i.result.elapsedMs ?? 0)),
    rerun: `${rerunParts.join(' ')} (K = 1..${shardCount})`,
    config: { budgetMs: Math.max(...sorted.map((i) => i.result.config.budgetMs)), seed: first.config.seed, shard: { index: 0, count: sorted.length }, catalog, out: options.out },
    stoppedBy,
    cells,
    summary: summarize(cells),
    shards,
  };
  if (first.config.cells) result.config.cells = first.config.cells;
  const lists = sorted.map((i) => i.result.catalog).filter((l): l is CatalogScore[] => Array.isArray(l));
  if (lists.length > 0) result.catalog = mergeCatalog(lists);
  if (warnings.length > 0) result.warnings = warnings;
  return { result, warnings };
}

/** Per shard: file, seed, cells, passed, failed, skipped, errors, time. */
export function shardRows(inputs: readonly MergeInput[]): string[][] {
  return [...inputs]
    .sort((a, b) => a.result.config.shard.index - b.result.config.shard.index || a.file.localeCompare(b.file))
    .map(({ file, result }) => {
      const cs = result.cells;
      const n = (s: string): string => String(cs.filter((c) => c.status === s).length);
      return [`${result.config.shard.index}/${result.config.shard.count}`, file, String(result.config.seed), String(cs.length), n('passed'), n('failed'), n('skipped'), n('error'), `${((result.elapsedMs ?? 0) / 1000).toFixed(1)} s`];
    });
}
