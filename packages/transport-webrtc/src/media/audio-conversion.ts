import type { AudioData } from '@remotemedia/runtime-core';

/** Averages interleaved channels into one. */
export function downmixToMono(audio: AudioData): Float32Array {
  if (audio.channels === 1) return audio.samples;
  const frames = Math.floor(audio.samples.length / audio.channels);
  const out = new Float32Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < audio.channels; c++) sum += audio.samples[f * audio.channels + c]!;
    out[f] = sum / audio.channels;
  }
  return out;
}

/**
 * Streaming linear-interpolation resampler for mono audio (state carries across chunks).
 * Used only to bring pipeline output to Opus's 48 kHz; for quality resampling inside a
 * pipeline put runtime-core's AudioResample node before the sink.
 */
export class LinearResampler {
  #position = 0; // fractional read position relative to the start of `#carry`
  #carry: Float32Array = new Float32Array(0);

  constructor(
    readonly fromRate: number,
    readonly toRate: number,
  ) {}

  process(input: Float32Array): Float32Array {
    if (this.fromRate === this.toRate) return input;
    const buf = new Float32Array(this.#carry.length + input.length);
    buf.set(this.#carry);
    buf.set(input, this.#carry.length);
    const step = this.fromRate / this.toRate;
    const out: number[] = [];
    let pos = this.#position;
    while (pos + 1 < buf.length) {
      const i = Math.floor(pos);
      const frac = pos - i;
      out.push(buf[i]! * (1 - frac) + buf[i + 1]! * frac);
      pos += step;
    }
    const keepFrom = Math.floor(pos);
    this.#carry = buf.slice(keepFrom);
    this.#position = pos - keepFrom;
    return Float32Array.from(out);
  }
}

/** Cuts a mono stream into fixed-size frames, keeping the remainder for the next push. */
export class FrameSplitter {
  #pending: Float32Array = new Float32Array(0);
  constructor(readonly frameSize: number) {}

  push(samples: Float32Array): Float32Array[] {
    const buf = new Float32Array(this.#pending.length + samples.length);
    buf.set(this.#pending);
    buf.set(samples, this.#pending.length);
    const frames: Float32Array[] = [];
    let offset = 0;
    for (; offset + this.frameSize <= buf.length; offset += this.frameSize) frames.push(buf.slice(offset, offset + this.frameSize));
    this.#pending = buf.slice(offset);
    return frames;
  }

  /** The remainder padded with silence to a whole frame (or nothing). */
  flush(): Float32Array[] {
    if (this.#pending.length === 0) return [];
    const frame = new Float32Array(this.frameSize);
    frame.set(this.#pending);
    this.#pending = new Float32Array(0);
    return [frame];
  }
}
