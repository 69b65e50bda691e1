import * as z from 'zod/mini';
import type { RuntimeData } from '../../data/runtime-data.js';
import { checkAudio, StreamClock } from '../../dsp/audio-ops.js';
import { measureLevel } from '../../dsp/levels.js';
import { defineNode } from '../node-definition.js';

export const AudioLevelNode = defineNode({
  type: 'AudioLevel',
  description: 'Measures RMS and peak level in dBFS per input chunk; emits {rmsDb, peakDb, timestampUs} JSON (and passes the audio on).',
  paramsSchema: z.strictObject({
    /** Also emit the audio, before its level. Default true. */
    passAudio: z._default(z.boolean(), true),
  }),
  accepts: ['audio'],
  produces: ['audio', 'json'],
  create: ({ passAudio }, ctx) => {
    const clock = new StreamClock();
    return {
      process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        const timestampUs = clock.advance(input);
        const level: RuntimeData = { kind: 'json', value: { ...measureLevel(input.samples), timestampUs } };
        return passAudio ? [input, level] : level;
      },
    };
  },
});

export const SilenceDetectorNode = defineNode({
  type: 'SilenceDetector',
  description:
    'Emits {silence: true, ...} once the level stays below a threshold for a while, and {silence: false, ...} when sound returns; passes the audio on.',
  paramsSchema: z.strictObject({
    /** RMS level (dBFS, per 10 ms frame) below which audio counts as silent. Default -50. */
    thresholdDb: z._default(z.number().check(z.maximum(0)), -50),
    /** Silence must last this long before the event. Default 500 ms. */
    minSilenceMs: z._default(z.number().check(z.nonnegative()), 500),
    /** Also emit the audio. Default true. */
    passAudio: z._default(z.boolean(), true),
  }),
  accepts: ['audio'],
  produces: ['audio', 'json'],
  create: ({ thresholdDb, minSilenceMs, passAudio }, ctx) => {
    const clock = new StreamClock();
    let silentSinceUs: number | undefined;
    let inSilence = false;
    return {
      process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        const frames = input.samples.length / input.channels;
        const step = Math.max(1, Math.round(input.sampleRate / 100)); // 10 ms frames
        const out: RuntimeData[] = passAudio ? [input] : [];
        const chunkStart = clock.frames;
        clock.advance(input);
        for (let f = 0; f < frames; f += step) {
          const end = Math.min(frames, f + step);
          const { rmsDb } = measureLevel(input.samples, f * input.channels, end * input.channels);
          const atUs = clock.timeOf(chunkStart + f);
          if (rmsDb < thresholdDb) {
            silentSinceUs ??= atUs;
            const endUs = clock.timeOf(chunkStart + end);
            if (!inSilence && endUs - silentSinceUs >= minSilenceMs * 1000) {
              inSilence = true;
              out.push({ kind: 'json', value: { silence: true, startUs: silentSinceUs, timestampUs: endUs, levelDb: rmsDb } });
            }
          } else {
            if (inSilence) {
              out.push({
                kind: 'json',
                value: { silence: false, startUs: silentSinceUs!, timestampUs: atUs, silenceMs: (atUs - silentSinceUs!) / 1000, levelDb: rmsDb },
              });
            }
            inSilence = false;
            silentSinceUs = undefined;
          }
        }
        return out;
      },
    };
  },
});
