// The HTTP server (apps/http-server): unary execute (JSON and raw audio bodies), HTTP+SSE sessions,
// the WebSocket stream, and requests to paths and with headers nobody should send.
import fc from 'fast-check';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { headerValue, inputItem, manifestText, nastyJson, pathSegment } from '../arbitraries.js';
import type { LiveServer } from '../live-server.js';
import type { FuzzTarget } from '../run-fuzz.js';
import { judgeErrorObject, judgeHttpAnswer, messageText, within } from '../verdicts.js';

type HttpCase =
  | { kind: 'execute'; body: string; contentType: string; timeoutHeader?: string }
  | { kind: 'raw'; body: Uint8Array; query: string; contentType: string }
  | { kind: 'session'; manifest: string; ops: Array<{ op: 'input' | 'end' | 'output' | 'delete'; body?: string }> }
  | { kind: 'path'; method: string; path: string; body: string }
  | { kind: 'websocket'; path: string; frames: Array<string | Uint8Array> };

const jsonBody = fc.oneof(
  fc.record({ manifest: manifestText, inputs: fc.array(inputItem, { maxLength: 4 }) }).map((b) => JSON.stringify(b)),
  fc
    .record({
      manifest: manifestText,
      inputs: fc.array(inputItem, { maxLength: 2 }),
      timeoutMs: fc.oneof(fc.constantFrom(0, -1, 0.5, 1e20, 1e300, '5'), fc.nat()),
    })
    .map((b) => JSON.stringify(b)),
  nastyJson.map((v) => JSON.stringify(v) ?? 'null'),
  fc.string({ unit: 'binary', maxLength: 100 }),
);

const wsFrame: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.record({ type: fc.constant('start'), manifest: manifestText }).map((m) => JSON.stringify(m)),
  fc
    .record({ type: fc.constant('input'), id: fc.oneof(fc.nat(), fc.constant(-1), fc.constant('x')), item: inputItem }, { requiredKeys: ['type'] })
    .map((m) => JSON.stringify(m)),
  fc.constantFrom('{"type":"end"}', '{"type":"close"}', '{"type":"nope"}', '{}', 'not json', '{"type":"input","id":1}'),
  fc.uint8Array({ maxLength: 64 }),
  fc.tuple(fc.nat(200), fc.string({ maxLength: 60 }), fc.uint8Array({ maxLength: 32 })).map(([len, header, payload]) => {
    const head = Buffer.from(header);
    const prefix = Buffer.alloc(4);
    prefix.writeUInt32LE(len % 3 === 0 ? head.length : len);
    return new Uint8Array(Buffer.concat([prefix, head, payload]));
  }),
);

export const httpCases: fc.Arbitrary<HttpCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record(
      {
        kind: fc.constant('execute' as const),
        body: jsonBody,
        contentType: fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', ''),
        timeoutHeader: fc.option(headerValue, { nil: undefined }),
      },
      { requiredKeys: ['kind', 'body', 'contentType'] },
    ),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('raw' as const),
      body: fc.uint8Array({ maxLength: 2000 }),
      query: fc
        .tuple(headerValue, headerValue, fc.constantFrom('f32le', 's16le', 'mp3', ''), fc.option(manifestText, { nil: undefined }))
        .map(
          ([rate, channels, encoding, manifest]) =>
            `?sampleRate=${encodeURIComponent(rate)}&channels=${encodeURIComponent(channels)}&encoding=${encoding}${manifest ? `&manifest=${encodeURIComponent(manifest.slice(0, 4000))}` : ''}`,
        ),
      contentType: fc.constantFrom('application/octet-stream', 'audio/wav', 'application/json'),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('session' as const),
      manifest: manifestText,
      ops: fc.array(
        fc.record(
          {
            op: fc.constantFrom('input' as const, 'end' as const, 'output' as const, 'delete' as const),
            body: fc.option(
              fc.oneof(
                inputItem.map((i) => JSON.stringify(i)),
                fc.array(inputItem, { maxLength: 3 }).map((inputs) => JSON.stringify({ inputs })),
              ),
              { nil: undefined },
            ),
          },
          { requiredKeys: ['op'] },
        ),
        { maxLength: 5 },
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('path' as const),
      method: fc.constantFrom('GET', 'POST', 'DELETE', 'PUT', 'PATCH', 'OPTIONS'),
      path: fc
        .tuple(
          fc.constantFrom('/v1/sessions/', '/v1/', '/', '/v1/execute/', '/v1/sessions/x/'),
          pathSegment,
          fc.constantFrom('', '/input', '/output', '/end', '/ws'),
        )
        .map((p) => p.join('')),
      body: fc.string({ maxLength: 50 }),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('websocket' as const),
      path: fc.constantFrom('/v1/stream', '/v1/stream', '/v1/sessions/nope/ws'),
      frames: fc.array(wsFrame, { minLength: 1, maxLength: 8 }),
    }),
  },
);

const newAgent = () => new Agent({ connections: 8, headersTimeout: 20_000, bodyTimeout: 20_000 });
let agent = newAgent();

async function call(
  server: LiveServer,
  method: string,
  path: string,
  body: string | Uint8Array | undefined,
  headers: Record<string, string>,
  what: string,
): Promise<{ status: number; body: Buffer; problem?: string }> {
  const res = await request(server.url + path, { method: method as 'GET', body, headers, dispatcher: agent, signal: AbortSignal.timeout(20_000) });
  const buf = Buffer.from(await res.body.arrayBuffer());
  const problem = judgeHttpAnswer(res.statusCode, buf, what);
  return { status: res.statusCode, body: buf, ...(problem ? { problem } : {}) };
}

async function sendSession(server: LiveServer, c: Extract<HttpCase, { kind: 'session' }>): Promise<string | undefined> {
  const created = await call(
    server,
    'POST',
    '/v1/sessions',
    JSON.stringify({ manifest: c.manifest }),
    { 'content-type': 'application/json' },
    'POST /v1/sessions',
  );
  if (created.problem || created.status !== 201) return created.problem;
  const id = (JSON.parse(created.body.toString()) as { sessionId: string }).sessionId;
  try {
    for (const { op, body } of c.ops) {
      const path = `/v1/sessions/${encodeURIComponent(id)}`;
      if (op === 'output') {
        // SSE: read what arrives within a moment, then leave (the server must cope with that too).
        const res = await request(`${server.url}${path}/output`, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(1000) }).catch(
          () => undefined,
        );
        if (res && res.statusCode >= 400) return judgeHttpAnswer(res.statusCode, Buffer.from(await res.body.arrayBuffer()), 'GET output');
        await res?.body.arrayBuffer().catch(() => undefined);
        continue;
      }
      const r = await call(
        server,
        op === 'delete' ? 'DELETE' : 'POST',
        op === 'delete' ? path : `${path}/${op}`,
        op === 'input' ? (body ?? '{}') : undefined,
        op === 'input' ? { 'content-type': 'application/json' } : {},
        `${op} on a session`,
      );
      if (r.problem) return r.problem;
    }
  } finally {
    await call(server, 'DELETE', `/v1/sessions/${encodeURIComponent(id)}`, undefined, {}, 'DELETE').catch(() => undefined);
  }
  return undefined;
}

function sendWebSocket(server: LiveServer, c: Extract<HttpCase, { kind: 'websocket' }>): Promise<string | undefined> {
  return new Promise((resolve) => {
    const ws = new WebSocket(server.url.replace(/^http/, 'ws') + c.path, 'remotemedia.v1', { maxPayload: 4 << 20 });
    let problem: string | undefined;
    const done = () => {
      clearTimeout(timer);
      resolve(problem);
    };
    const timer = setTimeout(() => {
      ws.terminate();
      done();
    }, 3000);
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (d: Buffer) => chunks.push(d));
      res.on('end', () => {
        problem = judgeHttpAnswer(res.statusCode ?? 0, Buffer.concat(chunks), `WebSocket upgrade ${c.path}`);
        done();
      });
    });
    ws.on('error', () => undefined);
    ws.on('message', (data, isBinary) => {
      if (isBinary) return;
      let msg: { type?: string; error?: unknown };
      try {
        msg = JSON.parse(messageText(data)) as typeof msg;
      } catch {
        problem ??= `WebSocket: a text frame that is not JSON: ${messageText(data).slice(0, 100)}`;
        return;
      }
      if (msg.error !== undefined) problem ??= judgeErrorObject(msg.error, `WebSocket ${msg.type} frame`);
    });
    ws.on('open', () => {
      for (const f of c.frames) ws.send(f);
      // Give the server a moment to answer, then close; the session must end with the socket.
      setTimeout(() => ws.close(), 300);
    });
    ws.on('close', done);
  });
}

export const httpTarget: FuzzTarget<HttpCase> = {
  name: 'http',
  cases: httpCases,
  async warmUp(server) {
    const vad = { version: 'v1', metadata: { name: 'warm' }, nodes: [{ id: 'v', nodeType: 'SileroVAD' }] };
    const samples = Buffer.from(new Float32Array(1024).buffer).toString('base64');
    await call(
      server,
      'POST',
      '/v1/execute',
      JSON.stringify({ manifest: vad, inputs: [{ data: { kind: 'audio', samples, sampleRate: 16000, channels: 1 } }] }),
      { 'content-type': 'application/json' },
      'warm-up',
    );
  },
  async healthy(server) {
    return within(
      2000,
      request(`${server.url}/health`, { dispatcher: agent }).then(async (r) => (await r.body.arrayBuffer(), r.statusCode === 200)),
      () => false,
    ).catch(() => false);
  },
  async send(server, c) {
    switch (c.kind) {
      case 'execute':
        return (
          await call(
            server,
            'POST',
            '/v1/execute',
            c.body,
            {
              ...(c.contentType ? { 'content-type': c.contentType } : {}),
              ...(c.timeoutHeader !== undefined ? { 'x-remotemedia-timeout-ms': c.timeoutHeader } : {}),
            },
            'POST /v1/execute',
          )
        ).problem;
      case 'raw':
        return (await call(server, 'POST', `/v1/execute${c.query}`, c.body, { 'content-type': c.contentType }, 'POST /v1/execute (raw)')).problem;
      case 'session':
        return sendSession(server, c);
      case 'path':
        return (
          await call(server, c.method, c.path, c.method === 'GET' || c.method === 'OPTIONS' ? undefined : c.body, {}, `${c.method} ${c.path.slice(0, 80)}`)
        ).problem;
      case 'websocket':
        return sendWebSocket(server, c);
    }
  },
  async close() {
    await agent.close();
    agent = newAgent();
  },
};
