// The ONE place where gRPC / Connect failures and RemoteMediaError meet. runtime-core's Code is
// numbered exactly like gRPC status codes, and so is Connect's Code, so codes map one to one; the
// structured part (details, nodeId, reason) travels as a remotemedia.v1.PipelineError status detail.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import { endStreamToJson, errorToJsonBytes } from '@connectrpc/connect/protocol-connect';
import { PipelineErrorSchema, errorFromProto, errorToProto } from '@remotemedia/protocol';
import { Code, type ErrorDetail, RemoteMediaError } from '@remotemedia/runtime-core';

const validCodes = new Set<number>(Object.values(Code));

/** runtime-core Code -> Connect/gRPC code (identity, checked). */
export function toGrpcCode(code: Code): ConnectCode {
  return validCodes.has(code) ? code : Code.Unknown;
}

/** Connect/gRPC code -> runtime-core Code (identity; 0 "OK" is never an error, so Unknown). */
export function fromGrpcCode(code: ConnectCode): Code {
  return validCodes.has(code) ? (code as number as Code) : Code.Unknown;
}

/**
 * Anything a handler throws -> ConnectError carrying the PipelineError detail, within
 * STATUS_LIMITS (it becomes gRPC / gRPC-Web trailers or a Connect JSON error body).
 */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError && !(error.cause instanceof RemoteMediaError)) {
    // Raised by connect itself (limits, deadlines, protocol errors): already a proper status; only bound its text.
    const message = statusMessage(error.rawMessage);
    return message === error.rawMessage ? error : new ConnectError(message, error.code, error.metadata, undefined, error);
  }
  const e = boundedError(error);
  return new ConnectError(e.rawMessage, toGrpcCode(e.code), undefined, [{ desc: PipelineErrorSchema, value: errorToProto(e) }], e);
}

/** Anything a client call throws -> RemoteMediaError with the server's code, details, nodeId and reason. */
export function fromConnectError(error: unknown, callerSignal?: AbortSignal): RemoteMediaError {
  if (error instanceof RemoteMediaError) return error;
  const ce = ConnectError.from(error);
  const [detail] = ce.findDetails(PipelineErrorSchema);
  if (detail) return errorFromProto(detail, ce);
  return statusError(ce.code, ce.rawMessage, callerSignal?.aborted ?? false, ce);
}

/** A failed status without a PipelineError detail, as a RemoteMediaError. */
function statusError(grpcCode: number, message: string, callerAborted: boolean, cause?: unknown): RemoteMediaError {
  const code = fromGrpcCode(grpcCode);
  // A stream reset (e.g. the server process died) reaches the client as CANCELLED; unless the caller
  // cancelled, it is a lost connection, and retry/failover logic must see Unavailable.
  if (code === Code.Canceled && !callerAborted) {
    return new RemoteMediaError(Code.Unavailable, `connection to the server was lost: ${message}`, { cause, reason: 'ConnectionLost' });
  }
  // A stream reset with no status, e.g. by a proxy whose upstream replica died (nginx answers
  // RST_STREAM INTERNAL_ERROR), which connect reports as INTERNAL: the server never answered, so
  // it is a lost connection too, not a server fault.
  if (code === Code.Internal && /^Stream closed with error code NGHTTP2_/.test(message)) {
    return new RemoteMediaError(
      Code.Unavailable,
      `connection to the server was lost (the stream was reset without a status: ${message.replace('Stream closed with error code ', '')})`,
      { cause, reason: 'ConnectionLost' },
    );
  }
  return new RemoteMediaError(code, message, { cause });
}

/**
 * connect's own errors about a request's bytes ("parse binary: ...", a compressed message it
 * cannot decompress) that it answers as INTERNAL, though the client sent them.
 */
const CLIENT_BYTES_ERROR = /^(parse binary: |received compressed envelope|decompression failed)/;

/** True for the message of connect's INTERNAL about a request's bytes: the client's fault, not the server's. */
export function isClientBytesError(message: string): boolean {
  return CLIENT_BYTES_ERROR.test(message);
}

/** The message of such an error once answered as INVALID_ARGUMENT. */
export function clientBytesMessage(message: string): string {
  return `malformed request message: ${message}`;
}

/**
 * A failure raised while reading a request stream through connect, as a RemoteMediaError. connect
 * raises limit and framing errors there (e.g. readMaxBytes, keeping their code); its Internal and
 * Unknown ones come from the client's bytes: InvalidArgument, as on the native path.
 */
export function requestStreamError(error: unknown): RemoteMediaError {
  if (!(error instanceof ConnectError)) return RemoteMediaError.from(error, Code.InvalidArgument);
  if (error.code === ConnectCode.Internal || error.code === ConnectCode.Unknown) {
    return new RemoteMediaError(Code.InvalidArgument, clientBytesMessage(error.rawMessage), { cause: error, reason: 'ProtocolViolation' });
  }
  return fromConnectError(error);
}

/** The error a server-side abort signal carries, as a RemoteMediaError (deadline, cancel, shutdown). */
export function abortReasonToError(reason: unknown, what: string): RemoteMediaError {
  if (reason instanceof RemoteMediaError) return reason;
  if (reason instanceof ConnectError) return new RemoteMediaError(fromGrpcCode(reason.code), `${what}: ${reason.rawMessage}`, { cause: reason });
  return RemoteMediaError.from(reason, Code.Canceled);
}

/** google.rpc.Status { code = 1; message = 2; repeated google.protobuf.Any details = 3 } */
function encodeStatus(code: number, message: string, details: { typeUrl: string; value: Uint8Array }[]): Uint8Array {
  const w = new BinaryWriter();
  if (code !== 0) w.tag(1, WireType.Varint).int32(code);
  if (message) w.tag(2, WireType.LengthDelimited).string(message);
  for (const d of details)
    w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(d.typeUrl).tag(2, WireType.LengthDelimited).bytes(d.value).join();
  return w.finish();
}

const PIPELINE_ERROR_TYPE_URL = `type.googleapis.com/${PipelineErrorSchema.typeName}`;

/**
 * What a failed call's status may carry. Trailers (gRPC, gRPC-Web) travel in one HTTP/2 header
 * block: past the peer's header list limit (64 KiB in Node and grpc-js, 8-16 KiB in gRPC C++) a
 * client sees a stream reset instead of the status. Both bounds together keep the trailers of any
 * error under 8 KiB; a Connect JSON error body is bounded the same way.
 */
export const STATUS_LIMITS = {
  /** UTF-8 bytes of the status message kept (grpc-message, Connect `message`); longer ones end in "…". */
  maxMessageBytes: 1024,
  /** Bytes of the encoded google.rpc.Status (grpc-status-details-bin before base64, Connect `details`). */
  maxDetailsBytes: 4096,
  /** UTF-8 bytes kept of one detail's message; of its path, node id and reason a quarter of that. */
  maxDetailTextBytes: 256,
} as const;

const ELLIPSIS = '\u2026';
const utf8 = new TextEncoder();

/** `text` as well-formed UTF-16 (a lone surrogate becomes U+FFFD, as UTF-8 encoding does). */
function wellFormed(text: string): string {
  // ES2024 String methods (Node >= 20); the project's TypeScript lib is ES2023.
  const s = text as string & { isWellFormed(): boolean; toWellFormed(): string };
  return s.isWellFormed() ? text : s.toWellFormed();
}

/** `text` cut to at most `maxBytes` UTF-8 bytes (never inside a character), with "…" when cut. */
export function truncateUtf8(text: string, maxBytes: number): string {
  const s = wellFormed(text);
  // Fast path: even at 3 bytes per UTF-16 unit it fits.
  if (s.length * 3 <= maxBytes) return s;
  const bytes = utf8.encode(s);
  if (bytes.length <= maxBytes) return s;
  let end = maxBytes;
  while (end > 0 && (bytes[end] & 0xc0) === 0x80) end--; // back to the start of a character
  return Buffer.from(bytes.buffer, bytes.byteOffset, end).toString('utf8') + ELLIPSIS;
}

/** The status message sent for `text`: well-formed and within STATUS_LIMITS.maxMessageBytes. */
export function statusMessage(text: string): string {
  return truncateUtf8(text, STATUS_LIMITS.maxMessageBytes);
}

/**
 * grpc-message as the gRPC spec says: the UTF-8 bytes, with every byte outside printable ASCII
 * (0x20-0x7E) and `%` itself percent-encoded; everything else (`:`, `,`, spaces) stays as is.
 * Never throws (a lone surrogate is sent as U+FFFD).
 */
export function encodeGrpcMessage(text: string): string {
  let plain = true;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x25) {
      plain = false;
      break;
    }
  }
  if (plain) return text;
  let out = '';
  for (const byte of utf8.encode(wellFormed(text))) {
    out += byte >= 0x20 && byte <= 0x7e && byte !== 0x25 ? String.fromCharCode(byte) : `%${byte < 16 ? '0' : ''}${byte.toString(16).toUpperCase()}`;
  }
  return out;
}

/** grpc-message back to text: `%XX` sequences are bytes, the result is UTF-8 (bad sequences become U+FFFD); a `%` not followed by two hex digits stays. */
export function decodeGrpcMessage(value: string): string {
  if (!value.includes('%')) return value;
  const bytes: number[] = [];
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 0x25 && /^[0-9a-fA-F]{2}$/.test(value.slice(i + 1, i + 3))) {
      bytes.push(parseInt(value.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (c < 0x80) bytes.push(c);
    else bytes.push(...utf8.encode(value[i]));
  }
  return Buffer.from(bytes).toString('utf8');
}

/**
 * `error` as a RemoteMediaError whose status fits STATUS_LIMITS: message, node id, reason and
 * each detail cut; details kept in order while the encoded status stays within maxDetailsBytes,
 * the rest summarised by one last detail "and K more problems". The same error when it fits.
 */
export function boundedError(error: unknown): RemoteMediaError {
  const e = RemoteMediaError.from(error);
  const { maxDetailsBytes, maxDetailTextBytes } = STATUS_LIMITS;
  const message = statusMessage(e.rawMessage);
  const shortText = (t: string | undefined) => (t === undefined ? undefined : truncateUtf8(t, maxDetailTextBytes / 4));
  const nodeId = shortText(e.nodeId);
  const reason = shortText(e.reason);
  // What the status costs without details: its message twice (Status.message, PipelineError.message) plus the rest.
  let budget = maxDetailsBytes - 2 * utf8.encode(message).length - (nodeId?.length ?? 0) * 3 - (reason?.length ?? 0) * 3 - 128;
  const details: ErrorDetail[] = [];
  let changed = message !== e.rawMessage || nodeId !== e.nodeId || reason !== e.reason;
  for (let i = 0; i < e.details.length; i++) {
    const d = e.details[i];
    const detailMessage = truncateUtf8(d.message, maxDetailTextBytes);
    const path = shortText(d.path);
    const cost = utf8.encode(detailMessage).length + (path === undefined ? 0 : utf8.encode(path).length) + 8;
    // Room for this detail and, unless it is the last, for the summary after it.
    if (cost + (i < e.details.length - 1 ? 48 : 0) > budget) {
      details.push({ message: `and ${e.details.length - i} more problems` });
      changed = true;
      break;
    }
    budget -= cost;
    if (detailMessage !== d.message || path !== d.path) changed = true;
    details.push(path === undefined ? { message: detailMessage } : { path, message: detailMessage });
  }
  if (!changed) return e;
  return new RemoteMediaError(e.code, message, { cause: e.cause ?? e, details, nodeId, reason });
}

/**
 * The trailers of a failed call on the native gRPC path, byte-compatible with what connect sends:
 * grpc-status, percent-encoded grpc-message, and grpc-status-details-bin carrying the PipelineError,
 * all within STATUS_LIMITS. Never throws.
 */
export function grpcStatusTrailers(error: unknown): Record<string, string> {
  const e = boundedError(error);
  const code = toGrpcCode(e.code) as number;
  const details = [{ typeUrl: PIPELINE_ERROR_TYPE_URL, value: toBinary(PipelineErrorSchema, errorToProto(e)) }];
  return {
    'grpc-status': String(code),
    'grpc-message': encodeGrpcMessage(e.rawMessage),
    'grpc-status-details-bin': Buffer.from(encodeStatus(code, e.rawMessage, details)).toString('base64'),
  };
}

/**
 * The error a gRPC status (trailers, or headers of a trailers-only response) carries, for the
 * native client; undefined for OK. Same result as fromConnectError on the same status.
 */
export function grpcStatusError(status: Record<string, string | string[] | undefined>): RemoteMediaError | undefined {
  const code = Number(status['grpc-status']);
  if (code === 0) return undefined;
  const raw = status['grpc-message'];
  const message = typeof raw === 'string' ? decodeGrpcMessage(raw) : '';
  const bin = status['grpc-status-details-bin'];
  const detail = typeof bin === 'string' ? pipelineErrorFromStatusBin(bin) : undefined;
  if (detail) return errorFromProto(detail);
  // The native client rejects at once on its caller's abort, so a status is never the caller's cancel.
  return statusError(code, message || `gRPC status ${String(status['grpc-status'])}`, false);
}

/** The remotemedia.v1.PipelineError inside a base64 google.rpc.Status, if any. */
function pipelineErrorFromStatusBin(base64: string) {
  try {
    const reader = new BinaryReader(Buffer.from(base64, 'base64'));
    while (reader.pos < reader.len) {
      const [field, wireType] = reader.tag();
      if (field !== 3 || wireType !== WireType.LengthDelimited) {
        reader.skip(wireType);
        continue;
      }
      const any = new BinaryReader(reader.bytes());
      let typeUrl = '';
      let value: Uint8Array | undefined;
      while (any.pos < any.len) {
        const [f, w] = any.tag();
        if (f === 1 && w === WireType.LengthDelimited) typeUrl = any.string();
        else if (f === 2 && w === WireType.LengthDelimited) value = any.bytes();
        else any.skip(w);
      }
      if (typeUrl === PIPELINE_ERROR_TYPE_URL && value) return fromBinary(PipelineErrorSchema, value);
    }
  } catch {
    /* malformed details: fall back to code and message */
  }
  return undefined;
}

/** gRPC's HTTP-to-status mapping, for a response that carries no grpc-status (e.g. a proxy's error page). */
export function grpcCodeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.Internal;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented;
    case 429:
    case 502:
    case 503:
    case 504:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

/** A Connect unary error body (JSON, with the PipelineError detail) for `error`, as connect itself writes it. */
export function connectErrorBody(error: unknown): Uint8Array {
  return errorToJsonBytes(toConnectError(error), undefined);
}

/** A Connect streaming end-stream message (JSON, flag 2 envelope payload) carrying `error`. */
export function connectEndStreamBody(error: unknown): Uint8Array {
  return utf8.encode(JSON.stringify(endStreamToJson(new Headers(), toConnectError(error), undefined)));
}
