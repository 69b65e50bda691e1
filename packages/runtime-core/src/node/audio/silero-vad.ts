import { z } from 'zod';
import { Code, RemoteMediaError } from '../../errors.js';
import { checkAudio } from '../../audio/audio-ops.js';
import { vadSegmenterSchema } from '../../audio/vad-segmenter.js';
import { VadStream } from '../../audio/vad-stream.js';
import { defineNode } from '../../nodes/node-definition.js';
import { dirname } from 'node:path';
import { modelDirsFromEnv, resolveModelFile } from './model-files.js';
import { SILERO_VAD_MODEL_PATH, SileroVadModel, sharedSileroSession } from './silero-model.js';

export interface SileroVadNodeOptions {
  /**
   * Directories a manifest's `modelPath` is resolved in (relative names are tried in order,
   * absolute ones must lie inside one). Default: env `REMOTEMEDIA_MODEL_DIRS` (`:`-separated),
   * then this package's models/ folder.
   */
  modelDirs?: readonly string[];
}

/** The SileroVAD node type, resolving manifests' `modelPath` inside the operator's model directories. */
export function createSileroVadNode(options: SileroVadNodeOptions = {}) {
  const modelDirs = options.modelDirs ?? [...modelDirsFromEnv(), dirname(SILERO_VAD_MODEL_PATH)];
  return defineNode({
  type: 'SileroVAD',
  description:
    'Silero VAD v5 (onnxruntime-node, optional peer dependency) on 16 kHz or 8 kHz audio of any chunk size. Emits {hasSpeech, probability, speechStart, speechEnd, timestampUs} JSON per chunk after passing the audio on.',
  paramsSchema: vadSegmenterSchema
    .extend({
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
    const file = params.modelPath === undefined ? SILERO_VAD_MODEL_PATH : await resolveModelFile(params.modelPath, modelDirs, { nodeId: ctx.nodeId, param: 'modelPath', logger: ctx.logger });
    const { ort, session } = await sharedSileroSession(file);
    let vad: VadStream | undefined;
    let rate: number | undefined;
    return {
      async process(input) {
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
          throw new RemoteMediaError(Code.InvalidArgument, `SileroVAD input changed sample rate mid-stream from ${rate} to ${input.sampleRate} Hz`, { nodeId: ctx.nodeId });
        }
        if (!vad) {
          rate = input.sampleRate;
          const model = new SileroVadModel(ort, session, input.sampleRate);
          vad = new VadStream({ ...params, windowFrames: model.windowFrames, score: (w) => model.score(w) });
        }
        return vad.process(input);
      },
      flush() {
        return vad?.flush();
      },
    };
  },
  });
}

/** SileroVAD with the default model directories. */
export const SileroVadNode = createSileroVadNode();
