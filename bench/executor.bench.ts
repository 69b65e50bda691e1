// pnpm bench executor: per-hop cost of the executor vs node:stream and plain awaited calls (the floor).
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { type AudioData, type ManifestInput, PipelineRunner } from '@remotemedia/runtime-core';
import { compare, median, percentile, writeReport } from './report.js';

const FRAMES = 100_000;
const HOPS = 10;
const ROUNDS = 3;

const frames: AudioData[] = Array.from({ length: 1000 }, (_, i) => ({
  kind: 'audio',
  samples: new Float32Array(320).fill(i / 1000),
  sampleRate: 16000,
  channels: 1,
}));
const frame = (i: number) => frames[i % frames.length];

const chain = (hops: number): ManifestInput => ({
  version: 'v1',
  metadata: { name: `passthrough-x${hops}` },
  nodes: Array.from({ length: hops }, (_, i) => ({ id: `p${i}`, nodeType: 'PassThrough' })),
  connections: Array.from({ length: hops - 1 }, (_, i) => ({ from: `p${i}`, to: `p${i + 1}` })),
});

async function ours(runner: PipelineRunner): Promise<number> {
  const session = await runner.stream(chain(HOPS));
  const start = performance.now();
  let received = 0;
  const reading = (async () => {
    for await (const _ of session.outputs) received++;
  })();
  for (let i = 0; i < FRAMES; i++) {
    const p = session.send(frame(i));
    await p;
  }
  await session.end();
  await reading;
  if (received !== FRAMES) throw new Error(`lost outputs: ${received}/${FRAMES}`);
  return performance.now() - start;
}

async function nodeStreams(): Promise<number> {
  const start = performance.now();
  let received = 0;
  const transforms = Array.from({ length: HOPS }, () => new Transform({ objectMode: true, transform: (chunk, _enc, cb) => cb(null, chunk) }));
  const streams: (Readable | Transform | Writable)[] = [
    Readable.from(
      (function* () {
        for (let i = 0; i < FRAMES; i++) yield frame(i);
      })(),
    ),
    ...transforms,
    new Writable({ objectMode: true, write: (_chunk, _enc, cb) => (received++, cb()) }),
  ];
  await pipeline(streams);
  if (received !== FRAMES) throw new Error('lost outputs');
  return performance.now() - start;
}

async function awaitedCalls(): Promise<number> {
  const hop = async (x: AudioData) => x;
  const start = performance.now();
  let received = 0;
  for (let i = 0; i < FRAMES; i++) {
    let x = frame(i);
    for (let h = 0; h < HOPS; h++) x = await hop(x);
    received++;
  }
  if (received !== FRAMES) throw new Error('lost outputs');
  return performance.now() - start;
}

async function unaryLatencies(runner: PipelineRunner, calls: number): Promise<number[]> {
  const manifest = runner.resolve(chain(5));
  const out: number[] = [];
  for (let i = 0; i < calls; i++) {
    const start = performance.now();
    await runner.execute(manifest, [frame(i)]);
    out.push((performance.now() - start) * 1000);
  }
  return out;
}

export async function run(): Promise<void> {
  const runner = new PipelineRunner();
  await ours(runner); // warm-up
  await nodeStreams();
  await awaitedCalls();
  const t = { ours: [] as number[], streams: [] as number[], calls: [] as number[] };
  for (let r = 0; r < ROUNDS; r++) {
    t.ours.push(await ours(runner));
    t.streams.push(await nodeStreams());
    t.calls.push(await awaitedCalls());
  }
  const perHopNs = (ms: number[]) => (median(ms) * 1e6) / (FRAMES * HOPS);
  await unaryLatencies(runner, 500);
  const unary = await unaryLatencies(runner, 5000);
  writeReport(
    'executor',
    [
      compare('per-hop cost, 10-node chain, 100k frames of 320 samples', 'ns/hop', perHopNs(t.ours), perHopNs(t.streams), {
        target: '<= 2',
        baselineName: 'node:stream Transform chain',
      }),
      compare('per-hop cost vs plain awaited calls (the floor)', 'ns/hop', perHopNs(t.ours), perHopNs(t.calls), { baselineName: 'awaited function calls' }),
    ],
    [
      { name: 'unary 5-node chain p50', unit: 'us', value: percentile(unary, 0.5) },
      { name: 'unary 5-node chain p99', unit: 'us', value: percentile(unary, 0.99) },
      { name: 'streaming throughput, 10 hops', unit: 'frames/s', value: FRAMES / (median(t.ours) / 1000) },
    ],
  );
}
