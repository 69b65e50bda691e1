import { z } from 'zod';
import type { AudioData } from '../../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../../errors.js';
import { checkAudio, StreamClock } from '../../../dsp/audio-ops.js';
import { defineNode } from '../../../nodes/node-definition.js';

/** RNNoise works on 10 ms frames of 48 kHz mono audio. */
export const RNNOISE_SAMPLE_RATE = 48000;
export const RNNOISE_FRAME = 480;

/** The slice of the Emscripten module of @echogarden/rnnoise-wasm used here. */
export interface RnnoiseModule {
  _rnnoise_create(model: number): number;
  _rnnoise_destroy(state: number): void;
  _rnnoise_process_frame(state: number, out: number, input: number): number;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  HEAPF32: Float32Array;
}

const RNNOISE_PACKAGE: string = '@echogarden/rnnoise-wasm';
let rnnoise: Promise<RnnoiseModule> | undefined;

/** The process-wide RNNoise module (weights compiled in); each stream has its own state in it. */
export function sharedRnnoise(): Promise<RnnoiseModule> {
  rnnoise ??= (async () => {
    try {
      // A variable specifier: the package ships no types (an Emscripten module factory).
      const factory = ((await import(RNNOISE_PACKAGE)) as { default: () => Promise<RnnoiseModule> }).default;
      return await factory();
    } catch (error) {
      throw new RemoteMediaError(Code.FailedPrecondition, `NoiseSuppression needs the npm package @echogarden/rnnoise-wasm: ${(error as Error).message}`, {
        reason: 'MissingDependency',
      });
    }
  })();
  rnnoise.catch(() => (rnnoise = undefined));
  return rnnoise;
}

/** One RNNoise state: 480-sample frames in, denoised frames out, values in [-1, 1]. */
export class RnnoiseStream {
  readonly #m: RnnoiseModule;
  #state: number;
  readonly #buf: number;
  /** Voice probability of the last frame. */
  lastVad = 0;

  constructor(m: RnnoiseModule) {
    this.#m = m;
    this.#state = m._rnnoise_create(0);
    this.#buf = m._malloc(RNNOISE_FRAME * 4);
    if (!this.#state || !this.#buf) throw new RemoteMediaError(Code.ResourceExhausted, 'RNNoise could not allocate its state');
  }

  /** Denoises one frame in place (`frame.length` = 480). */
  processFrame(frame: Float32Array): void {
    const m = this.#m;
    const off = this.#buf >> 2;
    const heap = m.HEAPF32; // re-read: memory growth replaces the view
    for (let i = 0; i < RNNOISE_FRAME; i++) heap[off + i] = frame[i] * 32768;
    this.lastVad = m._rnnoise_process_frame(this.#state, this.#buf, this.#buf);
    const out = m.HEAPF32;
    for (let i = 0; i < RNNOISE_FRAME; i++) {
      const v = out[off + i] / 32768;
      frame[i] = v > 1 ? 1 : v < -1 ? -1 : v;
    }
  }

  destroy(): void {
    if (!this.#state) return;
    this.#m._rnnoise_destroy(this.#state);
    this.#m._free(this.#buf);
    this.#state = 0;
  }
}

export const NoiseSuppressionNode = defineNode({
  type: 'NoiseSuppression',
  description:
    'RNNoise (Xiph, WebAssembly: @echogarden/rnnoise-wasm) on 48 kHz audio of any chunk size and channel count; state per session and channel. Output lags the input by less than one 10 ms frame; the tail is flushed at end of stream.',
  paramsSchema: z
    .object({
      /** Mix of denoised and original signal: 1 = fully denoised. */
      mix: z.number().min(0).max(1).default(1),
    })
    .strict(),
  accepts: ['audio'],
  produces: ['audio'],
  platform: 'node',
  create: async ({ mix }, ctx) => {
    const m = await sharedRnnoise();
    let streams: RnnoiseStream[] = [];
    let pending: Float32Array[] = []; // per channel, samples not yet a whole frame
    let channels = 0;
    let last: AudioData | undefined;
    const clock = new StreamClock();
    const frame = new Float32Array(RNNOISE_FRAME);

    const run = (chans: Float32Array[], pad: boolean): Float32Array | undefined => {
      const have = chans[0].length;
      const frames = pad ? Math.ceil(have / RNNOISE_FRAME) : Math.floor(have / RNNOISE_FRAME);
      const keep = pad ? have : frames * RNNOISE_FRAME;
      if (keep === 0) {
        pending = chans;
        return undefined;
      }
      const out = new Float32Array(keep * channels);
      for (let c = 0; c < channels; c++) {
        const src = chans[c];
        for (let f = 0; f < frames; f++) {
          const start = f * RNNOISE_FRAME;
          frame.fill(0);
          frame.set(src.subarray(start, Math.min(have, start + RNNOISE_FRAME)));
          streams[c].processFrame(frame);
          const n = Math.min(RNNOISE_FRAME, keep - start);
          for (let i = 0; i < n; i++) {
            const orig = src[start + i];
            out[(start + i) * channels + c] = mix === 1 ? frame[i] : mix * frame[i] + (1 - mix) * orig;
          }
        }
        pending[c] = src.subarray(keep).slice();
      }
      return out;
    };

    const wrap = (samples: Float32Array | undefined, template: AudioData): AudioData | undefined => {
      if (!samples || samples.length === 0) return undefined;
      const out: AudioData = { kind: 'audio', samples, sampleRate: RNNOISE_SAMPLE_RATE, channels, timestampUs: clock.timeOf(clock.frames) };
      if (template.streamId !== undefined) out.streamId = template.streamId;
      clock.advance(out);
      return out;
    };

    return {
      process(input) {
        if (input.kind !== 'audio') return undefined;
        checkAudio(input, ctx.nodeId);
        if (input.sampleRate !== RNNOISE_SAMPLE_RATE) {
          throw new RemoteMediaError(
            Code.InvalidArgument,
            `NoiseSuppression (RNNoise) needs ${RNNOISE_SAMPLE_RATE} Hz audio, got ${input.sampleRate} Hz: put an AudioResample node with targetRate ${RNNOISE_SAMPLE_RATE} before it`,
            { nodeId: ctx.nodeId, reason: 'UnsupportedSampleRate' },
          );
        }
        if (channels === 0) {
          channels = input.channels;
          streams = Array.from({ length: channels }, () => new RnnoiseStream(m));
          pending = Array.from({ length: channels }, () => new Float32Array(0));
          clock.advance({ ...input, samples: new Float32Array(0) });
        } else if (input.channels !== channels) {
          throw new RemoteMediaError(Code.InvalidArgument, `NoiseSuppression input changed from ${channels} to ${input.channels} channels mid-stream`, {
            nodeId: ctx.nodeId,
          });
        }
        last = input;
        const frames = input.samples.length / channels;
        if (frames === 0) return undefined;
        const chans = pending.map((p, c) => {
          const merged = new Float32Array(p.length + frames);
          merged.set(p);
          for (let f = 0, s = c; f < frames; f++, s += channels) merged[p.length + f] = input.samples[s]!;
          return merged;
        });
        return wrap(run(chans, false), input);
      },
      flush() {
        if (!last || !pending[0]?.length) return undefined;
        return wrap(run(pending, true), last);
      },
      close() {
        for (const s of streams) s.destroy();
        streams = [];
      },
    };
  },
});
