import { Code, RemoteMediaError, type StreamSession } from '@remotemedia/runtime-core';
import { type ServerMessage, createHttpPipelineClient, encodeMessage } from '@remotemedia/transport-http';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitUntil } from '@remotemedia/test-support';
import { TOKEN, auth, chain, postJson, type Started, startServer, wsMessage } from './helpers.js';

let s: Started | undefined;
afterEach(async () => {
  await s?.server.close({ graceMs: 200 });
  s = undefined;
});

const slow = chain('slow', ['s', 'Sleep', { ms: 10_000 }]);
const noLeaks = async (started: Started) => {
  await waitUntil(() => started.runner.activeSessionCount === 0, { what: 'runner sessions to be cleaned up' });
  await waitUntil(() => started.server.sessionCount === 0, { what: 'server sessions to be cleaned up' });
};

describe('http server: streaming sessions', () => {
  for (const streaming of ['websocket', 'sse'] as const) {
    it(`100 concurrent ${streaming} sessions each get exactly their own outputs`, async () => {
      s = await startServer();
      const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN, streaming });
      const manifest = chain('many', ['calc', 'Calculator', { operation: 'add', operand: 1000 }]);
      const sessions: StreamSession[] = await Promise.all(Array.from({ length: 100 }, () => client.stream(manifest)));
      expect(s.runner.activeSessionCount).toBe(100);
      const results = await Promise.all(
        sessions.map(async (session, i) => {
          const got: unknown[] = [];
          const reading = (async () => {
            for await (const out of session.outputs) got.push((out.data as { value: unknown }).value);
          })();
          for (let k = 0; k < 3; k++) await session.send({ kind: 'json', value: i * 10 + k });
          await session.end();
          await reading;
          return got;
        }),
      );
      results.forEach((got, i) => expect(got).toEqual([1000 + i * 10, 1001 + i * 10, 1002 + i * 10]));
      await noLeaks(s);
      await client.close();
    });
  }

  it('a WebSocket client vanishing mid-stream closes its session', async () => {
    s = await startServer();
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1'], { headers: auth });
    const messages: ServerMessage[] = [];
    ws.on('message', (raw, isBinary) => messages.push(wsMessage(raw, isBinary)));
    await new Promise((r) => ws.once('open', r));
    ws.send(encodeMessage({ type: 'start', manifest: chain('mid', ['p', 'PassThrough'], ['s', 'Sleep', { ms: 10_000 }]) }) as string);
    for (let id = 1; id <= 3; id++)
      ws.send(
        encodeMessage({
          type: 'input',
          id,
          item: { data: { kind: 'audio', samples: new Float32Array(160).fill(0.1), sampleRate: 16000, channels: 1 }, metadata: {} },
        }),
      );
    await waitUntil(() => messages.filter((m) => m.type === 'ack').length === 3, { what: 'acks' });
    expect(messages[0]).toMatchObject({ type: 'started' });
    expect(s.runner.activeSessionCount).toBe(1);
    ws.terminate(); // no close frame: the TCP connection just goes away
    await noLeaks(s);
  });

  it('an SSE reader disconnecting mid-stream closes its session', async () => {
    s = await startServer();
    const created = await postJson(`${s.url}/v1/sessions`, { manifest: chain('sse-mid', ['p', 'PassThrough'], ['s', 'Sleep', { ms: 50 }]) });
    const id = created.body.sessionId;
    const controller = new AbortController();
    const res = await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: auth, signal: controller.signal });
    const reader = res.body!.getReader();
    await postJson(`${s.url}/v1/sessions/${id}/input`, { inputs: Array.from({ length: 20 }, (_, i) => ({ kind: 'json', value: i })) });
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toContain('event: output');
    controller.abort();
    await noLeaks(s);
    expect((await postJson(`${s.url}/v1/sessions/${id}/input`, { kind: 'json', value: 1 })).status).toBe(404);
  });

  it('a client aborting a unary call mid-flight cancels it on the server', async () => {
    s = await startServer();
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const controller = new AbortController();
    const call = client.execute(slow, [{ kind: 'text', text: 'x' }], { signal: controller.signal });
    await waitUntil(() => s!.runner.activeSessionCount === 1, { what: 'the call to start' });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: Code.Canceled });
    await noLeaks(s);
    await client.close();
  });

  it('idle sessions expire', async () => {
    s = await startServer({ sessionIdleTimeoutMs: 150 });
    const created = await postJson(`${s.url}/v1/sessions`, { manifest: chain('idle', ['p', 'PassThrough']) });
    expect(created.status).toBe(201);
    await noLeaks(s);
    const res = await fetch(`${s.url}/v1/sessions/${created.body.sessionId}`, { headers: auth });
    expect(res.status).toBe(404);
    expect(await fetch(`${s.url}/metrics`, { headers: auth }).then((r) => r.text())).toMatch(/remotemedia_http_sessions_expired_total 1/);
  });

  it('429 beyond maxSessions, for HTTP and WebSocket sessions alike', async () => {
    s = await startServer({ maxSessions: 2 });
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const a = await client.stream(chain('a', ['p', 'PassThrough']));
    const b = await postJson(`${s.url}/v1/sessions`, { manifest: chain('b', ['p', 'PassThrough']) });
    expect(b.status).toBe(201);
    const c = await postJson(`${s.url}/v1/sessions`, { manifest: chain('c', ['p', 'PassThrough']) });
    expect(c.status).toBe(429);
    expect(c.body.code).toBe('resource_exhausted');
    await expect(client.stream(chain('d', ['p', 'PassThrough']))).rejects.toMatchObject({ code: Code.ResourceExhausted });
    await a.close();
    expect((await fetch(`${s.url}/v1/sessions/${b.body.sessionId}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await noLeaks(s);
    await client.close();
  });

  it('one reader per session: a second output stream is refused', async () => {
    s = await startServer();
    const created = await postJson(`${s.url}/v1/sessions`, { manifest: chain('one', ['p', 'PassThrough']) });
    const controller = new AbortController();
    const first = await fetch(`${s.url}/v1/sessions/${created.body.sessionId}/output`, { headers: auth, signal: controller.signal });
    expect(first.status).toBe(200);
    const second = await fetch(`${s.url}/v1/sessions/${created.body.sessionId}/output`, { headers: auth });
    expect(second.status).toBe(409);
    controller.abort();
    await noLeaks(s);
  });

  it('malformed WebSocket frames are answered with errors; the socket session survives bad inputs', async () => {
    s = await startServer();
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/stream`, ['remotemedia.v1', `bearer.${TOKEN}`]);
    const messages: ServerMessage[] = [];
    ws.on('message', (raw, isBinary) => messages.push(wsMessage(raw, isBinary)));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'start', manifest: chain('frames', ['p', 'PassThrough']) }));
    ws.send(JSON.stringify({ type: 'input', id: 1, item: { data: { kind: 'audio', samples: 'AAAAAA==', sampleRate: -1, channels: 1 }, metadata: {} } }));
    const frame = encodeMessage({ type: 'input', id: 2, item: { data: { kind: 'text', text: 'ok' }, metadata: {} } });
    ws.send(frame as string);
    await waitUntil(() => messages.length >= 4, { what: 'answers' });
    expect(messages[0].type).toBe('started');
    expect(messages[1]).toMatchObject({ type: 'ack', id: 1, error: { code: 'invalid_argument', details: [{ path: 'item.data.sampleRate' }] } });
    expect(messages[2]).toMatchObject({ type: 'ack', id: 2 });
    expect(messages[3]).toMatchObject({ type: 'output', item: { data: { kind: 'text', text: 'ok' } } });
    const closed = new Promise((r) => ws.once('close', r));
    ws.send('not json');
    await closed;
    expect(messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'invalid_argument' } });
    await noLeaks(s);
  });

  it('streams binary audio frames both ways without loss', async () => {
    s = await startServer();
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const session = await client.stream(chain('audio', ['p', 'PassThrough']));
    const samples = Float32Array.from({ length: 4800 }, (_, i) => Math.sin(i / 10));
    await session.send({ data: { kind: 'audio', samples, sampleRate: 48000, channels: 2, timestampUs: 5 }, metadata: { n: '1' } });
    const out = await session.recv();
    expect(out!.data).toEqual({ kind: 'audio', samples, sampleRate: 48000, channels: 2, timestampUs: 5 });
    expect(out!.metadata.n).toBe('1');
    await session.end();
    await client.close();
    await noLeaks(s);
  });

  it('graceful shutdown: refuses new work, lets sessions finish within the bound, then closes them', async () => {
    s = await startServer();
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const session = await client.stream(slow);
    await session.send({ kind: 'text', text: 'x' });
    const reading = session.recv().catch((e: unknown) => e);
    const closing = s.server.close({ graceMs: 300 });
    await waitUntil(
      async () =>
        (await fetch(`${s!.url}/health`)
          .then((r) => r.status)
          .catch(() => 0)) !== 200,
      { what: 'health to report not serving' },
    );
    await closing;
    expect(s.runner.activeSessionCount).toBe(0);
    const result = await reading;
    expect(result === undefined || result instanceof RemoteMediaError).toBe(true);
    await expect(client.execute(slow, [])).rejects.toMatchObject({ code: Code.Unavailable });
    await client.close();
  });

  it('a reader is told why the server closed its session: expiry over SSE, DELETE over an attached WebSocket', async () => {
    s = await startServer({ sessionIdleTimeoutMs: 150 });
    const sse = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN, streaming: 'sse' });
    const idle = await sse.stream(chain('idle-reader', ['p', 'PassThrough']));
    await expect(idle.recv()).rejects.toMatchObject({ code: Code.DeadlineExceeded, reason: 'SessionExpired' });
    await sse.close();

    const created = await postJson(`${s.url}/v1/sessions`, { manifest: chain('attached', ['p', 'PassThrough']) });
    const id = created.body.sessionId as string;
    const ws = new WebSocket(`${s.url.replace('http', 'ws')}/v1/sessions/${id}/ws`, ['remotemedia.v1'], { headers: auth });
    const messages: ServerMessage[] = [];
    ws.on('message', (raw, isBinary) => messages.push(wsMessage(raw, isBinary)));
    const closed = new Promise((r) => ws.once('close', r));
    await waitUntil(() => messages.length === 1, { what: 'started' });
    expect(messages[0]).toEqual({ type: 'started', sessionId: id });
    ws.send(encodeMessage({ type: 'input', id: 1, item: { data: { kind: 'text', text: 'hi' }, metadata: {} } }));
    await waitUntil(() => messages.some((m) => m.type === 'output'), { what: 'output' });
    expect((await fetch(`${s.url}/v1/sessions/${id}/output`, { headers: auth })).status).toBe(409); // the socket is the reader
    expect((await fetch(`${s.url}/v1/sessions/${id}`, { method: 'DELETE', headers: auth })).status).toBe(204);
    await closed;
    expect(messages.at(-1)).toMatchObject({ type: 'error', error: { code: 'canceled' } });
    await noLeaks(s);
  });

  it('deadlines: the timeout header makes the server answer 504, and the client reports DeadlineExceeded', async () => {
    s = await startServer();
    const res = await fetch(`${s.url}/v1/execute`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json', 'x-remotemedia-timeout-ms': '100' },
      body: JSON.stringify({ manifest: slow, inputs: [{ kind: 'text', text: 'x' }] }),
    });
    expect(res.status).toBe(504);
    expect((await res.json()).code).toBe('deadline_exceeded');
    await noLeaks(s);
  });

  it('createTransportClient (the shared loader contract) works through a dynamic import', async () => {
    s = await startServer();
    const mod = (await import('@remotemedia/transport-http')) as {
      createTransportClient(o: { endpoint: string; authToken?: string; timeoutMs?: number }): import('@remotemedia/runtime-core').PipelineClient;
    };
    const client = mod.createTransportClient({ endpoint: s.url, authToken: TOKEN, timeoutMs: 5000 });
    expect((await client.health()).status).toBe('serving');
    const outs = await client.execute(chain('loader', ['c', 'Calculator', { operation: 'add', operand: 1 }]), [{ kind: 'json', value: 1 }]);
    expect(outs.map((o) => o.data)).toEqual([{ kind: 'json', value: 2 }]);
    await client.close();
  });

  it('a WebSocket message over maxBodyBytes fails with ResourceExhausted and frees the session', async () => {
    s = await startServer({ maxBodyBytes: 64 * 1024 });
    const client = createHttpPipelineClient({ baseUrl: s.url, token: TOKEN });
    const session = await client.stream(chain('big', ['p', 'PassThrough']));
    await session.send({ kind: 'binary', bytes: new Uint8Array(1024) });
    expect(await session.recv()).toBeDefined();
    await expect(session.send({ kind: 'binary', bytes: new Uint8Array(100 * 1024) })).rejects.toMatchObject({ code: Code.ResourceExhausted });
    await noLeaks(s);
    await client.close();
  });
});
