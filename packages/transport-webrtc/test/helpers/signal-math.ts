/** Test helpers for comparing audio after a lossy codec. */

/** Keeps every `factor`-th sample after a short box filter (cheap decimation for correlation). */
export function decimate(samples: Float32Array, factor: number): Float32Array {
  const out = new Float32Array(Math.floor(samples.length / factor));
  for (let i = 0; i < out.length; i++) {
    let sum = 0;
    for (let k = 0; k < factor; k++) sum += samples[i * factor + k];
    out[i] = sum / factor;
  }
  return out;
}

/** Best normalized cross-correlation of `received` against `reference` over lags 0..maxLag. */
export function bestCorrelation(reference: Float32Array, received: Float32Array, maxLag: number): { correlation: number; lag: number } {
  let best = { correlation: -1, lag: 0 };
  // Compare a window that fits at every lag.
  const n = Math.min(reference.length, received.length - maxLag);
  let refEnergy = 0;
  for (let i = 0; i < n; i++) refEnergy += reference[i] ** 2;
  for (let lag = 0; lag <= maxLag; lag++) {
    let dot = 0;
    let recEnergy = 0;
    for (let i = 0; i < n; i++) {
      const r = received[lag + i];
      dot += reference[i] * r;
      recEnergy += r * r;
    }
    const c = dot / Math.sqrt(refEnergy * recEnergy || 1);
    if (c > best.correlation) best = { correlation: c, lag };
  }
  return best;
}

export function concat(chunks: Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
