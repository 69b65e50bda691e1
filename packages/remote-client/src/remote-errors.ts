import { Code, RemoteMediaError, type ErrorDetail } from '@remotemedia/runtime-core';

/**
 * Stable `reason` values this package puts on RemoteMediaError (the `code` says what class of
 * failure it is; the reason says which remote-client rule produced it).
 */
export const RemoteReason = {
  /** A remote call did not answer within `timeoutMs`. Code DeadlineExceeded. */
  RemoteTimeout: 'RemoteTimeout',
  /** Every endpoint's breaker is open, so no call was even attempted. Code Unavailable. */
  CircuitOpen: 'CircuitOpen',
  /** Every endpoint and fallback was tried (with retries) and failed. Code Unavailable. */
  AllEndpointsFailed: 'AllEndpointsFailed',
  /** A remote manifest could not be fetched or parsed, or its host is not allowed. */
  ManifestFetchFailed: 'ManifestFetchFailed',
  /** Nested remote manifests refer back to one another (or nest deeper than 10). Code FailedPrecondition. */
  CircularDependency: 'CircularDependency',
  /** Remote manifests nest deeper than the limit (10). Code FailedPrecondition. */
  RemoteDepthExceeded: 'RemoteDepthExceeded',
  /** The transport package for `transport` is not installed. Code FailedPrecondition. */
  TransportNotInstalled: 'TransportNotInstalled',
  /** A streaming remote session failed mid-stream (documented: the node fails). Code Unavailable. */
  RemoteStreamLost: 'RemoteStreamLost',
  /** `${VAR}` in a param names an environment variable that is not set. Code InvalidArgument. */
  MissingEnvironmentVariable: 'MissingEnvironmentVariable',
} as const;
export type RemoteReason = (typeof RemoteReason)[keyof typeof RemoteReason];

export function remoteError(
  code: Code,
  reason: RemoteReason,
  message: string,
  extra: { cause?: unknown; details?: ErrorDetail[]; nodeId?: string } = {},
): RemoteMediaError {
  return new RemoteMediaError(code, message, { ...extra, reason });
}

// Cancellations we caused (the caller's signal); any other Canceled came from the remote side.
const callerCancellations = new WeakSet<object>();

/** Marks an error as caused by the caller's own cancellation, so it never counts against an endpoint. */
export function markCallerCanceled<E extends object>(error: E): E {
  callerCancellations.add(error);
  return error;
}

/**
 * Whether a failure is the endpoint's fault (so another endpoint or a retry may succeed) rather
 * than the request's. Only these count against an endpoint's circuit breaker.
 */
export function isEndpointFailure(error: unknown): boolean {
  if (error !== null && typeof error === 'object' && callerCancellations.has(error)) return false;
  if (!(error instanceof RemoteMediaError)) return (error as { name?: string } | null)?.name !== 'AbortError';
  switch (error.code) {
    // Not cancelled by us, so by the remote end: e.g. an HTTP/2 stream reset when a server dies.
    case Code.Canceled:
    case Code.Unavailable:
    case Code.DeadlineExceeded:
    case Code.ResourceExhausted:
    case Code.Aborted:
    case Code.Unknown:
      return true;
    case Code.Internal:
      // An Internal error attributed to a remote node is the pipeline's own failure, not the wire's.
      return error.nodeId === undefined;
    default:
      return false;
  }
}

/** One line per endpoint for AllEndpointsFailed details. */
export function describeFailure(endpoint: string, error: unknown): ErrorDetail {
  const message = error instanceof Error ? error.message : String(error);
  return { path: endpoint, message };
}
