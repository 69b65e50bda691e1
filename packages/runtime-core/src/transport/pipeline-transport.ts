import type { RuntimeData } from '../data/runtime-data.js';
import type { TransportData } from '../data/transport-data.js';
import type { ManifestInput } from '../manifest/manifest-schema.js';
import type { SessionMetricsSnapshot } from '../metrics/pipeline-metrics.js';

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
 * What every transport serves: the server side of the contract. PipelineRunner implements it;
 * a transport takes any PipelineTransport, so interceptors (auth, logging) wrap it freely.
 */
export interface PipelineTransport {
  /** Runs the pipeline on the inputs and returns ALL outputs of every sink, in order. */
  execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], options?: CallOptions): Promise<TransportData[]>;
  /** Opens a streaming session; resolves once every node is initialised. */
  stream(manifest: ManifestSource, options?: CallOptions): Promise<StreamSession>;
}

export interface HealthStatus {
  status: 'serving' | 'not_serving';
  version?: string;
  details?: Record<string, unknown>;
}

/** What every transport's client offers: the same calls over a wire, plus health. */
export interface PipelineClient {
  executeUnary(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], options?: CallOptions): Promise<TransportData[]>;
  createStreamSession(manifest: ManifestSource, options?: CallOptions): Promise<StreamSession>;
  health(options?: CallOptions): Promise<HealthStatus>;
  /** Releases connections. Open sessions are closed. */
  close(): Promise<void>;
}
