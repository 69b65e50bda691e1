import type { RuntimeData } from '../data/runtime-data.js';
import type { TransportData } from '../data/transport-data.js';
import type { ManifestInput } from '../manifest/manifest-schema.js';
import type { SessionMetricsSnapshot } from '../metrics/pipeline-metrics.js';
import type { NodeInfo } from '../nodes/node-registry.js';

export type DeepReadonly<T> = T extends (infer E)[] ? readonly DeepReadonly<E>[] : T extends object ? { readonly [K in keyof T]: DeepReadonly<T[K]> } : T;

/** A manifest as object (parsed or not, `as const` welcome) or JSON/YAML text. */
export type ManifestSource = ManifestInput | DeepReadonly<ManifestInput> | string;

export interface CallOptions {
  /** Cancels the call; the error is Canceled (or DeadlineExceeded for `AbortSignal.timeout`). */
  signal?: AbortSignal;
  /** Deadline for the whole call, in ms. Default: none. */
  timeoutMs?: number;
}

export interface SendOptions {
  /** Deliver to this node instead of the pipeline's sources. */
  nodeId?: string;
}

/**
 * A live streaming session: send inputs, read outputs as they are produced.
 * Outputs are read either with `for await (const out of session.outputs)` or with `recv()`; use one.
 */
export interface StreamSession {
  readonly sessionId: string;
  /** True until the outputs have ended or the session failed or was closed. */
  readonly isActive: boolean;
  /**
   * Sends one input. Resolves when the pipeline has accepted it, so awaiting it applies
   * backpressure. Control data (`interrupt`, `end_of_stream`, ...) is handled by the executor.
   */
  send(input: TransportData | RuntimeData, options?: SendOptions): Promise<void>;
  /** Every output, in order, until the pipeline has flushed after `end()`. Errors are thrown from here. */
  readonly outputs: AsyncIterable<TransportData>;
  /** Next output, or undefined when the outputs have ended. */
  recv(): Promise<TransportData | undefined>;
  /** No more input: nodes flush, outputs end once everything is drained. Resolves when the outputs end. */
  end(): Promise<void>;
  /** Stops now: in-flight work is cancelled, queued items are discarded, every node is closed. */
  close(reason?: string): Promise<void>;
  /** Per-node and per-session metrics, as of now. */
  metrics(): SessionMetricsSnapshot;
}

/**
 * The one contract, in one vocabulary: what a transport serves and what its client offers.
 * PipelineRunner implements it; every transport's server takes any PipelineTransport (so
 * interceptors such as auth or logging wrap it freely), and every transport's client is one too,
 * so a client can be served directly: a proxy is `createGrpcServer({ pipeline: createHttpPipelineClient(...) })`.
 */
export interface PipelineTransport {
  /** Runs the pipeline on the inputs and returns ALL outputs of every sink, in order. */
  execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], options?: CallOptions): Promise<TransportData[]>;
  /** Opens a streaming session; resolves once every node is initialised. */
  stream(manifest: ManifestSource, options?: CallOptions): Promise<StreamSession>;
  /**
   * Optional capability: the node types this pipeline host can run. Servers answer their
   * node-listing routes from it (HTTP `GET /v1/nodes`, gRPC `ListNodeTypes`) or say Unimplemented.
   */
  listNodes?(options?: CallOptions): readonly NodeInfo[] | Promise<readonly NodeInfo[]>;
  /** Optional capability: runtime metrics in Prometheus text format, appended to the server's own `/metrics`. */
  metricsText?(): string | Promise<string>;
}

export interface HealthStatus {
  status: 'serving' | 'not_serving';
  version?: string;
  details?: Record<string, unknown>;
}

/** What every transport's client offers: the contract over a wire, plus health and close. */
export interface PipelineClient extends PipelineTransport {
  health(options?: CallOptions): Promise<HealthStatus>;
  /** Releases connections. Open sessions are closed. */
  close(): Promise<void>;
}

/**
 * The options every transport's `createTransportClient` takes (remote-client and the CLI create
 * clients through it). Transport-specific factories (`createGrpcPipelineClient`, ...) take these and more.
 */
export interface TransportClientOptions {
  /** Where the server is: `host:port` or a URL (`http://`, `https://`, `ws://`, ...). */
  endpoint: string;
  /** Bearer token sent with every call. Default: none. */
  authToken?: string;
  /** Default deadline of every call, in ms, when the call sets none. Default: none. */
  timeoutMs?: number;
}

/** What every transport package exports as `createTransportClient`. */
export type TransportClientFactory = (options: TransportClientOptions) => PipelineClient | Promise<PipelineClient>;
