import { Code, RemoteMediaError, type StreamSession, json } from '@remotemedia/runtime-core';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { afterAll, describe, expect, it } from 'vitest';
import { startApp } from '@remotemedia/test-support';

const TOKEN = 'shutdown-test-token-0123456789';

const manifest = {
  version: 'v1' as const,
  metadata: { name: 'drain' },
  nodes: [
    { id: 'a', nodeType: 'PassThrough' },
    { id: 'b', nodeType: 'PassThrough' },
  ],
  connections: [{ from: 'a', to: 'b' }],
};

async function collect(session: StreamSession): Promise<number[]> {
  const got: number[] = [];
  for await (const out of session.outputs) got.push((out.data as { value: number }).value);
  return got;
}

describe('apps/grpc-server graceful shutdown (real process, SIGTERM)', () => {
  let app: Awaited<ReturnType<typeof startApp>> | undefined;
  afterAll(() => {
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
  });

  it('finishes streams in flight, delivers every output of accepted inputs, refuses new calls and exits 0', async () => {
    app = await startApp(['--bind', '127.0.0.1:0', '--metrics-port=-1', '--shutdown-grace-ms', '1500', '--shutdown-drain-delay-ms', '0'], {
      GRPC_AUTH_TOKENS: TOKEN,
    });
    const client = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${app.port}`, token: TOKEN });
    const sessions = await Promise.all(Array.from({ length: 6 }, () => client.stream(manifest)));
    const readers = sessions.map((s) => collect(s));
    for (const [n, s] of sessions.entries()) for (let i = 0; i < 10; i++) await s.send(json(n * 100 + i));

    app.child.kill('SIGTERM');
    // Draining: the health check flips and new sessions are refused, while open ones keep working.
    await expect.poll(async () => (await client.health()).status, { timeout: 5000 }).toBe('not_serving');
    const refused = await client.stream(manifest).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(RemoteMediaError);
    expect((refused as RemoteMediaError).code).toBe(Code.Unavailable);

    // Sessions 0-2 send more and end by themselves; 3-5 never end: the server ends their input after the grace period.
    for (const [n, s] of sessions.slice(0, 3).entries()) {
      for (let i = 10; i < 20; i++) await s.send(json(n * 100 + i));
      await s.end();
    }
    const outputs = await Promise.all(readers);
    for (const [n, got] of outputs.entries()) {
      const count = n < 3 ? 20 : 10;
      expect(got).toEqual(Array.from({ length: count }, (_, i) => n * 100 + i));
    }
    expect(await app.exit).toBe(0);
    expect(app.logs.some((l) => (l as { msg?: string }).msg === 'stopped')).toBe(true);
    await client.close();
  }, 40_000);

  it('with a drain delay, reports NOT_SERVING to new connections while still accepting calls, then stops accepting', async () => {
    const drain = await startApp(['--bind', '127.0.0.1:0', '--metrics-port=-1', '--shutdown-grace-ms', '4000', '--shutdown-drain-delay-ms', '2500'], {
      GRPC_AUTH_TOKENS: TOKEN,
    });
    const url = `http://127.0.0.1:${drain.port}`;
    drain.child.kill('SIGTERM');
    // A balancer's health check on a new connection sees NOT_SERVING, and a call that still lands here is served.
    const early = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
    await expect.poll(async () => (await early.health()).status, { timeout: 2000 }).toBe('not_serving');
    const session = await early.stream(manifest);
    const reader = collect(session);
    await session.send(json(7));
    await session.end();
    expect(await reader).toEqual([7]);
    await early.close();
    // After the delay the listener is closed: new connections are refused.
    await expect
      .poll(
        async () => {
          const late = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
          const answered = await late.health().then(
            () => true,
            () => false, // refused or reset: nothing accepts the connection any more
          );
          await late.close();
          return answered;
        },
        { timeout: 8000, interval: 200 },
      )
      .toBe(false);
    expect(await drain.exit).toBe(0);
  }, 40_000);
});
