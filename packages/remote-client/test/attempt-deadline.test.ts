import { getEventListeners } from 'node:events';
import { Code, type PipelineClient, RemoteMediaError } from '@remotemedia/runtime-core';
import { BrokenCircuitError } from 'cockatiel';
import { describe, expect, it } from 'vitest';
import { idleDeadlineSignals, pendingDeadlines, sweepIdleCallerSignals, withDeadline } from '../src/attempt-deadline.js';
import { Endpoint } from '../src/endpoint-pool.js';

/** A call that never answers by itself and reports what its signal did. */
function hangingCall() {
  const seen: { signal?: AbortSignal } = {};
  const fn = (signal: AbortSignal) => {
    seen.signal = signal;
    return new Promise<never>(() => {});
  };
  return { fn, seen };
}

const settle = (p: Promise<unknown>) =>
  p.then(
    (value) => ({ value, error: undefined as unknown }),
    (error: unknown) => ({ value: undefined, error }),
  );

describe('attempt deadlines', () => {
  it('each attempt times out on its own deadline with RemoteTimeout, one shared timer serving them all', async () => {
    const timeoutMs = 60;
    const order: string[] = [];
    const started: Record<string, number> = {};
    const calls = ['first', 'second', 'third'].map(async (name, i) => {
      await new Promise((r) => setTimeout(r, i * 20));
      const { fn, seen } = hangingCall();
      started[name] = performance.now();
      const outcome = await settle(withDeadline(fn, `grpc://${name}`, timeoutMs, undefined, true));
      order.push(name);
      return { name, outcome, seen, elapsed: performance.now() - started[name] };
    });
    await new Promise((r) => setTimeout(r, 45)); // all three in flight
    expect(pendingDeadlines(timeoutMs)).toEqual({ pending: 3, timerRefed: true });
    const results = await Promise.all(calls);
    expect(order).toEqual(['first', 'second', 'third']);
    for (const { name, outcome, seen, elapsed } of results) {
      expect(outcome.error).toBeInstanceOf(RemoteMediaError);
      expect(outcome.error).toMatchObject({
        code: Code.DeadlineExceeded,
        reason: 'RemoteTimeout',
        rawMessage: `grpc://${name} did not answer within timeoutMs=${timeoutMs}`,
      });
      // The client was told through its signal, with the same error.
      expect(seen.signal!.aborted).toBe(true);
      expect(seen.signal!.reason).toBe(outcome.error);
      // Never before its own deadline (timers have 1 ms resolution).
      expect(elapsed).toBeGreaterThanOrEqual(timeoutMs - 1);
    }
    // Nothing in flight: the shared timer no longer holds the process.
    expect(pendingDeadlines(timeoutMs)).toEqual({ pending: 0, timerRefed: false });
  });

  it('calls that answer leave no deadline behind, and the timer stops keeping the process alive', async () => {
    const timeoutMs = 5_000;
    let release!: () => void;
    const call = withDeadline(() => new Promise<string>((r) => (release = () => r('ok'))), 'x', timeoutMs, undefined, true);
    expect(pendingDeadlines(timeoutMs)).toEqual({ pending: 1, timerRefed: true });
    release();
    expect(await call).toBe('ok');
    expect(pendingDeadlines(timeoutMs)).toEqual({ pending: 0, timerRefed: false });
    for (let i = 0; i < 100; i++) await withDeadline(() => Promise.resolve(i), 'x', timeoutMs, undefined, true);
    expect(pendingDeadlines(timeoutMs)).toEqual({ pending: 0, timerRefed: false });
  });

  it('a long-lived caller signal carries at most one listener over 10k calls, and none once idle', async () => {
    const caller = new AbortController();
    let most = 0;
    for (let i = 0; i < 10_000; i++) {
      await withDeadline(
        async () => {
          most = Math.max(most, getEventListeners(caller.signal, 'abort').length);
          return i;
        },
        'x',
        1000,
        caller.signal,
        true,
      );
    }
    expect(most).toBe(1);
    expect(getEventListeners(caller.signal, 'abort').length).toBeLessThanOrEqual(1);
    sweepIdleCallerSignals(); // (a timer runs this every second)
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('callers passing a new signal per call do not pile up listeners', async () => {
    const signals = Array.from({ length: 5000 }, () => new AbortController().signal);
    for (const signal of signals) await withDeadline(async () => 1, 'x', 1000, signal, true);
    const listening = signals.filter((s) => getEventListeners(s, 'abort').length > 0).length;
    expect(listening).toBeLessThanOrEqual(2048); // idle ones are swept as the set grows, not after a second
    sweepIdleCallerSignals();
    expect(signals.filter((s) => getEventListeners(s, 'abort').length > 0)).toHaveLength(0);
  });

  it("the caller's abort cancels every attempt in flight on its signal, and only those", async () => {
    const caller = new AbortController();
    const other = new AbortController();
    const mine = [0, 1, 2].map(() => hangingCall());
    const theirs = hangingCall();
    const calls = mine.map(({ fn }) => settle(withDeadline(fn, 'x', 5_000, caller.signal, true)));
    let theirsSettled = false;
    const theirCall = withDeadline(theirs.fn, 'y', 5_000, other.signal, true).finally(() => (theirsSettled = true));
    caller.abort(new Error('user went away'));
    for (const { error } of await Promise.all(calls)) expect(error).toMatchObject({ code: Code.Canceled });
    for (const { seen } of mine) expect(seen.signal!.reason).toEqual(new Error('user went away'));
    await new Promise((r) => setTimeout(r, 10));
    expect(theirsSettled).toBe(false);
    expect(theirs.seen.signal!.aborted).toBe(false);
    other.abort();
    await expect(theirCall).rejects.toMatchObject({ code: Code.Canceled });
    expect(getEventListeners(caller.signal, 'abort')).toHaveLength(0);
  });

  it('an already aborted caller signal fails at once without calling the client', async () => {
    const caller = new AbortController();
    caller.abort();
    let called = false;
    await expect(withDeadline(async () => (called = true), 'x', 1000, caller.signal, true)).rejects.toMatchObject({ code: Code.Canceled });
    expect(called).toBe(false);
  });

  it('unary attempts reuse an idle signal; one that aborted, kept a listener or served a session is never lent again', async () => {
    const signals: AbortSignal[] = [];
    const record = (signal: AbortSignal) => (signals.push(signal), Promise.resolve(signals.length));
    await withDeadline(record, 'x', 1000, undefined, true);
    await withDeadline(record, 'x', 1000, undefined, true);
    expect(signals[1]).toBe(signals[0]);

    // A client that leaves a listener behind keeps that signal: the next call gets a fresh one.
    await withDeadline((s) => (s.addEventListener('abort', () => {}), record(s)), 'x', 1000, undefined, true);
    await withDeadline(record, 'x', 1000, undefined, true);
    expect(signals[3]).not.toBe(signals[2]);

    // Concurrent calls get different signals.
    const gates: (() => void)[] = [];
    const gated = (s: AbortSignal) => (signals.push(s), new Promise<number>((r) => gates.push(() => r(0))));
    const both = [withDeadline(gated, 'x', 1000, undefined, true), withDeadline(gated, 'x', 1000, undefined, true)];
    expect(signals[4]).not.toBe(signals[5]);
    for (const g of gates) g();
    await Promise.all(both);

    // A timed-out attempt's signal stays aborted with its error and is never reused.
    const { fn, seen } = hangingCall();
    await expect(withDeadline(fn, 'x', 20, undefined, true)).rejects.toMatchObject({ reason: 'RemoteTimeout' });
    const idle = idleDeadlineSignals();
    for (let i = 0; i < idle + 2; i++) {
      await withDeadline(record, 'x', 1000, undefined, true);
      expect(signals.at(-1)).not.toBe(seen.signal);
      expect(signals.at(-1)!.aborted).toBe(false);
    }

    // Not unary (a session keeps its signal): always a signal of its own.
    const sessionSignals: AbortSignal[] = [];
    for (let i = 0; i < 3; i++) await withDeadline(async (s) => sessionSignals.push(s), 'x', 1000, undefined, false);
    expect(new Set(sessionSignals).size).toBe(3);
    for (const s of sessionSignals) expect(signals).not.toContain(s);
  });
});

describe('endpoint breaker on the success path', () => {
  const unavailable = () => new RemoteMediaError(Code.Unavailable, 'connection refused');
  async function readyEndpoint(settings = { failureThreshold: 3, successThreshold: 1, resetTimeoutMs: 50 }) {
    const client = {} as PipelineClient;
    const ep = new Endpoint('grpc://a', settings, async () => client);
    await ep.client(); // the client exists: calls take the closed-breaker path
    return ep;
  }
  const fail = (ep: Endpoint, error: unknown = unavailable()) => ep.run(() => Promise.reject(error)).catch((e: unknown) => e);
  const succeed = (ep: Endpoint) => ep.run(() => Promise.resolve('ok'));

  it('opens after failureThreshold consecutive endpoint failures; a success resets the count', async () => {
    const ep = await readyEndpoint();
    await fail(ep);
    await fail(ep);
    expect(await succeed(ep)).toBe('ok');
    await fail(ep);
    await fail(ep);
    expect(ep.breakerState).toBe('closed');
    expect(await fail(ep)).toMatchObject({ code: Code.Unavailable });
    expect(ep.breakerState).toBe('open'); // as soon as the caller sees the third failure
    expect(await fail(ep)).toBeInstanceOf(BrokenCircuitError);
    expect(ep.snapshot()).toMatchObject({ calls: 7, failures: 5, active: 0 });
  });

  it("the request's own errors neither count nor open the breaker", async () => {
    const ep = await readyEndpoint();
    for (let i = 0; i < 5; i++)
      expect(await fail(ep, new RemoteMediaError(Code.InvalidArgument, 'bad manifest'))).toMatchObject({ code: Code.InvalidArgument });
    expect(ep.breakerState).toBe('closed');
    expect(ep.snapshot()).toMatchObject({ failures: 0, active: 0 });
  });

  it('after resetTimeoutMs one trial call goes through: a failure opens it again, a success closes it', async () => {
    const ep = await readyEndpoint();
    for (let i = 0; i < 3; i++) await fail(ep);
    expect(ep.acceptsCalls()).toBe(false);
    await new Promise((r) => setTimeout(r, 60));
    expect(ep.acceptsCalls()).toBe(true);
    expect(await fail(ep)).toMatchObject({ code: Code.Unavailable }); // the trial
    expect(ep.breakerState).toBe('open');
    await new Promise((r) => setTimeout(r, 60));
    let release!: () => void;
    const trial = ep.run(() => new Promise<string>((r) => (release = () => r('ok'))));
    expect(ep.breakerState).toBe('half_open');
    release();
    expect(await trial).toBe('ok');
    expect(ep.breakerState).toBe('closed');
    expect(await succeed(ep)).toBe('ok');
    expect(ep.snapshot().active).toBe(0);
  });
});
