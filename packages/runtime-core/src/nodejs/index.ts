// Node.js-only entry (`@remotemedia/runtime-core/node`): the runners with every node type, Node-only
// nodes, the Python multiprocess and container executors, model files, manifest files.
export { loadManifestFile } from './load-manifest-file.js';
export { createNodeRegistry, createNodeRunner } from './runners/create-node-runner.js';
export type { NodeRunnerOptions } from './runners/create-node-runner.js';
export { PythonPipelineRunner, type PythonPipelineRunnerOptions } from './runners/python-pipeline-runner.js';
export {
  createServerRunner,
  DEFAULT_SERVER_MAX_NODES,
  handleShutdownSignals,
  toNodeLogger,
  type ServerRunnerOptions,
  type ShutdownLogger,
  type StructuredLogger,
} from './runners/server-runner.js';
export * from './multiprocess/index.js';
export * from './container/index.js';
export {
  nodeAudioNodes,
  SileroVadNode,
  createSileroVadNode,
  type SileroVadNodeOptions,
  sileroBatchOptions,
  SILERO_BATCH_DEFAULTS,
} from './nodes/audio/index.js';
export {
  resolveModelFile,
  modelDirsFromEnv,
  SileroVadModel,
  SILERO_VAD_MODEL_PATH,
  SILERO_VAD_16K_MODEL_PATH,
  loadOnnxRuntime,
  sharedSileroSession,
  BatchedSileroVadModel,
  sileroBatchStats,
} from './models/index.js';
export { MicroBatcher, batchOptionsFromEnv, type MicroBatcherOptions, type MicroBatcherStats } from '../util/micro-batcher.js';
export {
  TextToSpeechNode,
  NoiseSuppressionNode,
  nodeSpeechNodes,
  createSpeechRecognitionNode,
  speechPythonRuntime,
  sharedFliteEngine,
  sharedRnnoise,
  RnnoiseStream,
  RNNOISE_FRAME,
  RNNOISE_SAMPLE_RATE,
  SPEECH_RECOGNITION_MODULE,
  type TtsEvent,
  type TranscriptEvent,
  type RnnoiseModule,
} from './nodes/speech/index.js';
