import { type AudioData, type Resampler, createResampler, mixDown } from '@remotemedia/runtime-core';

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

/** Brings pipeline audio of any rate and channel count to mono at `rate` (runtime-core's resampler). */
export class MonoConverter {
  #resampler: Resampler | undefined;
  constructor(readonly rate: number) {}

  convert(audio: AudioData): Float32Array {
    const mono = mixDown(audio.samples, audio.channels);
    if (audio.sampleRate === this.rate) return mono;
    if (this.#resampler?.inputRate !== audio.sampleRate)
      this.#resampler = createResampler({ inputRate: audio.sampleRate, outputRate: this.rate, quality: 'medium' });
    return this.#resampler.process(mono);
  }

  /** Output the resampler still holds (its filter delay). */
  flush(): Float32Array {
    return this.#resampler?.flush() ?? new Float32Array(0);
  }
}
