import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeWav } from '@remotemedia/runtime-core';
import { transportDataToJson } from '@remotemedia/runtime-core/kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { negotiateFormat } from '../src/server/audio-response.js';
import { TOKEN, auth, chain, expectErrorShape, type Started, startServer } from './helpers.js';

const passThrough = JSON.stringify(chain('raw', ['p', 'PassThrough']));
const audioJson = (samples: number[], sampleRate = 16000, channels = 1) =>
  transportDataToJson({ data: { kind: 'audio', samples: Float32Array.from(samples), sampleRate, channels }, metadata: {} });

/** Real curl, binary-safe: response headers and body come back from files. */
function curlBinary(dir: string, args: string[], stdin?: Uint8Array): Promise<{ status: number; headers: Record<string, string>; body: Buffer }> {
  const headerFile = join(dir, 'headers');
  const bodyFile = join(dir, 'body');
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '--max-time', '20', '-D', headerFile, '-o', bodyFile, ...args], (error) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error (its Omit<> type hides that from the rule)
      if (error) return reject(error);
      const lines = readFileSync(headerFile, 'latin1').trim().split('\r\n');
      const headers = Object.fromEntries(lines.slice(1).map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(lines[0].split(' ')[1]), headers, body: readFileSync(bodyFile) });
    });
    child.stdin!.end(stdin ?? '');
  });
}

describe('POST /v1/execute answering with binary audio (Accept)', () => {
  let s: Started;
  let dir: string;
  beforeAll(async () => {
    s = await startServer();
    dir = mkdtempSync(join(tmpdir(), 'rm-http-audio-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await s.server.close({ graceMs: 200 });
  });

  it('curl: raw s16le in, raw s16le out, byte for byte, format in the response headers', async () => {
    const pcm = new Int16Array([0, 16384, -32768, 32767, -16384, 8192, 1, -1]);
    const { status, headers, body } = await curlBinary(
      dir,
      [
        '-X',
        'POST',
        `${s.url}/v1/execute?sampleRate=8000&channels=2&encoding=s16le&outputEncoding=s16le`,
        '-H',
        `Authorization: Bearer ${TOKEN}`,
        '-H',
        'Content-Type: application/octet-stream',
        '-H',
        'Accept: application/octet-stream',
        '-H',
        `x-remotemedia-manifest: ${passThrough}`,
        '--data-binary',
        '@-',
      ],
      new Uint8Array(pcm.buffer),
    );
    expect(status).toBe(200);
    expect(headers).toMatchObject({
      'content-type': 'application/octet-stream',
      'x-remotemedia-sample-rate': '8000',
      'x-remotemedia-channels': '2',
      'x-remotemedia-encoding': 's16le',
      'x-remotemedia-outputs': '1',
    });
    expect(Array.from(new Int16Array(body.buffer, body.byteOffset, body.byteLength / 2))).toEqual(Array.from(pcm));
  });

  it('JSON in, float32 out: the audio outputs are joined in order', async () => {
    const res = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [audioJson([0.5, -0.25]), audioJson([0.125])] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('x-remotemedia-encoding')).toBe('f32le');
    expect(res.headers.get('x-remotemedia-outputs')).toBe('2');
    expect(Array.from(new Float32Array(await res.arrayBuffer()))).toEqual([0.5, -0.25, 0.125]);
  });

  it('Accept: audio/wav returns a WAV file of the outputs', async () => {
    const samples = [0.5, -0.5, 0.25, 0];
    const res = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'audio/wav' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [audioJson(samples, 24000, 2)] }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('audio/wav');
    const wav = decodeWav(new Uint8Array(await res.arrayBuffer()));
    expect(wav).toMatchObject({ sampleRate: 24000, channels: 2 });
    expect(Array.from(wav.samples)).toEqual(samples);
  });

  it('406 with every offending output listed when the outputs are not one audio stream; the server keeps serving', async () => {
    const notAudio = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [audioJson([0.1]), { kind: 'text', text: 'hi' }, { kind: 'json', value: 1 }] }),
    });
    expect(notAudio.status).toBe(406);
    const body = await notAudio.json();
    expectErrorShape(body);
    expect(body).toMatchObject({ code: 'failed_precondition', reason: 'NotAcceptable' });
    expect(body.details).toEqual([
      { path: 'outputs[1]', message: 'is text, not audio' },
      { path: 'outputs[2]', message: 'is json, not audio' },
    ]);
    const mixed = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'audio/wav' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [audioJson([0.1], 16000), audioJson([0.1], 48000)] }),
    });
    expect(mixed.status).toBe(406);
    expect((await mixed.json()).details[0].message).toContain('48000 Hz');
    const json = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [{ kind: 'text', text: 'ok' }] }),
    });
    expect(json.status).toBe(200);
  });

  it('a bad outputEncoding is a 400 before anything runs; no outputs is an empty 200', async () => {
    const bad = await fetch(`${s.url}/v1/execute?outputEncoding=mp3`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
      body: '{}',
    });
    expect(bad.status).toBe(400);
    expect((await bad.json()).details).toEqual([{ path: 'outputEncoding', message: 'expected f32le or s16le' }]);
    const empty = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
      body: JSON.stringify({ manifest: JSON.parse(passThrough), inputs: [] }),
    });
    expect(empty.status).toBe(200);
    expect(empty.headers.get('x-remotemedia-outputs')).toBe('0');
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('negotiates by q value; JSON by default and for wildcards or types it does not offer', () => {
    expect(negotiateFormat(undefined)).toBe('json');
    expect(negotiateFormat('*/*')).toBe('json');
    expect(negotiateFormat('text/html')).toBe('json');
    expect(negotiateFormat('application/octet-stream')).toBe('pcm');
    expect(negotiateFormat('application/json;q=0.5, application/octet-stream')).toBe('pcm');
    expect(negotiateFormat('application/octet-stream;q=0.2, application/json;q=0.9')).toBe('json');
    expect(negotiateFormat('audio/*, application/json;q=0.1')).toBe('wav');
    expect(negotiateFormat('audio/wav;q=0')).toBe('json');
  });
});
