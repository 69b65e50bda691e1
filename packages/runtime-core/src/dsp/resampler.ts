// Hand-written polyphase resampler: `pnpm bench audio` shows it beats libsamplerate-js (WASM) and
// speex-resampler (WASM) at equal or better measured in-band quality, so it is kept instead of a dependency.
// Hot loops use tables precomputed per rate pair (packed double arrays, see `doubles`), fold the
// symmetric filter for integer decimation, and allocate nothing per sample.
import { Code, RemoteMediaError } from '../errors.js';
import { besselI0, gcd, kaiserBeta, kaiserLength } from './filter-design.js';
import { FIR_BLOCK, firKernel } from './fir-simd.js';

export type ResampleQuality = 'fast' | 'medium' | 'high';

/** Filter specification of a quality preset. Edges are fractions of the lower of the two Nyquist frequencies. */
export interface ResampleFilterSpec {
  /** Gain is flat (ripple well under 0.1 dB) up to here. */
  passbandEdge: number;
  /** Everything above here is attenuated by `attenuationDb`. */
  stopbandEdge: number;
  attenuationDb: number;
}

export const RESAMPLE_PRESETS: Readonly<Record<ResampleQuality, ResampleFilterSpec>> = {
  /** Cheapest: for speech recognition front ends that tolerate a softer top octave. */
  fast: { passbandEdge: 0.8, stopbandEdge: 1.2, attenuationDb: 80 },
  /**
   * Default: flat to 0.9 x Nyquist and every tone above the output Nyquist >= 100 dB down, so a
   * sweep over the whole input band aliases nowhere (the transition band ends at Nyquist).
   */
  medium: { passbandEdge: 0.9, stopbandEdge: 1.0, attenuationDb: 100 },
  /** Flatter to 0.95 x Nyquist and 120 dB rejection, for archival-quality conversion. */
  high: { passbandEdge: 0.95, stopbandEdge: 1.0, attenuationDb: 120 },
};

export const MIN_SAMPLE_RATE = 8000;
export const MAX_SAMPLE_RATE = 192_000;

export interface ResamplerOptions {
  inputRate: number;
  outputRate: number;
  /** Interleaved channels. Default 1. */
  channels?: number;
  /** A preset name or an explicit filter spec. Default `medium`. */
  quality?: ResampleQuality | ResampleFilterSpec;
  /**
   * Above this many polyphase branches (rate pairs with a large reduced numerator, e.g. 44100 -> 44101)
   * the filter is tabulated at this many phases and interpolated linearly between them. Default 1024.
   */
  maxPhases?: number;
  /**
   * Run exact polyphase filters on the WebAssembly SIMD kernel (float32, 4 taps per instruction)
   * where the runtime has it. Default true; env REMOTEMEDIA_RESAMPLER_SIMD=0 turns it off process-wide.
   */
  simd?: boolean;
}

/** A streaming resampler: filter history is kept between `process` calls, so chunked output equals one-shot output. */
export interface Resampler {
  readonly inputRate: number;
  readonly outputRate: number;
  readonly channels: number;
  /** Taps per output sample, per channel (the cost driver). */
  readonly taps: number;
  /** Input frames the output lags behind until `flush` (half the filter). */
  readonly latencyFrames: number;
  /** Resamples interleaved samples; returns the output frames available so far (may be empty). */
  process(samples: Float32Array): Float32Array;
  /** End of stream: returns the remaining output so the total is ceil(inputFrames * outputRate / inputRate) frames. Then resets. */
  flush(): Float32Array;
  /** Forgets all history; the next `process` starts a new stream. */
  reset(): void;
}

/**
 * A packed array of doubles. Plain arrays, not typed arrays, for the filter and history: once any
 * ArrayBuffer in the process has been detached (WASM memory growth, a transfer), V8 adds a detach check
 * to every typed-array access (~25% slower). Measured: plain arrays are ~1.5x faster here even without that.
 */
function doubles(n: number): number[] {
  const a = new Array<number>(n).fill(0.5); // a double first, so the elements kind is PACKED_DOUBLE
  return a.fill(0);
}

function checkRate(name: string, rate: number): void {
  if (!Number.isInteger(rate) || rate < MIN_SAMPLE_RATE || rate > MAX_SAMPLE_RATE) {
    throw new RemoteMediaError(Code.InvalidArgument, `${name} must be an integer from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${rate}`);
  }
}

export function resolveFilterSpec(quality: ResampleQuality | ResampleFilterSpec | undefined): ResampleFilterSpec {
  const spec = typeof quality === 'object' ? quality : RESAMPLE_PRESETS[quality ?? 'medium'];
  if (!spec) throw new RemoteMediaError(Code.InvalidArgument, `unknown resample quality ${JSON.stringify(quality)}; expected fast, medium or high`);
  if (!(spec.passbandEdge > 0 && spec.stopbandEdge > spec.passbandEdge && spec.stopbandEdge < 2 && spec.attenuationDb >= 20)) {
    throw new RemoteMediaError(
      Code.InvalidArgument,
      `invalid resample filter spec ${JSON.stringify(spec)}: need 0 < passbandEdge < stopbandEdge < 2 and attenuationDb >= 20`,
    );
  }
  return spec;
}

/**
 * Builds `rows` phase tables of `taps` coefficients. Row q holds the kernel for a fractional position
 * q/phases: coefficient i weighs input frame floor(pos) - taps/2 + 1 + i.
 */
function buildTable(taps: number, phases: number, rows: number, cutoff: number, beta: number): number[] {
  const table = doubles(rows * taps);
  const half = taps / 2;
  const i0Beta = besselI0(beta);
  const row = new Float64Array(taps);
  for (let q = 0; q < rows; q++) {
    let sum = 0;
    for (let i = 0; i < taps; i++) {
      const d = i - half + 1 - q / phases; // distance in input frames from the output position
      const x = 2 * cutoff * d;
      const sinc = d === 0 ? 1 : Math.sin(Math.PI * x) / (Math.PI * x);
      const r = d / half;
      const w = Math.abs(r) >= 1 ? 0 : besselI0(beta * Math.sqrt(1 - r * r)) / i0Beta;
      row[i] = 2 * cutoff * sinc * w;
      sum += row[i];
    }
    // Unity DC gain for every phase removes the phase-dependent gain ripple.
    for (let i = 0; i < taps; i++) table[q * taps + i] = row[i] / sum;
  }
  return table;
}

export function createResampler(options: ResamplerOptions): Resampler {
  const { inputRate, outputRate } = options;
  checkRate('inputRate', inputRate);
  checkRate('outputRate', outputRate);
  const channels = options.channels ?? 1;
  if (!Number.isInteger(channels) || channels < 1 || channels > 64) {
    throw new RemoteMediaError(Code.InvalidArgument, `channels must be an integer from 1 to 64, got ${channels}`);
  }
  const spec = resolveFilterSpec(options.quality);
  const g = gcd(inputRate, outputRate);
  const L = outputRate / g; // output frames per M input frames
  const M = inputRate / g;
  const maxPhases = options.maxPhases ?? 1024;
  const exact = L <= maxPhases;
  const phases = exact ? L : maxPhases;

  const nyquist = Math.min(inputRate, outputRate) / 2;
  const pass = (spec.passbandEdge * nyquist) / inputRate; // in cycles per input frame
  const stop = (spec.stopbandEdge * nyquist) / inputRate;
  const cutoff = Math.min(0.5, (pass + stop) / 2);
  let taps = kaiserLength(spec.attenuationDb, stop - pass);
  taps += taps & 1; // even: symmetric support around the output position
  const half = taps / 2;
  const table = buildTable(taps, phases, exact ? phases : phases + 1, cutoff, kaiserBeta(spec.attenuationDb));
  // With one phase the row is symmetric about tap half-1 (tap taps-1 is the window's zero end).
  const symmetric = exact && L === 1;
  const centerTap = table[half - 1];
  const folded = doubles(half);
  for (let k = 1; k < half; k++) folded[k] = (table[half - 1 + k] + table[half - 1 - k]) / 2;
  // Exact polyphase rows run on the WebAssembly SIMD kernel where available (`pnpm bench audio`):
  // float32 rows padded to a multiple of FIR_BLOCK taps, one table per filter shared by all resamplers.
  // A symmetric row is stored folded: coefficient k weighs x[mid + k] + x[mid - k] (k = 0 counted twice, so halved).
  const simd = exact && options.simd !== false ? firKernel() : undefined;
  const pad = (n: number) => Math.ceil(n / FIR_BLOCK) * FIR_BLOCK;
  const tapsP = symmetric ? pad(half) : pad(taps);
  const simdTable = simd?.table(`${symmetric ? 'folded' : 'rows'}/${taps}/${phases}/${cutoff}/${spec.attenuationDb}`, () => {
    const t = new Float32Array(phases * tapsP);
    if (symmetric) {
      t[0] = centerTap / 2;
      for (let k = 1; k < half; k++) t[k] = folded[k]!;
    } else for (let q = 0; q < phases; q++) for (let i = 0; i < taps; i++) t[q * tapsP + i] = table[q * taps + i]!;
    return t;
  });

  // Planar history per channel: frame `base + j` lives at buffers[c][j].
  let capacity = 0;
  let buffers: number[][] = [];
  // With the SIMD kernel the history is float32 instead (copied into the kernel's memory in bulk).
  let fbuffers: Float32Array[] = [];
  const useSimd = simd !== undefined && simdTable !== undefined;
  let base = 0;
  let length = 0;
  let received = 0; // input frames so far
  let nextOut = 0; // index of the next output frame
  let m = 0; // floor(nextOut * M / L)
  let p = 0; // (nextOut * M) mod L
  const stepWhole = Math.floor(M / L);
  const stepFrac = M % L;

  const reset = (): void => {
    capacity = Math.max(4096, taps * 2);
    if (useSimd) fbuffers = Array.from({ length: channels }, () => new Float32Array(capacity));
    else buffers = Array.from({ length: channels }, () => doubles(capacity));
    base = -half; // `half` zero frames of history before the stream starts
    length = half;
    received = 0;
    nextOut = 0;
    m = 0;
    p = 0;
  };
  reset();

  const append = (samples: Float32Array, frames: number): void => {
    if (length + frames > capacity) {
      capacity = Math.max(capacity * 2, length + frames);
      fbuffers = fbuffers.map((b) => {
        const grown = new Float32Array(capacity);
        grown.set(b.subarray(0, length));
        return grown;
      });
      buffers = buffers.map((b) => {
        const grown = doubles(capacity);
        for (let i = 0; i < length; i++) grown[i] = b[i]!;
        return grown;
      });
    }
    if (useSimd) {
      if (channels === 1) fbuffers[0].set(samples.subarray(0, frames), length);
      else {
        for (let c = 0; c < channels; c++) {
          const buf = fbuffers[c];
          for (let f = 0, s = c; f < frames; f++, s += channels) buf[length + f] = samples[s]!;
        }
      }
    } else if (channels === 1) {
      const buf = buffers[0];
      for (let f = 0; f < frames; f++) buf[length + f] = samples[f]!;
    } else {
      for (let c = 0; c < channels; c++) {
        const buf = buffers[c];
        for (let f = 0, s = c; f < frames; f++, s += channels) buf[length + f] = samples[s]!;
      }
    }
    length += frames;
  };

  /** Produces outputs while their input window ends before frame `limit` (exclusive), at most `maxOut` of them. */
  const produce = (limit: number, maxOut: number): Float32Array => {
    // Outputs n with floor(n*M/L) + half < limit.
    const last = limit - half - 1;
    let count = last < m ? 0 : Math.floor(((last + 1) * L) / M - 1e-9) - nextOut + 1;
    // Guard the float estimate with exact integer checks.
    while (count > 0 && Math.floor(((nextOut + count - 1) * M) / L) > last) count--;
    while (Math.floor(((nextOut + count) * M) / L) <= last) count++;
    count = Math.max(0, Math.min(count, maxOut));
    const out = new Float32Array(count * channels);
    if (useSimd) {
      if (count > 0) produceSimd(out, count);
    } else
      for (let k = 0; k < count; k++) {
        const start = m - half + 1 - base;
        const k0 = k * channels;
        if (symmetric) {
          // Integer decimation: one linear-phase row, so fold mirrored inputs and halve the multiplies.
          const mid = start + half - 1;
          for (let c = 0; c < channels; c++) {
            const buf = buffers[c];
            let s0 = centerTap * buf[mid];
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            let k = 1;
            for (; k + 3 < half; k += 4) {
              s0 += folded[k] * (buf[mid + k] + buf[mid - k]);
              s1 += folded[k + 1] * (buf[mid + k + 1] + buf[mid - k - 1]);
              s2 += folded[k + 2] * (buf[mid + k + 2] + buf[mid - k - 2]);
              s3 += folded[k + 3] * (buf[mid + k + 3] + buf[mid - k - 3]);
            }
            for (; k < half; k++) s0 += folded[k] * (buf[mid + k] + buf[mid - k]);
            out[k0 + c] = s0 + s1 + (s2 + s3);
          }
        } else if (exact) {
          const row = p * taps;
          for (let c = 0; c < channels; c++) {
            const buf = buffers[c];
            let s0 = 0;
            let s1 = 0;
            let s2 = 0;
            let s3 = 0;
            let j = start;
            let r = row;
            const rEnd = row + taps - 3;
            for (; r < rEnd; r += 4, j += 4) {
              s0 += table[r] * buf[j];
              s1 += table[r + 1] * buf[j + 1];
              s2 += table[r + 2] * buf[j + 2];
              s3 += table[r + 3] * buf[j + 3];
            }
            for (; r < row + taps; r++, j++) s0 += table[r] * buf[j];
            out[k0 + c] = s0 + s1 + (s2 + s3);
          }
        } else {
          const f = (p * phases) / L;
          const q = Math.floor(f);
          const alpha = f - q;
          const row0 = q * taps;
          const row1 = row0 + taps;
          for (let c = 0; c < channels; c++) {
            const buf = buffers[c];
            let s0 = 0;
            let s1 = 0;
            for (let i = 0; i < taps; i++) {
              const x = buf[start + i];
              s0 += table[row0 + i] * x;
              s1 += table[row1 + i] * x;
            }
            out[k0 + c] = s0 + alpha * (s1 - s0);
          }
        }
        nextOut++;
        m += stepWhole;
        p += stepFrac;
        if (p >= L) {
          p -= L;
          m++;
        }
      }
    dropHistory();
    return out;
  };

  /** `count` outputs through the SIMD kernel, in pieces that fit its scratch memory. */
  const produceSimd = (out: Float32Array, count: number): void => {
    const k = simd!;
    const f32 = k.f32;
    const stepFloats = Math.ceil(M / L) + channels;
    const maxPiece = Math.max(1, Math.floor((k.scratchBytes / 4 - 2 * tapsP - 64 - 4 * stepFloats) / stepFloats));
    const hist = k.scratch;
    for (let done = 0; done < count;) {
      const n = Math.min(maxPiece, count - done);
      const lastM = Math.floor(((nextOut + (symmetric ? (n + 3) & ~3 : n) - 1) * M) / L);
      // The frames the kernel reads, copied to scratch (zeros outside the history; padded taps weigh them 0).
      // Rows read x[j .. j + tapsP); a folded row reads x[mid - tapsP + 1 .. mid + tapsP) around mid = m.
      const j0 = symmetric ? m - base - tapsP + 1 : m - half + 1 - base;
      const span = symmetric ? lastM - m + 2 * tapsP : lastM - m + tapsP + 8;
      const outAt = hist + ((span + 3) & ~3) * 4;
      const h = hist / 4;
      for (let c = 0; c < channels; c++) {
        const from = Math.max(0, j0);
        const to = Math.max(from, Math.min(j0 + span, length));
        f32.fill(0, h, h + from - j0);
        f32.set(fbuffers[c].subarray(from, to), h + from - j0);
        f32.fill(0, h + to - j0, h + span);
        // The folded kernel writes outputs in fours: up to 3 more than asked, into scratch, never read.
        if (symmetric) k.firSym(hist + (tapsP - 1) * 4, simdTable!, tapsP * 4, (n + 3) >> 2, stepWhole * 4, outAt + c * 4, channels * 4);
        else k.fir(hist, simdTable!, tapsP, n, 0, p, stepWhole, stepFrac, L, outAt + c * 4, channels * 4);
      }
      out.set(f32.subarray(outAt / 4, outAt / 4 + n * channels), done * channels);
      // Where output `nextOut` starts, in closed form (exact: nextOut * M stays far below 2^53).
      nextOut += n;
      m = Math.floor((nextOut * M) / L);
      p = nextOut * M - m * L;
      done += n;
    }
  };

  const dropHistory = (): void => {
    // Drop history no later output needs.
    const keepFrom = m - half + 1 - base;
    if (keepFrom > 0) {
      const drop = Math.min(keepFrom, length);
      for (const buf of buffers) buf.copyWithin(0, drop, length);
      for (const buf of fbuffers) buf.copyWithin(0, drop, length);
      base += drop;
      length -= drop;
    }
  };

  return {
    inputRate,
    outputRate,
    channels,
    taps,
    latencyFrames: half,
    process(samples) {
      if (samples.length % channels !== 0) {
        throw new RemoteMediaError(Code.InvalidArgument, `resampler input has ${samples.length} samples, not a multiple of ${channels} channels`);
      }
      const frames = samples.length / channels;
      append(samples, frames);
      received += frames;
      return produce(received, Number.MAX_SAFE_INTEGER);
    },
    flush() {
      const total = Math.ceil((received * L) / M);
      const pad = half + 1;
      append(new Float32Array(pad * channels), pad);
      const out = produce(received + pad, total - nextOut);
      reset();
      return out;
    },
    reset,
  };
}

/** Resamples a whole interleaved buffer at once (same result as streaming it in chunks). */
export function resample(samples: Float32Array, options: ResamplerOptions): Float32Array {
  const r = createResampler(options);
  const a = r.process(samples);
  const b = r.flush();
  const out = new Float32Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
