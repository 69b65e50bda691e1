// The same RemotePipelineNode over the real HTTP transport: servers on loopback ports, the
// client found by dynamic import of @remotemedia/transport-http (no clientFactories given).
import { type ManifestInput, type TransportData, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { type HttpServer, createHttpServer } from '@remotemedia/transport-http';
import { waitUntil } from '@remotemedia/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type RemotePipelineNodeDefinition, createRemotePipelineNode } from '../src/index.js';
import { SlowEchoNode } from './helpers/in-memory-fleet.js';

const TOKEN = 'remote-client-http-token';
const remoteManifest: ManifestInput = {
  version: 'v1',
  metadata: { name: 'add-ten' },
  nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }],
};
const local = (params: Record<string, unknown>): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'local' },
  nodes: [
    {
      id: 'remote',
      nodeType: 'RemotePipeline',
      params: { transport: 'http', authToken: TOKEN, manifest: remoteManifest, retry: { backoffMs: 5 }, healthCheck: { enabled: false }, ...params },
    },
  ],
});
const values = (outs: TransportData[]) => outs.map((o) => (o.data as { value: unknown }).value);

let servers: HttpServer[] = [];
let definition: RemotePipelineNodeDefinition | undefined;
afterEach(async () => {
  await definition?.close();
  await Promise.allSettled(servers.map((s) => s.close({ graceMs: 0 })));
  servers = [];
});

async function start(n: number): Promise<{ urls: string[]; runners: ReturnType<typeof createPipelineRunner>[] }> {
  const urls: string[] = [];
  const runners = [];
  for (let i = 0; i < n; i++) {
    const runner = createPipelineRunner({ nodes: [SlowEchoNode] });
    const server = createHttpServer({ pipeline: runner, authTokens: [TOKEN], port: 0, host: '127.0.0.1' });
    urls.push((await server.listen()).url);
    servers.push(server);
    runners.push(runner);
  }
  return { urls, runners };
}

describe('RemotePipelineNode over HTTP', () => {
  it('unary: a server shut down in the middle of a run fails no request', async () => {
    const { urls } = await start(3);
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest = local({ endpoints: urls });
    const results: unknown[] = [];
    for (let i = 0; i < 45; i++) {
      if (i === 15) await servers[1].close({ graceMs: 0 });
      results.push(...values(await runner.execute(manifest, [json(i)])));
    }
    expect(results).toEqual(Array.from({ length: 45 }, (_, i) => i + 10));
    const dead = definition.snapshot()[0].endpoints.find((e) => e.endpoint === urls[1])!;
    expect(dead.failures).toBeGreaterThanOrEqual(1);
    expect(dead.failures).toBeLessThanOrEqual(5);
  });

  it('health checks mark a stopped server unhealthy and a restarted one healthy', async () => {
    const { urls } = await start(2);
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    await runner.execute(local({ endpoints: urls, healthCheck: { enabled: true, intervalMs: 3_600_000, timeoutMs: 2000 } }), [json(1)]);
    await servers[0].close({ graceMs: 0 });
    await definition.probeNow();
    expect(definition.snapshot()[0].endpoints.map((e) => e.healthy)).toEqual([false, true]);
  });

  it('streaming: outputs come back; the server dying mid-stream fails the node (RemoteStreamLost), nothing hangs', async () => {
    const { urls } = await start(1);
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest = local({ endpoint: urls[0], mode: 'streaming', timeoutMs: 5000 });

    const ok = await runner.stream(manifest);
    const got: unknown[] = [];
    const reading = (async () => {
      for await (const o of ok.outputs) got.push((o.data as { value: unknown }).value);
    })();
    for (let i = 0; i < 10; i++) await ok.send(json(i));
    await ok.end();
    await reading;
    expect(got).toEqual(Array.from({ length: 10 }, (_, i) => i + 10));

    const doomed = await runner.stream(manifest);
    const outcome = (async () => {
      try {
        for await (const _ of doomed.outputs);
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    for (let i = 0; i < 3; i++) await doomed.send(json(i));
    await waitUntil(() => servers[0].sessionCount > 0, { what: 'the remote session open on the first server' });
    await servers[0].close({ graceMs: 0 });
    for (let i = 3; i < 6; i++) await doomed.send(json(i)).catch(() => {});
    await doomed.end().catch(() => {});
    expect(await outcome).toMatchObject({ nodeId: 'remote', code: 14, reason: 'RemoteStreamLost' });
  });
});
