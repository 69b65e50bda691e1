import { describe, expect, it } from 'vitest';
import { MicroBatcher, batchOptionsFromEnv } from '../src/util/micro-batcher.js';

const double = (calls: number[][]) => (items: readonly number[]) => {
  calls.push([...items]);
  return items.map((x) => x * 2);
};

describe('MicroBatcher', () => {
  it('runs items submitted together as one batch and gives each caller its own result', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(double(calls), { maxWaitMs: 10, maxBatch: 64 });
    expect(await Promise.all([1, 2, 3].map((x) => b.submit(x)))).toEqual([2, 4, 6]);
    expect(calls).toEqual([[1, 2, 3]]);
    expect(b.stats).toMatchObject({ batches: 1, items: 3, maxBatchSeen: 3, failedItems: 0 });
  });

  it('runs a full batch at once and splits bursts larger than maxBatch', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(double(calls), { maxWaitMs: 20, maxBatch: 2 });
    expect(await Promise.all([1, 2, 3, 4, 5].map((x) => b.submit(x)))).toEqual([2, 4, 6, 8, 10]);
    expect(calls.map((c) => c.length)).toEqual([2, 2, 1]);
  });

  it('does not wait once every member has an item in the batch, and stops waiting for members that leave', async () => {
    const calls: number[][] = [];
    const b = new MicroBatcher(double(calls), { maxWaitMs: 60_000, maxBatch: 64 });
    const leaveA = b.join();
    const leaveB = b.join();
    const a = b.submit(1);
    expect(b.pending).toBe(1); // waits for B
    const bb = b.submit(2);
    expect(await Promise.all([a, bb])).toEqual([2, 4]);
    const a2 = b.submit(3);
    leaveB(); // B went away: A's batch runs without it
    expect(await a2).toBe(6);
    leaveB(); // idempotent
    expect(b.members).toBe(1);
    leaveA();
    expect(b.members).toBe(0);
  });

  it('a failing item rejects only its own caller', async () => {
    const b = new MicroBatcher(
      (items: readonly number[]) => {
        if (items.includes(13)) throw new Error('bad row');
        return items.map((x) => x + 1);
      },
      { maxWaitMs: 5, maxBatch: 64 },
    );
    const results = await Promise.allSettled([1, 13, 3].map((x) => b.submit(x)));
    expect(results[0]).toEqual({ status: 'fulfilled', value: 2 });
    expect(results[1]).toMatchObject({ status: 'rejected', reason: { message: 'bad row' } });
    expect(results[2]).toEqual({ status: 'fulfilled', value: 4 });
    expect(b.stats.failedItems).toBe(1);
  });

  it('reads its settings from env, falling back to the defaults for bad values', () => {
    const d = { maxWaitMs: 5, maxBatch: 64 };
    expect(batchOptionsFromEnv({ REMOTEMEDIA_BATCH_WAIT_MS: '2', REMOTEMEDIA_BATCH_MAX: '16' }, d)).toEqual({ maxWaitMs: 2, maxBatch: 16 });
    expect(batchOptionsFromEnv({ REMOTEMEDIA_BATCH_WAIT_MS: 'x', REMOTEMEDIA_BATCH_MAX: '0' }, d)).toEqual(d);
    expect(() => new MicroBatcher(() => [], { maxWaitMs: 1, maxBatch: 0 })).toThrow(RangeError);
  });
});

describe('MicroBatcher in a process with nothing else to do', () => {
  it('still runs a waiting batch (its timer keeps the process alive)', async () => {
    const { execFileSync } = await import('node:child_process');
    const { fileURLToPath } = await import('node:url');
    const src = fileURLToPath(new URL('../src/util/micro-batcher.ts', import.meta.url));
    const script = `import { MicroBatcher } from ${JSON.stringify(src)};
const b = new MicroBatcher((xs) => xs.map((x) => x + 1), { maxWaitMs: 50, maxBatch: 64 });
b.join(); b.join(); // two members, one item: the batch waits for its timer
console.log('result', await b.submit(41));`;
    const out = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { encoding: 'utf8' });
    expect(out.trim()).toBe('result 42');
  });
});

describe('MicroBatcher with a runner that cannot batch', () => {
  it('keeps every result correct, then stops batching after repeated batch-only failures', async () => {
    const sizes: number[] = [];
    const b = new MicroBatcher(
      (items: readonly number[]) => {
        sizes.push(items.length);
        if (items.length > 1) throw new Error('this model has a fixed batch of 1');
        return items.map((x) => x * 10);
      },
      { maxWaitMs: 5, maxBatch: 64 },
    );
    for (let round = 0; round < 5; round++)
      expect(await Promise.all([1, 2, 3].map((x) => b.submit(x + round)))).toEqual([10, 20, 30].map((x) => x + 10 * round));
    expect(b.stats.degraded).toBe(true);
    expect(b.stats.failedItems).toBe(0);
    expect(sizes.filter((n) => n > 1)).toHaveLength(3); // three failed batches, then items run alone
  });
});
