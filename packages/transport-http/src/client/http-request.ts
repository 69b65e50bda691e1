import { Code, type ManifestSource, RemoteMediaError } from '@remotemedia/runtime-core';
import { abortError } from '@remotemedia/runtime-core/kit';
import type { Dispatcher } from 'undici';
import { errorFromBody, wireError } from '../shared/http-errors.js';

export interface JsonRequest {
  method: Dispatcher.HttpMethod;
  path: string;
  body?: unknown;
  /** The body as JSON text already (instead of `body`). */
  bodyText?: string;
  headers?: Record<string, string>;
  signal?: AbortSignal;
}

// The common header sets, built once per base object: spreading three objects per call showed in the unary benchmark.
const withJsonType = new WeakMap<Record<string, string>, Record<string, string>>();
function headersFor(base: Record<string, string>, hasBody: boolean, extra: Record<string, string> | undefined): Record<string, string> {
  if (extra) return { ...base, ...(hasBody ? { 'content-type': 'application/json' } : {}), ...extra };
  if (!hasBody) return base;
  let headers = withJsonType.get(base);
  if (!headers) withJsonType.set(base, (headers = { ...base, 'content-type': 'application/json' }));
  return headers;
}

/**
 * One JSON round trip; any non-2xx becomes the server's RemoteMediaError (same code, details, nodeId).
 * Goes through `dispatch` with a handler that buffers the body, not `request()`: `request()` builds a
 * Readable per response and an abort wiring per call, ~3.5 us of a ~25 us loopback round trip
 * (bench/http.bench.ts). The pool, keep-alive and error handling are undici's all the same.
 */
export function requestJson<T>(dispatcher: Dispatcher, origin: string, headers: Record<string, string>, request: JsonRequest): Promise<T> {
  const { signal } = request;
  if (signal?.aborted) return Promise.reject(abortError(signal, `${request.method} ${request.path}`));
  const body = request.bodyText ?? (request.body === undefined ? undefined : JSON.stringify(request.body));
  return new Promise<T>((resolve, reject) => {
    const handler = new JsonResponseHandler<T>(request, resolve, reject);
    try {
      dispatcher.dispatch(
        { origin, path: request.path, method: request.method, headers: headersFor(headers, body !== undefined, request.headers), body },
        handler,
      );
    } catch (error) {
      reject(wireError(error, signal, `${request.method} ${request.path}`));
    }
  });
}

/** Buffers one response and settles the call with it. A class: per-call closures showed in the unary benchmark. */
class JsonResponseHandler<T> implements Dispatcher.DispatchHandler {
  readonly #chunks: Buffer[] = [];
  #status = 0;
  #onAbort: (() => void) | undefined;

  constructor(
    private readonly request: JsonRequest,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  onRequestStart(controller: Dispatcher.DispatchController): void {
    const { signal, method, path } = this.request;
    // undici takes an Error; what the call rejects with is wireError's (the signal's reason as a RemoteMediaError).
    if (signal && !this.#onAbort)
      signal.addEventListener('abort', (this.#onAbort = () => controller.abort(abortError(signal, `${method} ${path}`))), { once: true });
  }

  onResponseStart(_controller: Dispatcher.DispatchController, statusCode: number): void {
    this.#status = statusCode;
  }

  onResponseData(_controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }

  onResponseEnd(): void {
    this.#settle();
    const chunks = this.#chunks;
    const text = chunks.length === 1 ? chunks[0].toString('utf8') : Buffer.concat(chunks).toString('utf8');
    try {
      this.resolve(parseResponse<T>(text, this.#status, this.request.path));
    } catch (error) {
      this.reject(error);
    }
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    this.#settle();
    const { request } = this;
    this.reject(wireError(error, request.signal, this.#status ? `reading ${request.path}` : `${request.method} ${request.path}`));
  }

  #settle(): void {
    if (this.#onAbort) this.request.signal!.removeEventListener('abort', this.#onAbort);
  }
}

function parseResponse<T>(text: string, status: number, path: string): T {
  let parsed: unknown = text;
  if (text.length) {
    try {
      parsed = JSON.parse(text);
    } catch {
      if (status < 300) throw new RemoteMediaError(Code.DataLoss, `${path} answered ${status} with a body that is not JSON`);
    }
  }
  if (status >= 300) throw errorFromBody(parsed, status);
  return parsed as T;
}

/** A deadline as the server takes it: whole milliseconds (a fractional remaining time rounds up). */
export function wholeMs(timeoutMs: number): number {
  return Number.isFinite(timeoutMs) && timeoutMs > 0 ? Math.ceil(timeoutMs) : timeoutMs;
}

/** The pipeline name a session's local metrics report: the manifest's `metadata.name` when it is an object. */
export function pipelineNameOf(manifest: ManifestSource): string {
  return typeof manifest === 'object' && manifest && typeof manifest.metadata?.name === 'string' ? manifest.metadata.name : '';
}
