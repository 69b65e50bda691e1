import { describe, expect, it } from 'vitest';
import { LatencyHistogram } from '../src/metrics/latency-histogram.js';

describe('LatencyHistogram', () => {
  it('is exact for a few samples and within 10% once bucketed', () => {
    const few = new LatencyHistogram();
    for (const v of [5, 1, 3]) few.record(v);
    expect([few.quantile(0.5), few.quantile(0.99), few.count, few.maxUs]).toEqual([3, 5, 3, 5]);
    const many = new LatencyHistogram();
    for (let v = 1; v <= 10_000; v++) many.record(v);
    expect(many.count).toBe(10_000);
    for (const [q, exact] of [
      [0.5, 5000],
      [0.95, 9500],
      [0.99, 9900],
    ] as const) {
      expect(Math.abs(many.quantile(q) - exact) / exact).toBeLessThan(0.1);
    }
    expect(many.snapshot().meanUs).toBeCloseTo(5000.5, 3);
  });

  it('cumulative buckets agree before and after the switch to buckets', () => {
    const h = new LatencyHistogram();
    for (const v of [0.2, 1.5, 3, 100]) h.record(v);
    const before = h.cumulativeBuckets();
    expect(before.find((b) => b.leUs === 2)!.count).toBe(2);
    expect(before.at(-1)!.count).toBe(4);
    for (let i = 0; i < 20; i++) h.record(3);
    const after = h.cumulativeBuckets();
    expect(after.find((b) => b.leUs === 2)!.count).toBe(2);
    expect(after.find((b) => b.leUs === 4)!.count).toBe(23);
  });
});
