import { type ManifestInput, NodeRegistry, type RuntimeData, RemoteMediaError, builtinNodes, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type RemotePipelineNodeDefinition, createRemotePipelineNode, registerRemoteNode } from '../src/index.js';
import { createFleet } from './helpers/in-memory-fleet.js';

const remoteManifest: ManifestInput = {
  version: 'v1',
  metadata: { name: 'add-ten' },
  nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }],
};
const slowManifest = (ms: number): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'slow' },
  nodes: [{ id: 'slow', nodeType: 'SlowEcho', params: { ms } }],
});

const local = (params: Record<string, unknown>): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'local' },
  nodes: [
    {
      id: 'remote',
      nodeType: 'RemotePipeline',
      params: { transport: 'grpc', authToken: 'secret', healthCheck: { enabled: false }, retry: { backoffMs: 1 }, ...params },
    },
  ],
});

const values = (outs: { data: RuntimeData }[]) => outs.map((o) => (o.data as { value: unknown }).value);

let definition: RemotePipelineNodeDefinition | undefined;
afterEach(async () => {
  await definition?.close();
  definition = undefined;
});

function setup(names = ['a', 'b', 'c'], extra: Parameters<typeof createRemotePipelineNode>[0] = {}) {
  const fleet = createFleet(names);
  definition = createRemotePipelineNode({ clientFactories: { grpc: fleet.factory, http: fleet.factory }, ...extra });
  const runner = createPipelineRunner({ nodes: [definition] });
  return { fleet, runner, definition };
}

describe('RemotePipelineNode, unary', () => {
  it('runs the remote manifest and spreads calls round-robin', async () => {
    const { fleet, runner } = setup();
    const out = await runner.execute(
      local({ endpoints: ['a', 'b', 'c'], manifest: remoteManifest }),
      [1, 2, 3, 4, 5, 6].map((v) => json(v)),
    );
    expect(values(out)).toEqual([11, 12, 13, 14, 15, 16]);
    expect(['a', 'b', 'c'].map((n) => fleet.get(n).handled)).toEqual([2, 2, 2]);
  });

  it('a server dying in the middle of a run fails no request (failover)', async () => {
    const { fleet, runner, definition } = setup();
    const manifest = local({ endpoints: ['a', 'b', 'c'], manifest: remoteManifest });
    const results: unknown[] = [];
    for (let i = 0; i < 60; i++) {
      if (i === 20) fleet.get('b').kill();
      const out = await runner.execute(manifest, [json(i)]);
      results.push(...values(out));
    }
    expect(results).toEqual(Array.from({ length: 60 }, (_, i) => i + 10));
    const b = definition.snapshot()[0].endpoints.find((e) => e.endpoint === 'b')!;
    // The breaker stops traffic to b after failureThreshold=5 failures; each of those failed over.
    expect(b.failures).toBe(5);
    expect(b.breaker).toBe('open');
  });

  it('the breaker opens after 5 failures and closes again through health checks alone', async () => {
    const { fleet, runner, definition } = setup(['a', 'b']);
    const manifest = local({ endpoints: ['a', 'b'], manifest: remoteManifest, circuitBreaker: { resetTimeoutMs: 3_600_000 } });
    fleet.get('a').kill();
    for (let i = 0; i < 12; i++) await runner.execute(manifest, [json(i)]);
    const snap = () => definition.snapshot()[0].endpoints.find((e) => e.endpoint === 'a')!;
    expect(snap().failures).toBe(5);
    expect(snap().breaker).toBe('open');
    await definition.probeNow();
    expect(snap()).toMatchObject({ breaker: 'open', healthy: false });

    fleet.get('a').revive();
    await definition.probeNow();
    expect(snap().breaker).toBe('open'); // successThreshold = 2
    await definition.probeNow();
    expect(snap()).toMatchObject({ breaker: 'closed', healthy: true });
    const before = fleet.get('a').handled;
    for (let i = 0; i < 4; i++) await runner.execute(manifest, [json(i)]);
    expect(fleet.get('a').handled - before).toBe(2);
  });

  it('least_connections spreads concurrent load within 10% across healthy endpoints', async () => {
    const { fleet, runner } = setup();
    const manifest = local({ endpoints: ['a', 'b', 'c'], manifest: slowManifest(3), loadBalance: 'least_connections' });
    let next = 0;
    await Promise.all(
      Array.from({ length: 9 }, async () => {
        while (next < 90) {
          next++;
          await runner.execute(manifest, [json(next)]);
        }
      }),
    );
    const counts = ['a', 'b', 'c'].map((n) => fleet.get(n).handled);
    expect(counts.reduce((a, b) => a + b)).toBe(90);
    for (const c of counts) expect(Math.abs(c - 30)).toBeLessThanOrEqual(3);
  });

  it('falls back to the next endpoints, then to a local manifest, when every endpoint is down', async () => {
    const { fleet, runner } = setup(['a', 'b', 'c']);
    const manifest = local({
      endpoints: ['a', 'b'],
      manifest: remoteManifest,
      retry: { maxRetries: 1, backoffMs: 1 },
      fallback: [
        { endpoint: 'c', transport: 'http' },
        {
          local: {
            version: 'v1',
            metadata: { name: 'local-add' },
            nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 1000 } }],
          },
        },
      ],
    });
    fleet.get('a').kill();
    fleet.get('b').kill();
    expect(values(await runner.execute(manifest, [json(1)]))).toEqual([11]);
    fleet.get('c').kill();
    expect(values(await runner.execute(manifest, [json(1)]))).toEqual([1001]);
  });

  it('fails with AllEndpointsFailed listing each endpoint, then CircuitOpen once every breaker is open', async () => {
    const { fleet, runner } = setup(['a']);
    const manifest = local({ endpoint: 'a', manifest: remoteManifest, retry: { maxRetries: 0 }, circuitBreaker: { failureThreshold: 2 } });
    fleet.get('a').kill();
    const first = await runner.execute(manifest, [json(1)]).catch((e: RemoteMediaError) => e);
    expect(first).toBeInstanceOf(RemoteMediaError);
    expect(first).toMatchObject({ reason: 'AllEndpointsFailed', nodeId: 'remote' });
    expect((first as RemoteMediaError).details[0]).toMatchObject({ path: 'grpc a' });
    await runner.execute(manifest, [json(1)]).catch(() => {});
    await expect(runner.execute(manifest, [json(1)])).rejects.toMatchObject({ reason: 'CircuitOpen', code: 14 });
  });

  it('passes request errors through without failover or breaker counts', async () => {
    const { fleet, runner, definition } = setup(['a', 'b']);
    const bad = { version: 'v1', metadata: { name: 'bad' }, nodes: [{ id: 'x', nodeType: 'NoSuchNode' }] } as ManifestInput;
    await expect(runner.execute(local({ endpoints: ['a', 'b'], manifest: bad }), [json(1)])).rejects.toMatchObject({ code: 3 });
    expect(fleet.get('a').handled + fleet.get('b').handled).toBe(1);
    expect(definition.snapshot()[0].endpoints.every((e) => e.failures === 0)).toBe(true);
  });

  it('times out a slow endpoint with RemoteTimeout and fails over', async () => {
    const { fleet, runner } = setup(['a']);
    const manifest = local({ endpoint: 'a', manifest: slowManifest(2000), timeoutMs: 50, retry: { maxRetries: 0 } });
    await expect(runner.execute(manifest, [json(1)])).rejects.toMatchObject({ reason: 'RemoteTimeout', code: 4 });
    expect(fleet.get('a').handled).toBe(1);
  });

  it('substitutes ${ENV} in authToken and names a missing variable', async () => {
    const { runner } = setup(['a'], { env: { REMOTE_TOKEN: 'secret' } });
    expect(values(await runner.execute(local({ endpoint: 'a', manifest: remoteManifest, authToken: '${REMOTE_TOKEN}' }), [json(1)]))).toEqual([11]);
    await expect(runner.execute(local({ endpoint: 'a', manifest: remoteManifest, authToken: '${NOPE_TOKEN}' }), [json(1)])).rejects.toThrow(
      /NOPE_TOKEN is not set/,
    );
    // a wrong token is the request's fault: Unauthenticated, not failover
    await expect(runner.execute(local({ endpoint: 'a', manifest: remoteManifest, authToken: 'wrong' }), [json(1)])).rejects.toMatchObject({ code: 16 });
  });

  it('rejects bad params with paths', () => {
    const { runner } = setup(['a']);
    const shape = runner.validate(local({ endpoint: 'a', manifest: remoteManifest, transport: 'smoke', loadBalance: 'fastest' }));
    expect(shape.ok).toBe(false);
    expect(shape.problems.map((p) => p.path)).toEqual(expect.arrayContaining(['nodes[0].params.transport', 'nodes[0].params.loadBalance']));
    const rules = runner.validate(local({ manifest: remoteManifest, manifestUrl: 'http://x/y', fallback: [{ local: remoteManifest }, { endpoint: 'b' }] }));
    expect(rules.ok).toBe(false);
    expect(rules.problems.map((p) => p.path)).toEqual(
      expect.arrayContaining(['nodes[0].params.endpoint', 'nodes[0].params.manifest', 'nodes[0].params.fallback[0].local']),
    );
  });

  it('registerRemoteNode adds the type to a registry; fallback entries may carry their own token', async () => {
    const fleet = createFleet(['a', 'b']);
    const registry = new NodeRegistry(builtinNodes);
    definition = registerRemoteNode(registry, { clientFactories: { grpc: fleet.factory }, env: { B_TOKEN: 'secret' } });
    expect(registry.has('RemotePipeline')).toBe(true);
    const runner = createPipelineRunner({ registry });
    fleet.get('a').kill();
    const manifest = local({
      endpoint: 'a',
      authToken: 'wrong-for-b',
      manifest: remoteManifest,
      retry: { maxRetries: 0 },
      fallback: [{ endpoint: 'b', authToken: '${B_TOKEN}' }],
    });
    expect(values(await runner.execute(manifest, [json(5)]))).toEqual([15]);
    expect(definition.snapshot().map((p) => p.pool)).toEqual(['grpc', 'fallback[0] grpc']);
  });
});
