import { type ChildProcess, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;

export interface AppProcess {
  child: ChildProcess;
  port: number;
  /** The `url` of the ready line. */
  url: string;
  exit: Promise<number | null>;
  /** Every JSON log line so far (primary and workers share stdout). */
  logs: Record<string, unknown>[];
  /** The last 4 KiB the process wrote to stderr (why it died). */
  stderrTail(): string;
}

export type AppName = 'grpc-server' | 'http-server' | 'webrtc-server';

/** Spawns the real app (from source; default apps/grpc-server) and resolves with its port once it logs `ready`. */
export function startApp(args: string[], env: Record<string, string> = {}, app: AppName = 'grpc-server'): Promise<AppProcess> {
  const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', `apps/${app}/src/main.ts`, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exit = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`app did not start within 30 s; stderr: ${stderr}`)), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(line) as Record<string, unknown>;
      } catch {
        return;
      }
      logs.push(entry);
      if (entry.msg === 'ready') {
        clearTimeout(timer);
        const url = entry.url as string;
        resolve({ child, port: (entry.port as number | undefined) ?? Number(new URL(url).port), url, exit, logs, stderrTail: () => stderr });
      }
    });
    void exit.then((code) => reject(new Error(`app exited with ${code} before ready; stderr: ${stderr}`)));
  });
}

/** Runs an app to its exit (e.g. a refused start): exit code and output. */
export function runApp(
  args: string[],
  env: Record<string, string> = {},
  app: AppName = 'grpc-server',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', `apps/${app}/src/main.ts`, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  return new Promise((resolve) =>
    child.on('exit', (code) => {
      clearTimeout(timer);
      // A start that was not refused: stop it.
      resolve({ code, stdout, stderr });
    }),
  );
}
