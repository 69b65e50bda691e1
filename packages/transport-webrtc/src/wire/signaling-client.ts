// The client end of JSON-RPC signaling over any WebSocket (ws on Node, the browser's own). Browser-safe.
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { JsonRpcPeer } from './json-rpc.js';
import { type AnnounceParams, type AnnounceResult, type OfferParams, type OfferResult, SignalingMethod } from './signaling-types.js';

/** The part of a WebSocket (browser or `ws`) the client uses. */
export interface SignalingSocket {
  readonly readyState: number;
  send(text: string): void;
  close(code?: number, reason?: string): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
}

export interface SignalingClientOptions {
  signal?: AbortSignal;
  announce?: AnnounceParams;
  /** Explains a failed connection (e.g. the HTTP status of a rejected upgrade). */
  explainFailure?: () => RemoteMediaError | undefined;
  onNotification?: (method: string, params: unknown) => void;
}

export class SignalingClient {
  readonly #rpc: JsonRpcPeer;
  #announced!: AnnounceResult;
  readonly closed: Promise<RemoteMediaError>;
  #onClosed!: (e: RemoteMediaError) => void;

  private constructor(
    private readonly socket: SignalingSocket,
    options: SignalingClientOptions,
  ) {
    this.closed = new Promise((r) => (this.#onClosed = r));
    this.#rpc = new JsonRpcPeer(socket, (method, params) => {
      options.onNotification?.(method, params);
      return null;
    });
    socket.addEventListener('message', (event: { data: unknown }) => void this.#rpc.receive(String(event.data)));
    socket.addEventListener('close', () => {
      const error = options.explainFailure?.() ?? new RemoteMediaError(Code.Unavailable, 'signaling connection closed');
      this.#rpc.close(error);
      this.#onClosed(error);
    });
  }

  /** Opens the socket and announces this peer. */
  static async connect(socket: SignalingSocket, options: SignalingClientOptions = {}): Promise<SignalingClient> {
    const client = new SignalingClient(socket, options);
    await new Promise<void>((resolve, reject) => {
      if (socket.readyState === 1) return resolve();
      const fail = () => reject(options.explainFailure?.() ?? new RemoteMediaError(Code.Unavailable, 'cannot connect to the signaling server'));
      socket.addEventListener('open', () => resolve());
      socket.addEventListener('error', fail);
      socket.addEventListener('close', fail);
      options.signal?.addEventListener('abort', () => {
        socket.close();
        reject(RemoteMediaError.from(options.signal!.reason, Code.Canceled));
      });
    });
    client.#announced = await client.request<AnnounceResult>(SignalingMethod.Announce, options.announce ?? {}, options.signal);
    return client;
  }

  get peerId(): string {
    return this.#announced.peer_id;
  }
  get serverPeerId(): string {
    return this.#announced.server_peer_id;
  }
  get iceServers(): AnnounceResult['ice_servers'] {
    return this.#announced.ice_servers;
  }

  request<T = unknown>(method: string, params: unknown, signal?: AbortSignal): Promise<T> {
    return this.#rpc.request<T>(method, params, signal);
  }

  offer(params: Omit<OfferParams, 'to'>, signal?: AbortSignal): Promise<OfferResult> {
    return this.request<OfferResult>(SignalingMethod.Offer, { to: this.serverPeerId, ...params }, signal);
  }

  close(): void {
    this.#rpc.close(new RemoteMediaError(Code.Canceled, 'signaling client closed'));
    if (this.socket.readyState <= 1) this.socket.close(1000, 'client closed');
  }
}
