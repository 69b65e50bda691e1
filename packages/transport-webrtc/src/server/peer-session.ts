import {
  Code,
  type ManifestSource,
  type NodeLogger,
  type PipelineTransport,
  RemoteMediaError,
  type StreamSession,
  type TransportData,
} from '@remotemedia/runtime-core';
import type { RTCDataChannel, RTCPeerConnection, RTCRtpTransceiver } from 'werift';
import { toRemoteMediaError } from '../errors.js';
import { OpusTrackReceiver } from '../media/opus-track-receiver.js';
import { OpusTrackSender } from '../media/opus-track-sender.js';
import { type IceOptions, closePeerConnection, createPeerConnection, localSdpWithCandidates } from '../media/peer-connection.js';
import { CONTROL_CHANNEL_LABEL, type ClientControl, DATA_CHANNEL_LABEL, type ServerControl, parseClientControl } from '../wire/control-messages.js';
import { decodeDataFrame, encodeDataFrame } from '../wire/data-frame.js';
import { sdpHasMedia } from '../wire/sdp.js';

export interface PeerSessionOptions extends IceOptions {
  pipeline: PipelineTransport;
  manifest: ManifestSource;
  /** Signaling peer that owns this session (or `whip`). */
  ownerPeerId: string;
  connectTimeoutMs: number;
  disconnectGraceMs: number;
  /** How long a finished session keeps its connection so the client reads the end. */
  lingerMs: number;
  /** Decoded audio packets queued for a busy pipeline before the oldest is dropped. */
  maxQueuedAudioPackets: number;
  /** Data frames received but not yet taken by the pipeline; beyond it (or maxQueuedDataBytes) the session fails. */
  maxQueuedDataFrames: number;
  maxQueuedDataBytes: number;
  logger: NodeLogger;
  onClosed(session: PeerSession, reason: string, error?: RemoteMediaError): void;
}

const HIGH_WATER_BYTES = 1 << 20;
/** How long outputs may wait for a peer to read its data channel before the session fails. */
const SLOW_READER_MS = 30_000;

/** One peer connection bound to one pipeline session: data channels, Opus tracks, teardown. */
export class PeerSession {
  readonly id = crypto.randomUUID();
  readonly ownerPeerId: string;
  readonly createdAt = Date.now();
  readonly #o: PeerSessionOptions;
  readonly #pc: RTCPeerConnection;
  #pipeline!: StreamSession;
  #data: RTCDataChannel | undefined;
  #control: RTCDataChannel | undefined;
  #dataOpen!: Promise<RTCDataChannel | undefined>;
  #audioOut: OpusTrackSender | undefined;
  #audioIn: OpusTrackReceiver | undefined;
  #inputs: Promise<void> = Promise.resolve();
  readonly #pendingControls: ClientControl[] = [];
  #framesReceived = 0;
  #framesSent = 0;
  #queuedAudio = 0;
  #queuedFrames = 0;
  #queuedFrameBytes = 0;
  /** Audio packets dropped because the pipeline could not keep up. */
  droppedAudioPackets = 0;
  #timers: ReturnType<typeof setTimeout>[] = [];
  #closed = false;
  #failed = false;

  private constructor(options: PeerSessionOptions) {
    this.#o = options;
    this.ownerPeerId = options.ownerPeerId;
    this.#pc = createPeerConnection(options);
  }

  get isClosed(): boolean {
    return this.#closed;
  }
  get connectionState(): string {
    return this.#pc.connectionState;
  }

  /** Starts the pipeline session, applies the offer and returns the session with its SDP answer. */
  static async accept(offerSdp: string, options: PeerSessionOptions): Promise<{ session: PeerSession; answerSdp: string }> {
    const self = new PeerSession(options);
    try {
      self.#pipeline = await options.pipeline.stream(options.manifest);
      return { session: self, answerSdp: await self.#negotiate(offerSdp) };
    } catch (error) {
      await self.close('offer failed', undefined, false);
      throw error;
    }
  }

  async #negotiate(offerSdp: string): Promise<string> {
    const pc = this.#pc;
    const wantsData = sdpHasMedia(offerSdp, 'application');
    this.#dataOpen = wantsData
      ? new Promise((resolve) => {
          pc.onDataChannel.subscribe((channel) => {
            if (channel.label === DATA_CHANNEL_LABEL) this.#bindData(channel, resolve);
            else if (channel.label === CONTROL_CHANNEL_LABEL) this.#bindControl(channel);
          });
        })
      : Promise.resolve(undefined);
    pc.connectionStateChange.subscribe((state) => this.#onConnectionState(state));
    pc.onTrack.subscribe((track) => {
      if (track.kind !== 'audio' || this.#audioIn) return;
      this.#audioIn = new OpusTrackReceiver((audio) => this.#enqueueAudio(audio));
      track.onReceiveRtp.subscribe((rtp) => this.#audioIn?.receive(rtp));
    });
    try {
      await pc.setRemoteDescription({ type: 'offer', sdp: offerSdp });
    } catch (error) {
      throw new RemoteMediaError(Code.InvalidArgument, `the SDP offer was rejected: ${(error as Error).message}`, { cause: error, reason: 'OfferInvalid' });
    }
    const audio = pc.getTransceivers().find((t: RTCRtpTransceiver) => t.kind === 'audio');
    if (audio) {
      audio.setDirection('sendrecv');
      this.#audioOut = new OpusTrackSender((rtp) => audio.sender.sendRtp(rtp));
    }
    await pc.setLocalDescription(await pc.createAnswer());
    this.#timers.push(
      setTimeout(
        () =>
          pc.connectionState !== 'connected' &&
          void this.close('connect timeout', new RemoteMediaError(Code.DeadlineExceeded, `peer did not connect within ${this.#o.connectTimeoutMs} ms`)),
        this.#o.connectTimeoutMs,
      ),
    );
    void this.#pumpOutputs();
    return localSdpWithCandidates(pc, this.#o);
  }

  addIceCandidate(candidate: { candidate: string; sdpMid?: string; sdpMLineIndex?: number }): Promise<void> {
    return this.#pc.addIceCandidate(candidate);
  }

  #bindData(channel: RTCDataChannel, opened: (c: RTCDataChannel) => void): void {
    this.#data = channel;
    channel.bufferedAmountLowThreshold = HIGH_WATER_BYTES / 4;
    const ready = () => opened(channel);
    if (channel.readyState === 'open') ready();
    else channel.stateChanged.subscribe((s) => (s === 'open' ? ready() : s === 'closed' && void this.close('data channel closed')));
    channel.onMessage.subscribe((message) => {
      if (this.#closed || this.#failed) return;
      if (typeof message === 'string') return void this.#fail(new RemoteMediaError(Code.InvalidArgument, 'data channel: expected binary frames, got text'));
      // A data channel cannot be paused: a peer that sends faster than the pipeline takes would
      // grow this queue without bound, so past the limit its session fails.
      const { maxQueuedDataFrames, maxQueuedDataBytes } = this.#o;
      if (this.#queuedFrames >= maxQueuedDataFrames || this.#queuedFrameBytes + message.byteLength > maxQueuedDataBytes) {
        return void this.#fail(
          new RemoteMediaError(
            Code.ResourceExhausted,
            `the peer sent ${this.#queuedFrames} data frames (${this.#queuedFrameBytes} bytes) the pipeline has not taken yet: limits maxQueuedDataFrames=${maxQueuedDataFrames}, maxQueuedDataBytes=${maxQueuedDataBytes}`,
            { reason: 'InputQueueFull' },
          ),
        );
      }
      this.#queuedFrames++;
      this.#queuedFrameBytes += message.byteLength;
      this.#inputs = this.#inputs
        .then(() => this.#onFrame(message))
        .finally(() => {
          this.#queuedFrames--;
          this.#queuedFrameBytes -= message.byteLength;
        });
    });
  }

  #bindControl(channel: RTCDataChannel): void {
    this.#control = channel;
    channel.stateChanged.subscribe((s) => s === 'open' && this.#sendControl({ type: 'ready', sessionId: this.id }));
    if (channel.readyState === 'open') this.#sendControl({ type: 'ready', sessionId: this.id });
    channel.onMessage.subscribe((message) => {
      let parsed: ClientControl;
      try {
        parsed = parseClientControl(typeof message === 'string' ? message : new Uint8Array(message));
      } catch (error) {
        return void this.#fail(error);
      }
      if (parsed.type === 'close') return void this.close(parsed.reason ?? 'closed by client');
      if (parsed.type === 'control' && parsed.after === undefined) {
        // Out of band (e.g. a barge-in button): skip the input queue.
        return void this.#pipeline.send({ kind: 'control', control: parsed.control }).catch((error: unknown) => this.#fail(error));
      }
      this.#pendingControls.push(parsed);
      this.#inputs = this.#inputs.then(() => this.#applyControls());
    });
  }

  async #onFrame(bytes: Uint8Array): Promise<void> {
    if (this.#closed) return;
    try {
      const frame = decodeDataFrame(bytes);
      await this.#pipeline.send(frame.item, frame.nodeId === undefined ? undefined : { nodeId: frame.nodeId });
    } catch (error) {
      return this.#fail(error);
    }
    this.#framesReceived++;
    await this.#applyControls();
  }

  async #applyControls(): Promise<void> {
    while (this.#pendingControls.length && !this.#closed) {
      const next = this.#pendingControls[0];
      if (next.type === 'close' || (next.after !== undefined && next.after > this.#framesReceived)) return;
      this.#pendingControls.shift();
      try {
        if (next.type === 'end_of_stream') {
          this.#audioOut?.flush();
          void this.#pipeline.end().catch(() => {});
        } else if (next.type === 'control') await this.#pipeline.send({ kind: 'control', control: next.control });
      } catch (error) {
        return this.#fail(error);
      }
    }
  }

  #enqueueAudio(audio: TransportData['data']): void {
    if (this.#closed) return;
    if (this.#queuedAudio >= this.#o.maxQueuedAudioPackets) {
      this.droppedAudioPackets++;
      return;
    }
    this.#queuedAudio++;
    this.#inputs = this.#inputs.then(async () => {
      this.#queuedAudio--;
      if (this.#closed || !this.#pipeline.isActive) return;
      await this.#pipeline.send(audio).catch((error: unknown) => this.#fail(error));
    });
  }

  async #pumpOutputs(): Promise<void> {
    const data = await this.#dataOpen;
    try {
      for await (const out of this.#pipeline.outputs) {
        if (out.data.kind === 'audio' && this.#audioOut) {
          this.#audioOut.push(out.data);
          continue;
        }
        if (!data) continue; // an audio-only (WHIP) peer has no data channel for other kinds
        if (data.bufferedAmount > HIGH_WATER_BYTES) {
          await data.bufferedAmountLow.asPromise(SLOW_READER_MS).catch(() => {});
          // A peer that does not read its outputs is not buffered for without bound.
          if (data.bufferedAmount > HIGH_WATER_BYTES && !this.#closed) {
            throw new RemoteMediaError(Code.ResourceExhausted, `the peer left ${data.bufferedAmount} bytes of outputs unread for ${SLOW_READER_MS} ms`, {
              reason: 'SlowReader',
            });
          }
        }
        if (this.#closed || data.readyState !== 'open') return;
        data.send(Buffer.from(encodeDataFrame({ item: out })));
        this.#framesSent++;
      }
      this.#audioOut?.flush();
      this.#sendControl({ type: 'end', outputs: this.#framesSent });
      this.#linger('pipeline finished');
    } catch (error) {
      if (this.#closed) return;
      const e = toRemoteMediaError(error);
      this.#sendControl({ type: 'error', outputs: this.#framesSent, error: e.toJSON() });
      this.#linger('pipeline failed', e);
    }
  }

  #fail(error: unknown): void {
    if (this.#failed || this.#closed) return; // the first failure is the one reported
    this.#failed = true;
    const e = toRemoteMediaError(error, Code.InvalidArgument);
    this.#o.logger.warn('webrtc session failed', { sessionId: this.id, error: e.message });
    this.#sendControl({ type: 'error', outputs: this.#framesSent, error: e.toJSON() });
    void this.#pipeline?.close(e.message);
    this.#linger('session failed', e);
  }

  #sendControl(message: ServerControl): void {
    if (this.#control?.readyState === 'open') this.#control.send(JSON.stringify(message));
  }

  #linger(reason: string, error?: RemoteMediaError): void {
    this.#timers.push(setTimeout(() => void this.close(reason, error), this.#o.lingerMs));
  }

  #onConnectionState(state: string): void {
    if (state === 'failed' || state === 'closed') void this.close(`peer connection ${state}`);
    if (state === 'disconnected') {
      this.#timers.push(setTimeout(() => this.#pc.connectionState === 'disconnected' && void this.close('peer disconnected'), this.#o.disconnectGraceMs));
    }
  }

  /** Closes everything this session holds: pipeline, codecs, timers, the connection. Idempotent. */
  async close(reason: string, error?: RemoteMediaError, notify = true): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.#audioOut?.close();
    this.#audioIn?.close();
    await Promise.allSettled([this.#pipeline?.close(reason), closePeerConnection(this.#pc)]);
    if (notify) this.#o.onClosed(this, reason, error);
  }
}
