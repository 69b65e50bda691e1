import { Code, RemoteMediaError, createPipelineRunner } from '@remotemedia/runtime-core';
import { conformanceNodes, describeTransportConformance } from '@remotemedia/runtime-core/testing';
import { type HttpPipelineClient, createHttpPipelineClient, createHttpServer } from '@remotemedia/transport-http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, chain } from './helpers.js';

/** A client is a PipelineTransport, so a server serves it as is: server B forwards every call to server A. */
async function startProxied(pipeline: Parameters<typeof createHttpServer>[0]['pipeline'], authTokens: string[]) {
  const origin = createHttpServer({ pipeline, authTokens, port: 0, host: '127.0.0.1' });
  const upstream = createHttpPipelineClient({ baseUrl: (await origin.listen()).url, token: authTokens[0] });
  const proxy = createHttpServer({ pipeline: upstream, authTokens, port: 0, host: '127.0.0.1' });
  const { url } = await proxy.listen();
  return {
    url,
    async close() {
      await proxy.close({ graceMs: 1000 });
      await upstream.close();
      await origin.close({ graceMs: 1000 });
    },
  };
}

// The whole contract holds through two hops.
describeTransportConformance('http client served by an http server (proxy)', {
  async start({ pipeline, authTokens }) {
    const proxied = await startProxied(pipeline, authTokens);
    return { client: (token) => createHttpPipelineClient({ baseUrl: proxied.url, token }), close: () => proxied.close() };
  },
});

describe('an HttpPipelineClient served by createHttpServer (a proxy in a few lines)', () => {
  let proxied: Awaited<ReturnType<typeof startProxied>>;
  let client: HttpPipelineClient;
  beforeAll(async () => {
    proxied = await startProxied(createPipelineRunner({ nodes: conformanceNodes }), [TOKEN]);
    client = createHttpPipelineClient({ baseUrl: proxied.url, token: TOKEN, streaming: 'sse' });
  });
  afterAll(async () => {
    await client.close();
    await proxied.close();
  });

  it('executes, streams and lists nodes through the proxy', async () => {
    const calc = chain('calc', ['calc', 'Calculator', { operation: 'multiply', operand: 2 }]);
    const outs = await client.execute(
      calc,
      [1, 2].map((value) => ({ kind: 'json', value }) as const),
    );
    expect(outs.map((o) => o.data)).toEqual([2, 4].map((value) => ({ kind: 'json', value })));

    const session = await client.stream(calc);
    for (const value of [3, 4, 5]) await session.send({ kind: 'json', value });
    const streamed: unknown[] = [];
    const reading = (async () => {
      for await (const out of session.outputs) streamed.push(out.data);
    })();
    await session.end();
    await reading;
    expect(streamed).toEqual([6, 8, 10].map((value) => ({ kind: 'json', value })));

    // The capability crosses too: server B answers GET /v1/nodes from the client's listNodes.
    expect((await client.listNodes()).map((n) => n.type)).toContain('Calculator');
  });

  it('an error keeps its code, details and node id across both hops', async () => {
    const invalid = await client.execute(chain('bad', ['x', 'NoSuchNode']), []).catch((e: unknown) => e);
    expect(invalid).toBeInstanceOf(RemoteMediaError);
    expect((invalid as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((invalid as RemoteMediaError).details.length).toBeGreaterThan(0);

    const failing = chain('fails', ['boom', 'FailOn', { match: 'bad' }]);
    const unary = await client.execute(failing, [{ kind: 'text', text: 'bad' }]).catch((e: unknown) => e);
    expect(unary).toMatchObject({ code: Code.Internal, nodeId: 'boom' });
    const session = await client.stream(failing);
    await session.send({ kind: 'text', text: 'bad' }).catch(() => {});
    const streamed = await session.recv().catch((e: unknown) => e);
    expect(streamed).toBeInstanceOf(RemoteMediaError);
    expect(streamed).toMatchObject({ code: Code.Internal, nodeId: 'boom' });
    await session.close();
  });
});
