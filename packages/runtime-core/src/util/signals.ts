import { Code, RemoteMediaError } from '../errors.js';

/** Combines a caller signal and a timeout into one signal (undefined when neither is given). */
export function callSignal(options: { signal?: AbortSignal; timeoutMs?: number } = {}): AbortSignal | undefined {
  if (options.timeoutMs === undefined) return options.signal;
  const signals: AbortSignal[] = [];
  if (options.signal) signals.push(options.signal);
  if (options.timeoutMs !== undefined) signals.push(AbortSignal.timeout(options.timeoutMs));
  if (signals.length <= 1) return signals[0];
  return AbortSignal.any(signals);
}

/** The error a call should fail with once its signal aborted. */
export function abortError(signal: AbortSignal, what = 'call'): RemoteMediaError {
  const reason = signal.reason as { name?: string } | undefined;
  if (reason instanceof RemoteMediaError) return reason;
  if (reason?.name === 'TimeoutError') return new RemoteMediaError(Code.DeadlineExceeded, `${what} exceeded its deadline`, { cause: reason });
  return new RemoteMediaError(Code.Canceled, `${what} was cancelled`, { cause: reason });
}
