import { connect } from 'node:net';
import { Code, RemoteMediaError, defineManifest } from '@remotemedia/runtime-core';
import { bytesToBase64 } from '@remotemedia/runtime-core/kit';
import { createHttpPipelineClient } from '@remotemedia/transport-http';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '@remotemedia/test-support';
import { TOKEN, auth, chain, curl, expectErrorShape, postJson, type Started, startServer } from './helpers.js';

describe('http server: routes, errors, auth, limits', () => {
  let s: Started;
  beforeAll(async () => {
    s = await startServer({ maxBodyBytes: 64 * 1024, cors: { origins: ['https://app.example'] } });
  });
  afterAll(() => s.server.close({ graceMs: 500 }));

  it('plain curl executes a pipeline and gets every output', async () => {
    const body = JSON.stringify({
      manifest: chain('calc', ['c', 'Calculator', { operation: 'add', operand: 5 }]),
      inputs: [1, 2, 3].map((value) => ({ kind: 'json', value })),
    });
    const { stdout, status } = await curl(
      '-X',
      'POST',
      `${s.url}/v1/execute`,
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '--data-binary',
      body,
    );
    expect(status).toBe(200);
    expect(JSON.parse(stdout).outputs.map((o: { data: { value: unknown } }) => o.data.value)).toEqual([6, 7, 8]);
  });

  it('plain curl reads a session as Server-Sent Events', async () => {
    const created = await postJson(`${s.url}/v1/sessions`, { manifest: chain('sse', ['twice', 'Calculator', { operation: 'multiply', operand: 2 }]) });
    expect(created.status).toBe(201);
    const id = created.body.sessionId as string;
    expect(
      (
        await postJson(`${s.url}/v1/sessions/${id}/input`, {
          inputs: [
            { kind: 'json', value: 1 },
            { kind: 'json', value: 2 },
          ],
        })
      ).status,
    ).toBe(202);
    expect((await postJson(`${s.url}/v1/sessions/${id}/input`, { kind: 'json', value: 3 })).status).toBe(202);
    expect((await postJson(`${s.url}/v1/sessions/${id}/end`, {})).status).toBe(202);
    const { stdout, status } = await curl('-N', `${s.url}/v1/sessions/${id}/output`, '-H', `Authorization: Bearer ${TOKEN}`);
    expect(status).toBe(200);
    const events = stdout
      .split('\n\n')
      .filter(Boolean)
      .map((block) => Object.fromEntries(block.split('\n').map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 2)])));
    expect(events.filter((e) => e.event === 'output').map((e) => JSON.parse(e.data).data.value)).toEqual([2, 4, 6]);
    expect(events.at(-1)!.event).toBe('end');
    expect((await fetch(`${s.url}/v1/sessions/${id}`, { headers: auth })).status).toBe(404);
  });

  it('accepts raw s16le audio with the format in the query and a manifest header', async () => {
    const pcm = new Int16Array([0, 16384, -32768, 32767, -16384, 8192]);
    const res = await fetch(`${s.url}/v1/execute?sampleRate=16000&channels=2&encoding=s16le`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'x-remotemedia-manifest': JSON.stringify(chain('raw', ['p', 'PassThrough'])) },
      body: new Uint8Array(pcm.buffer),
    });
    expect(res.status).toBe(200);
    const [out] = (await res.json()).outputs;
    expect(out.data).toMatchObject({ kind: 'audio', sampleRate: 16000, channels: 2 });
    const bytes = Uint8Array.from(atob(out.data.samples), (c) => c.charCodeAt(0));
    expect(Array.from(new Float32Array(bytes.buffer))).toEqual(Array.from(pcm, (v) => v / 32768));
  });

  it('raw audio: every format problem is listed, headers work as well as the query', async () => {
    const res = await fetch(`${s.url}/v1/execute?channels=0&encoding=mp3`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'x-remotemedia-manifest': '{}' },
      body: new Uint8Array(3),
    });
    expect(res.status).toBe(400);
    const body = await res.json();
    expectErrorShape(body);
    expect(body.details.map((d: { path: string }) => d.path)).toEqual(['sampleRate', 'channels', 'encoding']);
    const ok = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: {
        ...auth,
        'content-type': 'application/octet-stream',
        'x-remotemedia-sample-rate': '8000',
        'x-remotemedia-manifest': JSON.stringify(chain('raw2', ['p', 'PassThrough'])),
      },
      body: new Uint8Array(new Float32Array([0.5, -0.5]).buffer),
    });
    expect((await ok.json()).outputs[0].data).toMatchObject({ kind: 'audio', sampleRate: 8000, channels: 1 });
  });

  it('raw audio: a manifest header that is not JSON is a 400 at path manifest; the query works too', async () => {
    const pcm = new Uint8Array(new Float32Array([0.25]).buffer);
    const bad = await fetch(`${s.url}/v1/execute?sampleRate=8000`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream', 'x-remotemedia-manifest': '{"version": v1' },
      body: pcm,
    });
    expect(bad.status).toBe(400);
    const body = await bad.json();
    expectErrorShape(body);
    expect(body.message).toMatch(/manifest: .*not valid JSON/);
    expect(body.details[0].path).toBe('manifest');
    const viaQuery = await fetch(`${s.url}/v1/execute?sampleRate=8000&manifest=${encodeURIComponent(JSON.stringify(chain('q', ['p', 'PassThrough'])))}`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/octet-stream' },
      body: pcm,
    });
    expect((await viaQuery.json()).outputs[0].data).toMatchObject({ kind: 'audio', sampleRate: 8000, channels: 1 });
  });

  it('malformed JSON, wrong content type and bad inputs are 400s naming each problem', async () => {
    const malformed = await postJson(`${s.url}/v1/execute`, '{"manifest": ');
    expect(malformed.status).toBe(400);
    expectErrorShape(malformed.body);
    expect(malformed.body).toMatchObject({ code: 'invalid_argument', details: [{ path: 'body' }] });
    const notObject = await postJson(`${s.url}/v1/execute`, '[1,2]');
    expect(notObject.status).toBe(400);
    const wrongType = await fetch(`${s.url}/v1/execute`, { method: 'POST', headers: { ...auth, 'content-type': 'text/plain' }, body: 'hi' });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).message).toContain('content-type');
    const bad = await postJson(`${s.url}/v1/execute`, {
      manifest: { version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: 'Nope' }] },
      inputs: [
        { kind: 'text', text: 'ok' },
        { data: { kind: 'audio', samples: 12, sampleRate: 16000, channels: 1 } },
        { kind: 'tensor', bytes: bytesToBase64(new Uint8Array(3)), shape: [2], dtype: 'int16' },
      ],
    });
    expect(bad.status).toBe(400);
    expectErrorShape(bad.body);
    expect(bad.body.details.map((d: { path: string }) => d.path)).toEqual(['inputs[1].data.samples', 'inputs[2].bytes', 'nodes[0].nodeType']);
    expect(bad.body.message).toContain('inputs[1].data.samples: expected base64 string');
    const missing = await postJson(`${s.url}/v1/execute`, { inputs: [] });
    expect(missing.body.details).toEqual([expect.objectContaining({ path: 'manifest' })]);
  });

  it('node failures are 500 JSON with the node id and no stack', async () => {
    const res = await postJson(`${s.url}/v1/execute`, { manifest: chain('f', ['fail', 'FailOn', { match: 'x' }]), inputs: [{ kind: 'text', text: 'x' }] });
    expect(res.status).toBe(500);
    expectErrorShape(res.body);
    expect(res.body).toMatchObject({ code: 'internal', nodeId: 'fail' });
    expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
  });

  it('401 without or with a wrong token, on every protected route and the WebSocket; /health stays open', async () => {
    for (const [method, path] of [
      ['POST', '/v1/execute'],
      ['POST', '/v1/sessions'],
      ['GET', '/v1/nodes'],
      ['GET', '/metrics'],
      ['GET', '/v1/sessions/x/output'],
    ]) {
      for (const headers of [{}, { authorization: 'Bearer nope-nope-nope' }, { authorization: 'Basic abc' }] as Record<string, string>[]) {
        const res = await fetch(`${s.url}${path}`, { method, headers });
        expect(res.status, `${method} ${path}`).toBe(401);
        expectErrorShape(await res.json());
      }
    }
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    const client = createHttpPipelineClient({ baseUrl: s.url, token: 'wrong-token' });
    const error = await client.stream(chain('p', ['p', 'PassThrough'])).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.Unauthenticated);
    await client.close();
  });

  it('413 for bodies over the limit, declared or streamed', async () => {
    const big = { manifest: chain('p', ['p', 'PassThrough']), inputs: [{ kind: 'binary', bytes: bytesToBase64(new Uint8Array(100 * 1024)) }] };
    const declared = await postJson(`${s.url}/v1/execute`, big);
    expect(declared.status).toBe(413);
    expectErrorShape(declared.body);
    const { stdout, status } = await curl(
      '-X',
      'POST',
      `${s.url}/v1/execute`,
      '-H',
      `Authorization: Bearer ${TOKEN}`,
      '-H',
      'Content-Type: application/json',
      '-H',
      'Transfer-Encoding: chunked',
      '--data-binary',
      '@-',
      { stdin: JSON.stringify(big) },
    );
    expect(status).toBe(413);
    expect(JSON.parse(stdout).code).toBe('resource_exhausted');
    // The server keeps serving.
    expect((await postJson(`${s.url}/v1/execute`, { manifest: chain('p', ['p', 'PassThrough']), inputs: [{ kind: 'text', text: 'ok' }] })).status).toBe(200);
  });

  it('404 for unknown sessions and routes, 405 for wrong methods, all JSON', async () => {
    for (const [method, path, status] of [
      ['GET', '/v1/sessions/nope/output', 404],
      ['POST', '/v1/sessions/nope/input', 404],
      ['DELETE', '/v1/sessions/nope', 404],
      ['GET', '/nowhere', 404],
      ['GET', '/v1/execute', 405],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, {
        method,
        headers: { ...auth, 'content-type': 'application/json' },
        ...(method === 'POST' ? { body: '{"kind":"text","text":"x"}' } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(status);
      expectErrorShape(await res.json());
    }
  });

  it('serves /v1/nodes with params JSON Schemas, /v1/version, /metrics with runner metrics', async () => {
    const nodes = await (await fetch(`${s.url}/v1/nodes`, { headers: auth })).json();
    const calc = nodes.nodes.find((n: { type: string }) => n.type === 'Calculator');
    expect(calc.paramsJsonSchema.properties.operation).toBeDefined();
    const version = await (await fetch(`${s.url}/v1/version`, { headers: auth })).json();
    expect(version).toMatchObject({ api: 'v1', runtime: expect.any(String), transportHttp: expect.any(String) });
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const session = await client.stream(chain('metered', ['p', 'PassThrough']));
    await session.send({ kind: 'text', text: 'x' });
    await session.recv();
    const text = await (await fetch(`${s.url}/metrics`, { headers: auth })).text();
    expect(text).toContain('remotemedia_http_requests_total{method="POST",route="/v1/execute",status="200"}');
    expect(text).toMatch(/remotemedia_http_sessions_active 1/);
    expect(text).toContain('metered'); // the runner's per-node metrics of the open session
    await session.close();
    await client.close();
  });

  it("x-request-id: the caller's is echoed on every kind of response; errors always carry one; a fresh one only when the access log records it", async () => {
    const manifest = chain('ids', ['p', 'PassThrough']);
    const given = (id: string, headers: Record<string, string> = {}) => ({ ...headers, 'x-request-id': id });
    const created = await postJson(`${s.url}/v1/sessions`, { manifest });
    const sessionId = created.body.sessionId as string;
    const calls: Array<[string, RequestInit]> = [
      [`${s.url}/health`, {}],
      [`${s.url}/metrics`, { headers: auth }],
      [
        `${s.url}/v1/execute`,
        { method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ manifest, inputs: [{ kind: 'text', text: 'x' }] }) },
      ],
      [
        `${s.url}/v1/execute`,
        {
          method: 'POST',
          headers: { ...auth, 'content-type': 'application/json', accept: 'application/octet-stream' },
          body: JSON.stringify({ manifest, inputs: [] }),
        },
      ],
      [`${s.url}/v1/execute`, { method: 'OPTIONS', headers: { origin: 'https://app.example' } }],
      [`${s.url}/v1/sessions/${sessionId}`, { method: 'DELETE', headers: auth }],
    ];
    // The test server logs nothing: a generated id would name no log line, so successes carry none...
    for (const [url, init] of calls) {
      const res = await fetch(url, init);
      await res.arrayBuffer();
      expect(res.ok, url).toBe(true);
      expect(res.headers.get('x-request-id'), `${init.method ?? 'GET'} ${url}`).toBeNull();
    }
    expect(created.headers.get('x-request-id')).toBeNull();
    // ...the caller's own id comes back on every one of them...
    const again = await postJson(`${s.url}/v1/sessions`, { manifest });
    calls[5][0] = `${s.url}/v1/sessions/${again.body.sessionId}`;
    for (const [i, [url, init]] of calls.entries()) {
      const res = await fetch(url, { ...init, headers: given(`caller-${i}`, init.headers as Record<string, string>) });
      await res.arrayBuffer();
      expect(res.headers.get('x-request-id'), `${init.method ?? 'GET'} ${url}`).toBe(`caller-${i}`);
    }
    const open = await postJson(`${s.url}/v1/sessions`, { manifest });
    const controller = new AbortController();
    const sse = await fetch(`${s.url}/v1/sessions/${open.body.sessionId}/output`, { headers: given('sse-1', auth), signal: controller.signal });
    expect(sse.headers.get('x-request-id')).toBe('sse-1');
    controller.abort();
    // ...and every error carries one, generated or given, in the header and the body alike.
    for (const headers of [auth, given('err-1', auth)]) {
      const res = await fetch(`${s.url}/nowhere`, { headers });
      const body = await res.json();
      expect(res.status).toBe(404);
      expect(res.headers.get('x-request-id')).toBe(body.requestId);
      expect(body.requestId).toMatch(headers === auth ? /^[0-9a-f-]{36}$/ : /^err-1$/);
    }
  });

  it('with the access log on, every response carries the id its log line records', async () => {
    const lines: Array<{ reqId?: string; route?: string; status?: number }> = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const logged = await startServer({ logger });
    try {
      const manifest = chain('logged', ['p', 'PassThrough']);
      const ok = await fetch(`${logged.url}/v1/execute`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ manifest, inputs: [{ kind: 'text', text: 'x' }] }),
      });
      await ok.arrayBuffer();
      const id = ok.headers.get('x-request-id');
      expect(id).toMatch(/^[0-9a-f-]{36}$/);
      expect(lines.find((l) => l.route === '/v1/execute')).toMatchObject({ reqId: id, status: 200 });
    } finally {
      await logged.server.close({ graceMs: 100 });
    }
  });

  it('many calls on one keep-alive connection leave no abort listeners behind (the cancellation signal is per connection)', async () => {
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN, connections: 1 });
    try {
      // Plain manifests and defineManifest ones (sent as their stored text) alike.
      const defined = defineManifest(chain('keepalive', ['p', 'PassThrough']));
      for (let i = 0; i < 40; i++)
        expect((await client.execute(i % 2 ? defined : chain('keepalive', ['p', 'PassThrough']), [{ kind: 'json', value: i }]))[0].data).toEqual({
          kind: 'json',
          value: i,
        });
      await new Promise((r) => setImmediate(r));
      expect(warnings.filter((w) => /listener/i.test(w.message))).toEqual([]);
    } finally {
      process.off('warning', onWarning);
      await client.close();
    }
  });

  it('CORS: allowed origins get headers and preflights, others none', async () => {
    const pre = await fetch(`${s.url}/v1/execute`, { method: 'OPTIONS', headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' } });
    expect(pre.status).toBe(204);
    expect(pre.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(pre.headers.get('access-control-allow-headers')).toContain('authorization');
    const other = await fetch(`${s.url}/health`, { headers: { origin: 'https://evil.example' } });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('a client that leaves mid-body is counted as canceled (499) and the server keeps serving', async () => {
    const socket = connect(Number(new URL(s.url).port), '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    // Leave once the server has the request (its headers), so it is mid-body.
    const received = new Promise((r) => s.server.server.once('request', r));
    socket.write(
      `POST /v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"manifest":`,
    );
    await received;
    socket.destroy();
    const canceled = () =>
      fetch(`${s.url}/metrics`, { headers: auth })
        .then((r) => r.text())
        .then((t) => t.includes('remotemedia_http_requests_total{method="POST",route="/v1/execute",status="499"}'));
    await waitUntil(canceled, { what: 'the abandoned request in the metrics' });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });

  it('a garbage HTTP request line gets a 400 and the server keeps serving', async () => {
    const net = await import('node:net');
    const { port } = new URL(s.url);
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = net.connect(Number(port), '127.0.0.1', () => socket.write('NOT HTTP AT ALL\r\n\r\n'));
      let data = '';
      socket.on('data', (d: Buffer) => (data += d.toString()));
      socket.on('end', () => resolve(data));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1.1 400/);
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
  });
});
