import * as z from 'zod/mini';
import { checkAudio } from '../../dsp/audio-ops.js';
import { measureLevel } from '../../dsp/levels.js';
import { vadSegmenterSchema } from '../../dsp/vad-segmenter.js';
import { VadStream } from '../../dsp/vad-stream.js';
import { defineNode } from '../node-definition.js';

export const EnergyVadNode = defineNode({
  type: 'EnergyVAD',
  description: 'Model-free voice activity detection from frame energy, for cheap gating. Emits the same events as SileroVAD and passes the audio on.',
  paramsSchema: z.strictObject({
    ...vadSegmenterSchema.shape,
    /** Frame RMS (dBFS) at which speech probability is 0.5. Default -40. */
    thresholdDb: z._default(z.number().check(z.maximum(0)), -40),
    /** Analysis frame length. Default 20 ms. */
    frameMs: z._default(z.number().check(z.minimum(5), z.maximum(100)), 20),
    /** Shorter than Silero's default: energy reacts fast. Default 100 ms. */
    minSpeechMs: z._default(z.number().check(z.nonnegative()), 100),
    /** Default 300 ms. */
    minSilenceMs: z._default(z.number().check(z.nonnegative()), 300),
    eventsOnChangeOnly: z._default(z.boolean(), false),
  }),
  accepts: ['audio'],
  produces: ['audio', 'json'],
  create: (params, ctx) => {
    let vad: VadStream | undefined;
    return {
      async process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        vad ??= new VadStream({
          ...params,
          windowFrames: Math.max(1, Math.round((params.frameMs * input.sampleRate) / 1000)),
          // A logistic of the level: 0.5 at thresholdDb, ~0.9 six dB above it.
          score: (window) => 1 / (1 + Math.exp(-(measureLevel(window).rmsDb - params.thresholdDb) / 3)),
        });
        return vad.process(input);
      },
      flush() {
        return vad?.flush();
      },
    };
  },
});
