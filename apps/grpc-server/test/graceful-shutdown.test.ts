import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { Code, RemoteMediaError, type StreamSession, json } from '@remotemedia/runtime-core';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { afterAll, describe, expect, it } from 'vitest';

const root = new URL('../../../', import.meta.url).pathname;
const TOKEN = 'shutdown-test-token-0123456789';

/** Spawns the real app (from source) and resolves with its port once it logs `ready`. */
function startApp(args: string[]): Promise<{ child: ChildProcess; port: number; exit: Promise<number | null>; logs: unknown[] }> {
  const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', 'apps/grpc-server/src/main.ts', ...args], {
    cwd: root,
    env: { ...process.env, GRPC_AUTH_TOKENS: TOKEN, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: unknown[] = [];
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr!.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start within 20 s; stderr: ${stderr}`)), 20_000);
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; port?: number };
      try {
        entry = JSON.parse(line);
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'ready') {
        clearTimeout(timer);
        resolve({ child, port: entry.port!, exit, logs });
      }
    });
    void exit.then((code) => reject(new Error(`app exited with ${code} before ready; stderr: ${stderr}`)));
  });
}

const manifest = { version: 'v1' as const, metadata: { name: 'drain' }, nodes: [{ id: 'a', nodeType: 'PassThrough' }, { id: 'b', nodeType: 'PassThrough' }], connections: [{ from: 'a', to: 'b' }] };

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
    app = await startApp(['--bind', '127.0.0.1:0', '--metrics-port=-1', '--shutdown-grace-ms', '1500']);
    const client = createGrpcPipelineClient({ baseUrl: `http://127.0.0.1:${app.port}`, token: TOKEN });
    const sessions = await Promise.all(Array.from({ length: 6 }, () => client.createStreamSession(manifest)));
    const readers = sessions.map((s) => collect(s));
    for (const [n, s] of sessions.entries()) for (let i = 0; i < 10; i++) await s.send(json(n * 100 + i));

    app.child.kill('SIGTERM');
    // Draining: the health check flips and new sessions are refused, while open ones keep working.
    await expect.poll(async () => (await client.health()).status, { timeout: 5000 }).toBe('not_serving');
    const refused = await client.createStreamSession(manifest).then(
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
});
