/**
 * The two trees behind one interface: each op's result as one comparable value. A value is the
 * same text on both sides exactly when both trees said the same thing; where the two APIs say
 * the same fact in different ways, the mapping is written down where it is made (this file for
 * the shared forms, kernel-driver.ts and replica-driver.ts for each side's own conventions).
 */
import type { TreeShape } from '../../tree/shape.js';
import type { Op, TreeFlags } from './script.js';

export interface Outcome {
  /** What is compared. */
  value: string;
  /** Detail that is shown but not compared (a validation message, a trap's log line). */
  note?: string;
}

export interface Driver {
  readonly name: 'kernel' | 'replica';
  /** A fresh, empty tree with these flags (the previous one is destroyed). */
  reset(flags: TreeFlags): void;
  apply(op: Op): Outcome;
  /**
   * Why the op must not be run at all (both trees skip it), or null. The replica answers for both:
   * its cursors follow the kernel's ma_state status machine, so it sees the calls whose outcome in
   * 6.12 is undefined (see ReplicaDriver.undefinedStep).
   */
  refuses?(op: Op): string | null;
  /** The tree's shape, node for node. */
  shape(): TreeShape;
  /** Destroy the current tree and give back what it held. */
  dispose(): void;
}

/** A range result (load-like reads return the entry alone): `5 [10, 19]`, or `NULL` when none. */
export function rangeValue(entry: number, first: number, last: number): string {
  return entry === 0 ? 'NULL' : `${entry} [${first}, ${last}]`;
}

/** walk reports the range of a NULL entry too (mas_walk's range holds index either way). */
export function walkValue(entry: number, first: number, last: number): string {
  return `${entry === 0 ? 'NULL' : entry} [${first}, ${last}]`;
}

/** The value both sides report for an op neither ran (Driver.refuses). */
export const SKIPPED = 'skipped';

export function entryValue(entry: number): string {
  return entry === 0 ? 'NULL' : String(entry);
}

/** Every non-NULL range in order. */
export function entriesValue(ranges: readonly { entry: number; first: number; last: number }[]): string {
  return `${ranges.length} entries: ${ranges.map((r) => `${r.entry} [${r.first}, ${r.last}]`).join(', ')}`;
}

/** Empty-area and alloc results: `start 42`, `none` (no window), `invalid` (the request was refused). */
export const NONE = 'none';
export const INVALID = 'invalid';
export const startValue = (start: number): string => `start ${start}`;

/** An exception from a tree (a replica RangeError or corruption error, a kernel trap): never equal to a real result. */
export function thrownValue(side: string, error: unknown): Outcome {
  const e = error instanceof Error ? error : new Error(String(error));
  return { value: `${side} threw ${e.name}: ${e.message.split('\n')[0]}` };
}
