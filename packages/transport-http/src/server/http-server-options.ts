import type { ManifestSource, PipelineTransport } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';

export interface CorsOptions {
  /** Allowed origins; `'*'` allows any. Default: none (no CORS headers are sent). */
  origins: readonly string[] | '*';
  /** Seconds a browser may cache a preflight answer. Default 600. */
  maxAgeSeconds?: number;
}

export interface HttpServerOptions {
  /**
   * What the server runs: usually `createServerRunner()` (safe limits for manifests from the network); any PipelineTransport (e.g. a wrapper) works.
   * Unary calls get one AbortSignal per connection (it aborts when the client disconnects), so a
   * wrapper must remove the abort listeners it adds once its call is done, as PipelineRunner does.
   */
  pipeline: PipelineTransport;
  /** Port to listen on; 0 picks a free one. Default 8080. */
  port?: number;
  /** Interface to bind. Default `0.0.0.0`. */
  host?: string;
  /** `host:port` (or `[v6]:port`) to listen on, the option name every transport's server takes; wins over `host` and `port`. */
  bindAddress?: string;
  /** Accepted bearer tokens. Default: none, so no auth is required. `/health` is always open. */
  authTokens?: readonly string[];
  /** CORS policy. Default: disabled. */
  cors?: CorsOptions;
  /** Largest request body (JSON or binary) and WebSocket message, in bytes; beyond it 413. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Streaming sessions open at once (HTTP and WebSocket together); beyond it 429. Default 1000. */
  maxSessions?: number;
  /** A session with no input, output or reader activity for this long is closed. Default 300000 (5 min). */
  sessionIdleTimeoutMs?: number;
  /**
   * Named manifests callers can reference instead of sending one (`?pipeline=name` or the
   * `x-remotemedia-pipeline` header), e.g. for binary audio bodies. Default: none.
   */
  pipelines?: Readonly<Record<string, ManifestSource>>;
  /** Where the server logs (one line per request, with its request id). Default: silent. */
  logger?: Logger;
  /**
   * This server's name among the replicas behind a load balancer. Session ids then carry it
   * (`<replicaName>.<uuid>`), so the balancer can send `/v1/sessions/<id>/...` (input, output,
   * SSE resume, WebSocket attach) to the replica that holds the session with no shared store
   * (docs/deploy.md); responses carry it in `x-remotemedia-replica`. Letters, digits, `-`, `_`,
   * at most 63. Default: none (plain UUID session ids).
   */
  replicaName?: string;
  /** SSE events per session kept for a reader that reconnects with `Last-Event-ID`. Default 1000. */
  sseReplayEvents?: number;
  /** Bytes of SSE event text per session kept for replay (the newest event always is). Default 8 MiB. */
  sseReplayBytes?: number;
  /** How long a session whose SSE reader dropped waits for it to reconnect before closing. Default 15000. */
  sseResumeGraceMs?: number;
  /**
   * On `close()`, how long running sessions and calls may finish before they are closed; new
   * requests get 503 with `retry-after` meanwhile. Default 10000.
   */
  shutdownGraceMs?: number;
  /**
   * A connection must have sent a request's whole headers within this many ms of starting it
   * (slowloris protection); otherwise it gets 408 (`deadline_exceeded`, reason `RequestTimeout`)
   * and is closed. 0 disables. Default 10000.
   */
  headersTimeoutMs?: number;
  /**
   * A request's headers and body must have arrived within this many ms; otherwise 408 and the
   * connection is closed. Does not limit how long the answer takes (see `x-remotemedia-timeout-ms`).
   * 0 disables. Default 120000.
   */
  requestTimeoutMs?: number;
  /** An idle keep-alive connection is closed after this many ms without a new request. Default 65000. */
  keepAliveTimeoutMs?: number;
  /**
   * A WebSocket on `/v1/stream` must send `{"type":"start"}` (or `attach`) within this many ms;
   * otherwise it gets an `error` message (`deadline_exceeded`, reason `StartTimeout`) and is closed
   * with code 1008. Default 10000.
   */
  webSocketStartTimeoutMs?: number;
}
