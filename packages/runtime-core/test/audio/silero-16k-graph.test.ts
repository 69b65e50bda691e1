// models/silero_vad_v5_16k.onnx (scripts/gen-silero-16k.py) is the shipped model's 16 kHz branch as
// one MatMul per layer. It must give the shipped model's results on real speech, window after window
// (recurrent state carried), alone and in batches, and refuse what it cannot do with a clear error.
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Code, RemoteMediaError } from '../../src/errors.js';
import {
  BatchedSileroVadModel,
  SILERO_VAD_16K_MODEL_PATH,
  SILERO_VAD_MODEL_PATH,
  SileroVadModel,
  sharedSileroSession,
  sileroBatchStats,
} from '../../src/nodejs/models/silero-model.js';
import { createSileroVadNode } from '../../src/nodejs/nodes/audio/silero-vad.js';
import { createNodeRunner } from '../../src/nodejs/runners/create-node-runner.js';
import { NodeRegistry } from '../../src/nodes/node-registry.js';
import type { RuntimeData } from '../../src/data/runtime-data.js';
import { chunks, loadFixture } from './fixture.js';

const speech = loadFixture('speech-16k-mono.wav').samples;
const WINDOW = 512;

/** Per-window probabilities of one stream, window after window on a single-stream model. */
async function scoreAll(model: SileroVadModel, samples: Float32Array): Promise<number[]> {
  const out: number[] = [];
  for (let o = 0; o + WINDOW <= samples.length; o += WINDOW) out.push(await model.score(samples.subarray(o, o + WINDOW)));
  return out;
}

const maxDifference = (a: readonly number[], b: readonly number[]) => {
  expect(a).toHaveLength(b.length);
  return a.reduce((worst, x, i) => Math.max(worst, Math.abs(x - b[i])), 0);
};

describe('the 16 kHz MatMul graph of Silero VAD v5', () => {
  it('has no sr input and gives the shipped model’s probabilities on real speech within 1e-4, window after window', async () => {
    const shipped = await sharedSileroSession();
    const graph = await sharedSileroSession(SILERO_VAD_16K_MODEL_PATH);
    expect((graph.session as { inputNames?: string[] }).inputNames).toEqual(['input', 'state']);
    const want = await scoreAll(new SileroVadModel(shipped.ort, shipped.session, 16000), speech);
    const got = await scoreAll(new SileroVadModel(graph.ort, graph.session, 16000), speech);
    expect(Math.max(...got)).toBeGreaterThan(0.9); // the fixture has speech and silence: both ends are exercised
    expect(Math.min(...got)).toBeLessThan(0.1);
    expect(maxDifference(got, want)).toBeLessThanOrEqual(1e-4);
  });

  it('gives each row of a batch the shipped model’s single-stream results within 1e-4', async () => {
    const shipped = await sharedSileroSession();
    const graph = await sharedSileroSession(SILERO_VAD_16K_MODEL_PATH);
    // Streams from different offsets and gains, so every row of each batch differs.
    const streams = Array.from({ length: 6 }, (_, k) => speech.subarray(k * 5000, k * 5000 + WINDOW * 50).map((x) => x * (0.3 + 0.14 * k)));
    const batched = await Promise.all(
      streams.map(async (samples) => {
        const model = new BatchedSileroVadModel(graph.ort, graph.session, 16000, { maxWaitMs: 30, maxBatch: 64 });
        const out: number[] = [];
        for (let o = 0; o + WINDOW <= samples.length; o += WINDOW) out.push(await model.score(samples.subarray(o, o + WINDOW)));
        model.close();
        return out;
      }),
    );
    for (const [k, samples] of streams.entries()) {
      const want = await scoreAll(new SileroVadModel(shipped.ort, shipped.session, 16000), samples);
      expect(maxDifference(batched[k], want), `stream ${k}`).toBeLessThanOrEqual(1e-4);
    }
  });

  it('refuses 8 kHz audio with an error that says the graph takes only 16 kHz', async () => {
    const { ort, session } = await sharedSileroSession(SILERO_VAD_16K_MODEL_PATH);
    const error = (() => {
      try {
        new SileroVadModel(ort, session, 8000);
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect(error).toMatchObject({ code: Code.InvalidArgument, message: expect.stringMatching(/only 16000 Hz.*got 8000 Hz/) });
  });

  it('the node runs it at 16 kHz and the shipped graph at 8 kHz; a manifest naming it gets a clear error at 8 kHz', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'silero-16k-'));
    copyFileSync(SILERO_VAD_16K_MODEL_PATH, join(dir, 'vad16k.onnx'));
    const registry = new NodeRegistry();
    registry.register(createSileroVadNode({ modelDirs: [dir], batch: false }));
    registry.register({ ...createSileroVadNode({ modelDirs: [dir], batch: false, graph16k: false }), type: 'SileroVADShipped' });
    const runner = createNodeRunner({ registry });
    const pipeline = (nodeType: string, params: Record<string, unknown> = {}) => ({
      version: 'v1' as const,
      metadata: { name: 'vad' },
      nodes: [{ id: 'vad', nodeType, params }],
    });
    const probabilities = (out: { data: RuntimeData }[]) =>
      out.flatMap(({ data }) => (data.kind === 'json' ? [(data.value as { probability: number }).probability] : []));
    const input = chunks(loadFixture('speech-16k-mono.wav'), 320);
    const fast = probabilities(await runner.execute(pipeline('SileroVAD'), input));
    const shipped = probabilities(await runner.execute(pipeline('SileroVADShipped'), input));
    expect(fast.length).toBe(input.length);
    expect(maxDifference(fast, shipped)).toBeLessThanOrEqual(1e-4);

    const at8k = [{ kind: 'audio' as const, samples: new Float32Array(256), sampleRate: 8000, channels: 1 }];
    expect(probabilities(await runner.execute(pipeline('SileroVAD'), at8k))).toHaveLength(1); // the shipped graph serves 8 kHz
    const refused = await runner.execute(pipeline('SileroVAD', { modelPath: 'vad16k.onnx' }), at8k).catch((e: unknown) => e);
    expect(refused).toMatchObject({ code: Code.InvalidArgument, message: expect.stringContaining('only 16000 Hz') });
  });

  it('a modelPath naming the shipped file runs the 16 kHz graph too', async () => {
    const registry = new NodeRegistry();
    const batch = { maxWaitMs: 7, maxBatch: 3 }; // settings no other test uses, so the batcher is this test's
    registry.register(createSileroVadNode({ modelDirs: [dirname(SILERO_VAD_MODEL_PATH)], batch }));
    const runner = createNodeRunner({ registry });
    const manifest = {
      version: 'v1' as const,
      metadata: { name: 'vad' },
      nodes: [{ id: 'vad', nodeType: 'SileroVAD', params: { modelPath: 'silero_vad_v5.onnx' } }],
    };
    await runner.execute(manifest, chunks(loadFixture('speech-16k-mono.wav'), 512).slice(0, 10));
    const key = `16000/${batch.maxWaitMs}/${batch.maxBatch}`;
    const on16k = sileroBatchStats((await sharedSileroSession(SILERO_VAD_16K_MODEL_PATH)).session).find((s) => s.key === key);
    const onShipped = sileroBatchStats((await sharedSileroSession()).session).find((s) => s.key === key);
    expect(on16k?.stats.items).toBe(10);
    expect(onShipped).toBeUndefined();
  });
});
