/**
 * The torture results the report reads (`npm run torture`, `npm run merge`; their shapes are
 * src/harness/torture/types.ts). The report also reads files written before a field existed, so
 * the fields added later are optional here.
 */
import type { CatalogScore, TortureCell, TortureResult } from '../torture/types.js';

export type TortureCellShape = Omit<TortureCell, 'index'> & { index?: number };
export type CatalogScoreShape = CatalogScore;
export type TortureResultShape = Omit<TortureResult, 'cells'> & { cells: TortureCellShape[] };
