import { createServer as createHttpServer, type IncomingMessage, type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import { type AddressInfo, type Server as NetServer, type Socket, createServer as createNetServer } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { GrpcServerTimeouts } from './server-options.js';

export type RequestHandler = (req: http2.Http2ServerRequest, res: http2.Http2ServerResponse) => void;

export interface FrontServerOptions {
  /** PEM certificate and key: HTTP/2 or HTTP/1.1 over TLS (ALPN). Default: cleartext on one port. */
  tls?: { cert: string | Buffer; key: string | Buffer };
  timeouts: Required<GrpcServerTimeouts>;
  logger: Logger;
  /** Every request, HTTP/2 or HTTP/1.1. */
  handler: RequestHandler;
}

/** The listening side of a server: connections in, requests to the handler, connections out on close. */
export interface FrontServer {
  listen(host: string, port: number): Promise<AddressInfo>;
  /** New connections are dropped from now on. Resolves once every connection has closed (its last bytes flushed). */
  stopAccepting(): Promise<void>;
  /** Asks every connection to go (GOAWAY; idle HTTP/1.1 ones at once), destroying those still open 2 s later. After stopAccepting. */
  closeConnections(): void;
}

/** The client connection preface every HTTP/2 connection starts with (RFC 9113 §3.4). */
const HTTP2_PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n');

/**
 * Cleartext: one listener; each connection goes to the HTTP/2 server when it starts with the
 * HTTP/2 preface (h2c, prior knowledge), else to an HTTP/1.1 server with the same handler, so
 * browsers reach it over plain http:// (Connect and gRPC-Web over fetch). A connection that says
 * neither within headersTimeoutMs is closed. TLS: HTTP/2 or HTTP/1.1 by ALPN. Connections
 * without a call in progress are closed (see watchIdle).
 */
export function createFrontServer(options: FrontServerOptions): FrontServer {
  const { tls, timeouts, logger, handler } = options;
  const settings = { maxConcurrentStreams: 100_000 };
  // Many concurrent streams per connection need more than the 10 MB default of session memory.
  const server = tls
    ? http2.createSecureServer(
        { cert: tls.cert, key: tls.key, allowHTTP1: true, settings, maxSessionMemory: 256, handshakeTimeout: timeouts.headersTimeoutMs },
        handler,
      )
    : http2.createServer({ settings, maxSessionMemory: 256 }, handler);
  const sessions = new Set<http2.ServerHttp2Session>();
  /** Cleartext connections whose first bytes have not said HTTP/1.1 or HTTP/2 yet. */
  const sniffing = new Set<Socket>();
  /** Set once a closing server stops accepting: new connections are dropped. */
  let refusingConnections = false;
  let closedSessions: (() => void) | undefined;
  let stopped: Promise<void> | undefined;

  // node's HTTP/1 header and keep-alive timeouts apply on the HTTP/1.1 server.
  const http1 = tls
    ? undefined
    : createHttpServer(
        {
          headersTimeout: timeouts.headersTimeoutMs,
          keepAliveTimeout: Math.min(timeouts.idleTimeoutMs, 65_000),
          connectionsCheckingInterval: Math.max(100, Math.min(1000, timeouts.headersTimeoutMs / 2)),
        },
        handler as unknown as (req: IncomingMessage, res: ServerResponse) => void,
      );
  const front: NetServer | undefined = tls
    ? undefined
    : createNetServer((socket) => {
        if (refusingConnections) return void socket.destroy();
        let got: Buffer = Buffer.alloc(0);
        const timer = setTimeout(() => socket.destroy(), timeouts.headersTimeoutMs);
        timer.unref();
        sniffing.add(socket);
        socket.once('close', () => sniffing.delete(socket));
        const onError = () => socket.destroy();
        const onData = (chunk: Buffer) => {
          got = got.length ? Buffer.concat([got, chunk]) : chunk;
          const n = Math.min(got.length, HTTP2_PREFACE.length);
          const h2 = got.subarray(0, n).equals(HTTP2_PREFACE.subarray(0, n));
          if (h2 && got.length < HTTP2_PREFACE.length) return; // a prefix of the preface so far
          clearTimeout(timer);
          sniffing.delete(socket);
          socket.off('data', onData);
          socket.off('error', onError);
          socket.pause();
          socket.unshift(got);
          if (h2) server.emit('connection', socket);
          else {
            // node's HTTP/1 parser reads the socket's handle directly; what was read here is
            // replayed from the stream buffer once the socket flows again.
            // A server that does not listen itself runs none of node's HTTP/1 header timers: the same deadline as HTTP/1.1 over TLS.
            http1Connection(socket, timeouts.headersTimeoutMs);
            http1!.emit('connection', socket);
            socket.resume();
          }
        };
        socket.on('data', onData);
        socket.on('error', onError);
      });
  // HTTP/1.1 over TLS (allowHTTP1) gets none of node's HTTP/1 header timeouts on an HTTP/2 server: bound it here.
  if (tls) {
    server.on('secureConnection', (socket: TLSSocket) => {
      if (socket.alpnProtocol !== 'h2') http1Connection(socket, timeouts.headersTimeoutMs);
    });
  }
  server.on('session', (s) => {
    sessions.add(s);
    s.on('close', () => sessions.delete(s));
    watchIdle(s, timeouts);
  });
  server.on('sessionError', (error) => logger.warn({ error: error.message }, 'http2 session error'));
  // A connection that fails before it is usable (e.g. the TLS handshake timed out) is dropped; with
  // this listener node leaves that to us.
  server.on('clientError', (error: Error, socket: { destroy(): void }) => {
    logger.debug({ error: error.message }, 'connection failed before a session started');
    socket.destroy();
  });

  return {
    listen: (host, port) => listenOn(front ?? server, host, port),
    stopAccepting() {
      refusingConnections = true;
      stopped ??= front
        ? Promise.all([
            new Promise<void>((resolve) => (front.listening ? front.close(() => resolve()) : resolve())),
            // Connections handed to the HTTP/2 server: each session's close.
            new Promise<void>((resolve) => {
              const check = () => (sessions.size === 0 ? resolve() : setTimeout(check, 20).unref());
              closedSessions = check;
            }),
          ]).then(() => undefined)
        : new Promise<void>((resolve) => (server.listening ? server.close(() => resolve()) : resolve()));
      return stopped;
    },
    closeConnections() {
      for (const s of sessions) s.close();
      for (const socket of sniffing) socket.destroy();
      if (http1) {
        http1.closeIdleConnections();
        // HTTP/1.1 answers in flight finish; idle keep-alive sockets go now.
        setTimeout(() => http1.closeAllConnections(), 2000).unref();
      }
      closedSessions?.();
      const forced = setTimeout(() => sessions.forEach((s) => s.destroy()), 2000);
      void stopped?.then(() => clearTimeout(forced));
    },
  };
}

/** Listens on `host:port`; resolves with the bound address (port 0 becomes the real port). */
export function listenOn(s: NetServer | http2.Http2Server, host: string, port: number): Promise<AddressInfo> {
  return new Promise<AddressInfo>((resolve, reject) => {
    s.once('error', reject);
    s.listen(port, host, () => {
      s.off('error', reject);
      resolve(s.address() as AddressInfo);
    });
  });
}

/**
 * Closes a connection that has no call in progress for too long: `headersTimeoutMs` before its
 * first request completes (slowloris: a preface or headers sent a byte at a time, or nothing),
 * `idleTimeoutMs` between requests. A timer, not an inactivity timeout: trickled bytes and pings
 * do not extend it. A connection with an open stream is never closed by it.
 */
function watchIdle(session: http2.ServerHttp2Session, timeouts: Required<GrpcServerTimeouts>): void {
  let open = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const arm = (ms: number) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      if (open > 0 || session.destroyed) return;
      // GOAWAY, then the socket goes once in-flight frames are out; destroy if the peer lingers.
      session.close();
      setTimeout(() => session.destroyed || session.destroy(), 1000).unref();
    }, ms);
    timer.unref();
  };
  arm(timeouts.headersTimeoutMs);
  session.on('stream', (stream: http2.ServerHttp2Stream) => {
    open++;
    clearTimeout(timer);
    stream.once('close', () => {
      if (--open === 0 && !session.destroyed && !session.closed) arm(timeouts.idleTimeoutMs);
    });
  });
  session.once('close', () => clearTimeout(timer));
}

/** HTTP/1.1 connections: stop and re-arm their wait for a request's headers. */
const http1Deadlines = new WeakMap<Socket, { stop(): void; arm(): void }>();

/** An HTTP/1.1 connection must send a request's complete headers within `ms` of opening and of each answer (keep-alive). */
function http1Connection(socket: Socket, ms: number): void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const stop = () => clearTimeout(timer);
  const arm = () => {
    stop();
    if (socket.destroyed) return;
    timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
  };
  http1Deadlines.set(socket, { stop, arm });
  socket.once('close', stop);
  arm();
}

/** A request's headers arrived on an HTTP/1.1 connection: no header deadline until its answer is out. */
export function http1RequestStarted(socket: Socket, res: { once(event: 'finish', listener: () => void): unknown }): void {
  const deadline = http1Deadlines.get(socket);
  if (!deadline) return;
  deadline.stop();
  res.once('finish', () => deadline.arm());
}
