/**
 * A tree's shape, node for node: what conformance compares between the replica and the kernel's
 * own build after every write. The same structure comes from both (src/kernel/inner/shape.c
 * for the kernel), so a difference names the first node and field where the trees part.
 */
import type { Memory } from '../shared-heap/memory.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  HDR_HEIGHT,
  HDR_ROOT,
  MAX_INDEX,
  META,
  PIVOTS,
  TYPE_NAMES,
  isLeafType,
  isNode,
  metaEnd,
  metaGap,
  nodeBase,
  slotCount,
  slotsAt,
} from './layout.js';

export interface ShapeNode {
  depth: number;
  /** The kernel's node type number (leaf_64 1, range_64 2, arange_64 3). */
  type: number;
  min: number;
  max: number;
  /** Data end: the last used slot. */
  end: number;
  /** arange_64: the metadata's offset of the largest gap; 0 otherwise. */
  gapOffset: number;
  /** Pivots below the data end, and the one at it when the node has a pivot there. */
  pivots: number[];
  /** Slots 0..end: entries in leaves, the child's preorder number in internal nodes. */
  slots: number[];
  /** arange_64: gaps 0..end; empty otherwise. */
  gaps: number[];
}

export interface TreeShape {
  height: number;
  /** 'empty', 'entry' (a lone [0, 0] entry held in the root word) or 'node'. */
  root: 'empty' | 'entry' | 'node';
  rootEntry: number;
  /** Every node, in preorder. */
  nodes: ShapeNode[];
}

/** The replica's shape, read from its memory (the writer must be idle). */
export function replicaShape(mem: Memory): TreeShape {
  const root = mem.read(HDR_ROOT);
  const shape: TreeShape = {
    height: mem.read(HDR_HEIGHT),
    root: root === 0 ? 'empty' : isNode(root) ? 'node' : 'entry',
    rootEntry: isNode(root) ? 0 : root,
    nodes: [],
  };
  const visit = (enode: number, depth: number, min: number, max: number): void => {
    const type = (enode >>> 2) & 3;
    const base = nodeBase(enode >>> 4);
    const meta = mem.read(base + META);
    const end = metaEnd(meta);
    const pivotCount = slotCount(type) - 1;
    const node: ShapeNode = {
      depth,
      type,
      min,
      max,
      end,
      gapOffset: type === ARANGE_64 ? metaGap(meta) : 0,
      pivots: [],
      slots: [],
      gaps: [],
    };
    shape.nodes.push(node);
    const np = end < pivotCount ? end + 1 : pivotCount;
    for (let i = 0; i < np; i++) node.pivots.push(mem.read(base + PIVOTS + i));
    for (let i = 0; i <= end; i++) node.slots.push(mem.read(base + slotsAt(type) + i));
    if (type === ARANGE_64) for (let i = 0; i <= end; i++) node.gaps.push(mem.read(base + ARANGE_GAPS_AT + i));
    if (isLeafType(type)) return;
    let lo = min;
    for (let i = 0; i <= end; i++) {
      const hi = i < end && i < pivotCount ? mem.read(base + PIVOTS + i) : max;
      const child = node.slots[i];
      node.slots[i] = shape.nodes.length;
      if (child !== 0) visit(child, depth + 1, lo, hi);
      lo = hi + 1;
    }
  };
  if (isNode(root)) visit(root, 0, 0, MAX_INDEX);
  return shape;
}

/** Parse the kernel build's shape stream (src/kernel/inner/shape.c). */
export function parseShapeWords(w: ArrayLike<number>): TreeShape {
  let at = 0;
  const next = (): number => w[at++] >>> 0;
  const height = next();
  const kind = next();
  const rootEntry = next();
  const count = next();
  const nodes: ShapeNode[] = [];
  for (let n = 0; n < count; n++) {
    const node: ShapeNode = {
      depth: next(),
      type: next(),
      min: next(),
      max: next(),
      end: next(),
      gapOffset: next(),
      pivots: [],
      slots: [],
      gaps: [],
    };
    for (let i = next(); i > 0; i--) node.pivots.push(next());
    for (let i = next(); i > 0; i--) node.slots.push(next());
    for (let i = next(); i > 0; i--) node.gaps.push(next());
    nodes.push(node);
  }
  return { height, root: kind === 0 ? 'empty' : kind === 1 ? 'entry' : 'node', rootEntry, nodes };
}

export interface ShapeDifference {
  /** Preorder number of the first node that differs, or -1 for the tree's own words. */
  node: number;
  field: string;
  expected: string;
  actual: string;
}

const show = (v: unknown): string => (Array.isArray(v) ? `[${v.join(', ')}]` : String(v));

/** The first difference between two shapes (`expected` is the reference), or null. */
export function diffShapes(expected: TreeShape, actual: TreeShape): ShapeDifference | null {
  for (const field of ['height', 'root', 'rootEntry'] as const) {
    if (expected[field] !== actual[field]) {
      return { node: -1, field, expected: show(expected[field]), actual: show(actual[field]) };
    }
  }
  const count = Math.min(expected.nodes.length, actual.nodes.length);
  for (let n = 0; n < count; n++) {
    const a = expected.nodes[n];
    const b = actual.nodes[n];
    for (const field of ['depth', 'type', 'min', 'max', 'end', 'pivots', 'slots', 'gaps', 'gapOffset'] as const) {
      const x = a[field];
      const y = b[field];
      const same = Array.isArray(x) ? sameArray(x, y as number[]) : x === y;
      if (!same) return { node: n, field, expected: show(x), actual: show(y) };
    }
  }
  if (expected.nodes.length !== actual.nodes.length) {
    return { node: count, field: 'node count', expected: String(expected.nodes.length), actual: String(actual.nodes.length) };
  }
  return null;
}

function sameArray(a: number[], b: number[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** The shape as indented text, one line per node: for divergence reports. */
export function formatShape(shape: TreeShape): string {
  const lines = [`height ${shape.height}, root ${shape.root}${shape.root === 'entry' ? ` ${shape.rootEntry}` : ''}`];
  shape.nodes.forEach((node, n) => {
    const gaps = node.type === ARANGE_64 ? ` gaps ${show(node.gaps)} (largest at ${node.gapOffset})` : '';
    const slots = isLeafType(node.type) ? `entries ${show(node.slots)}` : `children ${show(node.slots.map((c) => `#${c}`))}`;
    lines.push(
      `${'  '.repeat(node.depth + 1)}#${n} ${TYPE_NAMES[node.type]} [${node.min}, ${node.max}] end ${node.end} ` +
        `pivots ${show(node.pivots)} ${slots}${gaps}`,
    );
  });
  return lines.join('\n');
}
