/**
 * The torture results the report reads (`npm run torture`, `npm run merge`; written by
 * src/harness/torture/). The report reads files, old and new, so it states here the fields it
 * uses and treats everything past the required core as optional.
 */
import type { Violation } from '../types.js';

export interface TortureCellShape {
  id: string;
  mode: 'threads' | 'simulator';
  workload: string;
  readers: number;
  seed: number;
  budgetMs: number;
  elapsedMs: number;
  status: 'passed' | 'failed' | 'skipped' | 'error';
  readerOps: number;
  writerOps: number;
  schedules?: number;
  violations: Violation[];
  replay: string;
  /** The cell's RunResult (threads) or ExploreResult (simulator). */
  result?: unknown;
  stoppedBy?: string;
  violationCount?: number;
  rewalks?: number;
  error?: string;
  bug?: string;
  shard?: number;
}

export interface CatalogScoreShape {
  bug: string;
  mode: 'threads' | 'simulator';
  workload: string;
  detected: boolean;
  secondsToDetect?: number;
  budgetMs: number;
  violationKind?: string;
  replay?: string;
  seed?: number;
  runs?: number;
  detections?: number;
  secondsToDetectMax?: number;
}

export interface TortureResultShape {
  schema: 1;
  kind: 'torture';
  runId: string;
  tool: { name: string; version: string; node: string };
  startedAt: string;
  elapsedMs: number;
  rerun: string;
  config: { budgetMs: number; seed: number; shard: { index: number; count: number }; catalog: boolean; out: string; [more: string]: unknown };
  stoppedBy: 'budget' | 'violation' | 'signal';
  cells: TortureCellShape[];
  summary: { cells: number; passed: number; failed: number; skipped: number; violations: number; errors?: number };
  catalog?: CatalogScoreShape[];
  shards?: Array<{ file: string; shard: { index: number; count: number }; runId: string }>;
  warnings?: string[];
}
