// Issue 16 item 1: the option names every transport's server takes (bindAddress, maxSessions,
// pipelines, pipeline) and close({ graceMs }).
import { Code, RemoteMediaError, json } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { createGrpcPipelineClient, createGrpcServer } from '../src/index.js';

const calc = { version: 'v1' as const, metadata: { name: 'calc' }, nodes: [{ id: 'c', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } }] };

describe('createGrpcServer: the shared server shape', () => {
  it('named pipelines ({"pipeline": name}, a record or a catalog read at each call), maxSessions, close({ graceMs })', async () => {
    const catalog: Record<string, typeof calc> = { calc };
    const server = createGrpcServer({
      pipeline: createNodeRunner(),
      bindAddress: '127.0.0.1:0',
      maxSessions: 1,
      pipelines: { get: (name) => catalog[name], names: () => Object.keys(catalog) },
      logger: pino({ level: 'silent' }),
    });
    const { url } = await server.listen();
    const client = createGrpcPipelineClient({ baseUrl: url });
    try {
      expect((await client.execute({ pipeline: 'calc' } as never, [json(1)]))[0].data).toMatchObject({ value: 6 });
      catalog.later = { ...calc, nodes: [{ ...calc.nodes[0], params: { operation: 'multiply', operand: 3 } }] };
      expect((await client.execute('pipeline: later', [json(2)]))[0].data).toMatchObject({ value: 6 });
      const missing = await client.execute({ pipeline: 'nope' } as never, [json(1)]).catch((e: RemoteMediaError) => e);
      expect(missing).toBeInstanceOf(RemoteMediaError);
      expect((missing as RemoteMediaError).code).toBe(Code.NotFound);
      expect((missing as RemoteMediaError).message).toContain('"nope"');
      // maxSessions is limits.maxConcurrentSessions: one open stream, a second is refused.
      const session = await client.stream({ pipeline: 'calc' } as never);
      const second = await client.stream(calc).catch((e: RemoteMediaError) => e);
      expect((second as RemoteMediaError).code).toBe(Code.ResourceExhausted);
      await session.close();
    } finally {
      await client.close();
      await server.close({ graceMs: 0 });
    }
  });
});
