// `pnpm bench webrtc`: data-channel round trip through PassThrough vs a bare werift data-channel
// echo, audio mouth-to-ear latency vs a bare werift RTP echo, and how many concurrent peers the
// server sustains. Everything runs on loopback in this process.
import { type AudioData, createPipelineRunner } from '@remotemedia/runtime-core';
import {
  OpusTrackReceiver,
  OpusTrackSender,
  closePeerConnection,
  createPeerConnection,
  createWebRtcPipelineClient,
  createWebRtcServer,
  encodeDataFrame,
} from '@remotemedia/transport-webrtc';
import type { RTCDataChannel, RTCPeerConnection } from 'werift';
import { type Comparison, type Measurement, compare, median, percentile, writeReport } from './report.js';

const ICE = { iceHostAddresses: ['127.0.0.1'] };
const passThrough = { version: 'v1', metadata: { name: 'bench' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const ROUND_TRIPS = 400;
const WARMUP = 50;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function connectedPair(setup: (offerer: RTCPeerConnection, answerer: RTCPeerConnection) => void): Promise<[RTCPeerConnection, RTCPeerConnection]> {
  const a = createPeerConnection(ICE);
  const b = createPeerConnection(ICE);
  setup(a, b);
  await a.setLocalDescription(await a.createOffer());
  if (a.iceGatheringState !== 'complete') await a.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
  await b.setRemoteDescription(a.localDescription!);
  await b.setLocalDescription(await b.createAnswer());
  if (b.iceGatheringState !== 'complete') await b.iceGatheringStateChange.watch((s) => s === 'complete', 5000);
  await a.setRemoteDescription(b.localDescription!);
  return [a, b];
}

/** Bare werift: one data channel, the far side echoes every message. */
async function bareDataChannelRoundTrips(payload: Buffer): Promise<number[]> {
  let channel!: RTCDataChannel;
  const [a, b] = await connectedPair((offerer, answerer) => {
    channel = offerer.createDataChannel('echo', { ordered: true });
    answerer.onDataChannel.subscribe((dc) => dc.onMessage.subscribe((m) => dc.send(m)));
  });
  if (channel.readyState !== 'open') await channel.stateChanged.watch((s) => s === 'open', 10_000);
  const times: number[] = [];
  let wake: (() => void) | undefined;
  channel.onMessage.subscribe(() => wake?.());
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t0 = performance.now();
    const echoed = new Promise<void>((r) => (wake = r));
    channel.send(payload);
    await echoed;
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  await Promise.all([closePeerConnection(a), closePeerConnection(b)]);
  return times;
}

async function pipelineRoundTrips(signalingUrl: string): Promise<number[]> {
  const client = createWebRtcPipelineClient({ signalingUrl, ...ICE });
  const session = await client.stream(passThrough);
  const times: number[] = [];
  for (let i = 0; i < WARMUP + ROUND_TRIPS; i++) {
    const t0 = performance.now();
    await session.send({ kind: 'json', value: { seq: i, text: 'round trip' } });
    await session.recv();
    if (i >= WARMUP) times.push(performance.now() - t0);
  }
  await session.close();
  await client.close();
  return times;
}

const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));
const tone = (ms: number) => Float32Array.from({ length: (48_000 * ms) / 1000 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 440 * i) / 48_000));
const frame = (samples: Float32Array): AudioData => ({ kind: 'audio', samples, sampleRate: 48_000, channels: 1 });

/** Time from handing a tone burst (whole 20 ms frames) to the sender until it is heard back decoded, after silence. */
async function mouthToEar(send: (a: AudioData) => void, heard: { onLoud?: () => void }, trials: number): Promise<number[]> {
  const out: number[] = [];
  for (let t = 0; t < trials; t++) {
    for (let i = 0; i < 10; i++) send(frame(new Float32Array(960)));
    await sleep(400); // the silence has played out; the pacer is idle
    const loud = new Promise<void>((r) => (heard.onLoud = r));
    const t0 = performance.now();
    send(frame(tone(100)));
    await Promise.race([loud, sleep(3000)]);
    out.push(performance.now() - t0);
    heard.onLoud = undefined;
    await sleep(300);
  }
  return out;
}

async function pipelineMouthToEar(signalingUrl: string, trials: number): Promise<number[]> {
  const client = createWebRtcPipelineClient({ signalingUrl, ...ICE });
  const session = await client.openSession({ manifest: passThrough, audio: true });
  const heard: { onLoud?: () => void } = {};
  void (async () => {
    for await (const a of session.audio!.received) if (rms(a.samples) > 0.05) heard.onLoud?.();
  })();
  const times = await mouthToEar((a) => session.audio!.send(a), heard, trials);
  await session.close();
  await client.close();
  return times;
}

/** Bare werift: the far side echoes RTP packets untouched (no decode, no pipeline, no re-encode). */
async function bareRtpEchoMouthToEar(trials: number): Promise<number[]> {
  const heard: { onLoud?: () => void } = {};
  const receiver = new OpusTrackReceiver((a) => rms(a.samples) > 0.05 && heard.onLoud?.());
  let sender!: OpusTrackSender;
  const [a, b] = await connectedPair((offerer, answerer) => {
    const t = offerer.addTransceiver('audio', { direction: 'sendrecv' });
    sender = new OpusTrackSender((rtp) => t.sender.sendRtp(rtp));
    t.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => receiver.receive(rtp)));
    answerer.onTransceiverAdded.subscribe((tr) => {
      tr.setDirection('sendrecv');
      tr.onTrack.subscribe((track) => track.onReceiveRtp.subscribe((rtp) => void tr.sender.sendRtp(rtp)));
    });
  });
  await a.connectionStateChange.watch((s) => s === 'connected', 10_000).catch(() => {});
  await sleep(200);
  const times = await mouthToEar((x) => sender.push(x), heard, trials);
  sender.close();
  receiver.close();
  await Promise.all([closePeerConnection(a), closePeerConnection(b)]);
  return times;
}

/** Opens `n` sessions at once, then each does round trips; reports setup time and latency. */
async function concurrentPeers(signalingUrl: string, n: number): Promise<{ ok: boolean; setupMs: number; p95Ms: number }> {
  const client = createWebRtcPipelineClient({ signalingUrl, ...ICE, connectTimeoutMs: 30_000 });
  const t0 = performance.now();
  const opened = await Promise.allSettled(Array.from({ length: n }, () => client.stream(passThrough)));
  const setupMs = performance.now() - t0;
  const sessions = opened.flatMap((o) => (o.status === 'fulfilled' ? [o.value] : []));
  const rtts: number[] = [];
  await Promise.all(
    sessions.map(async (s) => {
      for (let i = 0; i < 20; i++) {
        const t = performance.now();
        await s.send({ kind: 'json', value: i });
        await s.recv();
        rtts.push(performance.now() - t);
      }
    }),
  );
  await client.close();
  const p95Ms = rtts.length ? percentile(rtts, 0.95) : Number.NaN;
  return { ok: sessions.length === n && p95Ms < 250, setupMs, p95Ms };
}

export async function run(): Promise<void> {
  const runner = createPipelineRunner();
  const server = await createWebRtcServer({ pipeline: runner, maxPeers: 128, lingerMs: 200 });
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];
  try {
    const payload = Buffer.from(encodeDataFrame({ item: { data: { kind: 'json', value: { seq: 1, text: 'round trip' } }, metadata: {} } }));
    // Alternate blocks so background load on the machine hits both sides alike.
    const bare: number[] = [];
    const ours: number[] = [];
    for (let block = 0; block < 3; block++) {
      bare.push(...(await bareDataChannelRoundTrips(payload)));
      ours.push(...(await pipelineRoundTrips(server.signalingUrl)));
    }
    comparisons.push(
      compare('data-channel round trip, p50', 'ms', median(ours), median(bare), { target: '<= 1.3', baselineName: 'bare werift data-channel echo' }),
      compare('data-channel round trip, p95', 'ms', percentile(ours, 0.95), percentile(bare, 0.95), { baselineName: 'bare werift data-channel echo' }),
    );

    const trials = 8;
    const bareAudio = await bareRtpEchoMouthToEar(trials);
    const oursAudio = await pipelineMouthToEar(server.signalingUrl, trials);
    comparisons.push(
      compare('audio mouth-to-ear through PassThrough, p50', 'ms', median(oursAudio), median(bareAudio), {
        baselineName: 'bare werift RTP echo (same Opus encode/decode)',
      }),
    );
    measurements.push({
      name: 'audio mouth-to-ear, max of trials',
      unit: 'ms',
      value: Math.max(...oursAudio),
      note: `${trials} trials; from handing over a complete 20 ms frame to hearing it decoded back (add 20 ms capture framing for true mouth-to-ear)`,
    });

    let sustained = 0;
    for (const n of [1, 4, 8, 16, 32, 48]) {
      const r = await concurrentPeers(server.signalingUrl, n);
      measurements.push(
        { name: `${n} concurrent peers: setup all`, unit: 'ms', value: r.setupMs },
        { name: `${n} concurrent peers: round trip p95`, unit: 'ms', value: r.p95Ms, note: r.ok ? 'sustained' : 'not sustained' },
      );
      if (!r.ok) break;
      sustained = n;
      await sleep(500);
    }
    measurements.push({
      name: 'concurrent peers sustained (all connect, p95 round trip < 250 ms)',
      unit: 'peers',
      value: sustained,
      note: 'ramp 1, 4, 8, 16, 32, 48; 2-core machine',
    });
  } finally {
    await server.close();
  }
  writeReport('webrtc', comparisons, measurements);
}
