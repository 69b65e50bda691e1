// The speech nodes with their real engines: flite (WASI) for TTS, RNNoise (WASM), PocketSphinx
// (Debian, in a Python process) for ASR. Audio for the recogniser is made by the TTS itself.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@remotemedia/test-support';
import type { AudioData, RuntimeData } from '../../src/data/runtime-data.js';
import { Code, RemoteMediaError } from '../../src/errors.js';
import { createNodeRunner } from '../../src/nodejs/runners/create-node-runner.js';
import { livePythonProcessCount } from '../../src/nodejs/multiprocess/child-processes.js';
import { resample } from '../../src/dsp/resampler.js';
import { splitSentences, isSpeakable, synthesisPieces } from '../../src/nodes/speech/text-for-speech.js';

const runner = createNodeRunner();
afterAll(() => runner.shutdown());
const HAVE_SPHINX = existsSync('/usr/share/pocketsphinx/model/en-us/en-us.lm.bin') && existsSync('/usr/lib/python3/dist-packages/pocketsphinx');
if (!HAVE_SPHINX) console.warn('SKIPPED SpeechRecognition tests: apt-get install python3-pocketsphinx pocketsphinx-en-us (scripts/system-packages.txt)');

const pipeline = (nodes: { id: string; nodeType: string; params?: Record<string, unknown> }[], connections?: { from: string; to: string }[]) => ({
  version: 'v1' as const,
  metadata: { name: 'speech' },
  nodes,
  ...(connections ? { connections } : {}),
});
const audioOf = (out: RuntimeData[]): AudioData[] => out.filter((d): d is AudioData => d.kind === 'audio');
const concat = (parts: AudioData[]): Float32Array => {
  const all = new Float32Array(parts.reduce((n, p) => n + p.samples.length, 0));
  let o = 0;
  for (const p of parts) all.set(p.samples, (o += p.samples.length) - p.samples.length);
  return all;
};
const rms = (x: Float32Array) => Math.sqrt(x.reduce((s, v) => s + v * v, 0) / Math.max(1, x.length));

async function speak(text: string, params: Record<string, unknown> = {}): Promise<AudioData> {
  const out = (await runner.execute(pipeline([{ id: 'tts', nodeType: 'TextToSpeech', params }]), [{ kind: 'text', text }])).map((t) => t.data);
  const parts = audioOf(out);
  return { kind: 'audio', samples: concat(parts), sampleRate: parts[0]?.sampleRate ?? 16000, channels: 1, timestampUs: 0 };
}

function chunked(audio: AudioData, frames: number): AudioData[] {
  const out: AudioData[] = [];
  for (let o = 0; o < audio.samples.length; o += frames)
    out.push({ ...audio, samples: audio.samples.slice(o, o + frames), timestampUs: Math.round((o * 1e6) / audio.sampleRate) });
  return out;
}

describe('text helpers', () => {
  it('splits sentences and drops pieces with nothing to say', () => {
    expect(splitSentences('Hello there. How are you?  ... Fine!\nNext line')).toEqual(['Hello there.', 'How are you?', 'Fine!', 'Next line']);
    expect(isSpeakable(' ... !? ')).toBe(false);
    expect(isSpeakable('42')).toBe(true);
    expect(synthesisPieces('One. Two two. Three three. Four.', 21)).toEqual(['One.', 'Two two. Three three.', 'Four.']);
    // A long first sentence is cut at its first clause, so the first audio comes sooner.
    expect(synthesisPieces('I have no window, so I cannot tell you about the weather. Sorry.')).toEqual([
      'I have no window,',
      'so I cannot tell you about the weather. Sorry.',
    ]);
    expect(synthesisPieces('Why did the pipeline cross the road? To reach the other node.')).toEqual([
      'Why did the pipeline cross the road?',
      'To reach the other node.',
    ]);
    expect(synthesisPieces('Yes, I can do that for you right now, no problem.')).toEqual(['Yes, I can do that for you right now,', 'no problem.']);
    const long = splitSentences(`${'word, '.repeat(100)}end.`, 100);
    expect(long.length).toBeGreaterThan(3);
    expect(long.every((s) => s.length <= 101)).toBe(true);
  });
});

describe('TextToSpeech (flite WASI)', () => {
  it('speaks text sentence by sentence, at the voice rate or resampled', async () => {
    const out = (
      await runner.execute(pipeline([{ id: 'tts', nodeType: 'TextToSpeech' }]), [
        { kind: 'text', text: `Hello there. How are you today? I am fine. ${'This sentence is long enough to need its own call. '.repeat(6)}` },
      ])
    ).map((t) => t.data);
    const parts = audioOf(out);
    // The first sentence alone (first audio early), then the rest in pieces of up to 300 characters.
    expect(parts).toHaveLength(3);
    expect(parts.every((p) => p.sampleRate === 16000 && p.channels === 1)).toBe(true);
    // Timestamps continue by sample count.
    expect(parts[1].timestampUs).toBe(Math.round((parts[0].samples.length * 1e6) / 16000));
    const all = concat(parts);
    expect(all.length / 16000).toBeGreaterThan(10);
    expect(parts[0].samples.length / 16000).toBeLessThan(1.5);
    expect(rms(all)).toBeGreaterThan(0.01);
    const at48 = await speak('Hello there.', { sampleRate: 48000 });
    expect(at48.sampleRate).toBe(48000);
    const at16 = await speak('Hello there.');
    expect(Math.abs(at48.samples.length / 3 - at16.samples.length)).toBeLessThan(4);
  });

  it('honours voice and rate', async () => {
    const normal = await speak('The quick brown fox jumps over the lazy dog.');
    const fast = await speak('The quick brown fox jumps over the lazy dog.', { rate: 2 });
    expect(fast.samples.length).toBeLessThan(normal.samples.length * 0.7);
    const kal = await speak('Hello.', { voice: 'kal' });
    expect(kal.sampleRate).toBe(8000);
    const other = await speak('The quick brown fox jumps over the lazy dog.', { voice: 'rms' });
    expect(other.samples.length).not.toBe(normal.samples.length);
  });

  it('says nothing for text with nothing to speak, and accepts {text} JSON', async () => {
    const out = (
      await runner.execute(pipeline([{ id: 'tts', nodeType: 'TextToSpeech' }]), [
        { kind: 'text', text: '' },
        { kind: 'text', text: ' ... ?! \u0000 ' },
        { kind: 'json', value: { text: 'Yes.', final: true } },
        { kind: 'json', value: { text: 'partial words', final: false } },
      ])
    ).map((t) => t.data);
    expect(audioOf(out).length).toBe(1);
  });

  it('fails clearly on text over maxChars and on bad params', async () => {
    await expect(
      runner.execute(pipeline([{ id: 'tts', nodeType: 'TextToSpeech', params: { maxChars: 10 } }]), [{ kind: 'text', text: 'This is far too long.' }]),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
      nodeId: 'tts',
      message: expect.stringContaining('maxChars=10'),
    });
    await expect(runner.execute(pipeline([{ id: 'tts', nodeType: 'TextToSpeech', params: { voice: 'nobody' } }]), [])).rejects.toMatchObject({
      code: Code.InvalidArgument,
      message: expect.stringContaining('slt'),
    });
  });

  it('streams in real time with pace: realtime and stops at once on an interrupt (in-graph control or session interrupt)', async () => {
    for (const how of ['send', 'session'] as const) {
      const session = await runner.stream(pipeline([{ id: 'tts', nodeType: 'TextToSpeech', params: { pace: 'realtime', leadMs: 0, events: true } }]));
      await session.send({ kind: 'text', text: 'This is a long reply that goes on and on. It has a second sentence too. And a third one for good measure.' });
      const got: RuntimeData[] = [];
      const reading = (async () => {
        for await (const o of session.outputs) got.push(o.data);
      })();
      // Wait for the first frames, then cut.
      await waitUntil(() => audioOf(got).length >= 10, { what: 'the first 10 frames', observe: () => audioOf(got).length });
      if (how === 'send') await session.send({ kind: 'control', control: { type: 'interrupt', targetNodeIds: ['tts'], reason: 'barge-in' } });
      else (session as unknown as { interrupt(ids: string[], reason: string): void }).interrupt(['tts'], 'barge-in');
      const framesAtCut = audioOf(got).length;
      await new Promise((r) => setTimeout(r, 300)); // kept: 'no more frames for a while' is the assertion
      const after = audioOf(got).length;
      await session.end();
      await reading;
      expect(after - framesAtCut, how).toBeLessThanOrEqual(2);
      const events = got.filter((d) => d.kind === 'json').map((d) => (d as unknown as { value: { tts: string } }).value.tts);
      expect(events, how).toEqual(['start', 'interrupted']);
      // Every frame is 20 ms.
      expect(audioOf(got).every((a) => a.samples.length === 320 || a === audioOf(got).at(-1))).toBe(true);
    }
  });
});

describe('BargeIn + TextToSpeech', () => {
  it('a speech start from a VAD interrupts the reply inside the graph', async () => {
    const session = await runner.stream(
      pipeline(
        [
          { id: 'tts', nodeType: 'TextToSpeech', params: { pace: 'realtime', leadMs: 0, events: true } },
          { id: 'barge', nodeType: 'BargeIn', params: { targets: ['tts'] } },
        ],
        [{ from: 'barge', to: 'tts' }],
      ),
    );
    const got: RuntimeData[] = [];
    const reading = (async () => {
      for await (const o of session.outputs) got.push(o.data);
    })();
    await session.send({ kind: 'text', text: 'A reply that should be cut off long before it ends, because the user speaks.' }, { nodeId: 'tts' });
    await waitUntil(() => audioOf(got).length >= 5, { what: 'the first 5 frames', observe: () => audioOf(got).length });
    await session.send({ kind: 'json', value: { hasSpeech: true, speechStart: false, speechEnd: false } }, { nodeId: 'barge' });
    expect(got.filter((d) => d.kind === 'json').length).toBe(1); // not cut by a non-start event
    await session.send({ kind: 'json', value: { hasSpeech: true, speechStart: true, speechEnd: false, startUs: 0 } }, { nodeId: 'barge' });
    await waitUntil(() => got.filter((d) => d.kind === 'json').length === 2, {
      what: "the reply's 'interrupted' event",
      observe: () => got.filter((d) => d.kind === 'json'),
    });
    const atCut = audioOf(got).length;
    await new Promise((r) => setTimeout(r, 300)); // kept: 'no more frames for a while' is the assertion
    await session.end();
    await reading;
    expect(audioOf(got).length - atCut).toBeLessThanOrEqual(1);
    expect(got.filter((d) => d.kind === 'json').map((d) => (d as unknown as { value: { tts: string } }).value.tts)).toEqual(['start', 'interrupted']);
  });
});

describe('Responder', () => {
  it('answers final transcripts by rule, ignores partial and empty ones', async () => {
    const out = (
      await runner.execute(pipeline([{ id: 'r', nodeType: 'Responder', params: { rules: [{ match: 'name is (\\w+)', reply: 'Nice to meet you, $1.' }] } }]), [
        { kind: 'json', value: { text: 'my name is Ada', final: true, startUs: 0, endUs: 1 } },
        { kind: 'json', value: { text: 'my name', final: false } },
        { kind: 'json', value: { text: '', final: true } },
        { kind: 'text', text: 'something else' },
      ])
    ).map((t) => t.data);
    expect(out).toEqual([
      { kind: 'text', text: 'Nice to meet you, Ada.', channel: 'reply' },
      { kind: 'text', text: 'You said: something else.', channel: 'reply' },
    ]);
    await expect(runner.execute(pipeline([{ id: 'r', nodeType: 'Responder', params: { rules: [{ match: '(', reply: 'x' }] } }]), [])).rejects.toMatchObject({
      code: Code.InvalidArgument,
      nodeId: 'r',
    });
  });
});

describe('NoiseSuppression (RNNoise WASM)', () => {
  const noise = (n: number, seed = 1) => {
    let s = seed;
    const out = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      out[i] = ((s / 0x7fffffff) * 2 - 1) * 0.1;
    }
    return out;
  };

  it('raises the SNR of speech (made by the TTS) in white noise at 0 dB, the same for any chunk size', async () => {
    const speech = (await speak('The quick brown fox jumps over the lazy dog. Noise suppression should keep the voice.', { sampleRate: 48000, voice: 'rms' }))
      .samples;
    const n = noise(speech.length);
    const k = rms(speech) / rms(n);
    const input: AudioData = { kind: 'audio', samples: speech.map((v, i) => v + n[i] * k), sampleRate: 48000, channels: 1, timestampUs: 0 };
    const results: Float32Array[] = [];
    for (const frames of [480, 333, 4096]) {
      const out = audioOf((await runner.execute(pipeline([{ id: 'ns', nodeType: 'NoiseSuppression' }]), chunked(input, frames))).map((t) => t.data));
      const all = concat(out);
      expect(all.length).toBe(input.samples.length);
      results.push(all);
      // timestamps continue by sample count
      expect(out[1].timestampUs).toBe(Math.round((out[0].samples.length * 1e6) / 48000));
    }
    expect(results[1]).toEqual(results[0]);
    expect(results[2]).toEqual(results[0]);
    // RNNoise's output lags by one 10 ms frame; skip the first second (adaptation).
    const snr = (out: Float32Array, lag: number) => {
      let ps = 0;
      let pe = 0;
      for (let i = 48000; i + lag < out.length; i++) {
        ps += speech[i] ** 2;
        pe += (out[i + lag] - speech[i]) ** 2;
      }
      return 10 * Math.log10(ps / pe);
    };
    expect(Math.abs(snr(input.samples, 0))).toBeLessThan(1);
    expect(snr(results[0], 480)).toBeGreaterThan(5);
  });

  it('keeps speech (made by the TTS) and keeps channels apart', async () => {
    const speech = await speak('Noise suppression must keep the voice.', { sampleRate: 48000 });
    const stereo = new Float32Array(speech.samples.length * 2);
    for (let i = 0; i < speech.samples.length; i++) stereo[2 * i] = speech.samples[i]!;
    const out = concat(
      audioOf(
        (await runner.execute(pipeline([{ id: 'ns', nodeType: 'NoiseSuppression' }]), chunked({ ...speech, samples: stereo, channels: 2 }, 960))).map(
          (t) => t.data,
        ),
      ),
    );
    const left = out.filter((_, i) => i % 2 === 0);
    const right = out.filter((_, i) => i % 2 === 1);
    expect(rms(left)).toBeGreaterThan(rms(speech.samples) * 0.5);
    expect(rms(right)).toBeLessThan(1e-3);
  });

  it('names the expected rate for other rates; empty audio gives nothing', async () => {
    await expect(
      runner.execute(pipeline([{ id: 'ns', nodeType: 'NoiseSuppression' }]), [
        { kind: 'audio', samples: new Float32Array(160), sampleRate: 16000, channels: 1 },
      ]),
    ).rejects.toMatchObject({
      code: Code.InvalidArgument,
      nodeId: 'ns',
      message: expect.stringContaining('needs 48000 Hz audio, got 16000 Hz'),
    });
    const out = await runner.execute(pipeline([{ id: 'ns', nodeType: 'NoiseSuppression' }]), [
      { kind: 'audio', samples: new Float32Array(0), sampleRate: 48000, channels: 1 },
    ]);
    expect(out).toEqual([]);
  });
});

describe.skipIf(!HAVE_SPHINX)('SpeechRecognition (PocketSphinx in a Python process)', () => {
  const sentences = ['what time is it', 'please turn on the lights in the kitchen', 'tell me a joke'];

  it('transcribes utterances the TTS made (per utterance input)', async () => {
    const inputs: AudioData[] = [];
    let t = 0;
    for (const s of sentences) {
      const a = await speak(s);
      inputs.push({ ...a, timestampUs: t });
      t += 5_000_000;
    }
    const out = (await runner.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition' }]), inputs)).map((d) => d.data);
    const events = out.map((d) => (d as { value: Record<string, unknown> }).value);
    expect(events.map((e) => e.text)).toEqual(sentences);
    expect(events[1]).toMatchObject({ final: true, startUs: 5_000_000 });
    expect(events[1].endUs as number).toBeGreaterThan(5_000_000 + 1_500_000);
    expect(typeof events[0].confidence).toBe('number');
  });

  it('decodes during speech from a VAD stream (mode vad) and in continuous mode (mode stream)', async () => {
    const a = await speak('please turn on the lights in the kitchen');
    const silence = new Float32Array(8000);
    const stream: AudioData = {
      kind: 'audio',
      sampleRate: 16000,
      channels: 1,
      timestampUs: 0,
      samples: Float32Array.from([...silence, ...a.samples, ...silence, ...silence]),
    };
    const viaVad = (
      await runner.execute(
        pipeline(
          [
            { id: 'vad', nodeType: 'EnergyVAD', params: { minSilenceMs: 300 } },
            { id: 'asr', nodeType: 'SpeechRecognition', params: { mode: 'vad' } },
          ],
          [{ from: 'vad', to: 'asr' }],
        ),
        chunked(stream, 320),
      )
    ).map((d) => (d.data as { value: Record<string, unknown> }).value);
    expect(viaVad).toHaveLength(1);
    expect(viaVad[0]).toMatchObject({ text: 'please turn on the lights in the kitchen', final: true });
    expect(viaVad[0].startUs as number).toBeGreaterThan(300_000);
    const continuous = (await runner.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition', params: { mode: 'stream' } }]), chunked(stream, 1600))).map(
      (d) => (d.data as { value: Record<string, unknown> }).value,
    );
    const finals = continuous.filter((e) => e.final);
    expect(finals.map((e) => e.text).join(' ')).toContain('lights in the kitchen');
  });

  it('empty audio gives an empty final transcript; wrong rates and unknown params fail clearly', async () => {
    const out = (
      await runner.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition' }]), [
        { kind: 'audio', samples: new Float32Array(0), sampleRate: 16000, channels: 1 },
      ])
    ).map((d) => d.data);
    expect(out).toEqual([{ kind: 'json', value: { text: '', final: true, startUs: 0, endUs: 0 } }]);
    await expect(
      runner.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition' }]), [
        { kind: 'audio', samples: new Float32Array(4800), sampleRate: 48000, channels: 1 },
      ]),
    ).rejects.toMatchObject({ code: Code.InvalidArgument, nodeId: 'asr', message: expect.stringContaining('needs 16000 Hz audio, got 48000 Hz') });
    await expect(runner.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition', params: { model: 'x' } }]), [])).rejects.toMatchObject({
      code: Code.InvalidArgument,
    });
  });

  it('a missing model is FailedPrecondition saying what to install', async () => {
    const other = createNodeRunner({ python: { env: { REMOTEMEDIA_POCKETSPHINX_MODEL_DIR: '/nonexistent/model' } } });
    try {
      const error = await other.execute(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition' }]), []).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(RemoteMediaError);
      expect(error).toMatchObject({ code: Code.FailedPrecondition, nodeId: 'asr' });
      expect((error as Error).message).toContain('apt-get install python3-pocketsphinx pocketsphinx-en-us');
    } finally {
      await other.shutdown();
    }
  });

  it('a recogniser process that dies fails the session naming the node, and leaves nothing running', async () => {
    const before = livePythonProcessCount();
    const session = await runner.stream(pipeline([{ id: 'asr', nodeType: 'SpeechRecognition', params: { mode: 'stream' } }]));
    const a = await speak('hello');
    await session.send({ ...a, samples: a.samples.slice(0, 1600) });
    // This session's recogniser: the newest python3 child of this process.
    const pids = execFileSync('pgrep', ['-P', String(process.pid), '-f', 'remotemedia.worker'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map(Number);
    process.kill(Math.max(...pids), 'SIGKILL');
    const failure = await (async () => {
      for await (const _ of session.outputs) void _;
    })().catch((e: unknown) => e);
    expect(failure).toMatchObject({ code: Code.Unavailable, nodeId: 'asr' });
    expect(String((failure as Error).message)).toContain('"asr"');
    await waitUntil(() => livePythonProcessCount() === before, { what: `${before} live Python processes`, observe: livePythonProcessCount });
  });
});

describe('resample helper used by the tests', () => {
  it('is exact in length', () => {
    expect(resample(new Float32Array(160), { inputRate: 16000, outputRate: 48000 }).length).toBe(480);
  });
});
