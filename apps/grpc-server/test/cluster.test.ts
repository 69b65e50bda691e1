import { type RuntimeData, type StreamSession, json } from '@remotemedia/runtime-core';
import { createGrpcPipelineClient } from '@remotemedia/transport-grpc';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { afterAll, describe, expect, it } from 'vitest';
import { workerExecArgv } from '../src/worker-exec-argv.js';
import { type AppProcess, startApp } from '@remotemedia/test-support';

const TOKEN = 'cluster-token-0123456789';
const manifest = { version: 'v1' as const, metadata: { name: 'cluster' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };

async function collect(session: StreamSession): Promise<RuntimeData[]> {
  const got: RuntimeData[] = [];
  for await (const out of session.outputs) got.push(out.data);
  return got;
}

const workerPids = (app: AppProcess) => new Set(app.logs.filter((l) => l.msg === 'worker ready').map((l) => l.pid as number));

describe('apps/grpc-server --workers (real processes)', () => {
  let app: AppProcess | undefined;
  afterAll(() => {
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
    for (const pid of app ? workerPids(app) : []) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  it('serves from every worker, merges /metrics, replaces a dead worker, and drains on SIGTERM', async () => {
    app = await startApp(['--bind', '127.0.0.1:0', '--metrics-port', '0', '--workers', '2', '--shutdown-grace-ms', '1000'], { GRPC_AUTH_TOKENS: TOKEN });
    const ready = app.logs.find((l) => l.msg === 'ready')!;
    expect(ready.workers).toBe(2);
    await expect.poll(() => workerPids(app!).size).toBe(2);
    // Workers fill the cores (2 workers on this 2-core machine): single-threaded GC, see worker-exec-argv.ts.
    if (process.platform === 'linux') {
      const flags = [...workerPids(app)].map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0'));
      for (const argv of flags) expect(argv.includes('--single-threaded-gc')).toBe(2 >= availableParallelism());
    }
    const url = `http://127.0.0.1:${app.port}`;

    // Each client is its own HTTP/2 connection, and connections are spread over the workers.
    const clients = Array.from({ length: 8 }, () => createGrpcPipelineClient({ baseUrl: url, token: TOKEN }));
    const results = await Promise.all(clients.map((c, i) => c.execute(manifest, [json(i)])));
    expect(results.map((r) => (r[0].data as { value: number }).value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);

    // The merged /metrics needs a token like a single server's when auth is on (--metrics-public opens it).
    expect((await fetch(`${ready.metrics as string}/metrics`)).status).toBe(401);
    const metrics = await (await fetch(`${ready.metrics as string}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } })).text();
    const served = [
      ...metrics.matchAll(
        /^remotemedia_grpc_requests_total\{worker="(\d+)",procedure="remotemedia.v1.PipelineExecutionService\/ExecutePipeline",protocol="grpc",code="OK"\} (\d+)$/gm,
      ),
    ];
    expect(new Set(served.map((m) => m[1])).size).toBe(2);
    expect(served.reduce((sum, m) => sum + Number(m[2]), 0)).toBe(8);
    expect(metrics.match(/^# TYPE remotemedia_grpc_requests_total counter$/gm)).toHaveLength(1);

    // A worker killed outright is replaced; the server keeps answering meanwhile.
    const [victim] = workerPids(app);
    process.kill(victim, 'SIGKILL');
    await expect.poll(() => workerPids(app!).size, { timeout: 15_000 }).toBe(3);
    await expect.poll(() => app!.logs.some((l) => l.msg === 'worker died; starting a new one')).toBe(true);
    const fresh = await Promise.all(
      Array.from({ length: 4 }, (_, i) => createGrpcPipelineClient({ baseUrl: url, token: TOKEN }).execute(manifest, [json(100 + i)])),
    );
    expect(fresh.map((r) => (r[0].data as { value: number }).value)).toEqual([100, 101, 102, 103]);

    // SIGTERM to the primary: a stream in flight finishes with all its outputs, then everything exits 0.
    const session = await clients[0].stream(manifest);
    const reader = collect(session);
    for (let i = 0; i < 5; i++) await session.send(json(i));
    app.child.kill('SIGTERM');
    for (let i = 5; i < 10; i++) await session.send(json(i));
    await session.end();
    expect((await reader).map((d) => (d as { value: number }).value)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await app.exit).toBe(0);
    for (const pid of workerPids(app)) expect(() => process.kill(pid, 0)).toThrow();
    await Promise.all(clients.map((c) => c.close()));
  }, 60_000);
});

describe('workerExecArgv', () => {
  it('keeps the primary flags and adds single-threaded GC only when the workers fill every core', () => {
    expect(workerExecArgv(['--max-semi-space-size=64'], 2, 2)).toEqual(['--max-semi-space-size=64', '--single-threaded-gc']);
    expect(workerExecArgv(['--max-semi-space-size=64'], 4, 2)).toEqual(['--max-semi-space-size=64', '--single-threaded-gc']);
    expect(workerExecArgv(['--max-semi-space-size=64'], 2, 8)).toEqual(['--max-semi-space-size=64']);
  });

  it('leaves an operator choice alone', () => {
    expect(workerExecArgv(['--no-single-threaded-gc'], 2, 2)).toEqual(['--no-single-threaded-gc']);
    expect(workerExecArgv(['--single-threaded-gc'], 2, 8)).toEqual(['--single-threaded-gc']);
  });
});
