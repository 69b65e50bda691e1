import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { METHOD_NOT_ALLOWED, createTokenCheck, parseBearer } from '@remotemedia/runtime-core/kit';
import { pino } from 'pino';
import { errorResponse } from '../shared/http-errors.js';
import { decodePathSegment, refuseSocket } from './connection-guards.js';
import { executeRoute } from './execute-route.js';
import { HttpMetrics } from './http-metrics.js';
import type { CorsOptions, HttpServerOptions } from './http-server-options.js';
import { healthRoute, metricsRoute, nodesRoute, versionRoute } from './meta-routes.js';
import { RequestContext } from './request-context.js';
import { type RouteContext, type ServerConfig, sendError, withRequestId } from './route-context.js';
import { createSessionRoute, deleteSessionRoute, sessionEndRoute, sessionInfoRoute, sessionInputRoute, sessionOutputRoute } from './session-routes.js';
import { REPLICA_NAME_PATTERN, SessionRegistry } from './session-registry.js';
import { WebSocketEndpoint } from './websocket-endpoint.js';

/** Where a server listens: the same shape from every transport's `listen()`. */
export interface HttpServerAddress {
  host: string;
  port: number;
  /** `http://host:port`, with a wildcard host replaced by loopback (what a local client dials). */
  url: string;
}

export interface HttpServer {
  /** The node:http server, e.g. to attach other handlers. */
  readonly server: Server;
  /** `http://host:port` once listening. */
  readonly url: string;
  /** Streaming sessions open now. */
  readonly sessionCount: number;
  /** Starts listening; resolves with `{ host, port, url }` (port 0 becomes the real port), as every transport's server does. */
  listen(): Promise<HttpServerAddress>;
  /** `{ host, port, url }` once listening (the shape every transport's server reports). */
  readonly address: HttpServerAddress | undefined;
  /**
   * Graceful shutdown: new requests get 503 (`retry-after`, `connection: close`) while running
   * sessions and requests finish for up to `graceMs` (default: the `shutdownGraceMs` option); the
   * listener stays open meanwhile, so new connections get the 503 too rather than a refusal.
   * Then the rest is closed, the listener, and every connection.
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
  /** Serves a session that is already open: still answered while shutting down, so it can finish. */
  sessionScoped?: boolean;
}

const SESSION = '([^/]+)';

/** Defaults of the connection timeouts (see HttpServerOptions). */
export const HTTP_TIMEOUT_DEFAULTS = { headersTimeoutMs: 10_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 65_000 } as const;

export function createHttpServer(options: HttpServerOptions): HttpServer {
  if (options.replicaName !== undefined && !REPLICA_NAME_PATTERN.test(options.replicaName)) {
    throw new Error(`invalid replicaName ${JSON.stringify(options.replicaName)}: letters, digits, '-' and '_', starting with a letter or digit, at most 63`);
  }
  const config: ServerConfig = {
    pipeline: options.pipeline,
    authTokens: options.authTokens ?? [],
    maxBodyBytes: options.maxBodyBytes ?? 16 * 1024 * 1024,
    pipelines: options.pipelines ?? {},
    logger: options.logger ?? pino({ level: 'silent' }),
    sse: { events: options.sseReplayEvents ?? 1000, bytes: options.sseReplayBytes ?? 8 * 1024 * 1024, resumeGraceMs: options.sseResumeGraceMs ?? 15_000 },
  };
  let shuttingDown = false;
  /** `retry-after` of 503s while shutting down: the grace period, in whole seconds. */
  let retryAfter = '1';
  /** Requests whose handler is running (unary calls in progress); shutdown waits for them. */
  let inflight = 0;
  const metrics = new HttpMetrics(() => sessions.size);
  const sessions = new SessionRegistry({
    pipeline: config.pipeline,
    maxSessions: options.maxSessions ?? 1000,
    idleTimeoutMs: options.sessionIdleTimeoutMs ?? 300_000,
    ...(options.replicaName === undefined ? {} : { replicaName: options.replicaName }),
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
    { method: 'GET', pattern: new RegExp(`^/v1/sessions/${SESSION}$`), name: '/v1/sessions/:id', handler: sessionInfoRoute, sessionScoped: true },
    { method: 'DELETE', pattern: new RegExp(`^/v1/sessions/${SESSION}$`), name: '/v1/sessions/:id', handler: deleteSessionRoute, sessionScoped: true },
    { method: 'POST', pattern: new RegExp(`^/v1/sessions/${SESSION}/input$`), name: '/v1/sessions/:id/input', handler: sessionInputRoute, sessionScoped: true },
    { method: 'POST', pattern: new RegExp(`^/v1/sessions/${SESSION}/end$`), name: '/v1/sessions/:id/end', handler: sessionEndRoute, sessionScoped: true },
    {
      method: 'GET',
      pattern: new RegExp(`^/v1/sessions/${SESSION}/output$`),
      name: '/v1/sessions/:id/output',
      handler: sessionOutputRoute,
      sessionScoped: true,
    },
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
    if (options.replicaName !== undefined) res.setHeader('x-remotemedia-replica', options.replicaName);
    inflight++;
    try {
      if (ctx.targetError) throw ctx.targetError;
      if (req.method === 'OPTIONS' && options.cors) {
        ctx.routeName = 'preflight';
        res.writeHead(204, withRequestId(ctx, {})).end();
        return;
      }
      const { pathname } = ctx;
      const matches = routesFor(pathname);
      const route = matches.length === 1 ? (matches[0].method === req.method ? matches[0] : undefined) : matches.find((r) => r.method === req.method);
      if (!route) {
        if (matches.length) {
          res.setHeader('allow', matches.map((r) => r.method).join(', '));
          throw new RemoteMediaError(Code.Unimplemented, `method ${req.method} not allowed on ${pathname}`, { reason: METHOD_NOT_ALLOWED });
        }
        throw new RemoteMediaError(Code.NotFound, `no route ${req.method} ${pathname}`, { reason: 'NoRoute' });
      }
      ctx.routeName = route.name;
      if (shuttingDown) {
        res.setHeader('connection', 'close');
        res.setHeader('retry-after', retryAfter);
        if (!route.public && !route.sessionScoped)
          throw new RemoteMediaError(Code.Unavailable, 'server is shutting down; retry on another instance', { reason: 'ShuttingDown' });
      }
      if (!route.public) authenticate(req);
      if (route.pattern) ctx.params = (route.pattern.exec(pathname) ?? []).slice(1).map((segment) => decodePathSegment(segment, 'sessionId'));
      await route.handler(ctx);
    } catch (error) {
      sendError(ctx, error);
    } finally {
      inflight--;
      ctx.settle();
    }
  }

  const timeouts = {
    headersTimeoutMs: options.headersTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs,
    requestTimeoutMs: options.requestTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs,
    keepAliveTimeoutMs: options.keepAliveTimeoutMs ?? HTTP_TIMEOUT_DEFAULTS.keepAliveTimeoutMs,
  };
  const server = createServer(
    {
      keepAliveTimeout: timeouts.keepAliveTimeoutMs,
      // node:http needs headersTimeout <= requestTimeout; 0 turns a timeout off.
      headersTimeout: timeouts.requestTimeoutMs ? Math.min(timeouts.headersTimeoutMs, timeouts.requestTimeoutMs) : timeouts.headersTimeoutMs,
      requestTimeout: timeouts.requestTimeoutMs,
      // How often node:http looks for requests past those timeouts (its default, 30 s, would let a
      // 10 s headers timeout run to 40 s).
      connectionsCheckingInterval: Math.max(
        100,
        Math.min(1000, Math.min(...[timeouts.headersTimeoutMs, timeouts.requestTimeoutMs].filter((t) => t > 0), 2000) / 2),
      ),
    },
    (req, res) =>
      // handle() answers every error itself; this only keeps a bug from becoming an unhandled rejection (a crash).
      void handle(req, res).catch((error: unknown) => {
        config.logger.error({ err: error }, 'request handler failed');
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json', connection: 'close' }).end(JSON.stringify(errorResponse(error).body));
        else res.destroy();
      }),
  );
  const ws = new WebSocketEndpoint({
    sessions,
    metrics,
    maxMessageBytes: config.maxBodyBytes,
    logger: config.logger,
    authenticate,
    accepting: () => !shuttingDown,
    retryAfter: () => retryAfter,
    startTimeoutMs: options.webSocketStartTimeoutMs ?? 10_000,
  });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  server.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
    // A request node:http could not parse, or one whose headers or body came too slowly
    // (headersTimeoutMs, requestTimeoutMs): answer if we still can, then drop the connection
    // either way. Ending alone would leave a half-open socket that a client ignoring the FIN
    // (a slowloris) could keep forever.
    const code = error.code;
    const [status, e] =
      code === 'HPE_HEADER_OVERFLOW'
        ? [431, new RemoteMediaError(Code.ResourceExhausted, 'request headers too large', { reason: 'HeadersTooLarge' })]
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [
              408,
              new RemoteMediaError(
                Code.DeadlineExceeded,
                `request not received in time: headers within ${timeouts.headersTimeoutMs} ms, the whole request within ${timeouts.requestTimeoutMs} ms`,
                { reason: 'RequestTimeout' },
              ),
            ]
          : [400, new RemoteMediaError(Code.InvalidArgument, `malformed HTTP request (${code ?? error.message})`, { reason: 'MalformedRequest' })];
    if ((socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent || !socket.writable) return void socket.destroy();
    refuseSocket(socket, status, errorResponse(e).body);
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
    get address() {
      const a = server.listening ? (server.address() as AddressInfo) : undefined;
      return a && url ? { host: a.address, port: a.port, url } : undefined;
    },
    listen() {
      return new Promise<HttpServerAddress>((resolve, reject) => {
        server.once('error', reject);
        const bind = options.bindAddress === undefined ? undefined : parseBindAddress(options.bindAddress);
        server.listen(bind?.port ?? options.port ?? 8080, bind?.host ?? options.host ?? '0.0.0.0', () => {
          server.off('error', reject);
          const address = server.address() as AddressInfo;
          const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
          url = `http://${host === '0.0.0.0' ? '127.0.0.1' : host === '[::]' ? '[::1]' : host}:${address.port}`;
          config.logger.info({ url }, 'remotemedia http server listening');
          resolve({ host: address.address, port: address.port, url });
        });
      });
    },
    close(closeOptions = {}) {
      closing ??= (async () => {
        const graceMs = closeOptions.graceMs ?? options.shutdownGraceMs ?? 10_000;
        shuttingDown = true;
        retryAfter = String(Math.max(1, Math.ceil(graceMs / 1000)));
        // Still listening: new connections get a 503 rather than a refused connection (what load
        // balancers and the docs expect) while sessions and calls in progress finish.
        const deadline = Date.now() + graceMs;
        while ((sessions.size > 0 || inflight > 0) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        await sessions.drain(0);
        await ws.close();
        sessions.stop();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
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
  const entry = protocols
    ?.split(',')
    .map((p) => p.trim())
    .find((p) => p.startsWith('bearer.'));
  return entry?.slice('bearer.'.length);
}

function applyCors(req: IncomingMessage, res: ServerResponse, cors: CorsOptions): void {
  const origin = headerValue(req, 'origin');
  if (!origin) return;
  if (cors.origins !== '*' && !cors.origins.includes(origin)) return;
  res.setHeader('access-control-allow-origin', cors.origins === '*' ? '*' : origin);
  if (cors.origins !== '*') res.setHeader('vary', 'origin');
  res.setHeader('access-control-allow-methods', 'GET, POST, DELETE, OPTIONS');
  res.setHeader(
    'access-control-allow-headers',
    'authorization, content-type, x-request-id, x-remotemedia-timeout-ms, x-remotemedia-pipeline, x-remotemedia-manifest, x-remotemedia-sample-rate, x-remotemedia-channels, x-remotemedia-encoding, x-remotemedia-output-encoding, last-event-id',
  );
  res.setHeader(
    'access-control-expose-headers',
    'x-request-id, x-remotemedia-sample-rate, x-remotemedia-channels, x-remotemedia-encoding, x-remotemedia-outputs, x-remotemedia-replica',
  );
  res.setHeader('access-control-max-age', String(cors.maxAgeSeconds ?? 600));
}

/** Splits `host:port`, `[v6]:port` or `:port` (the `bindAddress` option). */
function parseBindAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m || Number(m[3]) > 65535) throw new Error(`invalid bindAddress "${address}": expected host:port, e.g. 0.0.0.0:8080`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port: Number(m[3]) };
}
