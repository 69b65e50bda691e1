import { type Client, type Interceptor, type Transport, createClient } from '@connectrpc/connect';
import { Http2SessionManager, createConnectTransport, createGrpcTransport, createGrpcWebTransport } from '@connectrpc/connect-node';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ExecutePipelineRequestSchema,
  ExecutePipelineResponseSchema,
  PipelineExecutionService,
  StreamingPipelineService,
  fromDataChunk,
  manifestToWire,
  toDataChunk,
} from '@remotemedia/protocol';
import { healthV1 } from '@remotemedia/protocol/grpc';
import {
  type CallOptions,
  type HealthStatus,
  type ManifestSource,
  type PipelineClient,
  type TransportClientOptions,
  type RuntimeData,
  RemoteMediaError,
  type StreamSession,
  type TransportData,
  Code,
} from '@remotemedia/runtime-core';
import { fromConnectError } from '../errors.js';
import { GrpcStreamSession } from './grpc-stream-session.js';
import { NativeGrpcUnary } from './native-grpc-unary.js';

const EXECUTE_PATH = `/${PipelineExecutionService.typeName}/ExecutePipeline`;

export type GrpcProtocol = 'grpc' | 'grpc-web' | 'connect';

export interface GrpcPipelineClientOptions {
  /** Server URL, e.g. `http://127.0.0.1:50051` (`https://` for TLS). */
  baseUrl: string;
  /** Bearer token sent as `authorization` metadata. Default: none. */
  token?: string;
  /** Wire protocol; all three are served on the same port. Default `grpc`. */
  protocol?: GrpcProtocol;
  /** Deadline applied to calls that do not pass their own `timeoutMs`, in ms. Default: none. */
  timeoutMs?: number;
  /** Largest message sent or accepted, in bytes. Default 16 MiB (the server's default). */
  maxMessageBytes?: number;
  /** PEM CA certificate(s) to trust for an `https://` baseUrl (e.g. a self-signed server). Default: the system CAs. */
  ca?: string | Buffer;
  /** How often streaming sessions receive server metrics, in ms (0 = only at the end). Default 0. */
  metricsIntervalMs?: number;
}

export interface GrpcPipelineClient extends PipelineClient {
  readonly protocol: GrpcProtocol;
  /** Server's runtime and protocol versions and node types. */
  version(options?: CallOptions): Promise<{ runtimeVersion: string; protocolVersion: string; nodeTypes: string[] }>;
}

/** runtime-core's PipelineClient over gRPC, gRPC-Web or Connect (HTTP/2, one connection). */
export function createGrpcPipelineClient(options: GrpcPipelineClientOptions): GrpcPipelineClient {
  const protocol = options.protocol ?? 'grpc';
  const sessionManager = new Http2SessionManager(options.baseUrl, undefined, options.ca === undefined ? undefined : { ca: options.ca });
  const auth: Interceptor = (next) => (req) => {
    if (options.token !== undefined) req.header.set('authorization', `Bearer ${options.token}`);
    return next(req);
  };
  const common = {
    baseUrl: options.baseUrl,
    httpVersion: '2' as const,
    sessionManager,
    interceptors: [auth],
    // No gzip: media is incompressible and per-message zlib dominated CPU in `pnpm bench grpc`.
    acceptCompression: [],
    sendCompression: undefined,
    readMaxBytes: options.maxMessageBytes ?? 16 * 1024 * 1024,
    writeMaxBytes: options.maxMessageBytes ?? 16 * 1024 * 1024,
  };
  const transport: Transport =
    protocol === 'grpc'
      ? createGrpcTransport(common)
      : protocol === 'grpc-web'
        ? createGrpcWebTransport({ ...common, useBinaryFormat: true })
        : createConnectTransport({ ...common, useBinaryFormat: true });
  const execution: Client<typeof PipelineExecutionService> = createClient(PipelineExecutionService, transport);
  const streaming: Client<typeof StreamingPipelineService> = createClient(StreamingPipelineService, transport);
  const health: Client<typeof healthV1.Health> = createClient(healthV1.Health, transport);
  // Plain gRPC unary calls skip connect's client (see native-grpc-unary.ts); the rest uses connect.
  const native =
    protocol === 'grpc'
      ? new NativeGrpcUnary({ baseUrl: options.baseUrl, token: options.token, ca: options.ca, maxMessageBytes: options.maxMessageBytes ?? 16 * 1024 * 1024 })
      : undefined;
  const sessions = new Set<StreamSession>();
  let closed = false;
  const call = (o: CallOptions = {}) => ({ signal: o.signal, timeoutMs: o.timeoutMs ?? options.timeoutMs });
  const guard = () => {
    if (closed) throw new RemoteMediaError(Code.FailedPrecondition, 'client is closed');
  };

  return {
    protocol,
    async execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], o?: CallOptions): Promise<TransportData[]> {
      guard();
      const request = { manifest: manifestToWire(manifest), inputs: inputs.map((i) => toDataChunk(i)) };
      if (native) {
        const bytes = await native.call(
          EXECUTE_PATH,
          toBinary(ExecutePipelineRequestSchema, create(ExecutePipelineRequestSchema, request)),
          o?.signal,
          o?.timeoutMs ?? options.timeoutMs,
        );
        let res;
        try {
          res = fromBinary(ExecutePipelineResponseSchema, bytes);
        } catch (error) {
          throw new RemoteMediaError(Code.Internal, `malformed ExecutePipelineResponse from the server: ${(error as Error).message}`, { cause: error });
        }
        return res.outputs.map((chunk, i) => fromDataChunk(chunk, `outputs[${i}]`));
      }
      try {
        const res = await execution.executePipeline(request, call(o));
        return res.outputs.map((chunk, i) => fromDataChunk(chunk, `outputs[${i}]`));
      } catch (error) {
        throw fromConnectError(error, o?.signal);
      }
    },
    async stream(manifest: ManifestSource, o?: CallOptions): Promise<StreamSession> {
      guard();
      const session = await GrpcStreamSession.open(streaming, manifestToWire(manifest), { ...call(o), metricsIntervalMs: options.metricsIntervalMs });
      sessions.add(session);
      void session.settled.then(() => sessions.delete(session));
      return session;
    },
    async health(o?: CallOptions): Promise<HealthStatus> {
      guard();
      try {
        // GetVersion is authenticated, so a bad token shows here like on every other call.
        const [check, version] = await Promise.all([health.check({ service: '' }, call(o)), execution.getVersion({}, call(o))]);
        const serving = check.status === healthV1.HealthCheckResponse_ServingStatus.SERVING;
        return {
          status: serving ? 'serving' : 'not_serving',
          version: version.runtimeVersion,
          details: { protocolVersion: version.protocolVersion, protocol },
        };
      } catch (error) {
        throw fromConnectError(error, o?.signal);
      }
    },
    async version(o?: CallOptions) {
      try {
        const v = await execution.getVersion({}, call(o));
        return { runtimeVersion: v.runtimeVersion, protocolVersion: v.protocolVersion, nodeTypes: [...v.nodeTypes] };
      } catch (error) {
        throw fromConnectError(error, o?.signal);
      }
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await Promise.allSettled([...sessions].map((s) => s.close('client closed')));
      sessionManager.abort();
      native?.close();
    },
  };
}

/** The generic factory `@remotemedia/remote-client` loads by dynamic import. */
export function createTransportClient(options: TransportClientOptions): PipelineClient {
  return createGrpcPipelineClient({ baseUrl: options.endpoint, token: options.authToken, timeoutMs: options.timeoutMs });
}
