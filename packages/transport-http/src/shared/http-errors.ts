/**
 * The ONE place where this transport's failures meet HTTP: the server's error responses (status
 * from the kit's table, `RemoteMediaError.toJSON()` body) and the client's reading of them
 * (`RemoteMediaError.fromJSON`, with the code of the status when the body has none).
 */
import { Code, RemoteMediaError, type RemoteMediaErrorJson } from '@remotemedia/runtime-core';
import { codeOfHttpStatus, httpStatusOf } from '@remotemedia/runtime-core/kit';

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
