import { Code, RUNTIME_VERSION, RemoteMediaError } from '@remotemedia/runtime-core';
import { type IncomingMessage, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { type WebSocket, WebSocketServer } from 'ws';
import { httpStatusFor, toRemoteMediaError } from '../errors.js';
import { JsonRpcPeer } from '../wire/json-rpc.js';
import { SERVER_PEER_ID, SignalingNotification } from '../wire/signaling-types.js';
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
  stats(): WebRtcServerStats;
  /** Closes every session and signaling connection, then the listener (if the server created it). */
  close(): Promise<void>;
}

/** A WebRTC server: JSON-RPC signaling over WebSocket, a WHIP endpoint, one pipeline session per peer connection. */
export async function createWebRtcServer(options: WebRtcServerOptions): Promise<WebRtcServer> {
  const o = resolveServerOptions(options);
  const sessions = new Map<string, PeerSession>();
  const peers = new Map<string, SignalingPeer>();
  const sockets = new Set<WebSocket>();
  let closing = false;
  let peerCounter = 0;

  const onSessionClosed = (session: PeerSession, reason: string, error?: RemoteMediaError) => {
    sessions.delete(session.id);
    const owner = peers.get(session.ownerPeerId);
    owner?.sessions.delete(session);
    owner?.notify(SignalingNotification.SessionClosed, { session_id: session.id, reason, ...(error ? { error: { code: error.toJSON().code, message: error.rawMessage } } : {}) });
    o.logger.debug('webrtc session closed', { sessionId: session.id, reason });
  };

  async function openSession(ownerPeerId: string, offerSdp: string, choice: { pipeline?: string; manifest?: unknown }): Promise<{ session: PeerSession; answerSdp: string }> {
    if (closing) throw new RemoteMediaError(Code.Unavailable, 'server is shutting down', { reason: 'ShuttingDown' });
    if (sessions.size >= o.maxPeers) throw new RemoteMediaError(Code.ResourceExhausted, `peer limit reached: maxPeers=${o.maxPeers} connections are open`, { reason: 'LimitExceeded' });
    const manifest = await resolveManifestChoice(choice, o);
    const accepted = await PeerSession.accept(offerSdp, {
      ...o,
      manifest,
      ownerPeerId,
      onClosed: onSessionClosed,
    });
    sessions.set(accepted.session.id, accepted.session);
    return accepted;
  }

  const host: SignalingHost & { options: ResolvedServerOptions } = {
    options: o,
    iceServers: o.iceServers ?? [],
    announce(conn, requested, info) {
      const id = requested ?? `peer-${++peerCounter}-${crypto.randomUUID().slice(0, 8)}`;
      if (id === SERVER_PEER_ID || peers.has(id)) throw new RemoteMediaError(Code.AlreadyExists, `peer id "${id}" is already registered`);
      conn.peerId = id;
      for (const other of peers.values()) other.notify(SignalingNotification.Announced, { peer_id: id, capabilities: info.capabilities, ...(info.userData ? { user_data: info.userData } : {}) });
      peers.set(id, Object.assign(conn, { capabilities: info.capabilities }));
      return { peerId: id, peersCount: peers.size + 1 };
    },
    async openSession(conn, params) {
      const accepted = await openSession(conn.peerId!, params.sdp, { ...(params.pipeline !== undefined ? { pipeline: params.pipeline } : {}), ...(params.manifest !== undefined ? { manifest: params.manifest } : {}) });
      conn.sessions.add(accepted.session);
      return accepted;
    },
    session: (id) => sessions.get(id),
    listPeers: () => [
      { peer_id: SERVER_PEER_ID, capabilities: ['audio', 'data'], sessions: sessions.size },
      ...[...peers.values()].map((p) => ({ peer_id: p.peerId!, capabilities: (p as SignalingPeer & { capabilities?: string[] }).capabilities ?? [], sessions: p.sessions.size })),
    ],
  };

  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 * 1024 });
  wss.on('connection', (ws: WebSocket) => {
    sockets.add(ws);
    const conn: SignalingPeer = { peerId: undefined, sessions: new Set(), notify: (method, params) => rpc.notify(method, params) };
    const rpc = new JsonRpcPeer({ send: (text) => ws.readyState === ws.OPEN && ws.send(text) }, (method, params) => handleSignalingRequest(host, conn, method, params));
    ws.on('message', (data, isBinary) => {
      if (isBinary) return ws.send(JSON.stringify({ jsonrpc: '2.0', id: null, error: { code: -32600, message: 'invalid request: send JSON-RPC as text frames' } }));
      void rpc.receive(data.toString());
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
  });

  const onUpgrade = (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (new URL(req.url ?? '/', 'http://x').pathname !== o.signalingPath) return;
    try {
      if (closing) throw new RemoteMediaError(Code.Unavailable, 'server is shutting down');
      if (sockets.size >= o.maxSignalingConnections) throw new RemoteMediaError(Code.ResourceExhausted, `signaling connection limit reached (${o.maxSignalingConnections})`);
      checkRequestAuth(req, o.authTokens);
    } catch (error) {
      const e = toRemoteMediaError(error);
      const body = JSON.stringify({ error: e.toJSON() });
      socket.end(`HTTP/1.1 ${httpStatusFor(e)} ${e.rawMessage.replace(/[^\x20-\x7e]/g, '')}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  };

  const onRequest = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/health' && req.method === 'GET') {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ status: closing ? 'not_serving' : 'serving', version: RUNTIME_VERSION }));
      return true;
    }
    return handleWhipRequest({ options: o, session: (id) => sessions.get(id), openWhipSession: (sdp, choice) => openSession('whip', sdp, choice) }, req, res);
  };

  const http =
    o.httpServer ??
    createServer((req, res) => {
      void onRequest(req, res).then((handled) => handled || res.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${req.url}` } })));
    });
  if (o.httpServer) {
    // Take our paths first; leave everything else to the host server's own listeners.
    const others = o.httpServer.listeners('request');
    o.httpServer.removeAllListeners('request');
    o.httpServer.on('request', (req: IncomingMessage, res: ServerResponse) => {
      void onRequest(req, res).then((handled) => {
        if (!handled) for (const l of others) (l as (a: IncomingMessage, b: ServerResponse) => void)(req, res);
      });
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
    stats: () => ({ peers: peers.size, sessions: sessions.size, signalingConnections: sockets.size }),
    async close() {
      closing = true;
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
