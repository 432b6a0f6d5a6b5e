/** mt_dump: the tree as indented text, one line per node and per slot. */
import type { Memory } from '../shared-heap/memory.js';
import { ARANGE_64, HDR_HEIGHT, HDR_ROOT, LEAF_64, MAX_INDEX, TYPE_NAMES, isNode, metaEnd, metaGap, nodeBase } from './layout.js';
import { gap as gapAt, nodeIdOf, nodeType, parentWord, peekSlot, readMeta, safePivot } from './node-access.js';

const hex = (n: number): string => '0x' + n.toString(16);

export function dumpTree(mem: Memory): string {
  const root = mem.read(HDR_ROOT);
  const lines: string[] = [`maple tree: root ${hex(root)}, height ${mem.read(HDR_HEIGHT)}`];
  if (!isNode(root)) {
    lines.push(root === 0 ? '  (empty)' : `  [0, 0]: entry ${root} held in the root`);
    return lines.join('\n');
  }
  const visit = (enode: number, min: number, max: number, indent: string): void => {
    const id = nodeIdOf(enode);
    const type = nodeType(enode);
    const base = nodeBase(id);
    const meta = readMeta(mem, base);
    const end = metaEnd(meta);
    const gapNote = type === ARANGE_64 ? `, largest gap at ${metaGap(meta)}` : '';
    lines.push(
      `${indent}node ${id} ${TYPE_NAMES[type]} [${min}, ${max}] parent ${hex(parentWord(mem, base))}, end ${end}${gapNote}`,
    );
    let lo = min;
    for (let i = 0; i <= end; i++) {
      const hi = safePivot(mem, base, i, end, max);
      const slot = peekSlot(mem, base, type, i);
      if (type === LEAF_64) {
        lines.push(`${indent}  [${lo}, ${hi}]: ${slot === 0 ? 'NULL' : slot}`);
      } else {
        const gap = type === ARANGE_64 ? ` gap ${gapAt(mem, base, i)}` : '';
        lines.push(`${indent}  [${lo}, ${hi}]:${gap}`);
        visit(slot, lo, hi, indent + '    ');
      }
      lo = hi + 1;
    }
  };
  visit(root, 0, MAX_INDEX, '  ');
  return lines.join('\n');
}
