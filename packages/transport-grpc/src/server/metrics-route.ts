import { type Server as HttpServer, createServer as createHttpServer } from 'node:http';
import type { RemoteMediaError } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';
import { type AuthPolicy, checkBearer } from './auth.js';

/** The part of an HTTP/1.1 or HTTP/2 response the route writes. */
interface MetricsResponse {
  writeHead(status: number, headers: Record<string, string>): unknown;
  end(body: string): unknown;
}

export interface MetricsRouteOptions {
  /** The Prometheus text to serve. */
  metricsText: () => Promise<string>;
  auth: AuthPolicy;
  /** Serve without a token even when the server requires auth (`metricsPublic`). */
  open: boolean;
  logger: Logger;
}

export type MetricsRoute = (authorization: string | undefined, res: MetricsResponse) => void;

/** True for `GET /metrics` (any query). */
export function isMetricsRequest(req: { method?: string; url?: string }): boolean {
  return req.method === 'GET' && req.url?.split('?')[0] === '/metrics';
}

/** GET /metrics: needs a valid bearer token when the server requires auth, unless it is open. */
export function createMetricsRoute(options: MetricsRouteOptions): MetricsRoute {
  const needToken = options.auth.required && !options.open;
  return (authorization, res) => {
    if (needToken) {
      try {
        checkBearer(options.auth, authorization);
      } catch (error) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
        res.end(
          `${(error as RemoteMediaError).rawMessage ?? 'unauthenticated'} (GET /metrics needs a token when the server requires auth; see metricsPublic)\n`,
        );
        return;
      }
    }
    options.metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(text);
      },
      (error: unknown) => {
        options.logger.error({ error: (error as Error)?.message }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics collection failed\n');
      },
    );
  };
}

/** The HTTP/1.1 server of the metrics port: `GET /metrics`, 404 for anything else. */
export function createMetricsServer(route: MetricsRoute, headersTimeoutMs: number): HttpServer {
  const server = createHttpServer((req, res) => {
    if (isMetricsRequest(req)) route(req.headers.authorization, res);
    else res.writeHead(404).end('not found; try GET /metrics\n');
  });
  // Slow or idle HTTP/1.1 clients do not keep sockets either.
  server.headersTimeout = headersTimeoutMs;
  server.requestTimeout = Math.max(headersTimeoutMs, 30_000);
  return server;
}
