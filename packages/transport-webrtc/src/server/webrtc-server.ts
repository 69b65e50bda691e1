import { Code, RUNTIME_VERSION, RemoteMediaError } from '@remotemedia/runtime-core';
import { httpStatusOf } from '@remotemedia/runtime-core/kit';
import { type IncomingMessage, STATUS_CODES, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { toRemoteMediaError } from '../errors.js';
import { JsonRpcPeer } from '../wire/json-rpc.js';
import { SERVER_PEER_ID, SignalingMethod, SignalingNotification } from '../wire/signaling-types.js';
import { checkRequestAuth } from './http-auth.js';
import { resolveManifestChoice } from './manifest-resolver.js';
import { PeerSession } from './peer-session.js';
import { type ResolvedServerOptions, type WebRtcServerOptions, resolveServerOptions } from './server-options.js';
import { type SignalingHost, type SignalingPeer, handleSignalingRequest } from './signaling-handler.js';
import { handleWhipRequest } from './whip-endpoint.js';

export interface WebRtcServerStats {
  /** Signaling connections that announced a peer id. */
  peers: number;
  /** Live peer connections, each with one pipeline session. */
  sessions: number;
  signalingConnections: number;
}

export interface WebRtcServer {
  /** `http://host:port` of the server. */
  readonly url: string;
  /** `ws://host:port/signaling`. */
  readonly signalingUrl: string;
  /** `http://host:port/whip`. */
  readonly whipUrl: string;
  readonly port: number;
  /** `{ host, port, url }` (the shape every transport's server reports). */
  readonly address: { host: string; port: number; url: string };
  /** The server listens once `createWebRtcServer` resolves: resolves with its address (the shape every transport's server has). */
  listen(): Promise<{ host: string; port: number; url: string }>;
  stats(): WebRtcServerStats;
  /**
   * Closes every session and signaling connection, then the listener (if the server created it).
   * With `graceMs`, new offers are refused (`unavailable`, reason `ShuttingDown`) and `/health` says
   * `not_serving` while open sessions may end by themselves for up to that long. Default 0.
   */
  close(options?: { graceMs?: number }): Promise<void>;
}

/** A WebRTC server: JSON-RPC signaling over WebSocket, a WHIP endpoint, one pipeline session per peer connection. */
export async function createWebRtcServer(options: WebRtcServerOptions): Promise<WebRtcServer> {
  const o = resolveServerOptions(options);
  const sessions = new Map<string, PeerSession>();
  const peers = new Map<string, SignalingPeer>();
  const sockets = new Set<WebSocket>();
  let closing = false;
  let peerCounter = 0;
  /** Offers being answered now: counted against maxPeers, so a burst of offers cannot overshoot it. */
  let opening = 0;

  const onSessionClosed = (session: PeerSession, reason: string, error?: RemoteMediaError) => {
    sessions.delete(session.id);
    const owner = peers.get(session.ownerPeerId);
    owner?.sessions.delete(session);
    owner?.notify(SignalingNotification.SessionClosed, {
      session_id: session.id,
      reason,
      ...(error ? { error: { code: error.toJSON().code, message: error.rawMessage } } : {}),
    });
    o.logger.debug('webrtc session closed', { sessionId: session.id, reason });
  };

  async function openSession(
    ownerPeerId: string,
    offerSdp: string,
    choice: { pipeline?: string; manifest?: unknown },
  ): Promise<{ session: PeerSession; answerSdp: string }> {
    if (closing) throw new RemoteMediaError(Code.Unavailable, 'server is shutting down', { reason: 'ShuttingDown' });
    if (sessions.size + opening >= o.maxPeers)
      throw new RemoteMediaError(Code.ResourceExhausted, `peer limit reached: maxPeers=${o.maxPeers} connections are open`, { reason: 'LimitExceeded' });
    opening++;
    try {
      const manifest = await resolveManifestChoice(choice, o);
      const accepted = await PeerSession.accept(offerSdp, {
        ...o,
        manifest,
        ownerPeerId,
        onClosed: onSessionClosed,
      });
      sessions.set(accepted.session.id, accepted.session);
      return accepted;
    } finally {
      opening--;
    }
  }

  const host: SignalingHost & { options: ResolvedServerOptions } = {
    options: o,
    iceServers: o.iceServers ?? [],
    announce(conn, requested, info) {
      const id = requested ?? `peer-${++peerCounter}-${crypto.randomUUID().slice(0, 8)}`;
      if (id === SERVER_PEER_ID || peers.has(id)) throw new RemoteMediaError(Code.AlreadyExists, `peer id "${id}" is already registered`);
      conn.peerId = id;
      for (const other of peers.values())
        other.notify(SignalingNotification.Announced, { peer_id: id, capabilities: info.capabilities, ...(info.userData ? { user_data: info.userData } : {}) });
      peers.set(id, Object.assign(conn, { capabilities: info.capabilities }));
      return { peerId: id, peersCount: peers.size + 1 };
    },
    async openSession(conn, params) {
      const accepted = await openSession(conn.peerId!, params.sdp, {
        ...(params.pipeline !== undefined ? { pipeline: params.pipeline } : {}),
        ...(params.manifest !== undefined ? { manifest: params.manifest } : {}),
      });
      conn.sessions.add(accepted.session);
      return accepted;
    },
    session: (id) => sessions.get(id),
    listPeers: () => [
      { peer_id: SERVER_PEER_ID, capabilities: ['audio', 'data'], sessions: sessions.size },
      ...[...peers.values()].map((p) => ({
        peer_id: p.peerId!,
        capabilities: (p as SignalingPeer & { capabilities?: string[] }).capabilities ?? [],
        sessions: p.sessions.size,
      })),
    ],
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: SIGNALING_MAX_MESSAGE_BYTES });
  const onConnection = (ws: WebSocket, socket: Duplex) => {
    sockets.add(ws);
    const conn: SignalingPeer = {
      peerId: undefined,
      sessions: new Set(),
      notify: (method, params) => {
        // Notifications come from other peers' actions: a peer that does not read them is dropped
        // rather than buffered for without bound.
        if (socket.writableLength > SIGNALING_MAX_BUFFERED_BYTES) return void ws.terminate();
        rpc.notify(method, params);
      },
    };
    const rpc = new JsonRpcPeer({ send: (text) => ws.readyState === ws.OPEN && ws.send(text) }, (method, params) =>
      handleSignalingRequest(host, conn, method, params),
    );
    // Backpressure on everything the connection makes us write, answers to invalid frames included:
    // stop reading while SIGNALING_MAX_PENDING requests are unanswered or the send buffer is full.
    let pending = 0;
    const resume = () => {
      if (ws.isPaused && pending < SIGNALING_MAX_PENDING && !socket.writableNeedDrain) ws.resume();
    };
    socket.on('drain', resume);
    const settled = () => {
      pending--;
      resume();
    };
    ws.on('message', (data, isBinary) => {
      pending++;
      if (pending >= SIGNALING_MAX_PENDING || socket.writableNeedDrain) ws.pause();
      if (isBinary) {
        ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: send JSON-RPC as text frames' } }));
        return settled();
      }
      // A text frame arrives as one Buffer (ws's default binaryType).
      void rpc.receive((data as Buffer).toString()).finally(settled);
    });
    // A vanished signaling peer takes its sessions with it.
    ws.on('close', () => {
      sockets.delete(ws);
      rpc.close(new RemoteMediaError(Code.Unavailable, 'signaling connection closed'));
      if (conn.peerId) {
        peers.delete(conn.peerId);
        for (const other of peers.values()) other.notify(SignalingNotification.Disconnected, { peer_id: conn.peerId, reason: 'signaling connection closed' });
      }
      for (const s of conn.sessions) void s.close('signaling connection closed');
    });
    ws.on('error', () => ws.terminate());
    // A connection that never announces would hold one of maxSignalingConnections for good.
    const announceTimer = setTimeout(
      () => conn.peerId === undefined && ws.close(1008, `no ${SignalingMethod.Announce} within ${o.announceTimeoutMs} ms`),
      o.announceTimeoutMs,
    );
    announceTimer.unref();
    ws.once('close', () => clearTimeout(announceTimer));
  };

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Runs in node:http's 'upgrade' event: nothing may throw out of it (that would end the process).
    const path = requestPath(req);
    if (path !== o.signalingPath) {
      // Left to a host server that handles upgrades itself; otherwise nobody would answer, and the
      // socket would stay open for good.
      if (!o.httpServer || http.listenerCount('upgrade') <= 1) {
        refuseUpgrade(
          socket,
          path === undefined
            ? malformedTarget(req)
            : new RemoteMediaError(Code.NotFound, `no WebSocket endpoint at ${path.slice(0, 200)}; signaling is at ${o.signalingPath}`),
        );
      }
      return;
    }
    try {
      if (closing) throw new RemoteMediaError(Code.Unavailable, 'server is shutting down');
      if (sockets.size >= o.maxSignalingConnections)
        throw new RemoteMediaError(Code.ResourceExhausted, `signaling connection limit reached (${o.maxSignalingConnections})`);
      checkRequestAuth(req, o.authTokens);
      wss.handleUpgrade(req, socket, head, (ws) => onConnection(ws, socket));
    } catch (error) {
      refuseUpgrade(socket, toRemoteMediaError(error));
    }
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = requestPath(req);
    if (path === undefined) return sendError(res, malformedTarget(req));
    if (path === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: closing ? 'not_serving' : 'serving', version: RUNTIME_VERSION }));
      return true;
    }
    return handleWhipRequest({ options: o, session: (id) => sessions.get(id), openWhipSession: (sdp, choice) => openSession('whip', sdp, choice) }, req, res);
  };

  // onRequest answers its own errors; this only keeps a bug from becoming an unhandled rejection (a crash).
  const failed = (res: ServerResponse) => (error: unknown) => {
    o.logger.error('webrtc http request failed', { error: (error as Error)?.message ?? String(error) });
    sendError(res, toRemoteMediaError(error));
  };
  const http =
    o.httpServer ??
    createServer(
      {
        keepAliveTimeout: o.keepAliveTimeoutMs,
        headersTimeout: o.requestTimeoutMs ? Math.min(o.headersTimeoutMs, o.requestTimeoutMs) : o.headersTimeoutMs,
        requestTimeout: o.requestTimeoutMs,
        connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.min(...[o.headersTimeoutMs, o.requestTimeoutMs].filter((t) => t > 0), 2000) / 2)),
      },
      (req, res) => {
        onRequest(req, res).then(
          (handled) => handled || sendError(res, new RemoteMediaError(Code.NotFound, `no route ${req.method} ${(req.url ?? '').slice(0, 200)}`)),
          failed(res),
        );
      },
    );
  if (o.httpServer) {
    // Take our paths first; leave everything else to the host server's own listeners.
    const others = o.httpServer.listeners('request');
    o.httpServer.removeAllListeners('request');
    o.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      onRequest(req, res).then((handled) => {
        if (!handled) for (const l of others) (l as (a: IncomingMessage, b: ServerResponse) => void)(req, res);
      }, failed(res));
    });
  } else {
    // Unparseable or too slow (slowloris): answer if we can, then close for good, even a socket that ignores our FIN.
    http.on('clientError', (error: NodeJS.ErrnoException, socket: Duplex) => {
      if ((socket as Duplex & { _httpMessage?: ServerResponse })._httpMessage?.headersSent || !socket.writable) return void socket.destroy();
      const e =
        error.code === 'HPE_HEADER_OVERFLOW'
          ? new RemoteMediaError(Code.ResourceExhausted, 'request headers too large', { reason: 'HeadersTooLarge' })
          : error.code === 'ERR_HTTP_REQUEST_TIMEOUT'
            ? new RemoteMediaError(
                Code.DeadlineExceeded,
                `request not received in time (headers within ${o.headersTimeoutMs} ms, all within ${o.requestTimeoutMs} ms)`,
                { reason: 'RequestTimeout' },
              )
            : new RemoteMediaError(Code.InvalidArgument, `malformed HTTP request (${error.code ?? error.message})`, { reason: 'MalformedRequest' });
      refuseUpgrade(socket, e, error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400);
    });
  }
  http.on('upgrade', onUpgrade);
  if (!http.listening) await new Promise<void>((resolve, reject) => http.once('error', reject).listen(o.port, o.host, () => resolve()));
  const address = http.address() as AddressInfo;
  const hostName = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const base = `http://${hostName}:${address.port}`;

  return {
    url: base,
    signalingUrl: `ws://${hostName}:${address.port}${o.signalingPath}`,
    whipUrl: `${base}${o.whipPath}`,
    port: address.port,
    address: { host: address.address, port: address.port, url: base },
    listen: () => Promise.resolve({ host: address.address, port: address.port, url: base }),
    stats: () => ({ peers: peers.size, sessions: sessions.size, signalingConnections: sockets.size }),
    async close(closeOptions) {
      closing = true;
      const graceMs = closeOptions?.graceMs ?? 0;
      for (const until = Date.now() + graceMs; sessions.size > 0 && Date.now() < until;)
        await new Promise((r) => setTimeout(r, Math.min(50, until - Date.now())));
      await Promise.allSettled([...sessions.values()].map((s) => s.close('server closed')));
      for (const ws of sockets) ws.terminate();
      wss.close();
      http.off('upgrade', onUpgrade);
      if (!o.httpServer) {
        http.closeAllConnections?.();
        await new Promise<void>((resolve) => http.close(() => resolve()));
      }
    },
  };
}

/** Largest signaling message, in bytes. */
const SIGNALING_MAX_MESSAGE_BYTES = 1024 * 1024;
/** Requests of one signaling connection answered at once; more wait (the socket is not read meanwhile). */
const SIGNALING_MAX_PENDING = 16;
/** A signaling peer whose unread notifications exceed this is disconnected. */
const SIGNALING_MAX_BUFFERED_BYTES = 4 * 1024 * 1024;

/** The request's path, or undefined when its target cannot be parsed (e.g. `http://[bad/x`). */
function requestPath(req: IncomingMessage): string | undefined {
  try {
    return new URL(req.url ?? '/', 'http://x').pathname;
  } catch {
    return undefined;
  }
}

function malformedTarget(req: IncomingMessage): RemoteMediaError {
  return new RemoteMediaError(Code.InvalidArgument, `malformed request target ${JSON.stringify((req.url ?? '').slice(0, 200))}`, {
    details: [{ path: 'url', message: 'not a valid path or URL' }],
    reason: 'MalformedRequestTarget',
  });
}

/** Answers `{error}` with the error's status; true (the request is handled). */
function sendError(res: ServerResponse, e: RemoteMediaError): true {
  if (res.headersSent) res.destroy();
  else {
    const body = JSON.stringify({ error: e.toJSON() });
    res.writeHead(httpStatusOf(e), { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
  }
  return true;
}

/** Answers a connection that will not become a request or WebSocket, then closes it for good (after 1 s at most). */
function refuseUpgrade(socket: Duplex, e: RemoteMediaError, status = httpStatusOf(e)): void {
  const body = JSON.stringify({ error: e.toJSON() });
  const timer = setTimeout(() => socket.destroy(), 1000);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
    () => socket.destroy(),
  );
}
