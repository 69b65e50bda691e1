// The executor's promise-free paths: a node returning several outputs synchronously, the cheap
// abort race of asynchronous calls, and VadStream answering a chunk synchronously when it can.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { type AudioData, type ManifestInput, PipelineRunner, type RuntimeData, audio, builtinNodes, collect, defineNode } from '@remotemedia/runtime-core';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { LazyAbortController } from '../src/util/lazy-abort.js';
import { VadStream } from '../src/dsp/vad-stream.js';

const json = (value: number): RuntimeData => ({ kind: 'json', value });
const manifest = (nodes: ManifestInput['nodes'], connections: ManifestInput['connections'] = []): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'sync-outputs' },
  nodes,
  connections,
});

/** Each json input n becomes [n*10, n*10+1, n*10+2], returned synchronously. */
const Triple = defineNode({
  type: 'Triple',
  description: 'three outputs per input, synchronously',
  paramsSchema: z.object({}),
  accepts: ['json'],
  produces: ['json'],
  create: () => ({
    process: (input) => {
      const n = (input as { value: number }).value;
      return [json(n * 10), json(n * 10 + 1), json(n * 10 + 2)];
    },
  }),
});

describe('synchronous multi-output nodes', () => {
  it('deliver every output in order through a slow, bounded downstream (backpressure mid-array)', async () => {
    const runner = new PipelineRunner({ nodes: [...conformanceNodes, Triple], outputCapacity: 2 });
    const session = await runner.stream(
      manifest(
        [
          { id: 't', nodeType: 'Triple', queue: { capacity: 1 } },
          { id: 'slow', nodeType: 'Sleep', params: { ms: 1 }, queue: { capacity: 1 } },
        ],
        [{ from: 't', to: 'slow' }],
      ),
    );
    const reading = collect(session.outputs);
    for (let i = 0; i < 30; i++) await session.send(json(i));
    await session.end();
    const values = (await reading).map((o) => (o.data as { value: number }).value);
    expect(values).toEqual(Array.from({ length: 30 }, (_, i) => [i * 10, i * 10 + 1, i * 10 + 2]).flat());
    expect(session.metrics().nodes.find((n) => n.nodeId === 't')).toMatchObject({ itemsIn: 30, itemsOut: 90 });
  });

  it('pass the input chunk on as itself, with its metadata, next to new outputs', async () => {
    const Tagged = defineNode({
      type: 'Tagged',
      description: 'the input, then an event',
      paramsSchema: z.object({}),
      accepts: 'any',
      produces: 'any',
      create: () => ({ process: (input) => [input, json(1)] }),
    });
    const runner = new PipelineRunner({ nodes: [...builtinNodes, Tagged] });
    const session = await runner.stream(manifest([{ id: 'tag', nodeType: 'Tagged' }]));
    const chunk = audio(new Float32Array(160), 16_000);
    const reading = collect(session.outputs);
    await session.send({ data: chunk, metadata: { turn: '7' } });
    await session.end();
    const outs = await reading;
    expect(outs.map((o) => o.data.kind)).toEqual(['audio', 'json']);
    expect(outs[0].data).toBe(chunk);
    expect(outs.every((o) => o.metadata?.turn === '7')).toBe(true);
  });
});

describe('LazyAbortController.race', () => {
  it('settles with the promise when nothing aborts, and leaves nothing behind for a later abort', async () => {
    const c = new LazyAbortController();
    await expect(c.race(Promise.resolve(5))).resolves.toBe(5);
    await expect(c.race(Promise.reject(new Error('node failed')))).rejects.toThrow('node failed');
    c.abort(new Error('later')); // no racer left: nothing to reject, nothing thrown
    expect(c.aborted).toBe(true);
  });

  it('rejects with the reason as soon as it aborts, while the raced promise is still pending', async () => {
    const c = new LazyAbortController();
    const never = new Promise<number>(() => {});
    const raced = [c.race(never), c.race(never)];
    const reason = new Error('interrupted');
    c.abort(reason);
    for (const r of raced) await expect(r).rejects.toBe(reason);
    await expect(c.race(Promise.resolve(1))).rejects.toBe(reason); // already aborted
    expect(c.signal.aborted).toBe(true); // a signal made after the abort is aborted too
  });
});

describe('VadStream', () => {
  const speechLike = (i: number) =>
    audio(
      Float32Array.from({ length: 320 }, (_, k) => Math.sin((i * 320 + k) / 7) * (i % 40 < 20 ? 0.6 : 0.001)),
      16_000,
    );
  const energy = (w: Float32Array) => Math.min(1, Math.sqrt(w.reduce((s, x) => s + x * x, 0) / w.length) * 4);

  it('answers synchronously when the chunk completes no window or the scorer is synchronous, and gives the same events as an async scorer', async () => {
    const options = { windowFrames: 512, threshold: 0.5, minSpeechMs: 64, minSilenceMs: 96, speechPadMs: 0 };
    const sync = new VadStream({ ...options, score: energy });
    const asyncStream = new VadStream({ ...options, score: (w) => Promise.resolve(energy(w)) });
    let promises = 0;
    let syncAnswers = 0;
    for (let i = 0; i < 200; i++) {
      const chunk = speechLike(i);
      const a = sync.process(chunk);
      expect(Array.isArray(a)).toBe(true);
      const b = asyncStream.process(chunk);
      if (Array.isArray(b)) syncAnswers++;
      else promises++;
      const [outA, outB] = [a as RuntimeData[], await b];
      expect(outB).toEqual(outA);
      expect((outA[0] as AudioData).samples).toBe(chunk.samples);
    }
    // 20 ms chunks, 32 ms windows: a window completes with 5 chunks of every 8.
    expect(promises).toBe(125);
    expect(syncAnswers).toBe(75);
    const events = [];
    for (let i = 0; i < 200; i++) events.push(...(sync.process(speechLike(i)) as RuntimeData[]));
    expect(events.some((e) => e.kind === 'json' && (e.value as { speechStart: boolean }).speechStart)).toBe(true);
  });
});
