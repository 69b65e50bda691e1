// A real HTTP server (createHttpServer on a loopback port, a real PipelineRunner) answers every
// route of specs/http-api.openapi.yaml, in success and error cases; every answer's status,
// content type and body are checked against the document. Last, every documented operation must
// have been called: a route added to the server without the spec (or to the spec without a test)
// shows up here.
import { connect } from 'node:net';
import { type PipelineRunner, createPipelineRunner } from '@remotemedia/runtime-core';
import { runtimeDataToJson } from '@remotemedia/runtime-core/kit';
import { conformanceNodes, sampleOfEveryKind } from '@remotemedia/runtime-core/testing';
import { type HttpServer, createHttpServer } from '@remotemedia/transport-http';
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTP_METHODS, type WireJson, expectResponseConforms, expectValid, manifestSchema, openApi, operation } from './spec-documents.js';
import { sseEvents, webSocketExchange } from './streams.js';

const TOKEN = 'spec-token-0123456789abcdef';
const auth = { authorization: `Bearer ${TOKEN}` };
const json = { ...auth, 'content-type': 'application/json' };
const echo = { version: 'v1', metadata: { name: 'echo' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const sleepy = { version: 'v1', metadata: { name: 'sleepy' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 5000 } }] };
const failing = { version: 'v1', metadata: { name: 'fails' }, nodes: [{ id: 'f', nodeType: 'FailOn', params: { match: 'boom' } }] };

/** Operations called, `GET /v1/nodes`. */
const covered = new Set<string>();
let runner: PipelineRunner;
let server: HttpServer;
let url: string;

interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The JSON body, if the answer has one. */
  body: WireJson;
}

/** Calls `path` (a real path of the route `template`) and checks the answer against the spec. */
async function call(method: string, template: string, path: string, init: RequestInit = {}, base = url): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { method, ...init, headers: { ...auth, ...(init.headers as Record<string, string>) } });
  const text = await res.text();
  expectResponseConforms(template, method, res.status, res.headers.get('content-type'), text);
  covered.add(`${method.toUpperCase()} ${template}`);
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: res.headers.get('content-type')?.startsWith('application/json') && text ? JSON.parse(text) : undefined,
  };
}

const post = (template: string, path: string, body: unknown, headers: Record<string, string> = {}, base = url) =>
  call('POST', template, path, { headers: { ...json, ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) }, base);

async function openSession(base = url): Promise<string> {
  const created = await post('/v1/sessions', '/v1/sessions', { manifest: echo }, {}, base);
  expect(created.status).toBe(201);
  return created.body.sessionId;
}

beforeAll(async () => {
  runner = createPipelineRunner({ nodes: conformanceNodes });
  server = createHttpServer({
    pipeline: runner,
    authTokens: [TOKEN],
    port: 0,
    host: '127.0.0.1',
    maxBodyBytes: 256 * 1024,
    pipelines: { echo },
    sseResumeGraceMs: 200,
    requestTimeoutMs: 1000,
  });
  ({ url } = await server.listen());
});
afterAll(async () => {
  await server.close({ graceMs: 0 });
  await runner.shutdown();
});

describe('specs/http-api.openapi.yaml', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    const validator = new Validator();
    await validator.addSpecRef(manifestSchema, 'manifest.schema.json');
    const result = await validator.validate(structuredClone(openApi) as unknown as Record<string, unknown>);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(openApi.openapi).toMatch(/^3\.1\./);
  });

  it('health, version, nodes and metrics answer as documented; auth and methods are enforced', async () => {
    expect((await call('GET', '/health', '/health', { headers: { authorization: '' } })).body.status).toBe('serving');
    expect((await call('GET', '/v1/version', '/v1/version')).body.api).toBe('v1');
    expect((await call('GET', '/v1/nodes', '/v1/nodes')).body.nodes.map((n: { type: string }) => n.type)).toContain('PassThrough');
    const metrics = await call('GET', '/metrics', '/metrics');
    expect(metrics.text).toContain('remotemedia_http_sessions_active');
    expect((await call('GET', '/metrics', '/metrics', { headers: { authorization: 'Bearer wrong-token-0000000000' } })).status).toBe(401);
    expect((await call('GET', '/v1/nodes', '/v1/nodes', { headers: { authorization: '' } })).body.code).toBe('unauthenticated');
    // A method the path does not take: 405 with `allow`, declared on the path's operations.
    for (const [template, path] of [
      ['/health', '/health'],
      ['/v1/execute', '/v1/execute'],
      ['/v1/sessions/{sessionId}/input', '/v1/sessions/x/input'],
    ] as const) {
      const res = await fetch(`${url}${path}`, { method: 'PUT', headers: auth });
      const text = await res.text();
      expect(res.status).toBe(405);
      expect(res.headers.get('allow')).toBeTruthy();
      const method = Object.keys(openApi.paths[template]).find((m) => (HTTP_METHODS as readonly string[]).includes(m))!;
      expectResponseConforms(template, method, 405, res.headers.get('content-type'), text);
    }
  });

  it('a path that matches no route is a documented 404', async () => {
    const res = await fetch(`${url}/v1/no-such-route`, { headers: auth });
    const body = await res.json();
    expect(res.status).toBe(404);
    const unmatched = openApi['x-remotemedia-unmatched-route'] as Record<string, { $ref: string }>;
    expect(unmatched['404']).toBeDefined();
    expectValid('#/components/schemas/Error', body, 'unmatched route');
    expect(body).toMatchObject({ code: 'not_found', reason: 'NoRoute' });
  });

  it('execute: every RuntimeData kind round-trips as documented JSON; audio as PCM and WAV; raw audio in', async () => {
    const inputs = Object.values(sampleOfEveryKind()).map((d) => runtimeDataToJson(d));
    expectValid('#/components/schemas/ExecuteRequest', { manifest: echo, inputs }, 'request');
    const all = await post('/v1/execute', '/v1/execute', { manifest: echo, inputs });
    expect(all.status).toBe(200);
    // Control data steers the pipeline and is not an output.
    expect(all.body.outputs.map((o: { data: { kind: string } }) => o.data.kind)).toEqual(Object.keys(sampleOfEveryKind()).filter((k) => k !== 'control'));
    const pcm = new Uint8Array(3200);
    const raw = await call('POST', '/v1/execute', '/v1/execute?pipeline=echo&sampleRate=16000&encoding=s16le', {
      headers: { 'content-type': 'application/octet-stream' },
      body: pcm,
    });
    expect(raw.body.outputs[0].data).toMatchObject({ kind: 'audio', sampleRate: 16000 });
    const wav = await call('POST', '/v1/execute', '/v1/execute?sampleRate=16000&encoding=s16le', {
      headers: { 'content-type': 'application/octet-stream', accept: 'audio/wav', 'x-remotemedia-manifest': JSON.stringify(echo) },
      body: pcm,
    });
    expect(wav.headers.get('x-remotemedia-sample-rate')).toBe('16000');
    const bytes = await call('POST', '/v1/execute', '/v1/execute?pipeline=echo&sampleRate=16000&outputEncoding=s16le', {
      headers: { 'content-type': 'application/octet-stream', accept: 'application/octet-stream' },
      body: new Uint8Array(64),
    });
    expect(bytes.headers.get('x-remotemedia-encoding')).toBe('s16le');
  });

  it('execute: bad manifest and input 400, unknown pipeline 404, not acceptable 406, too large 413, deadline 504, node failure 500', async () => {
    const bad = await post('/v1/execute', '/v1/execute', {
      manifest: { version: 'v1', metadata: { name: 'bad' }, nodes: [{ id: 'a', nodeType: 'NoSuchNode' }] },
      inputs: [{ kind: 'audio', samples: 42 }],
    });
    expect(bad.status).toBe(400);
    expect(bad.body.details.length).toBeGreaterThan(1);
    expect((await post('/v1/execute', '/v1/execute', '{not json')).body.reason).toBe('MalformedJson');
    expect((await post('/v1/execute', '/v1/execute', { manifest: echo, inputs: [] }, { 'x-remotemedia-timeout-ms': '0.5' })).body.reason).toBe(
      'InvalidTimeout',
    );
    expect((await post('/v1/execute', '/v1/execute?pipeline=nope', { inputs: [] })).status).toBe(404);
    const notAudio = await post('/v1/execute', '/v1/execute', { manifest: echo, inputs: [{ kind: 'text', text: 'x' }] }, { accept: 'audio/wav' });
    expect([notAudio.status, notAudio.body.reason]).toEqual([406, 'NotAcceptable']);
    const big = await post('/v1/execute', '/v1/execute', { manifest: echo, inputs: [{ kind: 'text', text: 'x'.repeat(300 * 1024) }] });
    expect([big.status, big.body.reason]).toEqual([413, 'PayloadTooLarge']);
    const late = await post('/v1/execute', '/v1/execute', { manifest: sleepy, inputs: [{ kind: 'text', text: 'x' }] }, { 'x-remotemedia-timeout-ms': '50' });
    expect([late.status, late.body.code]).toEqual([504, 'deadline_exceeded']);
    const failed = await post('/v1/execute', '/v1/execute', { manifest: failing, inputs: [{ kind: 'text', text: 'boom' }] });
    expect(failed.status).toBe(500);
    expect(failed.body.nodeId).toBe('f');
  });

  it('sessions: create, info, input, SSE output, end, delete; unknown sessions 404, second reader 409, bad Last-Event-ID 400', async () => {
    const id = await openSession();
    const path = `/v1/sessions/${encodeURIComponent(id)}`;
    expect((await call('GET', '/v1/sessions/{sessionId}', path)).body.active).toBe(true);
    const output = await fetch(`${url}${path}/output`, { headers: auth });
    expect(output.status).toBe(200);
    expectResponseConforms('/v1/sessions/{sessionId}/output', 'get', output.status, output.headers.get('content-type'), '');
    covered.add('GET /v1/sessions/{sessionId}/output');
    expect((await call('GET', '/v1/sessions/{sessionId}/output', `${path}/output`)).status).toBe(409);
    expect((await call('GET', '/v1/sessions/{sessionId}/output', `${path}/output`, { headers: { 'last-event-id': '99' } })).status).toBe(400);
    expect((await post('/v1/sessions/{sessionId}/input', `${path}/input`, { kind: 'text', text: 'one' })).body.accepted).toBe(1);
    expect(
      (
        await post('/v1/sessions/{sessionId}/input', `${path}/input`, {
          inputs: [
            { kind: 'json', value: 2 },
            { data: { kind: 'text', text: 'three' }, metadata: { t: '3' } },
          ],
        })
      ).body.accepted,
    ).toBe(2);
    expect((await post('/v1/sessions/{sessionId}/end', `${path}/end`, '')).status).toBe(202);
    const events = sseEvents(await output.text());
    const schemas = operation('/v1/sessions/{sessionId}/output', 'get')['x-remotemedia-sse-events']!;
    for (const e of events) {
      expect(Object.keys(schemas)).toContain(e.event);
      expectValid(schemas[e.event].$ref, JSON.parse(e.data), `SSE event ${e.id} (${e.event})`);
    }
    expect(events.map((e) => e.event)).toEqual(['output', 'output', 'output', 'end']);

    const gone = await openSession();
    expect((await call('DELETE', '/v1/sessions/{sessionId}', `/v1/sessions/${gone}`)).status).toBe(204);
    for (const [method, template, suffix] of [
      ['GET', '/v1/sessions/{sessionId}', ''],
      ['DELETE', '/v1/sessions/{sessionId}', ''],
      ['POST', '/v1/sessions/{sessionId}/input', '/input'],
      ['POST', '/v1/sessions/{sessionId}/end', '/end'],
      ['GET', '/v1/sessions/{sessionId}/output', '/output'],
    ] as const) {
      const res = await call(method, template, `/v1/sessions/${gone}${suffix}`, method === 'POST' ? { headers: json, body: '{"kind":"text","text":"x"}' } : {});
      expect([res.status, res.body.code]).toEqual([404, 'not_found']);
    }
    expect((await call('GET', '/v1/sessions/{sessionId}', '/v1/sessions/%E0%A4%A')).body.reason).toBe('MalformedPath');
    expect((await post('/v1/sessions', '/v1/sessions', { inputs: [] })).status).toBe(400);
  });

  it('WebSocket: /v1/stream and /v1/sessions/{id}/ws speak the documented messages; refused upgrades are documented errors', async () => {
    const ws = url.replace(/^http/, 'ws');
    const stream = await webSocketExchange(`${ws}/v1/stream`, auth, [
      { type: 'start', manifest: echo },
      { type: 'input', id: 1, item: { data: { kind: 'text', text: 'hi' }, metadata: {} } },
      { type: 'input', id: 2, item: { kind: 'bogus' } },
      { type: 'end' },
    ]);
    expect(stream.received.map((m) => m.type)).toEqual(expect.arrayContaining(['started', 'ack', 'output', 'end']));
    expect(stream.received.find((m) => m.type === 'ack' && m.id === 2)?.error.code).toBe('invalid_argument');
    const id = await openSession();
    const attached = await webSocketExchange(`${ws}/v1/sessions/${id}/ws`, auth, [{ type: 'input', id: 1, item: { kind: 'json', value: 1 } }, { type: 'end' }]);
    expect(attached.received[0]).toMatchObject({ type: 'started', sessionId: id });
    for (const [template, path] of [
      ['/v1/stream', '/v1/stream'],
      ['/v1/sessions/{sessionId}/ws', `/v1/sessions/${id}/ws`],
    ] as const) {
      const wellFormed = [...stream.sent, ...attached.sent].filter((m) => (m as { item?: { kind?: string } }).item?.kind !== 'bogus');
      for (const m of wellFormed) expectValid(operation(template, 'get')['x-remotemedia-websocket']!.client.$ref, m, 'client message');
      for (const m of [...stream.received, ...attached.received])
        expectValid(operation(template, 'get')['x-remotemedia-websocket']!.server.$ref, m, 'server message');
      const refused = await webSocketExchange(`${ws}${path}`, {}, []);
      expect(refused.refused?.status).toBe(401);
      expectResponseConforms(template, 'get', refused.refused!.status, refused.refused!.contentType, refused.refused!.body);
      covered.add(`GET ${template}`);
    }
    const unknown = await webSocketExchange(`${ws}/v1/sessions/nope/ws`, auth, []);
    expectResponseConforms('/v1/sessions/{sessionId}/ws', 'get', unknown.refused!.status, unknown.refused!.contentType, unknown.refused!.body);
    expect(unknown.refused!.status).toBe(404);
  });

  it('limits and shutdown: session limit 429, shutting down 503 with retry-after, slow request 408', async () => {
    const limitedRunner = createPipelineRunner({ nodes: conformanceNodes });
    const limited = createHttpServer({ pipeline: limitedRunner, port: 0, host: '127.0.0.1', maxSessions: 1, requestTimeoutMs: 500, headersTimeoutMs: 500 });
    const { url: base } = await limited.listen();
    const id = await openSession(base);
    const over = await post('/v1/sessions', '/v1/sessions', { manifest: echo }, {}, base);
    expect([over.status, over.body.code]).toEqual([429, 'resource_exhausted']);
    // Headers sent, the declared body never: 408 once the request timeout passes.
    const slow = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(base).port), '127.0.0.1', () =>
        socket.write('POST /v1/execute HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{'),
      );
      let text = '';
      socket
        .on('data', (d) => (text += d.toString()))
        .on('close', () => resolve(text))
        .on('error', reject);
    });
    const [head, body] = slow.split('\r\n\r\n');
    expect(head).toMatch(/^HTTP\/1\.1 408 /);
    expectResponseConforms('/v1/execute', 'post', 408, /content-type: ([^\r\n]+)/i.exec(head)![1], body);
    const closing = limited.close({ graceMs: 5000 }); // the open session holds the server in its grace period
    const health = await call('GET', '/health', '/health', {}, base);
    expect([health.status, health.body.status]).toEqual([503, 'not_serving']);
    const refused = await post('/v1/execute', '/v1/execute', { manifest: echo, inputs: [] }, {}, base);
    expect([refused.status, refused.body.reason]).toEqual([503, 'ShuttingDown']);
    expect(refused.headers.get('retry-after')).toBeTruthy();
    await call('DELETE', '/v1/sessions/{sessionId}', `/v1/sessions/${id}`, {}, base);
    await closing;
    await limitedRunner.shutdown();
  });

  it('every documented operation was called', () => {
    const documented = Object.entries(openApi.paths).flatMap(([path, item]) =>
      Object.keys(item)
        .filter((m) => (HTTP_METHODS as readonly string[]).includes(m))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.filter((op) => !covered.has(op))).toEqual([]);
  });
});
