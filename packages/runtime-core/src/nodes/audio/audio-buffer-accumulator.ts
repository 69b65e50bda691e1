import * as z from 'zod/mini';
import type { AudioData, RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import { checkAudio, StreamClock } from '../../dsp/audio-ops.js';
import { SampleQueue } from '../../dsp/sample-queue.js';
import { defineNode } from '../node-definition.js';

/** Audio kept before the current position, so a speechStart reported late (after minSpeechMs) still finds its audio. */
const LOOKBACK_MS = 3000;

export const AudioBufferAccumulatorNode = defineNode({
  type: 'AudioBufferAccumulator',
  description: 'Collects the audio between VAD speechStart and speechEnd events (from SileroVAD or EnergyVAD, sent after their audio) into one utterance.',
  paramsSchema: z
    .strictObject({
      /** Utterances shorter than this are dropped. Default 250 ms. */
      minDurationMs: z._default(z.number().check(z.nonnegative()), 250),
      /** Longer speech is cut into utterances of at most this length. Default 30000 ms. */
      maxDurationMs: z._default(z.number().check(z.positive()), 30_000),
      /** Audio before the reported speech start added to the utterance. Default 100 ms. */
      preRollMs: z._default(z.number().check(z.nonnegative(), z.maximum(2000)), 100),
      /** Also emit the incoming JSON events (so a sink sees both). Default true. */
      forwardEvents: z._default(z.boolean(), true),
    })
    .check(z.refine((p) => p.maxDurationMs > p.minDurationMs, { error: 'maxDurationMs must be greater than minDurationMs' })),
  accepts: ['audio', 'json'],
  produces: ['audio', 'json'],
  create: (params, ctx) => {
    const history = new SampleQueue();
    const clock = new StreamClock();
    let format: AudioData | undefined;
    let historyStart = 0; // absolute frame index of history's first frame
    let active: number | undefined; // absolute start frame of the open utterance

    const frameOf = (us: number) => Math.round(((us - clock.startUs) * format!.sampleRate) / 1_000_000);
    const ms = (v: number) => Math.round((v * format!.sampleRate) / 1000);
    const cut = (from: number, to: number): AudioData | undefined => {
      from = Math.max(from, historyStart);
      to = Math.min(to, clock.frames);
      if (to - from < Math.max(1, ms(params.minDurationMs))) return undefined;
      const ch = format!.channels;
      const samples = history.peek((to - historyStart) * ch).slice((from - historyStart) * ch);
      const out: AudioData = { kind: 'audio', samples, sampleRate: format!.sampleRate, channels: ch, timestampUs: clock.timeOf(from) };
      if (format!.streamId !== undefined) out.streamId = format!.streamId;
      return out;
    };
    const trim = () => {
      const keepFrom = Math.min(active ?? Infinity, clock.frames - ms(LOOKBACK_MS));
      if (keepFrom > historyStart) {
        history.drop((keepFrom - historyStart) * format!.channels);
        historyStart = keepFrom;
      }
    };
    const onAudio = (input: AudioData): RuntimeData[] => {
      checkAudio(input, ctx.nodeId);
      if (!format) {
        format = input;
        clock.advance({ ...input, samples: new Float32Array(0) });
      } else if (input.sampleRate !== format.sampleRate || input.channels !== format.channels) {
        throw new RemoteMediaError(
          Code.InvalidArgument,
          `AudioBufferAccumulator input changed format mid-stream from ${format.sampleRate} Hz ${format.channels} ch to ${input.sampleRate} Hz ${input.channels} ch`,
          { nodeId: ctx.nodeId },
        );
      }
      history.push(input.samples);
      clock.advance(input);
      const out: RuntimeData[] = [];
      const max = ms(params.maxDurationMs);
      while (active !== undefined && clock.frames - active >= max) {
        const piece = cut(active, active + max);
        if (piece) out.push(piece);
        active += max;
      }
      trim();
      return out;
    };
    const onEvent = (value: Record<string, unknown>): RuntimeData[] => {
      if (!format) return [];
      const out: RuntimeData[] = [];
      const startUs =
        value.speechStart === true && typeof value.startUs === 'number'
          ? value.startUs
          : value.speechStart === true
            ? (value.timestampUs as number)
            : undefined;
      const endUs = value.speechEnd === true ? (typeof value.endUs === 'number' ? value.endUs : (value.timestampUs as number)) : undefined;
      const close = (end: number) => {
        const u = active === undefined ? undefined : cut(active, frameOf(end));
        if (u) out.push(u);
        active = undefined;
      };
      // Both in one chunk: either the previous segment ended before a new one started, or a short one lies inside.
      if (endUs !== undefined && (startUs === undefined || endUs <= startUs)) close(endUs);
      if (startUs !== undefined) {
        if (active === undefined) active = Math.max(historyStart, frameOf(startUs) - ms(params.preRollMs));
        if (endUs !== undefined && endUs > startUs) close(endUs);
      }
      trim();
      return out;
    };
    return {
      process(input) {
        if (input.kind === 'audio') return onAudio(input);
        if (input.kind !== 'json') return undefined;
        const value = input.value;
        const produced = value !== null && typeof value === 'object' && !Array.isArray(value) ? onEvent(value) : [];
        return params.forwardEvents ? [input, ...produced] : produced;
      },
      flush() {
        if (active === undefined || !format) return undefined;
        const u = cut(active, clock.frames);
        active = undefined;
        return u;
      },
    };
  },
});
