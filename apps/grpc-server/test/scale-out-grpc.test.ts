// Three real grpc-server processes behind a real nginx (`grpc_pass`, round robin) on loopback:
// streaming sessions spread over all three; SIGTERM on one drains it (NOT_SERVING, its sessions
// finish, new ones land on the other two); SIGKILL on one fails only its own sessions.
import { Code, RemoteMediaError, type StreamSession, json } from '@remotemedia/runtime-core';
import { type GrpcPipelineClient, createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { afterEach, describe, expect, it } from 'vitest';
import { type AppProcess, type Nginx, grpcConfig, nginxAvailable, startApp, startNginx } from '@remotemedia/test-support';

const manifest = {
  version: 'v1' as const,
  metadata: { name: 'scale' },
  nodes: [
    { id: 'a', nodeType: 'PassThrough' },
    { id: 'b', nodeType: 'PassThrough' },
  ],
  connections: [{ from: 'a', to: 'b' }],
};

/** A session with its outputs read in the background, and a way to wait for the n-th. */
class Tracked {
  readonly got: number[] = [];
  error: unknown;
  readonly done: Promise<void>;
  #waiters: (() => void)[] = [];
  constructor(readonly session: StreamSession) {
    this.done = (async () => {
      try {
        for await (const out of session.outputs) {
          this.got.push((out.data as { value: number }).value);
          for (const w of this.#waiters.splice(0)) w();
        }
      } catch (error) {
        this.error = error;
      } finally {
        for (const w of this.#waiters.splice(0)) w();
      }
    })();
  }
  async waitFor(count: number): Promise<void> {
    // Bounded by the session itself: it either delivers or ends (`done`), which wakes the waiter.
    while (this.got.length < count && this.error === undefined) {
      const ended = await Promise.race([new Promise<boolean>((r) => this.#waiters.push(() => r(false))), this.done.then(() => true)]);
      if (ended) break;
    }
    if (this.got.length < count) throw this.error instanceof Error ? this.error : new Error(`session ended with ${this.got.length} of ${count} outputs`);
  }
}

async function activeSessions(app: AppProcess): Promise<number> {
  const text = await (await fetch(`${app.logs.find((l) => l.msg === 'ready')!.metrics as string}/metrics`)).text();
  const m = /^remotemedia_grpc_active_sessions (\d+)/m.exec(text);
  return Number(m?.[1]);
}

/** Opens a session; a refusal with `unavailable` (reason ShuttingDown: a draining replica, nothing started) is retried, as gRPC clients retry UNAVAILABLE. */
async function open(client: GrpcPipelineClient, retries: { count: number }): Promise<Tracked> {
  for (let attempt = 0; ; attempt++) {
    try {
      return new Tracked(await client.stream(manifest));
    } catch (error) {
      if (attempt < 5 && error instanceof RemoteMediaError && error.code === Code.Unavailable) {
        retries.count++;
        continue;
      }
      throw error;
    }
  }
}

const run = nginxAvailable() ? describe : describe.skip;

run('gRPC streaming sessions through nginx grpc_pass across three grpc-servers', () => {
  let apps: AppProcess[] = [];
  let nginx: Nginx | undefined;
  let clients: GrpcPipelineClient[] = [];
  const start = async () => {
    // nginx (open source) has no active health checks: it learns of a draining replica from refused
    // connections, so these replicas close their listener at once (no NOT_SERVING drain delay).
    apps = await Promise.all(
      [0, 1, 2].map(() =>
        startApp(['--bind', '127.0.0.1:0', '--metrics-port', '0', '--shutdown-grace-ms', '30000', '--shutdown-drain-delay-ms', '0', '--max-sessions', '1000']),
      ),
    );
    nginx = await startNginx((dir, port) =>
      grpcConfig(
        dir,
        port,
        apps.map((a, i) => ({ name: `grpc-${i}`, port: a.port })),
      ),
    );
    const client = createGrpcPipelineClient({ baseUrl: nginx.url });
    clients.push(client);
    return client;
  };
  afterEach(async () => {
    for (const c of clients) await c.close().catch(() => {});
    clients = [];
    await nginx?.stop();
    for (const a of apps) if (a.child.exitCode === null) a.child.kill('SIGKILL');
  });

  it('300 sessions spread 20-45% per replica; SIGTERM on one mid-run loses none, and new sessions go to the other two', async () => {
    const client = await start();
    const retries = { count: 0 };
    const sessions = await Promise.all(Array.from({ length: 300 }, () => open(client, retries)));
    await Promise.all(sessions.map(async (t, n) => (await t.session.send(json(n * 10)), t.waitFor(1))));
    const counts = await Promise.all(apps.map(activeSessions));
    expect(counts.reduce((a, b) => a + b)).toBe(300);
    for (const c of counts) expect(c / 300, `spread ${counts.join(', ')}`).toBeGreaterThanOrEqual(0.2);
    for (const c of counts) expect(c / 300, `spread ${counts.join(', ')}`).toBeLessThanOrEqual(0.45);

    const victim = apps[0];
    // A health watcher's connection (as a balancer's or kubelet's probe keeps) made before the signal.
    const direct = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${victim.port}` });
    clients.push(direct);
    expect((await direct.health()).status).toBe('serving');
    victim.child.kill('SIGTERM');
    await expect.poll(async () => (await direct.health()).status, { timeout: 5000 }).toBe('not_serving');
    // New connections are refused at once, so nginx passes new streams to the next replica itself.
    const late = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${victim.port}` });
    clients.push(late);
    await expect(late.health()).rejects.toMatchObject({ code: Code.Unavailable });

    // New sessions while it drains: none lands there (a refusal is retried on the next replica).
    const fresh = await Promise.all(Array.from({ length: 30 }, () => open(client, retries)));
    await Promise.all(fresh.map(async (t, n) => (await t.session.send(json(-n - 1)), t.waitFor(1))));
    const after = await Promise.all(apps.slice(1).map(activeSessions));
    expect(after.reduce((a, b) => a + b)).toBe(counts[1] + counts[2] + 30);

    // Every session, the draining replica's included, sends the rest and gets every output.
    await Promise.all(
      [...sessions, ...fresh].map(async (t, n) => {
        for (let i = 1; i < 5; i++) await t.session.send(json(n * 10 + i));
        await t.session.end();
        await t.done;
      }),
    );
    const lost = [...sessions, ...fresh].filter((t) => t.error !== undefined);
    expect(lost.map((t) => String(t.error))).toEqual([]);
    for (const [n, t] of sessions.entries()) expect(t.got).toEqual([0, 1, 2, 3, 4].map((i) => n * 10 + i));
    for (const [n, t] of fresh.entries()) expect(t.got).toEqual([-n - 1, ...[1, 2, 3, 4].map((i) => (300 + n) * 10 + i)]);
    expect(await victim.exit).toBe(0);
    console.log(`gRPC drain: spread ${counts.join('/')} of 300; ${retries.count} refused starts retried while draining; 0 lost`);
  }, 120_000);

  it('SIGKILL on one replica fails only its own sessions, with a clear error; new sessions succeed at once', async () => {
    const client = await start();
    const none = { count: 0 };
    const sessions = await Promise.all(Array.from({ length: 150 }, () => open(client, none)));
    await Promise.all(sessions.map(async (t, n) => (await t.session.send(json(n * 10)), t.waitFor(1))));
    const counts = await Promise.all(apps.map(activeSessions));
    expect(counts.reduce((a, b) => a + b)).toBe(150);

    const victim = apps[1];
    victim.child.kill('SIGKILL');
    await victim.exit;
    // New sessions right away: the dead replica's refused connection is retried by nginx on the next one.
    const fresh = await Promise.all(Array.from({ length: 30 }, () => open(client, none)));
    expect(none.count).toBe(0);
    await Promise.all(fresh.map(async (t, n) => (await t.session.send(json(-n - 1)), t.waitFor(1))));

    await Promise.all(
      [...sessions, ...fresh].map(async (t, n) => {
        try {
          for (let i = 1; i < 5; i++) await t.session.send(json(n * 10 + i));
          await t.session.end();
        } catch (error) {
          t.error ??= error;
        }
        await t.done;
      }),
    );
    const failed = sessions.filter((t) => t.error !== undefined);
    expect(failed.length).toBe(counts[1]);
    for (const t of failed) {
      expect(t.error).toBeInstanceOf(RemoteMediaError);
      // A lost replica is a lost connection (retryable), not a server fault.
      expect((t.error as RemoteMediaError).code).toBe(Code.Unavailable);
      expect((t.error as RemoteMediaError).reason).toBe('ConnectionLost');
    }
    for (const [n, t] of sessions.entries()) if (t.error === undefined) expect(t.got).toEqual([0, 1, 2, 3, 4].map((i) => n * 10 + i));
    for (const t of fresh) expect(t.error).toBeUndefined();
    console.log(`gRPC SIGKILL: spread ${counts.join('/')}; failed ${failed.length} (the killed replica's ${counts[1]}), e.g. ${String(failed[0]?.error)}`);
  }, 120_000);
});
