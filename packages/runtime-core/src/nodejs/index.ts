// Node.js-only entry: filesystem helpers, native and multiprocess nodes.
export { loadManifestFile } from './load-manifest-file.js';
export { createNodeRegistry, createNodeRunner } from './create-node-runner.js';
export { nodeAudioNodes } from './audio/index.js';
export * from './multiprocess/index.js';
export type { NodeRunnerOptions } from './create-node-runner.js';
export { SileroVadNode, createSileroVadNode, type SileroVadNodeOptions, resolveModelFile, modelDirsFromEnv, SileroVadModel, SILERO_VAD_MODEL_PATH, loadOnnxRuntime, sharedSileroSession } from './audio/index.js';
export { BatchedSileroVadModel, sileroBatchStats, sileroBatchOptions, SILERO_BATCH_DEFAULTS, MicroBatcher, batchOptionsFromEnv, type MicroBatcherOptions, type MicroBatcherStats } from './audio/index.js';
export { createServerRunner, DEFAULT_SERVER_MAX_NODES, handleShutdownSignals, toNodeLogger, type ServerRunnerOptions, type ShutdownLogger, type StructuredLogger } from './server-runner.js';
export { TextToSpeechNode, NoiseSuppressionNode, nodeSpeechNodes, createSpeechRecognitionNode, speechPythonRuntime, sharedFliteEngine, sharedRnnoise, RnnoiseStream, RNNOISE_FRAME, RNNOISE_SAMPLE_RATE, SPEECH_RECOGNITION_MODULE, type TtsEvent, type TranscriptEvent, type RnnoiseModule } from './speech/index.js';
