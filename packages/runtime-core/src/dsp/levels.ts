/** Lowest level reported, for digital silence (instead of -Infinity, which JSON cannot carry). */
export const SILENCE_FLOOR_DB = -120;

export const toDb = (linear: number): number => (linear > 0 ? Math.max(SILENCE_FLOOR_DB, 20 * Math.log10(linear)) : SILENCE_FLOOR_DB);

/** RMS and peak of samples in dBFS (0 dBFS = a full-scale square wave / sample value 1). */
export function measureLevel(samples: Float32Array, start = 0, end = samples.length): { rmsDb: number; peakDb: number } {
  let sum = 0;
  let peak = 0;
  for (let i = start; i < end; i++) {
    const x = samples[i];
    sum += x * x;
    const a = x < 0 ? -x : x;
    if (a > peak) peak = a;
  }
  const n = end - start;
  return { rmsDb: toDb(n > 0 ? Math.sqrt(sum / n) : 0), peakDb: toDb(peak) };
}
