import * as http2 from 'node:http2';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';

// A peer that resets every stream with CANCEL, as a server process dying mid-call does.
describe('a stream reset the caller did not cause', () => {
  let server: http2.Http2Server;
  let url: string;
  beforeAll(async () => {
    server = http2.createServer();
    server.on('stream', (stream) => stream.close(http2.constants.NGHTTP2_CANCEL));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const manifest = { version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;

  it('is Unavailable (ConnectionLost), so retries and failover treat it as an endpoint failure', async () => {
    const client = createGrpcPipelineClient({ baseUrl: url });
    const error = await client.execute(manifest, [{ kind: 'text', text: 'x' }]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).code).toBe(Code.Unavailable);
    expect((error as RemoteMediaError).reason).toBe('ConnectionLost');
    await client.close();
  });

  it('stays Canceled when the caller aborted', async () => {
    const client = createGrpcPipelineClient({ baseUrl: url });
    const controller = new AbortController();
    controller.abort();
    const error = await client.execute(manifest, [{ kind: 'text', text: 'x' }], { signal: controller.signal }).catch((e: unknown) => e);
    expect((error as RemoteMediaError).code).toBe(Code.Canceled);
    await client.close();
  });
});
