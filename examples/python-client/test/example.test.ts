// Runs the python-client example scripts as a user would (python3, the SDK on PYTHONPATH as after
// `pip install packages/runtime-core/python`), locally and against a live HTTP server started from source.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const here = fileURLToPath(new URL('../', import.meta.url));
const wav = join(root, 'fixtures/audio/speech-48k-stereo.wav');
const env = { ...process.env, PYTHONPATH: join(root, 'packages/runtime-core/python') };

function python(args: string[]) {
  const r = spawnSync('python3', args, { cwd: here, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, report: `${r.stdout}\n${r.stderr}` };
}

describe('python-client example', () => {
  let server: ChildProcess | undefined;
  afterAll(() => {
    if (server && server.exitCode === null) server.kill('SIGKILL');
  });

  it('mixed.py: TypeScript and Python nodes in one pipeline built in Python', () => {
    const r = python(['mixed.py']);
    expect(r.status, r.report).toBe(0);
    expect(r.stdout).toContain('outputs: [30, 40, 10]');
    expect(r.stdout).toContain('seed API: [30]');
    expect(r.stdout).toContain('"executor":"multiprocess"');
  });

  let localSegments = '';
  it('vad_stream.py: streams a speech recording through SileroVAD and finds its speech', () => {
    const r = python(['vad_stream.py', wav]);
    expect(r.status, r.report).toBe(0);
    const segments = r.stdout.split('\n').filter((l) => l.startsWith('speech '));
    expect(segments.length).toBeGreaterThan(0);
    expect(r.stdout).toMatch(/\d+ speech segments in 11\.1 s of audio/);
    localSegments = segments.join('\n');
  }, 120_000);

  it('vad_stream.py --server: the same against a live HTTP server, the same segments', async () => {
    const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', 'apps/http-server/src/main.ts', '--bind', '127.0.0.1:0'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    server = child;
    const url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('server did not start')), 30_000);
      child.once('exit', (code) => reject(new Error(`server exited with ${code}`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const e = JSON.parse(line) as { msg?: string; url?: string };
          if (e.msg === 'ready' && e.url) {
            clearTimeout(timer);
            resolve(e.url);
          }
        } catch {
          /* not JSON */
        }
      });
    });
    const r = python(['vad_stream.py', wav, '--server', url]);
    expect(r.status, r.report).toBe(0);
    expect(
      r.stdout
        .split('\n')
        .filter((l) => l.startsWith('speech '))
        .join('\n'),
    ).toBe(localSegments);
  }, 120_000);
});
