import { type ManifestInput, type RuntimeData, type TransportData, createPipelineRunner, json } from '@remotemedia/runtime-core';
import { waitUntil } from '@remotemedia/test-support';
import { afterEach, describe, expect, it } from 'vitest';
import { type RemotePipelineNodeDefinition, createRemotePipelineNode } from '../src/index.js';
import { createFleet } from './helpers/in-memory-fleet.js';

const remoteManifest: ManifestInput = {
  version: 'v1',
  metadata: { name: 'add-ten' },
  nodes: [{ id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 10 } }],
};
const local = (params: Record<string, unknown>, node: Record<string, unknown> = {}): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'local' },
  nodes: [
    {
      id: 'remote',
      nodeType: 'RemotePipeline',
      ...node,
      params: { transport: 'grpc', authToken: 'secret', mode: 'streaming', healthCheck: { enabled: false }, retry: { backoffMs: 1 }, ...params },
    },
  ],
});
const value = (o: TransportData) => (o.data as { value: unknown }).value;

let definition: RemotePipelineNodeDefinition | undefined;
afterEach(async () => {
  await definition?.close();
  definition = undefined;
});

function setup(names = ['a', 'b']) {
  const fleet = createFleet(names);
  definition = createRemotePipelineNode({ clientFactories: { grpc: fleet.factory } });
  return { fleet, runner: createPipelineRunner({ nodes: [definition] }), definition };
}

async function drain(outputs: AsyncIterable<TransportData>): Promise<{ values: unknown[]; error?: unknown }> {
  const values: unknown[] = [];
  try {
    for await (const o of outputs) values.push(value(o));
    return { values };
  } catch (error) {
    return { values, error };
  }
}

/** The node opens its remote session on its first input, asynchronously to the local send. */
async function openedRemotely(fleet: ReturnType<typeof createFleet>): Promise<void> {
  await waitUntil(() => [...fleet.servers.values()].some((s) => s.sessions.size > 0), { what: 'a remote session open' });
}

describe('RemotePipelineNode, streaming', () => {
  it('one remote session per local session; outputs stream back and flush at the end', async () => {
    const { fleet, runner } = setup();
    const session = await runner.stream(local({ endpoints: ['a', 'b'], manifest: remoteManifest }));
    const read = drain(session.outputs);
    for (let i = 0; i < 20; i++) await session.send(json(i));
    await session.end();
    expect((await read).values).toEqual(Array.from({ length: 20 }, (_, i) => i + 10));
    expect(fleet.get('a').handled + fleet.get('b').handled).toBe(1);
  });

  it('push (default): each output goes out as it arrives, without waiting for another input', async () => {
    const { runner } = setup();
    const slowRemote = { version: 'v1', metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'SlowEcho', params: { ms: 5 } }] };
    const session = await runner.stream(local({ endpoint: 'a', manifest: slowRemote }));
    for (let i = 0; i < 3; i++) {
      await session.send(json(i));
      expect(value((await session.recv())!)).toBe(i); // no further input, no flush: pushed by the node
    }
    await session.end();
    expect(await session.recv()).toBeUndefined();
  });

  it('with-input: each input carries out the outputs that arrived before it, so output flows before the end', async () => {
    const { runner } = setup();
    const session = await runner.stream(local({ endpoint: 'a', manifest: remoteManifest, outputDelivery: 'with-input' }));
    await session.send(json(0));
    // The output of input 0 leaves with input 1 (documented: outputs between inputs wait for the next one or flush).
    for (let i = 1; i <= 5; i++) {
      await session.send(json(i));
      expect(value((await session.recv())!)).toBe(i + 9);
    }
    await session.end();
  });

  it("with-input and outputLingerMs: each input's outputs flow out without waiting for the next input", async () => {
    const { runner } = setup();
    const slowRemote = { version: 'v1', metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'SlowEcho', params: { ms: 5 } }] };
    const session = await runner.stream(local({ endpoint: 'a', manifest: slowRemote, outputDelivery: 'with-input', outputLingerMs: 1000 }));
    for (let i = 0; i < 2; i++) {
      await session.send(json(i));
      expect(value((await session.recv())!)).toBe(i);
    }
    await session.end();
    expect(await session.recv()).toBeUndefined();
  });

  it('the remote server dies mid-stream: the session fails with RemoteStreamLost, nothing hangs, the next session fails over', async () => {
    const { fleet, runner, definition } = setup();
    const manifest = local({ endpoints: ['a', 'b'], manifest: remoteManifest });
    const session = await runner.stream(manifest);
    const read = drain(session.outputs);
    for (let i = 0; i < 5; i++) await session.send(json(i));
    await openedRemotely(fleet);
    const victim = fleet.get('a').sessions.size ? 'a' : 'b';
    fleet.get(victim).kill();
    // Sends may or may not be accepted locally; the failure must surface on the outputs.
    for (let i = 5; i < 10; i++) await session.send(json(i)).catch(() => {});
    await session.end().catch(() => {});
    const { values, error } = await read;
    expect(error).toMatchObject({ reason: 'RemoteStreamLost', code: 14, nodeId: 'remote' });
    expect(values.length).toBeLessThan(10);
    expect(definition.snapshot()[0].endpoints.find((e) => e.endpoint === victim)).toMatchObject({ failures: 1, active: 0 });

    const next = await runner.stream(manifest);
    const again = drain(next.outputs);
    for (let i = 0; i < 3; i++) await next.send(json(i));
    await next.end();
    expect((await again).values).toEqual([10, 11, 12]);
  });

  it('with onError: skip, the input that met the dead server is dropped and the stream continues on another endpoint', async () => {
    const { fleet, runner } = setup();
    const session = await runner.stream(local({ endpoints: ['a', 'b'], manifest: remoteManifest }, { onError: 'skip' }));
    const read = drain(session.outputs);
    for (let i = 0; i < 3; i++) await session.send(json(i));
    await openedRemotely(fleet);
    const victim = fleet.get('a').sessions.size ? 'a' : 'b';
    fleet.get(victim).kill();
    for (let i = 3; i < 8; i++) await session.send(json(i));
    await session.end();
    const { values, error } = await read;
    expect(error).toBeUndefined();
    expect(values.slice(-4)).toEqual([14, 15, 16, 17]);
    expect(fleet.get(victim === 'a' ? 'b' : 'a').handled).toBe(1);
  });

  it('falls back to a local manifest for the whole session when every endpoint is down', async () => {
    const { fleet, runner } = setup();
    fleet.get('a').kill();
    fleet.get('b').kill();
    const session = await runner.stream(
      local({
        endpoints: ['a', 'b'],
        manifest: remoteManifest,
        retry: { maxRetries: 0 },
        fallback: [{ local: { ...remoteManifest, nodes: [{ id: 'x', nodeType: 'Calculator', params: { operation: 'multiply', operand: 2 } }] } }],
      }),
    );
    const read = drain(session.outputs);
    for (let i = 1; i <= 3; i++) await session.send(json(i));
    await session.end();
    expect((await read).values).toEqual([2, 4, 6]);
  });
});

export type { RuntimeData };
