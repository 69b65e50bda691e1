// Issue 23: no request can crash, freeze or bloat the HTTP server. Real servers on loopback,
// real clients (raw net sockets, ws, fetch); every case is a client mistake or an attack that
// must end in a structured 4xx (or a closed connection) while the server keeps serving.
import { type Socket, connect } from 'node:net';
import type { Duplex } from 'node:stream';
import { type ServerMessage, encodeMessage } from '@remotemedia/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitUntil } from '@remotemedia/test-support';
import { type JsonBody, auth, chain, expectErrorShape, postJson, type Started, startServer, wsJson, wsMessage } from './helpers.js';

let s: Started | undefined;
afterEach(async () => {
  await s?.server.close({ graceMs: 200 });
  s = undefined;
});

const echo = chain('echo', ['p', 'PassThrough']);
const port = (started: Started) => Number(new URL(started.url).port);

/** Sends raw bytes on a fresh connection and resolves with everything the server answered once it closed. */
function rawRequest(started: Started, text: string | Buffer): Promise<{ status: number; headers: string; body: JsonBody }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port(started), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', reject);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      const cut = all.indexOf('\r\n\r\n');
      const bodyText = all.slice(cut + 4);
      resolve({ status: Number(all.split(' ')[1]), headers: all.slice(0, cut).toLowerCase(), body: bodyText ? JSON.parse(bodyText) : undefined });
    });
    socket.end(text);
  });
}

async function healthOk(started: Started): Promise<boolean> {
  const res = await fetch(`${started.url}/health`);
  return res.status === 200 && (await res.json()).status === 'serving';
}

/** A WebSocket session on the same server still works: start, one input, its output. */
async function wsRoundTrip(started: Started): Promise<string> {
  const ws = new WebSocket(`${started.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth });
  const messages: ServerMessage[] = [];
  ws.on('message', (raw, isBinary) => messages.push(wsMessage(raw, isBinary)));
  await new Promise((r) => ws.once('open', r));
  ws.send(encodeMessage({ type: 'start', manifest: echo }) as string);
  ws.send(encodeMessage({ type: 'input', id: 1, item: { data: { kind: 'text', text: 'still here' }, metadata: {} } }) as string);
  await waitUntil(() => messages.some((m) => m.type === 'output'), { what: 'an output on a second socket', timeoutMs: 10_000 });
  ws.close();
  const data = messages.find((m) => m.type === 'output')?.item.data;
  return data?.kind === 'text' ? data.text : `no text output: ${JSON.stringify(data)}`;
}

describe('WebSocket: frames that fail validation are bounded like any other (issue 23, item 5)', () => {
  it('a client that sends invalid frames and never reads is stopped by backpressure; the server keeps serving others', async () => {
    // The socket never sends `start`: its start deadline must not end it on a slow machine mid-test.
    s = await startServer({ webSocketStartTimeoutMs: 600_000 });
    let serverSocket: Duplex | undefined;
    s.server.server.on('upgrade', (_req, socket: Duplex) => (serverSocket ??= socket));
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth, perMessageDeflate: false });
    await new Promise((r) => ws.once('open', r));
    ws.pause(); // never reads: every ack the server writes stays in the kernel buffers, then in the server's

    // Each frame fails validation but carries an id, so the server answers it with an error ack
    // (~4x the frame's size).
    const FRAMES = 200_000;
    let sent = 0;
    for (let id = 1; id <= FRAMES; id++) {
      const frame = `{"type":"input","id":${id},"item":{"data":{"kind":"nope"}}}`;
      sent += frame.length + 6; // + the masked client frame header
      ws.send(frame);
    }
    // Wait until the server stops reading (its byte count holds still), or has read everything.
    let before = -1;
    // Steady = unchanged across one 250 ms interval: the pause is what is observed.
    await waitUntil(
      () => {
        const now = (serverSocket as Socket).bytesRead;
        const stable = now === before;
        before = now;
        return stable;
      },
      { what: 'the server to stop reading', timeoutMs: 30_000, intervalMs: 250 },
    );
    const read = (serverSocket as Socket).bytesRead;
    // Stopped long before the end: what it read is what the kernel buffers could take of its answers.
    expect(read).toBeLessThan(sent / 2);
    // And its own user-space send buffer is bounded (without backpressure it held every unsent ack).
    expect((serverSocket as Socket).writableLength).toBeLessThan(256 * 1024);

    // Others are served meanwhile.
    expect(await healthOk(s)).toBe(true);
    expect(await wsRoundTrip(s)).toBe('still here');

    // Reading again, the client gets an error ack for every frame, in order.
    let acks = 0;
    let inOrder = true;
    ws.on('message', (raw) => {
      const msg = wsJson(raw) as { type: string; id: number; error?: { code: string } };
      if (msg.type !== 'ack' || msg.error?.code !== 'invalid_argument' || msg.id !== acks + 1) inOrder = false;
      acks++;
    });
    ws.resume();
    await waitUntil(() => acks === FRAMES, { what: 'every error ack', timeoutMs: 60_000, observe: () => ({ acks, inOrder }) });
    expect(inOrder).toBe(true);
    ws.close();
  }, 120_000);
});

describe('WebSocket: queued frames are bounded in bytes too', () => {
  it('large inputs to a pipeline that is not taking them stop being read after 8 MiB, not 64 frames', async () => {
    s = await startServer();
    let serverSocket: Duplex | undefined;
    s.server.server.on('upgrade', (_req, socket: Duplex) => (serverSocket ??= socket));
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth, perMessageDeflate: false });
    const messages: ServerMessage[] = [];
    ws.on('message', (raw, isBinary) => messages.push(wsMessage(raw, isBinary)));
    await new Promise((r) => ws.once('open', r));
    // A node that takes one input and holds it: the session's send() blocks after that.
    const stuck = { version: 'v1', metadata: { name: 'stuck' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 60_000 }, queue: { capacity: 1 } }] };
    ws.send(encodeMessage({ type: 'start', manifest: stuck }) as string);
    await waitUntil(() => messages.some((m) => m.type === 'started'), { what: 'started' });
    const MiB = 1024 * 1024;
    const FRAMES = 48;
    const bytes = new Uint8Array(MiB);
    for (let id = 1; id <= FRAMES; id++) ws.send(encodeMessage({ type: 'input', id, item: { data: { kind: 'binary', bytes }, metadata: {} } }));
    let before = -1;
    // Steady = unchanged across one 250 ms interval: the pause is what is observed.
    await waitUntil(
      () => {
        const now = (serverSocket as Socket).bytesRead;
        const stable = now === before;
        before = now;
        return stable;
      },
      { what: 'the server to stop reading', timeoutMs: 30_000, intervalMs: 250 },
    );
    expect((serverSocket as Socket).bytesRead).toBeLessThan(24 * MiB);
    ws.terminate();
  }, 60_000);
});

describe('client mistakes are 400s naming the field, never 500 (issue 23, item 7)', () => {
  it('deadlines that are no positive integer of ms up to 2^31-1: body, header and WebSocket start', async () => {
    s = await startServer();
    for (const timeoutMs of [1e300, 0.5, 0, -5, '100', 2 ** 31]) {
      const res = await postJson(`${s.url}/v1/execute`, { manifest: echo, inputs: [], timeoutMs });
      expect(res.status, `timeoutMs ${timeoutMs}`).toBe(400);
      expectErrorShape(res.body);
      expect(res.body).toMatchObject({ code: 'invalid_argument', details: [{ path: 'timeoutMs' }] });
    }
    for (const header of ['1e20', '0.5', '0', '-1', 'soon', '2147483648', '99999999999999999999']) {
      const res = await postJson(`${s.url}/v1/execute`, { manifest: echo, inputs: [] }, { ...auth, 'x-remotemedia-timeout-ms': header });
      expect(res.status, `header ${header}`).toBe(400);
      expect(res.body).toMatchObject({ code: 'invalid_argument', reason: 'InvalidTimeout', details: [{ path: 'headers.x-remotemedia-timeout-ms' }] });
      const session = await postJson(`${s.url}/v1/sessions`, { manifest: echo }, { ...auth, 'x-remotemedia-timeout-ms': header });
      expect(session.status).toBe(400);
    }
    const session = await postJson(`${s.url}/v1/sessions`, { manifest: echo, timeoutMs: 1e300 });
    expect(session.body).toMatchObject({ code: 'invalid_argument', details: [{ path: 'timeoutMs' }] });
    // The largest allowed deadline works.
    expect((await postJson(`${s.url}/v1/execute`, { manifest: echo, inputs: [{ kind: 'text', text: 'x' }], timeoutMs: 2 ** 31 - 1 })).status).toBe(200);
    expect((await postJson(`${s.url}/v1/execute`, { manifest: echo, inputs: [] }, { ...auth, 'x-remotemedia-timeout-ms': '2147483647' })).status).toBe(200);

    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth });
    const messages: unknown[] = [];
    ws.on('message', (raw) => messages.push(wsJson(raw)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'start', manifest: echo, timeoutMs: 1e300 }));
    await waitUntil(() => messages.length > 0, { what: 'the error' });
    expect(messages[0]).toMatchObject({ type: 'error', error: { code: 'invalid_argument', details: [{ path: 'timeoutMs' }] } });
    expect(s.runner.activeSessionCount).toBe(0);
    expect(await healthOk(s)).toBe(true);
  });

  it('a malformed percent-encoding in a session path is a 400 naming the session id, over HTTP and WebSocket', async () => {
    s = await startServer();
    for (const [method, path] of [
      ['GET', '/v1/sessions/%E0%A4%A/output'],
      ['GET', '/v1/sessions/%ZZ'],
      ['DELETE', '/v1/sessions/%'],
      ['POST', '/v1/sessions/%C0%80x/input'],
    ] as const) {
      const res = await fetch(`${s.url}${path}`, { method, headers: auth, ...(method === 'POST' ? { body: '{}' } : {}) });
      expect(res.status, `${method} ${path}`).toBe(400);
      const body = await res.json();
      expectErrorShape(body);
      expect(body).toMatchObject({ code: 'invalid_argument', reason: 'MalformedPath', details: [{ path: 'sessionId' }] });
    }
    const upgrade = await rawRequest(
      s,
      `GET /v1/sessions/%E0%A4%A/ws HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: remotemedia.v1\r\n\r\n`,
    );
    expect(upgrade.status).toBe(400);
    expect(upgrade.body).toMatchObject({ code: 'invalid_argument', details: [{ path: 'sessionId' }] });
  });
});

describe('garbage on every path gets a structured 4xx and the server keeps serving (issue 23, item 4)', () => {
  const upgradeHeaders =
    'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Protocol: remotemedia.v1\r\n';
  const post = (path: string, type: string, body: Buffer | string) =>
    Buffer.concat([
      Buffer.from(
        `POST ${path} HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Type: ${type}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n`,
      ),
      Buffer.from(body),
    ]);
  const cases: Array<[string, string | Buffer, number, Record<string, unknown>?]> = [
    // An absolute-form target node:http accepts but URL cannot parse: was an unhandled rejection (process exit).
    ['unparseable absolute-form target', 'GET http://[bad/health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 400, { reason: 'MalformedRequestTarget' }],
    // The same on an upgrade: was an exception thrown in the 'upgrade' event (process exit).
    [
      'unparseable target on a WebSocket upgrade',
      `GET http://[bad/v1/stream HTTP/1.1\r\nHost: x\r\n${upgradeHeaders}\r\n`,
      400,
      { reason: 'MalformedRequestTarget' },
    ],
    ['upgrade on an unknown path', `GET /v1/nope HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n${upgradeHeaders}\r\n`, 404],
    [
      'invalid UTF-8 in a JSON body',
      post(
        '/v1/execute',
        'application/json',
        Buffer.concat([Buffer.from('{"manifest":{},"inputs":[{"kind":"text","text":"'), Buffer.from([0xff, 0xfe]), Buffer.from('"}]}')]),
      ),
      400,
      { details: [{ path: 'body' }] },
    ],
    ['truncated JSON', post('/v1/execute', 'application/json', '{"manifest":'), 400, { reason: 'MalformedJson' }],
    ['a JSON array body', post('/v1/sessions', 'application/json', '[1,2]'), 400],
    ['an unsupported content-type', post('/v1/execute', 'text/html', '<b>'), 400, { details: [{ path: 'headers.content-type' }] }],
    [
      'a bad chunked body',
      `POST /v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\nzz\r\n`,
      400,
    ],
    ['headers too large', `GET /health HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(64 * 1024)}\r\n\r\n`, 431],
    ['not HTTP at all', '\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello to a plain port\r\n\r\n', 400],
    ['an unknown route', 'GET /v2/anything?x=%ZZ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', 404],
    ['a wrong method', 'PUT /v1/execute HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 405],
  ];
  it.each(cases)('%s', async (_name, request, status, match) => {
    s = await startServer();
    const res = await rawRequest(s, request);
    expect(res.status).toBe(status);
    expectErrorShape(res.body);
    if (match) expect(res.body).toMatchObject(match);
    expect(await healthOk(s)).toBe(true);
  });
});

describe('WebSocket messages with fields of the wrong type are 4xx errors, never a crash', () => {
  /** Opens /v1/stream, sends `frames`, resolves with what came back and the close code. */
  async function exchange(started: Started, frames: string[]): Promise<{ messages: unknown[]; code: number }> {
    const ws = new WebSocket(`${started.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth });
    const messages: unknown[] = [];
    ws.on('message', (raw) => messages.push(wsJson(raw)));
    await new Promise((r) => ws.once('open', r));
    for (const f of frames) ws.send(f);
    const code = await new Promise<number>((r) => ws.once('close', r));
    return { messages, code };
  }

  it.each([
    ['close with an object reason (threw in the close handler: an unhandled rejection)', '{"type":"close","reason":{}}', 'reason'],
    ['attach with an object session id', '{"type":"attach","sessionId":{}}', 'sessionId'],
    ['start without a manifest', '{"type":"start"}', 'manifest'],
    ['an unknown type', '{"type":"nope"}', 'type'],
  ])('%s', async (_name, frame, path) => {
    s = await startServer();
    const { messages } = await exchange(s, [frame]);
    expect(messages).toEqual([
      expect.objectContaining({
        type: 'error',
        error: expect.objectContaining({ code: 'invalid_argument', reason: 'BadFrame', details: [expect.objectContaining({ path })] }),
      }),
    ]);
    expect(await healthOk(s)).toBe(true);
  });

  it('a close reason longer than a close frame takes (123 bytes of UTF-8) closes the socket normally', async () => {
    s = await startServer();
    const { code } = await exchange(s, [
      encodeMessage({ type: 'start', manifest: echo }) as string,
      JSON.stringify({ type: 'close', reason: 'é'.repeat(120) }),
    ]);
    expect(code).toBe(1000);
    await waitUntil(() => s!.server.sessionCount === 0, { what: 'the session to close' });
    expect(await healthOk(s)).toBe(true);
  });
});

describe('slow clients and shutdown (issue 23, item 10)', () => {
  it('slowloris: sockets sending headers a byte at a time are answered 408 and closed, even if they ignore the FIN; /health answers meanwhile', async () => {
    s = await startServer({ headersTimeoutMs: 500 });
    const request = 'GET /health HTTP/1.1\r\nHost: x\r\n' + 'X-Slow: a\r\n'.repeat(1000);
    const SOCKETS = 20;
    const closed: boolean[] = [];
    const answers: string[] = [];
    const sockets = Array.from({ length: SOCKETS }, (_, i) => {
      // allowHalfOpen: like an attacker's client, keep writing after the server's FIN.
      const socket = connect({ port: port(s!), host: '127.0.0.1', allowHalfOpen: true });
      let at = 0;
      answers[i] = '';
      const timer = setInterval(() => {
        if (socket.destroyed) return clearInterval(timer);
        socket.write(request[at++ % request.length]);
      }, 20);
      socket.on('data', (d: Buffer) => (answers[i] += d.toString()));
      socket.on('error', () => {});
      socket.on('close', () => {
        clearInterval(timer);
        closed[i] = true;
      });
      return socket;
    });
    // The server answers everyone else while the slow sockets hang on.
    for (let i = 0; i < 5; i++) expect(await healthOk(s)).toBe(true);
    await waitUntil(() => closed.filter(Boolean).length === SOCKETS, { what: 'the server to close every slow socket', timeoutMs: 20_000 });
    expect(answers.every((a) => a.startsWith('HTTP/1.1 408'))).toBe(true);
    expect(JSON.parse(answers[0].slice(answers[0].indexOf('\r\n\r\n') + 4))).toMatchObject({ code: 'deadline_exceeded', reason: 'RequestTimeout' });
    for (const socket of sockets) socket.destroy();
    expect(await healthOk(s)).toBe(true);
  }, 30_000);

  it('a WebSocket that never starts a session is told why and closed (1008); one that starts is not', async () => {
    s = await startServer({ webSocketStartTimeoutMs: 300 });
    const url = `${s.url.replace('http', 'ws')}/v1/stream`;
    const idle = new WebSocket(url, ['remotemedia.v1'], { headers: auth });
    const messages: unknown[] = [];
    idle.on('message', (raw) => messages.push(wsJson(raw)));
    const code = await new Promise<number>((resolve) => idle.once('close', resolve));
    expect(code).toBe(1008);
    expect(messages).toEqual([
      expect.objectContaining({ type: 'error', error: expect.objectContaining({ code: 'deadline_exceeded', reason: 'StartTimeout' }) }),
    ]);
    // Started in time, then quiet for longer than the start timeout: still open and working.
    const started = new WebSocket(url, ['remotemedia.v1'], { headers: auth });
    const got: ServerMessage[] = [];
    started.on('message', (raw, isBinary) => got.push(wsMessage(raw, isBinary)));
    await new Promise((r) => started.once('open', r));
    started.send(encodeMessage({ type: 'start', manifest: echo }) as string);
    await waitUntil(() => got.some((m) => m.type === 'started'), { what: 'started' });
    await new Promise((r) => setTimeout(r, 600)); // kept: quiet for longer than webSocketStartTimeoutMs (300) is the case under test
    started.send(encodeMessage({ type: 'input', id: 1, item: { data: { kind: 'text', text: 'late' }, metadata: {} } }));
    await waitUntil(() => got.some((m) => m.type === 'output'), { what: 'the output' });
    expect(started.readyState).toBe(WebSocket.OPEN);
    started.close();
  });

  it('a slow request body is cut by requestTimeoutMs; a slow answer is not', async () => {
    s = await startServer({ headersTimeoutMs: 300, requestTimeoutMs: 600 });
    const socket = connect(port(s), '127.0.0.1');
    let answer = '';
    socket.on('data', (d: Buffer) => (answer += d.toString()));
    const closed = new Promise((r) => socket.on('close', r));
    socket.write(
      `POST /v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`,
    );
    const timer = setInterval(() => socket.writable && socket.write(' '), 50);
    await closed;
    clearInterval(timer);
    expect(answer).toMatch(/^HTTP\/1.1 408/);
    // A pipeline that takes longer than requestTimeoutMs to answer is fine: the request itself arrived in time.
    const slow = await postJson(`${s.url}/v1/execute`, { manifest: chain('slow', ['s', 'Sleep', { ms: 1500 }]), inputs: [{ kind: 'text', text: 'x' }] });
    expect(slow.status).toBe(200);
  }, 30_000);

  it('graceful shutdown: new connections get 503 with retry-after (not a refused connection) while a session finishes', async () => {
    s = await startServer();
    const created = await postJson(`${s.url}/v1/sessions`, { manifest: echo });
    const id = created.body.sessionId as string;
    const closing = s.server.close({ graceMs: 20_000 });
    await waitUntil(async () => (await rawRequest(s!, 'GET /health HTTP/1.1\r\nHost: x\r\n\r\n')).status === 503, { what: 'health to say not serving' });
    const refused = await rawRequest(
      s,
      `POST /v1/execute HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}`,
    );
    expect(refused.status).toBe(503);
    expect(refused.headers).toContain('retry-after: 20');
    expect(refused.body).toMatchObject({ code: 'unavailable', reason: 'ShuttingDown' });
    const upgrade = await rawRequest(
      s,
      `GET /v1/stream HTTP/1.1\r\nHost: x\r\nAuthorization: ${auth.authorization}\r\n${'Connection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n'}\r\n`,
    );
    expect(upgrade.status).toBe(503);
    expect(upgrade.headers).toContain('retry-after: 20');
    // The running session still takes input and finishes.
    expect((await postJson(`${s.url}/v1/sessions/${id}/input`, { kind: 'text', text: 'last' })).status).toBe(202);
    expect((await postJson(`${s.url}/v1/sessions/${id}/end`, {})).status).toBe(202);
    const sse = await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: auth });
    expect(await sse.text()).toContain('"text":"last"');
    await closing;
    await expect(fetch(`${s.url}/health`)).rejects.toThrow();
    s = undefined;
  }, 30_000);
});
