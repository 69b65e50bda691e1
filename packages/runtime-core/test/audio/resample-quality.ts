// Quality measurement shared by the resampler tests and `bench/audio.bench.ts`: a stepped sine sweep
// through any resampler, scored with a Hann-windowed single-bin DFT (Goertzel-style) and RMS.

/** Resamples a whole mono signal; may be streaming inside. Its delay does not matter (steady-state middle is analysed). */
export type ResampleFn = (input: Float32Array, inputRate: number, outputRate: number) => Float32Array;

export interface ResampleQualityReport {
  /** max - min passband gain in dB over tones from 50 Hz to 0.9 x output Nyquist. */
  passbandRippleDb: number;
  /** Lowest passband gain (dB), to spot a rolled-off top. */
  minPassbandGainDb: number;
  /** Weakest rejection (positive dB) of tones whose alias falls into the passband (0..0.9 x output Nyquist). */
  stopbandAttenuationDb: number;
  /** Weakest rejection of any tone above the output Nyquist (aliases into the transition band included). */
  fullStopbandAttenuationDb: number;
}

export function sine(frequency: number, rate: number, frames: number, amplitude = 0.5): Float32Array {
  const out = new Float32Array(frames);
  const w = (2 * Math.PI * frequency) / rate;
  for (let i = 0; i < frames; i++) out[i] = amplitude * Math.sin(w * i);
  return out;
}

/** Amplitude of the component at `frequency` in `x` (Hann-windowed DFT bin at an exact, possibly fractional, frequency). */
export function toneAmplitude(x: Float32Array, frequency: number, rate: number): number {
  const n = x.length;
  const w = (2 * Math.PI * frequency) / rate;
  let re = 0;
  let im = 0;
  let wsum = 0;
  for (let i = 0; i < n; i++) {
    const win = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / (n - 1));
    re += win * x[i] * Math.cos(w * i);
    im -= win * x[i] * Math.sin(w * i);
    wsum += win;
  }
  return (2 * Math.hypot(re, im)) / wsum;
}

export function rms(x: Float32Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  return Math.sqrt(s / Math.max(1, x.length));
}

const db = (ratio: number) => 20 * Math.log10(Math.max(ratio, 1e-12));

/** The middle half of a buffer: past any filter start-up and before any end effects. */
function middle(x: Float32Array): Float32Array {
  return x.subarray(Math.floor(x.length / 4), Math.floor((3 * x.length) / 4));
}

export function measureResampleQuality(
  fn: ResampleFn,
  inputRate: number,
  outputRate: number,
  options: { toneSeconds?: number; tones?: number } = {},
): ResampleQualityReport {
  const frames = Math.round(inputRate * (options.toneSeconds ?? 0.2));
  const tones = options.tones ?? 40;
  const amplitude = 0.5;
  const outNyquist = Math.min(inputRate, outputRate) / 2;
  const passEdge = 0.9 * outNyquist;
  let minGain = Infinity;
  let maxGain = -Infinity;
  for (let k = 0; k < tones; k++) {
    const f = 50 + ((passEdge - 50) * k) / (tones - 1);
    const out = middle(fn(sine(f, inputRate, frames, amplitude), inputRate, outputRate));
    const gain = db(toneAmplitude(out, f, outputRate) / amplitude);
    minGain = Math.min(minGain, gain);
    maxGain = Math.max(maxGain, gain);
  }
  let stop = Infinity;
  let fullStop = Infinity;
  if (inputRate > outputRate) {
    const inNyquist = inputRate / 2;
    const aliasFreeFrom = outputRate - passEdge; // aliases of tones above this land inside the passband
    for (let k = 0; k < tones; k++) {
      const f = outNyquist + 1 + ((inNyquist - 50 - outNyquist) * k) / (tones - 1);
      const out = middle(fn(sine(f, inputRate, frames, amplitude), inputRate, outputRate));
      // RMS catches the alias wherever it lands; a sine's RMS is amplitude / sqrt(2).
      const rejection = -db(rms(out) / (amplitude / Math.SQRT2));
      fullStop = Math.min(fullStop, rejection);
      if (f >= aliasFreeFrom) stop = Math.min(stop, rejection);
    }
    // Also probe just inside the alias-into-passband region, where the filter is weakest.
    const edge = middle(fn(sine(aliasFreeFrom, inputRate, frames, amplitude), inputRate, outputRate));
    stop = Math.min(stop, -db(rms(edge) / (amplitude / Math.SQRT2)));
  }
  return { passbandRippleDb: maxGain - minGain, minPassbandGainDb: minGain, stopbandAttenuationDb: stop, fullStopbandAttenuationDb: fullStop };
}

/** Feeds a resampler in chunks of `chunkFrames`, concatenating its outputs. */
export function concatChunks(parts: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
