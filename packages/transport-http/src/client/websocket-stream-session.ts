import type { IncomingMessage } from 'node:http';
import { type CallOptions, Code, type ManifestSource, RemoteMediaError, type SendOptions, type TransportData } from '@remotemedia/runtime-core';
import { ClientStreamSession, abortError } from '@remotemedia/runtime-core/kit';
import { WebSocket } from 'ws';
import { errorFromBody, errorFromText, webSocketClosedError } from '../shared/http-errors.js';
import { type ServerMessage, decodeMessage, encodeMessage, frameOf } from '../shared/ws-frames.js';
import { pipelineNameOf, wholeMs } from './http-request.js';

const WS_PROTOCOL = 'remotemedia.v1';

export interface WebSocketSessionOptions {
  /** `ws://host:port/v1/stream` */
  url: string;
  token?: string;
  maxMessageBytes: number;
}

/** A StreamSession over one WebSocket (full duplex; binary frames for audio and other bytes). */
export class WebSocketStreamSession extends ClientStreamSession {
  readonly #pending = new Map<number, { resolve(): void; reject(e: RemoteMediaError): void }>();
  #nextId = 1;

  private constructor(
    sessionId: string,
    manifest: ManifestSource,
    private readonly ws: WebSocket,
  ) {
    super(sessionId, { pipeline: pipelineNameOf(manifest) });
  }

  static async open(
    options: WebSocketSessionOptions,
    manifest: ManifestSource,
    call: CallOptions,
    signal: AbortSignal | undefined,
  ): Promise<WebSocketStreamSession> {
    const ws = new WebSocket(options.url, [WS_PROTOCOL], {
      headers: options.token === undefined ? {} : { authorization: `Bearer ${options.token}` },
      maxPayload: options.maxMessageBytes,
      perMessageDeflate: false,
    });
    ws.binaryType = 'nodebuffer';
    const onAbort = () => ws.terminate();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      const session = await new Promise<WebSocketStreamSession>((resolve, reject) => {
        ws.once('unexpected-response', (_req, res) => void readErrorResponse(res).then(reject));
        ws.once('error', (error) =>
          reject(
            signal?.aborted
              ? abortError(signal, 'opening a session')
              : new RemoteMediaError(Code.Unavailable, `WebSocket connection failed: ${error.message}`, { cause: error }),
          ),
        );
        ws.once('close', () =>
          reject(
            signal?.aborted ? abortError(signal, 'opening a session') : new RemoteMediaError(Code.Unavailable, 'WebSocket closed before the session started'),
          ),
        );
        ws.once('open', () => ws.send(encodeMessage({ type: 'start', manifest, ...(call.timeoutMs ? { timeoutMs: wholeMs(call.timeoutMs) } : {}) })));
        ws.once('message', (raw, isBinary) => {
          const msg = decodeMessage(frameOf(raw, isBinary)) as ServerMessage;
          if (msg.type !== 'started') {
            reject(msg.type === 'error' ? errorFromBody(msg.error) : new RemoteMediaError(Code.Internal, `unexpected first message ${msg.type}`));
            return;
          }
          // Listen synchronously: outputs may arrive in the same TCP read as `started`.
          ws.removeAllListeners();
          const created = new WebSocketStreamSession(msg.sessionId, manifest, ws);
          created.#listen();
          resolve(created);
        });
      });
      signal?.removeEventListener('abort', onAbort);
      signal?.addEventListener('abort', () => void session.close('cancelled by caller'), { once: true });
      return session;
    } catch (error) {
      signal?.removeEventListener('abort', onAbort);
      ws.removeAllListeners();
      ws.on('error', () => {});
      ws.terminate();
      throw error;
    }
  }

  #listen(): void {
    this.ws.on('message', (raw, isBinary) => {
      let msg: ServerMessage;
      try {
        msg = decodeMessage(frameOf(raw, isBinary)) as ServerMessage;
      } catch (error) {
        return this.#lost(RemoteMediaError.from(error, Code.DataLoss));
      }
      switch (msg.type) {
        case 'output':
          return void this.deliver(msg.item);
        case 'ack': {
          const pending = this.#pending.get(msg.id);
          this.#pending.delete(msg.id);
          return msg.error ? pending?.reject(errorFromBody(msg.error)) : pending?.resolve();
        }
        case 'error':
          return this.#lost(errorFromBody(msg.error));
        case 'end':
          return this.finish();
      }
    });
    this.ws.on('close', (code, reason) => this.#lost(webSocketClosedError(code, reason.toString())));
    this.ws.on('error', () => {});
  }

  /** The session failed or the connection went away: fail outputs and every pending send. */
  #lost(error: RemoteMediaError): void {
    this.fail(error);
    for (const p of this.#pending.values()) p.reject(error);
    this.#pending.clear();
  }

  protected sendInput(item: TransportData, options: SendOptions): Promise<void> {
    // The socket is closing: report how the session ended.
    if (this.ws.readyState !== WebSocket.OPEN)
      return this.settled.then(() => Promise.reject(this.error ?? new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} has ended`)));
    const id = this.#nextId++;
    return new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.ws.send(encodeMessage({ type: 'input', id, item, ...(options.nodeId ? { nodeId: options.nodeId } : {}) }));
    });
  }

  protected endInput(): void {
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage({ type: 'end' }));
  }

  protected async closeWire(reason: string): Promise<void> {
    for (const p of this.#pending.values()) p.reject(new RemoteMediaError(Code.Canceled, `session ${this.sessionId} closed: ${reason}`));
    this.#pending.clear();
    if (this.ws.readyState === WebSocket.CLOSED) return;
    const closed = new Promise<void>((resolve) => this.ws.once('close', () => resolve()));
    if (this.ws.readyState === WebSocket.OPEN) this.ws.send(encodeMessage({ type: 'close', reason }));
    this.ws.close(1000, 'client closed');
    const timer = setTimeout(() => this.ws.terminate(), 2000);
    await closed;
    clearTimeout(timer);
  }
}

async function readErrorResponse(res: IncomingMessage): Promise<RemoteMediaError> {
  const chunks: Buffer[] = [];
  for await (const chunk of res) chunks.push(chunk as Buffer);
  return errorFromText(Buffer.concat(chunks).toString('utf8'), res.statusCode ?? 0);
}
