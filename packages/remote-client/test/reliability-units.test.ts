import {
  Code,
  type NodeContext,
  type PipelineClient,
  type PipelineNode,
  RemoteMediaError,
  type RuntimeData,
  type StreamSession,
  json,
} from '@remotemedia/runtime-core';
import { createTestNodeContext } from '@remotemedia/runtime-core/testing';
import { waitUntil } from '@remotemedia/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type RemotePipelineNodeDefinition, createLoadBalancer, createRemotePipelineNode } from '../src/index.js';
import { createFleet } from './helpers/in-memory-fleet.js';

const addTen = { version: 'v1', metadata: { name: 'add-ten' }, nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }] };
const slow = { version: 'v1', metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'SlowEcho', params: { ms: 10_000 } }] };

let definition: RemotePipelineNodeDefinition | undefined;
afterEach(async () => {
  await definition?.close();
  definition = undefined;
});

async function nodeOf(def: RemotePipelineNodeDefinition, params: Record<string, unknown>, signal = new AbortController().signal): Promise<PipelineNode> {
  const ctx: NodeContext = createTestNodeContext({ nodeId: 'remote', nodeType: 'RemotePipeline', sessionId: 's', signal });
  return def.create(
    def.paramsSchema.parse({ transport: 'grpc', authToken: 'secret', healthCheck: { enabled: false }, retry: { backoffMs: 1 }, ...params }),
    ctx,
  );
}

async function collect(out: unknown): Promise<RuntimeData[]> {
  const got: RuntimeData[] = [];
  for await (const d of out as AsyncIterable<RuntimeData>) got.push(d);
  return got;
}

describe('load balancers', () => {
  const pool = (actives: number[]) => actives.map((active, i) => ({ id: i, active }));
  it('round_robin rotates and skips unusable endpoints', () => {
    const all = pool([0, 0, 0]);
    const rr = createLoadBalancer<(typeof all)[number]>('round_robin');
    expect([0, 1, 2, 3].map(() => rr.pick(all, all)!.id)).toEqual([0, 1, 2, 0]);
    expect([0, 1, 2].map(() => rr.pick([all[0], all[2]], all)!.id)).toEqual([2, 0, 2]);
    expect(rr.pick([], all)).toBeUndefined();
  });
  it('least_connections takes the fewest in flight, ties round-robin', () => {
    const all = pool([3, 1, 1]);
    const lc = createLoadBalancer<(typeof all)[number]>('least_connections');
    expect([0, 1, 2].map(() => lc.pick(all, all)!.id)).toEqual([1, 2, 1]);
    all[1].active = 5;
    expect(lc.pick(all, all)!.id).toBe(2);
  });
  it('random picks only candidates', () => {
    const all = pool([0, 0, 0]);
    const r = createLoadBalancer<(typeof all)[number]>('random');
    const seen = new Set(Array.from({ length: 200 }, () => r.pick([all[1], all[2]], all)!.id));
    expect([...seen].sort()).toEqual([1, 2]);
  });
});

describe('cancellation and hangs', () => {
  it('a caller cancelling a unary call gets Canceled, and the endpoint is not blamed', async () => {
    const fleet = createFleet(['a']);
    definition = createRemotePipelineNode({ clientFactories: { grpc: fleet.factory } });
    const node = await nodeOf(definition, { endpoint: 'a', manifest: slow });
    const controller = new AbortController();
    const call = Promise.resolve(node.process(json(1), { signal: controller.signal, metadata: {} }));
    await waitUntil(() => definition!.snapshot()[0].endpoints[0].active === 1, {
      what: 'the call in flight on the endpoint',
      observe: () => definition!.snapshot(),
    });
    controller.abort();
    await expect(call).rejects.toMatchObject({ code: Code.Canceled });
    expect(definition.snapshot()[0].endpoints[0]).toMatchObject({ failures: 0, breaker: 'closed', active: 0 });
  });

  it('a remote session that never answers fails the flush with RemoteTimeout instead of hanging', async () => {
    const stuck: StreamSession = {
      sessionId: 'stuck',
      isActive: true,
      send: async () => {},
      recv: () => new Promise(() => {}),
      outputs: { [Symbol.asyncIterator]: () => ({ next: () => new Promise(() => {}) }) },
      end: () => new Promise(() => {}),
      close: async () => {},
      metrics: () => ({}) as never,
    };
    const client: PipelineClient = {
      execute: async () => [],
      stream: async () => stuck,
      health: async () => ({ status: 'serving' }),
      close: async () => {},
    };
    definition = createRemotePipelineNode({ clientFactories: { grpc: () => client } });
    const node = await nodeOf(definition, { endpoint: 'x', manifest: addTen, mode: 'streaming', timeoutMs: 100 });
    const signal = new AbortController().signal;
    expect(await collect(node.process(json(1), { signal, metadata: {} }))).toEqual([]);
    await expect(collect(node.flush!({ signal, metadata: {} }))).rejects.toMatchObject({ reason: 'RemoteStreamLost', cause: { reason: 'RemoteTimeout' } });
    expect(definition.snapshot()[0].endpoints[0]).toMatchObject({ failures: 1, sessions: 0, active: 0 });
  });

  it('a remote node error in a stream is passed on as the remote error, not as a lost stream', async () => {
    const fleet = createFleet(['a']);
    definition = createRemotePipelineNode({ clientFactories: { grpc: fleet.factory } });
    const node = await nodeOf(definition, { endpoint: 'a', manifest: addTen, mode: 'streaming' });
    const signal = new AbortController().signal;
    const error = await (async () => {
      await collect(node.process(json('not a number'), { signal, metadata: {} }));
      await collect(node.flush!({ signal, metadata: {} }));
    })().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect(error).toMatchObject({ code: Code.InvalidArgument });
    expect(definition.snapshot()[0].endpoints[0]).toMatchObject({ failures: 0 });
  });
});
