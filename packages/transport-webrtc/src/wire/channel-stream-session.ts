// A StreamSession over a pair of data channels. Browser-safe: the Node (werift) client and the
// browser client both drive it by feeding channel events in.
import { Code, type RuntimeData, RemoteMediaError, type SendOptions, type SessionMetricsSnapshot, type StreamSession, type TransportData, asTransportData } from '@remotemedia/runtime-core';
import { errorFromJson } from '../errors.js';
import { type ClientControl, type ServerControl, parseServerControl } from './control-messages.js';
import { decodeDataFrame, encodeDataFrame } from './data-frame.js';

/** The part of an RTCDataChannel (browser or werift) the session uses. */
export interface ChannelLike {
  send(data: Uint8Array | string): void;
  readonly bufferedAmount: number;
  readonly readyState: string;
}

export interface ChannelSessionTransport {
  data: ChannelLike;
  control: ChannelLike;
  /** Resolves once `data.bufferedAmount` has dropped below the low-water mark. */
  drained(): Promise<void>;
  /** Tears the connection down (peer connection, signaling session). */
  close(reason: string): Promise<void>;
}

const HIGH_WATER_BYTES = 1 << 20;

export class ChannelStreamSession implements StreamSession {
  readonly #t: ChannelSessionTransport;
  readonly #queue: TransportData[] = [];
  readonly #waiters: Array<() => void> = [];
  readonly #startedAt = Date.now();
  #framesReceived = 0;
  #framesSent = 0;
  #endAfter: number | undefined;
  #error: { after: number; error: RemoteMediaError } | undefined;
  #closed: RemoteMediaError | undefined;
  #finished = false;
  readonly #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(
    readonly sessionId: string,
    transport: ChannelSessionTransport,
    private readonly pipelineName = 'webrtc',
  ) {
    this.#t = transport;
    this.#done = new Promise((r) => (this.#resolveDone = r));
  }

  get isActive(): boolean {
    return !this.#closed && !this.#error && !(this.#allReceived() && this.#queue.length === 0);
  }

  // --- fed by the transport ---
  onDataMessage(bytes: Uint8Array): void {
    let item: TransportData;
    try {
      item = decodeDataFrame(bytes).item;
    } catch (error) {
      this.onFailure(RemoteMediaError.from(error, Code.DataLoss));
      return;
    }
    this.#framesReceived++;
    this.#queue.push(item);
    this.#check();
  }

  onControlMessage(message: string | Uint8Array): void {
    let m: ServerControl;
    try {
      m = parseServerControl(message);
    } catch (error) {
      this.onFailure(RemoteMediaError.from(error, Code.DataLoss));
      return;
    }
    if (m.type === 'end') this.#endAfter = m.outputs;
    else if (m.type === 'error') this.#error ??= { after: m.outputs, error: errorFromJson(m.error, Code.Internal) };
    this.#check();
  }

  /** The connection failed or closed under us. */
  onFailure(error: RemoteMediaError): void {
    if (this.#finished || this.#closed) return;
    this.#error ??= { after: this.#framesReceived, error };
    this.#check();
  }

  // --- StreamSession ---
  async send(input: TransportData | RuntimeData, options?: SendOptions): Promise<void> {
    if (this.#closed) throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} is closed: ${this.#closed.rawMessage}`);
    if (this.#error) throw this.#error.error;
    if (this.#endAfter !== undefined || this.#finished) throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} has ended`);
    const frame = encodeDataFrame({ item: asTransportData(input), ...(options?.nodeId !== undefined ? { nodeId: options.nodeId } : {}) });
    if (this.#t.data.bufferedAmount > HIGH_WATER_BYTES) await this.#t.drained();
    if (this.#t.data.readyState !== 'open') throw new RemoteMediaError(Code.Unavailable, `session ${this.sessionId}: the data channel is ${this.#t.data.readyState}`);
    this.#t.data.send(frame);
    this.#framesSent++;
  }

  async recv(): Promise<TransportData | undefined> {
    for (;;) {
      if (this.#queue.length) return this.#queue.shift();
      if (this.#error && this.#framesReceived >= this.#error.after) {
        this.#finish();
        throw this.#error.error;
      }
      if (this.#finished || this.#closed || this.#allReceived()) {
        this.#finish();
        return undefined;
      }
      await new Promise<void>((r) => this.#waiters.push(r));
    }
  }

  get outputs(): AsyncIterable<TransportData> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (let out = await self.recv(); out !== undefined; out = await self.recv()) yield out;
      },
    };
  }

  async end(): Promise<void> {
    if (!this.#closed && this.#t.control.readyState === 'open' && this.#endAfter === undefined && !this.#error) {
      this.#sendControl({ type: 'end_of_stream', after: this.#framesSent });
    }
    await this.#done;
    if (this.#error) throw this.#error.error;
    await this.#t.close('session ended');
  }

  async close(reason = 'closed by client'): Promise<void> {
    if (this.#closed) return;
    this.#closed = new RemoteMediaError(Code.Canceled, reason);
    if (this.#t.control.readyState === 'open') this.#sendControl({ type: 'close', reason });
    this.#finish();
    await this.#t.close(reason);
  }

  metrics(): SessionMetricsSnapshot {
    return {
      sessionId: this.sessionId,
      pipeline: this.pipelineName,
      state: this.#closed ? 'closed' : this.#error ? 'failed' : this.#finished ? 'closed' : this.#endAfter !== undefined ? 'ending' : 'running',
      startedAtMs: this.#startedAt,
      durationMs: Date.now() - this.#startedAt,
      inputs: this.#framesSent,
      outputs: this.#framesReceived,
      nodes: [],
    };
  }

  #sendControl(message: ClientControl): void {
    try {
      this.#t.control.send(JSON.stringify(message));
    } catch {
      // The channel died; the connection-state handler reports it.
    }
  }

  #allReceived(): boolean {
    return this.#endAfter !== undefined && this.#framesReceived >= this.#endAfter;
  }

  #check(): void {
    if (this.#allReceived() || (this.#error && this.#framesReceived >= this.#error.after)) this.#resolveDone();
    for (const w of this.#waiters.splice(0)) w();
  }

  #finish(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#resolveDone();
    for (const w of this.#waiters.splice(0)) w();
  }
}
