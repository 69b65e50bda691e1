import { type AudioData, decodeWav, mixDown } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WebRtcServer, createWebRtcPipelineClient, createWebRtcServer } from '../src/index.js';
import { bestCorrelation, concat, decimate } from './helpers/signal-math.js';

const fixture = (name: string) => fileURLToPath(new URL(`../../../fixtures/audio/${name}`, import.meta.url));
const speech48k = decodeWav(readFileSync(fixture('speech-48k-stereo.wav')));
const expected = JSON.parse(readFileSync(fixture('speech-segments.json'), 'utf8')) as { segments: Array<{ startMs: number; endMs: number }> };

const passThrough = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const vad = {
  version: 'v1',
  metadata: { name: 'vad' },
  nodes: [{ id: 'vad', nodeType: 'EnergyVAD', params: { thresholdDb: -40 } }],
} as const;

describe('audio tracks (Opus over RTP, werift <-> werift on loopback)', () => {
  let server: WebRtcServer;
  beforeAll(async () => {
    // The client sends faster than real time, so let the server queue the whole fixture.
    server = await createWebRtcServer({ pipeline: createNodeRunner(), maxQueuedAudioPackets: 10_000 });
  });
  afterAll(() => server.close());

  it('an audio track through a PassThrough pipeline comes back with the same content', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl });
    const session = await client.openSession({ manifest: passThrough, audio: true, audioSpeed: 5 });
    const mono = mixDown(speech48k.samples, speech48k.channels);
    const sent = mono.subarray(48_000 * 0.5, 48_000 * 2.5); // 2 s of speech
    const received: Float32Array[] = [];
    const collecting = (async () => {
      for await (const a of session.audio!.received) {
        received.push(a.samples);
        if (received.length * 960 >= sent.length) break;
      }
    })();
    for (let i = 0; i < sent.length; i += 960) session.audio!.send({ kind: 'audio', samples: sent.slice(i, i + 960), sampleRate: 48_000, channels: 1 });
    session.audio!.flush();
    await Promise.race([collecting, new Promise((r) => setTimeout(r, 6000))]); // kept: a bound; audio that never comes fails the length check below
    await session.close();
    await client.close();

    const got = concat(received);
    expect(got.length).toBeGreaterThanOrEqual(sent.length);
    // Compare at 8 kHz: two Opus generations shift phase slightly at high frequencies.
    const { correlation, lag } = bestCorrelation(decimate(sent, 6), decimate(got, 6), 8000 * 0.25);
    expect(correlation, `best normalized cross-correlation (lag ${lag} samples at 8 kHz)`).toBeGreaterThan(0.9);
  });

  it('a VAD pipeline on the speech fixture reports its segments over the data channel', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl });
    const session = await client.openSession({ manifest: vad, audio: true, audioSpeed: 5 });
    const events: Array<{ speechStart: boolean; speechEnd: boolean; timestampUs: number }> = [];
    const reading = (async () => {
      for await (const out of session.outputs) if (out.data.kind === 'json') events.push(out.data.value as never);
    })();
    const mono = mixDown(speech48k.samples, speech48k.channels);
    for (let i = 0; i < mono.length; i += 960)
      session.audio!.send({ kind: 'audio', samples: mono.slice(i, i + 960), sampleRate: 48_000, channels: 1 } satisfies AudioData);
    session.audio!.flush();
    // End the input once the last segment has come back, not before its packets crossed.
    const total = expected.segments.length;
    await waitUntil(() => events.filter((e) => e.speechEnd).length >= total, {
      what: `${total} speech ends`,
      timeoutMs: 10_000,
      intervalMs: 100,
      observe: () => events,
    });
    await session.end();
    await reading;
    await client.close();

    const starts = events.filter((e) => e.speechStart).map((e) => e.timestampUs / 1000);
    expect(starts).toHaveLength(total);
    starts.forEach((ms, i) => expect(Math.abs(ms - expected.segments[i].startMs), `segment ${i} start ${ms} ms`).toBeLessThan(400));
  });
});
