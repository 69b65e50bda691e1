// Browser client: the browser's own RTCPeerConnection and WebSocket, no werift. Import as
// `@remotemedia/transport-webrtc/browser` and bundle it with your app.
import { Code, RemoteMediaError, type StreamSession } from '@remotemedia/runtime-core';
import { abortError } from '@remotemedia/runtime-core/kit';
import { peerClosedError, toRemoteMediaError } from '../errors.js';
import { ChannelStreamSession } from '../wire/channel-stream-session.js';
import { CONTROL_CHANNEL_LABEL, DATA_CHANNEL_LABEL } from '../wire/control-messages.js';
import { manifestChoice } from '../wire/manifest-choice.js';
import { SignalingClient } from '../wire/signaling-client.js';

export { ChannelStreamSession } from '../wire/channel-stream-session.js';
export { SignalingClient } from '../wire/signaling-client.js';
export { encodeDataFrame, decodeDataFrame } from '../wire/data-frame.js';

export interface BrowserSessionOptions {
  /** `ws(s)://host:port/signaling`. */
  signalingUrl: string;
  /** Bearer token; sent as the `token` query parameter (browsers cannot set upgrade headers). */
  token?: string;
  /** A pipeline name from the server's directory. */
  pipeline?: string;
  /** An inline manifest, if the server allows it. */
  manifest?: unknown;
  /** Audio to send (e.g. from getUserMedia). Without it the session only receives audio. */
  audio?: MediaStream;
  /** STUN/TURN servers. Default: the ones the server announces (none: host candidates). */
  iceServers?: RTCIceServer[];
  /** Time to connect. Default 15000 ms. */
  connectTimeoutMs?: number;
  signal?: AbortSignal;
}

export interface BrowserPipelineSession extends StreamSession {
  readonly peerConnection: RTCPeerConnection;
  /** Audio the pipeline sends back (attach it to an <audio> element to play it). */
  readonly remoteAudio: MediaStream;
  /** Barge-in: discards the pipeline's in-flight and queued work now. */
  interrupt(): Promise<void>;
}

/** Opens a pipeline session over WebRTC from a browser. */
export async function connectPipeline(options: BrowserSessionOptions): Promise<BrowserPipelineSession> {
  const url = new URL(options.signalingUrl);
  if (options.token) url.searchParams.set('token', options.token);
  const socket = new WebSocket(url);
  const sig = await SignalingClient.connect(socket, {
    ...(options.signal ? { signal: options.signal } : {}),
    explainFailure: () => new RemoteMediaError(Code.Unavailable, `cannot connect to ${options.signalingUrl} (a rejected token also closes the socket)`),
  });
  const pc = new RTCPeerConnection({ iceServers: options.iceServers ?? sig.iceServers });
  try {
    const data = pc.createDataChannel(DATA_CHANNEL_LABEL, { ordered: true });
    const control = pc.createDataChannel(CONTROL_CHANNEL_LABEL, { ordered: true });
    data.binaryType = 'arraybuffer';
    control.binaryType = 'arraybuffer';
    data.bufferedAmountLowThreshold = 256 * 1024;
    const remoteAudio = new MediaStream();
    pc.addEventListener('track', (e) => remoteAudio.addTrack(e.track));
    const track = options.audio?.getAudioTracks()[0];
    if (track) pc.addTransceiver(track, { direction: 'sendrecv' });
    else pc.addTransceiver('audio', { direction: 'recvonly' });

    await pc.setLocalDescription(await pc.createOffer());
    await iceGatheringComplete(pc, 3000);
    const answer = await sig.offer(
      {
        sdp: pc.localDescription!.sdp,
        ...(options.pipeline !== undefined ? { pipeline: options.pipeline } : manifestChoice(options.manifest as never)),
        request_id: crypto.randomUUID(),
      },
      options.signal,
    );
    await pc.setRemoteDescription({ type: 'answer', sdp: answer.sdp });
    await channelsOpen([data, control], options.connectTimeoutMs ?? 15_000, options.signal);

    const session = new ChannelStreamSession(answer.session_id, {
      data: channel(data),
      control: channel(control),
      drained: () => new Promise((r) => data.addEventListener('bufferedamountlow', () => r(), { once: true })),
      close: async () => {
        pc.close();
        sig.close();
      },
    });
    data.addEventListener('message', (e) => e.data instanceof ArrayBuffer && session.onDataMessage(new Uint8Array(e.data)));
    control.addEventListener('message', (e) => session.onControlMessage(typeof e.data === 'string' ? e.data : new Uint8Array(e.data as ArrayBuffer)));
    pc.addEventListener(
      'connectionstatechange',
      () => (pc.connectionState === 'failed' || pc.connectionState === 'closed') && session.onFailure(peerClosedError(`session ${answer.session_id}`)),
    );
    void sig.closed.then((e) => session.onFailure(e));
    return Object.assign(session, {
      peerConnection: pc,
      remoteAudio,
      interrupt: () => session.send({ kind: 'control', control: { type: 'interrupt' } }),
    });
  } catch (error) {
    pc.close();
    sig.close();
    if (options.signal?.aborted) throw abortError(options.signal, 'connecting to the pipeline');
    throw toRemoteMediaError(error);
  }
}

function channel(c: RTCDataChannel) {
  return {
    send: (d: Uint8Array | string) => (typeof d === 'string' ? c.send(d) : c.send(d as Uint8Array<ArrayBuffer>)),
    get bufferedAmount() {
      return c.bufferedAmount;
    },
    get readyState() {
      return c.readyState;
    },
  };
}

function iceGatheringComplete(pc: RTCPeerConnection, timeoutMs: number): Promise<void> {
  if (pc.iceGatheringState === 'complete') return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => pc.iceGatheringState === 'complete' && resolve();
    pc.addEventListener('icegatheringstatechange', done);
    setTimeout(resolve, timeoutMs); // send what we have; host candidates come first
  });
}

function channelsOpen(channels: RTCDataChannel[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new RemoteMediaError(Code.DeadlineExceeded, `WebRTC connection did not open within ${timeoutMs} ms`)), timeoutMs);
    signal?.addEventListener('abort', () => reject(abortError(signal, 'connecting')), { once: true });
    const check = () => {
      if (channels.every((c) => c.readyState === 'open')) {
        clearTimeout(timer);
        resolve();
      }
    };
    for (const c of channels) c.addEventListener('open', check);
    check();
  });
}
