// The `remotemedia` Python package as users get it: installed with pip into fresh virtual
// environments (offline: `--no-index`), then test/python/package/test_installed_package.py runs
// there against the local runtime (real python3, Node bridge, SileroVAD) and live gRPC and HTTP
// servers started from source as their own processes.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../../', import.meta.url));
const pkgDir = join(root, 'packages/runtime-core/python');
const testsDir = fileURLToPath(new URL('./package/', import.meta.url));
const version = (JSON.parse(readFileSync(join(root, 'packages/runtime-core/package.json'), 'utf8')) as { version: string }).version;
const speechWav = join(root, 'fixtures/audio/speech-48k-stereo.wav');
// Debian's interpreter, where CI's python3-grpcio and python3-numpy live (scripts/system-packages.txt).
const debianPython = '/usr/bin/python3';

interface Server {
  child: ChildProcess;
  url: string;
}

/** Starts an app from source and resolves with its URL once it logs `ready`. */
function startServer(entry: string, args: string[]): Promise<Server> {
  const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', entry, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${entry} did not start within 30 s; stderr: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${entry} exited with ${code} before ready; stderr: ${stderr}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const e = JSON.parse(line) as { msg?: string; url?: string };
        if (e.msg === 'ready' && e.url) {
          clearTimeout(timer);
          resolve({ child, url: e.url });
        }
      } catch {
        /* not a log line */
      }
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv = process.env, cwd = tmpdir()) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', env, cwd, timeout: 240_000 });
  return { status: r.status, out: `${r.stdout ?? ''}\n${r.stderr ?? ''}${r.error ? `\n${r.error.message}` : ''}` };
}

function venvEnv(venv: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, PATH: `${join(venv, 'bin')}:${process.env.PATH}`, VIRTUAL_ENV: venv };
  delete env.PYTHONPATH;
  delete env.PYTHONHOME;
  delete env.REMOTEMEDIA_NODE_BRIDGE;
  delete env.REMOTEMEDIA_RUNTIME_CORE;
  return env;
}

describe('the remotemedia Python package, installed with pip', () => {
  let work: string;
  let grpc: Server;
  let http: Server;
  let wheel: string;

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'rm-py-pkg-'));
    [grpc, http] = await Promise.all([
      startServer('apps/grpc-server/src/main.ts', ['--bind', '127.0.0.1:0', '--metrics-port', '-1']),
      startServer('apps/http-server/src/main.ts', ['--bind', '127.0.0.1:0']),
    ]);
    const built = run('python3', [join(pkgDir, '_build/backend.py'), join(work, 'wheelhouse')]);
    expect(built.status, built.out).toBe(0);
    wheel = join(
      work,
      'wheelhouse',
      readdirSync(join(work, 'wheelhouse')).find((f) => f.endsWith('.whl'))!,
    );
  }, 90_000);

  afterAll(() => {
    for (const s of [grpc, http]) if (s && s.child.exitCode === null) s.child.kill('SIGKILL');
    if (work) rmSync(work, { recursive: true, force: true });
  });

  const serverEnv = () => ({
    RM_EXPECT_VERSION: version,
    RM_HTTP_URL: http.url,
    RM_GRPC_URL: grpc.url,
    RM_SPEECH_WAV: speechWav,
    RM_RUNTIME_CORE: join(root, 'packages/runtime-core'),
  });

  it('builds a py3-none-any wheel with the npm version, its metadata, py.typed and both modules', () => {
    expect(wheel.endsWith(`remotemedia-${version}-py3-none-any.whl`)).toBe(true);
    const listing = run('python3', ['-c', 'import sys, zipfile; print("\\n".join(zipfile.ZipFile(sys.argv[1]).namelist()))', wheel]);
    for (const f of [
      'remotemedia/__init__.py',
      'remotemedia/py.typed',
      'remotemedia/nodes.py',
      'remotemedia/worker.py',
      'remotemedia_runtime.py',
      `remotemedia-${version}.dist-info/METADATA`,
      `remotemedia-${version}.dist-info/RECORD`,
    ])
      expect(listing.out).toContain(f);
    expect(listing.out).not.toContain('__pycache__');
    expect(listing.out).not.toContain('tests/');
  });

  it('pip install <dir> in a fresh venv (no system site packages, no index): everything runs', () => {
    const venv = join(work, 'venv');
    const made = run('python3', ['-m', 'venv', venv]);
    expect(made.status, made.out).toBe(0);
    expect(readFileSync(join(venv, 'pyvenv.cfg'), 'utf8')).toMatch(/include-system-site-packages = false/);
    const py = join(venv, 'bin/python');
    const installed = run(py, ['-m', 'pip', 'install', '--no-index', '--no-cache-dir', pkgDir]);
    expect(installed.status, installed.out).toBe(0);
    expect(installed.out).toContain(`Successfully installed remotemedia-${version}`);
    const env = venvEnv(venv, serverEnv());
    const result = run(py, ['-m', 'unittest', '-v', 'test_installed_package'], env, testsDir);
    expect(result.status, result.out).toBe(0);
    expect(result.out).toMatch(/Ran 1[0-9] tests/);
    for (const t of [
      'test_finds_the_runtime_core_npm_package',
      'test_stream_real_speech_through_silero_vad',
      'test_pipeline_built_in_python_with_ts_and_python_nodes',
      'test_http_server',
      'test_grpc_server',
      'test_node_js_missing_says_what_to_set',
    ])
      expect(result.out).toMatch(new RegExp(`${t} \\(.*\\) \\.\\.\\. ok`));
  }, 240_000);

  it.runIf(existsSync(debianPython))(
    'pip install <wheel> into a venv of Debian python3 that sees python3-grpcio and numpy: gRPC server, numpy in and out',
    () => {
      const venv = join(work, 'venv-debian');
      const made = run(debianPython, ['-m', 'venv', '--system-site-packages', venv]);
      expect(made.status, made.out).toBe(0);
      const py = join(venv, 'bin/python');
      const installed = run(py, ['-m', 'pip', 'install', '--no-index', '--no-cache-dir', wheel]);
      expect(installed.status, installed.out).toBe(0);
      const env = venvEnv(venv, { ...serverEnv(), RM_EXPECT_GRPC: '1' });
      const tests = [
        'test_installed_not_from_the_source_tree',
        'test_version_matches_the_npm_package',
        'test_grpc_server',
        'test_numpy_in_and_out',
        'test_pipeline_built_in_python_with_ts_and_python_nodes',
      ];
      const result = run(py, ['-m', 'unittest', '-v', ...tests.map((t) => `test_installed_package.InstalledPackageTest.${t}`)], env, testsDir);
      expect(result.status, result.out).toBe(0);
      expect(result.out).toMatch(/Ran 5 tests/);
      expect(result.out).not.toMatch(/skipped/);
    },
    240_000,
  );
});
