import { describe, expect, it } from 'vitest';
import { BoundedQueue, EMPTY } from '@remotemedia/runtime-core/kit';

const drain = <T>(q: BoundedQueue<T>) => {
  const out: T[] = [];
  for (let x = q.shift(); x !== EMPTY; x = q.shift()) out.push(x);
  return out;
};

describe('BoundedQueue', () => {
  it('keeps FIFO order while growing across a wrapped ring', () => {
    const q = new BoundedQueue<number>(100);
    for (let i = 0; i < 3; i++) void q.push(i);
    expect(q.shift()).toBe(0);
    expect(q.shift()).toBe(1);
    for (let i = 3; i < 60; i++) expect(q.push(i)).toBeUndefined();
    expect(q.length).toBe(58);
    expect(drain(q)).toEqual(Array.from({ length: 58 }, (_, i) => i + 2));
  });

  it('block: a full queue makes the producer wait until the consumer takes an item', async () => {
    const q = new BoundedQueue<number>(2);
    void q.push(1);
    void q.push(2);
    let accepted = false;
    const waiting = q.push(3)!.then(() => (accepted = true));
    expect(q.length).toBe(2);
    expect(q.waitingProducers).toBe(1);
    await Promise.resolve();
    expect(accepted).toBe(false);
    expect(q.shift()).toBe(1);
    await waiting;
    expect(drain(q)).toEqual([2, 3]);
  });

  it('drop policies never block and count every drop', () => {
    const oldest = new BoundedQueue<number>(3, 'drop-oldest');
    const newest = new BoundedQueue<number>(3, 'drop-newest');
    for (let i = 0; i < 10; i++) {
      expect(oldest.push(i)).toBeUndefined();
      expect(newest.push(i)).toBeUndefined();
    }
    expect(drain(oldest)).toEqual([7, 8, 9]);
    expect(drain(newest)).toEqual([0, 1, 2]);
    expect([oldest.dropped, newest.dropped]).toEqual([7, 7]);
  });

  it('clear discards queued items and releases blocked producers; fail rejects them', async () => {
    const q = new BoundedQueue<number>(1);
    void q.push(1);
    const blocked = q.push(2)!;
    expect(q.clear()).toBe(2);
    await blocked;
    expect(q.shift()).toBe(EMPTY);
    void q.push(3);
    const rejected = q.push(4)!;
    q.fail(new Error('gone'));
    await expect(rejected).rejects.toThrow('gone');
    expect(q.shift()).toBe(3); // what was queued stays readable
    await expect(q.push(5)).rejects.toThrow('gone');
  });
});
