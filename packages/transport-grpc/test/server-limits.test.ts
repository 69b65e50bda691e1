import http2 from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { ExecutePipelineRequestSchema } from '@remotemedia/protocol';
import { Code, RemoteMediaError, audio, text } from '@remotemedia/runtime-core';
import { afterEach, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';
import { TOKEN, passThrough, startServer } from './helpers.js';

type Ctx = Awaited<ReturnType<typeof startServer>>;
const servers: Ctx[] = [];
const clients: Array<{ close(): Promise<void> }> = [];
async function setup(options: Parameters<typeof startServer>[0] = {}, token: string | undefined = TOKEN) {
  const ctx = await startServer(options);
  servers.push(ctx);
  const client = createGrpcPipelineClient({ baseUrl: ctx.url, token });
  clients.push(client);
  return { ...ctx, client };
}
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await Promise.all(servers.splice(0).map((s) => s.server.close()));
});

async function failure(p: Promise<unknown>): Promise<RemoteMediaError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(RemoteMediaError);
  return e as RemoteMediaError;
}

/** One raw gRPC unary call over node:http2: returns grpc-status and grpc-message. */
async function rawGrpc(url: string, path: string, body: Uint8Array, headers: Record<string, string> = {}) {
  const session = http2.connect(url);
  try {
    const frame = Buffer.alloc(5 + body.length);
    frame.writeUInt32BE(body.length, 1);
    frame.set(body, 5);
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${TOKEN}`,
      ...headers,
    });
    const result = await new Promise<{ status: number; message: string }>((resolve, reject) => {
      let status = -1;
      let message = '';
      const take = (h: http2.IncomingHttpHeaders) => {
        if (h['grpc-status'] !== undefined) status = Number(h['grpc-status']);
        if (h['grpc-message'] !== undefined) message = decodeURIComponent(String(h['grpc-message']));
      };
      req.on('response', take);
      req.on('trailers', take);
      req.on('data', () => {});
      req.on('end', () => resolve({ status, message }));
      req.on('error', reject);
      req.end(frame);
    });
    return result;
  } finally {
    session.close();
  }
}

describe('auth', () => {
  it('accepts the configured token and rejects others, naming no token', async () => {
    const { client, url } = await setup();
    expect(await client.execute(passThrough(), [text('ok')])).toHaveLength(1);
    const wrong = createGrpcPipelineClient({ baseUrl: url, token: 'guess' });
    clients.push(wrong);
    const e = await failure(wrong.execute(passThrough(), [text('x')]));
    expect(e.code).toBe(Code.Unauthenticated);
    expect(e.message).not.toContain('guess');
    expect(e.message).not.toContain(TOKEN);
  });

  it('runs without auth when no tokens are configured', async () => {
    const { client } = await setup({ authTokens: [] }, undefined);
    expect(await client.execute(passThrough(), [text('open')])).toHaveLength(1);
    const version = await client.version();
    expect(version.protocolVersion).toBe('v1');
    expect(version.nodeTypes).toEqual(expect.arrayContaining(['PassThrough', 'AudioChunker', 'Sleep']));
  });

  it('refuses requireAuth without tokens at construction', async () => {
    await expect(startServer({ authTokens: [], requireAuth: true })).rejects.toThrow(/requireAuth is set but no authTokens/);
  });
});

describe('limits', () => {
  it('oversized messages are RESOURCE_EXHAUSTED naming the limit, and the server keeps serving', async () => {
    const { client } = await setup({ limits: { maxMessageBytes: 64 * 1024 } });
    const big = audio(new Float32Array(100_000), 16_000);
    const e = await failure(client.execute(passThrough(), [big]));
    expect(e.code).toBe(Code.ResourceExhausted);
    expect(e.message).toMatch(/maxMessageBytes=65536|65536/);
    const session = await client.stream(passThrough());
    await session.send(big).catch(() => {});
    expect((await failure(session.recv())).code).toBe(Code.ResourceExhausted);
    expect(await client.execute(passThrough(), [text('small')])).toHaveLength(1);
  });

  it('maxNodesPerManifest is INVALID_ARGUMENT naming the limit', async () => {
    const { client } = await setup({ limits: { maxNodesPerManifest: 2 } });
    const manifest = { version: 'v1' as const, metadata: { name: 'n3' }, nodes: ['a', 'b', 'c'].map((id) => ({ id, nodeType: 'PassThrough' })) };
    const e = await failure(client.execute(manifest, [text('x')]));
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.message).toContain('maxNodesPerManifest=2');
    expect((await failure(client.stream(manifest))).message).toContain('maxNodesPerManifest=2');
  });

  it('maxConcurrentSessions is RESOURCE_EXHAUSTED naming the limit; a freed slot is reusable', async () => {
    const { client } = await setup({ limits: { maxConcurrentSessions: 2 } });
    const a = await client.stream(passThrough());
    const b = await client.stream(passThrough());
    const e = await failure(client.stream(passThrough()));
    expect(e.code).toBe(Code.ResourceExhausted);
    expect(e.message).toContain('maxConcurrentSessions=2');
    expect((await failure(client.execute(passThrough(), [text('x')]))).code).toBe(Code.ResourceExhausted);
    await a.end();
    const c = await client.stream(passThrough());
    await Promise.all([b.end(), c.end()]);
  });

  it('a client that vanishes mid-stream frees its session slot', async () => {
    const { server, url } = await setup({ limits: { maxConcurrentSessions: 1 } });
    const doomed = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
    const slow = { version: 'v1' as const, metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 10_000 } }] };
    const session = await doomed.stream(slow);
    await session.send(text('in flight'));
    expect(server.activeCalls).toBe(1);
    await doomed.close();
    await expect.poll(() => server.activeCalls).toBe(0);
    const again = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
    clients.push(again);
    await (await again.stream(passThrough())).end();
  });

  it('requestTimeoutMs is DEADLINE_EXCEEDED naming the limit', async () => {
    const { client } = await setup({ limits: { requestTimeoutMs: 200 } });
    const slow = { version: 'v1' as const, metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 10_000 } }] };
    const e = await failure(client.execute(slow, [text('x')]));
    expect(e.code).toBe(Code.DeadlineExceeded);
    expect(e.message).toContain('requestTimeoutMs=200');
  });
});

describe('malformed requests', () => {
  it('garbage protobuf bytes get an error status, not a crash', async () => {
    const { url, client } = await setup();
    const res = await rawGrpc(url, '/remotemedia.v1.PipelineExecutionService/ExecutePipeline', new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]));
    expect(res.status).toBe(Code.InvalidArgument);
    expect(res.message).toMatch(/^request is not a valid ExecutePipelineRequest: /);
    expect(await client.execute(passThrough(), [text('still serving')])).toHaveLength(1);
  });

  it('a DataBuffer with an unknown enum is INVALID_ARGUMENT naming the field', async () => {
    const { url } = await setup();
    const body = toBinary(
      ExecutePipelineRequestSchema,
      create(ExecutePipelineRequestSchema, {
        manifest: JSON.stringify(passThrough()),
        inputs: [{ data: { data: { case: 'video', value: { pixelFormat: 77 as never } } } }],
      }),
    );
    const res = await rawGrpc(url, '/remotemedia.v1.PipelineExecutionService/ExecutePipeline', body);
    expect(res.status).toBe(Code.InvalidArgument);
    expect(res.message).toContain('inputs[0].data.video.pixel_format');
  });

  it('an unknown method is UNIMPLEMENTED', async () => {
    const { url } = await setup();
    expect((await rawGrpc(url, '/remotemedia.v1.PipelineExecutionService/Nope', new Uint8Array())).status).toBe(Code.Unimplemented);
  });

  it('bad manifests list every problem; empty and unparsable ones say so', async () => {
    const { client } = await setup();
    const e = await failure(
      client.execute({ version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'a', nodeType: 'Nope' }], connections: [{ from: 'a', to: 'ghost' }] }, []),
    );
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.details.map((d) => d.path)).toEqual(expect.arrayContaining(['nodes[0].nodeType', 'connections[0].to']));
    expect((await failure(client.execute('', []))).message).toMatch(/manifest is empty/);
    expect((await failure(client.execute('{"version": ', []))).message).toMatch(/not valid JSON/);
    const yaml = 'version: v1\nmetadata: { name: y }\nnodes:\n  - id: p\n    nodeType: PassThrough\n';
    expect(await client.execute(yaml, [text('yaml works')])).toHaveLength(1);
  });
});

describe('observability', () => {
  it('serves Prometheus /metrics with request counters and per-node pipeline metrics', async () => {
    const { client, server } = await setup({ metricsPort: 0 });
    const session = await client.stream(passThrough('metered'));
    await session.send(text('a'));
    await session.recv();
    await client.execute(passThrough(), [text('b')]);
    // With auth configured, /metrics takes a token like every pipeline call (see metricsPublic).
    const withToken = { headers: { authorization: `Bearer ${TOKEN}` } };
    const body = await (await fetch(`${server.metricsAddress!.url}/metrics`, withToken)).text();
    expect(body).toMatch(/remotemedia_grpc_requests_total\{procedure="remotemedia.v1.PipelineExecutionService\/ExecutePipeline",protocol="grpc",code="OK"\} 1/);
    expect(body).toMatch(/remotemedia_grpc_active_sessions 1/);
    expect(body).toContain('metered');
    expect((await fetch(`${server.metricsAddress!.url}/nope`)).status).toBe(404);
    await session.end();
    await expect
      .poll(async () => (await fetch(`${server.metricsAddress!.url}/metrics`, withToken)).text())
      .toMatch(/remotemedia_grpc_requests_total\{procedure="remotemedia.v1.StreamingPipelineService\/StreamPipeline",protocol="grpc",code="OK"\} 1/);
  });

  it('sends per-session metrics in the stream', async () => {
    const { url } = await setup();
    const client = createGrpcPipelineClient({ baseUrl: url, token: TOKEN, metricsIntervalMs: 1 });
    clients.push(client);
    const session = await client.stream(passThrough('m'));
    for (let i = 0; i < 5; i++) await session.send(text(String(i)));
    const reading = (async () => {
      for await (const _ of session.outputs);
    })();
    await session.end();
    await reading;
    const m = session.metrics();
    expect(m.sessionId).toBe(session.sessionId);
    expect(m.inputs).toBe(5);
    expect(m.nodes[0]).toMatchObject({ nodeId: 'p', nodeType: 'PassThrough', itemsIn: 5, itemsOut: 5 });
  });
});
