import type { MessageInitShape } from '@bufbuild/protobuf';
import type { Client } from '@connectrpc/connect';
import {
  type SessionMetrics,
  type StreamPipelineRequestSchema,
  type StreamPipelineResponse,
  type StreamingPipelineService,
  fromDataChunk,
  sessionMetricsFromProto,
  toDataChunk,
} from '@remotemedia/protocol';
import { type CallOptions, Code, type RuntimeData, RemoteMediaError, type SendOptions, type SessionMetricsSnapshot, type StreamSession, type TransportData } from '@remotemedia/runtime-core';
import { BoundedQueue, EMPTY } from '@remotemedia/runtime-core/kit';
import { fromConnectError } from '../errors.js';
import { RequestQueue } from './request-queue.js';

type Request = MessageInitShape<typeof StreamPipelineRequestSchema>;

/** Outputs buffered for a slow reader before the client stops reading the response stream. */
const OUTPUT_CAPACITY = 256;
/** How long close() waits for the server to confirm before cutting the stream. */
const CLOSE_GRACE_MS = 2000;

/** Client side of StreamPipeline as a runtime-core StreamSession. */
export class GrpcStreamSession implements StreamSession {
  readonly #requests = new RequestQueue<Request>();
  /** The caller's own signal: a CANCELLED it did not cause is a lost connection. */
  #callerSignal: AbortSignal | undefined;
  readonly #outputs = new BoundedQueue<TransportData>(OUTPUT_CAPACITY, 'block');
  readonly #abort = new AbortController();
  #responses!: AsyncIterator<StreamPipelineResponse>;
  #sessionId = '';
  #closedByUser = false;
  #ended = false;
  #error: RemoteMediaError | undefined;
  #lastMetrics: SessionMetrics | undefined;
  #pumpDone!: Promise<void>;
  readonly #started = Date.now();

  private constructor() {}

  static async open(client: Client<typeof StreamingPipelineService>, manifest: string, options: CallOptions & { metricsIntervalMs?: number }): Promise<GrpcStreamSession> {
    const s = new GrpcStreamSession();
    const signal = options.signal ? AbortSignal.any([options.signal, s.#abort.signal]) : s.#abort.signal;
    s.#callerSignal = options.signal;
    void s.#requests.push({ request: { case: 'init', value: { manifest, metricsIntervalMs: options.metricsIntervalMs ?? 0 } } }).catch(() => {});
    try {
      s.#responses = client.streamPipeline(s.#requests, { signal, timeoutMs: options.timeoutMs })[Symbol.asyncIterator]();
      const first = await s.#responses.next();
      if (first.done || first.value.response.case !== 'ready') {
        throw new RemoteMediaError(Code.Internal, `server did not confirm the session (got ${first.done ? 'end of stream' : first.value.response.case})`);
      }
      s.#sessionId = first.value.response.value.sessionId;
    } catch (error) {
      const e = fromConnectError(error, options.signal);
      s.#requests.fail(e);
      s.#abort.abort(e);
      throw e;
    }
    s.#pumpDone = s.#pump();
    return s;
  }

  async #pump(): Promise<void> {
    try {
      for (let r = await this.#responses.next(); !r.done; r = await this.#responses.next()) {
        const res = r.value.response;
        if (res.case === 'result') {
          if (this.#closedByUser) continue;
          const p = this.#outputs.push(fromDataChunk(res.value, 'result'));
          if (p) await p;
        } else if (res.case === 'metrics') this.#lastMetrics = res.value;
        else if (res.case === 'closed') break;
      }
      this.#outputs.close();
    } catch (error) {
      const e = this.#closedByUser ? new RemoteMediaError(Code.Canceled, 'session closed') : fromConnectError(error, this.#callerSignal);
      if (!this.#closedByUser) this.#error = e;
      this.#outputs.fail(e);
    } finally {
      this.#requests.fail(this.#error ?? new RemoteMediaError(Code.FailedPrecondition, `session ${this.#sessionId} has ended and no longer accepts input`));
    }
  }

  /** Resolves when the response stream is over (ended, failed or closed). */
  get finished(): Promise<void> {
    return this.#pumpDone;
  }

  get sessionId(): string {
    return this.#sessionId;
  }

  get isActive(): boolean {
    return !this.#closedByUser && !this.#error && (!this.#outputs.closed || this.#outputs.length > 0);
  }

  send(input: TransportData | RuntimeData, options: SendOptions = {}): Promise<void> {
    if (this.#error) return Promise.reject(this.#error);
    if (this.#closedByUser || this.#ended) return Promise.reject(new RemoteMediaError(Code.FailedPrecondition, `session ${this.#sessionId} no longer accepts input (${this.#closedByUser ? 'closed' : 'input ended'})`));
    let chunk;
    try {
      chunk = toDataChunk(input, options.nodeId);
    } catch (error) {
      return Promise.reject(RemoteMediaError.from(error, Code.InvalidArgument));
    }
    return this.#requests.push({ request: { case: 'data', value: chunk } });
  }

  recv(): Promise<TransportData | undefined> {
    const item = this.#outputs.shift();
    if (item !== EMPTY) return Promise.resolve(item);
    return this.#recvSlow();
  }

  async #recvSlow(): Promise<TransportData | undefined> {
    for (;;) {
      const item = this.#outputs.shift();
      if (item !== EMPTY) return item;
      if (this.#outputs.closed) {
        if (this.#outputs.error) throw this.#outputs.error;
        return undefined;
      }
      await this.#outputs.wait();
    }
  }

  get outputs(): AsyncIterable<TransportData> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<TransportData> => ({
        next: () => this.recv().then((value) => (value === undefined ? { done: true, value: undefined } : { done: false, value })),
        return: async () => ({ done: true, value: undefined }),
      }),
    };
  }

  async end(): Promise<void> {
    if (!this.#ended && !this.#closedByUser) {
      this.#ended = true;
      void this.#requests.push({ request: { case: 'end', value: {} } }).catch(() => {});
      this.#requests.finish();
    }
    await this.#pumpDone;
    if (this.#error) throw this.#error;
  }

  async close(reason = 'closed by client'): Promise<void> {
    if (this.#closedByUser) return this.#pumpDone;
    this.#closedByUser = true;
    this.#outputs.clear();
    if (!this.#ended) {
      this.#ended = true;
      void this.#requests.push({ request: { case: 'close', value: { reason } } }).catch(() => {});
      this.#requests.finish();
    }
    const timer = setTimeout(() => this.#abort.abort(new RemoteMediaError(Code.Canceled, reason)), CLOSE_GRACE_MS);
    await this.#pumpDone;
    clearTimeout(timer);
    this.#abort.abort(new RemoteMediaError(Code.Canceled, reason));
  }

  /** The latest metrics the server sent (at least once, before the session ends). */
  metrics(): SessionMetricsSnapshot {
    if (this.#lastMetrics) return sessionMetricsFromProto(this.#lastMetrics);
    const state = this.#error ? 'failed' : this.isActive ? 'running' : 'closed';
    return { sessionId: this.#sessionId, pipeline: '', state, startedAtMs: this.#started, durationMs: Date.now() - this.#started, inputs: 0, outputs: 0, nodes: [] };
  }
}
