// RemotePipelineNode against real gRPC servers in child processes on loopback ports; the gRPC
// client is found by dynamic import of @remotemedia/transport-grpc (no clientFactories given).
import { type ManifestInput, type TransportData, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { waitUntil } from '@remotemedia/test-support';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RemotePipelineNodeDefinition, createRemotePipelineNode } from '../src/index.js';
import { type ServerProcess, startGrpcServerProcess } from './helpers/grpc-processes.js';

const TOKEN = 'remote-client-grpc-token';
const addTen: ManifestInput = {
  version: 'v1',
  metadata: { name: 'add-ten' },
  nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }],
};
const slow = (ms: number): ManifestInput => ({ version: 'v1', metadata: { name: 'slow' }, nodes: [{ id: 'slow', nodeType: 'SlowEcho', params: { ms } }] });
const local = (params: Record<string, unknown>): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'local' },
  nodes: [
    {
      id: 'remote',
      nodeType: 'RemotePipeline',
      params: { transport: 'grpc', authToken: TOKEN, manifest: addTen, retry: { backoffMs: 20 }, healthCheck: { enabled: false }, ...params },
    },
  ],
});
const values = (outs: TransportData[]) => outs.map((o) => (o.data as { value: unknown }).value);

let procs: ServerProcess[] = [];
let definition: RemotePipelineNodeDefinition | undefined;
beforeAll(async () => {
  procs = await Promise.all([0, 1, 2].map(() => startGrpcServerProcess(TOKEN)));
}, 60_000);
afterEach(async () => {
  await definition?.close();
  definition = undefined;
});
afterAll(async () => {
  await Promise.all(procs.map((p) => p.kill()));
});
/** Restarts any server a test killed, on its old port (the endpoint URL stays valid). */
async function ensureAllUp(): Promise<void> {
  procs = await Promise.all(procs.map(async (p) => (p.child.exitCode === null && p.child.signalCode === null ? p : startGrpcServerProcess(TOKEN, p.port))));
}
const urls = () => procs.map((p) => p.url);
const stats = (url: string) => definition!.snapshot()[0].endpoints.find((e) => e.endpoint === url)!;

describe('RemotePipelineNode over gRPC (server processes)', () => {
  it('one of three servers SIGKILLed in the middle of a run of unary requests: no request fails', async () => {
    await ensureAllUp();
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest = local({ endpoints: urls() });
    const results: unknown[] = [];
    let next = 0;
    let failed = 0;
    // Three concurrent callers, so requests are in flight on the victim when it dies.
    await Promise.all(
      [0, 1, 2].map(async () => {
        while (next < 120) {
          const i = next++;
          if (i === 40) void procs[1].kill();
          try {
            results[i] = values(await runner.execute(manifest, [json(i)]))[0];
          } catch {
            failed++;
          }
        }
      }),
    );
    expect(failed).toBe(0);
    expect(results).toEqual(Array.from({ length: 120 }, (_, i) => i + 10));
    const victim = stats(urls()[1]);
    // Failovers are bounded by the breaker: at most failureThreshold (5) failed attempts, plus the ones in flight.
    expect(victim.failures).toBeGreaterThanOrEqual(1);
    expect(victim.failures).toBeLessThanOrEqual(5 + 3);
    expect(victim.breaker).toBe('open');
  });

  it('the breaker opens after 5 failures and closes again after the endpoint recovers, through health checks alone', async () => {
    await ensureAllUp();
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    // One endpoint (so health marking it unhealthy cannot steer calls away before the breaker
    // trips) with a local fallback that keeps requests succeeding; resetTimeoutMs of an hour,
    // so only health checks can close the breaker within this test.
    const localAdd = {
      version: 'v1',
      metadata: { name: 'local-add' },
      nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 1000 } }],
    };
    const url = urls()[0];
    const manifest = local({
      endpoint: url,
      retry: { maxRetries: 0 },
      circuitBreaker: { resetTimeoutMs: 3_600_000 },
      healthCheck: { intervalMs: 100, timeoutMs: 1000 },
      fallback: [{ local: localAdd }],
    });
    expect(values(await runner.execute(manifest, [json(0)]))).toEqual([10]);
    await procs[0].kill();
    for (let i = 1; i <= 8; i++) expect(values(await runner.execute(manifest, [json(i)]))).toEqual([i + 1000]);
    expect(stats(url)).toMatchObject({ failures: 5, breaker: 'open' });

    procs[0] = await startGrpcServerProcess(TOKEN, procs[0].port);
    await waitUntil(() => stats(url).breaker === 'closed', {
      what: 'the breaker closed by a health check',
      timeoutMs: 10_000,
      intervalMs: 50,
      observe: () => stats(url),
    });
    expect(stats(url)).toMatchObject({ breaker: 'closed', healthy: true });
    expect(values(await runner.execute(manifest, [json(1)]))).toEqual([11]);
  });

  it('least_connections spreads concurrent load within 10% across healthy endpoints', async () => {
    await ensureAllUp();
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest = local({ endpoints: urls(), manifest: slow(20), loadBalance: 'least_connections' });
    // Concurrent load = calls in flight per endpoint, sampled (counted, not timed) at every dispatch.
    const load = urls().map(() => 0);
    let next = 0;
    await Promise.all(
      Array.from({ length: 12 }, async () => {
        while (next < 150) {
          next++;
          definition!.snapshot()[0]?.endpoints.forEach((e, i) => (load[i] += e.active));
          await runner.execute(manifest, [json(next)]);
        }
      }),
    );
    const mean = load.reduce((a, b) => a + b) / load.length;
    for (const l of load) expect(Math.abs(l - mean)).toBeLessThanOrEqual(mean * 0.1);
    const calls = urls().map((u) => stats(u).calls);
    expect(calls.reduce((a, b) => a + b)).toBe(150);
    for (const c of calls) expect(c).toBeGreaterThanOrEqual(30); // every endpoint took a real share
  });

  it('falls back to a local manifest when every endpoint is down', async () => {
    await ensureAllUp();
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const localAdd = {
      version: 'v1',
      metadata: { name: 'local-add' },
      nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 1000 } }],
    };
    const manifest = local({ endpoints: [urls()[0], urls()[1]], retry: { maxRetries: 1, backoffMs: 10 }, fallback: [{ local: localAdd }] });
    expect(values(await runner.execute(manifest, [json(1)]))).toEqual([11]);
    await Promise.all([procs[0].kill(), procs[1].kill()]);
    expect(values(await runner.execute(manifest, [json(1)]))).toEqual([1001]);
    expect(values(await runner.execute(manifest, [json(2)]))).toEqual([1002]);
  });

  it('streaming through a remote node; the server dies mid-stream: RemoteStreamLost, nothing hangs, the next session fails over', async () => {
    await ensureAllUp();
    definition = createRemotePipelineNode();
    const runner = createPipelineRunner({ nodes: [definition] });
    const manifest = local({ endpoints: [urls()[0], urls()[1]], mode: 'streaming', timeoutMs: 5000 });

    const doomed = await runner.stream(manifest);
    const outcome = (async () => {
      const got: unknown[] = [];
      try {
        for await (const o of doomed.outputs) got.push((o.data as { value: unknown }).value);
        return { got };
      } catch (error) {
        return { got, error };
      }
    })();
    for (let i = 0; i < 5; i++) await doomed.send(json(i));
    await waitUntil(() => stats(urls()[0]).sessions + stats(urls()[1]).sessions > 0, { what: 'a remote session open' });
    const victim = stats(urls()[0]).sessions ? 0 : 1;
    await procs[victim].kill();
    for (let i = 5; i < 10; i++) await doomed.send(json(i)).catch(() => {});
    await doomed.end().catch(() => {});
    const { got, error } = await outcome;
    expect(error).toMatchObject({ nodeId: 'remote', code: 14, reason: 'RemoteStreamLost' });
    expect(got.length).toBeLessThan(10);

    const next = await runner.stream(manifest);
    const read = (async () => {
      const got: unknown[] = [];
      for await (const o of next.outputs) got.push((o.data as { value: unknown }).value);
      return got;
    })();
    for (let i = 0; i < 5; i++) await next.send(json(i));
    await next.end();
    expect(await read).toEqual([10, 11, 12, 13, 14]);
  });
});
