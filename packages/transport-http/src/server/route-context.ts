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

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
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
  sendJson(ctx.res, status, body);
}

/** Aborts when the client goes away before the response has been fully written. */
export function clientGone(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once('close', () => {
    if (!res.writableFinished) controller.abort(new DOMException('client disconnected', 'AbortError'));
  });
  return controller.signal;
}

/** `x-remotemedia-timeout-ms`: the caller's deadline, enforced on the server too. */
export function timeoutHeader(req: IncomingMessage): number | undefined {
  const raw = req.headers['x-remotemedia-timeout-ms'];
  const n = Number(Array.isArray(raw) ? raw[0] : raw);
  return raw !== undefined && Number.isFinite(n) && n > 0 ? n : undefined;
}
