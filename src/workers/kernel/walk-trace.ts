/**
 * The walk trace of a kernel reader: what the kernel's code dereferenced in the read-side section
 * that gave a wrong result (rt.c keeps the last 4096 records per thread; a re-walk loop's repeats are folded), decoded for the report.
 * Each dereference is the word's address (node and byte offset, "dead" when the node was already
 * marked dead as it was read) and the value; each step is followed by the ma_state it left.
 */
import type { KernelInstance } from '../../kernel/loader.js';

const STEP = 0xffffff00;
const SKIPPED = 0xfffffff0;
const STEP_NAMES = ['mas_find', 'mas_find_rev', 'mas_next', 'mas_prev'];
const STATE_NAMES: Record<number, string> = { 0x10: 'node', 0x11: 'min', 0x12: 'max', 0x13: 'offset', 0x14: 'index', 0x15: 'last', 0x16: 'parent' };
const NODE_SIZE = 256;
const RECORDS = 4096;

export class WalkTrace {
  /** Allocated at the first report (the runtime's allocator never frees). */
  private ptr = 0;

  constructor(private readonly kernel: KernelInstance) {}

  /** The current (or last) section's records, one line per step and per dereference. */
  lines(): string[] {
    const x = this.kernel.exports;
    if (this.ptr === 0) this.ptr = x.rt_alloc(RECORDS * 8, 64);
    if (this.ptr === 0) return ['(no memory for the walk trace)'];
    const made = x.rt_trace_copy(this.ptr, RECORDS) >>> 0;
    const kept = Math.min(made, RECORDS);
    const words = new Uint32Array(this.kernel.memory.buffer, this.ptr, kept * 2);
    const out: string[] = made > kept ? [`(${made - kept} earlier records dropped)`] : [];
    let state: string[] = [];
    const flush = (): void => {
      if (state.length > 0) out.push(`  -> ${state.join(' ')}`);
      state = [];
    };
    for (let i = 0; i < kept; i++) {
      const at = words[2 * i] >>> 0;
      const value = words[2 * i + 1] >>> 0;
      if (at === SKIPPED) {
        out.push(`  (${value} more dereferences in this step not kept)`);
      } else if (at >= STEP && at < STEP + 4) {
        flush();
        out.push(`${STEP_NAMES[at - STEP]}(limit ${value})`);
      } else if (at > STEP && at < SKIPPED && STATE_NAMES[at - STEP] !== undefined) {
        const name = STATE_NAMES[at - STEP];
        if (name === 'parent') out.push(`  (parent word at the start: 0x${value.toString(16)}, ${describeParentWord(value)})`);
        else state.push(name === 'offset' ? `offset ${value & 0xff} end ${(value >>> 8) & 0xff} status ${value >>> 16}` : `${name} ${hex(value, name === 'node')}`);
      } else {
        flush();
        const word = at & ~3;
        const node = word & ~(NODE_SIZE - 1);
        out.push(`  0x${node.toString(16)}+${word - node}${(at & 1) === 1 ? ' (dead)' : ''} = ${hex(value, true)}`);
      }
    }
    flush();
    const folded = foldRepeats(out);
    folded.push(...this.nodesNow(words, kept));
    return folded;
  }

  /**
   * Each node the trace went through as it is now (read at report time, racing the writer): its
   * parent word (the node itself when dead; else the parent with the slot in bits 3-7, bit 0 for a
   * root) and its generation (bumped at each free).
   */
  private nodesNow(words: Uint32Array, kept: number): string[] {
    const x = this.kernel.exports;
    const genAt = x.rt_node_generation_offset();
    const mem = new Uint32Array(this.kernel.memory.buffer);
    const seen = new Set<number>();
    for (let i = 0; i < kept; i++) {
      const at = words[2 * i] >>> 0;
      if (at < STEP) seen.add((at & ~3) & ~(NODE_SIZE - 1));
    }
    const parts: string[] = [];
    for (const node of seen) {
      if (node + NODE_SIZE > mem.byteLength) continue;
      const parent = mem[node >>> 2] >>> 0;
      const state = parent === node ? 'dead' : (parent & 1) === 1 ? 'root' : `parent 0x${(parent & ~0xff).toString(16)} slot ${(parent & 0xf8) >>> 3}`;
      parts.push(`0x${node.toString(16)} ${state} gen ${mem[(node + genAt) >>> 2]}`);
    }
    return parts.length > 0 ? [`nodes now: ${parts.join('; ')}`] : [];
  }
}

/** A parent word: the node named and the slot (bits 3-7), or the root's tree pointer (bit 0). */
function describeParentWord(word: number): string {
  if ((word & 1) === 1) return 'a root';
  return `0x${(word & ~0xff).toString(16)} slot ${(word & 0xf8) >>> 3}`;
}

/** Folds a block of up to 8 lines repeated back to back into one copy and a count. */
export function foldRepeats(lines: string[]): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < lines.length) {
    let best = 0;
    let bestTimes = 1;
    for (let k = 1; k <= 8 && i + 2 * k <= lines.length; k++) {
      let times = 1;
      while (i + (times + 1) * k <= lines.length && sameBlock(lines, i, i + times * k, k)) times++;
      if (times > 1 && times * k > best * bestTimes) {
        best = k;
        bestTimes = times;
      }
    }
    if (best === 0) {
      out.push(lines[i++]);
      continue;
    }
    out.push(`  [${bestTimes} times:`, ...lines.slice(i, i + best).map((l) => `  ${l}`), '  ]');
    i += best * bestTimes;
  }
  return out;
}

function sameBlock(lines: string[], a: number, b: number, k: number): boolean {
  for (let j = 0; j < k; j++) if (lines[a + j] !== lines[b + j]) return false;
  return true;
}

function hex(value: number, asPointer: boolean): string {
  return asPointer && value > 4096 ? `0x${value.toString(16)}` : String(value);
}
