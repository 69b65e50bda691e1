import type { NodeDefinition } from '../../nodes/node-definition.js';
import { SileroVadNode } from './silero-vad.js';

export { SileroVadNode, createSileroVadNode, sileroBatchOptions, SILERO_BATCH_DEFAULTS, SILERO_MAX_BATCH_WAIT_MS, type SileroVadNodeOptions } from './silero-vad.js';
export { resolveModelFile, modelDirsFromEnv, MAX_MODEL_FILE_BYTES } from './model-files.js';
export { SileroVadModel, BatchedSileroVadModel, sileroBatchStats, SILERO_VAD_MODEL_PATH, SILERO_SESSION_OPTIONS, loadOnnxRuntime, onnxThreads, sharedSileroSession, sileroSessionOptions, type OrtModule, type OrtSession } from './silero-model.js';

/** Audio nodes that need Node.js (onnxruntime-node for SileroVAD). */
export const nodeAudioNodes: readonly NodeDefinition<any>[] = [SileroVadNode];
export { MicroBatcher, batchOptionsFromEnv, type MicroBatcherOptions, type MicroBatcherStats } from '../../util/micro-batcher.js';
