import { z } from 'zod';
import { Code, RemoteMediaError } from '../../../errors.js';
import { checkAudio } from '../../../dsp/audio-ops.js';
import { vadSegmenterSchema } from '../../../dsp/vad-segmenter.js';
import { VadStream } from '../../../dsp/vad-stream.js';
import { defineNode } from '../../../nodes/node-definition.js';
import { realpath } from 'node:fs/promises';
import { dirname } from 'node:path';
import { modelDirsFromEnv, resolveModelFile } from '../../models/model-files.js';
import { BatchedSileroVadModel, SILERO_VAD_16K_MODEL_PATH, SILERO_VAD_MODEL_PATH, SileroVadModel, sharedSileroSession } from '../../models/silero-model.js';
import { batchOptionsFromEnv, type MicroBatcherOptions } from '../../../util/micro-batcher.js';

/** Default cross-session batching of SileroVAD: a window waits at most 5 ms for others, 64 per run. */
export const SILERO_BATCH_DEFAULTS: MicroBatcherOptions = { maxWaitMs: 5, maxBatch: 64 };
/** The added latency is bounded by one window period (32 ms at both rates). */
export const SILERO_MAX_BATCH_WAIT_MS = 32;

export interface SileroVadNodeOptions {
  /**
   * Directories a manifest's `modelPath` is resolved in (relative names are tried in order,
   * absolute ones must lie inside one). Default: env `REMOTEMEDIA_MODEL_DIRS` (`:`-separated),
   * then this package's models/ folder.
   */
  modelDirs?: readonly string[];
  /**
   * Cross-session batching: windows of all sessions in this process that are ready within
   * `maxWaitMs` share one onnxruntime run of at most `maxBatch` rows. `false` (or maxWaitMs 0)
   * runs each window alone. Default: env REMOTEMEDIA_BATCH_WAIT_MS / REMOTEMEDIA_BATCH_MAX, else
   * 5 ms and 64; maxWaitMs is capped at one window period (32 ms).
   */
  batch?: Partial<MicroBatcherOptions> | false;
  /**
   * At 16 kHz with the shipped model (by default, or a `modelPath` that resolves to that file), run its
   * 16 kHz graph rewritten as one MatMul per layer (`SILERO_VAD_16K_MODEL_PATH`: same weights, ~0.26x
   * the CPU per window in a 32-row batch, results within 1e-5). Any other model file runs as given.
   * Default: true, unless env REMOTEMEDIA_SILERO_16K_GRAPH=0.
   */
  graph16k?: boolean;
}

/** The batching settings `createSileroVadNode` uses for `option`; undefined: unbatched. */
export function sileroBatchOptions(
  option: Partial<MicroBatcherOptions> | false | undefined,
  env: Record<string, string | undefined> = process.env,
): MicroBatcherOptions | undefined {
  if (option === false) return undefined;
  const o = { ...batchOptionsFromEnv(env, SILERO_BATCH_DEFAULTS), ...option };
  return o.maxWaitMs > 0 && o.maxBatch > 1 ? { maxWaitMs: Math.min(o.maxWaitMs, SILERO_MAX_BATCH_WAIT_MS), maxBatch: o.maxBatch } : undefined;
}

/** The SileroVAD node type, resolving manifests' `modelPath` inside the operator's model directories. */
export function createSileroVadNode(options: SileroVadNodeOptions = {}) {
  const modelDirs = options.modelDirs ?? [...modelDirsFromEnv(), dirname(SILERO_VAD_MODEL_PATH)];
  const batch = sileroBatchOptions(options.batch);
  const graph16k = options.graph16k ?? process.env.REMOTEMEDIA_SILERO_16K_GRAPH !== '0';
  return defineNode({
    type: 'SileroVAD',
    description:
      'Silero VAD v5 (onnxruntime-node, optional peer dependency) on 16 kHz or 8 kHz audio of any chunk size. Emits {hasSpeech, probability, speechStart, speechEnd, timestampUs} JSON per chunk after passing the audio on.',
    paramsSchema: z
      .object({
        ...vadSegmenterSchema.shape,
        /** Emit events only for chunks where speech starts or ends. Default false (one event per chunk). */
        eventsOnChangeOnly: z.boolean().default(false),
        /**
         * A different Silero v5 ONNX file, named inside the server's model directories (see
         * `createSileroVadNode`). Default: the model shipped in this package's models/ folder.
         */
        modelPath: z.string().min(1).max(1024).optional(),
      })
      .strict(),
    accepts: ['audio'],
    produces: ['audio', 'json'],
    platform: 'node',
    create: async (params, ctx) => {
      // Load (or reuse) the shared session now, so a missing onnxruntime-node fails the session start.
      const file =
        params.modelPath === undefined
          ? SILERO_VAD_MODEL_PATH
          : await resolveModelFile(params.modelPath, modelDirs, { nodeId: ctx.nodeId, param: 'modelPath', logger: ctx.logger });
      const use16k = graph16k && (await isShippedModel(file));
      const [shipped, shipped16k] = await Promise.all([sharedSileroSession(file), use16k ? sharedSileroSession(SILERO_VAD_16K_MODEL_PATH) : undefined]);
      let vad: VadStream | undefined;
      let model: SileroVadModel | BatchedSileroVadModel | undefined;
      let rate: number | undefined;
      // An interrupt abandons an in-flight call without stopping it; the next input waits for it, so
      // the stream (and its batched row) is never used by two calls at once.
      let busy: Promise<unknown> | undefined;
      return {
        process(input) {
          if (input.kind !== 'audio') return undefined;
          checkAudio(input, ctx.nodeId);
          if (input.sampleRate !== 16000 && input.sampleRate !== 8000) {
            throw new RemoteMediaError(
              Code.InvalidArgument,
              `SileroVAD needs 16000 or 8000 Hz audio, got ${input.sampleRate} Hz: put an AudioResample node with targetRate 16000 before it`,
              { nodeId: ctx.nodeId },
            );
          }
          if (rate !== undefined && rate !== input.sampleRate) {
            throw new RemoteMediaError(Code.InvalidArgument, `SileroVAD input changed sample rate mid-stream from ${rate} to ${input.sampleRate} Hz`, {
              nodeId: ctx.nodeId,
            });
          }
          if (!vad) {
            rate = input.sampleRate;
            const { ort, session } = (rate === 16000 && shipped16k) || shipped;
            model = batch ? new BatchedSileroVadModel(ort, session, input.sampleRate, batch) : new SileroVadModel(ort, session, input.sampleRate);
            const m = model;
            vad = new VadStream({ ...params, windowFrames: m.windowFrames, score: (w) => m.score(w) });
          }
          const stream = vad;
          const next = () => stream.process(input);
          const run = busy ? busy.then(next, next) : next();
          if (Array.isArray(run)) return run; // no window to score, or all scored already: no promise
          const tracked = (busy = run);
          const settle = () => {
            if (busy === tracked) busy = undefined;
          };
          tracked.then(settle, settle);
          return tracked;
        },
        async flush() {
          if (busy) await busy.catch(() => undefined);
          return vad?.flush() ?? [];
        },
        close() {
          if (model instanceof BatchedSileroVadModel) model.close();
        },
      };
    },
  });
}

let shippedRealPath: Promise<string> | undefined;
/** Whether `file` is the shipped model under any name (an operator's `models:` entry may point at it). */
async function isShippedModel(file: string): Promise<boolean> {
  if (file === SILERO_VAD_MODEL_PATH) return true;
  shippedRealPath ??= realpath(SILERO_VAD_MODEL_PATH);
  const [a, b] = await Promise.all([realpath(file).catch(() => file), shippedRealPath.catch(() => SILERO_VAD_MODEL_PATH)]);
  return a === b;
}

/** SileroVAD with the default model directories. */
export const SileroVadNode = createSileroVadNode();
