import { setMaxListeners } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { type ConnectRouter, ConnectError, Code as ConnectCode } from '@connectrpc/connect';
import { connectNodeAdapter } from '@connectrpc/connect-node';
import { PipelineExecutionService, StreamingPipelineService, file_remotemedia_v1_pipeline } from '@remotemedia/protocol';
import { healthV1, reflectionV1, reflectionV1alpha } from '@remotemedia/protocol/grpc';
import { RUNTIME_VERSION } from '@remotemedia/runtime-core';
import { pino } from 'pino';
import { createAuthGate, createAuthPolicy } from './auth.js';
import { CallRegistry } from './call-registry.js';
import { executionService } from './execution-service.js';
import { HealthState, healthService } from './health-service.js';
import { createNativeGrpcHandler } from './native-grpc-handler.js';
import { ReflectionIndex, reflectionServiceV1, reflectionServiceV1alpha } from './reflection-service.js';
import { requestLogging } from './request-logging.js';
import type { ServerContext } from './server-context.js';
import { GrpcServerMetrics } from './server-metrics.js';
import { DEFAULT_LIMITS, type GrpcServerOptions, parseBindAddress } from './server-options.js';
import { streamingService } from './streaming-service.js';

export interface ServerAddress {
  host: string;
  port: number;
  /** Base URL for clients, e.g. `http://127.0.0.1:50051` (a wildcard host becomes loopback). */
  url: string;
}

export interface GrpcServer {
  /** Starts listening; resolves with the bound address (port 0 becomes the real port). */
  listen(): Promise<ServerAddress>;
  /** Graceful shutdown: stop accepting, let calls finish within the grace bound, then close. Idempotent. */
  close(): Promise<void>;
  readonly address: ServerAddress | undefined;
  readonly metricsAddress: ServerAddress | undefined;
  /** Calls (unary and streaming) running now. */
  readonly activeCalls: number;
  /** The Prometheus text `/metrics` serves: the server's metrics plus the pipeline's per-node metrics. */
  metricsText(): Promise<string>;
}

const SERVICE_NAMES = [
  PipelineExecutionService.typeName,
  StreamingPipelineService.typeName,
  healthV1.Health.typeName,
  reflectionV1.ServerReflection.typeName,
  reflectionV1alpha.ServerReflection.typeName,
];

/** gRPC, gRPC-Web and Connect on one HTTP/2 port (TLS when `tls` is set), plus health, reflection and /metrics. */
export function createGrpcServer(options: GrpcServerOptions): GrpcServer {
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const bind = parseBindAddress(options.bindAddress ?? '0.0.0.0:50051');
  const tokens = options.authTokens ?? [];
  const requireAuth = options.requireAuth ?? tokens.length > 0;
  if (requireAuth && tokens.length === 0) throw new Error('requireAuth is set but no authTokens are configured: no call could ever succeed');
  const logger = options.logger ?? pino({ level: 'info' });
  const metrics = new GrpcServerMetrics();
  const calls = new CallRegistry(limits.maxConcurrentSessions);
  const health = new HealthState(SERVICE_NAMES);
  const pipeline = options.pipeline;
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
  const connectHandler = connectNodeAdapter({
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
    requestGate: createAuthGate({ ...auth, protectedPrefix: 'remotemedia.' }),
    interceptors: [requestLogging(logger, metrics)],
    shutdownSignal: shutdown.signal,
    // `GET /metrics` also works on the main port for HTTP/2 clients (curl --http2-prior-knowledge).
    fallback: (req, res) => {
      if (req.method === 'GET' && req.url === '/metrics') {
        void metricsText().then((text) => {
          res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
          res.end(text);
        });
        return;
      }
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType.startsWith('application/grpc')) {
        // gRPC clients expect a status, not an HTTP 404 (Connect clients map 404 to Unimplemented themselves).
        res.writeHead(200, { 'content-type': contentType, 'grpc-status': '12', 'grpc-message': encodeURIComponent(`unknown method ${req.url ?? ''}`) });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: this port serves gRPC, gRPC-Web and Connect (and GET /metrics)\n');
    },
  });

  const native = createNativeGrpcHandler(ctx, auth);
  const handler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => {
    if (!native(req, res)) connectHandler(req, res);
  };

  const settings = { maxConcurrentStreams: 100_000 };
  // Many concurrent streams per connection need more than the 10 MB default of session memory.
  const server = options.tls
    ? http2.createSecureServer({ cert: options.tls.cert, key: options.tls.key, allowHTTP1: true, settings, maxSessionMemory: 256 }, handler)
    : http2.createServer({ settings, maxSessionMemory: 256 }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
  });
  server.on('sessionError', (error) => logger.warn({ error: error.message }, 'http2 session error'));

  let metricsServer: HttpServer | undefined;
  let address: ServerAddress | undefined;
  let metricsAddress: ServerAddress | undefined;
  let closing: Promise<void> | undefined;
  const toAddress = (info: AddressInfo, scheme: string): ServerAddress => {
    const host = info.address === '0.0.0.0' || info.address === '::' ? '127.0.0.1' : info.address;
    return { host: info.address, port: info.port, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${info.port}` };
  };
  const listenOn = (s: HttpServer | http2.Http2Server, host: string, port: number) =>
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
      address = toAddress(await listenOn(server, bind.host, bind.port), options.tls ? 'https' : 'http');
      if (options.metricsPort !== undefined) {
        metricsServer = createHttpServer((req, res) => {
          if (req.method === 'GET' && req.url?.split('?')[0] === '/metrics') {
            void metricsText().then((text) => {
              res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
              res.end(text);
            });
          } else {
            res.writeHead(404).end('not found; try GET /metrics\n');
          }
        });
        metricsAddress = toAddress(await listenOn(metricsServer, options.metricsHost ?? bind.host, options.metricsPort), 'http');
      }
      logger.info({ address: address.url, metrics: metricsAddress?.url, auth: requireAuth, limits }, 'grpc server listening');
      return address;
    },
    close() {
      closing ??= (async () => {
        logger.info({ activeCalls: calls.size }, 'grpc server shutting down');
        health.setServing(false);
        // Resolves once every connection has closed, i.e. after the last bytes were flushed.
        const stopped = new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
        await calls.drain(options.shutdownGraceMs ?? 10_000, options.shutdownFlushMs ?? 5_000);
        shutdown.abort(new ConnectError('server is shutting down', ConnectCode.Unavailable));
        for (const s of sessions) s.close();
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
