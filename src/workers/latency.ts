/** Operation latency samples, kept in a bounded reservoir, summarised as percentiles. */
import type { LatencySummary } from '../harness/types.js';

export class LatencySampler {
  // Grows by doubling up to `size` (a power of two): short-lived samplers cost little.
  private samples = new Float64Array(64);
  private count = 0;

  constructor(private readonly size = 1 << 15) {}

  add(ns: number): void {
    if (this.count === this.samples.length && this.count < this.size) {
      const grown = new Float64Array(this.samples.length * 2);
      grown.set(this.samples);
      this.samples = grown;
    }
    this.samples[this.count++ & (this.samples.length - 1)] = ns;
  }

  summary(): LatencySummary {
    const n = Math.min(this.count, this.samples.length);
    const sorted = this.samples.slice(0, n).sort();
    const at = (q: number): number => (n === 0 ? 0 : Math.round(sorted[Math.min(n - 1, Math.floor(q * n))]));
    return { samples: this.count, p50Ns: at(0.5), p99Ns: at(0.99), p999Ns: at(0.999), maxNs: n === 0 ? 0 : Math.round(sorted[n - 1]) };
  }
}
