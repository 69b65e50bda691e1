import type { IncomingMessage, ServerResponse } from 'node:http';
import type { ManifestSource, PipelineTransport } from '@remotemedia/runtime-core';
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
  url: URL;
  /** Captured path segments of the matched route, e.g. the session id. */
  params: string[];
  requestId: string;
  log: Logger;
  config: ServerConfig;
  sessions: SessionRegistry;
  metrics: HttpMetrics;
}

/**
 * Every response carries `x-request-id`, given here in writeHead's object rather than by an
 * earlier setHeader: node:http takes a slower path for writeHead's headers once setHeader was
 * called (~3 us per request in the unary benchmark).
 */
export function sendJson(ctx: Pick<RouteContext, 'res' | 'requestId'>, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  ctx.res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'x-request-id': ctx.requestId });
  ctx.res.end(text);
}

/** Sends any error as `{code, message, details[]}` with its status; if headers already went out, just ends. */
export function sendError(ctx: Pick<RouteContext, 'res' | 'requestId' | 'log'>, error: unknown): void {
  const { status, body } = errorResponse(error, ctx.requestId);
  if (status >= 500) ctx.log.error({ err: error }, 'request failed');
  else ctx.log.debug({ code: body.code, message: body.message }, 'request rejected');
  if (ctx.res.headersSent) {
    ctx.res.end();
    return;
  }
  // A 413 leaves the rest of the body unread: close the connection rather than read it.
  if (status === 413) ctx.res.setHeader('connection', 'close');
  sendJson(ctx, status, body);
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

/** `x-remotemedia-timeout-ms`: the caller's deadline, enforced on the server too. */
export function timeoutHeader(req: IncomingMessage): number | undefined {
  const raw = req.headers['x-remotemedia-timeout-ms'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}
