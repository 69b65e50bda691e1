/**
 * The ONE place where RemoteMediaError codes meet HTTP statuses, in both directions
 * (the server's responses and the client's reading of them). Statuses follow the Connect
 * protocol's table, plus 413 for bodies over the size limit (reason `PayloadTooLarge`) and 406
 * for outputs that cannot take the format the caller asked for (reason `NotAcceptable`).
 */
import { Code, type ErrorDetail, RemoteMediaError, parseCode } from '@remotemedia/runtime-core';

const STATUS_OF_CODE: Record<Code, number> = {
  [Code.Canceled]: 499,
  [Code.Unknown]: 500,
  [Code.InvalidArgument]: 400,
  [Code.DeadlineExceeded]: 504,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.FailedPrecondition]: 400,
  [Code.Aborted]: 409,
  [Code.OutOfRange]: 400,
  [Code.Unimplemented]: 501,
  [Code.Internal]: 500,
  [Code.Unavailable]: 503,
  [Code.DataLoss]: 500,
  [Code.Unauthenticated]: 401,
};

/** Reason carried by the 413 error so clients and logs can tell it from other exhaustion. */
export const PAYLOAD_TOO_LARGE = 'PayloadTooLarge';
/** Reason carried by the 406 error: the outputs cannot be sent in the `Accept`ed format. */
export const NOT_ACCEPTABLE = 'NotAcceptable';

export function httpStatusOf(error: RemoteMediaError): number {
  if (error.reason === PAYLOAD_TOO_LARGE) return 413;
  if (error.reason === 'MethodNotAllowed') return 405;
  if (error.reason === NOT_ACCEPTABLE) return 406;
  return STATUS_OF_CODE[error.code] ?? 500;
}

/** For responses without a readable error body (a proxy's HTML page, an empty 502...). */
export function codeOfHttpStatus(status: number): Code {
  switch (status) {
    case 400:
      return Code.InvalidArgument;
    case 401:
      return Code.Unauthenticated;
    case 403:
      return Code.PermissionDenied;
    case 404:
      return Code.Unimplemented; // a route that does not exist: the server lacks the call
    case 405:
      return Code.Unimplemented;
    case 406:
      return Code.FailedPrecondition;
    case 408:
    case 504:
      return Code.DeadlineExceeded;
    case 409:
      return Code.Aborted;
    case 413:
    case 429:
      return Code.ResourceExhausted;
    case 499:
      return Code.Canceled;
    case 501:
      return Code.Unimplemented;
    case 502:
    case 503:
      return Code.Unavailable;
    default:
      return Code.Unknown;
  }
}

export interface ErrorBody {
  code: string;
  message: string;
  details: ErrorDetail[];
  nodeId?: string;
  reason?: string;
  requestId?: string;
}

/** Anything thrown, as the JSON body and status the server sends. Never a stack trace. */
export function errorResponse(error: unknown, requestId?: string): { status: number; body: ErrorBody } {
  const e = RemoteMediaError.from(error, Code.Internal);
  return { status: httpStatusOf(e), body: { ...e.toJSON(), ...(requestId ? { requestId } : {}) } };
}

/** Rebuilds the server's error from a response (or a WebSocket/SSE error message). */
export function errorFromBody(body: unknown, status?: number): RemoteMediaError {
  if (body && typeof body === 'object' && typeof (body as ErrorBody).message === 'string') {
    const b = body as Partial<ErrorBody>;
    const code = b.code === undefined && status !== undefined ? codeOfHttpStatus(status) : parseCode(b.code);
    const details = Array.isArray(b.details) ? b.details.filter((d): d is ErrorDetail => !!d && typeof d.message === 'string') : [];
    return new RemoteMediaError(code, b.message!, { details, nodeId: b.nodeId, reason: b.reason });
  }
  const code = status === undefined ? Code.Unknown : codeOfHttpStatus(status);
  const text = typeof body === 'string' && body.length ? `: ${body.slice(0, 200)}` : '';
  return new RemoteMediaError(code, `HTTP ${status ?? '?'} without an error body${text}`);
}
