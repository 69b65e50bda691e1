/** Parameters and results of the JSON-RPC 2.0 signaling methods (see docs/webrtc.md). */

/** The id of the server's own peer: offers addressed to it open a pipeline session. */
export const SERVER_PEER_ID = 'remotemedia-server';

export const SignalingMethod = {
  Announce: 'peer.announce',
  Offer: 'peer.offer',
  IceCandidate: 'peer.ice_candidate',
  Disconnect: 'peer.disconnect',
  List: 'peer.list',
  Health: 'server.health',
} as const;

/** Server -> client notifications. */
export const SignalingNotification = {
  Announced: 'peer.announced',
  Disconnected: 'peer.disconnected',
  SessionClosed: 'session.closed',
} as const;

export interface AnnounceParams {
  peer_id?: string;
  capabilities?: Array<'audio' | 'video' | 'data'>;
  user_data?: Record<string, unknown>;
}
export interface AnnounceResult {
  peer_id: string;
  server_peer_id: string;
  peers_count: number;
  ice_servers: Array<{ urls: string | string[]; username?: string; credential?: string }>;
}
export interface OfferParams {
  to: string;
  sdp: string;
  /** A manifest name from the server's pipeline directory. */
  pipeline?: string;
  /** An inline manifest, if the server allows it. */
  manifest?: unknown;
  request_id?: string;
}
export interface OfferResult {
  type: 'answer';
  sdp: string;
  session_id: string;
  request_id?: string;
}
export interface IceCandidateParams {
  to?: string;
  session_id: string;
  candidate: string;
  sdp_mid?: string;
  sdp_m_line_index?: number;
}
export interface DisconnectParams {
  /** One session to close; all of this peer's sessions when absent. */
  session_id?: string;
  reason?: string;
}
export interface SessionClosedParams {
  session_id: string;
  reason: string;
  error?: { code: string; message: string };
}
