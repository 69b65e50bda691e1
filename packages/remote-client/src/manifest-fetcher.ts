import { Code, type ManifestInput, RemoteMediaError, parseManifestText } from '@remotemedia/runtime-core';
import { type Dispatcher, request } from 'undici';
import { RemoteReason, remoteError } from './remote-errors.js';

export interface ManifestFetcherOptions {
  /**
   * Hosts manifests may be fetched from, as `host` or `host:port` (e.g. `config.internal:8080`).
   * `*` allows any host. Default: none, so no fetch happens until hosts are configured.
   */
  allowedHosts?: readonly string[];
  /** How long a fetched manifest is reused. Default 60000 ms. */
  ttlMs?: number;
  /** Deadline of one fetch. Default 10000 ms. */
  timeoutMs?: number;
  /** Largest manifest accepted. Default 1 MiB. */
  maxBytes?: number;
  /** undici dispatcher (proxy, custom TLS). Default: undici's global one. */
  dispatcher?: Dispatcher;
}

export interface ManifestFetcher {
  /** The parsed manifest at `url` (from the cache while fresh). */
  fetch(url: string, headers?: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManifestInput>;
  /** Forgets every cached manifest. */
  clear(): void;
}

/** The URL of a named pipeline: `{pipelineName}` in `manifestEndpoint` is replaced, else `/<name>` appended. */
export function namedManifestUrl(manifestEndpoint: string, pipelineName: string): string {
  const name = encodeURIComponent(pipelineName);
  if (manifestEndpoint.includes('{pipelineName}')) return manifestEndpoint.replaceAll('{pipelineName}', name);
  return `${manifestEndpoint.replace(/\/+$/, '')}/${name}`;
}

/** Fetches remote manifests over HTTP(S) with undici: allowed hosts only, cached with a TTL, size-capped. */
export function createManifestFetcher(options: ManifestFetcherOptions = {}): ManifestFetcher {
  const allowed = new Set((options.allowedHosts ?? []).map((h) => h.toLowerCase()));
  const ttlMs = options.ttlMs ?? 60_000;
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxBytes = options.maxBytes ?? 1 << 20;
  const cache = new Map<string, { expires: number; manifest: Promise<ManifestInput> }>();

  const fail = (url: string, message: string, cause?: unknown, code: Code = Code.Unavailable) =>
    remoteError(code, RemoteReason.ManifestFetchFailed, `cannot fetch manifest ${url}: ${message}`, { cause });

  async function load(url: string, headers: Readonly<Record<string, string>>, signal?: AbortSignal): Promise<ManifestInput> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch (error) {
      throw fail(url, 'not an absolute URL', error, Code.InvalidArgument);
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
      throw fail(url, `protocol ${parsed.protocol} is not http or https`, undefined, Code.InvalidArgument);
    if (!allowed.has('*') && !allowed.has(parsed.host.toLowerCase()) && !allowed.has(parsed.hostname.toLowerCase())) {
      throw fail(
        url,
        `host "${parsed.host}" is not in allowedManifestHosts (${[...allowed].join(', ') || 'none configured'})`,
        undefined,
        Code.PermissionDenied,
      );
    }
    const deadline = AbortSignal.timeout(timeoutMs);
    let text: string;
    try {
      const res = await request(parsed, {
        method: 'GET',
        headers: { accept: 'application/json, application/yaml, text/yaml', ...headers },
        signal: signal ? AbortSignal.any([signal, deadline]) : deadline,
      });
      if (res.statusCode !== 200) {
        await res.body.dump();
        throw fail(
          url,
          `HTTP ${res.statusCode}`,
          undefined,
          res.statusCode === 404 ? Code.NotFound : res.statusCode === 401 || res.statusCode === 403 ? Code.PermissionDenied : Code.Unavailable,
        );
      }
      const length = Number(res.headers['content-length'] ?? 0);
      if (length > maxBytes) {
        await res.body.dump();
        throw fail(url, `manifest is ${length} bytes, over maxBytes=${maxBytes}`, undefined, Code.ResourceExhausted);
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of res.body) {
        size += (chunk as Buffer).length;
        if (size > maxBytes) {
          res.body.destroy();
          throw fail(url, `manifest is over maxBytes=${maxBytes}`, undefined, Code.ResourceExhausted);
        }
        chunks.push(chunk as Buffer);
      }
      text = Buffer.concat(chunks).toString('utf8');
    } catch (error) {
      if (error instanceof RemoteMediaError) throw error;
      if (signal?.aborted) throw RemoteMediaError.from(error, Code.Canceled);
      throw fail(
        url,
        deadline.aborted ? `no answer within ${timeoutMs} ms` : error instanceof Error ? error.message : String(error),
        error,
        deadline.aborted ? Code.DeadlineExceeded : Code.Unavailable,
      );
    }
    try {
      return parseManifestText(text, url) as ManifestInput;
    } catch (error) {
      const e = RemoteMediaError.from(error, Code.InvalidArgument);
      throw remoteError(Code.InvalidArgument, RemoteReason.ManifestFetchFailed, `manifest at ${url} does not parse: ${e.rawMessage}`, {
        cause: error,
        details: [...e.details],
      });
    }
  }

  return {
    fetch(url, headers = {}, signal) {
      const key = `${url}\u0000${JSON.stringify(headers)}`;
      const hit = cache.get(key);
      if (hit && hit.expires > Date.now()) return hit.manifest;
      // Concurrent sessions share one in-flight fetch; failures are not cached.
      const manifest = load(url, headers, signal);
      cache.set(key, { expires: Date.now() + ttlMs, manifest });
      manifest.catch(() => cache.get(key)?.manifest === manifest && cache.delete(key));
      return manifest;
    },
    clear: () => cache.clear(),
  };
}
