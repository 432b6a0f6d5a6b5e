/** Operation latency samples, kept in a bounded reservoir, summarised as percentiles. */
import type { LatencySummary } from '../harness/types.js';

export class LatencySampler {
  private readonly samples: Float64Array;
  private count = 0;

  constructor(size = 1 << 15) {
    this.samples = new Float64Array(size);
  }

  add(ns: number): void {
    this.samples[this.count++ & (this.samples.length - 1)] = ns;
  }

  summary(): LatencySummary {
    const n = Math.min(this.count, this.samples.length);
    const sorted = this.samples.slice(0, n).sort();
    const at = (q: number): number => (n === 0 ? 0 : Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]));
    return { samples: this.count, p50Ns: at(0.5), p99Ns: at(0.99), p999Ns: at(0.999), maxNs: n === 0 ? 0 : Math.round(sorted[n - 1]) };
  }
}
