import { describe, expect, it } from 'vitest';
import type { AudioData, JsonValue, RuntimeData } from '../../src/data/runtime-data.js';
import { Code, RemoteMediaError } from '../../src/errors.js';
import { PipelineRunner } from '../../src/pipeline/pipeline-runner.js';
import { resample } from '../../src/dsp/resampler.js';
import { chunks, expectedSegments, loadFixture, segmentsFromEvents } from './fixture.js';
import { sine } from './resample-quality.js';

const runner = new PipelineRunner();
const pipeline = (nodes: { id: string; nodeType: string; params?: Record<string, unknown> }[]) => ({
  version: 'v1' as const,
  metadata: { name: 'audio-test' },
  nodes,
  connections: nodes.slice(1).map((n, i) => ({ from: nodes[i].id, to: n.id })),
});
async function run(nodes: Parameters<typeof pipeline>[0], inputs: RuntimeData[]): Promise<RuntimeData[]> {
  return (await runner.execute(pipeline(nodes), inputs)).map((t) => t.data);
}
const audioOf = (out: RuntimeData[]) => out.filter((d): d is AudioData => d.kind === 'audio');
const jsonOf = (out: RuntimeData[]) => out.filter((d) => d.kind === 'json').map((d) => (d as { value: JsonValue }).value as Record<string, unknown>);
const mono = (samples: Float32Array, sampleRate = 16000, timestampUs?: number): AudioData => ({
  kind: 'audio',
  samples,
  sampleRate,
  channels: 1,
  ...(timestampUs === undefined ? {} : { timestampUs }),
});

async function expectError(promise: Promise<unknown>, code: Code, message: RegExp) {
  const e = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RemoteMediaError);
  expect((e as RemoteMediaError).code).toBe(code);
  expect((e as RemoteMediaError).message).toMatch(message);
}

describe('AudioResample node', () => {
  it('streams 44.1 kHz stereo to 16 kHz: same samples as one-shot, continuous timestamps, flushed tail', async () => {
    const x = new Float32Array(44100 * 2 * 0.5);
    for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.01) * 0.5;
    const inputs = chunks({ kind: 'audio', samples: x, sampleRate: 44100, channels: 2, timestampUs: 0 }, 882);
    const out = audioOf(await run([{ id: 'r', nodeType: 'AudioResample', params: { targetRate: 16000 } }], inputs));
    const joined = new Float32Array(out.reduce((n, a) => n + a.samples.length, 0));
    let o = 0;
    for (const a of out) {
      expect(a.sampleRate).toBe(16000);
      expect(a.channels).toBe(2);
      expect(a.timestampUs).toBe(Math.round(((o / 2) * 1e6) / 16000));
      joined.set(a.samples, o);
      o += a.samples.length;
    }
    expect(Array.from(joined)).toEqual(Array.from(resample(x, { inputRate: 44100, outputRate: 16000, channels: 2 })));
  });

  it('passes audio already at the target rate through untouched', async () => {
    const a = mono(sine(440, 16000, 320));
    const [out] = await run([{ id: 'r', nodeType: 'AudioResample', params: { targetRate: 16000 } }], [a]);
    expect(out).toEqual(a);
  });

  it('rejects bad params with the field path', async () => {
    await expectError(run([{ id: 'r', nodeType: 'AudioResample', params: { targetRate: 1000 } }], []), Code.InvalidArgument, /targetRate/);
  });
});

describe('AudioChunker node', () => {
  const ramp = (n: number) => Float32Array.from({ length: n }, (_, i) => i / n);

  it('emits fixed frames across uneven inputs and pads the remainder at the end', async () => {
    const x = ramp(1300);
    const inputs = [x.slice(0, 100), x.slice(100, 700), x.slice(700, 1300)].map((s, i) => mono(s, 16000, i === 0 ? 1000 : undefined));
    const out = audioOf(await run([{ id: 'c', nodeType: 'AudioChunker', params: { samples: 512 } }], inputs));
    expect(out.map((a) => a.samples.length)).toEqual([512, 512, 512]);
    expect(Array.from(out[1].samples.subarray(0, 3))).toEqual(Array.from(x.subarray(512, 515)));
    expect(out[2].samples[1300 - 1024 - 1]).toBe(x[1299]);
    expect(out[2].samples[1300 - 1024]).toBe(0);
    expect(out.map((a) => a.timestampUs)).toEqual([1000, 1000 + 32000, 1000 + 64000]);
  });

  it('emits or drops the remainder on request, and takes sizes in milliseconds', async () => {
    const x = mono(ramp(500));
    const emit = audioOf(await run([{ id: 'c', nodeType: 'AudioChunker', params: { ms: 20, remainder: 'emit' } }], [x]));
    expect(emit.map((a) => a.samples.length)).toEqual([320, 180]);
    const drop = audioOf(await run([{ id: 'c', nodeType: 'AudioChunker', params: { ms: 20, remainder: 'drop' } }], [x]));
    expect(drop.map((a) => a.samples.length)).toEqual([320]);
  });

  it('requires exactly one of samples or ms, and one format per stream', async () => {
    await expectError(run([{ id: 'c', nodeType: 'AudioChunker', params: {} }], []), Code.InvalidArgument, /exactly one of samples or ms/);
    await expectError(
      run([{ id: 'c', nodeType: 'AudioChunker', params: { samples: 10 } }], [mono(ramp(5)), mono(ramp(5), 8000)]),
      Code.InvalidArgument,
      /changed format mid-stream from 16000 Hz 1 ch to 8000 Hz 1 ch/,
    );
  });
});

describe('AudioFormat node', () => {
  const stereo: AudioData = { kind: 'audio', samples: Float32Array.from([0.5, -0.5, 1, 0, 0.25, 0.25]), sampleRate: 48000, channels: 2, streamId: 'mic' };

  it('mixes down, splits channels and applies gain', async () => {
    const [down] = await run([{ id: 'f', nodeType: 'AudioFormat', params: { channels: 1, gainDb: 6.0206 } }], [stereo]);
    expect((down as AudioData).channels).toBe(1);
    expect(Array.from((down as AudioData).samples).map((v) => +v.toFixed(4))).toEqual([0, 1, 0.5]);
    const split = audioOf(await run([{ id: 'f', nodeType: 'AudioFormat', params: { split: true } }], [stereo]));
    expect(split.map((a) => [a.streamId, Array.from(a.samples)])).toEqual([
      ['mic:ch0', [0.5, 1, 0.25]],
      ['mic:ch1', [-0.5, 0, 0.25]],
    ]);
  });

  it('converts float32 to 16-bit PCM and back', async () => {
    const [pcm] = await run([{ id: 'f', nodeType: 'AudioFormat', params: { output: 'pcm16' } }], [stereo]);
    expect(pcm.kind).toBe('binary');
    expect((pcm as { mimeType: string }).mimeType).toBe('audio/pcm;format=s16le;rate=48000;channels=2');
    expect(Array.from(new Int16Array((pcm as { bytes: Uint8Array }).bytes.slice().buffer))).toEqual([16384, -16384, 32767, 0, 8192, 8192]);
    const [back] = await run([{ id: 'f', nodeType: 'AudioFormat' }], [pcm]);
    expect(back).toMatchObject({ kind: 'audio', sampleRate: 48000, channels: 2 });
    expect((back as AudioData).samples[0]).toBe(0.5);
    await expectError(run([{ id: 'f', nodeType: 'AudioFormat' }], [{ kind: 'binary', bytes: new Uint8Array(4) }]), Code.InvalidArgument, /needs a sample rate/);
  });
});

describe('AudioLevel and SilenceDetector nodes', () => {
  it('reports RMS and peak in dBFS', async () => {
    const out = await run([{ id: 'l', nodeType: 'AudioLevel' }], [mono(sine(1000, 16000, 1600, 0.5))]);
    expect(out[0].kind).toBe('audio');
    const level = jsonOf(out)[0];
    expect(level.peakDb as number).toBeCloseTo(-6.02, 1);
    expect(level.rmsDb as number).toBeCloseTo(-9.03, 1);
  });

  it('emits silence after minSilenceMs and its end when sound returns', async () => {
    const x = new Float32Array(16000);
    x.set(sine(300, 16000, 3200), 0); // 200 ms tone, 600 ms silence, 200 ms tone
    x.set(sine(300, 16000, 3200), 12800);
    const events = jsonOf(await run([{ id: 's', nodeType: 'SilenceDetector', params: { minSilenceMs: 400, passAudio: false } }], chunks(mono(x), 320)));
    expect(events).toHaveLength(2);
    expect(events[0]).toMatchObject({ silence: true, startUs: 200_000, timestampUs: 600_000 });
    expect(events[1]).toMatchObject({ silence: false, startUs: 200_000, timestampUs: 800_000, silenceMs: 600 });
  });
});

describe('EnergyVAD and AudioBufferAccumulator', () => {
  it('EnergyVAD finds the speech segments of the fixture (+/-150 ms) and passes audio on', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const out = await run([{ id: 'v', nodeType: 'EnergyVAD', params: { thresholdDb: -45, minSilenceMs: 400, speechPadMs: 0 } }], chunks(audio, 320));
    expect(audioOf(out)).toHaveLength(Math.ceil(audio.samples.length / 320));
    const events = jsonOf(out);
    expect(events[0]).toMatchObject({ hasSpeech: false, speechStart: false, speechEnd: false, timestampUs: 0 });
    const found = segmentsFromEvents(events);
    const expected = expectedSegments();
    expect(found).toHaveLength(expected.length);
    found.forEach((s, i) => {
      expect(Math.abs(s.startMs - expected[i].startMs)).toBeLessThanOrEqual(150);
      expect(Math.abs(s.endMs - expected[i].endMs)).toBeLessThanOrEqual(150);
    });
  });

  it('accumulates one utterance per segment with pre-roll, forwarding the events', async () => {
    const audio = loadFixture('speech-16k-mono.wav');
    const out = await run(
      [
        { id: 'v', nodeType: 'EnergyVAD', params: { thresholdDb: -45, minSilenceMs: 400, speechPadMs: 0 } },
        { id: 'acc', nodeType: 'AudioBufferAccumulator', params: { preRollMs: 100 } },
      ],
      chunks(audio, 320),
    );
    const utterances = audioOf(out);
    const segs = segmentsFromEvents(jsonOf(out));
    expect(utterances).toHaveLength(3);
    utterances.forEach((u, i) => {
      expect(u.timestampUs).toBe(Math.round(segs[i].startMs * 1000) - 100_000);
      expect(u.samples.length).toBe(Math.round(((segs[i].endMs - segs[i].startMs + 100) * 16000) / 1000));
      // The utterance is the fixture's audio at that position.
      const from = Math.round((u.timestampUs! * 16000) / 1e6);
      expect(u.samples.subarray(0, 50)).toEqual(audio.samples.subarray(from, from + 50));
    });
  });

  it('cuts long speech at maxDurationMs and drops utterances shorter than minDurationMs', async () => {
    const tone = (ms: number) => sine(300, 16000, (16000 * ms) / 1000);
    const x = new Float32Array(16000 * 3);
    x.set(tone(1500), 1600); // 0.1 s .. 1.6 s
    x.set(tone(150), 16000 * 2); // a 150 ms blip
    const out = await run(
      [
        { id: 'v', nodeType: 'EnergyVAD', params: { minSpeechMs: 50, minSilenceMs: 200, speechPadMs: 0 } },
        { id: 'acc', nodeType: 'AudioBufferAccumulator', params: { preRollMs: 0, maxDurationMs: 1000, minDurationMs: 300, forwardEvents: false } },
      ],
      chunks(mono(x), 320),
    );
    const durations = audioOf(out).map((u) => Math.round((u.samples.length / 16000) * 1000));
    expect(out.every((d) => d.kind === 'audio')).toBe(true);
    expect(durations).toEqual([1000, 500]);
  });

  it('closes an utterance still open at end of stream', async () => {
    const x = new Float32Array(16000);
    x.set(sine(300, 16000, 8000), 8000); // speech in the last 500 ms
    const out = await run(
      [
        { id: 'v', nodeType: 'EnergyVAD', params: { minSpeechMs: 50, speechPadMs: 0 } },
        { id: 'acc', nodeType: 'AudioBufferAccumulator', params: { preRollMs: 0 } },
      ],
      chunks(mono(x), 320),
    );
    const events = jsonOf(out);
    expect(events.at(-1)).toMatchObject({ speechEnd: true, endUs: 1_000_000 });
    const utterances = audioOf(out);
    expect(utterances).toHaveLength(1);
    expect(utterances[0].timestampUs).toBe(500_000);
    expect(utterances[0].samples.length).toBe(8000);
  });
});
