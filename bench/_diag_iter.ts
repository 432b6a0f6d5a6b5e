import { MapleTree, MapleCursor } from '../src/index.js';
const N = 1_000_000;
const t = MapleTree.create({ capacity: 300000, rcu: false });
for (let i = 0; i < N; i++) t.store(10 * i, 10 * i + 5, 2 * i + 16385);
const proto = MapleCursor.prototype as any; const orig = proto.walkTo; let walks = 0;
proto.walkTo = function (this: unknown, index: number) { walks++; return orig.call(this, index); };
const c = t.cursor(0); let n = 0; while (c.find(0xffffffff) !== 0) n++;
console.log(`iterate: ${n} ranges, ${walks} root walks, leaves ${t.stats().leaves}`);
proto.walkTo = orig;
for (let rep = 0; rep < 3; rep++) {
  const c2 = t.cursor(0); n = 0; let t0 = performance.now(); while (c2.find(0xffffffff) !== 0) n++; const tIter = performance.now() - t0;
  const c3 = t.cursor(0); t0 = performance.now(); let acc = 0; for (let i = 0; i < N; i += 8) { c3.set(10 * i); acc += c3.walk(); }
  console.log(`full iterate ${tIter.toFixed(0)} ms; ${N / 8} ascending root walks alone ${(performance.now() - t0).toFixed(0)} ms`);
}
