// The container executor with real containers (Podman + runc on CI, from scripts/system-packages.txt).
// Skipped only where no container engine runs at all, saying why.
import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Code, type ManifestInput, RemoteMediaError, type RuntimeData } from '@remotemedia/runtime-core';
import { type ContainerEngine, type PythonPipelineRunner, containerOptionsFromEnv, createNodeRunner, createServerRunner } from '@remotemedia/runtime-core/node';
import { FIXTURE_NODES, chain } from '../python/helpers.js';
import { waitUntil } from '@remotemedia/test-support';
import { ROOT, TEST_IMAGE, buildImages, findEngine, labelledContainers } from './container-helpers.js';

const found = await findEngine();
if (!found.engine) console.warn(`container tests skipped: no container engine can run on this host: ${found.why}`);
const engine = found.engine as ContainerEngine;

const json = (value: unknown) => ({ kind: 'json', value }) as RuntimeData;
const text = (t: string) => ({ kind: 'text', text: t }) as const;
const value = (o: { data: RuntimeData }) => (o.data as { value: unknown }).value;
/** Modules by name: they are in the test image's site-packages. */
const inImage = (nodes: Parameters<typeof chain>[0], container: Record<string, unknown> = {}, extra: Partial<ManifestInput> = {}) =>
  chain(nodes, { settings: { python: { modules: ['container_nodes', 'test_nodes'] }, container }, ...extra });

async function rejection(p: Promise<unknown>): Promise<RemoteMediaError> {
  try {
    await p;
  } catch (error) {
    return error as RemoteMediaError;
  }
  throw new Error('expected a rejection');
}

describe.skipIf(!found.engine)(`container executor (${found.engine?.kind ?? 'no engine'})`, () => {
  let runner: PythonPipelineRunner;

  beforeAll(() => {
    buildImages(engine);
    runner = createNodeRunner({
      python: {
        modules: [FIXTURE_NODES],
        container: {
          images: [TEST_IMAGE],
          defaults: { memoryMb: 256 },
          limits: { maxMemoryMb: 1024 },
          idleTimeoutMs: 300,
          healthIntervalMs: 500,
        },
      },
    });
  }, 300_000);

  afterAll(async () => {
    await runner?.shutdown({ graceMs: 0 });
    // Nothing this suite started is left behind (other processes' containers are not ours to count).
    const ours = labelledContainers(engine).filter((n) => n.startsWith(`remotemedia-${process.pid}-`));
    expect(ours).toEqual([]);
  });

  it('runs a Python node in a container inside a TS pipeline, with the same outputs as the process executor', async () => {
    const nodes = (executor: 'multiprocess' | 'container') => [
      { nodeType: 'Calculator', params: { operation: 'add', operand: 5 } },
      { nodeType: 'PyAddOne', executor },
      { nodeType: 'Calculator', params: { operation: 'multiply', operand: 2 } },
    ];
    const inputs = [json(1), json(2), json(40)];
    const proc = await runner.execute(chain(nodes('multiprocess')), inputs);
    const cont = await runner.execute(inImage(nodes('container')), inputs);
    expect(cont.map(value)).toEqual([14, 16, 92]);
    expect(cont.map(value)).toEqual(proc.map(value));
  });

  it('imports a module that exists only in the image (not on the host)', async () => {
    expect(spawnSync('python3', ['-c', 'import rm_image_only']).status).not.toBe(0);
    const [out] = await runner.execute(inImage([{ nodeType: 'ImageOnly', executor: 'container' }]), [json(0)]);
    expect(value(out)).toEqual({ marker: 'only-in-the-image', module: '/usr/lib/python3/dist-packages/rm_image_only.py' });
  });

  it('sandboxes the node: unprivileged user, read-only root, writable scratch, no network', async () => {
    const [out] = await runner.execute(inImage([{ nodeType: 'WhereAmI', executor: 'container' }]), [json(0)]);
    expect(value(out)).toMatchObject({ uid: 65534, scratch: true, root: false, etc: false, network: false, interfaces: ['lo'] });
  });

  it('the kernel applies the limits the manifest asked for: memory, pids, CPU', async () => {
    const [out] = await runner.execute(inImage([{ nodeType: 'WhereAmI', executor: 'container' }], { memoryMb: 320, pids: 40, cpus: 0.5 }), [json(0)]);
    const { memoryLimit, pidsLimit, cpuQuota } = value(out) as Record<string, string>;
    expect(Number(memoryLimit)).toBe(320 * 1024 * 1024);
    expect(pidsLimit).toBe('40');
    // cgroup v1: quota in µs per 100000 µs period; v2: "50000 100000".
    expect(cpuQuota.split(' ')[0]).toBe('50000');
  });

  it('shares one container between two sessions of the same image and limits; removes it after the idle timeout', async () => {
    const manifest = inImage([{ nodeType: 'WhereAmI', executor: 'container' }]);
    const a = await runner.stream(manifest);
    const b = await runner.stream(manifest);
    await Promise.all([a.send(json(1)), b.send(json(2))]);
    const [outA, outB] = await Promise.all([a.recv(), b.recv()]);
    const infoA = value(outA as { data: RuntimeData }) as { hostname: string; session: string };
    const infoB = value(outB as { data: RuntimeData }) as { hostname: string; session: string };
    expect(infoA.session).not.toBe(infoB.session);
    expect(infoA.hostname).toBe(infoB.hostname);
    const names = runner.python.container!.containerNames;
    expect(names).toHaveLength(1);
    // Other limits: another container.
    const [other] = await runner.execute(inImage([{ nodeType: 'WhereAmI', executor: 'container' }], { memoryMb: 300 }), [json(3)]);
    expect((value(other) as { hostname: string }).hostname).not.toBe(infoA.hostname);
    await Promise.all([a.close(), b.close()]);
    await waitUntil(() => runner.python.container!.containerNames.length === 0, { what: 'idle containers released', timeoutMs: 30_000, intervalMs: 100 });
    await waitUntil(() => !labelledContainers(engine).includes(names[0]), {
      what: 'the idle container removed from the engine',
      timeoutMs: 30_000,
      intervalMs: 100,
    });
  });

  it('memory limit, heap: the node gets ResourceExhausted naming it and the limit; the container and other sessions go on', async () => {
    const survivor = await runner.stream(inImage([{ id: 'echo', nodeType: 'SlowEcho', executor: 'container' }]));
    await survivor.send(text('before'));
    expect(await survivor.recv()).toMatchObject({ data: text('before') });
    const error = await rejection(runner.execute(inImage([{ id: 'hog', nodeType: 'Hog', executor: 'container', params: { mb: 1024 } }]), [json(0)]));
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.reason).toBe('ContainerMemoryLimit');
    expect(error.message).toContain('"hog"');
    expect(error.message).toContain('memoryMb=256');
    await survivor.send(text('after'));
    expect(await survivor.recv()).toMatchObject({ data: text('after') });
    await survivor.close();
  });

  it("memory limit, the kernel's OOM killer (shared memory the heap limit does not see): ResourceExhausted naming node and limit", async () => {
    const error = await rejection(
      runner.execute(inImage([{ id: 'shm', nodeType: 'Hog', executor: 'container', params: { mb: 1024, shared: true } }]), [json(0)]),
    );
    expect(error.code, `${error.message} ${JSON.stringify(error.details)}`).toBe(Code.ResourceExhausted);
    expect(error.reason).toBe('ContainerMemoryLimit');
    expect(error.message).toContain('"shm"');
    expect(error.message).toContain('memoryMb=256');
    // The container survived its worker: the next session runs in it.
    const [out] = await runner.execute(inImage([{ nodeType: 'PyAddOne', executor: 'container' }]), [json(1)]);
    expect(value(out)).toBe(2);
  });

  it('a container killed mid-stream fails its session with a clear error naming node and container', async () => {
    const session = await runner.stream(inImage([{ id: 'echo', nodeType: 'SlowEcho', executor: 'container' }], { memoryMb: 200 }));
    await session.send(text('one'));
    expect(await session.recv()).toMatchObject({ data: text('one') });
    const [name] = runner.python.container!.containerNames.filter((n) => labelledContainers(engine).includes(n));
    execFileSync(engine.bin, [...engine.globalArgs, 'kill', name]);
    const error = await rejection(
      (async () => {
        await session.send(text('two')).catch(() => {});
        for (;;) if ((await session.recv()) === undefined) break;
      })(),
    );
    expect(error.code).toBe(Code.Unavailable);
    expect(error.reason, error.message).toBe('ContainerExited');
    expect(error.message).toContain('"echo"');
    expect(error.message).toContain(name);
    await session.close().catch(() => {});
  });

  it('a container that stops answering (paused) fails its sessions with a clear error', async () => {
    const session = await runner.stream(inImage([{ id: 'frozen', nodeType: 'SlowEcho', executor: 'container' }], { memoryMb: 220 }));
    await session.send(text('one'));
    expect(await session.recv()).toMatchObject({ data: text('one') });
    const [name] = runner.python.container!.containerNames.filter((n) => labelledContainers(engine).includes(n));
    execFileSync(engine.bin, [...engine.globalArgs, 'pause', name]);
    const error = await rejection(
      (async () => {
        await session.send(text('two')).catch(() => {});
        for (;;) if ((await session.recv()) === undefined) break;
      })(),
    );
    expect(error.code).toBe(Code.Unavailable);
    expect(error.reason).toBe('ContainerExited');
    expect(error.message).toContain('"frozen"');
    expect(error.message).toContain('paused');
    await session.close().catch(() => {});
    await waitUntil(() => !labelledContainers(engine).includes(name), { what: 'the paused container removed', timeoutMs: 30_000, intervalMs: 100 });
  });

  it('warm workers: started ahead in a container of the defaults, taken by sessions, refilled', async () => {
    const warm = createNodeRunner({ python: { container: { images: [TEST_IMAGE], modules: ['test_nodes'], warmWorkers: 1, idleTimeoutMs: 300 } } });
    try {
      const c = warm.python.container!;
      await waitUntil(() => c.warmWorkers === 1, { what: 'a warm worker', timeoutMs: 30_000, intervalMs: 100 });
      const names = c.containerNames;
      const [out] = await warm.execute(chain([{ nodeType: 'PyAddOne', executor: 'container' }]), [json(41)]);
      expect(value(out)).toBe(42);
      expect(c.containerNames).toEqual(names); // it ran in the warm container
      await waitUntil(() => c.warmWorkers === 1, { what: 'the warm worker replaced', timeoutMs: 30_000, intervalMs: 100 });
    } finally {
      await warm.shutdown({ graceMs: 0 });
    }
    expect(warm.python.container!.containerNames).toEqual([]);
  });

  it('the host killed outright leaves its container behind; the next start removes it', async () => {
    const child: ChildProcess = spawn(
      process.execPath,
      ['--conditions=@remotemedia/source', '--import', 'tsx', 'packages/runtime-core/test/container/fixtures/host-crash.mts', TEST_IMAGE],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    child.stderr!.on('data', (d) => (stderr += d));
    const line = await new Promise<string>((resolve, reject) => {
      createInterface({ input: child.stdout! }).once('line', resolve);
      child.once('exit', (code) => reject(new Error(`host-crash exited with ${code}: ${stderr}`)));
    });
    const [leftover] = JSON.parse(line) as string[];
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    expect(labelledContainers(engine)).toContain(leftover);
    const next = createNodeRunner({ python: { container: { images: [TEST_IMAGE] } } });
    await next.python.container!.engine(); // the start: stale containers are reaped first
    expect(labelledContainers(engine)).not.toContain(leftover);
    await next.shutdown();
  }, 60_000);
});

describe('container policy: what a manifest may ask for (no engine needed)', () => {
  const policyRunner = createServerRunner({
    allowManifestPython: true,
    python: { container: { images: ['localhost/allowed:1'], limits: { maxMemoryMb: 1024 }, mounts: { models: { source: '/srv/models', target: '/models' } } } },
  });
  const ask = (container: Record<string, unknown>) =>
    policyRunner.resolve(chain([{ id: 'py', nodeType: 'Anything', executor: 'container' }], { settings: { container } }));
  const refusal = (container: Record<string, unknown>) => {
    try {
      ask(container);
    } catch (error) {
      return error as RemoteMediaError;
    }
    throw new Error('accepted');
  };

  it.each([
    [{ image: 'docker.io/evil:latest' }, 'settings.container.image'],
    [{ privileged: true }, 'settings.container.privileged'],
    [{ volumes: ['/:/host'] }, 'settings.container.volumes'],
    [{ mounts: ['/etc'] }, 'settings.container.mounts[0]'],
    [{ mounts: ['datasets'] }, 'settings.container.mounts[0]'],
    [{ network: 'bridge' }, 'settings.container.network'],
    [{ gpus: ['0'] }, 'settings.container.gpus[0]'],
    [{ memoryMb: 4096 }, 'settings.container.memoryMb'],
    [{ nodes: { py: { image: 'other' } } }, 'settings.container.nodes.py.image'],
    [{ nodes: { py: { privileged: true } } }, 'settings.container.nodes.py.privileged'],
  ])('refuses %j with PermissionDenied naming %s', (container, path) => {
    const error = refusal(container);
    expect(error.code).toBe(Code.PermissionDenied);
    expect(error.details.map((d) => d.path)).toContain(path);
    expect(error.message).toContain(path);
  });

  it('malformed requests are InvalidArgument naming the field', () => {
    const error = refusal({ cpus: 'lots' });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(error.details.map((d) => d.path)).toContain('settings.container.cpus');
  });

  it('accepts what the operator allows', () => {
    expect(() => ask({ image: 'localhost/allowed:1', memoryMb: 512, cpus: 0.5, mounts: ['models'] })).not.toThrow();
  });

  it('a server without container images refuses the container executor', () => {
    const plain = createServerRunner();
    let error: RemoteMediaError | undefined;
    try {
      plain.resolve(chain([{ id: 'py', nodeType: 'Anything', executor: 'container' }]));
    } catch (e) {
      error = e as RemoteMediaError;
    }
    expect(error?.code).toBe(Code.PermissionDenied);
    expect(error?.details.map((d) => d.path)).toContain('nodes[0].executor');
  });

  it('executor: container on a TypeScript node is InvalidArgument', () => {
    expect(() => policyRunner.resolve(chain([{ nodeType: 'PassThrough', executor: 'container' }]))).toThrow(/TypeScript node/);
  });

  it('servers read the operator options from REMOTEMEDIA_CONTAINER_CONFIG (JSON text or a file); bad text fails at startup', () => {
    expect(containerOptionsFromEnv({})).toBeUndefined();
    expect(containerOptionsFromEnv({ REMOTEMEDIA_CONTAINER_CONFIG: '{"images":["localhost/a:1"]}' })).toEqual({ images: ['localhost/a:1'] });
    expect(() => containerOptionsFromEnv({ REMOTEMEDIA_CONTAINER_CONFIG: '{images' })).toThrow(/REMOTEMEDIA_CONTAINER_CONFIG/);
    expect(() => containerOptionsFromEnv({ REMOTEMEDIA_CONTAINER_CONFIG: '/nonexistent/config.json' })).toThrow(/REMOTEMEDIA_CONTAINER_CONFIG/);
    expect(() => createNodeRunner({ python: { container: { images: [] } } })).toThrow(/python\.container\.images/);
    expect(() => createNodeRunner({ python: { container: { images: ['a'], mounts: { m: { source: 'relative', target: '/x' } } } } })).toThrow(
      /python\.container\.mounts\.m/,
    );
  });
});
