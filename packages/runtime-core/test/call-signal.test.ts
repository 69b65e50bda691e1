import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { Code } from '@remotemedia/runtime-core';
import { abortError, callSignal } from '@remotemedia/runtime-core/kit';
import { describe, expect, it } from 'vitest';
import { waitUntil } from '@remotemedia/test-support';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('callSignal', () => {
  it('passes a lone caller signal through, and gives undefined when there is nothing to combine', () => {
    const controller = new AbortController();
    expect(callSignal({ signal: controller.signal })).toBe(controller.signal);
    expect(callSignal({})).toBeUndefined();
  });

  it('a deadline combined with a caller signal fires even when garbage collection runs before it', async () => {
    const controllers: AbortController[] = [];
    const signals: AbortSignal[] = [];
    let fired = 0;
    for (let i = 0; i < 20; i++) {
      const controller = new AbortController();
      const signal = callSignal({ signal: controller.signal, timeoutMs: 50 })!;
      signal.addEventListener('abort', () => fired++, { once: true });
      controllers.push(controller); // the caller keeps its controller, the call keeps the combined signal
      signals.push(signal);
    }
    for (let i = 0; i < 5; i++) {
      gc();
      await sleep(5); // kept: collections spread over the deadline's 50 ms are the scenario under test
    }
    await waitUntil(() => fired === signals.length, { what: 'every deadline to fire', observe: () => fired });
    expect(signals.map((s) => abortError(s).code)).toEqual(signals.map(() => Code.DeadlineExceeded));
  });

  it('the caller aborting first wins over the deadline', () => {
    const controller = new AbortController();
    const signal = callSignal({ signal: controller.signal, timeoutMs: 10_000 })!;
    controller.abort(new DOMException('stop', 'AbortError'));
    expect(abortError(signal).code).toBe(Code.Canceled);
  });
});
