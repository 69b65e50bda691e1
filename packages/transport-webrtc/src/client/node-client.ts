import {
  type AudioData,
  type CallOptions,
  Code,
  type HealthStatus,
  type ManifestSource,
  type PipelineClient,
  RemoteMediaError,
  type RuntimeData,
  type StreamSession,
  type TransportData,
} from '@remotemedia/runtime-core';
import { BoundedQueue, abortError, callSignal } from '@remotemedia/runtime-core/kit';
import type { RTCDataChannel } from 'werift';
import WebSocket from 'ws';
import { peerClosedError, signalingConnectError, toRemoteMediaError } from '../errors.js';
import { OpusTrackReceiver } from '../media/opus-track-receiver.js';
import { OpusTrackSender } from '../media/opus-track-sender.js';
import { type IceOptions, closePeerConnection, createPeerConnection, defaultIceHosts, localSdpWithCandidates } from '../media/peer-connection.js';
import { ChannelStreamSession } from '../wire/channel-stream-session.js';
import { CONTROL_CHANNEL_LABEL, DATA_CHANNEL_LABEL } from '../wire/control-messages.js';
import { SignalingClient } from '../wire/signaling-client.js';
import { SignalingMethod } from '../wire/signaling-types.js';
import { manifestChoice } from '../wire/manifest-choice.js';

export interface WebRtcPipelineClientOptions extends IceOptions {
  /** `ws://host:port/signaling` of a WebRTC server. */
  signalingUrl: string;
  /** Bearer token, sent in the `Authorization` header of the signaling upgrade. Default: none. */
  token?: string;
  /**
   * Inherited from IceOptions; default here: loopback only when the signaling URL's host is a
   * loopback address (the server is on this host), else every interface.
   */
  iceHostAddresses?: string[];
  /** Deadline for calls that pass no `timeoutMs` of their own (unary calls whole; sessions while opening). Default: none. */
  timeoutMs?: number;
  /** Time for a new session's connection to open its channels. Default 15000 ms. */
  connectTimeoutMs?: number;
}

export interface OpenSessionOptions extends CallOptions {
  /** Inline manifest (object or JSON/YAML text), or a pipeline name from the server's directory. */
  manifest?: ManifestSource;
  /** A pipeline name from the server's pipeline directory. */
  pipeline?: string;
  /** Negotiate an Opus audio track in both directions. Default false. */
  audio?: boolean;
  /** Pace of the outgoing track: 1 is real time (20 ms per packet), 4 is four times faster (uploads, tests). Default 1. */
  audioSpeed?: number;
}

/** The audio track of a session opened with `audio: true`. */
export interface SessionAudioTrack {
  /** Encodes audio (any rate/channels; converted to 48 kHz mono) into 20 ms Opus packets. */
  send(audio: AudioData): void;
  /** Sends what is buffered, padding the last partial 20 ms frame with silence. */
  flush(): void;
  /** Decoded audio arriving from the server (48 kHz mono, one item per 20 ms packet). */
  readonly received: AsyncIterable<AudioData>;
}

export interface WebRtcStreamSession extends StreamSession {
  /** Present when the session was opened with `audio: true`. */
  readonly audio: SessionAudioTrack | undefined;
}

export interface WebRtcPipelineClient extends PipelineClient {
  openSession(options: OpenSessionOptions): Promise<WebRtcStreamSession>;
  stream(manifest: ManifestSource, options?: CallOptions): Promise<WebRtcStreamSession>;
}

/** A PipelineClient over WebRTC (werift): each stream session is its own peer connection. */
export function createWebRtcPipelineClient(options: WebRtcPipelineClientOptions): WebRtcPipelineClient {
  return new NodeWebRtcClient(options);
}

class NodeWebRtcClient implements WebRtcPipelineClient {
  readonly #o: WebRtcPipelineClientOptions;
  #signaling: Promise<SignalingClient> | undefined;
  readonly #sessions = new Set<StreamSession>();
  #closed = false;

  constructor(options: WebRtcPipelineClientOptions) {
    const iceHostAddresses = defaultIceHosts(options.iceHostAddresses, new URL(options.signalingUrl).hostname);
    this.#o = { ...options, ...(iceHostAddresses ? { iceHostAddresses } : {}) };
  }

  #connect(signal?: AbortSignal): Promise<SignalingClient> {
    if (this.#closed) return Promise.reject(new RemoteMediaError(Code.FailedPrecondition, 'client is closed'));
    if (!this.#signaling) {
      const url = this.#o.signalingUrl;
      const ws = new WebSocket(url, this.#o.token ? { headers: { authorization: `Bearer ${this.#o.token}` } } : {});
      let lastError: Error | undefined;
      ws.on('error', (e) => (lastError = e));
      const pending = SignalingClient.connect(ws, {
        ...(signal ? { signal } : {}),
        explainFailure: () => (lastError ? signalingConnectError(lastError, url) : undefined),
      });
      this.#signaling = pending;
      pending.then(
        (c) =>
          void c.closed.then((e) => {
            if (this.#signaling === pending) this.#signaling = undefined;
            for (const s of this.#sessions) (s as ChannelStreamSession).onFailure?.(e);
          }),
        () => {
          if (this.#signaling === pending) this.#signaling = undefined;
        },
      );
    }
    return this.#signaling;
  }

  #callSignal(options: CallOptions): AbortSignal | undefined {
    const timeoutMs = options.timeoutMs ?? this.#o.timeoutMs;
    return callSignal({ ...options, ...(timeoutMs !== undefined ? { timeoutMs } : {}) });
  }

  async health(options: CallOptions = {}): Promise<HealthStatus> {
    const signal = this.#callSignal(options);
    const sig = await this.#connect(signal);
    return sig.request<HealthStatus>(SignalingMethod.Health, {}, signal);
  }

  stream(manifest: ManifestSource, options: CallOptions = {}): Promise<WebRtcStreamSession> {
    return this.openSession({ ...options, manifest });
  }

  async openSession(options: OpenSessionOptions): Promise<WebRtcStreamSession> {
    const signal = this.#callSignal(options);
    try {
      return await this.#open(options, signal);
    } catch (error) {
      if (signal?.aborted) throw abortError(signal, 'opening a WebRTC session');
      throw toRemoteMediaError(error);
    }
  }

  async #open(options: OpenSessionOptions, signal: AbortSignal | undefined): Promise<WebRtcStreamSession> {
    const sig = await this.#connect(signal);
    const choice = options.pipeline !== undefined ? { pipeline: options.pipeline } : manifestChoice(options.manifest);
    const pc = createPeerConnection({ ...this.#o, iceServers: this.#o.iceServers ?? sig.iceServers });
    const teardown: Array<() => void> = [];
    const closePc = async () => {
      for (const t of teardown.splice(0)) t();
      await closePeerConnection(pc);
    };
    try {
      const data = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
      const control = pc.createDataChannel(CONTROL_CHANNEL_LABEL, { ordered: true });
      data.bufferedAmountLowThreshold = 256 * 1024;
      let audio: SessionAudioTrack | undefined;
      if (options.audio) {
        const transceiver = pc.addTransceiver('audio', { direction: 'sendrecv' });
        const received = new BoundedQueue<AudioData>(Infinity);
        const sender = new OpusTrackSender((rtp) => transceiver.sender.sendRtp(rtp), { speed: options.audioSpeed ?? 1 });
        // Unbounded: a packet's audio is decoded already; closed at teardown, after which late packets are dropped.
        const receiver = new OpusTrackReceiver((a) => received.closed || void received.push(a), 'server-audio');
        transceiver.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => receiver.receive(rtp)));
        teardown.push(() => (sender.close(), receiver.close(), received.close()));
        audio = { send: (a) => sender.push(a), flush: () => sender.flush(), received };
      }
      await pc.setLocalDescription(await pc.createOffer());
      const offerSdp = await localSdpWithCandidates(pc, this.#o);
      const answer = await sig.offer({ sdp: offerSdp, ...choice, request_id: crypto.randomUUID() }, signal);
      await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
      const channelsOpen = Promise.all([data, control].filter((c) => c.readyState !== 'open').map((c) => c.stateChanged.watch((s) => s === 'open')));
      await withTimeout(channelsOpen, this.#o.connectTimeoutMs ?? 15_000, signal, 'WebRTC connection');

      const session = Object.assign(
        new ChannelStreamSession(answer.session_id, {
          data: werftChannel(data),
          control: werftChannel(control),
          drained: () => data.bufferedAmountLow.asPromise().then(() => undefined),
          close: async () => {
            this.#sessions.delete(session);
            await closePc();
          },
        }),
        { audio },
      );
      data.onMessage.subscribe((m) => typeof m !== 'string' && session.onDataMessage(new Uint8Array(m.buffer, m.byteOffset, m.byteLength)));
      control.onMessage.subscribe((m) => session.onControlMessage(typeof m === 'string' ? m : new Uint8Array(m)));
      pc.connectionStateChange.subscribe((s) => (s === 'failed' || s === 'closed') && session.onFailure(peerClosedError(`session ${answer.session_id}`)));
      this.#sessions.add(session);
      return session;
    } catch (error) {
      await closePc();
      throw error;
    }
  }

  async execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], options: CallOptions = {}): Promise<TransportData[]> {
    const signal = this.#callSignal(options);
    const session = await this.openSession({ manifest, ...(signal ? { signal } : {}) });
    const aborted = new Promise<never>((_, reject) => {
      const onAbort = () => {
        reject(abortError(signal!, 'pipeline execution'));
        void session.close('call cancelled');
      };
      if (signal?.aborted) onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
    aborted.catch(() => {});
    const outputs: TransportData[] = [];
    const run = Promise.all([
      (async () => {
        for (const input of inputs) await session.send(input);
        await session.end();
      })(),
      (async () => {
        for await (const out of session.outputs) outputs.push(out);
      })(),
    ]);
    try {
      await Promise.race([run, aborted]);
    } catch (error) {
      await session.close('call failed');
      if (signal?.aborted) throw abortError(signal, 'pipeline execution');
      throw error;
    }
    if (signal?.aborted) throw abortError(signal, 'pipeline execution');
    return outputs;
  }

  async close(): Promise<void> {
    this.#closed = true;
    await Promise.allSettled([...this.#sessions].map((s) => s.close('client closed')));
    const sig = await this.#signaling?.catch(() => undefined);
    sig?.close();
  }
}

function werftChannel(channel: RTCDataChannel) {
  return {
    send: (d: Uint8Array | string) => channel.send(typeof d === 'string' ? d : Buffer.from(d.buffer, d.byteOffset, d.byteLength)),
    get bufferedAmount() {
      return channel.bufferedAmount;
    },
    get readyState() {
      return channel.readyState;
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, ms: number, signal: AbortSignal | undefined, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onAbort: (() => void) | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new RemoteMediaError(Code.DeadlineExceeded, `${what} did not open within ${ms} ms`)), ms);
        onAbort = () => reject(abortError(signal!, what));
        if (signal?.aborted) onAbort();
        signal?.addEventListener('abort', onAbort, { once: true });
      }),
    ]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal?.removeEventListener('abort', onAbort);
  }
}
