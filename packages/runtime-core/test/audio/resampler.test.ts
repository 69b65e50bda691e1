import { describe, expect, it } from 'vitest';
import { createResampler, resample } from '../../src/dsp/resampler.js';
import { RemoteMediaError } from '../../src/errors.js';
import { concatChunks, measureResampleQuality, sine, toneAmplitude } from './resample-quality.js';

const oneShot =
  (quality: 'fast' | 'medium' | 'high' = 'medium') =>
  (x: Float32Array, inputRate: number, outputRate: number) =>
    resample(x, { inputRate, outputRate, quality });
const streamed = (chunkFrames: number) => (x: Float32Array, inputRate: number, outputRate: number) => {
  const r = createResampler({ inputRate, outputRate });
  const parts: Float32Array[] = [];
  for (let o = 0; o < x.length; o += chunkFrames) parts.push(r.process(x.subarray(o, o + chunkFrames)));
  parts.push(r.flush());
  return concatChunks(parts);
};

function noise(n: number, seed = 7): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    out[i] = seed / 2 ** 32 - 0.5;
  }
  return out;
}

describe('resampler quality (stepped sine sweep, Hann-windowed DFT + RMS)', () => {
  it('default preset 48 kHz -> 16 kHz: ripple < 0.1 dB to 0.9 x Nyquist, aliasing >= 90 dB down, streamed in 20 ms chunks', () => {
    const q = measureResampleQuality(streamed(960), 48000, 16000);
    expect(q.passbandRippleDb).toBeLessThan(0.1);
    expect(q.minPassbandGainDb).toBeGreaterThan(-0.1);
    expect(q.stopbandAttenuationDb).toBeGreaterThanOrEqual(90);
    expect(q.fullStopbandAttenuationDb).toBeGreaterThanOrEqual(90); // every tone above the output Nyquist, not only those aliasing below 0.9 x
  });

  it('default preset 44.1 kHz -> 16 kHz (non-integer ratio) meets the same figures', () => {
    const q = measureResampleQuality(oneShot(), 44100, 16000, { tones: 25 });
    expect(q.passbandRippleDb).toBeLessThan(0.1);
    expect(q.stopbandAttenuationDb).toBeGreaterThanOrEqual(90);
    expect(q.fullStopbandAttenuationDb).toBeGreaterThanOrEqual(90); // every tone above the output Nyquist, not only those aliasing below 0.9 x
  });

  it('high preset rejects everything above the output Nyquist by >= 110 dB', () => {
    const q = measureResampleQuality(oneShot('high'), 48000, 16000, { tones: 20 });
    expect(q.fullStopbandAttenuationDb).toBeGreaterThanOrEqual(110);
    expect(q.passbandRippleDb).toBeLessThan(0.1);
  });

  it('upsampling 16 kHz -> 48 kHz and 8 kHz -> 44.1 kHz keeps the passband flat', () => {
    for (const [i, o] of [
      [16000, 48000],
      [8000, 44100],
    ] as const) {
      expect(measureResampleQuality(oneShot(), i, o, { tones: 15 }).passbandRippleDb).toBeLessThan(0.1);
    }
  });

  it('a tone keeps its frequency, amplitude and timing (filter delay compensated)', () => {
    const x = sine(1000, 48000, 48000);
    const y = resample(x, { inputRate: 48000, outputRate: 16000 });
    expect(y.length).toBe(16000);
    const mid = y.subarray(4000, 12000);
    expect(toneAmplitude(mid, 1000, 16000)).toBeCloseTo(0.5, 3);
    // Sample-aligned: y[n] ~ x(t = n / 16000).
    for (const n of [5000, 8001, 11111]) expect(y[n]).toBeCloseTo(0.5 * Math.sin((2 * Math.PI * 1000 * n) / 16000), 3);
  });
});

describe('resampler streaming', () => {
  it('streamed output equals one-shot output for any chunk sizes (no clicks or gaps at boundaries)', () => {
    for (const [inputRate, outputRate, channels] of [
      [48000, 16000, 1],
      [44100, 16000, 2],
      [16000, 44100, 3],
      [8000, 192000, 1],
      [22050, 22051, 1],
    ] as const) {
      const x = noise(inputRate * 0.3 * channels);
      const whole = resample(x, { inputRate, outputRate, channels });
      const r = createResampler({ inputRate, outputRate, channels });
      const parts: Float32Array[] = [];
      let o = 0;
      let k = 0;
      while (o < x.length) {
        const frames = [1, 7, 160, 441, 1000, 3][k++ % 6];
        parts.push(r.process(x.subarray(o, Math.min(x.length, o + frames * channels))));
        o += frames * channels;
      }
      parts.push(r.flush());
      const joined = concatChunks(parts);
      expect(joined.length).toBe(whole.length);
      expect(joined.length).toBe(Math.ceil(((x.length / channels) * outputRate) / inputRate) * channels);
      let maxDiff = 0;
      for (let i = 0; i < whole.length; i++) maxDiff = Math.max(maxDiff, Math.abs(joined[i] - whole[i]));
      expect(maxDiff, `${inputRate}->${outputRate} x${channels}`).toBe(0);
    }
  });

  it('keeps channels apart', () => {
    const left = sine(500, 44100, 44100, 0.5);
    const right = sine(3000, 44100, 44100, 0.25);
    const x = new Float32Array(88200);
    for (let i = 0; i < 44100; i++) {
      x[2 * i] = left[i]!;
      x[2 * i + 1] = right[i]!;
    }
    const y = resample(x, { inputRate: 44100, outputRate: 16000, channels: 2 });
    const l = y.filter((_, i) => i % 2 === 0).subarray(4000, 12000);
    const r = y.filter((_, i) => i % 2 === 1).subarray(4000, 12000);
    expect(toneAmplitude(l, 500, 16000)).toBeCloseTo(0.5, 3);
    expect(toneAmplitude(l, 3000, 16000)).toBeLessThan(1e-4);
    expect(toneAmplitude(r, 3000, 16000)).toBeCloseTo(0.25, 3);
  });

  it('the WebAssembly SIMD kernels (folded for integer decimation, polyphase rows otherwise) equal the double-precision JS loop', () => {
    for (const [inputRate, outputRate, channels, quality] of [
      [48000, 16000, 1, 'medium'], // one symmetric phase: the folded kernel
      [48000, 16000, 2, 'medium'],
      [96000, 16000, 1, 'high'],
      [32000, 16000, 3, 'fast'],
      [44100, 16000, 1, 'medium'], // 160 phases: the row kernel
      [16000, 48000, 2, 'medium'],
    ] as const) {
      const x = noise(inputRate * 0.25 * channels, 11);
      const simd = resample(x, { inputRate, outputRate, channels, quality });
      const js = resample(x, { inputRate, outputRate, channels, quality, simd: false });
      expect(simd.length).toBe(js.length);
      let maxDiff = 0;
      for (let i = 0; i < js.length; i++) maxDiff = Math.max(maxDiff, Math.abs(simd[i] - js[i]));
      expect(maxDiff, `${inputRate}->${outputRate} x${channels} ${quality}`).toBeGreaterThan(0); // float32 sums: the kernel did run
      expect(maxDiff, `${inputRate}->${outputRate} x${channels} ${quality}`).toBeLessThan(1e-6);
    }
  });

  it('rate pairs with a huge reduced ratio use interpolated phases and stay accurate', () => {
    const r = createResampler({ inputRate: 44100, outputRate: 44101 });
    expect(r.taps).toBeGreaterThan(0);
    const q = measureResampleQuality(oneShot(), 44100, 44101, { tones: 10 });
    expect(q.passbandRippleDb).toBeLessThan(0.1);
  });

  it('rejects rates outside 8..192 kHz and bad channel counts with InvalidArgument', () => {
    expect(() => createResampler({ inputRate: 4000, outputRate: 16000 })).toThrow(/inputRate must be an integer from 8000 to 192000 Hz, got 4000/);
    expect(() => createResampler({ inputRate: 16000, outputRate: 384000 })).toThrow(RemoteMediaError);
    expect(() => createResampler({ inputRate: 16000, outputRate: 8000, channels: 0 })).toThrow(/channels/);
    expect(() => createResampler({ inputRate: 16000, outputRate: 8000, channels: 2 }).process(new Float32Array(3))).toThrow(/not a multiple of 2 channels/);
  });
});
