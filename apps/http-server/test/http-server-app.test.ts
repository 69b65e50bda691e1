import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { waitUntil } from '@remotemedia/test-support';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from 'node:http';
import { parseBindAddress, parseServerConfig, toServerOptions } from '../src/server-config.js';

const appDir = join(dirname(fileURLToPath(import.meta.url)), '..');
const TOKEN = 'app-token-0123456789';

describe('http-server app config', () => {
  it('defaults to 0.0.0.0:8080, no auth, and reads HTTP_* env', () => {
    expect(parseServerConfig([], {})).toMatchObject({ host: '0.0.0.0', port: 8080, authTokens: [], maxSessions: 1000, corsOrigins: undefined });
    const env = { HTTP_BIND_ADDRESS: '127.0.0.1:9000', HTTP_AUTH_TOKENS: 'a, b', HTTP_MAX_SESSIONS: '5', HTTP_CORS_ORIGINS: '*' };
    expect(parseServerConfig([], env)).toMatchObject({ host: '127.0.0.1', port: 9000, authTokens: ['a', 'b'], maxSessions: 5, corsOrigins: '*' });
    expect(parseServerConfig(['--bind', '[::1]:0', '--max-body-bytes', '1024'], env)).toMatchObject({ host: '::1', port: 0, maxBodyBytes: 1024 });
    expect(parseServerConfig(['--sse-replay-events', '10'], { HTTP_SSE_RESUME_GRACE_MS: '500' })).toMatchObject({
      sseReplayEvents: 10,
      sseReplayBytes: 8 * 1024 * 1024,
      sseResumeGraceMs: 500,
    });
  });

  it('connection timeouts: documented defaults, flags and env, passed to the server', () => {
    expect(parseServerConfig([], {})).toMatchObject({ headersTimeoutMs: 10_000, requestTimeoutMs: 120_000, keepAliveTimeoutMs: 65_000 });
    const config = parseServerConfig(['--headers-timeout-ms', '2000', '--keep-alive-timeout-ms', '5000'], { HTTP_REQUEST_TIMEOUT_MS: '30000' });
    expect(config).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 });
    expect(toServerOptions(config)).toMatchObject({ headersTimeoutMs: 2000, requestTimeoutMs: 30_000, keepAliveTimeoutMs: 5000 });
    expect(() => parseServerConfig(['--headers-timeout-ms', '1.5'], {})).toThrow(/headers-timeout-ms must be a positive integer/);
  });

  it('rejects bad values with a message naming them', () => {
    expect(() => parseBindAddress('localhost')).toThrow(/bind address/);
    expect(() => parseServerConfig(['--max-sessions', 'many'], {})).toThrow(/max-sessions must be a positive integer/);
    expect(() => parseServerConfig([], { HTTP_MAX_BODY_BYTES: '-1' })).toThrow(/maxBodyBytes/);
  });
});

describe('http-server app process', () => {
  let child: ChildProcess;
  let url: string;
  const logs: Record<string, unknown>[] = [];

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rm-http-app-'));
    writeFileSync(join(dir, 'echo.yaml'), 'version: v1\nmetadata: { name: echo }\nnodes:\n  - { id: p, nodeType: PassThrough }\n');
    child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', 'src/main.ts', '--bind', '127.0.0.1:0', '--pipelines-dir', dir], {
      cwd: appDir,
      env: { ...process.env, HTTP_AUTH_TOKENS: TOKEN, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start')), 20_000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        const entry = JSON.parse(line) as Record<string, unknown>;
        logs.push(entry);
        if (entry.msg === 'ready') {
          clearTimeout(timer);
          resolve(entry.url as string);
        }
      });
    });
  });
  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });

  it('serves execute with auth, a named pipeline for raw audio, and logs with request ids', async () => {
    const unauth = await fetch(`${url}/v1/nodes`);
    expect(unauth.status).toBe(401);
    const res = await fetch(`${url}/v1/execute?pipeline=echo&sampleRate=16000`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream', 'x-request-id': 'req-42' },
      body: new Uint8Array(new Float32Array([0.25, -0.5]).buffer),
    });
    expect(res.status).toBe(200);
    expect((await res.json()).outputs[0].data).toMatchObject({ kind: 'audio', sampleRate: 16000, channels: 1 });
    const nodes = await (await fetch(`${url}/v1/nodes`, { headers: { authorization: `Bearer ${TOKEN}` } })).json();
    expect(nodes.nodes.map((n: { type: string }) => n.type)).toContain('Calculator');
    await waitUntil(() => logs.some((l) => l.reqId === 'req-42' && l.route === '/v1/execute' && l.status === 200), {
      what: 'the access log line of req-42',
      observe: () => logs.slice(-3),
    });
  });

  it('on SIGTERM, new connections get 503 with retry-after while an open session finishes, then it exits cleanly', async () => {
    const headers = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };
    const created = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ manifest: { version: 'v1', metadata: { name: 'e' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } }),
    });
    expect(created.status).toBe(201);
    const { sessionId } = (await created.json()) as { sessionId: string };
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    // A fresh connection each time (agent: false): the listener must still be there, answering 503.
    const get = (path: string, method = 'GET', body?: string) =>
      new Promise<{ status: number; retryAfter: string | undefined; body: string }>((resolve, reject) => {
        const req = request(`${url}${path}`, { method, agent: false, headers }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode!, retryAfter: res.headers['retry-after'], body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    // The server starts refusing in the same tick as it logs 'shutting down'.
    await waitUntil(() => logs.some((l) => l.msg === 'shutting down'), { what: "the 'shutting down' log line", observe: () => logs.slice(-3) });
    expect((await get('/health')).status).toBe(503);
    const refused = await get('/v1/execute', 'POST', '{}');
    expect(refused.status).toBe(503);
    expect(refused.retryAfter).toBe('10');
    expect(JSON.parse(refused.body)).toMatchObject({ code: 'unavailable', reason: 'ShuttingDown' });
    // The open session still works to its end; then the process exits on its own.
    expect((await get(`/v1/sessions/${sessionId}/input`, 'POST', JSON.stringify({ kind: 'text', text: 'last words' }))).status).toBe(202);
    expect((await get(`/v1/sessions/${sessionId}/end`, 'POST', '{}')).status).toBe(202);
    expect((await get(`/v1/sessions/${sessionId}/output`)).body).toContain('last words');
    expect(await exited).toBe(0);
    expect(logs.some((l) => l.msg === 'stopped')).toBe(true);
  });
});
