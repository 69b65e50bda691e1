import { afterAll, describe, expect, it } from 'vitest';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { BAD_IMPORT, FIXTURE_NODES, chain, isAlive } from './helpers.js';

const runner = createNodeRunner({ python: { modules: [FIXTURE_NODES], limits: { maxProcessesPerSession: 4, maxInitTimeoutMs: 60_000 } } });
const text = (t: string) => ({ kind: 'text', text: t }) as const;
afterAll(() => runner.shutdown({ graceMs: 0 }));

async function failure(p: Promise<unknown>): Promise<RemoteMediaError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteMediaError);
  return error as RemoteMediaError;
}

describe('Python node failures', () => {
  it('a crash while processing fails the call with node id, exit code and stderr', async () => {
    const error = await failure(runner.execute(chain([{ id: 'crashy', nodeType: 'PyCrash' }]), [text('ok'), text('crash')]));
    expect(error).toMatchObject({ code: Code.Unavailable, nodeId: 'crashy', reason: 'PythonProcessExited' });
    expect(error.message).toMatch(/Python process \d+ of node "crashy" \(PyCrash\) exited with code 3/);
    expect(error.message).toContain('fatal: simulated crash in PyCrash');
  });

  it('a crash between inputs fails that session promptly while other sessions go on', async () => {
    const healthy = await runner.stream(chain([{ nodeType: 'PyAddOne' }]));
    const doomed = await runner.stream(chain([{ id: 'idle', nodeType: 'PyCrash', params: { crash_after_ms: 200 } }]));
    const timeout = new Promise((_, reject) => setTimeout(() => reject(new Error('session was not failed within 5 s')), 5000));
    const error = await failure(Promise.race([doomed.recv(), timeout]));
    expect(error).toMatchObject({ code: Code.Unavailable, nodeId: 'idle' });
    expect(error.message).toContain('simulated crash');
    await healthy.send({ kind: 'json', value: 1 });
    expect((await healthy.recv())?.data).toEqual({ kind: 'json', value: 2 });
    await healthy.end();
  });

  it('a process hanging in initialize fails at the init timeout, quoting its stderr, and is killed', async () => {
    const manifest = chain([{ id: 'hang', nodeType: 'PyHangInit' }], { settings: { python: { initTimeoutMs: 600 } } });
    const error = await failure(runner.stream(manifest));
    expect(error).toMatchObject({ code: Code.DeadlineExceeded, nodeId: 'hang', reason: 'PythonInitTimeout' });
    expect(error.message).toContain('did not become ready within 600 ms (initTimeoutMs)');
    expect(error.message).toContain('loading a model that never finishes');
    await waitUntil(() => runner.python.liveProcesses === 0, { what: 'no live Python process', observe: () => runner.python.liveProcesses });
  });

  it('an exception in initialize fails the session start with the Python message', async () => {
    const error = await failure(runner.execute(chain([{ id: 'f', nodeType: 'PyFailInit' }]), []));
    expect(error).toMatchObject({ nodeId: 'f', reason: 'PythonInitFailed' });
    expect(error.message).toContain('RuntimeError: model file missing: /nope/model.onnx');
  });

  it('a module that fails to import is reported with the missing module', async () => {
    const manifest = chain([{ id: 'x', nodeType: 'Anything', executor: 'multiprocess' }], { settings: { python: { modules: [BAD_IMPORT] } } });
    const error = await failure(runner.execute(manifest, []));
    expect(error).toMatchObject({ code: Code.FailedPrecondition, nodeId: 'x' });
    expect(error.message).toContain("No module named 'remotemedia_this_module_does_not_exist'");
    expect(() => createNodeRunner({ python: { modules: [BAD_IMPORT] } })).toThrow(/remotemedia_this_module_does_not_exist/);
  });

  it('an executor: multiprocess type no module registers fails with the registered types listed', async () => {
    const error = await failure(runner.execute(chain([{ id: 'u', nodeType: 'NoSuchPyNode', executor: 'multiprocess' }]), []));
    expect(error).toMatchObject({ code: Code.NotFound, nodeId: 'u', reason: 'PythonNodeNotFound' });
    expect(error.message).toContain('no Python node type "NoSuchPyNode" is registered (registered: PyAddOne');
  });

  it('a missing interpreter is a clear error', async () => {
    const r = createNodeRunner({ python: { pythonExecutable: '/nonexistent/python3' } });
    const error = await failure(r.execute(chain([{ id: 'n', nodeType: 'Foo', executor: 'multiprocess' }]), []));
    expect(error).toMatchObject({ code: Code.FailedPrecondition, nodeId: 'n' });
    expect(error.message).toContain('cannot start Python interpreter "/nonexistent/python3"');
  });

  it('checks settings.python against the schema and the server limits, listing every problem', () => {
    const manifest = chain([{ nodeType: 'PyAddOne' }, { nodeType: 'PyAddOne' }, { nodeType: 'PyAddOne' }], {
      settings: { python: { maxProcesses: 2, initTimeoutMs: 999_999, pythonExecutable: 'python2', colour: 'red' } },
    });
    const result = runner.validate(manifest);
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([{ path: 'settings.python', message: 'unknown field "colour"' }]);
    const { colour: _, ...known } = (manifest.settings as { python: Record<string, unknown> }).python;
    const problems = runner.validate({ ...manifest, settings: { python: known } }).problems;
    expect(problems).toEqual([
      { path: 'settings.python.pythonExecutable', message: '"python2" is not an allowed interpreter (allowed: python3)' },
      { path: 'settings.python.initTimeoutMs', message: '999999 ms is over the limit maxInitTimeoutMs=60000' },
      { path: 'settings.python.maxProcesses', message: 'the pipeline has 3 Python nodes (one process each), over the limit maxProcesses=2' },
    ]);
    expect(() => runner.resolve({ ...manifest, settings: { python: { maxProcesses: 9 } } })).toThrow(
      /maxProcesses: 9 is over the limit maxProcessesPerSession=4/,
    );
  });

  it('servers can forbid manifests from choosing Python code', () => {
    const locked = createNodeRunner({ python: { limits: { allowManifestCode: false } } });
    const problems = locked.validate(
      chain([{ nodeType: 'X', executor: 'multiprocess' }], { settings: { python: { modules: ['evil'], env: { A: 'b' } } } }),
    ).problems;
    expect(problems.map((p) => p.path)).toEqual(['settings.python.modules', 'settings.python.env']);
  });

  it('manifests may not set loader or interpreter variables', () => {
    const problems = runner.validate(
      chain([{ nodeType: 'PyAddOne' }], { settings: { python: { env: { LD_PRELOAD: '/x.so', PYTHONSTARTUP: '/y.py', OK_VAR: '1' } } } }),
    ).problems;
    expect(problems.map((p) => p.path)).toEqual(['settings.python.env.LD_PRELOAD', 'settings.python.env.PYTHONSTARTUP']);
  });

  it('executor: multiprocess on a TypeScript node is rejected at validation', () => {
    expect(runner.validate(chain([{ nodeType: 'Calculator', params: { operation: 'add', operand: 1 }, executor: 'multiprocess' }])).problems).toEqual([
      { path: 'nodes[0].executor', message: 'node type "Calculator" is a TypeScript node; only Python nodes run in their own process' },
    ]);
  });

  it('the server-wide process limit fails new sessions with ResourceExhausted', async () => {
    const small = createNodeRunner({ python: { modules: [FIXTURE_NODES], limits: { maxProcesses: 1 } } });
    const first = await small.stream(chain([{ nodeType: 'PyAddOne' }]));
    const error = await failure(small.stream(chain([{ id: 'second', nodeType: 'PyAddOne' }])));
    expect(error).toMatchObject({ code: Code.ResourceExhausted, nodeId: 'second', reason: 'LimitExceeded' });
    await first.close();
  });

  it('kills the process when the session closes, after cleanup', async () => {
    const session = await runner.stream(chain([{ nodeType: 'PySlow', params: { ms: 60_000 } }]));
    await session.send(text('slow'));
    const before = runner.python.liveProcesses;
    expect(before).toBeGreaterThan(0);
    await session.close();
    await waitUntil(() => runner.python.liveProcesses === before - 1, { what: 'one Python process fewer', observe: () => runner.python.liveProcesses });
    expect(isAlive(process.pid)).toBe(true);
  });
});
