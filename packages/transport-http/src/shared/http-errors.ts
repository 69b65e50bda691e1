/**
 * The ONE place where this transport's failures become RemoteMediaErrors: the server's error
 * responses (status from the kit's table, `RemoteMediaError.toJSON()` body), the client's reading
 * of them (`RemoteMediaError.fromJSON`, with the code of the status when the body has none), and
 * the client's connection failures.
 */
import { Code, RemoteMediaError, type RemoteMediaErrorJson } from '@remotemedia/runtime-core';
import { PAYLOAD_TOO_LARGE, abortError, codeOfHttpStatus, httpStatusOf } from '@remotemedia/runtime-core/kit';

/** An error on this transport's wire: `RemoteMediaError.toJSON()` plus the request id of an HTTP response. */
export type ErrorBody = RemoteMediaErrorJson & { requestId?: string };

/** Anything thrown, as the JSON body and status the server sends. Never a stack trace. */
export function errorResponse(error: unknown, requestId?: string): { status: number; body: ErrorBody } {
  const e = RemoteMediaError.from(error, Code.Internal);
  return { status: httpStatusOf(e), body: { ...e.toJSON(), ...(requestId ? { requestId } : {}) } };
}

/** Rebuilds the server's error from a response body (or a WebSocket/SSE error message); `status` gives the code a bodiless response lacks. */
export function errorFromBody(body: unknown, status?: number): RemoteMediaError {
  return RemoteMediaError.fromJSON(body, status === undefined ? {} : { code: codeOfHttpStatus(status), message: `HTTP ${status} without an error body` });
}

/** A response body as text: its JSON error, or the text itself under the status's code. */
export function errorFromText(text: string, status: number): RemoteMediaError {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {}
  return errorFromBody(body, status);
}

/** Network-level failures: the caller's abort (Canceled/DeadlineExceeded) or Unavailable. */
export function wireError(error: unknown, signal: AbortSignal | undefined, what: string): RemoteMediaError {
  if (signal?.aborted) return abortError(signal, what);
  if (error instanceof RemoteMediaError) return error;
  return new RemoteMediaError(Code.Unavailable, `${what} failed: ${(error as Error).message}`, { cause: error, reason: (error as { code?: string }).code });
}

/** The SSE output stream's connection broke (not the server's answer): worth resuming. */
export class StreamDropped extends RemoteMediaError {
  constructor(message: string, cause?: unknown) {
    super(Code.Unavailable, message, { cause, reason: 'ConnectionLost' });
  }
}

/** A session's WebSocket closed before its outputs ended. */
export function webSocketClosedError(code: number, reason: string): RemoteMediaError {
  // 1009: a message passed the server's size limit (`maxBodyBytes`).
  if (code === 1009)
    return new RemoteMediaError(Code.ResourceExhausted, `a message exceeded the server's WebSocket message size limit (${reason || 'close code 1009'})`, {
      reason: PAYLOAD_TOO_LARGE,
    });
  return new RemoteMediaError(Code.Unavailable, `WebSocket connection closed before the outputs ended (code ${code})`);
}
