const SUB_BUCKETS = 8; // per power of two: quantiles within ~9%
const OCTAVES = 40; // 1 us .. ~12 days
const FEW = 8;

/**
 * Log-bucketed latency histogram in microseconds: O(1) record, allocation only when the bucket
 * array is first needed, quantiles without keeping samples (exact while there are only a few).
 * Browser-safe, hence not prom-client.
 */
export class LatencyHistogram {
  /** Buckets, allocated once more than FEW samples came: a short unary session never needs them. */
  #counts: Uint32Array | undefined;
  /** The first samples, kept as they are until the buckets exist. */
  #few: number[] | undefined;
  count = 0;
  sumUs = 0;
  maxUs = 0;

  record(us: number): void {
    this.count++;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
    if (this.#counts === undefined) {
      const few = (this.#few ??= []);
      if (few.length < FEW) return void few.push(us);
      this.#counts = new Uint32Array(SUB_BUCKETS * OCTAVES + 1);
      for (const v of few) this.#bucket(v);
      this.#few = undefined;
    }
    this.#bucket(us);
  }

  #bucket(us: number): void {
    const counts = this.#counts!;
    counts[Math.min(counts.length - 1, Math.floor(Math.log2(us < 1 ? 1 : us) * SUB_BUCKETS))]++;
  }

  /** Upper bound of the bucket holding quantile q (0..1), in microseconds. */
  quantile(q: number): number {
    const counts = this.#counts;
    if (this.count === 0) return 0;
    if (!counts) {
      // Exact while few samples exist; bucketed (within ~9%) afterwards.
      const sorted = [...this.#few!].sort((a, b) => a - b);
      return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)];
    }
    const rank = Math.ceil(q * this.count);
    let seen = 0;
    for (let i = 0; i < counts.length; i++) {
      seen += counts[i];
      if (seen >= rank) return Math.min(this.maxUs, 2 ** ((i + 1) / SUB_BUCKETS));
    }
    return this.maxUs;
  }

  /** Cumulative counts at power-of-two bounds (us), for Prometheus `le` buckets. */
  cumulativeBuckets(): Array<{ leUs: number; count: number }> {
    const out: Array<{ leUs: number; count: number }> = [];
    let seen = 0;
    for (let octave = 0; octave < 27; octave++) {
      const hi = 2 ** (octave + 1);
      if (this.#counts) for (let s = 0; s < SUB_BUCKETS; s++) seen += this.#counts[octave * SUB_BUCKETS + s];
      else seen = (this.#few ?? []).filter((v) => Math.max(v, 1) < hi).length;
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
