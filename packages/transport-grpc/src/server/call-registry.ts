import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

/** What shutdown can do with a running call. */
export interface TrackedCall {
  /** Stop taking input; outputs of inputs already received are still delivered. */
  endInput(): void;
  /** Stop now. */
  abort(reason: RemoteMediaError): void;
}

/**
 * Active calls (unary and streaming) of one server: enforces maxConcurrentSessions and drives the
 * graceful shutdown (drain -> end inputs -> abort) so no output of an input already taken is lost.
 */
export class CallRegistry {
  readonly #calls = new Set<TrackedCall & { done: Promise<void> }>();
  #draining = false;
  constructor(private readonly maxConcurrent: number) {}

  get size(): number {
    return this.#calls.size;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Registers a call; throws Unavailable while draining and ResourceExhausted past the limit. Call the returned function when it is over. */
  enter(call: TrackedCall): () => void {
    if (this.#draining) throw new RemoteMediaError(Code.Unavailable, 'server is shutting down and accepts no new calls', { reason: 'ShuttingDown' });
    if (this.#calls.size >= this.maxConcurrent) {
      throw new RemoteMediaError(Code.ResourceExhausted, `too many concurrent sessions: limit maxConcurrentSessions=${this.maxConcurrent} reached`, {
        reason: 'LimitExceeded',
      });
    }
    let finish!: () => void;
    const entry = Object.assign(call, { done: new Promise<void>((r) => (finish = r)) });
    this.#calls.add(entry);
    return () => {
      this.#calls.delete(entry);
      finish();
    };
  }

  /** Stops accepting calls, waits up to `graceMs`, ends inputs and waits up to `flushMs`, then aborts the rest. */
  async drain(graceMs: number, flushMs: number): Promise<void> {
    this.#draining = true;
    if (await this.#settled(graceMs)) return;
    for (const c of this.#calls) c.endInput();
    if (await this.#settled(flushMs)) return;
    const reason = new RemoteMediaError(Code.Unavailable, 'server shut down before the call finished', { reason: 'ShuttingDown' });
    for (const c of this.#calls) c.abort(reason);
    await this.#settled(1000);
  }

  async #settled(ms: number): Promise<boolean> {
    if (this.#calls.size === 0) return true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<false>((r) => (timer = setTimeout(() => r(false), ms)));
    const all = Promise.all([...this.#calls].map((c) => c.done)).then(() => true as const);
    const result = await Promise.race([all, expired]);
    clearTimeout(timer);
    return result && this.#calls.size === 0;
  }
}
