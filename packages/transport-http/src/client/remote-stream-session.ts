import {
  Code,
  type ManifestSource,
  type RuntimeData,
  RemoteMediaError,
  type SendOptions,
  type SessionMetricsSnapshot,
  type StreamSession,
  type TransportData,
  asTransportData,
} from '@remotemedia/runtime-core';
import { OutputQueue } from './output-queue.js';

/**
 * What the WebSocket and SSE sessions share: state, output reading, local metrics.
 * Subclasses move the bytes (`transmit`, `requestEnd`, `shutdown`).
 */
export abstract class RemoteStreamSession implements StreamSession {
  protected readonly queue = new OutputQueue();
  #closed = false;
  #inputs = 0;
  #outputs = 0;
  readonly #startedAt = Date.now();
  readonly #pipeline: string;

  constructor(
    readonly sessionId: string,
    manifest: ManifestSource,
  ) {
    this.#pipeline = typeof manifest === 'object' && manifest && typeof manifest.metadata?.name === 'string' ? manifest.metadata.name : '';
  }

  /** Resolves (never rejects) once the outputs ended, failed, or the session was closed. */
  get settled(): Promise<void> {
    return this.queue.finished.catch(() => {});
  }

  get isActive(): boolean {
    return !this.#closed && !this.queue.done;
  }

  protected abstract transmit(item: TransportData, options: SendOptions): Promise<void>;
  protected abstract requestEnd(): Promise<void>;
  protected abstract shutdown(reason: string): Promise<void>;

  async send(input: TransportData | RuntimeData, options: SendOptions = {}): Promise<void> {
    if (this.#closed) throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} is closed`);
    if (this.queue.done) {
      await this.queue.finished; // throws the session's error, if it failed
      throw new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} has ended`);
    }
    this.#inputs++;
    await this.transmit(asTransportData(input), options);
  }

  /** Called by subclasses for each output off the wire. */
  protected received(item: TransportData): void {
    this.#outputs++;
    this.queue.push(item);
  }

  get outputs(): AsyncIterable<TransportData> {
    const self = this;
    return {
      async *[Symbol.asyncIterator]() {
        for (let out = await self.recv(); out !== undefined; out = await self.recv()) yield out;
      },
    };
  }

  recv(): Promise<TransportData | undefined> {
    return this.queue.next();
  }

  async end(): Promise<void> {
    if (!this.#closed && !this.queue.done) await this.requestEnd();
    await this.queue.finished;
  }

  async close(reason = 'closed by client'): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.queue.end();
    await this.shutdown(reason);
  }

  metrics(): SessionMetricsSnapshot {
    const state = this.#closed ? 'closed' : this.queue.done ? 'closed' : 'running';
    return { sessionId: this.sessionId, pipeline: this.#pipeline, state, startedAtMs: this.#startedAt, durationMs: Date.now() - this.#startedAt, inputs: this.#inputs, outputs: this.#outputs, nodes: [] };
  }
}
