import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { LineTail, type NodeRunnerOptions, createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { DECLARED_NODES, FIXTURE_NODES, chain, isAlive, pythonChildren } from './helpers.js';

// Issue 23: what one client (or one Python node) does must not change, stall or bloat the server.
const text = (t: string) => ({ kind: 'text', text: t }) as const;
const runners: Array<ReturnType<typeof createNodeRunner>> = [];
function runnerWith(python: NodeRunnerOptions['python'] = {}, rest: Omit<NodeRunnerOptions, 'python'> = {}) {
  const r = createNodeRunner({ ...rest, python: { modules: [FIXTURE_NODES], ...python } });
  runners.push(r);
  return r;
}
afterAll(() => Promise.all(runners.map((r) => r.shutdown({ graceMs: 0 }))));

async function failure(p: Promise<unknown>): Promise<RemoteMediaError> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RemoteMediaError);
  return error as RemoteMediaError;
}

describe('node types declared by a manifest live with that manifest only', () => {
  const declared = (extra: Record<string, unknown> = {}) =>
    chain([{ id: 'd', nodeType: 'PyDeclared', executor: 'multiprocess', ...extra }], { settings: { python: { modules: [DECLARED_NODES] } } });

  it('an accepted manifest runs its declared type, and the shared registry never shows it', async () => {
    const runner = runnerWith();
    const before = runner.listNodes().map((n) => n.type);
    for (let i = 0; i < 2; i++) {
      // Twice: the second call takes the resolved manifest from the runner's cache.
      const out = await runner.execute(declared(), [text('hi')]);
      expect(out.map((o) => o.data)).toEqual([text('declared: hi')]);
    }
    const session = await runner.stream(declared());
    await session.send(text('again'));
    expect((await session.recv())?.data).toEqual(text('declared: again'));
    await session.end();
    expect(runner.listNodes().map((n) => n.type)).toEqual(before);
    expect(runner.registry.has('PyDeclared')).toBe(false);

    // Without `executor`, the type is unknown again: the earlier manifest left nothing behind.
    const plain = chain([{ id: 'd', nodeType: 'PyDeclared' }], { settings: { python: { modules: [DECLARED_NODES] } } });
    expect(runner.validate(plain).problems).toEqual([
      expect.objectContaining({ path: 'nodes[0].nodeType', message: expect.stringContaining('unknown node type "PyDeclared"') }),
    ]);
    const error = await failure(runner.execute(plain, [text('x')]));
    expect(error.code).toBe(Code.InvalidArgument);
  });

  it('a rejected manifest leaves nothing behind either', async () => {
    const runner = runnerWith({ limits: { maxProcessesPerSession: 2 } });
    const before = runner.listNodes().map((n) => n.type);
    const tooMany = chain(['RejA', 'RejB', 'RejC'].map((t) => ({ nodeType: t, executor: 'multiprocess' as const })));
    const error = await failure(runner.execute(tooMany, [text('x')]));
    expect(error.code).toBe(Code.ResourceExhausted);
    expect(error.message).toContain('over the limit maxProcesses=2');
    expect(runner.listNodes().map((n) => n.type)).toEqual(before);
    for (const type of ['RejA', 'RejB', 'RejC']) {
      expect(runner.registry.has(type)).toBe(false);
      expect(runner.validate(chain([{ nodeType: type }])).ok).toBe(false);
    }
  });

  it('any number of distinct declared types: no server-wide count, no growth', () => {
    const runner = runnerWith();
    const count = runner.registry.types().length;
    for (let i = 0; i < 1500; i++) {
      expect(runner.validate(chain([{ nodeType: `Declared${i}`, executor: 'multiprocess' }])).ok).toBe(true);
    }
    expect(runner.registry.types().length).toBe(count);
    expect(runner.validate(chain([{ nodeType: 'Declared7' }])).ok).toBe(false);
  });

  it('within one manifest, the declared type serves its unmarked nodes too, and they count against maxProcesses', () => {
    const runner = runnerWith({ limits: { maxProcessesPerSession: 1 } });
    const result = runner.validate(chain([{ nodeType: 'Twice' }, { nodeType: 'Twice', executor: 'multiprocess' }]));
    expect(result.problems).toEqual([{ path: 'nodes', message: 'the pipeline has 2 Python nodes (one process each), over the limit maxProcesses=1' }]);
  });
});

describe('IPC frames have a maximum size', () => {
  it('a node writing a bogus frame length is killed and fails its call at once, naming the node and the sizes', async () => {
    const runner = runnerWith();
    // The node sleeps 30 s after writing: without the limit the call waits for a 2 GiB frame.
    const error = await failure(runner.execute(chain([{ id: 'liar', nodeType: 'PyBogusFrame' }]), [text('x')]));
    expect(error).toMatchObject({ code: Code.DataLoss, nodeId: 'liar', reason: 'IpcProtocol' });
    expect(error.message).toContain(
      'Python node "liar" (PyBogusFrame) broke the IPC protocol: frame length 2147483647 bytes is over the limit maxFrameBytes=67108864',
    );
    await waitUntil(() => runner.python.liveProcesses === 0, { what: 'no live Python process', observe: () => runner.python.liveProcesses });
  });

  it('a stream session fails at once too', async () => {
    const runner = runnerWith();
    const session = await runner.stream(chain([{ id: 'liar', nodeType: 'PyBogusFrame' }]));
    await session.send(text('x'));
    const error = await failure(session.recv());
    expect(error).toMatchObject({ code: Code.DataLoss, nodeId: 'liar' });
  });

  it('an output over the limit fails the call with ResourceExhausted; the node goes on', async () => {
    const runner = runnerWith({ maxFrameBytes: 1 << 20 });
    const session = await runner.stream(chain([{ id: 'big', nodeType: 'PyBigOutput', params: { size: 2 << 20 } }]));
    await session.send(text('x'));
    const error = await failure(session.recv());
    expect(error).toMatchObject({ code: Code.ResourceExhausted, nodeId: 'big' });
    expect(error.message).toMatch(/output of \d+ bytes is over the limit maxFrameBytes=1048576/);
  });

  it('an input over the limit is refused before it is sent', async () => {
    const runner = runnerWith({ maxFrameBytes: 1 << 20 });
    const error = await failure(runner.execute(chain([{ id: 'p', nodeType: 'PyPassThrough' }]), [{ kind: 'binary', bytes: new Uint8Array(2 << 20) }]));
    expect(error).toMatchObject({ code: Code.ResourceExhausted, nodeId: 'p', reason: 'PythonFrameTooLarge' });
    expect(error.message).toMatch(/input of \d+ bytes for Python node "p" \(PyPassThrough\) is over the limit maxFrameBytes=1048576/);
    const ok = await runner.execute(chain([{ nodeType: 'PyPassThrough' }]), [{ kind: 'binary', bytes: new Uint8Array(1000) }]);
    expect(ok).toHaveLength(1);
  });
});

describe('outputs buffered on the host are bounded in bytes, not only in count', () => {
  it('a generator of 4 MiB outputs that nobody reads is stopped after a few of them', async () => {
    const runner = runnerWith({}, { outputCapacity: 1 });
    const path = join(mkdtempSync(join(tmpdir(), 'rm-py-')), 'produced');
    const session = await runner.stream(chain([{ nodeType: 'PyFlood', params: { count: 60, size: 4 << 20, path } }]));
    await session.send({ kind: 'json', value: 0 });
    // Read nothing; wait until the producer is blocked (its count stops moving).
    let last = -1;
    let stable = 0;
    await waitUntil(
      () => {
        const now = existsSync(path) ? Number(readFileSync(path, 'utf8')) : -1;
        stable = now === last && now >= 0 ? stable + 1 : 0;
        last = now;
        return stable >= 10;
      },
      { what: 'the producer count to hold still for 10 checks', timeoutMs: 15_000, observe: () => last },
    );
    // 16 MiB on the host (4 outputs), a few in the pipeline and in flight; 32 outputs (128 MiB) before.
    expect(last).toBeGreaterThan(0);
    expect(last).toBeLessThan(12);
    await session.close();
  });
});

describe('Python output without newlines', () => {
  it('50 MB of \\r progress bar: the call completes, the error quotes a bounded tail, the event loop keeps turning', async () => {
    const runner = runnerWith();
    let ticks = 0;
    const timer = setInterval(() => ticks++, 10);
    try {
      const error = await failure(runner.execute(chain([{ id: 'bar', nodeType: 'PyNoNewlines', params: { mb: 50 } }]), [text('x')]));
      expect(error).toMatchObject({ code: Code.Unavailable, nodeId: 'bar', reason: 'PythonProcessExited' });
      expect(error.message).toContain('exited with code 5');
      // The last redraw is quoted, cut to a line's bound; not 50 MB of redraws.
      expect(error.message).toMatch(/x{1000}\.\.\. \(99000 more characters\)/);
      expect(error.message).not.toContain('progress');
      expect(error.message.length).toBeLessThan(10_000);
      expect(JSON.stringify(error.details).length).toBeLessThan(10_000);
    } finally {
      clearInterval(timer);
    }
    expect(ticks).toBeGreaterThan(0);
  });

  it('LineTail: \\r starts a line over, \\r\\n ends one (also split across chunks), long lines and the whole tail are bounded', () => {
    const tail = new LineTail(3, 10, 25);
    expect(tail.push('a\rb\r')).toEqual([]);
    expect(tail.push('\nc\r')).toEqual(['b']);
    expect(tail.push('\nline with more than ten chars\n')).toEqual(['c', 'line with ... (19 more characters)']);
    expect(tail.lines()).toEqual(['line with ... (19 more characters)']); // 'b' and 'c' dropped: over 25 characters
    tail.push('x'.repeat(1000));
    tail.push('y'.repeat(1000));
    expect(tail.lines()).toEqual(['line with ... (19 more characters)', 'xxxxxxxxxx... (1990 more characters)']);
    const bar = new LineTail(5);
    for (let i = 0; i < 1000; i++) expect(bar.push(`\r${i}%`)).toEqual([]);
    expect(bar.lines()).toEqual(['999%']);
  });
});

describe('per-process memory limit', () => {
  it('a node allocating beyond maxMemoryMb fails with ResourceExhausted naming the node and the limit', async () => {
    const runner = runnerWith({ maxMemoryMb: 256 });
    expect((await runner.execute(chain([{ nodeType: 'PyHog', params: { mb: 32 } }]), [text('x')]))[0].data).toEqual({ kind: 'json', value: 32 << 20 });
    const error = await failure(runner.execute(chain([{ id: 'hog', nodeType: 'PyHog', params: { mb: 512 } }]), [text('x')]));
    expect(error).toMatchObject({ code: Code.ResourceExhausted, nodeId: 'hog', reason: 'PythonMemoryLimit' });
    expect(error.message).toContain('Python node "hog" (PyHog) ran out of memory: over its limit maxMemoryMb=256');
  });

  it('manifests cannot lift it through settings.python.env', async () => {
    const runner = runnerWith({ maxMemoryMb: 256 });
    const manifest = chain([{ id: 'hog', nodeType: 'PyHog', params: { mb: 512 } }], { settings: { python: { env: { REMOTEMEDIA_MAX_MEMORY_MB: '0' } } } });
    expect((await failure(runner.execute(manifest, [text('x')]))).code).toBe(Code.ResourceExhausted);
  });
});

describe('deadlines while a Python node is busy', () => {
  it('a 200 ms deadline on a node sleeping 60 s rejects with DeadlineExceeded and the process is killed, not left to closeTimeoutMs', async () => {
    // The sleep and closeTimeoutMs are a minute: a call that waited for the busy process's cleanup would time the test out.
    const runner = runnerWith({ closeTimeoutMs: 60_000 });
    const before = new Set(pythonChildren());
    const call = runner.execute(chain([{ id: 'sleepy', nodeType: 'PySleep', params: { s: 60 } }]), [text('x')], { timeoutMs: 200 });
    await waitUntil(() => pythonChildren().some((pid) => !before.has(pid)), { what: 'a new Python child process', observe: () => pythonChildren() });
    const pid = pythonChildren().find((p) => !before.has(p))!;
    const error = await failure(call);
    expect(error.code).toBe(Code.DeadlineExceeded);
    // Gone long before its sleep would have ended.
    await waitUntil(() => !isAlive(pid), { what: `process ${pid} gone` });
    expect(runner.python.liveProcesses).toBe(0);
  });

  it('closing a stream session while its node is busy returns promptly too', async () => {
    const runner = runnerWith({ closeTimeoutMs: 60_000 });
    const session = await runner.stream(chain([{ nodeType: 'PySleep', params: { s: 60 } }]));
    await session.send(text('x'));
    await session.close('client went away');
    await waitUntil(() => runner.python.liveProcesses === 0, { what: 'no live Python process', observe: () => runner.python.liveProcesses });
  });

  it('an async node that stops at CANCEL still runs its cleanup after a deadline', async () => {
    const runner = runnerWith({ closeTimeoutMs: 60_000 });
    const path = join(mkdtempSync(join(tmpdir(), 'rm-py-')), 'cleanup');
    const error = await failure(runner.execute(chain([{ nodeType: 'PySlowCleanup', params: { ms: 10_000, path } }]), [text('x')], { timeoutMs: 200 }));
    expect(error.code).toBe(Code.DeadlineExceeded);
    await waitUntil(() => existsSync(path) && readFileSync(path, 'utf8') === 'cleaned up', { what: "the node's cleanup to write 'cleaned up'" });
    await waitUntil(() => runner.python.liveProcesses === 0, { what: 'no live Python process', observe: () => runner.python.liveProcesses });
  });
});
