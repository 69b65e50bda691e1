// Issue 20: a client is a PipelineTransport, so a client can be served directly. Server B serves a
// gRPC client of server A: a proxy is `createGrpcServer({ pipeline: client })`.
import { Code, RemoteMediaError, json } from '@remotemedia/runtime-core';
import { describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcPipelineClient, type GrpcServer, createGrpcPipelineClient, createGrpcServer } from '../src/index.js';
import { TOKEN, startServer } from './helpers.js';

const silent = pino({ level: 'silent' });
const calc = { version: 'v1' as const, metadata: { name: 'calc' }, nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }] };
const failing = {
  version: 'v1' as const,
  metadata: { name: 'failing' },
  nodes: [
    { id: 'in', nodeType: 'PassThrough' },
    { id: 'fail', nodeType: 'FailOn', params: { match: 'bad' } },
  ],
  connections: [{ from: 'in', to: 'fail' }],
};

describe('a gRPC client served by a gRPC server (proxy: client -> B -> A)', () => {
  let serverA: Awaited<ReturnType<typeof startServer>>;
  let upstream: GrpcPipelineClient;
  let proxy: GrpcServer;
  let client: GrpcPipelineClient;

  beforeAll(async () => {
    serverA = await startServer();
    upstream = createGrpcPipelineClient({ baseUrl: serverA.url, token: TOKEN });
    proxy = createGrpcServer({
      pipeline: upstream,
      authTokens: ['proxy-token-0123456789'],
      bindAddress: '127.0.0.1:0',
      logger: silent,
      shutdownGraceMs: 500,
      shutdownFlushMs: 500,
    });
    const { url } = await proxy.listen();
    client = createGrpcPipelineClient({ baseUrl: url, token: 'proxy-token-0123456789' });
  });
  afterAll(async () => {
    await client?.close();
    await proxy?.close({ graceMs: 0 });
    await upstream?.close();
    await serverA?.server.close({ graceMs: 0 });
  });

  it('execute runs on A and answers through B', async () => {
    const outputs = await client.execute(calc, [json(1), json(2)]);
    expect(outputs.map((o) => o.data)).toEqual([json(6), json(7)].map((d) => expect.objectContaining(d)));
  });

  it('a stream session runs on A: send, outputs in order, end', async () => {
    const session = await client.stream(calc);
    await session.send(json(10));
    await session.send(json(20));
    const ended = session.end();
    const values: unknown[] = [];
    for await (const out of session.outputs) values.push(out.data.kind === 'json' ? out.data.value : out.data.kind);
    await ended;
    expect(values).toEqual([15, 25]);
    expect(session.isActive).toBe(false);
  });

  it("A's node failure crosses both hops with its code, node id and message, unary and streaming", async () => {
    const unary = await client.execute(failing, [{ kind: 'text', text: 'bad' }]).catch((e: unknown) => e);
    expect(unary).toBeInstanceOf(RemoteMediaError);
    expect((unary as RemoteMediaError).code).toBe(Code.Internal);
    expect((unary as RemoteMediaError).nodeId).toBe('fail');
    expect((unary as RemoteMediaError).message).toContain('boom on "bad"');

    const session = await client.stream(failing);
    await session.send({ kind: 'text', text: 'good' });
    expect((await session.recv())!.data).toEqual({ kind: 'text', text: 'good' });
    await session.send({ kind: 'text', text: 'bad' }).catch(() => {});
    const streamed = await session.recv().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(RemoteMediaError);
    expect((streamed as RemoteMediaError).code).toBe(Code.Internal);
    expect((streamed as RemoteMediaError).nodeId).toBe('fail');
    await session.close();
  });

  it("A's validation error keeps its details and reason through B", async () => {
    const error = await client.execute({ ...calc, nodes: [{ id: 'c', nodeType: 'NoSuchNode' }] }, [json(1)]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((error as RemoteMediaError).details.some((d) => d.message.includes('NoSuchNode'))).toBe(true);
  });

  it("B's own token is checked; A's is not B's", async () => {
    const wrong = createGrpcPipelineClient({ baseUrl: proxy.address!.url, token: TOKEN });
    try {
      const error = await wrong.execute(calc, [json(1)]).catch((e: unknown) => e);
      expect((error as RemoteMediaError).code).toBe(Code.Unauthenticated);
    } finally {
      await wrong.close();
    }
  });
});

// The whole transport contract over two hops.
describeTransportConformance('grpc proxy (client -> B -> A)', {
  async start({ pipeline, authTokens }) {
    const a = createGrpcServer({ pipeline, bindAddress: '127.0.0.1:0', logger: silent, shutdownGraceMs: 500, shutdownFlushMs: 500 });
    const { url: upstreamUrl } = await a.listen();
    const upstream = createGrpcPipelineClient({ baseUrl: upstreamUrl });
    const b = createGrpcServer({ pipeline: upstream, authTokens, bindAddress: '127.0.0.1:0', logger: silent, shutdownGraceMs: 500, shutdownFlushMs: 500 });
    const { url } = await b.listen();
    return {
      client: (token?: string) => createGrpcPipelineClient({ baseUrl: url, token }),
      async close() {
        await b.close();
        await upstream.close();
        await a.close();
      },
    };
  },
});
