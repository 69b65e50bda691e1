import type { RuntimeData } from '../data/runtime-data.js';
import { type TransportData, asTransportData } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import { BoundedQueue } from '../pipeline/bounded-queue.js';
import type { SessionMetricsSnapshot } from '../metrics/pipeline-metrics.js';
import type { SendOptions, StreamSession } from '../transport/pipeline-transport.js';

export interface ClientStreamSessionOptions {
  /**
   * Outputs buffered for a slow reader before `deliver` returns a promise (await it to stop
   * reading the wire). Default: Infinity (the wire already delivered them; the server applies
   * backpressure per connection).
   */
  outputCapacity?: number;
  /** Pipeline name reported by the local `metrics()`. Default: "". */
  pipeline?: string;
}

/**
 * The client side of a StreamSession, its state machine written once. A transport extends it,
 * implements the three wire hooks, and reports what the wire says with `deliver` (one output),
 * `finish` (outputs ended) and `fail` (the session failed or the connection was lost).
 *
 * - `send` after `end()` or after the outputs ended: FailedPrecondition; after `close()`:
 *   FailedPrecondition; after a failure: that failure.
 * - `recv()` and `outputs` yield every delivered output, then end, or throw the failure once
 *   the outputs delivered before it are drained.
 * - `end()` half-closes once and resolves when the outputs end (rejects with the failure).
 * - `close()` is idempotent: discards queued outputs, ends them, and closes the wire once.
 */
export abstract class ClientStreamSession implements StreamSession {
  readonly #outputs: BoundedQueue<TransportData>;
  readonly #pipeline: string;
  readonly #startedAt = Date.now();
  #sessionId: string;
  #inputEnded = false;
  #closing: Promise<void> | undefined;
  #error: RemoteMediaError | undefined;
  #inputs = 0;
  #outputCount = 0;
  #settle!: () => void;
  /** Resolves (never rejects) once the outputs ended, failed, or the session was closed. */
  readonly settled: Promise<void> = new Promise<void>((resolve) => (this.#settle = resolve));

  constructor(sessionId: string, options: ClientStreamSessionOptions = {}) {
    this.#sessionId = sessionId;
    this.#outputs = new BoundedQueue<TransportData>(options.outputCapacity ?? Infinity, 'block');
    this.#pipeline = options.pipeline ?? '';
  }

  /** Sends one input over the wire; resolves when the server (or the wire) accepted it. */
  protected abstract sendInput(input: TransportData, options: SendOptions): Promise<void>;
  /** Tells the server no more input comes (half-close). Called at most once. */
  protected abstract endInput(): Promise<void> | void;
  /** Closes the wire now. Called at most once; pending sends should be rejected by the transport. */
  protected abstract closeWire(reason: string): Promise<void> | void;

  get sessionId(): string {
    return this.#sessionId;
  }

  /** For transports that learn the id after the wire opened (e.g. from the server's first message). */
  protected setSessionId(sessionId: string): void {
    this.#sessionId = sessionId;
  }

  get isActive(): boolean {
    return this.#closing === undefined && !this.#outputs.closed;
  }

  /** The failure, once `fail` was called. */
  protected get error(): RemoteMediaError | undefined {
    return this.#error;
  }

  /** True once `close()` was called. */
  protected get closed(): boolean {
    return this.#closing !== undefined;
  }

  async send(input: TransportData | RuntimeData, options: SendOptions = {}): Promise<void> {
    if (this.#closing) throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.#sessionId} is closed`);
    if (this.#error) throw this.#error;
    if (this.#inputEnded || this.#outputs.closed)
      throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.#sessionId} has ended and no longer accepts input`);
    this.#inputs++;
    await this.sendInput(asTransportData(input), options);
  }

  recv(): Promise<TransportData | undefined> {
    return this.#outputs.next();
  }

  get outputs(): AsyncIterable<TransportData> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<TransportData> => ({
        next: () => this.#outputs.next().then((value) => (value === undefined ? { done: true, value: undefined } : { done: false, value })),
        // Leaving a loop early does not close the session: `close()` does.
        return: async () => ({ done: true, value: undefined }),
      }),
    };
  }

  async end(): Promise<void> {
    if (!this.#inputEnded && !this.#closing && !this.#outputs.closed) {
      this.#inputEnded = true;
      await this.endInput();
    }
    await this.settled;
    if (this.#error) throw this.#error;
  }

  close(reason = 'closed by client'): Promise<void> {
    if (this.#closing) return this.#closing;
    this.#outputs.clear();
    this.#outputs.close();
    this.#settle();
    this.#closing = Promise.resolve().then(() => this.closeWire(reason));
    return this.#closing;
  }

  /**
   * One output off the wire. Returns a promise only when `outputCapacity` is reached (await it
   * before reading more). Ignored once the outputs ended, failed or the session was closed.
   */
  protected deliver(output: TransportData): Promise<void> | undefined {
    if (this.#outputs.closed) return undefined;
    this.#outputCount++;
    return this.#outputs.push(output);
  }

  /** The outputs ended normally. Ignored after `fail` or `close`. */
  protected finish(): void {
    if (this.#outputs.closed) return;
    this.#outputs.close();
    this.#settle();
  }

  /** The session failed: readers get `error` after the outputs delivered so far. Ignored once ended or closed. */
  protected fail(error: unknown): void {
    if (this.#outputs.closed) return;
    this.#error = RemoteMediaError.from(error, Code.Unavailable);
    this.#outputs.fail(this.#error);
    this.#settle();
  }

  /** A local snapshot (counts of this client); transports that receive server metrics override it. */
  metrics(): SessionMetricsSnapshot {
    const state = this.#error ? 'failed' : this.isActive ? (this.#inputEnded ? 'ending' : 'running') : 'closed';
    return {
      sessionId: this.#sessionId,
      pipeline: this.#pipeline,
      state,
      startedAtMs: this.#startedAt,
      durationMs: Date.now() - this.#startedAt,
      inputs: this.#inputs,
      outputs: this.#outputCount,
      nodes: [],
    };
  }
}
