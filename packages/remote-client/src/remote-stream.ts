import { Code, type RuntimeData, RemoteMediaError, type StreamSession } from '@remotemedia/runtime-core';
import type { Endpoint } from './endpoint-pool.js';
import { RemoteReason, isEndpointFailure, markCallerCanceled, remoteError } from './remote-errors.js';

/** Opens the remote (or local fallback) session, with failover. */
export type SessionOpener = (signal: AbortSignal) => Promise<{ session: StreamSession; endpoint?: Endpoint }>;

export interface RemoteStreamOptions {
  nodeId: string;
  /** Longest wait for the remote session to accept an input or to produce the next output while flushing. */
  idleTimeoutMs: number;
  /** Outputs buffered before reading from the remote session pauses (backpressure). Default 256. */
  maxBuffered?: number;
  /** After each input, keep yielding outputs until none arrived for this long. Default 0: only those already there. */
  outputLingerMs?: number;
  /**
   * Emits each remote output the moment it arrives (the node's `NodeContext.emit`), awaiting its
   * acceptance so backpressure reaches the remote session. Without it, outputs are buffered and
   * go out with the next input or at flush.
   */
  push?: (data: RuntimeData) => Promise<void>;
}

interface Live {
  session: StreamSession;
  endpoint: Endpoint | undefined;
  buffer: RuntimeData[];
  error: unknown;
  done: boolean;
  /** end() was called: the outputs ending is expected from now on. */
  ending: boolean;
  wake: (() => void) | undefined;
  space: (() => void) | undefined;
}

/**
 * Bridges one remote streaming session into a node whose `process` runs once per input:
 * - `process(input)` opens the session on first use, sends the input (awaiting the remote's
 *   acceptance, so backpressure crosses the wire) and yields every output that has arrived so far;
 * - with `push`, every output goes out the moment it arrives; otherwise outputs arriving between
 *   inputs wait in a bounded buffer and go out with the next input;
 * - `flush()` ends the remote session and yields everything left, as it arrives.
 * A remote session that fails mid-stream fails the node with RemoteStreamLost (and counts against
 * the endpoint's breaker); the next input opens a new session, on another endpoint if needed.
 */
export class RemoteStream {
  #live: Live | undefined;

  constructor(
    private readonly open: SessionOpener,
    private readonly options: RemoteStreamOptions,
  ) {}

  async *process(input: RuntimeData, metadata: Readonly<Record<string, string>>, signal: AbortSignal): AsyncGenerator<RuntimeData> {
    const live = this.#live ?? (await this.#start(signal));
    this.#check(live);
    try {
      await this.#guard(live, live.session.send({ data: input, metadata: { ...metadata } }), signal, 'accept an input');
    } catch (error) {
      throw this.#lost(live, error, signal);
    }
    while (live.buffer.length) yield this.#take(live);
    // Optionally keep the outputs of this input flowing (a TTS sentence's audio) until the
    // remote has been quiet for outputLingerMs; the next input waits meanwhile.
    const linger = this.options.outputLingerMs ?? 0;
    while (linger > 0 && !live.done && live.error === undefined && (await this.#nextOutput(live, linger, signal))) {
      while (live.buffer.length) yield this.#take(live);
    }
    this.#check(live);
  }

  /** Resolves true when an output (or the end) arrives within `ms`, false after `ms` of quiet or on abort. */
  #nextOutput(live: Live, ms: number, signal: AbortSignal): Promise<boolean> {
    if (live.buffer.length || live.done) return Promise.resolve(true);
    return new Promise<boolean>((resolve) => {
      const prevWake = live.wake;
      let settled = false;
      const finish = (value: boolean) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        live.wake = prevWake;
        resolve(value);
      };
      const onAbort = () => finish(false);
      const timer = setTimeout(() => finish(false), ms);
      signal.addEventListener('abort', onAbort, { once: true });
      live.wake = () => {
        prevWake?.();
        finish(true);
      };
    });
  }

  async *flush(signal: AbortSignal): AsyncGenerator<RuntimeData> {
    const live = this.#live;
    if (!live) return;
    live.ending = true;
    // end() failing means the remote went away before flushing; the pump usually sees it too.
    const ended = live.session.end().then(
      () => undefined,
      (error: unknown) => error ?? new RemoteMediaError(Code.Unavailable, 'remote session failed to end'),
    );
    for (;;) {
      while (live.buffer.length) yield this.#take(live);
      if (live.done) break;
      try {
        await this.#guard(live, new Promise<void>((resolve) => (live.wake = resolve)), signal, 'finish');
      } catch (error) {
        throw this.#lost(live, error, signal);
      }
    }
    this.#check(live);
    let endError: unknown;
    try {
      await this.#guard(
        live,
        ended.then((e) => void (endError = e)),
        signal,
        'confirm the end',
      );
    } catch (error) {
      throw this.#lost(live, error, signal);
    }
    if (endError !== undefined) throw this.#lost(live, endError, signal);
    this.#release(live);
  }

  async close(reason = 'node closed'): Promise<void> {
    const live = this.#live;
    if (!live) return;
    this.#release(live);
    await live.session.close(reason).catch(() => {});
  }

  async #start(signal: AbortSignal): Promise<Live> {
    const { session, endpoint } = await this.open(signal);
    const live: Live = { session, endpoint, buffer: [], error: undefined, done: false, ending: false, wake: undefined, space: undefined };
    if (endpoint) {
      endpoint.active++; // an open session is a connection for least_connections
      endpoint.sessions++;
    }
    this.#live = live;
    const max = this.options.maxBuffered ?? 256;
    const push = this.options.push;
    void (async () => {
      try {
        for await (const out of session.outputs) {
          if (push) {
            await push(out.data);
            continue;
          }
          live.buffer.push(out.data);
          live.wake?.();
          if (live.buffer.length >= max) await new Promise<void>((resolve) => (live.space = resolve));
        }
        // Outputs ending before end() means the remote side went away (e.g. a server shutting down).
        if (!live.ending) live.error = new RemoteMediaError(Code.Unavailable, 'remote session ended before the local session did');
      } catch (error) {
        live.error = error;
      } finally {
        live.done = true;
        live.wake?.();
      }
    })();
    return live;
  }

  #take(live: Live): RuntimeData {
    const data = live.buffer.shift()!;
    if (live.space) {
      const space = live.space;
      live.space = undefined;
      space();
    }
    return data;
  }

  /** Waits for `work`, but fails when the remote session fails, the node is cancelled, or nothing happens for idleTimeoutMs. */
  async #guard(live: Live, work: Promise<void>, signal: AbortSignal, what: string): Promise<void> {
    work.catch(() => {}); // when we give up on it first, its later failure is not unhandled
    let timer: ReturnType<typeof setTimeout> | undefined;
    let onAbort: (() => void) | undefined;
    const prevWake = live.wake;
    const failed = new Promise<never>((_, reject) => {
      live.wake = () => {
        prevWake?.();
        // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the session's own failure, passed on as it came
        if (live.error !== undefined) reject(live.error);
      };
      onAbort = () => reject(signal.reason ?? new RemoteMediaError(Code.Canceled, 'cancelled'));
      signal.addEventListener('abort', onAbort, { once: true });
      timer = setTimeout(
        () =>
          reject(
            remoteError(Code.DeadlineExceeded, RemoteReason.RemoteTimeout, `remote session did not ${what} within timeoutMs=${this.options.idleTimeoutMs}`),
          ),
        this.options.idleTimeoutMs,
      );
    });
    try {
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the session's own failure, rethrown as it came
      if (live.error !== undefined) throw live.error;
      await Promise.race([work, failed]);
    } finally {
      live.wake = prevWake;
      clearTimeout(timer);
      if (onAbort) signal.removeEventListener('abort', onAbort);
    }
  }

  #check(live: Live): void {
    if (live.error !== undefined) throw this.#lost(live, live.error, undefined);
  }

  #lost(live: Live, error: unknown, signal: AbortSignal | undefined): RemoteMediaError {
    this.#release(live);
    void live.session.close('remote session failed').catch(() => {});
    if (signal?.aborted) return markCallerCanceled(RemoteMediaError.from(error, Code.Canceled, { nodeId: this.options.nodeId }));
    // The remote pipeline's own failure (bad input, a node error) is passed on as it is.
    if (!isEndpointFailure(error)) return RemoteMediaError.from(error, Code.Internal, { nodeId: this.options.nodeId });
    live.endpoint?.recordFailure(error);
    const where = live.endpoint ? ` on ${live.endpoint.url}` : '';
    const message = error instanceof Error ? error.message : String(error);
    return remoteError(Code.Unavailable, RemoteReason.RemoteStreamLost, `remote session ${live.session.sessionId}${where} failed mid-stream: ${message}`, {
      cause: error,
      nodeId: this.options.nodeId,
    });
  }

  #release(live: Live): void {
    if (this.#live !== live) return;
    this.#live = undefined;
    if (live.endpoint) {
      live.endpoint.active--;
      live.endpoint.sessions--;
    }
  }
}
