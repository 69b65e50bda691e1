// Node.js-only entry: filesystem helpers, native and multiprocess nodes.
export { loadManifestFile } from './load-manifest-file.js';
export { createNodeRegistry, createNodeRunner } from './create-node-runner.js';
export { nodeAudioNodes } from './audio/index.js';
export * from './multiprocess/index.js';
export type { NodeRunnerOptions } from './create-node-runner.js';
export { SileroVadNode, createSileroVadNode, type SileroVadNodeOptions, resolveModelFile, modelDirsFromEnv, SileroVadModel, SILERO_VAD_MODEL_PATH, loadOnnxRuntime, sharedSileroSession } from './audio/index.js';
export { createServerRunner, DEFAULT_SERVER_MAX_NODES, handleShutdownSignals, toNodeLogger, type ServerRunnerOptions, type ShutdownLogger, type StructuredLogger } from './server-runner.js';
