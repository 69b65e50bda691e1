import { type CallOptions, Code, type ManifestSource, RemoteMediaError, type SendOptions, type TransportData, transportDataFromJson, transportDataToJson } from '@remotemedia/runtime-core';
import { type EventSourceMessage, createParser } from 'eventsource-parser';
import { Client, type Dispatcher } from 'undici';
import { errorFromBody } from '../shared/http-errors.js';
import { requestJson, wireError } from './http-request.js';
import { RemoteStreamSession } from './remote-stream-session.js';

export interface SseSessionOptions {
  origin: string;
  headers: Record<string, string>;
  /** Shared pool for the short calls (create, input, end, delete). */
  pool: Dispatcher;
}

/**
 * A StreamSession over plain HTTP: POST to create and send, an SSE GET for outputs (on a
 * connection of its own so it never starves the pool), DELETE to close.
 */
export class SseStreamSession extends RemoteStreamSession {
  readonly #stream = new AbortController();
  readonly #client: Client;

  private constructor(
    sessionId: string,
    manifest: ManifestSource,
    private readonly options: SseSessionOptions,
  ) {
    super(sessionId, manifest);
    this.#client = new Client(options.origin);
  }

  static async open(options: SseSessionOptions, manifest: ManifestSource, call: CallOptions, signal: AbortSignal | undefined): Promise<SseStreamSession> {
    const created = await requestJson<{ sessionId: string }>(options.pool, options.origin, options.headers, {
      method: 'POST',
      path: '/v1/sessions',
      body: { manifest, ...(call.timeoutMs ? { timeoutMs: call.timeoutMs } : {}) },
      signal,
    });
    const session = new SseStreamSession(created.sessionId, manifest, options);
    session.#read();
    signal?.addEventListener('abort', () => void session.close('cancelled by caller'), { once: true });
    return session;
  }

  get #path(): string {
    return `/v1/sessions/${encodeURIComponent(this.sessionId)}`;
  }

  async #read(): Promise<void> {
    try {
      const response = await this.#client.request({
        path: `${this.#path}/output`,
        method: 'GET',
        headers: { ...this.options.headers, accept: 'text/event-stream' },
        signal: this.#stream.signal,
      });
      if (response.statusCode !== 200) {
        const text = await response.body.text();
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {}
        throw errorFromBody(body, response.statusCode);
      }
      const parser = createParser({ onEvent: (event) => this.#onEvent(event) });
      const decoder = new TextDecoder();
      for await (const chunk of response.body) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      if (!this.queue.done) throw new RemoteMediaError(Code.Unavailable, 'output stream ended without an end event');
    } catch (error) {
      if (this.#stream.signal.aborted) return;
      this.queue.fail(wireError(error, undefined, 'output stream'));
    } finally {
      void this.#client.close().catch(() => {});
    }
  }

  #onEvent(event: EventSourceMessage): void {
    if (event.event === 'output') this.received(transportDataFromJson(JSON.parse(event.data), 'output'));
    else if (event.event === 'error') this.queue.fail(errorFromBody(JSON.parse(event.data)));
    else if (event.event === 'end') this.queue.end();
  }

  protected async transmit(item: TransportData, options: SendOptions): Promise<void> {
    await requestJson(this.options.pool, this.options.origin, this.options.headers, {
      method: 'POST',
      path: `${this.#path}/input`,
      body: { inputs: [transportDataToJson(item)], ...(options.nodeId ? { nodeId: options.nodeId } : {}) },
    });
  }

  protected async requestEnd(): Promise<void> {
    await requestJson(this.options.pool, this.options.origin, this.options.headers, { method: 'POST', path: `${this.#path}/end` });
  }

  protected async shutdown(): Promise<void> {
    this.#stream.abort();
    await requestJson(this.options.pool, this.options.origin, this.options.headers, { method: 'DELETE', path: this.#path }).catch((error: RemoteMediaError) => {
      if (error.code !== Code.NotFound) throw error;
    });
  }
}
