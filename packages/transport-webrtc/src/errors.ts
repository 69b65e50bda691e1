// The ONE place where WebRTC transport failures (JSON-RPC errors, HTTP statuses, socket and peer
// failures, control-channel error messages) map onto RemoteMediaError and back. HTTP statuses (WHIP,
// refused upgrades) come from the kit's one table (`httpStatusOf` / `codeOfHttpStatus`).
import { Code, RemoteMediaError, type RemoteMediaErrorJson } from '@remotemedia/runtime-core';
import { codeOfHttpStatus } from '@remotemedia/runtime-core/kit';

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

export interface RpcError {
  code: number;
  message: string;
  data?: RemoteMediaErrorJson;
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

/** A RemoteMediaError as a JSON-RPC error object; `rpcCode` overrides the code chosen from its Code. */
export function toRpcError(error: unknown, rpcCode?: RpcErrorCode): RpcError {
  const e = toRemoteMediaError(error);
  return { code: rpcCode ?? rpcCodeFor[e.code] ?? RpcErrorCode.PipelineError, message: e.rawMessage, data: e.toJSON() };
}

export function fromRpcError(error: RpcError): RemoteMediaError {
  return RemoteMediaError.fromJSON(error.data, { code: codeForRpc[error.code] ?? Code.Unknown, message: error.message ?? 'signaling error' });
}

export function peerClosedError(what: string): RemoteMediaError {
  return new RemoteMediaError(Code.Unavailable, `${what}: the peer connection closed`, { reason: 'PeerClosed' });
}

/** Explains a failed WebSocket connection from the `ws` error (a rejected upgrade carries its HTTP status). */
export function signalingConnectError(error: Error | undefined, url: string): RemoteMediaError {
  const status = /Unexpected server response: (\d{3})/.exec(error?.message ?? '')?.[1];
  if (status) {
    const code = codeOfHttpStatus(Number(status));
    const message =
      code === Code.Unauthenticated
        ? 'the signaling server rejected the bearer token (missing or invalid)'
        : `the signaling server refused the connection with HTTP ${status}`;
    return new RemoteMediaError(code, message, { cause: error });
  }
  return new RemoteMediaError(Code.Unavailable, `cannot reach the signaling server at ${url}${error ? `: ${error.message}` : ''}`, { cause: error });
}
