import * as z from 'zod/mini';
import type { AudioData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { checkAudio, StreamClock } from '../../dsp/audio-ops.js';
import { SampleQueue } from '../../dsp/sample-queue.js';
import { defineNode } from '../node-definition.js';

export const AudioChunkerNode = defineNode({
  type: 'AudioChunker',
  description: 'Re-chunks audio into fixed-size frames (in samples per channel or milliseconds), carrying the remainder across inputs.',
  paramsSchema: z
    .strictObject({
      /** Frame size in samples per channel (e.g. 512 for SileroVAD at 16 kHz). Give this or `ms`. */
      samples: z.optional(z.number().check(z.int(), z.positive())),
      /** Frame size in milliseconds (rounded to whole samples at the input rate). Give this or `samples`. */
      ms: z.optional(z.number().check(z.positive())),
      /** At end of stream: `pad` the last partial frame with zeros (default), `emit` it short, or `drop` it. */
      remainder: z._default(z.enum(['pad', 'emit', 'drop'], { error: 'expected one of pad, emit, drop' }), 'pad'),
    })
    .check(z.refine((p) => (p.samples === undefined) !== (p.ms === undefined), { error: 'give exactly one of samples or ms' })),
  accepts: ['audio'],
  produces: ['audio'],
  create: (params, ctx) => {
    const queue = new SampleQueue();
    const clock = new StreamClock();
    let format: AudioData | undefined;
    let frameSamples = 0; // interleaved samples per output frame
    const emit = (samples: Float32Array): AudioData => {
      const out: AudioData = { kind: 'audio', samples, sampleRate: format!.sampleRate, channels: format!.channels };
      out.timestampUs = clock.timeOf(clock.frames);
      if (format!.streamId !== undefined) out.streamId = format!.streamId;
      clock.advance(out);
      return out;
    };
    return {
      process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        if (!format) {
          format = input;
          const frames = params.samples ?? Math.round(((params.ms ?? 0) * input.sampleRate) / 1000);
          if (frames < 1)
            throw new RemoteMediaError(Code.InvalidArgument, `ms=${params.ms} is less than one sample at ${input.sampleRate} Hz`, { nodeId: ctx.nodeId });
          frameSamples = frames * input.channels;
          clock.advance({ ...input, samples: new Float32Array(0) });
        } else if (input.sampleRate !== format.sampleRate || input.channels !== format.channels) {
          throw new RemoteMediaError(
            Code.InvalidArgument,
            `AudioChunker input changed format mid-stream from ${format.sampleRate} Hz ${format.channels} ch to ${input.sampleRate} Hz ${input.channels} ch`,
            { nodeId: ctx.nodeId },
          );
        }
        // Input already one whole frame and nothing carried over (the real-time case): pass the
        // samples on without a copy; data is shared read-only between nodes anyway (fan-out).
        if (queue.length === 0 && input.samples.length === frameSamples) return emit(input.samples);
        queue.push(input.samples);
        const out: AudioData[] = [];
        while (queue.length >= frameSamples) out.push(emit(queue.take(frameSamples)));
        return out;
      },
      flush() {
        if (!format || queue.length === 0) return undefined;
        const rest = queue.take(queue.length);
        if (params.remainder === 'drop') return undefined;
        if (params.remainder === 'emit') return emit(rest);
        const padded = new Float32Array(frameSamples);
        padded.set(rest);
        return emit(padded);
      },
    };
  },
});
