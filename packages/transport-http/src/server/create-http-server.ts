import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Code, RemoteMediaError, createTokenCheck, parseBearer } from '@remotemedia/runtime-core';
import { pino } from 'pino';
import { errorResponse } from '../shared/http-errors.js';
import { executeRoute } from './execute-route.js';
import { HttpMetrics } from './http-metrics.js';
import type { CorsOptions, HttpServerOptions } from './http-server-options.js';
import { healthRoute, metricsRoute, nodesRoute, versionRoute } from './meta-routes.js';
import { RequestContext } from './request-context.js';
import { type RouteContext, type ServerConfig, sendError, withRequestId } from './route-context.js';
import { createSessionRoute, deleteSessionRoute, sessionEndRoute, sessionInfoRoute, sessionInputRoute, sessionOutputRoute } from './session-routes.js';
import { SessionRegistry } from './session-registry.js';
import { WebSocketEndpoint } from './websocket-endpoint.js';

export interface HttpServer {
  /** The node:http server, e.g. to attach other handlers. */
  readonly server: Server;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** Streaming sessions open now. */
  readonly sessionCount: number;
  /** Starts listening; resolves with the base URL. */
  listen(): Promise<string>;
  /**
   * Graceful shutdown: stops accepting (new requests get 503), lets sessions finish for up to
   * `graceMs` (default: the `shutdownGraceMs` option), closes the rest, then every connection.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

type Handler = (ctx: RouteContext) => Promise<void>;
interface Route {
  method: string;
  /** Exact path, or `pattern` with the captured params. */
  path?: string;
  pattern?: RegExp;
  /** Label for logs and metrics (never the raw path, whose ids would explode cardinality). */
  name: string;
  handler: Handler;
  public?: boolean;
}

const SESSION = '([^/]+)';

export function createHttpServer(options: HttpServerOptions): HttpServer {
  const config: ServerConfig = {
    pipeline: options.pipeline,
    authTokens: options.authTokens ?? [],
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    pipelines: options.pipelines ?? {},
    logger: options.logger ?? pino({ level: 'silent' }),
    sse: { events: options.sseReplayEvents ?? 1000, bytes: options.sseReplayBytes ?? 8 * 1024 * 1024, resumeGraceMs: options.sseResumeGraceMs ?? 15_000 },
  };
  let shuttingDown = false;
  const metrics = new HttpMetrics(() => sessions.size);
  const sessions = new SessionRegistry({
    pipeline: config.pipeline,
    maxSessions: options.maxSessions ?? 1000,
    idleTimeoutMs: options.sessionIdleTimeoutMs ?? 300_000,
    onExpired: (entry) => {
      metrics.sessionsExpired.inc();
      config.logger.info({ sessionId: entry.id }, 'session expired (idle)');
    },
  });

  const routes: Route[] = [
    { method: 'GET', path: '/health', name: '/health', handler: (ctx) => healthRoute(ctx, shuttingDown), public: true },
    { method: 'GET', path: '/metrics', name: '/metrics', handler: metricsRoute },
    { method: 'GET', path: '/v1/version', name: '/v1/version', handler: versionRoute },
    { method: 'GET', path: '/v1/nodes', name: '/v1/nodes', handler: nodesRoute },
    { method: 'POST', path: '/v1/execute', name: '/v1/execute', handler: executeRoute },
    { method: 'POST', path: '/v1/sessions', name: '/v1/sessions', handler: createSessionRoute },
    { method: 'GET', pattern: new RegExp(`^/v1/sessions/${SESSION}$`), name: '/v1/sessions/:id', handler: sessionInfoRoute },
    { method: 'DELETE', pattern: new RegExp(`^/v1/sessions/${SESSION}$`), name: '/v1/sessions/:id', handler: deleteSessionRoute },
    { method: 'POST', pattern: new RegExp(`^/v1/sessions/${SESSION}/input$`), name: '/v1/sessions/:id/input', handler: sessionInputRoute },
    { method: 'POST', pattern: new RegExp(`^/v1/sessions/${SESSION}/end$`), name: '/v1/sessions/:id/end', handler: sessionEndRoute },
    { method: 'GET', pattern: new RegExp(`^/v1/sessions/${SESSION}/output$`), name: '/v1/sessions/:id/output', handler: sessionOutputRoute },
  ];

  // Exact paths resolve with one Map lookup; only session paths need the patterns.
  const byPath = new Map<string, Route[]>();
  for (const r of routes) if (r.path) byPath.set(r.path, [...(byPath.get(r.path) ?? []), r]);
  const patterned = routes.filter((r) => r.pattern);
  const routesFor = (path: string): Route[] => byPath.get(path) ?? patterned.filter((r) => r.pattern!.test(path));

  const tokenAllowed = createTokenCheck(config.authTokens);
  const authenticate = (req: IncomingMessage): void => {
    if (!config.authTokens.length) return;
    const token = parseBearer(req.headers.authorization) ?? bearerSubprotocol(req);
    if (!tokenAllowed(token)) {
      throw new RemoteMediaError(Code.Unauthenticated, token === undefined ? 'missing bearer token (Authorization: Bearer <token>)' : 'invalid bearer token');
    }
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const ctx = new RequestContext(req, res, config, sessions, metrics);
    if (options.cors) applyCors(req, res, options.cors);
    try {
      if (req.method === 'OPTIONS' && options.cors) {
        ctx.routeName = 'preflight';
        res.writeHead(204, withRequestId(ctx, {})).end();
        return;
      }
      const { pathname } = ctx;
      const matches = routesFor(pathname);
      const route = matches.length === 1 ? (matches[0]!.method === req.method ? matches[0] : undefined) : matches.find((r) => r.method === req.method);
      if (!route) {
        if (matches.length) {
          res.setHeader('allow', matches.map((r) => r.method).join(', '));
          throw new RemoteMediaError(Code.Unimplemented, `method ${req.method} not allowed on ${pathname}`, { reason: 'MethodNotAllowed' });
        }
        throw new RemoteMediaError(Code.NotFound, `no route ${req.method} ${pathname}`, { reason: 'NoRoute' });
      }
      ctx.routeName = route.name;
      if (shuttingDown && !route.public) {
        res.setHeader('connection', 'close');
        throw new RemoteMediaError(Code.Unavailable, 'server is shutting down', { reason: 'ShuttingDown' });
      }
      if (!route.public) authenticate(req);
      if (route.pattern) ctx.params = (route.pattern.exec(pathname) ?? []).slice(1).map(decodeURIComponent);
      await route.handler(ctx);
    } catch (error) {
      sendError(ctx, error);
    } finally {
      ctx.settle();
    }
  }

  const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => void handle(req, res));
  const ws = new WebSocketEndpoint({ sessions, metrics, maxMessageBytes: config.maxBodyBytes, logger: config.logger, authenticate, accepting: () => !shuttingDown });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  server.on('clientError', (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return;
    const tooLarge = error.code === 'HPE_HEADER_OVERFLOW';
    const { status, body } = errorResponse(new RemoteMediaError(tooLarge ? Code.ResourceExhausted : Code.InvalidArgument, tooLarge ? 'request headers too large' : `malformed HTTP request (${error.code ?? error.message})`));
    const text = JSON.stringify(body);
    socket.end(`HTTP/1.1 ${tooLarge ? 431 : status} Bad Request\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(text)}\r\nConnection: close\r\n\r\n${text}`);
  });

  let url = '';
  let closing: Promise<void> | undefined;
  return {
    server,
    get url() {
      return url;
    },
    get sessionCount() {
      return sessions.size;
    },
    listen() {
      return new Promise<string>((resolve, reject) => {
        server.once('error', reject);
        server.listen(options.port ?? 8080, options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
          config.logger.info({ url }, 'remotemedia http server listening');
          resolve(url);
        });
      });
    },
    close(closeOptions = {}) {
      closing ??= (async () => {
        shuttingDown = true;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        await sessions.drain(closeOptions.graceMs ?? options.shutdownGraceMs ?? 10_000);
        await ws.close();
        sessions.stop();
        server.closeAllConnections();
        if (server.listening) await stopped;
      })();
      return closing;
    },
  };
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Browsers cannot set headers on a WebSocket: they send `bearer.<token>` as a subprotocol. */
function bearerSubprotocol(req: IncomingMessage): string | undefined {
  const protocols = headerValue(req, 'sec-websocket-protocol');
  const entry = protocols?.split(',').map((p) => p.trim()).find((p) => p.startsWith('bearer.'));
  return entry?.slice('bearer.'.length);
}

function applyCors(req: IncomingMessage, res: ServerResponse, cors: CorsOptions): void {
  const origin = headerValue(req, 'origin');
  if (!origin) return;
  if (cors.origins !== '*' && !cors.origins.includes(origin)) return;
  res.setHeader('access-control-allow-origin', cors.origins === '*' ? '*' : origin);
  if (cors.origins !== '*') res.setHeader('vary', 'origin');
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader('access-control-allow-headers', 'authorization, content-type, x-request-id, x-remotemedia-timeout-ms, x-remotemedia-pipeline, x-remotemedia-manifest, x-remotemedia-sample-rate, x-remotemedia-channels, x-remotemedia-encoding, x-remotemedia-output-encoding, last-event-id');
  res.setHeader('access-control-expose-headers', 'x-request-id, x-remotemedia-sample-rate, x-remotemedia-channels, x-remotemedia-encoding, x-remotemedia-outputs');
  res.setHeader('access-control-max-age', String(cors.maxAgeSeconds ?? 600));
}
