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
export * from './data/enums.js';
export * from './data/runtime-data.js';
export * from './data/transport-data.js';
export * from './manifest/manifest-schema.js';
export { parseManifestText } from './manifest/parse-manifest.js';
export { defineManifest, manifestText, manifestTextLiteral, type DefinedManifest } from './manifest/define-manifest.js';
export { validateManifest, resolveManifest, invalidManifestError, findCycles, type ValidationResult, type ValidationLimits } from './manifest/validate-manifest.js';
export { formatDetails, formatPath } from './manifest/format-issues.js';
export * from './nodes/node-definition.js';
export { NodeRegistry, describeNode, type NodeInfo } from './nodes/node-registry.js';
export { builtinNodes, PassThroughNode, CalculatorNode, TextCollectorNode } from './nodes/builtin/index.js';
export { LatencyHistogram, type LatencySnapshot } from './metrics/latency-histogram.js';
export * from './metrics/pipeline-metrics.js';
export { PipelineRunner, createPipelineRunner, type PipelineRunnerOptions, type RunnerLimits } from './runner/pipeline-runner.js';
export * from './transport/pipeline-transport.js';
export { createInMemoryServer, type InMemoryServer, type InMemoryServerOptions } from './transport/in-memory-transport.js';
export { RUNTIME_VERSION } from './version.js';
export { collect } from './util/collect.js';
export { decodeWav, encodeWav, type EncodeWavOptions, type WavSampleFormat } from './audio/wav.js';
export { createResampler, resample, RESAMPLE_PRESETS, type Resampler, type ResamplerOptions, type ResampleQuality, type ResampleFilterSpec } from './audio/resampler.js';
export { VadSegmenter, vadSegmenterSchema, type VadEvent, type VadSegmenterOptions } from './audio/vad-segmenter.js';
export { measureLevel, toDb } from './audio/levels.js';
export { mixDown, splitChannels, floatToInt16, int16ToFloat } from './audio/audio-ops.js';
export { audioNodes, AudioResampleNode, AudioChunkerNode, AudioFormatNode, AudioBufferAccumulatorNode, AudioLevelNode, SilenceDetectorNode, EnergyVadNode } from './nodes/audio/index.js';
export { speechNodes, ResponderNode, BargeInNode, DEFAULT_RESPONDER_RULES, transcriptOf, isSpeakable, cleanSpeechText, splitSentences, synthesisPieces, FliteEngine, FliteRun, FLITE_VOICES, fliteArgs, parseFliteWav, type FliteVoice, type FliteAudio, type FliteSynthesisOptions } from './nodes/speech/index.js';
