// The Docker command-line path of the container executor, on any host: a stand-in `docker`
// (fixtures/fake-docker.py) runs the exec'd command on this host, so what is checked is the Docker
// relay itself (frames on the exec's stdin/stdout, renumbered to fds 3 and 4 by the shim) and the
// arguments the executor gives Docker; real containers are covered with Podman (container-executor.test.ts).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeData } from '@remotemedia/runtime-core';
import { type PythonPipelineRunner, PYTHON_SDK_DIR, createNodeRunner } from '@remotemedia/runtime-core/node';
import { chain } from '../python/helpers.js';

const FAKE = fileURLToPath(new URL('./fixtures/fake-docker.py', import.meta.url));
const fixtures = [fileURLToPath(new URL('../python/fixtures', import.meta.url)), fileURLToPath(new URL('./fixtures', import.meta.url))];

describe('container executor, Docker command line (stand-in docker)', () => {
  let work: string;
  let runner: PythonPipelineRunner;
  const calls = () =>
    readFileSync(join(work, 'calls.log'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as string[]);

  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), 'rm-fake-docker-'));
    process.env.FAKE_DOCKER_LOG = join(work, 'calls.log');
    process.env.FAKE_DOCKER_STATE = join(work, 'state');
    process.env.FAKE_DOCKER_PYTHONPATH = [PYTHON_SDK_DIR, ...fixtures].join(delimiter);
    runner = createNodeRunner({
      python: {
        container: { images: ['localhost/any:1'], engine: FAKE, modules: ['test_nodes'], mounts: { models: { source: '/srv/models', target: '/models' } } },
      },
    });
  });

  afterAll(async () => {
    await runner?.shutdown({ graceMs: 0 });
    rmSync(work, { recursive: true, force: true });
  });

  it('carries frames through docker exec -i (stdin/stdout relayed, renumbered to fds 3 and 4 in the container)', async () => {
    const samples = new Float32Array(960).map((_, i) => Math.sin(i / 7));
    const inputs: RuntimeData[] = [
      { kind: 'json', value: 41 },
      { kind: 'audio', samples, sampleRate: 48_000, channels: 1 },
      { kind: 'tensor', bytes: new Uint8Array(1 << 20).map((_, i) => i & 255), shape: [512, 512], dtype: 'float32' },
    ];
    const passed = await runner.execute(chain([{ nodeType: 'PyPassThrough', executor: 'container' }]), inputs);
    expect(passed.map((o) => o.data)).toEqual(inputs);
    const [added] = await runner.execute(
      chain([{ nodeType: 'PyAddOne', executor: 'container' }], { settings: { container: { mounts: ['models'], memoryMb: 300 } } }),
      [{ kind: 'json', value: 1 }],
    );
    expect(added.data).toEqual({ kind: 'json', value: 2 });
  });

  it('gives Docker the limits and never a host path of the client', () => {
    const runs = calls().filter((c) => c[0] === 'run');
    expect(runs.length).toBeGreaterThan(0);
    const run = runs.at(-1)!;
    const after = (flag: string) => run.filter((_, i) => run[i - 1] === flag);
    expect(after('--memory')).toEqual(['300m']);
    expect(after('--memory-swap')).toEqual(['300m']);
    expect(after('--network')).toEqual(['none']);
    expect(after('--cap-drop')).toEqual(['ALL']);
    expect(after('--user')).toEqual(['65534:65534']);
    expect(after('--tmpfs')[0]).toMatch(/^\/scratch:rw,size=64m,nosuid,nodev,mode=1777$/);
    expect(after('-v')).toEqual(['/srv/models:/models:ro']); // the operator's mount, by its name
    expect(run).toContain('--read-only');
    expect(run).not.toContain('--privileged');
    const exec = calls().find((c) => c[0] === 'exec' && c.includes('remotemedia.worker'))!;
    expect(exec.slice(0, 2)).toEqual(['exec', '-i']);
    expect(exec.some((a) => a.startsWith('REMOTEMEDIA_MAX_MEMORY_MB='))).toBe(true);
  });
});
