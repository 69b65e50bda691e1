// Model files (where they are found, how big they may be) and the onnxruntime sessions the model-based nodes share.
export { resolveModelFile, modelDirsFromEnv, MAX_MODEL_FILE_BYTES } from './model-files.js';
export {
  SileroVadModel,
  BatchedSileroVadModel,
  sileroBatchStats,
  SILERO_VAD_MODEL_PATH,
  SILERO_VAD_16K_MODEL_PATH,
  SILERO_SESSION_OPTIONS,
  loadOnnxRuntime,
  onnxThreads,
  sharedSileroSession,
  sileroSessionOptions,
  type OrtModule,
  type OrtSession,
} from './silero-model.js';
