// Container nodes over a live gRPC server: apps/grpc-server from source, configured by the operator's
// REMOTEMEDIA_CONTAINER_CONFIG, called by the Python package's gRPC client (Debian python3 + grpcio).
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerEngine } from '@remotemedia/runtime-core/node';
import { FIXTURE_NODES } from '../python/helpers.js';
import { ROOT, TEST_IMAGE, buildImages, findEngine, labelledContainers } from './container-helpers.js';

const found = await findEngine();
const grpcio = spawnSync('/usr/bin/python3', ['-c', 'import grpc, numpy']).status === 0;
if (!found.engine) console.warn(`container gRPC tests skipped: no container engine can run on this host: ${found.why}`);
else if (!grpcio) console.warn('container gRPC tests skipped: /usr/bin/python3 lacks grpcio or numpy (apt-get install python3-grpcio python3-numpy)');
const engine = found.engine as ContainerEngine;

// The client: runs every call of the spec and prints what each returned or raised.
const CLIENT = `
import json, sys, threading
import numpy as np
import remotemedia

spec = json.load(sys.stdin)
client = remotemedia.connect(spec["url"], protocol="grpc")

def plain(v):
    if isinstance(v, np.ndarray):
        return {"dtype": str(v.dtype), "shape": list(v.shape), "values": v.tolist()}
    return v

def run(manifest, inputs):
    inputs = [np.array(i["tensor"], dtype=np.float32) if isinstance(i, dict) and "tensor" in i else i for i in inputs]
    try:
        return {"ok": [plain(o) for o in client.execute_pipeline_with_input_sync(manifest, inputs, timeout=120)]}
    except Exception as e:  # noqa: BLE001
        return {"error": {"code": getattr(e, "code", None), "node_id": getattr(e, "node_id", None), "message": str(e)}}

out = {}
for name in spec["first"]:
    out[name] = run(*spec["calls"][name])
slow = {}
thread = threading.Thread(target=lambda: slow.update(run(*spec["calls"]["slow"])))
thread.start()
out["hog"] = run(*spec["calls"]["hog"])
thread.join()
out["slow"] = slow
out["after"] = run(*spec["calls"]["container"])
print(json.dumps(out))
`;

interface Result {
  ok?: unknown[];
  error?: { code: string; node_id: string; message: string };
}

describe.skipIf(!found.engine || !grpcio)('container nodes over a live gRPC server', () => {
  let server: ChildProcess;
  let url: string;

  beforeAll(async () => {
    buildImages(engine);
    server = spawn(
      process.execPath,
      ['--conditions=@remotemedia/source', '--import', 'tsx', 'apps/grpc-server/src/main.ts', '--bind', '127.0.0.1:0', '--metrics-port', '-1'],
      {
        cwd: ROOT,
        env: {
          ...process.env,
          LOG_LEVEL: 'info',
          REMOTEMEDIA_ALLOW_MANIFEST_PYTHON: '1',
          REMOTEMEDIA_CONTAINER_CONFIG: JSON.stringify({ images: [TEST_IMAGE], defaults: { memoryMb: 256 }, idleTimeoutMs: 1000 }),
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    server.stderr!.on('data', (d) => (stderr += d));
    url = await new Promise<string>((resolve, reject) => {
      createInterface({ input: server.stdout! }).on('line', (line) => {
        try {
          const e = JSON.parse(line) as { msg?: string; url?: string };
          if (e.msg === 'ready' && e.url) resolve(e.url);
        } catch {
          /* not a log line */
        }
      });
      server.once('exit', (code) => reject(new Error(`grpc-server exited with ${code}: ${stderr}`)));
    });
  }, 300_000);

  afterAll(async () => {
    if (server && server.exitCode === null) {
      server.kill('SIGTERM');
      await new Promise((r) => server.once('exit', r));
    }
    // The server removed its containers when it stopped.
    expect(labelledContainers(engine).filter((n) => n.startsWith(`remotemedia-${server?.pid}-`))).toEqual([]);
  }, 60_000);

  it('a mixed pipeline gives the same outputs with the Python node in a container as in a process; an OOM node fails alone', () => {
    const mixed = (executor: string, modules: string[]) => ({
      version: 'v1',
      metadata: { name: `mixed-${executor}` },
      nodes: [
        { id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } },
        { id: 'py', nodeType: 'PyAddOne', executor },
        { id: 'mul', nodeType: 'Calculator', params: { operation: 'multiply', operand: 2 } },
      ],
      connections: [
        { from: 'add', to: 'py' },
        { from: 'py', to: 'mul' },
      ],
      settings: { python: { modules } },
    });
    const tensors = (executor: string, modules: string[]) => ({
      version: 'v1',
      metadata: { name: `tensor-${executor}` },
      nodes: [
        { id: 'in', nodeType: 'PassThrough' },
        { id: 'py', nodeType: 'PyPassThrough', executor },
        { id: 'out', nodeType: 'PassThrough' },
      ],
      connections: [
        { from: 'in', to: 'py' },
        { from: 'py', to: 'out' },
      ],
      settings: { python: { modules } },
    });
    const one = (id: string, nodeType: string, params: Record<string, unknown>) => ({
      version: 'v1',
      metadata: { name: id },
      nodes: [{ id, nodeType, executor: 'container', params }],
      settings: { python: { modules: ['container_nodes'] } },
    });
    const numbers = [1, 2, 40];
    const tensorInputs = [
      {
        tensor: [
          [0, 1.5, -2],
          [3, 4, 5],
        ],
      },
      { tensor: [7] },
    ];
    const spec = {
      url,
      first: ['process', 'container', 'tensorProcess', 'tensorContainer'],
      calls: {
        process: [mixed('multiprocess', [FIXTURE_NODES]), numbers],
        container: [mixed('container', ['test_nodes']), numbers],
        tensorProcess: [tensors('multiprocess', [FIXTURE_NODES]), tensorInputs],
        tensorContainer: [tensors('container', ['test_nodes']), tensorInputs],
        hog: [one('hog', 'Hog', { mb: 1024 }), [0]],
        slow: [one('slow', 'SlowEcho', { ms: 200 }), ['a', 'b', 'c', 'd']],
      },
    };
    const r = spawnSync('/usr/bin/python3', ['-c', CLIENT], {
      input: JSON.stringify(spec),
      encoding: 'utf8',
      env: { ...process.env, PYTHONPATH: join(ROOT, 'packages/runtime-core/python') },
      timeout: 240_000,
    });
    expect(r.status, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim().split('\n').pop()!) as Record<string, Result>;
    expect(out.process).toEqual({ ok: [14, 16, 92] });
    expect(out.container).toEqual(out.process);
    expect(out.tensorContainer.ok).toHaveLength(2);
    expect(out.tensorContainer).toEqual(out.tensorProcess);
    // Memory over the container's limit: ResourceExhausted naming the node and the limit...
    expect(out.hog.error).toMatchObject({ code: 'resource_exhausted', node_id: 'hog' });
    expect(out.hog.error!.message).toContain('memoryMb=256');
    // ...while another session (in the same container) and the server go on.
    expect(out.slow).toEqual({ ok: ['a', 'b', 'c', 'd'] });
    expect(out.after).toEqual(out.process);
  }, 300_000);
});
