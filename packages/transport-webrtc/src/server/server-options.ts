import type { ManifestSource, NodeLogger, PipelineTransport } from '@remotemedia/runtime-core';
import type { Server as HttpServer } from 'node:http';
import { type IceOptions, defaultIceHosts } from '../media/peer-connection.js';

export interface WebRtcServerOptions extends IceOptions {
  /** What the server runs, usually `createServerRunner()` from `@remotemedia/runtime-core/node` (safe limits for manifests from the network). */
  pipeline: PipelineTransport;
  /** Accepted bearer tokens (signaling and WHIP). Default: none, so no auth is required. */
  authTokens?: readonly string[];
  /**
   * Interface to listen on. Default `127.0.0.1`. On a loopback host, ICE also defaults to
   * loopback-only candidates (`iceHostAddresses: ['127.0.0.1']`).
   */
  host?: string;
  /** Port to listen on; 0 picks a free one. Default 0. */
  port?: number;
  /** `host:port` (or `[v6]:port`) to listen on, the option name every transport's server takes; wins over `host` and `port`. */
  bindAddress?: string;
  /** Attach to this HTTP server instead of creating one (requests outside our paths are left to it). */
  httpServer?: HttpServer;
  /**
   * Named manifests offers choose with `pipeline`, by name: a record (like the HTTP server's
   * `pipelines`, read at each offer so in-place updates apply) or any `{ get(name), names() }`
   * source, e.g. the operator's pipeline catalog. Default: none.
   */
  pipelines?: Readonly<Record<string, ManifestSource>> | { get(name: string): ManifestSource | undefined; names(): string[] };
  /** Directory of named manifests (`<name>.yaml|.yml|.json`) read at each offer. Prefer `pipelines`. Default: none. */
  pipelineDir?: string;
  /** Whether offers may carry an inline `manifest`. Default: true without `pipelines` or a `pipelineDir`, false with one. */
  allowInlineManifests?: boolean;
  /** Peer connections (pipeline sessions) served at once; more fail with ResourceExhausted. Default 32. */
  maxPeers?: number;
  /** Same as `maxPeers` (the session limit's name on every transport); wins when both are set. */
  maxSessions?: number;
  /** Signaling connections at once. Default 256. */
  maxSignalingConnections?: number;
  /** A signaling connection that sends no `peer.announce` within this many ms is closed (code 1008). Default 10000. */
  announceTimeoutMs?: number;
  /** Time a new peer connection has to reach `connected`. Default 15000 ms. */
  connectTimeoutMs?: number;
  /** How long ICE may stay `disconnected` before the session is torn down. Default 5000 ms. */
  disconnectGraceMs?: number;
  /** How long a finished session keeps its connection for the client to read the end. Default 2000 ms. */
  lingerMs?: number;
  /** Decoded audio packets (20 ms each) queued for a busy pipeline before dropping. Default 50. */
  maxQueuedAudioPackets?: number;
  /**
   * Data-channel frames of a session received but not yet taken by its pipeline (a data channel
   * cannot be paused); beyond this many, or `maxQueuedDataBytes` (default 16 MiB), the session
   * fails with `resource_exhausted` (reason `InputQueueFull`). Default 1024.
   */
  maxQueuedDataFrames?: number;
  maxQueuedDataBytes?: number;
  /** WebSocket signaling path. Default `/signaling`. */
  signalingPath?: string;
  /** WHIP-style offer/answer path. Default `/whip`. */
  whipPath?: string;
  /** Where the server logs. Default: nowhere. */
  logger?: NodeLogger;
  /**
   * Connection timeouts of the HTTP server it creates (not of a given `httpServer`): a request
   * whose headers take longer than `headersTimeoutMs` (default 10000), or whose whole request
   * (a WHIP offer) longer than `requestTimeoutMs` (default 30000), gets 408 and its connection is
   * closed (slowloris); idle keep-alive connections close after `keepAliveTimeoutMs` (default 65000).
   */
  headersTimeoutMs?: number;
  requestTimeoutMs?: number;
  keepAliveTimeoutMs?: number;
}

export type ResolvedServerOptions = Required<
  Omit<WebRtcServerOptions, 'httpServer' | 'pipelineDir' | 'pipelines' | 'maxSessions' | 'bindAddress' | 'iceServers' | 'iceHostAddresses'>
> &
  Pick<WebRtcServerOptions, 'httpServer' | 'pipelineDir' | 'pipelines' | 'iceServers' | 'iceHostAddresses'>;

const silent: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

export function resolveServerOptions(options: WebRtcServerOptions): ResolvedServerOptions {
  const bind = options.bindAddress === undefined ? undefined : /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(options.bindAddress.trim());
  if (options.bindAddress !== undefined && (!bind || Number(bind[3]) > 65535))
    throw new Error(`invalid bindAddress "${options.bindAddress}": expected host:port, e.g. 127.0.0.1:8088`);
  const o = bind ? { ...options, host: bind[1] ?? (bind[2] || '0.0.0.0'), port: Number(bind[3]) } : options;
  const host = o.host ?? '127.0.0.1';
  // A server listening on loopback only serves this host: keep ICE on loopback too.
  const iceHostAddresses = o.httpServer ? o.iceHostAddresses : defaultIceHosts(o.iceHostAddresses, host);
  return {
    ...o,
    ...(iceHostAddresses ? { iceHostAddresses } : {}),
    authTokens: o.authTokens ?? [],
    host,
    port: o.port ?? 0,
    allowInlineManifests: o.allowInlineManifests ?? !(o.pipelineDir || o.pipelines),
    maxPeers: o.maxSessions ?? o.maxPeers ?? 32,
    maxSignalingConnections: o.maxSignalingConnections ?? 256,
    announceTimeoutMs: o.announceTimeoutMs ?? 10_000,
    connectTimeoutMs: o.connectTimeoutMs ?? 15_000,
    disconnectGraceMs: o.disconnectGraceMs ?? 5_000,
    lingerMs: o.lingerMs ?? 2_000,
    maxQueuedAudioPackets: o.maxQueuedAudioPackets ?? 50,
    maxQueuedDataFrames: o.maxQueuedDataFrames ?? 1024,
    maxQueuedDataBytes: o.maxQueuedDataBytes ?? 16 * 1024 * 1024,
    signalingPath: o.signalingPath ?? '/signaling',
    whipPath: o.whipPath ?? '/whip',
    logger: o.logger ?? silent,
    headersTimeoutMs: o.headersTimeoutMs ?? 10_000,
    requestTimeoutMs: o.requestTimeoutMs ?? 30_000,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs ?? 65_000,
  };
}
