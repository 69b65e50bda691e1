// The real gRPC app in a child process, as `pnpm start` runs it (the compiled app with the same V8
// flags, read from its start script; see apps/grpc-server/README.md), so server and load generator each get a core.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

export interface GrpcAppOptions {
  /** Server processes (`--workers`). Default 1. */
  workers?: number;
  /** Env added to this process's (the batching, resampler and Silero graph knobs are cleared first). Default none. */
  env?: Record<string, string>;
  /** Another build of the app: its root (the cwd) and main script. Default this tree's apps/grpc-server. */
  app?: { dir: string; main: string };
  /** More node flags, before the script (e.g. `--cpu-prof`). Default none. */
  nodeArgs?: readonly string[];
}

/**
 * The node flags the app's own `pnpm start` passes (`node <flags> dist/main.js` in its package.json), so
 * every build, the first-wave one included, runs as its operators would start it.
 */
export function startFlags(appRoot: string): string[] {
  const pkg = JSON.parse(readFileSync(join(appRoot, 'apps/grpc-server/package.json'), 'utf8')) as { scripts: { start: string } };
  const m = /\bnode ((?:--\S+ )*)dist\/main\.js/.exec(pkg.scripts.start);
  if (!m) throw new Error(`cannot read the node flags of ${appRoot}/apps/grpc-server's start script: ${pkg.scripts.start}`);
  return m[1].split(' ').filter(Boolean);
}

/** Starts the app on a loopback port and resolves once it logs "ready", with its URL. */
export async function startGrpcApp(options: GrpcAppOptions = {}): Promise<{ child: ChildProcess; url: string }> {
  const { workers = 1, env = {}, app, nodeArgs = [] } = options;
  const child = spawn(
    process.execPath,
    [
      ...nodeArgs,
      ...startFlags(app?.dir ?? root),
      app ? app.main : 'apps/grpc-server/dist/main.js',
      '--bind',
      '127.0.0.1:0',
      '--metrics-port=-1',
      '--max-sessions',
      '5000',
      '--workers',
      String(workers),
    ],
    {
      cwd: app ? app.dir : root,
      env: {
        ...process.env,
        REMOTEMEDIA_BATCH_WAIT_MS: undefined,
        REMOTEMEDIA_RESAMPLER_SIMD: undefined,
        REMOTEMEDIA_SILERO_16K_GRAPH: undefined,
        LOG_LEVEL: 'info',
        GRPC_AUTH_TOKENS: 'bench-token',
        ...env,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  // Never leave the server behind, even when this process is stopped by a signal ('exit' alone does not run then).
  const killChild = () => child.kill('SIGKILL');
  const onSignal = (signal: NodeJS.Signals) => {
    killChild();
    process.kill(process.pid, signal);
  };
  process.once('exit', killChild);
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  child.once('exit', () => {
    process.off('exit', killChild);
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill(), reject(new Error('server did not start'))), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'ready' && entry.url) {
          clearTimeout(timer);
          resolve({ child, url: entry.url.replace('0.0.0.0', '127.0.0.1') });
        }
      } catch {
        /* not JSON */
      }
    });
  });
}

/** SIGTERM, then waits for the exit. */
export async function stopGrpcApp(child: ChildProcess): Promise<void> {
  child.kill('SIGTERM');
  await new Promise((r) => child.once('exit', r));
}
