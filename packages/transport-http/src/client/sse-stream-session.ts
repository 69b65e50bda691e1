import { type CallOptions, Code, type ManifestSource, RemoteMediaError, type SendOptions, type TransportData } from '@remotemedia/runtime-core';
import { ClientStreamSession, transportDataFromJson, transportDataToJsonText } from '@remotemedia/runtime-core/kit';
import { type EventSourceMessage, createParser } from 'eventsource-parser';
import { type IBackoff, ExponentialBackoff } from 'cockatiel';
import { Client, type Dispatcher } from 'undici';
import { StreamDropped, errorFromBody, errorFromText, wireError } from '../shared/http-errors.js';
import { pipelineNameOf, requestJson, wholeMs } from './http-request.js';

export interface SseSessionOptions {
  origin: string;
  headers: Record<string, string>;
  /** Shared pool for the short calls (create, input, end, delete). */
  pool: Dispatcher;
  /** Reconnects in a row without receiving an event before the outputs fail. */
  resumeAttempts: number;
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/**
 * A StreamSession over plain HTTP: POST to create and send, an SSE GET for outputs (on a
 * connection of its own so it never starves the pool, resumed with `Last-Event-ID` when it
 * drops), DELETE to close.
 */
export class SseStreamSession extends ClientStreamSession {
  readonly #stream = new AbortController();
  readonly #client: Client;
  /** Id of the last SSE event handled; 0 before the first. */
  #lastEventId = 0;

  private constructor(
    sessionId: string,
    manifest: ManifestSource,
    private readonly options: SseSessionOptions,
  ) {
    super(sessionId, { pipeline: pipelineNameOf(manifest) });
    this.#client = new Client(options.origin);
  }

  static async open(options: SseSessionOptions, manifest: ManifestSource, call: CallOptions, signal: AbortSignal | undefined): Promise<SseStreamSession> {
    const created = await requestJson<{ sessionId: string }>(options.pool, options.origin, options.headers, {
      method: 'POST',
      path: '/v1/sessions',
      body: { manifest, ...(call.timeoutMs ? { timeoutMs: wholeMs(call.timeoutMs) } : {}) },
      signal,
    });
    const session = new SseStreamSession(created.sessionId, manifest, options);
    void session.#read();
    signal?.addEventListener('abort', () => void session.close('cancelled by caller'), { once: true });
    return session;
  }

  get #path(): string {
    return `/v1/sessions/${encodeURIComponent(this.sessionId)}`;
  }

  /**
   * Reads the output stream; when the connection drops before the stream's last event, it
   * reconnects with `Last-Event-ID` (the server replays what was missed) after a backoff, up to
   * `resumeAttempts` times in a row without progress.
   */
  async #read(): Promise<void> {
    const signal = this.#stream.signal;
    let failures = 0;
    let backoff: IBackoff<unknown> | undefined;
    try {
      for (let resuming = false; ; resuming = true) {
        const before = this.#lastEventId;
        try {
          await this.#readOnce(resuming);
          return;
        } catch (error) {
          if (signal.aborted || !this.isActive) return;
          if (!(error instanceof StreamDropped) && error instanceof RemoteMediaError) throw error; // the server's answer, not the wire
          if (this.#lastEventId !== before) {
            failures = 0;
            backoff = undefined;
          }
          if (++failures > this.options.resumeAttempts) throw error;
          backoff = backoff ? backoff.next(undefined) : new ExponentialBackoff({ initialDelay: 50, maxDelay: 2000 }).next();
          await sleep(backoff.duration, signal);
        }
      }
    } catch (error) {
      if (signal.aborted) return;
      this.fail(wireError(error, undefined, 'output stream'));
    } finally {
      void this.#client.close().catch(() => {});
    }
  }

  /** One connection of the output stream; resolves once the stream's last event was handled. */
  async #readOnce(resuming: boolean): Promise<void> {
    const response = await this.#client.request({
      path: `${this.#path}/output`,
      method: 'GET',
      // On a resume always send it (0 = nothing received yet): it also takes over from a connection the server still thinks is alive.
      headers: { ...this.options.headers, accept: 'text/event-stream', ...(resuming ? { 'last-event-id': String(this.#lastEventId) } : {}) },
      signal: this.#stream.signal,
    });
    if (response.statusCode !== 200) throw errorFromText(await response.body.text(), response.statusCode);
    const parser = createParser({ onEvent: (event) => this.#onEvent(event) });
    const decoder = new TextDecoder();
    try {
      for await (const chunk of response.body) {
        parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
        if (!this.isActive) return;
      }
    } catch (error) {
      throw new StreamDropped(`output stream connection failed: ${(error as Error).message}`, error);
    }
    if (this.isActive) throw new StreamDropped('output stream ended without an end event');
  }

  #onEvent(event: EventSourceMessage): void {
    if (event.id !== undefined) {
      const id = Number(event.id);
      if (id <= this.#lastEventId) return; // already seen (a replay overlapping what arrived)
      this.#lastEventId = id;
    }
    try {
      if (event.event === 'output') void this.deliver(transportDataFromJson(JSON.parse(event.data), 'output'));
      else if (event.event === 'error') this.fail(errorFromBody(JSON.parse(event.data)));
      else if (event.event === 'end') this.finish();
    } catch (error) {
      this.fail(
        new RemoteMediaError(Code.DataLoss, `unreadable ${event.event ?? 'message'} event ${event.id ?? ''}: ${(error as Error).message}`, { cause: error }),
      );
    }
  }

  protected async sendInput(item: TransportData, options: SendOptions): Promise<void> {
    await requestJson(this.options.pool, this.options.origin, this.options.headers, {
      method: 'POST',
      path: `${this.#path}/input`,
      bodyText: `{"inputs":[${transportDataToJsonText(item)}]${options.nodeId ? `,"nodeId":${JSON.stringify(options.nodeId)}` : ''}}`,
    });
  }

  protected async endInput(): Promise<void> {
    await requestJson(this.options.pool, this.options.origin, this.options.headers, { method: 'POST', path: `${this.#path}/end` });
  }

  protected async closeWire(): Promise<void> {
    this.#stream.abort();
    await requestJson(this.options.pool, this.options.origin, this.options.headers, { method: 'DELETE', path: this.#path }).catch((error: RemoteMediaError) => {
      if (error.code !== Code.NotFound) throw error;
    });
  }
}
