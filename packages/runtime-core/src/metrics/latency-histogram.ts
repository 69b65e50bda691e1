const SUB_BUCKETS = 8; // per power of two: quantiles within ~9%
const OCTAVES = 40; // 1 us .. ~12 days

/**
 * Log-bucketed latency histogram in microseconds: O(1) record with no allocation, so it can stay
 * on in the hot path, and quantiles without keeping samples. Browser-safe, hence not prom-client.
 */
export class LatencyHistogram {
  /** Allocated on the first record: short unary sessions with synchronous nodes often never need it. */
  #counts: Uint32Array | undefined;
  count = 0;
  sumUs = 0;
  maxUs = 0;

  record(us: number): void {
    const v = us < 1 ? 1 : us;
    const counts = (this.#counts ??= new Uint32Array(SUB_BUCKETS * OCTAVES + 1));
    counts[Math.min(counts.length - 1, Math.floor(Math.log2(v) * SUB_BUCKETS))]!++;
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  /** Upper bound of the bucket holding quantile q (0..1), in microseconds. */
  quantile(q: number): number {
    const counts = this.#counts;
    if (this.count === 0 || !counts) return 0;
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i]!;
      if (seen >= rank) return Math.min(this.maxUs, 2 ** ((i + 1) / SUB_BUCKETS));
    }
    return this.maxUs;
  }

  /** Cumulative counts at power-of-two bounds (us), for Prometheus `le` buckets. */
  cumulativeBuckets(): Array<{ leUs: number; count: number }> {
    const out: Array<{ leUs: number; count: number }> = [];
    let seen = 0;
    for (let octave = 0; octave < 27; octave++) {
      for (let s = 0; s < SUB_BUCKETS; s++) seen += this.#counts?.[octave * SUB_BUCKETS + s] ?? 0;
      out.push({ leUs: 2 ** (octave + 1), count: seen });
    }
    return out;
  }

  snapshot(): LatencySnapshot {
    return {
      count: this.count,
      meanUs: this.count ? this.sumUs / this.count : 0,
      p50Us: this.quantile(0.5),
      p95Us: this.quantile(0.95),
      p99Us: this.quantile(0.99),
      maxUs: this.maxUs,
    };
  }
}

export interface LatencySnapshot {
  count: number;
  meanUs: number;
  p50Us: number;
  p95Us: number;
  p99Us: number;
  maxUs: number;
}
