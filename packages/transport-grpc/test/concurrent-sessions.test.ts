import { type AudioData, audio } from '@remotemedia/runtime-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';
import { TOKEN, startServer } from './helpers.js';

describe('100 concurrent streaming sessions', () => {
  let ctx: Awaited<ReturnType<typeof startServer>>;
  beforeAll(async () => {
    ctx = await startServer();
  });
  afterAll(async () => {
    await ctx?.server.close();
  });

  it('each session gets exactly its own outputs, in order', async () => {
    // Two clients (two HTTP/2 connections), 50 sessions each.
    const clients = [0, 1].map(() => createGrpcPipelineClient({ baseUrl: ctx.url, token: TOKEN }));
    const manifest = {
      version: 'v1' as const,
      metadata: { name: 'many' },
      nodes: [
        { id: 'a', nodeType: 'PassThrough' },
        { id: 'b', nodeType: 'PassThrough' },
      ],
      connections: [{ from: 'a', to: 'b' }],
    };
    const CHUNKS = 20;
    const run = async (n: number) => {
      const session = await clients[n % 2].stream(manifest);
      const got: number[] = [];
      const reading = (async () => {
        for await (const out of session.outputs) got.push((out.data as AudioData).samples[0]);
      })();
      for (let i = 0; i < CHUNKS; i++) {
        const samples = new Float32Array(320).fill(n * 1000 + i);
        await session.send(audio(samples, 16_000));
      }
      await session.end();
      await reading;
      return { n, got, sessionId: session.sessionId };
    };
    const results = await Promise.all(Array.from({ length: 100 }, (_, n) => run(n)));
    expect(new Set(results.map((r) => r.sessionId)).size).toBe(100);
    for (const r of results) expect(r.got).toEqual(Array.from({ length: CHUNKS }, (_, i) => r.n * 1000 + i));
    expect(ctx.server.activeCalls).toBe(0);
    await Promise.all(clients.map((c) => c.close()));
  });
});
