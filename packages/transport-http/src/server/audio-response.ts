import type { IncomingMessage } from 'node:http';
import { type AudioData, Code, type ErrorDetail, RemoteMediaError, type TransportData, encodeWav } from '@remotemedia/runtime-core';
import { NOT_ACCEPTABLE } from '@remotemedia/runtime-core/kit';
import { type RouteContext, withRequestId } from './route-context.js';

/** What `/v1/execute` answers with: JSON (`{outputs}`), raw PCM, or a WAV file. */
export type ResponseFormat = 'json' | 'pcm' | 'wav';
export type PcmEncoding = 'f32le' | 's16le';

const BY_TYPE: Readonly<Record<string, ResponseFormat>> = {
  'application/json': 'json',
  'application/*': 'json',
  '*/*': 'json',
  'application/octet-stream': 'pcm',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/wave': 'wav',
  'audio/*': 'wav',
};

/**
 * Picks the response format from `Accept`: the type we offer with the highest q (the first
 * listed on ties); JSON when the header is absent or names nothing we offer, so odd clients
 * still get an answer rather than a 406.
 */
export function negotiateFormat(accept: string | undefined): ResponseFormat {
  // Fast path: curl, fetch and undici send `*/*` or nothing.
  if (accept === undefined || accept === '*/*' || accept === 'application/json') return 'json';
  let best: ResponseFormat = 'json';
  let bestQ = 0;
  for (const part of accept.split(',')) {
    const [rawType, ...params] = part.split(';');
    const format = BY_TYPE[rawType.trim().toLowerCase()];
    if (!format) continue;
    let q = 1;
    for (const p of params) {
      const [k, v] = p.split('=');
      if (k.trim() === 'q') q = Number(v);
    }
    if (q > bestQ) {
      best = format;
      bestQ = q;
    }
  }
  return best;
}

/** Encoding of binary audio answers: query `outputEncoding` or header `x-remotemedia-output-encoding`; default f32le. */
export function outputEncoding(req: IncomingMessage, query: URLSearchParams | undefined): PcmEncoding {
  const raw = query?.get('outputEncoding') ?? req.headers['x-remotemedia-output-encoding'];
  const value = (Array.isArray(raw) ? raw[0] : raw)?.toLowerCase() ?? 'f32le';
  if (value === 'f32le' || value === 's16le') return value;
  throw new RemoteMediaError(Code.InvalidArgument, `outputEncoding must be f32le or s16le, got ${JSON.stringify(value)}`, {
    details: [{ path: 'outputEncoding', message: 'expected f32le or s16le' }],
  });
}

/**
 * Sends the outputs as one audio stream: every output must be audio of the same sample rate
 * and channel count (they are concatenated in order); otherwise 406 listing each offender.
 * Format headers: `x-remotemedia-sample-rate`, `-channels`, `-encoding`, `-outputs` (how many
 * outputs were joined). No outputs: 200 with an empty body and `x-remotemedia-outputs: 0`.
 */
export function sendAudio(
  ctx: Pick<RouteContext, 'res' | 'responseRequestId'>,
  outputs: readonly TransportData[],
  format: 'pcm' | 'wav',
  encoding: PcmEncoding,
): void {
  const { res } = ctx;
  const audio = sameFormatAudio(outputs);
  const headers = withRequestId<Record<string, string | number>>(ctx, { 'x-remotemedia-outputs': outputs.length });
  if (!audio) {
    res.writeHead(200, { ...headers, 'content-type': format === 'wav' ? 'audio/wav' : 'application/octet-stream', 'content-length': 0 });
    res.end();
    return;
  }
  const { sampleRate, channels } = audio[0];
  const samples = joinSamples(audio);
  let body: Uint8Array;
  if (format === 'wav') body = encodeWav({ kind: 'audio', samples, sampleRate, channels }, { format: encoding === 's16le' ? 'pcm16' : 'float32' });
  else body = encoding === 's16le' ? toS16le(samples) : new Uint8Array(samples.buffer, samples.byteOffset, samples.byteLength);
  res.writeHead(200, {
    ...headers,
    'content-type': format === 'wav' ? 'audio/wav' : 'application/octet-stream',
    'content-length': body.byteLength,
    'x-remotemedia-sample-rate': sampleRate,
    'x-remotemedia-channels': channels,
    'x-remotemedia-encoding': encoding,
  });
  res.end(body);
}

function sameFormatAudio(outputs: readonly TransportData[]): AudioData[] | undefined {
  if (!outputs.length) return undefined;
  const issues: ErrorDetail[] = [];
  const first = outputs.find((o) => o.data.kind === 'audio')?.data as AudioData | undefined;
  outputs.forEach((o, i) => {
    const d = o.data;
    if (d.kind !== 'audio') issues.push({ path: `outputs[${i}]`, message: `is ${d.kind}, not audio` });
    else if (first && (d.sampleRate !== first.sampleRate || d.channels !== first.channels)) {
      issues.push({ path: `outputs[${i}]`, message: `is ${d.sampleRate} Hz x${d.channels}, outputs[0] audio is ${first.sampleRate} Hz x${first.channels}` });
    }
  });
  if (issues.length) {
    throw new RemoteMediaError(
      Code.FailedPrecondition,
      `the outputs cannot be sent as one audio stream (${issues[0].path} ${issues[0].message}${issues.length > 1 ? `, and ${issues.length - 1} more` : ''}); ask for application/json instead`,
      { details: issues, reason: NOT_ACCEPTABLE },
    );
  }
  return outputs.map((o) => o.data as AudioData);
}

function joinSamples(audio: readonly AudioData[]): Float32Array {
  if (audio.length === 1) return audio[0].samples;
  const out = new Float32Array(audio.reduce((n, a) => n + a.samples.length, 0));
  let at = 0;
  for (const a of audio) {
    out.set(a.samples, at);
    at += a.samples.length;
  }
  return out;
}

function toS16le(samples: Float32Array): Uint8Array {
  const out = new Uint8Array(samples.length * 2);
  const view = new DataView(out.buffer);
  for (let i = 0; i < samples.length; i++) {
    // x32768 mirrors the s16le input path, so s16le in -> s16le out is lossless.
    view.setInt16(i * 2, Math.max(-32768, Math.min(32767, Math.round(samples[i] * 32768))), true);
  }
  return out;
}
