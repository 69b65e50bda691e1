/**
 * `@remotemedia/runtime-core/kit`: for transport authors (servers and clients of a wire), not
 * for app authors. The parts every transport needs, written once: the one queue, the client
 * session state machine, the HTTP status table, the RuntimeData JSON wire codecs, call
 * deadlines and cancellation, bearer-token checks, Prometheus text. Browser-safe (no node:*).
 * Errors: `RemoteMediaError.toJSON()` / `RemoteMediaError.fromJSON()` in the main entry.
 */
export { BoundedQueue, EMPTY, type OverflowPolicy } from '../pipeline/bounded-queue.js';
export { ClientStreamSession, type ClientStreamSessionOptions } from './client-stream-session.js';
export {
  HTTP_STATUS_OF_CODE,
  HTTP_STATUS_OF_REASON,
  CODE_OF_HTTP_STATUS,
  PAYLOAD_TOO_LARGE,
  METHOD_NOT_ALLOWED,
  NOT_ACCEPTABLE,
  httpStatusOf,
  codeOfHttpStatus,
} from './http-status.js';
export { truncateText, boundDetails } from '../errors.js';
export { callSignal, abortError, checkTimeoutMs, MAX_TIMEOUT_MS } from '../util/signals.js';
export { constantTimeEqual, createTokenCheck, tokenAllowed, parseBearer } from '../util/constant-time.js';
export { formatPrometheus } from '../metrics/prometheus-text.js';
export {
  runtimeDataToJson,
  PAYLOAD_FIELDS,
  runtimeDataFromJson,
  transportDataToJson,
  transportDataFromJson,
  transportDataListFromJson,
  type RuntimeDataJson,
  type TransportDataJson,
} from '../data/runtime-data-json.js';
export { validateRuntimeData } from '../data/validate-runtime-data.js';
export { bytesToBase64, base64ToBytes, float32ToBytes, bytesToFloat32 } from '../data/bytes-codec.js';
export { byteSize } from '../data/runtime-data.js';
export { runtimeDataToJsonText, transportDataToJsonText, transportDataListToJsonText } from '../data/runtime-data-json-text.js';
