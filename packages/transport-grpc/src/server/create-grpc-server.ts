import { setMaxListeners } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import http2 from 'node:http2';
import { type AddressInfo, type Server as NetServer, type Socket, createServer as createNetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { type ConnectRouter, ConnectError, Code as ConnectCode } from '@connectrpc/connect';
import { PipelineExecutionService, StreamingPipelineService, file_remotemedia_v1_pipeline } from '@remotemedia/protocol';
import { healthV1, reflectionV1, reflectionV1alpha } from '@remotemedia/protocol/grpc';
import { Code, type ManifestSource, type PipelineTransport, RUNTIME_VERSION, RemoteMediaError, parseManifestText } from '@remotemedia/runtime-core';
import { pino } from 'pino';
import { checkBearer, createAuthGate, createAuthPolicy } from './auth.js';
import { grpcStatusTrailers } from '../errors.js';
import { CallRegistry } from './call-registry.js';
import { createConnectAdapter } from './connect/connect-adapter.js';
import { executionService } from './connect/execution-service.js';
import { HealthState, healthService } from './health-service.js';
import { createNativeGrpcHandler } from './native/native-grpc-handler.js';
import { ReflectionIndex, reflectionServiceV1, reflectionServiceV1alpha } from './reflection-service.js';
import { boundOtherCalls, requestLogging } from './request-logging.js';
import type { ServerContext } from './server-context.js';
import { GrpcServerMetrics } from './server-metrics.js';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type GrpcServerOptions, parseBindAddress } from './server-options.js';
import { streamingService } from './connect/streaming-service.js';

export interface ServerAddress {
  host: string;
  port: number;
  /** Base URL for clients, e.g. `http://127.0.0.1:50051` (a wildcard host becomes loopback). */
  url: string;
}

export interface GrpcServer {
  /** Starts listening; resolves with the bound address (port 0 becomes the real port). */
  listen(): Promise<ServerAddress>;
  /** Graceful shutdown: stop accepting, let calls finish within `graceMs` (default `shutdownGraceMs`), then close. Idempotent. */
  close(options?: { graceMs?: number }): Promise<void>;
  readonly address: ServerAddress | undefined;
  readonly metricsAddress: ServerAddress | undefined;
  /** Calls (unary and streaming) running now. */
  readonly activeCalls: number;
  /** The Prometheus text `/metrics` serves: the server's metrics plus the pipeline's per-node metrics. */
  metricsText(): Promise<string>;
}

const STREAM_PIPELINE_PATH = `/${StreamingPipelineService.typeName}/StreamPipeline`;

const SERVICE_NAMES = [
  PipelineExecutionService.typeName,
  StreamingPipelineService.typeName,
  healthV1.Health.typeName,
  reflectionV1.ServerReflection.typeName,
  reflectionV1alpha.ServerReflection.typeName,
];

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * gRPC, gRPC-Web and Connect on one port, plus health, reflection and /metrics. Cleartext: HTTP/2
 * (h2c, prior knowledge) and HTTP/1.1 on the same port, told apart by the HTTP/2 preface, so
 * browsers reach it over plain http:// (Connect and gRPC-Web over fetch). TLS when `tls` is set
 * (HTTP/2 or HTTP/1.1 by ALPN).
 */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const limits = { ...DEFAULT_LIMITS, ...options.limits, ...(options.maxSessions !== undefined ? { maxConcurrentSessions: options.maxSessions } : {}) };
  const timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
  const bind = parseBindAddress(options.bindAddress ?? '0.0.0.0:50051');
  const tokens = options.authTokens ?? [];
  const requireAuth = options.requireAuth ?? tokens.length > 0;
  if (requireAuth && tokens.length === 0) throw new Error('requireAuth is set but no authTokens are configured: no call could ever succeed');
  const logger = options.logger ?? pino({ level: 'info' });
  const metrics = new GrpcServerMetrics();
  const calls = new CallRegistry(limits.maxConcurrentSessions);
  const health = new HealthState(SERVICE_NAMES);
  const pipeline = options.pipelines ? withNamedPipelines(options.pipeline, options.pipelines) : options.pipeline;
  const withExtras = pipeline as { metricsText?: () => string; listNodes?: () => Array<{ type?: string; nodeType?: string }> };
  const ctx: ServerContext = {
    pipeline,
    limits,
    calls,
    metrics,
    logger,
    version: options.version ?? RUNTIME_VERSION,
    nodeTypes: () => (withExtras.listNodes?.() ?? []).map((n) => n.type ?? n.nodeType ?? '').filter(Boolean),
  };
  const reflection = new ReflectionIndex([file_remotemedia_v1_pipeline, healthV1.file_grpc_health_v1_health, reflectionV1.file_grpc_reflection_v1_reflection, reflectionV1alpha.file_grpc_reflection_v1alpha_reflection], SERVICE_NAMES);
  const shutdown = new AbortController();
  // connect adds one listener per running call to the shutdown signal; thousands of sessions are normal.
  setMaxListeners(0, shutdown.signal);
  const metricsText = async () => metrics.text(withExtras.metricsText?.());

  const auth = createAuthPolicy(tokens, requireAuth);
  const authGate = createAuthGate({ ...auth, protectedPrefix: 'remotemedia.' });
  const connectHandler = createConnectAdapter({
    logger,
    routes: (router: ConnectRouter) => {
      router.service(PipelineExecutionService, executionService(ctx));
      router.service(StreamingPipelineService, streamingService(ctx));
      router.service(healthV1.Health, healthService(health));
      router.service(reflectionV1.ServerReflection, reflectionServiceV1(reflection));
      router.service(reflectionV1alpha.ServerReflection, reflectionServiceV1alpha(reflection));
    },
    readMaxBytes: limits.maxMessageBytes,
    // Media payloads barely compress; gzip per message was the server's top CPU cost in
    // `pnpm bench grpc` (zlib > 60% of busy time). Compressed requests are still accepted.
    compressMinBytes: Number.MAX_SAFE_INTEGER,
    writeMaxBytes: limits.maxMessageBytes,
    requestGate: authGate,
    interceptors: [requestLogging(logger, metrics), boundOtherCalls(limits.maxConcurrentSessions)],
    shutdownSignal: shutdown.signal,
    // `GET /metrics` also works on the main port for HTTP/2 clients (curl --http2-prior-knowledge).
    fallback: (req, res) => {
      if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
        serveMetrics(req.headers.authorization, res);
        return;
      }
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType.startsWith('application/grpc')) {
        // gRPC clients expect a status, not an HTTP 404 (Connect clients map 404 to Unimplemented themselves).
        req.resume();
        res.writeHead(200, { 'content-type': contentType.startsWith('application/grpc-web') ? 'application/grpc-web+proto' : 'application/grpc', ...grpcStatusTrailers(new RemoteMediaError(Code.Unimplemented, `unknown method ${req.url ?? ''}`)) });
        res.end();
        return;
      }
      req.resume();
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: this port serves gRPC, gRPC-Web and Connect (and GET /metrics)\n');
    },
  });

  /** GET /metrics: needs a valid bearer token when the server requires auth, unless metricsPublic. */
  const metricsNeedToken = requireAuth && !options.metricsPublic;
  const serveMetrics = (authorization: string | undefined, res: { writeHead(status: number, headers: Record<string, string>): unknown; end(body: string): unknown }) => {
    if (metricsNeedToken) {
      try {
        checkBearer(auth, authorization);
      } catch (error) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' });
        res.end(`${(error as RemoteMediaError).rawMessage ?? 'unauthenticated'} (GET /metrics needs a token when the server requires auth; see metricsPublic)\n`);
        return;
      }
    }
    metricsText().then(
      (text) => {
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
        res.end(text);
      },
      (error: unknown) => {
        logger.error({ error: (error as Error)?.message }, 'metrics collection failed');
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end('metrics collection failed\n');
      },
    );
  };

  const native = createNativeGrpcHandler(ctx, auth);
  // Every request enters here: whatever its handling throws synchronously ends that request
  // (with a gRPC status when nothing was sent yet), never the process. The native path catches
  // its own asynchronous failures; connect catches its own.
  const cors = options.cors;
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    try {
      if (cors && applyCors(req, res, cors)) return;
      closeWhenAnswered(req, res, limits.initTimeoutMs);
      if (req.httpVersionMajor !== 2) http1RequestStarted(req.socket, res);
      if (native(req, res)) return;
      // StreamPipeline bounds its own wait for `init` (stream-pipeline-call.ts); every other call connect serves must have its request by initTimeoutMs.
      if (req.url !== STREAM_PIPELINE_PATH) answerIfRequestStalls(req, res, limits.initTimeoutMs);
      connectHandler(req, res);
    } catch (error) {
      logger.error({ error: (error as Error)?.message, path: String(req.url).slice(0, 200) }, 'request handler failed');
      try {
        if (!res.headersSent && !(res.stream as http2.ServerHttp2Stream | undefined)?.destroyed) {
          res.writeHead(200, { 'content-type': 'application/grpc', ...grpcStatusTrailers(new RemoteMediaError(Code.Internal, 'the server failed to handle the request')) });
          res.end();
        } else if (res.stream && !res.stream.destroyed) res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } catch {
        /* the stream is gone */
      }
    }
  };

  const settings = { maxConcurrentStreams: 100_000 };
  // Many concurrent streams per connection need more than the 10 MB default of session memory.
  const server = options.tls
    ? http2.createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: true, settings, maxSessionMemory: 256, handshakeTimeout: timeouts.headersTimeoutMs }, handler)
    : http2.createServer({ settings, maxSessionMemory: 256 }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  /** Cleartext connections whose first bytes have not said HTTP/1.1 or HTTP/2 yet. */
  const sniffing = new Set<Socket>();
  // Cleartext: one listener; each connection goes to the HTTP/2 server when it starts with the
  // HTTP/2 preface, else to an HTTP/1.1 server with the same handler (node's HTTP/1 header and
  // keep-alive timeouts apply there). A connection that sends neither within headersTimeoutMs is closed.
  const http1 = options.tls
    ? undefined
    : createHttpServer(
        { headersTimeout: timeouts.headersTimeoutMs, keepAliveTimeout: Math.min(timeouts.idleTimeoutMs, 65_000), connectionsCheckingInterval: Math.max(100, Math.min(1000, timeouts.headersTimeoutMs / 2)) },
        handler as unknown as (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => void,
      );
  const front: NetServer | undefined = options.tls
    ? undefined
    : createNetServer((socket) => {
        if (refusingConnections) return void socket.destroy();
        let got: Buffer = Buffer.alloc(0);
        const timer = setTimeout(() => socket.destroy(), timeouts.headersTimeoutMs);
        timer.unref();
        sniffing.add(socket);
        socket.once('close', () => sniffing.delete(socket));
        const onError = () => socket.destroy();
        const onData = (chunk: Buffer) => {
          got = got.length ? Buffer.concat([got, chunk]) : chunk;
          const n = Math.min(got.length, HTTP2_PREFACE.length);
          const h2 = got.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
          if (h2 && got.length < HTTP2_PREFACE.length) return; // a prefix of the preface so far
          clearTimeout(timer);
          sniffing.delete(socket);
          socket.off('data', onData);
          socket.off('error', onError);
          socket.pause();
          socket.unshift(got);
          if (h2) server.emit('connection', socket);
          else {
            // node's HTTP/1 parser reads the socket's handle directly; what was read here is
            // replayed from the stream buffer once the socket flows again.
            // A server that does not listen itself runs none of node's HTTP/1 header timers: the same deadline as HTTP/1.1 over TLS.
            http1Connection(socket, timeouts.headersTimeoutMs);
            http1!.emit('connection', socket);
            socket.resume();
          }
        };
        socket.on('data', onData);
        socket.on('error', onError);
      });
  // HTTP/1.1 over TLS (allowHTTP1) gets none of node's HTTP/1 header timeouts on an HTTP/2 server: bound it here.
  if (options.tls) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') http1Connection(socket, timeouts.headersTimeoutMs);
    });
  }
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    watchIdle(s, timeouts);
  });
  server.on('sessionError', (error) => logger.warn({ error: error.message }, 'http2 session error'));
  // A connection that fails before it is usable (e.g. the TLS handshake timed out) is dropped; with
  // this listener node leaves that to us.
  server.on('clientError', (error: Error, socket: { destroy(): void }) => {
    logger.debug({ error: error.message }, 'connection failed before a session started');
    socket.destroy();
  });

  let metricsServer: HttpServer | undefined;
  let address: ServerAddress | undefined;
  let metricsAddress: ServerAddress | undefined;
  let closing: Promise<void> | undefined;
  /** Set once a closing server stops accepting (after its drain delay): new connections are dropped. */
  let refusingConnections = false;
  let closedSessions: (() => void) | undefined;
  const toAddress = (info: AddressInfo, scheme: string): ServerAddress => {
    const host = info.address === '0.0.0.0' || info.address === '::' ? '127.0.0.1' : info.address;
    return { host: info.address, port: info.port, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${info.port}` };
  };
  const listenOn = (s: HttpServer | http2.Http2Server | NetServer, host: string, port: number) =>
    new Promise<AddressInfo>((resolve, reject) => {
      s.once('error', reject);
      s.listen(port, host, () => {
        s.off('error', reject);
        resolve(s.address() as AddressInfo);
      });
    });

  return {
    get address() {
      return address;
    },
    get metricsAddress() {
      return metricsAddress;
    },
    get activeCalls() {
      return calls.size;
    },
    metricsText,
    async listen() {
      address = toAddress(await listenOn(front ?? server, bind.host, bind.port), options.tls ? 'https' : 'http');
      if (options.metricsPort !== undefined) {
        metricsServer = createHttpServer((req, res) => {
          if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
            serveMetrics(req.headers.authorization, res);
          } else {
            res.writeHead(404).end('not found; try GET /metrics\n');
          }
        });
        // Slow or idle HTTP/1.1 clients do not keep sockets either.
        metricsServer.headersTimeout = timeouts.headersTimeoutMs;
        metricsServer.requestTimeout = Math.max(timeouts.headersTimeoutMs, 30_000);
        metricsAddress = toAddress(await listenOn(metricsServer, options.metricsHost ?? bind.host, options.metricsPort), 'http');
      }
      logger.info({ address: address.url, metrics: metricsAddress?.url, auth: requireAuth, metricsPublic: !metricsNeedToken, limits, timeouts }, 'grpc server listening');
      return address;
    },
    close(closeOptions) {
      closing ??= (async () => {
        logger.info({ activeCalls: calls.size }, 'grpc server shutting down');
        health.setServing(false);
        const graceMs = closeOptions?.graceMs ?? options.shutdownGraceMs ?? 10_000;
        // NOT_SERVING first, still accepting: balancers' health checks move new sessions away before the listener closes.
        const delayMs = Math.max(0, Math.min(options.shutdownDrainDelayMs ?? 0, graceMs));
        if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
        refusingConnections = true;
        // Resolves once every connection has closed, i.e. after the last bytes were flushed.
        const stopped = front
          ? Promise.all([
              new Promise<void>((resolve) => (front.listening ? front.close(() => resolve()) : resolve())),
              // Connections handed to the HTTP/2 server: each session's close.
              new Promise<void>((resolve) => {
                const check = () => (sessions.size === 0 ? resolve() : setTimeout(check, 20).unref());
                closedSessions = check;
              }),
            ]).then(() => undefined)
          : new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
        await calls.drain(graceMs - delayMs, options.shutdownFlushMs ?? 5_000);
        shutdown.abort(new ConnectError('server is shutting down', ConnectCode.Unavailable));
        for (const s of sessions) s.close();
        for (const socket of sniffing) socket.destroy();
        if (http1) {
          http1.closeIdleConnections();
          // HTTP/1.1 answers in flight finish; idle keep-alive sockets go now.
          setTimeout(() => http1.closeAllConnections(), 2000).unref();
        }
        closedSessions?.();
        const forced = setTimeout(() => sessions.forEach((s) => s.destroy()), 2000);
        await stopped;
        clearTimeout(forced);
        if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
        logger.info('grpc server closed');
      })();
      return closing;
    },
  };
}

/**
 * Closes a connection that has no call in progress for too long: `headersTimeoutMs` before its
 * first request completes (slowloris: a preface or headers sent a byte at a time, or nothing),
 * `idleTimeoutMs` between requests. A timer, not an inactivity timeout: trickled bytes and pings
 * do not extend it. A connection with an open stream is never closed by it.
 */
function watchIdle(session: http2.ServerHttp2Session, timeouts: { headersTimeoutMs: number; idleTimeoutMs: number }): void {
  let open = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (open > 0 || session.destroyed) return;
      // GOAWAY, then the socket goes once in-flight frames are out; destroy if the peer lingers.
      session.close();
      setTimeout(() => session.destroyed || session.destroy(), 1000).unref();
    }, ms);
    timer.unref();
  };
  arm(timeouts.headersTimeoutMs);
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.destroyed && !session.closed) arm(timeouts.idleTimeoutMs);
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/**
 * Once a call's status is out (its trailers sent), a request the client has not half-closed is
 * not needed any more. Its client gets `graceMs` to finish sending (data already in flight, a
 * request body behind an early error); then the stream is reset with NO_ERROR, as gRPC servers
 * do, so finished calls cannot pile up half-open on a connection. Not at once: DATA that arrives
 * on a stream already reset counts as an invalid frame, and node ends a connection after 1000 of
 * them (ENHANCE_YOUR_CALM), taking the client's other calls with it. Registered after the compat
 * layer's own 'wantTrailers' listener, which sends the trailers.
 */
function closeWhenAnswered(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, graceMs: number): void {
  const stream = res.stream as http2.ServerHttp2Stream | undefined; // undefined for HTTP/1.1 (allowHTTP1 with TLS)
  stream?.once('wantTrailers', () => {
    if (req.complete) return;
    req.resume(); // what still comes is read and dropped, so flow control does not stall the connection
    const timer = setTimeout(() => {
      if (!req.complete && !stream.destroyed && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }, graceMs);
    timer.unref();
    stream.once('close', () => clearTimeout(timer));
  });
}

/**
 * A call served by connect whose request has not fully arrived within `ms`, and which has had no
 * answer yet, ends with DEADLINE_EXCEEDED in its own protocol's shape (connect itself waits for a
 * unary or server-streaming request body forever). The stream is then reset (closeWhenAnswered).
 */
function answerIfRequestStalls(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, ms: number): void {
  if (req.complete) return;
  const http1 = req.httpVersionMajor !== 2; // HTTP/1.1 (gRPC-Web, Connect) with TLS and allowHTTP1
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent || res.writableEnded || (res.stream as http2.ServerHttp2Stream | undefined)?.destroyed) return;
    // HTTP/1.1 cannot reset one request: the connection goes once the answer is out.
    if (http1) res.once('finish', () => req.socket.destroy());
    const error = new RemoteMediaError(Code.DeadlineExceeded, `the request did not arrive within initTimeoutMs=${ms}`, { reason: 'LimitExceeded' });
    const contentType = String(req.headers['content-type'] ?? '');
    req.resume();
    if (contentType.startsWith('application/grpc')) {
      // Trailers-only: the status in the headers (gRPC-Web reads it there too).
      res.writeHead(200, { 'content-type': contentType.startsWith('application/grpc-web') ? 'application/grpc-web+proto' : 'application/grpc', ...grpcStatusTrailers(error) });
      res.end();
    } else if (contentType.startsWith('application/connect+')) {
      // Connect streaming: an end-stream message (flag 2) carrying the error.
      const end = Buffer.from(JSON.stringify({ error: { code: 'deadline_exceeded', message: error.rawMessage } }));
      const frame = Buffer.alloc(5 + end.length);
      frame[0] = 2;
      frame.writeUInt32BE(end.length, 1);
      end.copy(frame, 5);
      res.writeHead(200, { 'content-type': contentType });
      res.end(frame);
    } else {
      res.writeHead(504, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ code: 'deadline_exceeded', message: error.rawMessage }));
    }
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}

/** HTTP/1.1 connections (TLS with allowHTTP1): stop and re-arm their wait for a request's headers. */
const http1Deadlines = new WeakMap<Socket, { stop(): void; arm(): void }>();

/** An HTTP/1.1 connection must send a request's complete headers within `ms` of opening and of each answer (keep-alive). */
function http1Connection(socket: Socket, ms: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const arm = () => {
    stop();
    if (socket.destroyed) return;
    timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
  };
  http1Deadlines.set(socket, { stop, arm });
  socket.once('close', stop);
  arm();
}

/** A request's headers arrived on an HTTP/1.1 connection: no header deadline until its answer is out. */
function http1RequestStarted(socket: Socket, res: { once(event: 'finish', listener: () => void): unknown }): void {
  const deadline = http1Deadlines.get(socket);
  if (!deadline) return;
  deadline.stop();
  res.once('finish', deadline.arm);
}

const NAMED_REF = /^\s*\{?\s*["']?pipeline["']?\s*:/;

/** The runner, with manifests `{"pipeline":"<name>"}` replaced by the named manifest (NOT_FOUND naming an unknown one). */
function withNamedPipelines(pipeline: PipelineTransport, source: NonNullable<GrpcServerOptions['pipelines']>): PipelineTransport {
  const lookup = (name: string): ManifestSource | undefined => {
    const s = source as { get?: unknown; names?: unknown };
    if (typeof s.get === 'function' && typeof s.names === 'function') return (source as { get(n: string): ManifestSource | undefined }).get(name);
    return Object.hasOwn(source, name) ? (source as Record<string, ManifestSource>)[name] : undefined;
  };
  const resolve = (manifest: ManifestSource): ManifestSource => {
    if (typeof manifest !== 'string' || manifest.length > 512 || !NAMED_REF.test(manifest)) return manifest;
    let parsed: unknown;
    try {
      parsed = parseManifestText(manifest);
    } catch {
      return manifest;
    }
    const name = (parsed as { pipeline?: unknown } | null)?.pipeline;
    if (typeof name !== 'string' || Object.keys(parsed as object).length !== 1) return manifest;
    const found = lookup(name);
    if (found === undefined) throw new RemoteMediaError(Code.NotFound, `no pipeline named ${JSON.stringify(name.slice(0, 200))} on this server`, { reason: 'PipelineNotFound' });
    return found;
  };
  // The extras the server reads (listNodes, metricsText), bound to the runner (they use its private state).
  const extras = pipeline as { listNodes?: () => unknown; metricsText?: () => string };
  return Object.assign(
    {},
    extras.listNodes ? { listNodes: extras.listNodes.bind(pipeline) } : {},
    extras.metricsText ? { metricsText: extras.metricsText.bind(pipeline) } : {},
    {
      execute: (manifest: ManifestSource, inputs: Parameters<PipelineTransport['execute']>[1], callOptions?: Parameters<PipelineTransport['execute']>[2]) => {
        try {
          return pipeline.execute(resolve(manifest), inputs, callOptions);
        } catch (error) {
          return Promise.reject(error);
        }
      },
      stream: (manifest: ManifestSource, callOptions?: Parameters<PipelineTransport['stream']>[1]) => {
        try {
          return pipeline.stream(resolve(manifest), callOptions);
        } catch (error) {
          return Promise.reject(error);
        }
      },
    },
  ) as PipelineTransport;
}

/**
 * CORS headers for an allowed `origin`; answers a preflight (OPTIONS) itself. True when the
 * request is answered.
 */
function applyCors(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, cors: NonNullable<GrpcServerOptions['cors']>): boolean {
  const origin = req.headers.origin;
  const allowed = typeof origin === 'string' && (cors.origins === '*' || cors.origins.includes(origin));
  if (allowed) {
    res.setHeader('access-control-allow-origin', cors.origins === '*' ? '*' : origin);
    if (cors.origins !== '*') res.setHeader('vary', 'origin');
    res.setHeader('access-control-expose-headers', 'grpc-status, grpc-message, grpc-status-details-bin, connect-content-encoding, x-request-id');
  }
  if (req.method !== 'OPTIONS') return false;
  req.resume();
  if (allowed) {
    res.setHeader('access-control-allow-methods', 'POST, GET, OPTIONS');
    res.setHeader('access-control-allow-headers', 'authorization, content-type, connect-protocol-version, connect-timeout-ms, connect-content-encoding, connect-accept-encoding, grpc-timeout, x-grpc-web, x-user-agent, x-request-id');
    res.setHeader('access-control-max-age', String(cors.maxAgeSeconds ?? 600));
  }
  res.writeHead(allowed ? 204 : 403);
  res.end();
  return true;
}
