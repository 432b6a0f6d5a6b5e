/** mt_dump: the tree as indented text, one line per node and per slot. */
import type { Memory } from '../shared-heap/memory.js';
import {
  ARANGE_64,
  ARANGE_GAPS_AT,
  HDR_HEIGHT,
  HDR_ROOT,
  LEAF_64,
  MAX_INDEX,
  META,
  PARENT,
  PIVOTS,
  TYPE_NAMES,
  isNode,
  nodeBase,
  slotsAt,
} from './layout.js';

const hex = (n: number): string => '0x' + n.toString(16);

export function dumpTree(mem: Memory): string {
  const root = mem.read(HDR_ROOT);
  const lines: string[] = [`maple tree: root ${hex(root)}, height ${mem.read(HDR_HEIGHT)}`];
  if (!isNode(root)) {
    lines.push(root === 0 ? '  (empty)' : `  [0, 0]: entry ${root} held in the root`);
    return lines.join('\n');
  }
  const visit = (enode: number, min: number, max: number, indent: string): void => {
    const id = enode >>> 4;
    const type = (enode >>> 2) & 3;
    const base = nodeBase(id);
    const meta = mem.read(base + META);
    const end = meta & 0xff;
    const gapNote = type === ARANGE_64 ? `, largest gap at ${(meta >>> 8) & 0xff}` : '';
    lines.push(
      `${indent}node ${id} ${TYPE_NAMES[type]} [${min}, ${max}] parent ${hex(mem.read(base + PARENT))}, end ${end}${gapNote}`,
    );
    let lo = min;
    for (let i = 0; i <= end; i++) {
      const hi = i < end ? mem.read(base + PIVOTS + i) : max;
      const slot = mem.read(base + slotsAt(type) + i);
      if (type === LEAF_64) {
        lines.push(`${indent}  [${lo}, ${hi}]: ${slot === 0 ? 'NULL' : slot}`);
      } else {
        const gap = type === ARANGE_64 ? ` gap ${mem.read(base + ARANGE_GAPS_AT + i)}` : '';
        lines.push(`${indent}  [${lo}, ${hi}]:${gap}`);
        visit(slot, lo, hi, indent + '    ');
      }
      lo = hi + 1;
    }
  };
  visit(root, 0, MAX_INDEX, '  ');
  return lines.join('\n');
}
