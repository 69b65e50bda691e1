// The ONE place where gRPC / Connect failures and RemoteMediaError meet. runtime-core's Code is
// numbered exactly like gRPC status codes, and so is Connect's Code, so codes map one to one; the
// structured part (details, nodeId, reason) travels as a remotemedia.v1.PipelineError status detail.
import { fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { Code as ConnectCode, ConnectError } from '@connectrpc/connect';
import { PipelineErrorSchema, errorFromProto, errorToProto } from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

const validCodes = new Set<number>(Object.values(Code));

/** runtime-core Code -> Connect/gRPC code (identity, checked). */
export function toGrpcCode(code: Code): ConnectCode {
  return (validCodes.has(code) ? code : Code.Unknown) as number as ConnectCode;
}

/** Connect/gRPC code -> runtime-core Code (identity; 0 "OK" is never an error, so Unknown). */
export function fromGrpcCode(code: ConnectCode): Code {
  return validCodes.has(code) ? (code as number as Code) : Code.Unknown;
}

/** Anything a handler throws -> ConnectError carrying the PipelineError detail. */
export function toConnectError(error: unknown): ConnectError {
  if (error instanceof ConnectError && !(error.cause instanceof RemoteMediaError)) {
    // Raised by connect itself (limits, deadlines, protocol errors): already a proper status.
    return error;
  }
  const e = RemoteMediaError.from(error);
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
  const code = fromGrpcCode(grpcCode as ConnectCode);
  // A stream reset (e.g. the server process died) reaches the client as CANCELLED; unless the caller
  // cancelled, it is a lost connection, and retry/failover logic must see Unavailable.
  if (code === Code.Canceled && !callerAborted) {
    return new RemoteMediaError(Code.Unavailable, `connection to the server was lost: ${message}`, { cause, reason: 'ConnectionLost' });
  }
  return new RemoteMediaError(code, message, { cause });
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
  for (const d of details) w.tag(3, WireType.LengthDelimited).fork().tag(1, WireType.LengthDelimited).string(d.typeUrl).tag(2, WireType.LengthDelimited).bytes(d.value).join();
  return w.finish();
}

const PIPELINE_ERROR_TYPE_URL = `type.googleapis.com/${PipelineErrorSchema.typeName}`;

/**
 * The trailers of a failed call on the native gRPC path, byte-compatible with what connect sends:
 * grpc-status, percent-encoded grpc-message, and grpc-status-details-bin carrying the PipelineError.
 */
export function grpcStatusTrailers(error: unknown): Record<string, string> {
  const e = RemoteMediaError.from(error);
  const code = toGrpcCode(e.code) as number;
  const details = [{ typeUrl: PIPELINE_ERROR_TYPE_URL, value: toBinary(PipelineErrorSchema, errorToProto(e)) }];
  return {
    'grpc-status': String(code),
    'grpc-message': encodeURIComponent(e.rawMessage),
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
  let message = typeof raw === 'string' ? raw : '';
  try {
    message = decodeURIComponent(message);
  } catch {
    /* not percent-encoded: keep as sent */
  }
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
