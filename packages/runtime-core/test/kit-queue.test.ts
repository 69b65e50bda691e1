import { describe, expect, it } from 'vitest';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { BoundedQueue, EMPTY } from '@remotemedia/runtime-core/kit';

const settledState = async (p: Promise<unknown>) => {
  let state = 'pending';
  p.then(
    () => (state = 'resolved'),
    () => (state = 'rejected'),
  );
  // Two turns: enough for a resolved promise chain to run its reactions.
  await Promise.resolve();
  await Promise.resolve();
  return state;
};

describe('BoundedQueue (kit)', () => {
  it('bounded, block: the producer waits for room and is released when the consumer takes one', async () => {
    const q = new BoundedQueue<number>(1);
    expect(q.push(1)).toBeUndefined();
    const second = q.push(2)!;
    expect(await settledState(second)).toBe('pending');
    expect(q.shift()).toBe(1);
    expect(await settledState(second)).toBe('resolved');
    expect(q.shift()).toBe(2);
  });

  it('bounded, drop-newest and drop-oldest count what they drop', () => {
    const newest = new BoundedQueue<number>(2, 'drop-newest');
    const oldest = new BoundedQueue<number>(2, 'drop-oldest');
    for (const i of [1, 2, 3, 4]) {
      expect(newest.push(i)).toBeUndefined();
      expect(oldest.push(i)).toBeUndefined();
    }
    expect([newest.shift(), newest.shift(), newest.dropped]).toEqual([1, 2, 2]);
    expect([oldest.shift(), oldest.shift(), oldest.dropped]).toEqual([3, 4, 2]);
  });

  it('unbounded (capacity Infinity) never blocks nor drops', async () => {
    const q = new BoundedQueue<number>(Infinity);
    for (let i = 0; i < 10_000; i++) expect(q.push(i)).toBeUndefined();
    q.close();
    let n = 0;
    for await (const x of q) expect(x).toBe(n++);
    expect(n).toBe(10_000);
  });

  it('handoff (capacity 0): push resolves only once the consumer took the item', async () => {
    const q = new BoundedQueue<string>(0);
    const a = q.push('a')!;
    const b = q.push('b')!;
    expect(q.length).toBe(0);
    expect(await settledState(a)).toBe('pending');
    expect(await q.next()).toBe('a');
    expect(await settledState(a)).toBe('resolved');
    expect(await settledState(b)).toBe('pending');
    // close() still delivers the items being handed off, then ends.
    q.close();
    expect(await q.next()).toBe('b');
    expect(await settledState(b)).toBe('resolved');
    expect(await q.next()).toBeUndefined();
    await expect(q.push('c')).rejects.toThrow();
  });

  it('handoff: a waiting consumer is woken by the next push', async () => {
    const q = new BoundedQueue<number>(0);
    const taken = q.next();
    const pushed = q.push(7)!;
    expect(await taken).toBe(7);
    await pushed;
  });

  it('handoff refuses a drop policy', () => {
    expect(() => new BoundedQueue(0, 'drop-oldest')).toThrow(RangeError);
    expect(() => new BoundedQueue(-1)).toThrow(RangeError);
    expect(() => new BoundedQueue(1.5)).toThrow(RangeError);
  });

  it('next() waits for an item, and throws the fail error only after the queued items', async () => {
    const q = new BoundedQueue<number>(Infinity);
    const first = q.next();
    void q.push(1);
    expect(await first).toBe(1);
    void q.push(2);
    void q.push(3);
    const boom = new RemoteMediaError(Code.DataLoss, 'wire broke');
    q.fail(boom);
    expect(await q.next()).toBe(2);
    expect(await q.next()).toBe(3);
    await expect(q.next()).rejects.toBe(boom);
    await expect(q.push(4)).rejects.toBe(boom);
  });

  it('the iterator yields the drained items then throws the fail error', async () => {
    const q = new BoundedQueue<number>(4);
    void q.push(1);
    void q.push(2);
    q.fail(new RemoteMediaError(Code.Unavailable, 'gone'));
    const seen: number[] = [];
    await expect(async () => {
      for await (const x of q) seen.push(x);
    }).rejects.toMatchObject({ code: Code.Unavailable });
    expect(seen).toEqual([1, 2]);
  });

  it('leaving the iteration early cancels the queue: producers are rejected with Canceled, queued items discarded', async () => {
    const q = new BoundedQueue<number>(1);
    void q.push(1);
    let blocked: Promise<void> | undefined;
    for await (const x of q) {
      expect(x).toBe(1);
      void q.push(2);
      blocked = q.push(3);
      break;
    }
    expect(blocked).toBeDefined();
    await expect(blocked!).rejects.toMatchObject({ code: Code.Canceled });
    await expect(q.push(3)).rejects.toMatchObject({ code: Code.Canceled });
    expect(q.length).toBe(0);
    expect(q.shift()).toBe(EMPTY);
  });
});
