// Prints the top self-time functions of a V8 .cpuprofile (from `node --cpu-prof`).
//   node --import tsx bench/tools/cpuprofile-top.ts <file.cpuprofile> [count=25] [filter-regex] [under]
// With `under` (a function name, e.g. op-driver's `timed` or `storeGap`), only the samples with
// that function on their stack count, and the shares are of those: the timed part of a driver
// without its set-up and untimed undo.
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

const [file, countArg, filterArg, under] = process.argv.slice(2);
if (file === undefined) {
  console.error('usage: cpuprofile-top.ts <file.cpuprofile> [count] [url-filter-regex] [under-function]');
  process.exit(2);
}
const prof = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
const count = Number(countArg ?? 25);
const filter = filterArg !== undefined && filterArg !== '' ? new RegExp(filterArg) : null;

const byId = new Map<number, ProfileNode>();
for (const n of prof.nodes) byId.set(n.id, n);
const parentOf = new Map<number, number>();
for (const n of prof.nodes) for (const c of n.children ?? []) parentOf.set(c, n.id);
/** Whether the node's stack holds `under` (always, without it). */
const isUnder = (id: number): boolean => {
  if (under === undefined) return true;
  for (let p: number | undefined = id; p !== undefined; p = parentOf.get(p)) {
    if (byId.get(p)?.callFrame.functionName === under) return true;
  }
  return false;
};
const selfUs = new Map<number, number>();
let underUs = 0;
for (let i = 0; i < prof.samples.length; i++) {
  const id = prof.samples[i];
  if (!isUnder(id)) continue;
  selfUs.set(id, (selfUs.get(id) ?? 0) + (prof.timeDeltas[i] ?? 0));
  underUs += prof.timeDeltas[i] ?? 0;
}
const total = under === undefined ? prof.endTime - prof.startTime : underUs;

const agg = new Map<string, { us: number; name: string; where: string }>();
for (const [id, us] of selfUs) {
  const cf = byId.get(id)?.callFrame;
  if (cf === undefined) continue;
  const url = cf.url.replace(/^file:\/\//, '');
  const where = url ? `${relative(process.cwd(), url)}:${cf.lineNumber + 1}` : '';
  const name = cf.functionName || '(anonymous)';
  const key = `${name}@${where}`;
  const cur = agg.get(key);
  if (cur) cur.us += us;
  else agg.set(key, { us, name, where });
}
const rows = [...agg.values()].filter((r) => filter === null || filter.test(r.where)).sort((a, b) => b.us - a.us);
console.log(`profile ${file}: ${(total / 1e6).toFixed(2)} s sampled${under === undefined ? '' : ` under ${under}`}`);
console.log(`${'self ms'.padStart(9)} ${'self %'.padStart(7)}  function (location)`);
for (const r of rows.slice(0, count)) {
  console.log(`${(r.us / 1000).toFixed(1).padStart(9)} ${((100 * r.us) / total).toFixed(1).padStart(6)}%  ${r.name}  ${r.where}`);
}
