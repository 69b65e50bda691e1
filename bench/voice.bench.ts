// `pnpm bench voice`: the speech nodes with their real engines.
// - TTS (flite WASI): real-time factor and time to first audio, our node vs the bare engine.
// - ASR (PocketSphinx in a Python node): real-time factor vs the bare decoder in Python, and word
//   error rate on sentences our TTS made (a floor: synthetic speech, not a claim about people).
// - Voice to voice: examples/voice-loop.yaml fed in real time, from the end of the user's speech to
//   the first reply sample, split per stage; p50 and p95.
// - RNNoise: speed (x real time) through our node vs the bare WASM calls, SNR gain at 0 dB.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type AudioData, type RuntimeData, encodeWav } from '@remotemedia/runtime-core';
import { PYTHON_SDK_DIR, RNNOISE_FRAME, RnnoiseStream, createNodeRunner, sharedFliteEngine, sharedRnnoise } from '@remotemedia/runtime-core/node';
import { type Comparison, type Measurement, compare, median, percentile, writeReport } from './report.js';

const VOICE_LOOP = fileURLToPath(new URL('../examples/voice-loop.yaml', import.meta.url));
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
type Output = { data: RuntimeData; metadata: Record<string, string> };

// Harvard-style sentences plus voice-assistant requests.
const SENTENCES = [
  'what time is it',
  'hello how are you today',
  'please turn on the lights in the kitchen',
  'the birch canoe slid on the smooth planks',
  'glue the sheet to the dark blue background',
  'it is easy to tell the depth of a well',
  'these days a chicken leg is a rare dish',
  'rice is often served in round bowls',
  'the juice of lemons makes fine punch',
  'the box was thrown beside the parked truck',
  'four hours of steady work faced us',
  'tell me a joke about computers',
  'set a timer for ten minutes',
  'what is the weather like tomorrow',
  'play some music in the living room',
];
const SHORT = 'Hello, how are you?';
const LONG =
  'The birch canoe slid on the smooth planks. Glue the sheet to the dark blue background. It is easy to tell the depth of a well. These days a chicken leg is a rare dish. Rice is often served in round bowls.';

const runner = createNodeRunner();
const one = (id: string, nodeType: string, params: Record<string, unknown> = {}) => ({
  version: 'v1' as const,
  metadata: { name: id },
  nodes: [{ id, nodeType, params }],
});
const concat = (parts: Float32Array[]) => {
  const all = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) all.set(p, (o += p.length) - p.length);
  return all;
};

async function say(text: string, params: Record<string, unknown> = {}): Promise<AudioData> {
  const out = await runner.execute(one('tts', 'TextToSpeech', params), [{ kind: 'text', text }]);
  const parts = out.map((o) => o.data as AudioData);
  return { kind: 'audio', samples: concat(parts.map((p) => p.samples)), sampleRate: parts[0].sampleRate, channels: 1, timestampUs: 0 };
}

async function benchTts(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const engine = await sharedFliteEngine();
  for (const [label, text] of [
    ['short', SHORT],
    ['long (5 sentences)', LONG],
  ] as const) {
    const oursFirst: number[] = [];
    const oursTotal: number[] = [];
    const bareWhole: number[] = [];
    const bareFirst: number[] = [];
    let seconds = 0;
    for (let i = 0; i < 12; i++) {
      // ours: a streaming session; first audio out, then the whole text
      const session = await runner.stream(one('tts', 'TextToSpeech'));
      await sleep(30); // a live session idles before its first reply: the engine's spare instance is ready
      let first = 0;
      let samples = 0;
      let rate = 16000;
      const t0 = performance.now();
      const reading = (async () => {
        for await (const o of session.outputs) {
          if (!first) first = performance.now() - t0;
          samples += (o.data as AudioData).samples.length;
          rate = (o.data as AudioData).sampleRate;
        }
      })();
      await session.send({ kind: 'text', text });
      await session.end();
      await reading;
      const total = performance.now() - t0;
      // bare: flite on the whole text in one call (what a non-streaming caller waits for), and on the first sentence
      await sleep(5);
      let t = performance.now();
      engine.synthesize(text);
      const whole = performance.now() - t;
      await sleep(5);
      t = performance.now();
      engine.synthesize(text.split(/(?<=[.?!])\s+/)[0]);
      const firstBare = performance.now() - t;
      if (i < 2) continue; // warm-up
      oursFirst.push(first);
      oursTotal.push(total);
      bareWhole.push(whole);
      bareFirst.push(firstBare);
      seconds = samples / rate;
    }
    comparisons.push(
      compare(`TTS ${label}: time to first audio, our node vs bare flite on the whole text`, 'ms', median(oursFirst), median(bareWhole), {
        baselineName: 'flite WASI, one call',
        target: '< 1 for long text',
      }),
      compare(`TTS ${label}: time to first audio, our node vs bare flite on the first sentence`, 'ms', median(oursFirst), median(bareFirst), {
        baselineName: 'flite WASI, first sentence',
        target: '<= 1.3',
      }),
      compare(`TTS ${label}: real-time factor (synthesis time / audio time)`, 'x', median(oursTotal) / 1000 / seconds, median(bareWhole) / 1000 / seconds, {
        baselineName: 'flite WASI, one call',
        target: '<= 1.3',
      }),
    );
    measurements.push({ name: `TTS ${label}: audio length`, unit: 's', value: seconds, note: 'voice slt, 16 kHz' });
  }
  for (const voice of ['slt', 'rms', 'awb', 'kal16'] as const) {
    const times: number[] = [];
    let seconds = 0;
    for (let i = 0; i < 6; i++) {
      const t = performance.now();
      const a = engine.synthesize(LONG, { voice });
      times.push(performance.now() - t);
      seconds = a.samples.length / a.sampleRate;
      await sleep(5);
    }
    measurements.push({ name: `TTS voice ${voice}: speed`, unit: 'x real time', value: seconds / (median(times.slice(1)) / 1000) });
  }
}

function words(s: string): string[] {
  return s
    .toLowerCase()
    .replace(/[^a-z0-9' ]+/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
function wordErrors(ref: string[], hyp: string[]): number {
  const d = Array.from({ length: ref.length + 1 }, (_, i) => [i, ...new Array<number>(hyp.length).fill(0)]);
  for (let j = 1; j <= hyp.length; j++) d[0][j] = j;
  for (let i = 1; i <= ref.length; i++)
    for (let j = 1; j <= hyp.length; j++) d[i][j] = Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (ref[i - 1] === hyp[j - 1] ? 0 : 1));
  return d[ref.length][hyp.length];
}

const BARE_ASR = `
import sys, time, wave
sys.path.insert(0, sys.argv[1])
from remotemedia.speech_recognition import _import_pocketsphinx, MODEL_DIR
import os
ps = _import_pocketsphinx()
c = ps.Decoder.default_config()
c.set_string('-hmm', os.path.join(MODEL_DIR, 'en-us')); c.set_string('-lm', os.path.join(MODEL_DIR, 'en-us.lm.bin'))
c.set_string('-dict', os.path.join(MODEL_DIR, 'cmudict-en-us.dict')); c.set_string('-logfn', os.devnull); c.set_boolean('-bestpath', True)
d = ps.Decoder(c)
total = 0.0
for path in sys.argv[2:]:
    w = wave.open(path); pcm = w.readframes(w.getnframes())
    t = time.perf_counter()
    d.start_utt(); d.process_raw(pcm, False, True); d.end_utt(); h = d.hyp()
    total += time.perf_counter() - t
    print((h.hypstr if h else '').strip())
print(total)
`;

async function benchAsr(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'voice-bench-'));
  try {
    for (const [voice, secondPass] of [
      ['slt', true],
      ['slt', false],
      ['rms', true],
      ['kal16', true],
    ] as const) {
      const clips = await Promise.all(SENTENCES.map((s) => say(s, { voice })));
      const seconds = clips.reduce((n, c) => n + c.samples.length / c.sampleRate, 0);
      // ours: one session (the Python process and decoder start once), one utterance per input
      const session = await runner.stream(one('asr', 'SpeechRecognition', { secondPass }));
      const reader = session.outputs[Symbol.asyncIterator]();
      const texts: string[] = [];
      const t0 = performance.now();
      for (const c of clips) {
        await session.send(c);
        const r = await reader.next();
        texts.push(String(((r.value as Output).data as unknown as { value: { text: string } }).value.text));
      }
      const ours = (performance.now() - t0) / 1000;
      await session.end();
      // bare: the same decoder calls in a plain python3 script, timing only decoding
      const files = clips.map((c, i) => {
        const f = join(dir, `${voice}-${i}.wav`);
        writeFileSync(f, encodeWav(c, { format: 'pcm16' }));
        return f;
      });
      const lines = execFileSync('python3', ['-c', BARE_ASR, PYTHON_SDK_DIR, ...files], { encoding: 'utf8' })
        .trim()
        .split('\n');
      const bare = Number(lines.pop());
      const errors = SENTENCES.reduce((n, s, i) => n + wordErrors(words(s), words(texts[i])), 0);
      const bareErrors = SENTENCES.reduce((n, s, i) => n + wordErrors(words(s), words(lines[i] ?? '')), 0);
      const total = SENTENCES.reduce((n, s) => n + words(s).length, 0);
      if (!secondPass) {
        measurements.push({ name: `ASR word error rate, TTS voice ${voice}, secondPass off (as in the voice loop)`, unit: '%', value: (100 * errors) / total });
        continue;
      }
      comparisons.push(
        compare(`ASR real-time factor, voice ${voice} (decode time / audio time)`, 'x', ours / seconds, bare / seconds, {
          baselineName: 'bare PocketSphinx in python3',
          target: '<= 1.3',
        }),
      );
      measurements.push({
        name: `ASR word error rate, TTS voice ${voice}`,
        unit: '%',
        value: (100 * errors) / total,
        note: `${SENTENCES.length} sentences, ${total} words, clean synthetic speech; bare decoder: ${((100 * bareErrors) / total).toFixed(1)}%`,
      });
    }
    // Through the voice loop's front end: 48 kHz, RNNoise, back to 16 kHz.
    const clips = await Promise.all(SENTENCES.map((s) => say(s, { sampleRate: 48000 })));
    const front = {
      version: 'v1' as const,
      metadata: { name: 'front' },
      nodes: [
        { id: 'denoise', nodeType: 'NoiseSuppression' },
        { id: 'resample', nodeType: 'AudioResample', params: { targetRate: 16000 } },
        { id: 'asr', nodeType: 'SpeechRecognition' },
      ],
      connections: [
        { from: 'denoise', to: 'resample' },
        { from: 'resample', to: 'asr' },
      ],
    };
    let errors = 0;
    let total = 0;
    for (const [i, c] of clips.entries()) {
      const out = await runner.execute(front, [c]);
      errors += wordErrors(words(SENTENCES[i]), words(out.map((o) => String((o.data as unknown as { value: { text: string } }).value.text)).join(' ')));
      total += words(SENTENCES[i]).length;
    }
    measurements.push({ name: 'ASR word error rate after RNNoise + resampling (voice slt, 48 kHz in)', unit: '%', value: (100 * errors) / total });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function benchVoiceLoop(measurements: Measurement[], minSilenceMs?: number): Promise<void> {
  let manifest = readFileSync(VOICE_LOOP, 'utf8');
  if (minSilenceMs !== undefined) manifest = manifest.replace(/minSilenceMs: \d+/, `minSilenceMs: ${minSilenceMs}`);
  const label = `minSilenceMs ${minSilenceMs ?? 300}`;
  const questions = ['Hello, how are you?', 'Tell me a joke.', 'What is the weather like?', 'Hello there.'];
  const audio = await Promise.all(questions.map((q) => say(q, { sampleRate: 48000 })));
  const stages: Record<'vad' | 'asr' | 'responder' | 'tts' | 'total' | 'ours', number[]> = { vad: [], asr: [], responder: [], tts: [], total: [], ours: [] };
  const RUNS = 12;
  let split = 0;
  for (let run = 0; run < RUNS + 1; run++) {
    const q = audio[run % audio.length].samples;
    let end = q.length - 1;
    while (end > 0 && Math.abs(q[end]) < 0.01) end--; // the last sample of speech
    const input = concat([new Float32Array(24000), q, new Float32Array(48000 * 2)]);
    const speechEndSample = 24000 + end;
    const session = await runner.stream(manifest);
    const seen: Partial<Record<'vad' | 'asr' | 'reply' | 'audio', number>> = {};
    const reading = (async () => {
      for await (const o of session.outputs) {
        const t = performance.now();
        const node = o.metadata['rm-node-id'];
        if (node === 'speech-events' && (o.data as { value: { speechEnd?: boolean } }).value.speechEnd) seen.vad ??= t;
        else if (node === 'transcripts') seen.asr ??= t;
        else if (node === 'replies') seen.reply ??= t;
        else if (o.data.kind === 'audio') {
          seen.audio ??= t;
          void session.close('measured');
        }
      }
    })().catch(() => {});
    // A microphone delivers each 20 ms frame once it is captured: frame i at start + (i + 1) x 20 ms.
    const start = performance.now();
    for (let i = 0, f = 0; i < input.length && seen.audio === undefined; i += 960, f++) {
      const due = start + (f + 1) * 20;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (seen.audio !== undefined) break;
      await session.send({ kind: 'audio', samples: input.slice(i, i + 960), sampleRate: 48000, channels: 1, timestampUs: f * 20000 });
    }
    await session.close('done').catch(() => {});
    await reading;
    const speechEnd = start + (speechEndSample / 48000) * 1000;
    if (run === 0) continue; // warm-up
    if (seen.vad === undefined || seen.asr === undefined || seen.reply === undefined || seen.audio === undefined) {
      console.warn(`voice loop run ${run}: incomplete (${JSON.stringify(seen)})`);
      continue;
    }
    if (seen.audio < speechEnd) {
      // The VAD ended the utterance at a pause inside it (a comma): the reply answers half a question.
      split++;
      continue;
    }
    stages.vad.push(seen.vad - speechEnd);
    stages.asr.push(seen.asr - seen.vad);
    stages.responder.push(Math.max(0, seen.reply - seen.asr)); // same tick: read order only
    stages.tts.push(seen.audio - seen.reply);
    stages.total.push(seen.audio - speechEnd);
    stages.ours.push(seen.audio - seen.vad);
    if (process.env.BENCH_VERBOSE)
      console.log(run, questions[run % questions.length], Object.fromEntries(Object.entries(seen).map(([k, v]) => [k, Math.round(v - speechEnd)])));
  }
  const names: Record<keyof typeof stages, string> = {
    vad: 'VAD hangover (speech end -> speechEnd event)',
    asr: 'ASR final after speechEnd',
    responder: 'Responder',
    tts: 'TTS first audio after the reply text',
    ours: 'our part (everything but the VAD hangover)',
    total: 'voice to voice (speech end -> first reply sample, in process)',
  };
  measurements.push({
    name: `voice loop (${label}): runs where the VAD cut the question at a pause`,
    unit: 'runs',
    value: split,
    note: `of ${RUNS}; left out of the latencies (the reply came before the question ended)`,
  });
  for (const k of ['vad', 'asr', 'responder', 'tts', 'ours', 'total'] as const) {
    if (!stages[k].length) continue;
    measurements.push({
      name: `voice loop (${label}): ${names[k]} p50`,
      unit: 'ms',
      value: median(stages[k]),
      note: `${stages[k].length} runs, 20 ms frames in real time`,
    });
    measurements.push({ name: `voice loop (${label}): ${names[k]} p95`, unit: 'ms', value: percentile(stages[k], 0.95) });
  }
}

async function benchRnnoise(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const m = await sharedRnnoise();
  const speech = (await say(LONG, { sampleRate: 48000, voice: 'rms' })).samples;
  const seconds = speech.length / 48000;
  let seed = 7;
  const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
  const rms = (x: Float32Array) => Math.sqrt(x.reduce((q, v) => q + v * v, 0) / x.length);
  const frames = (x: Float32Array) =>
    Array.from({ length: Math.ceil(x.length / 960) }, (_, i): AudioData => ({
      kind: 'audio',
      samples: x.slice(i * 960, i * 960 + 960),
      sampleRate: 48000,
      channels: 1,
      timestampUs: i * 20000,
    }));
  const oursTimes: number[] = [];
  const bareTimes: number[] = [];
  const input = frames(speech);
  for (let i = 0; i < 7; i++) {
    let t = performance.now();
    await runner.execute(one('ns', 'NoiseSuppression'), input);
    oursTimes.push(performance.now() - t);
    const st = new RnnoiseStream(m);
    const f = new Float32Array(RNNOISE_FRAME);
    const out = new Float32Array(speech.length);
    t = performance.now();
    for (let o = 0; o + RNNOISE_FRAME <= speech.length; o += RNNOISE_FRAME) {
      f.set(speech.subarray(o, o + RNNOISE_FRAME));
      st.processFrame(f);
      out.set(f, o);
    }
    bareTimes.push(performance.now() - t);
    st.destroy();
  }
  const oursX = seconds / (median(oursTimes.slice(1)) / 1000);
  const bareX = seconds / (median(bareTimes.slice(1)) / 1000);
  comparisons.push(
    compare('RNNoise speed, our node (20 ms chunks) vs bare frame calls', 'x real time', oursX, bareX, {
      baselineName: '@echogarden/rnnoise-wasm, 480-sample frames',
      target: '>= 0.77 (<= 1.3x the time)',
    }),
  );
  for (const kind of ['white', 'brown'] as const) {
    let b = 0;
    const noise = Float32Array.from({ length: speech.length }, () => (kind === 'white' ? rnd() : (b = 0.98 * b + 0.2 * rnd())));
    const k = rms(speech) / rms(noise);
    const mixed = speech.map((v, i) => v + noise[i] * k);
    const out = concat((await runner.execute(one('ns', 'NoiseSuppression'), frames(mixed))).map((o) => (o.data as AudioData).samples));
    const snr = (y: Float32Array, lag: number) => {
      let ps = 0;
      let pe = 0;
      for (let i = 48000; i + lag < y.length; i++) {
        ps += speech[i] ** 2;
        pe += (y[i + lag] - speech[i]) ** 2;
      }
      return 10 * Math.log10(ps / pe);
    };
    measurements.push({
      name: `RNNoise SNR gain, speech + ${kind} noise at 0 dB`,
      unit: 'dB',
      value: snr(out, RNNOISE_FRAME) - snr(mixed, 0),
      note: `in ${snr(mixed, 0).toFixed(1)} dB, out ${snr(out, RNNOISE_FRAME).toFixed(1)} dB (output lags 10 ms)`,
    });
  }
}

export async function run(): Promise<void> {
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];
  try {
    // BENCH_VOICE=tts,rnnoise,asr,loop runs a subset.
    const only = process.env.BENCH_VOICE?.split(',');
    const want = (part: string) => !only || only.includes(part);
    if (want('tts')) await benchTts(comparisons, measurements);
    if (want('rnnoise')) await benchRnnoise(comparisons, measurements);
    if (want('asr')) await benchAsr(comparisons, measurements);
    if (want('loop')) {
      await benchVoiceLoop(measurements); // the manifest as shipped (minSilenceMs 300)
      await benchVoiceLoop(measurements, 100); // SileroVAD's default
    }
  } finally {
    await runner.shutdown();
  }
  writeReport('voice', comparisons, measurements);
}
