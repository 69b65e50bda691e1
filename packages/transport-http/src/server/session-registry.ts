import { type CallOptions, Code, type ManifestSource, type PipelineTransport, RemoteMediaError, type StreamSession } from '@remotemedia/runtime-core';
import type { SseFeed } from './sse-feed.js';

/** One streaming session as the HTTP server sees it: the session plus who reads it and when it was last used. */
export class SessionEntry {
  lastActiveMs = Date.now();
  /** Who consumes the outputs: only one reader per session (outputs are not broadcast). */
  reader: 'sse' | 'websocket' | undefined;
  /**
   * Why the server closed the session (expiry, DELETE, shutdown). The session's own outputs then
   * just end; readers report this instead so a client never mistakes it for a normal end.
   */
  closedWith: RemoteMediaError | undefined;
  /** The SSE reader's numbered events and replay buffer, once a reader connected over SSE. */
  feed: SseFeed | undefined;
  constructor(
    readonly id: string,
    readonly session: StreamSession,
  ) {}
  touch(): void {
    this.lastActiveMs = Date.now();
  }
}

export interface SessionRegistryOptions {
  pipeline: PipelineTransport;
  maxSessions: number;
  idleTimeoutMs: number;
  onExpired?: (entry: SessionEntry) => void;
  /**
   * This server's replica name: session ids become `<replicaName>.<id>` so a load balancer can
   * route a session's follow-up requests to the replica that holds it (see docs/deploy.md).
   */
  replicaName?: string;
}

/** What a replica name may contain: it is put in session ids and URL paths, and matched by balancer configs. */
export const REPLICA_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/** The replica a session id names (`<replica>.<id>`), or undefined for an id without one. */
export function replicaOfSessionId(id: string): string | undefined {
  const dot = id.indexOf('.');
  return dot > 0 ? id.slice(0, dot) : undefined;
}

/** Open sessions by id, with the server's session limit and idle expiry. */
export class SessionRegistry {
  readonly #entries = new Map<string, SessionEntry>();
  #opening = 0;
  readonly #sweeper: ReturnType<typeof setInterval>;

  constructor(private readonly options: SessionRegistryOptions) {
    this.#sweeper = setInterval(() => this.#sweep(), Math.max(50, Math.min(options.idleTimeoutMs / 2, 30_000)));
    this.#sweeper.unref();
  }

  get size(): number {
    return this.#entries.size;
  }

  async open(manifest: ManifestSource, call: CallOptions = {}): Promise<SessionEntry> {
    // Count sessions still starting so a burst cannot overshoot the limit.
    if (this.#entries.size + this.#opening >= this.options.maxSessions) {
      throw new RemoteMediaError(Code.ResourceExhausted, `too many open sessions: limit maxSessions=${this.options.maxSessions} reached`, {
        reason: 'LimitExceeded',
      });
    }
    this.#opening++;
    try {
      const session = await this.options.pipeline.stream(manifest, call);
      const id = this.options.replicaName === undefined ? session.sessionId : `${this.options.replicaName}.${session.sessionId}`;
      const entry = new SessionEntry(id, session);
      this.#entries.set(entry.id, entry);
      return entry;
    } finally {
      this.#opening--;
    }
  }

  get(id: string): SessionEntry {
    const entry = this.#entries.get(id);
    if (!entry)
      throw new RemoteMediaError(Code.NotFound, `no session "${id}" (it ended, expired, or never existed)`, {
        details: [{ path: 'sessionId', message: 'unknown session' }],
      });
    return entry;
  }

  /** Forgets the entry; closes the session unless it already ended. `why` is what a reader is told. */
  async remove(entry: SessionEntry, reason: string, why?: RemoteMediaError): Promise<void> {
    if (this.#entries.get(entry.id) === entry) this.#entries.delete(entry.id);
    entry.feed?.dispose();
    if (why && entry.session.isActive) entry.closedWith ??= why;
    if (entry.session.isActive) await entry.session.close(reason).catch(() => {});
  }

  /** Waits up to `graceMs` for every session to finish, then closes those left. */
  async drain(graceMs: number): Promise<void> {
    const deadline = Date.now() + graceMs;
    while (this.#entries.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const why = new RemoteMediaError(Code.Unavailable, 'server shut down before the session finished', { reason: 'ShuttingDown' });
    await Promise.allSettled([...this.#entries.values()].map((e) => this.remove(e, 'server shutting down', why)));
  }

  stop(): void {
    clearInterval(this.#sweeper);
  }

  #sweep(): void {
    const cutoff = Date.now() - this.options.idleTimeoutMs;
    for (const entry of this.#entries.values()) {
      if (entry.lastActiveMs > cutoff) continue;
      this.options.onExpired?.(entry);
      const message = `session idle for more than ${this.options.idleTimeoutMs} ms`;
      void this.remove(entry, message, new RemoteMediaError(Code.DeadlineExceeded, `${message}: expired`, { reason: 'SessionExpired' }));
    }
  }
}
