// Issue 16 item 1: the option names every transport's server takes: bindAddress (host:port).
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { describe, expect, it } from 'vitest';
import { createHttpServer } from '../src/index.js';

describe('createHttpServer: the shared server shape', () => {
  it('bindAddress picks host and port (over host/port); a bad one is refused', async () => {
    const server = createHttpServer({ pipeline: createNodeRunner(), bindAddress: '127.0.0.1:0', host: '0.0.0.0', port: 1 });
    const listening = await server.listen();
    const { url } = listening;
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(listening).toEqual({ host: '127.0.0.1', port: Number(url.split(':').pop()), url });
    expect(server.address).toEqual(listening);
    expect((await fetch(`${url}/health`)).status).toBe(200);
    await server.close({ graceMs: 0 });
    await expect(createHttpServer({ pipeline: createNodeRunner(), bindAddress: 'localhost' }).listen()).rejects.toThrow(/invalid bindAddress "localhost"/);
  });
});
