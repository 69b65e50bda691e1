// The ONE place where WebRTC transport failures (JSON-RPC errors, HTTP statuses, socket and peer
// failures, control-channel error messages) map onto RemoteMediaError and back.
import { Code, type ErrorDetail, RemoteMediaError, codeName, parseCode } from '@remotemedia/runtime-core';

/** JSON-RPC 2.0 error codes of the signaling protocol (-32768..-32000 are reserved by JSON-RPC). */
export const RpcErrorCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  MethodNotFound: -32601,
  InvalidParams: -32602,
  InternalError: -32603,
  PeerNotFound: -32000,
  Unauthenticated: -32001,
  OfferInvalid: -32002,
  AnswerInvalid: -32003,
  IceCandidateInvalid: -32004,
  SessionLimitExceeded: -32005,
  PipelineError: -32006,
  NotAnnounced: -32007,
} as const;
export type RpcErrorCode = (typeof RpcErrorCode)[keyof typeof RpcErrorCode];

/** The wire form of a RemoteMediaError (JSON-RPC `error.data`, control-channel `error`). */
export interface ErrorJson {
  code: string;
  message: string;
  details?: ErrorDetail[];
  nodeId?: string;
  reason?: string;
}

export interface RpcError {
  code: number;
  message: string;
  data?: ErrorJson;
}

const rpcCodeFor: Partial<Record<Code, RpcErrorCode>> = {
  [Code.InvalidArgument]: RpcErrorCode.InvalidParams,
  [Code.NotFound]: RpcErrorCode.PeerNotFound,
  [Code.Unauthenticated]: RpcErrorCode.Unauthenticated,
  [Code.PermissionDenied]: RpcErrorCode.Unauthenticated,
  [Code.ResourceExhausted]: RpcErrorCode.SessionLimitExceeded,
  [Code.Internal]: RpcErrorCode.InternalError,
};

const codeForRpc: Record<number, Code> = {
  [RpcErrorCode.ParseError]: Code.InvalidArgument,
  [RpcErrorCode.InvalidRequest]: Code.InvalidArgument,
  [RpcErrorCode.MethodNotFound]: Code.Unimplemented,
  [RpcErrorCode.InvalidParams]: Code.InvalidArgument,
  [RpcErrorCode.InternalError]: Code.Internal,
  [RpcErrorCode.PeerNotFound]: Code.NotFound,
  [RpcErrorCode.Unauthenticated]: Code.Unauthenticated,
  [RpcErrorCode.OfferInvalid]: Code.InvalidArgument,
  [RpcErrorCode.AnswerInvalid]: Code.InvalidArgument,
  [RpcErrorCode.IceCandidateInvalid]: Code.InvalidArgument,
  [RpcErrorCode.SessionLimitExceeded]: Code.ResourceExhausted,
  [RpcErrorCode.NotAnnounced]: Code.FailedPrecondition,
};

export function toRemoteMediaError(error: unknown, fallback: Code = Code.Internal): RemoteMediaError {
  return RemoteMediaError.from(error, fallback);
}

export function errorToJson(error: unknown): ErrorJson {
  return toRemoteMediaError(error).toJSON();
}

export function errorFromJson(value: ErrorJson | undefined, fallbackCode: Code = Code.Unknown, fallbackMessage = 'remote error'): RemoteMediaError {
  if (!value || typeof value !== 'object') return new RemoteMediaError(fallbackCode, fallbackMessage);
  const code = typeof value.code === 'string' || typeof value.code === 'number' ? parseCode(value.code) : fallbackCode;
  const options: { details?: ErrorDetail[]; nodeId?: string; reason?: string } = {};
  if (Array.isArray(value.details)) options.details = value.details;
  if (typeof value.nodeId === 'string') options.nodeId = value.nodeId;
  if (typeof value.reason === 'string') options.reason = value.reason;
  return new RemoteMediaError(code === Code.Unknown ? fallbackCode : code, typeof value.message === 'string' ? value.message : fallbackMessage, options);
}

/** A RemoteMediaError as a JSON-RPC error object; `rpcCode` overrides the code chosen from its Code. */
export function toRpcError(error: unknown, rpcCode?: RpcErrorCode): RpcError {
  const e = toRemoteMediaError(error);
  return { code: rpcCode ?? rpcCodeFor[e.code] ?? RpcErrorCode.PipelineError, message: e.rawMessage, data: e.toJSON() };
}

export function fromRpcError(error: RpcError): RemoteMediaError {
  return errorFromJson(error.data, codeForRpc[error.code] ?? Code.Unknown, error.message ?? 'signaling error');
}

/** An HTTP status for a RemoteMediaError (WHIP endpoint). */
export function httpStatusFor(error: RemoteMediaError): number {
  switch (error.code) {
    case Code.InvalidArgument:
    case Code.OutOfRange:
      return 400;
    case Code.Unauthenticated:
      return 401;
    case Code.PermissionDenied:
      return 403;
    case Code.NotFound:
      return 404;
    case Code.FailedPrecondition:
    case Code.AlreadyExists:
      return 409;
    case Code.ResourceExhausted:
      return 429;
    case Code.Unimplemented:
      return 501;
    case Code.Unavailable:
      return 503;
    case Code.DeadlineExceeded:
      return 504;
    default:
      return 500;
  }
}

/** Maps an HTTP status seen by a client (signaling upgrade, WHIP) onto a Code. */
export function codeForHttpStatus(status: number): Code {
  if (status === 400) return Code.InvalidArgument;
  if (status === 401) return Code.Unauthenticated;
  if (status === 403) return Code.PermissionDenied;
  if (status === 404) return Code.NotFound;
  if (status === 409) return Code.FailedPrecondition;
  if (status === 429) return Code.ResourceExhausted;
  if (status === 501) return Code.Unimplemented;
  if (status === 503) return Code.Unavailable;
  if (status === 504) return Code.DeadlineExceeded;
  return status >= 500 ? Code.Internal : Code.Unknown;
}

export function peerClosedError(what: string): RemoteMediaError {
  return new RemoteMediaError(Code.Unavailable, `${what}: the peer connection closed`, { reason: 'PeerClosed' });
}

export { codeName };

/** Explains a failed WebSocket connection from the `ws` error (a rejected upgrade carries its HTTP status). */
export function signalingConnectError(error: Error | undefined, url: string): RemoteMediaError {
  const status = /Unexpected server response: (\d{3})/.exec(error?.message ?? '')?.[1];
  if (status) {
    const code = codeForHttpStatus(Number(status));
    const message = code === Code.Unauthenticated ? 'the signaling server rejected the bearer token (missing or invalid)' : `the signaling server refused the connection with HTTP ${status}`;
    return new RemoteMediaError(code, message, { cause: error });
  }
  return new RemoteMediaError(Code.Unavailable, `cannot reach the signaling server at ${url}${error ? `: ${error.message}` : ''}`, { cause: error });
}
