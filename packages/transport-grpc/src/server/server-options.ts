import type { ManifestSource, PipelineTransport } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';

export interface GrpcServerLimits {
  /** Largest single protobuf message accepted or sent, in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
  /** Streaming sessions plus unary calls running at once; beyond it RESOURCE_EXHAUSTED. Default 2000. */
  maxConcurrentSessions?: number;
  /** Deadline of one ExecutePipeline call, in ms (clients may ask for less). Default 60000. */
  requestTimeoutMs?: number;
  /** Nodes one manifest may have; beyond it INVALID_ARGUMENT. Default 256. */
  maxNodesPerManifest?: number;
  /**
   * How long a call may take to send its first request message (StreamPipeline's `init`,
   * ExecutePipeline's request on the native gRPC path), in ms; then DEADLINE_EXCEEDED. The call
   * holds a maxConcurrentSessions slot from its opening. Default 10000.
   */
  initTimeoutMs?: number;
}

/** HTTP/2 connection timeouts: connections that send no complete request are closed. */
export interface GrpcServerTimeouts {
  /**
   * A new connection must complete a request (HEADERS of a call) within this many ms of opening
   * (for TLS: also the handshake), or it is closed: slowloris clients that send their preface or
   * headers a byte at a time do not keep sockets. Default 10000.
   */
  headersTimeoutMs?: number;
  /**
   * A connection with no call in progress for this many ms is closed with GOAWAY (bytes or pings
   * alone do not keep it). Open calls, however quiet, keep it. Default 300000 (5 min).
   */
  idleTimeoutMs?: number;
}

export interface GrpcServerOptions {
  /** What the server runs, usually `createNodeRunner()` from `@remotemedia/runtime-core/node`. */
  pipeline: PipelineTransport;
  /** `host:port` to listen on; port 0 picks a free port. Default `0.0.0.0:50051`. */
  bindAddress?: string;
  /** Accepted bearer tokens (`authorization: Bearer <token>`). Default: none. */
  authTokens?: readonly string[];
  /** Reject calls without a valid token. Default: true when `authTokens` is non-empty. */
  requireAuth?: boolean;
  /** PEM certificate and key: serve HTTP/2 over TLS. Default: cleartext HTTP/2 (h2c). */
  tls?: { cert: string | Buffer; key: string | Buffer };
  limits?: GrpcServerLimits;
  /** Same as `limits.maxConcurrentSessions` (the session limit's name on every transport); wins when both are set. */
  maxSessions?: number;
  /**
   * Named manifests: a call whose manifest is `{"pipeline":"<name>"}` (or YAML `pipeline: <name>`)
   * runs this manifest. A record (like the HTTP server's `pipelines`) or any `{ get(name), names() }`
   * source (read at each call, so reloads apply). Default: none (the runner may still resolve names,
   * as `createServerRunner({ pipelines })` does).
   */
  pipelines?: Readonly<Record<string, ManifestSource>> | { get(name: string): ManifestSource | undefined; names(): string[] };
  timeouts?: GrpcServerTimeouts;
  /** Serve Prometheus text on `GET /metrics` over HTTP/1.1 on this port (0 = a free one). Default: off. */
  metricsPort?: number;
  /**
   * `GET /metrics` (on the metrics port and the main port) without a token. Default false: when
   * the server requires auth, `/metrics` needs `authorization: Bearer <token>` like the pipeline
   * services (401 otherwise); without auth it is open either way.
   */
  metricsPublic?: boolean;
  /** Host of the metrics listener. Default: the host of `bindAddress`. */
  metricsHost?: string;
  /**
   * CORS for browsers on other origins (Connect and gRPC-Web over `fetch`): allowed origins, or `'*'`.
   * Preflight `OPTIONS` requests are answered 204. Default: disabled (no CORS headers are sent).
   */
  cors?: { origins: readonly string[] | '*'; maxAgeSeconds?: number };
  /** JSON logger. Default: pino at level `info` to stdout; pass `pino({ level: 'silent' })` to mute. */
  logger?: Logger;
  /** On close: how long running sessions may go on before their input is ended, in ms. Default 10000. */
  shutdownGraceMs?: number;
  /**
   * On close: how long the server reports NOT_SERVING (gRPC health) while still accepting
   * connections and calls, before it stops accepting, in ms (part of the grace period, never longer).
   * Gives a balancer's health checks time to move new sessions away. Default 0.
   */
  shutdownDrainDelayMs?: number;
  /** On close: how long ended sessions may flush their outputs before being closed, in ms. Default 5000. */
  shutdownFlushMs?: number;
  /** Reported by GetVersion and health details. Default: runtime-core's version. */
  version?: string;
}

export const DEFAULT_LIMITS: Required<GrpcServerLimits> = {
  maxMessageBytes: 16 * 1024 * 1024,
  maxConcurrentSessions: 2000,
  requestTimeoutMs: 60_000,
  maxNodesPerManifest: 256,
  initTimeoutMs: 10_000,
};

export const DEFAULT_TIMEOUTS: Required<GrpcServerTimeouts> = {
  headersTimeoutMs: 10_000,
  idleTimeoutMs: 300_000,
};

/** Splits `host:port`, `[v6]:port` or `:port`. */
export function parseBindAddress(address: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(address.trim());
  if (!m) throw new Error(`invalid bind address "${address}": expected host:port, e.g. 0.0.0.0:50051`);
  const port = Number(m[3]);
  if (port > 65535) throw new Error(`invalid bind address "${address}": port ${port} is out of range`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
