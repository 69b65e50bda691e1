import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { PythonRuntime, createNodeRunner, livePythonProcessCount } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { BAD_IMPORT, FIXTURE_NODES, chain, isAlive, pythonChildren } from './helpers.js';

const runner = createNodeRunner({ python: { modules: [FIXTURE_NODES] } });
afterAll(() => runner.shutdown({ graceMs: 0 }));

describe('Python process lifetime', () => {
  it('leaves no Python process behind after 100 sessions (normal, failed and cancelled)', async () => {
    const manifest = chain([{ nodeType: 'PyAddOne' }]);
    for (let batch = 0; batch < 10; batch++) {
      await Promise.all(
        Array.from({ length: 10 }, async (_, i) => {
          const n = batch * 10 + i;
          if (n % 10 === 3) {
            await runner.execute(chain([{ nodeType: 'PyCrash' }]), [{ kind: 'text', text: 'crash' }]).catch(() => {});
          } else if (n % 10 === 7) {
            const s = await runner.stream(manifest);
            await s.send({ kind: 'json', value: n });
            await s.close('client went away');
          } else {
            const out = await runner.execute(manifest, [{ kind: 'json', value: n }]);
            expect(out[0].data).toEqual({ kind: 'json', value: n + 1 });
          }
        }),
      );
    }
    await waitUntil(() => pythonChildren().length === 0, { what: 'no Python child process', observe: () => pythonChildren() });
    expect(livePythonProcessCount()).toBe(0);
    expect(runner.python.liveProcesses).toBe(0);
  }, 60_000);

  it('keeps warm processes with the modules imported, hands one to each node, and stops them on shutdown', async () => {
    const warm = createNodeRunner({ python: { modules: [FIXTURE_NODES], warmProcesses: 2 } });
    expect(warm.python.warmPids).toHaveLength(2);
    const [first] = warm.python.warmPids;
    const out = await warm.execute(chain([{ nodeType: 'PyBusy', params: { ms: 1 } }]), [{ kind: 'json', value: 0 }]);
    expect((out[0].data as unknown as { value: { pid: number } }).value.pid).toBe(first);
    await expect.poll(() => warm.python.warmPids.length).toBe(2); // refilled
    expect(warm.python.warmPids).not.toContain(first);
    // Pipelines with their own settings get fresh processes.
    const custom = await warm.execute(chain([{ nodeType: 'PyParams' }], { settings: { python: { env: { REMOTEMEDIA_TEST_VAR: 'x' } } } }), [
      { kind: 'json', value: 0 },
    ]);
    expect((custom[0].data as unknown as { value: { env: string } }).value.env).toBe('x');
    expect(warm.python.warmPids).toHaveLength(2);
    const pids = warm.python.warmPids;
    await warm.shutdown({ graceMs: 0 });
    expect(warm.python.warmPids).toEqual([]);
    await waitUntil(() => pids.every((pid) => !isAlive(pid)), { what: 'every Python process gone', observe: () => pids.filter(isAlive) });
  });

  it('stops warming when a warm process dies unused (e.g. its modules fail to import)', async () => {
    const runtime = new PythonRuntime({ modules: [BAD_IMPORT], warmProcesses: 1 });
    expect(runtime.warmPids).toHaveLength(1);
    await waitUntil(() => runtime.warmPids.length === 0 && runtime.liveProcesses === 0, {
      what: 'the dead warm process not replaced',
      observe: () => runtime.warmPids,
    });
    await new Promise((r) => setTimeout(r, 200)); // kept: asserts that nothing respawns for a while
    expect(runtime.liveProcesses).toBe(0); // not respawned in a loop
  });

  for (const mode of ['async', 'busy'] as const) {
    it(`Python processes die with their parent even when it is SIGKILLed (${mode} node)`, async () => {
      const script = fileURLToPath(new URL('./fixtures/orphan-parent.mts', import.meta.url));
      const parent = spawn(
        process.execPath,
        ['--conditions=@remotemedia/source', '--import', 'tsx', script, FIXTURE_NODES, mode === 'busy' ? 'PyBusy' : 'PySlow', mode],
        {
          stdio: ['ignore', 'pipe', 'inherit'],
        },
      );
      let out = '';
      parent.stdout.on('data', (c: Buffer) => (out += c.toString()));
      await waitUntil(() => out.includes(']'), { what: 'the parent to print its Python pids', timeoutMs: 15_000, observe: () => out });
      const pids = JSON.parse(out.trim()) as number[];
      expect(pids).toHaveLength(1);
      expect(isAlive(pids[0])).toBe(true);
      parent.kill('SIGKILL');
      await waitUntil(() => !isAlive(pids[0]), { what: 'the orphaned Python process gone' });
    });
  }
});
