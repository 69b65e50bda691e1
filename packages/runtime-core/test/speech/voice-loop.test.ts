// examples/voice-loop.yaml end to end with the real engines: a question the TTS made goes in as
// 48 kHz "microphone" audio, a transcript, a reply and reply audio come out; speaking over the
// reply cuts it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@remotemedia/test-support';
import type { AudioData, RuntimeData } from '../../src/data/runtime-data.js';
import { resample } from '../../src/dsp/resampler.js';
import { createNodeRunner } from '../../src/nodejs/runners/create-node-runner.js';
import { livePythonProcessCount } from '../../src/nodejs/multiprocess/child-processes.js';
import { repoRoot } from '../audio/fixture.js';

const HAVE_SPHINX = existsSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin') && existsSync('/usr/lib/python3/dist-packages/pocketsphinx');
const runner = createNodeRunner();
afterAll(() => runner.shutdown());
const manifest = readFileSync(join(repoRoot, 'examples/voice-loop.yaml'), 'utf8');

async function say(text: string): Promise<Float32Array> {
  const out = await runner.execute(
    { version: 'v1', metadata: { name: 'say' }, nodes: [{ id: 'tts', nodeType: 'TextToSpeech', params: { sampleRate: 48000 } }] },
    [{ kind: 'text', text }],
  );
  const parts = out.map((o) => o.data as AudioData);
  const all = new Float32Array(parts.reduce((n, p) => n + p.samples.length, 0));
  let o = 0;
  for (const p of parts) {
    all.set(p.samples, o);
    o += p.samples.length;
  }
  return all;
}
const silence = (ms: number) => new Float32Array((48000 * ms) / 1000);
const frames = (samples: Float32Array, startUs = 0): AudioData[] => {
  const out: AudioData[] = [];
  for (let o = 0; o < samples.length; o += 960)
    out.push({ kind: 'audio', samples: samples.slice(o, o + 960), sampleRate: 48000, channels: 1, timestampUs: startUs + Math.round((o * 1e6) / 48000) });
  return out;
};
type Json = Record<string, unknown>;
const jsonFrom = (outs: { data: RuntimeData; metadata: Record<string, string> }[], node: string): Json[] =>
  outs.filter((o) => o.metadata['rm-node-id'] === node && o.data.kind === 'json').map((o) => (o.data as { value: Json }).value);

describe.skipIf(!HAVE_SPHINX)('examples/voice-loop.yaml', () => {
  it('hears a question, answers it, and speaks the answer', async () => {
    const question = await say('Hello, how are you?');
    const input = frames(Float32Array.from([...silence(500), ...question, ...silence(1500)]));
    const outs = await runner.execute(manifest, input);
    const transcripts = jsonFrom(outs, 'transcripts');
    expect(transcripts).toHaveLength(1);
    expect(transcripts[0]).toMatchObject({ final: true });
    expect(String(transcripts[0].text)).toContain('hello');
    expect(transcripts[0].startUs as number).toBeGreaterThan(200_000);
    const replies = outs.filter((o) => o.metadata['rm-node-id'] === 'replies').map((o) => o.data);
    expect(replies).toEqual([{ kind: 'text', text: 'Hello! How can I help you?', channel: 'reply' }]);
    const ttsEvents = jsonFrom(outs, 'tts').map((e) => e.tts);
    expect(ttsEvents).toEqual(['start', 'end']);
    const audio = outs.filter((o) => o.data.kind === 'audio').map((o) => o.data as AudioData);
    expect(audio.every((a) => a.sampleRate === 16000 && a.samples.length <= 320)).toBe(true); // 20 ms frames, paced
    expect(audio.reduce((n, a) => n + a.samples.length, 0) / 16000).toBeGreaterThan(1);
    const vad = jsonFrom(outs, 'speech-events');
    expect(vad.filter((e) => e.speechStart).length).toBe(1);
    expect(vad.filter((e) => e.speechEnd).length).toBe(1);
  });

  it('works on 16 kHz stereo input too (mixed down and resampled by the pipeline)', async () => {
    const q = resample(await say('Hello there, tell me the weather.'), { inputRate: 48000, outputRate: 16000 });
    const body = Float32Array.from([...new Float32Array(8000), ...q, ...new Float32Array(24000)]);
    const stereo = new Float32Array(body.length * 2);
    body.forEach((v, i) => ((stereo[2 * i] = v), (stereo[2 * i + 1] = v)));
    const outs = await runner.execute(manifest, [{ kind: 'audio', samples: stereo, sampleRate: 16000, channels: 2, timestampUs: 0 }]);
    expect(outs.filter((o) => o.metadata['rm-node-id'] === 'replies').map((o) => (o.data as { text: string }).text)).toEqual(['Hello! How can I help you?']);
  });

  it('barge-in: speaking over the reply cuts it at the next speech start', async () => {
    const before = livePythonProcessCount();
    const session = await runner.stream(manifest);
    const outs: { data: RuntimeData; metadata: Record<string, string> }[] = [];
    const reading = (async () => {
      for await (const o of session.outputs) outs.push(o);
    })();
    const question = await say('Please tell me a joke.');
    let t = 0;
    const feed = async (samples: Float32Array) => {
      for (const f of frames(samples, t)) await session.send(f);
      t += Math.round((samples.length * 1e6) / 48000);
    };
    await feed(Float32Array.from([...silence(500), ...question, ...silence(800)]));
    // Wait for the reply to start playing, then talk over it.
    // Talk over the reply once 300 ms of it (15 frames of 20 ms) have come out.
    await waitUntil(() => outs.filter((o) => o.data.kind === 'audio').length >= 15, {
      what: '300 ms of the reply',
      observe: () => outs.filter((o) => o.data.kind === 'audio').length,
    });
    await feed(Float32Array.from([...(await say('Stop, stop.')), ...silence(800)]));
    await waitUntil(() => jsonFrom(outs, 'tts').some((e) => e.tts === 'interrupted'), {
      what: "the reply's 'interrupted' event",
      timeoutMs: 10_000,
      observe: () => jsonFrom(outs, 'tts'),
    });
    const cutAt = outs.filter((o) => o.data.kind === 'audio').length;
    await session.end();
    await reading;
    const tts = jsonFrom(outs, 'tts').map((e) => e.tts);
    expect(tts.slice(0, 2)).toEqual(['start', 'interrupted']);
    // The joke (about 3.5 s, 175 frames of 20 ms) was cut well before its end.
    const jokeFrames = outs.findIndex((o) => (o.data as { tts?: string }).tts === 'interrupted');
    expect(outs.slice(0, jokeFrames).filter((o) => o.data.kind === 'audio').length).toBeLessThan(100);
    expect(cutAt).toBeGreaterThan(0);
    // The second utterance was heard and answered too.
    expect(jsonFrom(outs, 'transcripts').length).toBe(2);
    expect(livePythonProcessCount()).toBe(before);
  });
});
