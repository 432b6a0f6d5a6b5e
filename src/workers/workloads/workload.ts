/**
 * A writer workload: a named, seeded generator of tree mutations. It plans with the tree's read
 * API and mutates only through the Mutator, which logs each mutation in the version log before
 * applying it (so the oracles know what every version holds).
 */
import type { Range } from '../../tree/maple-tree.js';
import type { Rng } from '../../harness/rng.js';

/** A cursor for planning reads: after find, index and last are the range found. */
export interface PlanningCursor {
  readonly index: number;
  readonly last: number;
  set(index: number): unknown;
  /** The next entry at or after the position, up to max (0: none); moves on past it. */
  find(max: number): number;
}

/**
 * The reads a workload plans with: the replica's MapleTree has them, and so does the kernel
 * build's (src/workers/kernel/kernel-mutator.ts), so every workload drives either tree.
 */
export interface PlanningTree {
  /** Nodes the tree may use: workloads bound their population by it. */
  readonly nodeLimit: number;
  height(): number;
  load(index: number): number;
  walk(index: number): Range;
  find(index: number, max: number): Range | null;
  cursor(index?: number): PlanningCursor;
}

export interface Mutator {
  /** The tree, for planning reads only (load, walk, find, height). */
  readonly tree: PlanningTree;
  /** Keys the workload should use: [0, keyspace). */
  readonly keyspace: number;
  readonly rng: Rng;
  /** A fresh entry no store has used yet (odd, >= 16385), so every entry names its write. */
  nextToken(): number;
  /** Store entry over [first, last]; 0 erases. */
  store(first: number, last: number, entry: number): void;
  /** Erase the whole range holding index; returns its entry or 0. */
  erase(index: number): number;
  /** Store a fresh token in the lowest (or, with rev, highest) free window; returns its start or -1. */
  allocRange(size: number, min: number, max: number, rev?: boolean): number;
  /** Destroy the whole tree (every node dies through the free walk in RCU mode). */
  destroy(): void;
}

export interface Workload {
  readonly name: string;
  /** Whether the tree must be an allocation tree (gap tracking). */
  readonly allocRange: boolean;
  /** One-off work before readers start (an initial fill). */
  setup(m: Mutator): void;
  /** One step: one or a few mutations. */
  step(m: Mutator): void;
}
