import * as z from 'zod/mini';
import type { AudioData, RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { checkAudio, floatToInt16, int16ToFloat, mixDown, splitChannels, upmix } from '../../dsp/audio-ops.js';
import { defineNode } from '../node-definition.js';

/** MIME type of the 16-bit PCM binary form: `audio/pcm;format=s16le;rate=16000;channels=1`. */
export const pcm16MimeType = (rate: number, channels: number) => `audio/pcm;format=s16le;rate=${rate};channels=${channels}`;

function parsePcmMime(mime: string | undefined): { rate?: number; channels?: number } {
  const out: { rate?: number; channels?: number } = {};
  for (const part of (mime ?? '').split(';')) {
    const [k, v] = part.trim().split('=');
    if (k === 'rate') out.rate = Number(v);
    if (k === 'channels') out.channels = Number(v);
  }
  return out;
}

export const AudioFormatNode = defineNode({
  type: 'AudioFormat',
  description: 'Channel mix-down / up-mix / split, gain, and float32 <-> 16-bit PCM conversion (binary s16le in or out).',
  paramsSchema: z
    .strictObject({
      /** Output channel count: 1 mixes down (average), more copies a mono input. Default: unchanged. */
      channels: z.optional(z.number().check(z.int(), z.minimum(1), z.maximum(64))),
      /** Emit one mono audio per input channel (streamId suffixed `:ch<N>`). Default false. */
      split: z._default(z.boolean(), false),
      /** Gain in dB applied to every sample. Default 0. */
      gainDb: z._default(z.number().check(z.minimum(-120), z.maximum(60)), 0),
      /** `audio` (float32 RuntimeData, default) or `pcm16`: binary little-endian 16-bit PCM. */
      output: z._default(z.enum(['audio', 'pcm16'], { error: 'expected audio or pcm16' }), 'audio'),
      /** For binary PCM16 input without rate/channels in its mimeType. */
      inputRate: z.optional(z.number().check(z.int(), z.positive())),
      inputChannels: z._default(z.number().check(z.int(), z.positive()), 1),
    })
    .check(z.refine((p) => !(p.split && p.channels !== undefined), { error: 'give either split or channels, not both' })),
  accepts: ['audio', 'binary'],
  produces: ['audio', 'binary'],
  create: (params, ctx) => {
    const gain = 10 ** (params.gainDb / 20);
    const toAudio = (input: RuntimeData): AudioData | undefined => {
      if (input.kind === 'audio') {
        checkAudio(input, ctx.nodeId);
        return input;
      }
      if (input.kind !== 'binary') return undefined;
      const mime = parsePcmMime(input.mimeType);
      const rate = mime.rate ?? params.inputRate;
      const channels = mime.channels ?? params.inputChannels;
      if (!rate) {
        throw new RemoteMediaError(
          Code.InvalidArgument,
          'binary PCM16 input needs a sample rate: set params.inputRate or a mimeType like audio/pcm;rate=16000;channels=1',
          { nodeId: ctx.nodeId },
        );
      }
      if (input.bytes.byteLength % (2 * channels) !== 0) {
        throw new RemoteMediaError(
          Code.InvalidArgument,
          `binary PCM16 input of ${input.bytes.byteLength} bytes is not a whole number of ${channels}-channel 16-bit frames`,
          { nodeId: ctx.nodeId },
        );
      }
      const copy = input.bytes.slice(); // aligned copy for Int16Array (little-endian hosts)
      return { kind: 'audio', samples: int16ToFloat(new Int16Array(copy.buffer, 0, copy.byteLength / 2)), sampleRate: rate, channels };
    };
    const finish = (a: AudioData): RuntimeData => {
      if (gain !== 1) {
        const s = new Float32Array(a.samples.length);
        for (let i = 0; i < s.length; i++) s[i] = a.samples[i] * gain;
        a = { ...a, samples: s };
      }
      if (params.output === 'audio') return a;
      const pcm = floatToInt16(a.samples);
      return { kind: 'binary', bytes: new Uint8Array(pcm.buffer), mimeType: pcm16MimeType(a.sampleRate, a.channels) };
    };
    return {
      process(input) {
        const a = toAudio(input);
        if (!a) return undefined;
        if (params.split) {
          return splitChannels(a.samples, a.channels).map((samples, c) => finish({ ...a, samples, channels: 1, streamId: `${a.streamId ?? ''}:ch${c}` }));
        }
        const target = params.channels ?? a.channels;
        let samples = a.samples;
        if (target !== a.channels) {
          if (target === 1) samples = mixDown(a.samples, a.channels);
          else if (a.channels === 1) samples = upmix(a.samples, target);
          else {
            throw new RemoteMediaError(Code.InvalidArgument, `AudioFormat converts N -> 1 or 1 -> N channels, not ${a.channels} -> ${target}`, {
              nodeId: ctx.nodeId,
            });
          }
        }
        return finish({ ...a, samples, channels: target });
      },
    };
  },
});
