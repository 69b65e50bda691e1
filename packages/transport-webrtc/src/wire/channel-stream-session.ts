// A StreamSession over a pair of data channels. Browser-safe: the Node (werift) client and the
// browser client both drive it by feeding channel events in.
import { Code, RemoteMediaError, type SendOptions, type TransportData } from '@remotemedia/runtime-core';
import { ClientStreamSession } from '@remotemedia/runtime-core/kit';
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

/**
 * The client session over the two channels: the kit's state machine, plus the ordering of two
 * independent channels. The server's `end` and `error` control messages count the data frames
 * sent before them, so they take effect only once that many outputs have arrived.
 */
export class ChannelStreamSession extends ClientStreamSession {
  readonly #t: ChannelSessionTransport;
  #framesReceived = 0;
  #framesSent = 0;
  #endAfter: number | undefined;
  #error: { after: number; error: RemoteMediaError } | undefined;
  #transportClosed: Promise<void> | undefined;

  constructor(sessionId: string, transport: ChannelSessionTransport, pipelineName = 'webrtc') {
    super(sessionId, { pipeline: pipelineName });
    this.#t = transport;
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
    void this.deliver(item);
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
    else if (m.type === 'error') this.#error ??= { after: m.outputs, error: RemoteMediaError.fromJSON(m.error, { code: Code.Internal }) };
    this.#check();
  }

  /** The connection failed or closed under us: the outputs fail after those already received. */
  onFailure(error: RemoteMediaError): void {
    this.#error ??= { after: this.#framesReceived, error };
    this.#check();
  }

  // --- wire hooks ---
  protected async sendInput(input: TransportData, options: SendOptions): Promise<void> {
    if (this.#error) throw this.#error.error;
    if (this.#endAfter !== undefined) throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} has ended`);
    const frame = encodeDataFrame({ item: input, ...(options.nodeId !== undefined ? { nodeId: options.nodeId } : {}) });
    if (this.#t.data.bufferedAmount > HIGH_WATER_BYTES) await this.#t.drained();
    if (this.#t.data.readyState !== 'open')
      throw new RemoteMediaError(Code.Unavailable, `session ${this.sessionId}: the data channel is ${this.#t.data.readyState}`);
    this.#t.data.send(frame);
    this.#framesSent++;
  }

  protected endInput(): void {
    if (this.#t.control.readyState === 'open' && this.#endAfter === undefined && !this.#error)
      this.#sendControl({ type: 'end_of_stream', after: this.#framesSent });
  }

  protected async closeWire(reason: string): Promise<void> {
    if (this.#t.control.readyState === 'open') this.#sendControl({ type: 'close', reason });
    await this.#closeTransport(reason);
  }

  /** Ends the input, waits for the outputs to end, then tears the connection down. */
  override async end(): Promise<void> {
    try {
      await super.end();
    } finally {
      await this.#closeTransport('session ended');
    }
  }

  #closeTransport(reason: string): Promise<void> {
    return (this.#transportClosed ??= this.#t.close(reason));
  }

  #sendControl(message: ClientControl): void {
    try {
      this.#t.control.send(JSON.stringify(message));
    } catch {
      // The channel died; the connection-state handler reports it.
    }
  }

  /** Applies `end`/`error` once every output the server sent before it has arrived. */
  #check(): void {
    if (this.#error && this.#framesReceived >= this.#error.after) this.fail(this.#error.error);
    else if (this.#endAfter !== undefined && this.#framesReceived >= this.#endAfter) this.finish();
  }
}
