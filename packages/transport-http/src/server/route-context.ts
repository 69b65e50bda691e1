import type { IncomingMessage, ServerResponse } from 'node:http';
import { Code, type ManifestSource, type PipelineTransport, RemoteMediaError } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';
import { errorResponse } from '../shared/http-errors.js';
import type { HttpMetrics } from './http-metrics.js';
import type { SessionRegistry } from './session-registry.js';
import type { SseReplayOptions } from './sse-feed.js';

/** Options with every default filled in. */
export interface ServerConfig {
  pipeline: PipelineTransport;
  authTokens: readonly string[];
  maxBodyBytes: number;
  pipelines: Readonly<Record<string, ManifestSource>>;
  logger: Logger;
  sse: SseReplayOptions;
}

/** What every route handler gets. */
export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** The request's query parameters. */
  query: URLSearchParams;
  /** Captured path segments of the matched route, e.g. the session id. */
  params: string[];
  /** The caller's `x-request-id`, or one generated when first read. */
  requestId: string;
  /** What successful responses put in `x-request-id`: see RequestContext. */
  responseRequestId: string | undefined;
  log: Logger;
  config: ServerConfig;
  sessions: SessionRegistry;
  metrics: HttpMetrics;
}

/** RFC 8259 defines no charset parameter for application/json: JSON is UTF-8. */
const JSON_TYPE = 'application/json';

/**
 * Headers go in writeHead's object rather than by earlier setHeader calls: node:http takes a
 * slower path for writeHead's headers once setHeader was called (~3 us per request in the unary
 * benchmark). `requestId` defaults to what successful responses carry (see RequestContext).
 */
export function sendJson(ctx: Pick<RouteContext, 'res' | 'responseRequestId'>, status: number, body: unknown, requestId = ctx.responseRequestId): void {
  sendJsonText(ctx, status, JSON.stringify(body), requestId);
}

/** `sendJson` for a body that is JSON text already. */
export function sendJsonText(ctx: Pick<RouteContext, 'res' | 'responseRequestId'>, status: number, text: string, requestId = ctx.responseRequestId): void {
  const length = Buffer.byteLength(text);
  ctx.res.writeHead(
    status,
    requestId === undefined
      ? { 'content-type': JSON_TYPE, 'content-length': length }
      : { 'content-type': JSON_TYPE, 'content-length': length, 'x-request-id': requestId },
  );
  ctx.res.end(text);
}

/** Adds `x-request-id` to a response's headers when there is one to send. */
export function withRequestId<T extends Record<string, string | number>>(ctx: Pick<RouteContext, 'responseRequestId'>, headers: T): T {
  const id = ctx.responseRequestId;
  if (id !== undefined) (headers as Record<string, string | number>)['x-request-id'] = id;
  return headers;
}

/** Sends any error as `{code, message, details[]}` with its status; if headers already went out, just ends. */
export function sendError(ctx: Pick<RouteContext, 'res' | 'requestId' | 'responseRequestId' | 'log'>, error: unknown): void {
  const { status, body } = errorResponse(error, ctx.requestId);
  if (status >= 500) ctx.log.error({ err: error }, 'request failed');
  else ctx.log.debug({ code: body.code, message: body.message }, 'request rejected');
  if (ctx.res.headersSent) {
    ctx.res.end();
    return;
  }
  // A 413 leaves the rest of the body unread: close the connection rather than read it.
  if (status === 413) ctx.res.setHeader('connection', 'close');
  sendJson(ctx, status, body, ctx.requestId);
}

const CONNECTION_ABORT = Symbol('remotemedia.connectionAbort');

/**
 * Aborts when the request's connection closes: over HTTP/1.1 that is the only way a client can
 * abandon a request. One controller per connection, not per request, because the first listener
 * on a fresh AbortSignal costs ~3 us in Node 20 and a reused signal's ~0.3 us (measured with
 * bench/http.bench.ts's unary case). Listeners are removed by whoever adds them once done.
 */
export function connectionSignal(req: IncomingMessage): AbortSignal {
  const socket = req.socket as IncomingMessage['socket'] & { [CONNECTION_ABORT]?: AbortController };
  let controller = socket[CONNECTION_ABORT];
  if (!controller) {
    const created = (controller = socket[CONNECTION_ABORT] = new AbortController());
    socket.once('close', () => created.abort(new DOMException('client disconnected', 'AbortError')));
  }
  return controller.signal;
}

/**
 * Largest deadline a caller may ask for, in ms: 2^31-1 (~24.8 days), the longest delay a timer
 * keeps. The same bound as runtime-core's `callSignal`, checked here so the error names the field.
 */
export const MAX_TIMEOUT_MS = 2_147_483_647;

/**
 * A caller's deadline as given in a JSON field: a positive integer number of ms up to
 * MAX_TIMEOUT_MS, or undefined when absent. Anything else (a string too: timeoutHeader converts a
 * header's digits) is a 400 (InvalidArgument, reason `InvalidTimeout`) naming `field`.
 */
export function parseTimeoutMs(value: unknown, field: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'number' && Number.isInteger(value) && value > 0 && value <= MAX_TIMEOUT_MS) return value;
  // A JSON body or header value: never a function or symbol, so JSON.stringify gives text.
  const shown =
    typeof value === 'string' ? JSON.stringify(value.slice(0, 40)) : typeof value === 'number' ? String(value) : String(JSON.stringify(value)).slice(0, 40);
  const message = `expected a positive integer number of milliseconds up to ${MAX_TIMEOUT_MS}, got ${shown}`;
  throw new RemoteMediaError(Code.InvalidArgument, `${field}: ${message}`, { details: [{ path: field, message }], reason: 'InvalidTimeout' });
}

/** `x-remotemedia-timeout-ms`: the caller's deadline, enforced on the server too. */
export function timeoutHeader(req: IncomingMessage): number | undefined {
  const raw = req.headers['x-remotemedia-timeout-ms'];
  if (raw === undefined) return undefined;
  const text = Array.isArray(raw) ? raw[0] : raw;
  // Decimal digits only: Number() would also take `1e3`, `0x10` or ` `.
  const n = /^\s*\d{1,16}\s*$/.test(text) ? Number(text) : Number.NaN;
  // A header that is not plain digits is reported as the text it is.
  return parseTimeoutMs(Number.isNaN(n) ? text : n, 'headers.x-remotemedia-timeout-ms');
}
