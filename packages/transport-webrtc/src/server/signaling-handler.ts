import { Code, RUNTIME_VERSION, RemoteMediaError } from '@remotemedia/runtime-core';
import { z } from 'zod';
import { RpcErrorCode } from '../errors.js';
import { rpcFailure } from '../wire/json-rpc.js';
import { looksLikeSdp } from '../wire/sdp.js';
import { type AnnounceResult, type OfferResult, SERVER_PEER_ID, SignalingMethod } from '../wire/signaling-types.js';
import type { PeerSession } from './peer-session.js';

/** Largest `user_data` of an announce, as JSON text. */
const MAX_USER_DATA_CHARS = 4096;
const peerId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected 1-64 letters, digits, "_" or "-"' });
const schemas = {
  [SignalingMethod.Announce]: z
    .object({
      peer_id: peerId.optional(),
      capabilities: z.array(z.enum(['audio', 'video', 'data'])).optional(),
      // Sent on to every other peer in `peer.announced`: kept small.
      user_data: z
        .record(z.string(), z.unknown())
        .refine((v) => (JSON.stringify(v) ?? '').length <= MAX_USER_DATA_CHARS, { error: `at most ${MAX_USER_DATA_CHARS} characters of JSON` })
        .optional(),
    })
    .strict(),
  [SignalingMethod.Offer]: z
    .object({
      to: peerId,
      sdp: z.string().max(256 * 1024),
      pipeline: z.string().optional(),
      manifest: z.unknown().optional(),
      request_id: z.string().max(128).optional(),
    })
    .strict(),
  [SignalingMethod.IceCandidate]: z
    .object({
      to: peerId.optional(),
      session_id: z.string().min(1).max(128),
      candidate: z.string().max(1024),
      sdp_mid: z.string().max(64).optional(),
      sdp_m_line_index: z.number().int().nonnegative().max(1024).optional(),
      request_id: z.string().max(128).optional(),
    })
    .strict(),
  [SignalingMethod.Disconnect]: z
    .object({ session_id: z.string().max(128).optional(), reason: z.string().max(256).optional(), to: z.string().max(128).optional() })
    .strict(),
  [SignalingMethod.List]: z.object({}).strict(),
  [SignalingMethod.Health]: z.object({}).strict(),
} as const;
type Params<M extends keyof typeof schemas> = z.output<(typeof schemas)[M]>;

/** What a signaling connection needs from the server. */
export interface SignalingHost {
  announce(
    conn: SignalingPeer,
    peerId: string | undefined,
    info: { capabilities: string[]; userData?: Record<string, unknown> },
  ): { peerId: string; peersCount: number };
  openSession(conn: SignalingPeer, params: Params<'peer.offer'>): Promise<{ session: PeerSession; answerSdp: string }>;
  session(id: string): PeerSession | undefined;
  listPeers(): Array<{ peer_id: string; capabilities: string[]; sessions: number }>;
  iceServers: AnnounceResult['ice_servers'];
}

/** One signaling client's state. */
export interface SignalingPeer {
  peerId: string | undefined;
  readonly sessions: Set<PeerSession>;
  notify(method: string, params: unknown): void;
}

function parse<M extends keyof typeof schemas>(method: M, params: unknown): Params<M> {
  const result = schemas[method].safeParse(params ?? {});
  if (result.success) return result.data as Params<M>;
  const details = result.error.issues.map((i) => ({ path: ['params', ...i.path].join('.'), message: i.message }));
  throw rpcFailure(
    RpcErrorCode.InvalidParams,
    new RemoteMediaError(Code.InvalidArgument, `invalid params for ${method}: ${details.map((d) => `${d.path}: ${d.message}`).join('; ')}`, { details }),
  );
}

/** Dispatches one JSON-RPC request of a signaling connection. */
export async function handleSignalingRequest(host: SignalingHost, conn: SignalingPeer, method: string, raw: unknown): Promise<unknown> {
  if (!(method in schemas)) {
    throw rpcFailure(
      RpcErrorCode.MethodNotFound,
      new RemoteMediaError(Code.Unimplemented, `method not found: ${method}; supported: ${Object.keys(schemas).join(', ')}`),
    );
  }
  if (method === SignalingMethod.Health) {
    parse(method, raw);
    return { status: 'serving', version: RUNTIME_VERSION };
  }
  if (method === SignalingMethod.Announce) {
    const p = parse(method, raw);
    if (conn.peerId)
      throw rpcFailure(
        RpcErrorCode.InvalidRequest,
        new RemoteMediaError(Code.FailedPrecondition, `this connection already announced itself as ${conn.peerId}`),
      );
    const { peerId: id, peersCount } = host.announce(conn, p.peer_id, {
      capabilities: p.capabilities ?? ['audio', 'data'],
      ...(p.user_data ? { userData: p.user_data } : {}),
    });
    const result: AnnounceResult = { peer_id: id, server_peer_id: SERVER_PEER_ID, peers_count: peersCount, ice_servers: host.iceServers };
    return result;
  }
  if (!conn.peerId)
    throw rpcFailure(RpcErrorCode.NotAnnounced, new RemoteMediaError(Code.FailedPrecondition, `call ${SignalingMethod.Announce} before ${method}`));
  switch (method) {
    case SignalingMethod.Offer: {
      const p = parse(method, raw);
      if (p.to !== SERVER_PEER_ID)
        throw rpcFailure(
          RpcErrorCode.PeerNotFound,
          new RemoteMediaError(Code.NotFound, `peer "${p.to}" does not take offers; send offers to "${SERVER_PEER_ID}"`),
        );
      if (!looksLikeSdp(p.sdp))
        throw rpcFailure(
          RpcErrorCode.OfferInvalid,
          new RemoteMediaError(Code.InvalidArgument, 'params.sdp is not an SDP offer (expected "v=0" and at least one m= line)', {
            details: [{ path: 'params.sdp', message: 'not SDP' }],
          }),
        );
      const { session, answerSdp } = await host.openSession(conn, p);
      const result: OfferResult = { type: 'answer', sdp: answerSdp, session_id: session.id, ...(p.request_id ? { request_id: p.request_id } : {}) };
      return result;
    }
    case SignalingMethod.IceCandidate: {
      const p = parse(method, raw);
      const session = host.session(p.session_id);
      if (!session || session.ownerPeerId !== conn.peerId)
        throw rpcFailure(RpcErrorCode.PeerNotFound, new RemoteMediaError(Code.NotFound, `no session ${p.session_id} of this peer`));
      try {
        await session.addIceCandidate({
          candidate: p.candidate,
          ...(p.sdp_mid !== undefined ? { sdpMid: p.sdp_mid } : {}),
          ...(p.sdp_m_line_index !== undefined ? { sdpMLineIndex: p.sdp_m_line_index } : {}),
        });
      } catch (error) {
        throw rpcFailure(
          RpcErrorCode.IceCandidateInvalid,
          new RemoteMediaError(Code.InvalidArgument, `ICE candidate rejected: ${(error as Error).message}`, { cause: error }),
        );
      }
      return { accepted: true };
    }
    case SignalingMethod.Disconnect: {
      const p = parse(method, raw);
      const targets = p.session_id ? [...conn.sessions].filter((s) => s.id === p.session_id) : [...conn.sessions];
      if (p.session_id && targets.length === 0)
        throw rpcFailure(RpcErrorCode.PeerNotFound, new RemoteMediaError(Code.NotFound, `no session ${p.session_id} of this peer`));
      await Promise.all(targets.map((s) => s.close(p.reason ?? 'peer.disconnect')));
      return { disconnected: targets.length };
    }
    default: {
      parse(SignalingMethod.List, raw);
      return { peers: host.listPeers() };
    }
  }
}
