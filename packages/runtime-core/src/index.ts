// Main entry: the user API (pipelines, nodes, data, errors, the client contract). Runs anywhere
// (Node.js, browsers, workers): no node:* imports, no transports. Transport plumbing is in `./kit`.
export {
  Code,
  codeName,
  parseCode,
  ERROR_LIMITS,
  RemoteMediaError,
  isRemoteMediaError,
  type ErrorDetail,
  type RemoteMediaErrorOptions,
  type RemoteMediaErrorJson,
  type RemoteMediaErrorFallback,
} from './errors.js';
export {
  PIXEL_FORMATS,
  VIDEO_CODECS,
  IMAGE_FORMATS,
  TENSOR_DTYPES,
  TENSOR_DTYPE_BYTES,
  CONTROL_TYPES,
  DATA_KINDS,
  type PixelFormat,
  type VideoCodec,
  type ImageFormat,
  type TensorDType,
  type ControlType,
  type DataKind,
} from './data/enums.js';
export {
  isAudio,
  isVideo,
  isImage,
  isTensor,
  isJson,
  isText,
  isBinary,
  isControl,
  audio,
  text,
  json,
  binary,
  control,
  audioDurationUs,
  audioFrameCount,
  tensorElementCount,
  expectedTensorBytes,
  type JsonValue,
  type AudioData,
  type VideoData,
  type ImageData,
  type TensorData,
  type JsonData,
  type TextData,
  type BinaryData,
  type ControlMessage,
  type ControlData,
  type RuntimeData,
  type RuntimeDataOf,
} from './data/runtime-data.js';
export { toTransportData, asTransportData, type TransportData } from './data/transport-data.js';
export * from './manifest/manifest-schema.js';
export { parseManifestText } from './manifest/parse-manifest.js';
export { defineManifest, manifestText, manifestTextLiteral, type DefinedManifest } from './manifest/define-manifest.js';
export { validateManifest, resolveManifest, type ValidationResult, type ValidationLimits } from './manifest/validate-manifest.js';
export { formatDetails } from './manifest/format-issues.js';
export * from './nodes/node-definition.js';
export { NodeRegistry, describeNode, type NodeInfo } from './nodes/node-registry.js';
export { builtinNodes, PassThroughNode, CalculatorNode, TextCollectorNode } from './nodes/builtin/index.js';
export type { LatencySnapshot } from './metrics/latency-histogram.js';
export type { NodeMetricsSnapshot, SessionMetricsSnapshot, SessionState } from './metrics/pipeline-metrics.js';
export { PipelineRunner, createPipelineRunner, type PipelineRunnerOptions, type RunnerLimits } from './pipeline/pipeline-runner.js';
export * from './transport/pipeline-transport.js';
export { createInMemoryServer, type InMemoryServer, type InMemoryServerOptions } from './transport/in-memory-transport.js';
export { RUNTIME_VERSION } from './version.js';
export { collect } from './util/collect.js';
export { decodeWav, encodeWav, type EncodeWavOptions, type WavSampleFormat } from './dsp/wav.js';
export {
  createResampler,
  resample,
  RESAMPLE_PRESETS,
  type Resampler,
  type ResamplerOptions,
  type ResampleQuality,
  type ResampleFilterSpec,
} from './dsp/resampler.js';
export { VadSegmenter, vadSegmenterSchema, type VadEvent, type VadSegmenterOptions } from './dsp/vad-segmenter.js';
export { measureLevel, toDb } from './dsp/levels.js';
export { mixDown, splitChannels, floatToInt16, int16ToFloat } from './dsp/audio-ops.js';
export {
  audioNodes,
  AudioResampleNode,
  AudioChunkerNode,
  AudioFormatNode,
  AudioBufferAccumulatorNode,
  AudioLevelNode,
  SilenceDetectorNode,
  EnergyVadNode,
} from './nodes/audio/index.js';
export {
  speechNodes,
  ResponderNode,
  BargeInNode,
  DEFAULT_RESPONDER_RULES,
  FliteEngine,
  FLITE_VOICES,
  type FliteVoice,
  type FliteAudio,
  type FliteSynthesisOptions,
} from './nodes/speech/index.js';
