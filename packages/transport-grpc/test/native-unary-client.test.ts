import { execFile } from 'node:child_process';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { Code, RemoteMediaError, text } from '@remotemedia/runtime-core';
import { afterAll, describe, expect, it } from 'vitest';
import { createGrpcPipelineClient } from '../src/index.js';
import { TOKEN, passThrough, startServer } from './helpers.js';

const root = new URL('../../../', import.meta.url).pathname;
const failure = (p: Promise<unknown>) =>
  p.then(
    () => undefined as never,
    (e: unknown) => e as RemoteMediaError,
  );

describe('native gRPC unary client (protocol grpc)', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c(); // clients before their servers
  });

  it('a client deadline is DEADLINE_EXCEEDED and the connection keeps serving the next call', async () => {
    const { server, url } = await startServer();
    cleanups.push(() => server.close());
    const client = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
    cleanups.push(() => client.close());
    const slow = { version: 'v1' as const, metadata: { name: 'slow' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 2000 } }] };
    const e = await failure(client.execute(slow, [text('x')], { timeoutMs: 100 }));
    expect(e).toBeInstanceOf(RemoteMediaError);
    expect(e.code).toBe(Code.DeadlineExceeded);
    expect(e.message).toContain('ExecutePipeline');
    expect((await client.execute(passThrough(), [text('after')]))[0].data).toEqual(text('after'));
    await expect.poll(() => server.activeCalls).toBe(0); // the server stopped the abandoned call too
  });

  it('an HTTP/2 server that is not gRPC gives an error naming the HTTP status', async () => {
    const plain = http2.createServer((_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('no such thing'));
    await new Promise<void>((r) => plain.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise<void>((r) => plain.close(() => r())));
    const client = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${(plain.address() as AddressInfo).port}` });
    cleanups.push(() => client.close());
    const e = await failure(client.execute(passThrough(), [text('x')]));
    expect(e.code).toBe(Code.Unimplemented);
    expect(e.message).toMatch(/HTTP status 404/);
  });

  it('nothing listening is UNAVAILABLE (ConnectionLost), so failover logic can move on', async () => {
    const probe = http2.createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as AddressInfo).port;
    await new Promise<void>((r) => probe.close(() => r()));
    const client = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${port}` });
    cleanups.push(() => client.close());
    const e = await failure(client.execute(passThrough(), [text('x')]));
    expect(e.code).toBe(Code.Unavailable);
    expect(e.reason).toBe('ConnectionLost');
    expect(e.message).toMatch(/ECONNREFUSED/);
  });

  it('an idle client does not keep the process alive, and a call in flight does', { timeout: 30_000 }, async () => {
    const { server, url } = await startServer({ authTokens: [] });
    cleanups.push(() => server.close());
    // The child makes one call (50 ms in the server) without awaiting it at top level and never closes
    // the client: it must print the answer (the call kept it alive) and then exit by itself.
    const script = `
      import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
      const client = createGrpcPipelineClient({ baseUrl: ${JSON.stringify(url)} });
      const m = { version: 'v1', metadata: { name: 'idle' }, nodes: [{ id: 's', nodeType: 'Sleep', params: { ms: 50 } }] };
      client.execute(m, [{ kind: 'text', text: 'alive' }]).then((out) => console.log(out[0].data.text));
    `;
    // Asynchronous: the server runs in this process and must keep answering.
    const child = await new Promise<{ error: Error | null; stdout: string }>((resolve) =>
      execFile(
        process.execPath,
        ['--conditions=@remotemedia/source', '--import', 'tsx', '--input-type=module', '-e', script],
        { cwd: `${root}packages/transport-grpc`, timeout: 20_000 },
        (error, stdout) => resolve({ error, stdout }),
      ),
    );
    expect(child.error).toBeNull(); // exit code 0, and no kill by the timeout: the process ended by itself
    expect(child.stdout.trim()).toBe('alive');
  });
});
