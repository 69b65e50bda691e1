import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createNodeRunner, livePythonProcessCount } from '@remotemedia/runtime-core/node';
import { FIXTURE_NODES, chain, isAlive, pythonChildren, waitFor } from './helpers.js';

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
            expect(out[0]!.data).toEqual({ kind: 'json', value: n + 1 });
          }
        }),
      );
    }
    expect(await waitFor(() => pythonChildren().length === 0)).toBe(true);
    expect(livePythonProcessCount()).toBe(0);
    expect(runner.python.liveProcesses).toBe(0);
  }, 60_000);

  for (const mode of ['async', 'busy'] as const) {
    it(`Python processes die with their parent even when it is SIGKILLed (${mode} node)`, async () => {
      const script = fileURLToPath(new URL('./fixtures/orphan-parent.mts', import.meta.url));
      const parent = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', script, FIXTURE_NODES, mode === 'busy' ? 'PyBusy' : 'PySlow', mode], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      parent.stdout!.on('data', (c: Buffer) => (out += c.toString()));
      expect(await waitFor(() => out.includes(']'), 15_000)).toBe(true);
      const pids = JSON.parse(out.trim()) as number[];
      expect(pids).toHaveLength(1);
      expect(isAlive(pids[0]!)).toBe(true);
      parent.kill('SIGKILL');
      expect(await waitFor(() => !isAlive(pids[0]!), 5000)).toBe(true);
    });
  }
});
