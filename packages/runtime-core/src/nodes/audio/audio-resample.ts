import * as z from 'zod/mini';
import type { AudioData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { checkAudio, StreamClock } from '../../dsp/audio-ops.js';
import { createResampler, MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, type Resampler } from '../../dsp/resampler.js';
import { defineNode } from '../node-definition.js';

const rate = z
  .number({ error: 'expected a sample rate in Hz' })
  .check(z.int({ error: 'expected an integer sample rate' }), z.minimum(MIN_SAMPLE_RATE), z.maximum(MAX_SAMPLE_RATE));

export const AudioResampleNode = defineNode({
  type: 'AudioResample',
  description:
    'Streaming polyphase (Kaiser-windowed sinc) resampler between any rates from 8 kHz to 192 kHz, any channel count; no clicks at chunk boundaries.',
  paramsSchema: z.strictObject({
    /** Output sample rate in Hz. */
    targetRate: rate,
    /** `fast`, `medium` (default: flat to 0.9 x Nyquist, >= 110 dB alias rejection into that band) or `high`. */
    quality: z._default(z.enum(['fast', 'medium', 'high'], { error: 'expected one of fast, medium, high' }), 'medium'),
  }),
  accepts: ['audio'],
  produces: ['audio'],
  create: ({ targetRate, quality }, ctx) => {
    let resampler: Resampler | undefined;
    let clock = new StreamClock();
    let last: AudioData | undefined;
    const wrap = (samples: Float32Array, template: AudioData): AudioData | undefined => {
      if (samples.length === 0) return undefined;
      const out: AudioData = { kind: 'audio', samples, sampleRate: targetRate, channels: template.channels, timestampUs: clock.timeOf(clock.frames) };
      if (template.streamId !== undefined) out.streamId = template.streamId;
      clock.advance(out);
      return out;
    };
    const finish = (): AudioData | undefined => {
      if (!resampler || !last) return undefined;
      const out = wrap(resampler.flush(), last);
      resampler = undefined;
      return out;
    };
    return {
      process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        if (input.sampleRate === targetRate && !resampler) return input;
        const outputs: AudioData[] = [];
        if (resampler && (resampler.inputRate !== input.sampleRate || resampler.channels !== input.channels)) {
          // Format changed mid-stream: finish the old stream before starting a new filter.
          const tail = finish();
          if (tail) outputs.push(tail);
        }
        if (!resampler) {
          if (input.sampleRate < MIN_SAMPLE_RATE || input.sampleRate > MAX_SAMPLE_RATE || !Number.isInteger(input.sampleRate)) {
            throw new RemoteMediaError(
              Code.InvalidArgument,
              `AudioResample supports input rates from ${MIN_SAMPLE_RATE} to ${MAX_SAMPLE_RATE} Hz, got ${input.sampleRate}`,
              { nodeId: ctx.nodeId },
            );
          }
          resampler = createResampler({ inputRate: input.sampleRate, outputRate: targetRate, channels: input.channels, quality });
          clock = new StreamClock();
          clock.advance({ ...input, samples: new Float32Array(0), sampleRate: targetRate });
        }
        last = input;
        const out = wrap(resampler.process(input.samples), input);
        if (out) outputs.push(out);
        return outputs;
      },
      flush() {
        return finish();
      },
    };
  },
});
