import { Code, RemoteMediaError } from '../errors.js';

const TIMEOUT_SOURCE = Symbol('remotemedia.timeoutSource');

/** Combines a caller signal and a timeout into one signal (undefined when neither is given). */
export function callSignal(options: { signal?: AbortSignal; timeoutMs?: number } = {}): AbortSignal | undefined {
  if (options.timeoutMs === undefined) return options.signal;
  const timeout = AbortSignal.timeout(options.timeoutMs);
  if (!options.signal) return timeout;
  const combined = AbortSignal.any([options.signal, timeout]);
  // Node holds AbortSignal.any's sources weakly and AbortSignal.timeout's timer holds its signal
  // weakly: a timeout signal that nothing else references is collected, and the deadline never
  // comes (a 100 ms deadline hung for 10 s in the HTTP tests under GC pressure). The combined
  // signal holds it for as long as the call holds the combined signal.
  (combined as AbortSignal & { [TIMEOUT_SOURCE]?: AbortSignal })[TIMEOUT_SOURCE] = timeout;
  return combined;
}

/** The error a call should fail with once its signal aborted. */
export function abortError(signal: AbortSignal, what = 'call'): RemoteMediaError {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason instanceof RemoteMediaError) return reason;
  if (reason?.name === 'TimeoutError') return new RemoteMediaError(Code.DeadlineExceeded, `${what} exceeded its deadline`, { cause: reason });
  return new RemoteMediaError(Code.Canceled, `${what} was cancelled`, { cause: reason });
}
