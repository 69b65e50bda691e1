import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { type AudioData, Code, type ErrorDetail, type ManifestSource, RemoteMediaError } from '@remotemedia/runtime-core';
import { PAYLOAD_TOO_LARGE } from '@remotemedia/runtime-core/kit';

const tooLarge = (limit: number) =>
  new RemoteMediaError(Code.ResourceExhausted, `request body exceeds the limit of ${limit} bytes`, {
    reason: PAYLOAD_TOO_LARGE,
    details: [{ path: 'body', message: `at most ${limit} bytes` }],
  });

/** Reads the whole body, failing with 413 as soon as it passes `limit` (declared or actual). */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(tooLarge(limit));
  // Plain listeners rather than `for await`, and `on` rather than `once` for events that fire once
  // (no wrapper per listener): measurably cheaper per request (bench/http.bench.ts).
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.byteLength;
      if (size > limit) {
        req.off('data', onData);
        req.pause();
        reject(tooLarge(limit));
      } else chunks.push(chunk);
    };
    req.on('data', onData);
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks)));
    // A client that goes away mid-body ends here too (ECONNRESET "aborted"): no 'aborted' listener needed.
    req.on('error', (error: NodeJS.ErrnoException) =>
      reject(error.code === 'ECONNRESET' ? new RemoteMediaError(Code.Canceled, 'client aborted the request body', { cause: error }) : error),
    );
  });
}

export function parseJsonBody(body: Buffer): unknown {
  if (body.byteLength === 0)
    throw new RemoteMediaError(Code.InvalidArgument, 'request body is empty; expected JSON', { details: [{ path: 'body', message: 'empty' }] });
  // JSON is UTF-8 (RFC 8259): invalid bytes would otherwise turn silently into U+FFFD.
  if (!isUtf8(body))
    throw new RemoteMediaError(Code.InvalidArgument, 'request body is not valid UTF-8', {
      details: [{ path: 'body', message: 'invalid UTF-8; JSON must be UTF-8' }],
      reason: 'MalformedJson',
    });
  try {
    return JSON.parse(body.toString('utf8'));
  } catch (error) {
    const message = `request body is not valid JSON: ${(error as Error).message}`;
    throw new RemoteMediaError(Code.InvalidArgument, message, { details: [{ path: 'body', message: (error as Error).message }], reason: 'MalformedJson' });
  }
}

/** `application/json` (or none) vs `application/octet-stream`; anything else is a 400 naming what is accepted. */
export function bodyKind(req: IncomingMessage): 'json' | 'binary' {
  const given = req.headers['content-type'];
  if (given === 'application/json') return 'json'; // what clients send, without the parsing below
  const type = (given ?? '').split(';')[0].trim().toLowerCase();
  if (type === '' || type === 'application/json' || type.endsWith('+json')) return 'json';
  if (type === 'application/octet-stream' || type.startsWith('audio/')) return 'binary';
  throw new RemoteMediaError(Code.InvalidArgument, `unsupported content-type "${type}"; send application/json or application/octet-stream (raw audio)`, {
    details: [{ path: 'headers.content-type', message: 'expected application/json or application/octet-stream' }],
  });
}

/** A parameter from the query string or, failing that, an `x-remotemedia-*` header. */
function param(req: IncomingMessage, params: URLSearchParams, query: string, header: string): string | undefined {
  const q = params.get(query);
  if (q !== null) return q;
  const h = req.headers[`x-remotemedia-${header}`];
  return Array.isArray(h) ? h[0] : h;
}

/**
 * Raw PCM body -> one AudioData. Format from query (`sampleRate`, `channels`, `encoding`) or
 * headers (`x-remotemedia-sample-rate`, `-channels`, `-encoding`); encoding f32le (default) or s16le.
 */
export function audioFromBinaryBody(body: Buffer, req: IncomingMessage, query: URLSearchParams): AudioData {
  const issues: ErrorDetail[] = [];
  const rateText = param(req, query, 'sampleRate', 'sample-rate');
  const channelsText = param(req, query, 'channels', 'channels') ?? '1';
  const encoding = (param(req, query, 'encoding', 'encoding') ?? 'f32le').toLowerCase();
  const sampleRate = Number(rateText);
  const channels = Number(channelsText);
  if (rateText === undefined) issues.push({ path: 'sampleRate', message: 'required for binary audio (query sampleRate or header x-remotemedia-sample-rate)' });
  else if (!Number.isInteger(sampleRate) || sampleRate <= 0)
    issues.push({ path: 'sampleRate', message: `expected a positive integer, got ${JSON.stringify(rateText)}` });
  if (!Number.isInteger(channels) || channels <= 0)
    issues.push({ path: 'channels', message: `expected a positive integer, got ${JSON.stringify(channelsText)}` });
  const width = encoding === 'f32le' ? 4 : encoding === 's16le' ? 2 : 0;
  if (!width) issues.push({ path: 'encoding', message: `expected f32le or s16le, got ${JSON.stringify(encoding)}` });
  else if (body.byteLength % width !== 0) issues.push({ path: 'body', message: `${body.byteLength} bytes is not a whole number of ${encoding} samples` });
  else if (channels > 0 && (body.byteLength / width) % channels !== 0)
    issues.push({ path: 'body', message: `${body.byteLength / width} samples is not a multiple of channels=${channels}` });
  if (issues.length)
    throw new RemoteMediaError(Code.InvalidArgument, `invalid binary audio body: ${issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`, {
      details: issues,
    });
  const n = body.byteLength / width;
  const samples = new Float32Array(n);
  const view = new DataView(body.buffer, body.byteOffset, body.byteLength);
  if (width === 4) for (let i = 0; i < n; i++) samples[i] = view.getFloat32(i * 4, true);
  else for (let i = 0; i < n; i++) samples[i] = view.getInt16(i * 2, true) / 32768;
  return { kind: 'audio', samples, sampleRate, channels };
}

/** The manifest of a request without a JSON body: a named pipeline, or inline JSON text (query or header). */
export function manifestReference(req: IncomingMessage, query: URLSearchParams, pipelines: Readonly<Record<string, ManifestSource>>): ManifestSource {
  const name = param(req, query, 'pipeline', 'pipeline');
  if (name !== undefined) {
    if (!Object.hasOwn(pipelines, name)) {
      const known = Object.keys(pipelines);
      throw new RemoteMediaError(Code.NotFound, `no pipeline named "${name}" on this server`, {
        details: [{ path: 'pipeline', message: known.length ? `known: ${known.join(', ')}` : 'the server has no named pipelines' }],
      });
    }
    return pipelines[name];
  }
  const inline = param(req, query, 'manifest', 'manifest');
  // Handed on as text: the runner parses it (naming the problem at path `manifest`) and keys its
  // validation cache by it, where a parsed object would be walked and serialized again per call.
  if (inline !== undefined) return inline;
  throw new RemoteMediaError(
    Code.InvalidArgument,
    'a binary body needs a manifest: query pipeline=<name> or manifest=<json>, or header x-remotemedia-pipeline / x-remotemedia-manifest',
    {
      details: [{ path: 'manifest', message: 'required' }],
    },
  );
}
