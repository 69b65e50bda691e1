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
import { type CallOptions, Code, RemoteMediaError, type SendOptions, type SessionMetricsSnapshot, type TransportData } from '@remotemedia/runtime-core';
import { BoundedQueue, ClientStreamSession } from '@remotemedia/runtime-core/kit';
import { fromConnectError } from '../errors.js';

type Request = MessageInitShape<typeof StreamPipelineRequestSchema>;

/** Outputs buffered for a slow reader before the client stops reading the response stream. */
const OUTPUT_CAPACITY = 256;
/** How long close() waits for the server to confirm before cutting the stream. */
const CLOSE_GRACE_MS = 2000;

/** Client side of StreamPipeline: the kit's session state machine over connect's bidi stream. */
export class GrpcStreamSession extends ClientStreamSession {
  /**
   * The request stream connect pulls from. A handoff queue: `push` resolves once connect took the
   * message, and connect takes the next only after writing the last, so awaiting `send` follows
   * HTTP/2 flow control.
   */
  readonly #requests = new BoundedQueue<Request>(0);
  readonly #abort = new AbortController();
  /** The caller's own signal: a CANCELLED it did not cause is a lost connection. */
  readonly #callerSignal: AbortSignal | undefined;
  #responses!: AsyncIterator<StreamPipelineResponse>;
  #inputEnded = false;
  /** Why the request stream is over, once it is: later sends fail with it. */
  #requestsEnded: RemoteMediaError | undefined;
  #lastMetrics: SessionMetrics | undefined;
  #pumpDone: Promise<void> = Promise.resolve();

  private constructor(callerSignal: AbortSignal | undefined) {
    super('', { outputCapacity: OUTPUT_CAPACITY });
    this.#callerSignal = callerSignal;
  }

  /** Opens the stream and resolves once the server confirmed the session (`ready`). Throws RemoteMediaError. */
  static async open(
    client: Client<typeof StreamingPipelineService>,
    manifest: string,
    options: CallOptions & { metricsIntervalMs?: number },
  ): Promise<GrpcStreamSession> {
    const s = new GrpcStreamSession(options.signal);
    const signal = options.signal ? AbortSignal.any([options.signal, s.#abort.signal]) : s.#abort.signal;
    s.#push({ request: { case: 'init', value: { manifest, metricsIntervalMs: options.metricsIntervalMs ?? 0 } } });
    try {
      s.#responses = client
        .streamPipeline(
          requestStream(s.#requests, (error) => s.#endRequests(error)),
          { signal, timeoutMs: options.timeoutMs },
        )
        [Symbol.asyncIterator]();
      const first = await s.#responses.next();
      if (first.done || first.value.response.case !== 'ready') {
        throw new RemoteMediaError(Code.Internal, `server did not confirm the session (got ${first.done ? 'end of stream' : first.value.response.case})`);
      }
      s.setSessionId(first.value.response.value.sessionId);
    } catch (error) {
      const e = fromConnectError(error, options.signal);
      s.#endRequests(e);
      s.#abort.abort(e);
      throw e;
    }
    s.#pumpDone = s.#pump();
    return s;
  }

  /** Reads the response stream into the session's outputs. */
  async #pump(): Promise<void> {
    try {
      for (let r = await this.#responses.next(); !r.done; r = await this.#responses.next()) {
        const res = r.value.response;
        if (res.case === 'result') {
          const full = this.deliver(fromDataChunk(res.value, 'result'));
          if (full) await full;
        } else if (res.case === 'metrics') this.#lastMetrics = res.value;
        else if (res.case === 'closed') break;
      }
      this.finish();
    } catch (error) {
      // Ignored after close(): then the failure is the stream close() cut.
      this.fail(fromConnectError(error, this.#callerSignal));
    } finally {
      this.#endRequests(this.error ?? new RemoteMediaError(Code.FailedPrecondition, `session ${this.sessionId} has ended and no longer accepts input`));
    }
  }

  /**
   * The call is over: sends still waiting fail with `error`, and the request stream ends cleanly.
   * Not `fail`: connect never ends a request stream that throws after the answer is complete, and
   * the server would hold the half-open HTTP/2 stream (and a draining server its connection).
   */
  #endRequests(error: RemoteMediaError): void {
    this.#requestsEnded ??= error;
    this.#requests.rejectBlocked(error);
    this.#requests.close();
  }

  /** Queues one request; its push promise is only awaited for data (the rest never block the caller). */
  #push(request: Request): void {
    void this.#requests.push(request)?.catch(() => {});
  }

  protected override sendInput(input: TransportData, options: SendOptions): Promise<void> {
    let chunk;
    try {
      chunk = toDataChunk(input, options.nodeId);
    } catch (error) {
      return Promise.reject(RemoteMediaError.from(error, Code.InvalidArgument));
    }
    if (this.#requestsEnded) return Promise.reject(this.#requestsEnded);
    // A handoff queue's push always waits (or rejects once the stream is over).
    return this.#requests.push({ request: { case: 'data', value: chunk } }) ?? Promise.resolve();
  }

  protected override endInput(): void {
    this.#inputEnded = true;
    this.#push({ request: { case: 'end', value: {} } });
    this.#requests.close();
  }

  protected override async closeWire(reason: string): Promise<void> {
    if (!this.#inputEnded) {
      this.#inputEnded = true;
      this.#push({ request: { case: 'close', value: { reason } } });
      this.#requests.close();
    }
    const cut = () => this.#abort.abort(new RemoteMediaError(Code.Canceled, reason));
    const timer = setTimeout(cut, CLOSE_GRACE_MS);
    await this.#pumpDone;
    clearTimeout(timer);
    cut();
  }

  /** The latest metrics the server sent (at least once, before the session ends); before that, the local counts. */
  override metrics(): SessionMetricsSnapshot {
    return this.#lastMetrics ? sessionMetricsFromProto(this.#lastMetrics) : super.metrics();
  }
}

/**
 * The queue as the request stream connect reads. connect stops reading a request stream through
 * its iterator's `throw` or `return` (the call failed or ended): `end` ends the queue cleanly, so
 * a read still pending ends the HTTP/2 request instead of leaving it half-open.
 */
function requestStream<T>(queue: BoundedQueue<T>, end: (error: RemoteMediaError) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]: () => {
      const it = queue[Symbol.asyncIterator]();
      const stop = (error: unknown): Promise<IteratorResult<T>> => {
        end(RemoteMediaError.from(error ?? new RemoteMediaError(Code.Canceled, 'the stream ended'), Code.Canceled));
        return Promise.resolve({ done: true, value: undefined });
      };
      return { next: () => it.next(), return: () => stop(undefined), throw: (error?: unknown) => stop(error) };
    },
  };
}
