// @remotemedia/protocol: the protobuf wire format (package remotemedia.v1) and its mapping to
// runtime-core types. Browser-safe: no node:* imports.
export * from './gen/remotemedia/v1/data_pb.js';
export * from './gen/remotemedia/v1/errors_pb.js';
export * from './gen/remotemedia/v1/metrics_pb.js';
export * from './gen/remotemedia/v1/pipeline_pb.js';
export { toDataBuffer, fromDataBuffer, encodeDataBuffer, decodeDataBuffer } from './data-buffer.js';
export { toDataChunk, fromDataChunk } from './data-chunk.js';
export { errorToProto, errorFromProto } from './error-mapping.js';
export { sessionMetricsToProto, sessionMetricsFromProto } from './metrics-mapping.js';
export { manifestToWire, manifestFromWire, PROTOCOL_VERSION } from './manifest-mapping.js';
export { leBytesToFloat32 } from './float32-bytes.js';
// The wire's float32 layout is runtime-core's; the name stays for existing callers.
export { float32ToBytes as float32ToLeBytes } from '@remotemedia/runtime-core/kit';
export { encodeAudioResult, decodeAudioData } from './audio-chunk-codec.js';
export { encodeJsonResult } from './json-chunk-codec.js';
