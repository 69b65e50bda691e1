import { setMaxListeners } from 'node:events';
import type { Server as HttpServer } from 'node:http';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { type ConnectRouter, ConnectError, Code as ConnectCode } from '@connectrpc/connect';
import { PipelineExecutionService, StreamingPipelineService, file_remotemedia_v1_pipeline } from '@remotemedia/protocol';
import { healthV1, reflectionV1, reflectionV1alpha } from '@remotemedia/protocol/grpc';
import { Code, RUNTIME_VERSION, RemoteMediaError } from '@remotemedia/runtime-core';
import { pino } from 'pino';
import { grpcStatusTrailers } from '../errors.js';
import { createAuthGate, createAuthPolicy } from './auth.js';
import { CallRegistry } from './call-registry.js';
import { createConnectAdapter } from './connect/connect-adapter.js';
import { executionService } from './connect/execution-service.js';
import { streamingService } from './connect/streaming-service.js';
import { applyCors } from './cors.js';
import { createFrontServer, http1RequestStarted, listenOn } from './front-server.js';
import { HealthState, healthService } from './health-service.js';
import { createMetricsRoute, createMetricsServer, isMetricsRequest } from './metrics-route.js';
import { withNamedPipelines } from './named-pipelines.js';
import { createNativeGrpcHandler } from './native/native-grpc-handler.js';
import { ReflectionIndex, reflectionServiceV1, reflectionServiceV1alpha } from './reflection-service.js';
import { answerIfRequestStalls, closeWhenAnswered, grpcContentType } from './request-deadlines.js';
import { boundOtherCalls, requestLogging } from './request-logging.js';
import type { ServerContext } from './server-context.js';
import { GrpcServerMetrics } from './server-metrics.js';
import { DEFAULT_LIMITS, DEFAULT_TIMEOUTS, type GrpcServerOptions, parseBindAddress } from './server-options.js';

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

/**
 * gRPC, gRPC-Web and Connect on one port, plus health, reflection and /metrics. Cleartext: HTTP/2
 * (h2c, prior knowledge) and HTTP/1.1 on the same port (see front-server.ts), so browsers reach
 * it over plain http://. TLS when `tls` is set (HTTP/2 or HTTP/1.1 by ALPN). Plain gRPC calls to
 * the pipeline methods take the hand-written HTTP/2 path (native/), everything else connect (connect/).
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
  const ctx: ServerContext = {
    pipeline,
    limits,
    calls,
    metrics,
    logger,
    version: options.version ?? RUNTIME_VERSION,
    nodeTypes: async () => (pipeline.listNodes ? (await pipeline.listNodes()).map((n) => n.type) : []),
  };
  const reflection = new ReflectionIndex(
    [
      file_remotemedia_v1_pipeline,
      healthV1.file_grpc_health_v1_health,
      reflectionV1.file_grpc_reflection_v1_reflection,
      reflectionV1alpha.file_grpc_reflection_v1alpha_reflection,
    ],
    SERVICE_NAMES,
  );
  const shutdown = new AbortController();
  // connect adds one listener per running call to the shutdown signal; thousands of sessions are normal.
  setMaxListeners(0, shutdown.signal);
  const metricsText = async () => metrics.text(await pipeline.metricsText?.());

  const auth = createAuthPolicy(tokens, requireAuth);
  const serveMetrics = createMetricsRoute({ metricsText, auth, open: options.metricsPublic ?? false, logger });
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
    requestGate: createAuthGate({ ...auth, protectedPrefix: 'remotemedia.' }),
    interceptors: [requestLogging(logger, metrics), boundOtherCalls(limits.maxConcurrentSessions)],
    shutdownSignal: shutdown.signal,
    fallback: (req, res) => {
      // `GET /metrics` also works on the main port for HTTP/2 clients (curl --http2-prior-knowledge).
      if (isMetricsRequest(req)) return serveMetrics(req.headers.authorization, res);
      req.resume();
      const contentType = String(req.headers['content-type'] ?? '');
      if (contentType.startsWith('application/grpc')) {
        // gRPC clients expect a status, not an HTTP 404 (Connect clients map 404 to Unimplemented themselves).
        res.writeHead(200, {
          'content-type': grpcContentType(contentType),
          ...grpcStatusTrailers(new RemoteMediaError(Code.Unimplemented, `unknown method ${req.url ?? ''}`)),
        });
        res.end();
        return;
      }
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('not found: this port serves gRPC, gRPC-Web and Connect (and GET /metrics)\n');
    },
  });

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
          res.writeHead(200, {
            'content-type': 'application/grpc',
            ...grpcStatusTrailers(new RemoteMediaError(Code.Internal, 'the server failed to handle the request')),
          });
          res.end();
        } else if (res.stream && !res.stream.destroyed) res.stream.close(http2.constants.NGHTTP2_INTERNAL_ERROR);
      } catch {
        /* the stream is gone */
      }
    }
  };
  const front = createFrontServer({ tls: options.tls, timeouts, logger, handler });

  let metricsServer: HttpServer | undefined;
  let address: ServerAddress | undefined;
  let metricsAddress: ServerAddress | undefined;
  let closing: Promise<void> | undefined;

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
      address = toAddress(await front.listen(bind.host, bind.port), options.tls ? 'https' : 'http');
      if (options.metricsPort !== undefined) {
        metricsServer = createMetricsServer(serveMetrics, timeouts.headersTimeoutMs);
        metricsAddress = toAddress(await listenOn(metricsServer, options.metricsHost ?? bind.host, options.metricsPort), 'http');
      }
      logger.info(
        {
          address: address.url,
          metrics: metricsAddress?.url,
          auth: requireAuth,
          metricsPublic: !requireAuth || (options.metricsPublic ?? false),
          limits,
          timeouts,
        },
        'grpc server listening',
      );
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
        const stopped = front.stopAccepting();
        await calls.drain(graceMs - delayMs, options.shutdownFlushMs ?? 5_000);
        shutdown.abort(new ConnectError('server is shutting down', ConnectCode.Unavailable));
        front.closeConnections();
        await stopped;
        if (metricsServer) await new Promise<void>((resolve) => metricsServer!.close(() => resolve()));
        logger.info('grpc server closed');
      })();
      return closing;
    },
  };
}

function toAddress(info: AddressInfo, scheme: string): ServerAddress {
  const host = info.address === '0.0.0.0' || info.address === '::' ? '127.0.0.1' : info.address;
  return { host: info.address, port: info.port, url: `${scheme}://${host.includes(':') ? `[${host}]` : host}:${info.port}` };
}
