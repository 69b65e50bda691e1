import { describe, expect, it } from 'vitest';
import { resample } from '../../src/dsp/resampler.js';
import { BatchedSileroVadModel, SileroVadModel, sharedSileroSession, sileroBatchStats } from '../../src/nodejs/models/silero-model.js';
import { sileroBatchOptions } from '../../src/nodejs/nodes/audio/silero-vad.js';
import { loadFixture } from './fixture.js';

describe('BatchedSileroVadModel (real Silero v5 model)', () => {
  it('scores 16 kHz and 8 kHz streams in separate batches, each equal to the unbatched model within 1e-4', async () => {
    const { ort, session } = await sharedSileroSession();
    const speech = loadFixture('speech-16k-mono.wav').samples;
    const at8k = resample(speech, { inputRate: 16000, outputRate: 8000 });
    const streams = [
      ...Array.from({ length: 4 }, (_, k) => ({ rate: 16000 as const, samples: speech.subarray(k * 8000, k * 8000 + 512 * 60) })),
      ...Array.from({ length: 3 }, (_, k) => ({ rate: 8000 as const, samples: at8k.subarray(k * 4000, k * 4000 + 256 * 60) })),
    ];
    const options = { maxWaitMs: 30, maxBatch: 64 };
    const batched = await Promise.all(
      streams.map(async ({ rate, samples }) => {
        const model = new BatchedSileroVadModel(ort, session, rate, options);
        const n = model.windowFrames;
        const out: number[] = [];
        for (let o = 0; o + n <= samples.length; o += n) out.push(await model.score(samples.subarray(o, o + n)));
        model.close();
        return out;
      }),
    );
    for (const [i, { rate, samples }] of streams.entries()) {
      const model = new SileroVadModel(ort, session, rate);
      const n = model.windowFrames;
      let worst = 0;
      for (let o = 0, w = 0; o + n <= samples.length; o += n, w++)
        worst = Math.max(worst, Math.abs((await model.score(samples.subarray(o, o + n))) - batched[i][w]));
      expect(worst, `stream ${i} at ${rate} Hz`).toBeLessThanOrEqual(1e-4);
    }
    const stats = sileroBatchStats(session);
    expect(stats.find((s) => s.key === '16000/30/64')!.stats.maxBatchSeen).toBe(4);
    expect(stats.find((s) => s.key === '8000/30/64')!.stats.maxBatchSeen).toBe(3);
  });

  it('takes its settings from the node options, then env, capped at one window period', () => {
    expect(sileroBatchOptions(undefined, {})).toEqual({ maxWaitMs: 5, maxBatch: 64 });
    expect(sileroBatchOptions(false, {})).toBeUndefined();
    expect(sileroBatchOptions(undefined, { REMOTEMEDIA_BATCH_WAIT_MS: '0' })).toBeUndefined();
    expect(sileroBatchOptions(undefined, { REMOTEMEDIA_BATCH_WAIT_MS: '8', REMOTEMEDIA_BATCH_MAX: '16' })).toEqual({ maxWaitMs: 8, maxBatch: 16 });
    expect(sileroBatchOptions({ maxWaitMs: 100 }, {})).toEqual({ maxWaitMs: 32, maxBatch: 64 });
    expect(sileroBatchOptions({ maxBatch: 1 }, {})).toBeUndefined();
  });
});
