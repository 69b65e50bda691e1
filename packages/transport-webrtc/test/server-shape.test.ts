// Issue 16 item 1: the option names every transport's server takes: bindAddress, maxSessions, pipelines.
import { Code, RemoteMediaError, json } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { describe, expect, it } from 'vitest';
import { createWebRtcPipelineClient, createWebRtcServer } from '../src/index.js';

const calc = { version: 'v1' as const, metadata: { name: 'calc' }, nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }] };

describe('createWebRtcServer: the shared server shape', () => {
  it('bindAddress, maxSessions and pipelines (a record; inline manifests then off)', async () => {
    const server = await createWebRtcServer({ pipeline: createNodeRunner(), bindAddress: '127.0.0.1:0', maxSessions: 1, pipelines: { calc } });
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await server.listen()).toEqual({ host: '127.0.0.1', port: server.port, url: server.url });
    const client = createWebRtcPipelineClient({ signalingUrl: server.signalingUrl });
    try {
      const session = await client.openSession({ pipeline: 'calc' });
      await session.send(json(1));
      expect((await session.recv())?.data).toMatchObject({ value: 6 });
      const second = await client.openSession({ pipeline: 'calc' }).catch((e: RemoteMediaError) => e);
      expect((second as RemoteMediaError).code).toBe(Code.ResourceExhausted);
      await session.close();
      const inline = await client.openSession({ manifest: calc }).catch((e: RemoteMediaError) => e);
      expect((inline as RemoteMediaError).code).toBe(Code.PermissionDenied);
    } finally {
      await client.close();
      await server.close();
    }
  }, 30_000);
});
