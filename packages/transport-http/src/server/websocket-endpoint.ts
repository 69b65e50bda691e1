import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import type { Logger } from 'pino';
import { type WebSocket, WebSocketServer } from 'ws';
import { errorResponse } from '../shared/http-errors.js';
import { type ClientMessage, type ServerMessage, checkClientMessage, decodeMessage, encodeMessage, frameOf, messageId } from '../shared/ws-frames.js';
import type { HttpMetrics } from './http-metrics.js';
import { decodePathSegment, refuseSocket } from './connection-guards.js';
import { parseTimeoutMs } from './route-context.js';
import { claimReader } from './session-routes.js';
import type { SessionEntry, SessionRegistry } from './session-registry.js';

/** Subprotocol spoken on the socket; browsers (which cannot set headers) send the token as a second one, `bearer.<token>`. */
export const WS_PROTOCOL = 'remotemedia.v1';
export const WS_PATH = '/v1/stream';
/**
 * Frames read but not yet answered, per socket; at this many the socket stops being read. Every
 * frame counts (valid or not) and every reply waits for the socket's send buffer to drain, so a
 * client that sends without reading ends up blocked by TCP, never by the server's memory.
 */
export const MAX_QUEUED_MESSAGES = 64;
/**
 * The same bound in bytes of the queued frames: 8 MiB, or one message of the largest allowed size
 * (`maxMessageBytes`) if that is more, so 64 maximal frames cannot pile up.
 */
export const MAX_QUEUED_BYTES = 8 * 1024 * 1024;
const ATTACH_PATH = /^\/v1\/sessions\/([^/]+)\/ws$/;

export interface WebSocketEndpointOptions {
  sessions: SessionRegistry;
  metrics: HttpMetrics;
  maxMessageBytes: number;
  logger: Logger;
  /** Throws Unauthenticated when the upgrade request carries no valid token. */
  authenticate(req: IncomingMessage): void;
  /** False while shutting down. */
  accepting(): boolean;
  /** `retry-after` (seconds) of the 503 that refuses an upgrade while shutting down. */
  retryAfter?(): string;
  /** A socket on /v1/stream that sends no `start` (or `attach`) within this many ms is closed (1008). Default 10000. */
  startTimeoutMs?: number;
}

/**
 * Full-duplex streaming over one WebSocket, same session model as the HTTP routes:
 * `/v1/stream` then `{type:'start', manifest}`, or `/v1/sessions/{id}/ws` to drive a session
 * created with POST /v1/sessions. Closing the socket closes the session.
 */
export class WebSocketEndpoint {
  readonly #wss: WebSocketServer;
  constructor(private readonly options: WebSocketEndpointOptions) {
    this.#wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.maxMessageBytes,
      handleProtocols: (protocols) => (protocols.has(WS_PROTOCOL) ? WS_PROTOCOL : false),
    });
  }

  /** Handler for node:http's `upgrade` event; refuses with a JSON HTTP error before the handshake. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    // Everything in the try: this runs in node:http's 'upgrade' event, where a throw would end the process.
    try {
      let path: string;
      try {
        path = new URL(req.url ?? '/', 'http://x').pathname;
      } catch {
        throw new RemoteMediaError(Code.InvalidArgument, `malformed request target ${JSON.stringify((req.url ?? '').slice(0, 200))}`, {
          details: [{ path: 'url', message: 'not a valid path or URL' }],
          reason: 'MalformedRequestTarget',
        });
      }
      const attach = ATTACH_PATH.exec(path);
      if (!this.options.accepting())
        throw new RemoteMediaError(Code.Unavailable, 'server is shutting down; retry on another instance', { reason: 'ShuttingDown' });
      if (path !== WS_PATH && !attach)
        throw new RemoteMediaError(Code.NotFound, `no WebSocket endpoint at ${path.slice(0, 200)}; use ${WS_PATH} or /v1/sessions/{id}/ws`);
      this.options.authenticate(req);
      const entry = attach ? this.options.sessions.get(decodePathSegment(attach[1], 'sessionId')) : undefined;
      if (entry) claimReader(entry, 'websocket');
      this.#wss.handleUpgrade(req, socket, head, (ws) => void new SocketSession(ws, socket, this.options, entry).run());
    } catch (error) {
      const { status, body } = errorResponse(error);
      refuseSocket(socket, status, body, status === 503 ? { 'Retry-After': this.options.retryAfter?.() ?? '1' } : {});
    }
  }

  /** Closes every socket (their sessions close with them). */
  async close(): Promise<void> {
    for (const ws of this.#wss.clients) ws.close(1001, 'server shutting down');
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
    for (const ws of this.#wss.clients) ws.terminate();
  }
}

/** One socket: its inputs are handled in order; outputs are pumped as they come, with backpressure. */
class SocketSession {
  #inbox: Promise<void> = Promise.resolve();
  #ended = false;
  #queued = 0;
  #queuedBytes = 0;
  #corked = false;
  #startTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #uncork = () => {
    this.#corked = false;
    this.socket.uncork();
  };
  constructor(
    private readonly ws: WebSocket,
    /** The upgraded connection under `ws`. */
    private readonly socket: Duplex,
    private readonly options: WebSocketEndpointOptions,
    private entry: SessionEntry | undefined,
  ) {}

  /**
   * Holds writes back until the current burst of I/O callbacks and their promise chains are done:
   * an input's ack and the outputs a synchronous pipeline made from it then leave in one write
   * (one syscall instead of two per chunk in `pnpm bench http`'s WebSocket round trip).
   */
  #batchWrites(): void {
    if (this.#corked) return;
    this.#corked = true;
    this.socket.cork();
    setImmediate(this.#uncork);
  }

  run(): void {
    const { ws } = this;
    ws.on('message', (raw, isBinary) => {
      this.#batchWrites();
      const frame = frameOf(raw, isBinary);
      let task: () => Promise<void>;
      try {
        const msg = checkClientMessage(decodeMessage(frame));
        // close must not wait behind inputs blocked on backpressure.
        if (msg.type === 'close') return void this.#dispose(msg.reason ?? 'closed by client');
        if (msg.type === 'start' || msg.type === 'attach') clearTimeout(this.#startTimer);
        task = () => this.#handle(msg);
      } catch (error) {
        // Answered in order with the messages before it: a bad input is acked with its error.
        const id = messageId(frame);
        task = () => (id !== undefined ? this.#reply({ type: 'ack', id, error: errorResponse(error).body }) : Promise.resolve(this.#fail(error)));
      }
      // Inputs wait for the pipeline and every reply for the socket (backpressure): stop reading
      // the socket while many frames are queued, whatever they hold.
      const bytes = typeof frame === 'string' ? frame.length : frame.byteLength;
      const maxBytes = Math.max(MAX_QUEUED_BYTES, this.options.maxMessageBytes);
      this.#queuedBytes += bytes;
      if (++this.#queued >= MAX_QUEUED_MESSAGES || this.#queuedBytes >= maxBytes) ws.pause();
      this.#inbox = this.#inbox.then(task).finally(() => {
        this.#queuedBytes -= bytes;
        if (--this.#queued < MAX_QUEUED_MESSAGES && this.#queuedBytes < maxBytes && ws.isPaused) ws.resume();
      });
    });
    ws.on('close', () => {
      clearTimeout(this.#startTimer);
      void this.#dispose('WebSocket closed');
    });
    ws.on('error', (error) => this.options.logger.debug({ err: error }, 'websocket error'));
    if (!this.entry) {
      // A socket that never starts a session would otherwise stay open for good.
      const ms = this.options.startTimeoutMs ?? 10_000;
      this.#startTimer = setTimeout(() => {
        this.#send({
          type: 'error',
          error: errorResponse(
            new RemoteMediaError(Code.DeadlineExceeded, `no {"type":"start"} or {"type":"attach"} message within ${ms} ms`, { reason: 'StartTimeout' }),
          ).body,
        });
        this.#ended = true;
        this.ws.close(1008, 'no start message in time');
      }, ms);
      this.#startTimer.unref();
    }
    if (this.entry) {
      this.#send({ type: 'started', sessionId: this.entry.id });
      void this.#pump(this.entry);
    }
  }

  async #handle(msg: ClientMessage): Promise<void> {
    try {
      if (msg.type === 'start' || msg.type === 'attach') {
        if (this.entry) throw new RemoteMediaError(Code.FailedPrecondition, 'this socket already drives a session');
        if (msg.type === 'attach') {
          this.entry = this.options.sessions.get(msg.sessionId);
          claimReader(this.entry, 'websocket');
        } else {
          const timeoutMs = parseTimeoutMs(msg.timeoutMs, 'timeoutMs');
          this.entry = await this.options.sessions.open(msg.manifest as never, timeoutMs ? { timeoutMs } : {});
          this.entry.reader = 'websocket';
          this.options.metrics.sessionsOpened.inc({ via: 'websocket' });
        }
        if (this.ws.readyState !== this.ws.OPEN) return void this.#dispose('WebSocket closed while starting');
        this.#send({ type: 'started', sessionId: this.entry.id });
        void this.#pump(this.entry);
        return;
      }
      const entry = this.entry;
      if (!entry) throw new RemoteMediaError(Code.FailedPrecondition, 'send {"type":"start","manifest":...} first');
      entry.touch();
      if (msg.type === 'end') void entry.session.end().catch(() => {});
      else if (msg.type === 'input') {
        let error: unknown;
        try {
          await entry.session.send(msg.item, msg.nodeId ? { nodeId: msg.nodeId } : {});
        } catch (e) {
          error = e;
        }
        await this.#reply(error === undefined ? { type: 'ack', id: msg.id } : { type: 'ack', id: msg.id, error: errorResponse(error).body });
      }
    } catch (error) {
      this.#fail(error);
    }
  }

  async #pump(entry: SessionEntry): Promise<void> {
    try {
      for await (const item of entry.session.outputs) {
        entry.touch();
        if (this.ws.readyState !== this.ws.OPEN) return;
        this.ws.send(encodeMessage({ type: 'output', item }));
        // Backpressure: only a full socket buffer stops the pump (and, through the session's bounded
        // output queue, the pipeline). Waiting for each frame's write callback instead cost every
        // output an event-loop turn and a write of its own.
        if (this.socket.writableNeedDrain) await this.#drained();
      }
      if (entry.closedWith) throw entry.closedWith;
      this.#send({ type: 'end' });
      this.#ended = true;
      this.ws.close(1000, 'outputs ended');
    } catch (error) {
      this.#fail(error);
    } finally {
      await this.options.sessions.remove(entry, 'outputs ended');
    }
  }

  /** Resolves when the socket can take more, or is gone. */
  #drained(): Promise<void> {
    if (this.socket.destroyed || !this.socket.writable) return Promise.resolve(); // 'close' has come and gone
    return new Promise<void>((resolve) => {
      const done = () => {
        this.socket.off('drain', done);
        this.socket.off('close', done);
        resolve();
      };
      this.socket.on('drain', done);
      this.socket.on('close', done);
    });
  }

  /** A session-level failure: tell the client, then close the socket (which closes the session). */
  #fail(error: unknown): void {
    this.#send({ type: 'error', error: errorResponse(error).body });
    this.#ended = true;
    this.ws.close(1000, 'error');
  }

  /** Sends a reply, then waits while the socket's send buffer is full: the next frame is read only after. */
  #reply(msg: ServerMessage): Promise<void> {
    this.#send(msg);
    return this.socket.writableNeedDrain ? this.#drained() : Promise.resolve();
  }

  #send(msg: ServerMessage): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(encodeMessage(msg));
  }

  async #dispose(reason: string): Promise<void> {
    if (this.ws.readyState === this.ws.OPEN) this.ws.close(1000, this.#ended ? 'done' : closeReason(reason));
    if (this.entry) await this.options.sessions.remove(this.entry, reason);
  }
}

/** A close reason as a WebSocket close frame takes it: at most 123 bytes of UTF-8 (ws throws beyond). */
export function closeReason(text: string): string {
  let out = text.slice(0, 123);
  while (Buffer.byteLength(out) > 123) out = out.slice(0, -1);
  // A cut between a surrogate pair would leave half a character (encoded as U+FFFD, 3 bytes).
  if (/[\ud800-\udbff]$/.test(out)) out = out.slice(0, -1);
  return out;
}
