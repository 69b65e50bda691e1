import { inspect } from 'node:util';

export interface WaitUntilOptions {
  /** What is awaited, in words ("the session closed"); the timeout error names it. */
  what: string;
  /** The bound on the wait; default 5000 ms. Reaching it fails the test: a bound, never a timing assertion. */
  timeoutMs?: number;
  /** The pause between two checks; default 20 ms. */
  intervalMs?: number;
  /** The state the timeout error reports; default the last value `check` returned (or the error it threw). */
  observe?: () => unknown;
}

/**
 * Polls `check` until it returns a truthy value, and resolves with that value. For state that has no event to
 * await (a counter, a process table, a log array); where there is an event, await the event instead.
 * A `check` that throws counts as not yet. After `timeoutMs` it rejects with an error naming `what` and the
 * last observed state.
 */
export async function waitUntil<T>(check: () => T | Promise<T>, options: WaitUntilOptions): Promise<T> {
  const { what, timeoutMs = 5000, intervalMs = 20, observe } = options;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() >= deadline) {
      const state = observe ? safely(observe) : last;
      const shown = state instanceof Error ? String(state) : inspect(state, { depth: 3, breakLength: Infinity });
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last observed: ${shown}`, last instanceof Error ? { cause: last } : undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

function safely(observe: () => unknown): unknown {
  try {
    return observe();
  } catch (error) {
    return error;
  }
}
