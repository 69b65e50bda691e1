import { describe, expect, it } from 'vitest';
import { resample } from '../../src/dsp/resampler.js';
import { createNodeRunner } from '../../src/nodejs/runners/create-node-runner.js';
import type { AudioData, RuntimeData } from '../../src/data/runtime-data.js';
import { Code, RemoteMediaError } from '../../src/errors.js';
import { loadOnnxRuntime, sharedSileroSession, sileroSessionCount } from '../../src/nodejs/models/silero-model.js';
import { chunks, expectedSegments, loadFixture, segmentsFromEvents } from './fixture.js';

const runner = createNodeRunner();
const vadPipeline = (params: Record<string, unknown> = {}) => ({
  version: 'v1' as const,
  metadata: { name: 'silero' },
  nodes: [{ id: 'vad', nodeType: 'SileroVAD', params }],
});
const events = (out: RuntimeData[]) => out.filter((d) => d.kind === 'json').map((d) => (d as { value: Record<string, unknown> }).value);

describe('SileroVAD (real Silero v5 model on onnxruntime-node)', () => {
  it('detects the fixture speech segments within +/-100 ms, whatever the chunk size', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const expected = expectedSegments();
    for (const frames of [512, 320, 1000]) {
      const out = (await runner.execute(vadPipeline({ minSilenceMs: 300, speechPadMs: 30 }), chunks(audio, frames))).map((t) => t.data);
      // Audio passes on unchanged, each chunk followed by its event.
      expect(out.filter((d) => d.kind === 'audio')).toHaveLength(Math.ceil(audio.samples.length / frames));
      expect(out[0].kind).toBe('audio');
      expect(out[1]).toMatchObject({ kind: 'json', value: { hasSpeech: false, speechStart: false, speechEnd: false, timestampUs: 0 } });
      const found = segmentsFromEvents(events(out));
      expect(found, `chunks of ${frames}`).toHaveLength(expected.length);
      found.forEach((s, i) => {
        expect(Math.abs(s.startMs - expected[i].startMs), `segment ${i} start`).toBeLessThanOrEqual(100);
        expect(Math.abs(s.endMs - expected[i].endMs), `segment ${i} end`).toBeLessThanOrEqual(100);
      });
      const probs = events(out).map((e) => e.probability as number);
      expect(Math.max(...probs)).toBeGreaterThan(0.9);
      expect(Math.min(...probs)).toBeLessThan(0.1);
    }
  });

  it('works at 8 kHz (256-sample windows with 32 samples of context)', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const down: AudioData = { ...audio, sampleRate: 8000, samples: resample(audio.samples, { inputRate: 16000, outputRate: 8000 }) };
    const out = (await runner.execute(vadPipeline({ minSilenceMs: 300 }), chunks(down, 256))).map((t) => t.data);
    const found = segmentsFromEvents(events(out));
    const expected = expectedSegments();
    expect(found).toHaveLength(expected.length);
    found.forEach((s, i) => expect(Math.abs(s.startMs - expected[i].startMs)).toBeLessThanOrEqual(150));
  });

  it('shares one InferenceSession across concurrent sessions while keeping model state per session', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const { session } = await sharedSileroSession();
    expect((await sharedSileroSession()).session).toBe(session);
    await runner.execute(vadPipeline(), chunks(audio, 512));
    const sessions = sileroSessionCount(); // the shipped model and its 16 kHz graph
    expect(sessions).toBe(2);
    const [a, b] = await Promise.all([runner.execute(vadPipeline(), chunks(audio, 512)), runner.execute(vadPipeline(), chunks(audio, 512))]);
    expect(sileroSessionCount()).toBe(sessions); // the nodes of both sessions reused them
    // Interleaved runs on one session give identical results: no state leaks between sessions.
    expect(events(a.map((t) => t.data))).toEqual(events(b.map((t) => t.data)));
  });

  it('emits only changes when eventsOnChangeOnly is set', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const out = (await runner.execute(vadPipeline({ eventsOnChangeOnly: true, minSilenceMs: 300 }), chunks(audio, 512))).map((t) => t.data);
    const ev = events(out);
    expect(ev).toHaveLength(6);
    expect(ev.every((e) => e.speechStart === true || e.speechEnd === true)).toBe(true);
  });

  it('rejects audio at other rates with a hint to resample', async () => {
    const e = await runner
      .execute(vadPipeline(), [{ kind: 'audio', samples: new Float32Array(480), sampleRate: 48000, channels: 1 }])
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RemoteMediaError);
    expect((e as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((e as RemoteMediaError).message).toMatch(/SileroVAD needs 16000 or 8000 Hz audio, got 48000 Hz: put an AudioResample node/);
    expect((e as RemoteMediaError).nodeId).toBe('vad');
  });

  it('names the package to install when onnxruntime-node is missing', async () => {
    const missing = Object.assign(new Error("Cannot find package 'onnxruntime-node'"), { code: 'ERR_MODULE_NOT_FOUND' });
    const e = await loadOnnxRuntime(() => Promise.reject(missing)).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RemoteMediaError);
    expect((e as RemoteMediaError).code).toBe(Code.FailedPrecondition);
    expect((e as RemoteMediaError).reason).toBe('MissingDependency');
    expect((e as RemoteMediaError).message).toMatch(/npm install onnxruntime-node/);
    expect((e as RemoteMediaError).cause).toBe(missing);
  });

  it('fails clearly when a trusted model path does not exist', async () => {
    const e = await sharedSileroSession('/nonexistent/vad.onnx').catch((err: unknown) => err);
    expect(e).toBeInstanceOf(RemoteMediaError);
    expect((e as RemoteMediaError).code).toBe(Code.FailedPrecondition);
    expect((e as RemoteMediaError).message).toMatch(/cannot load the Silero VAD model from \/nonexistent\/vad.onnx/);
  });
});
