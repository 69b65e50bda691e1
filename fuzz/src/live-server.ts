// A server under fuzzing runs in its own process, as operators run it: a crash is an exit we can
// see, and its memory is the process's resident set, read from /proc.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

const root = new URL('../../', import.meta.url).pathname;

export interface LiveServer {
  readonly name: string;
  /** `http://127.0.0.1:port` */
  readonly url: string;
  readonly pid: number;
  /** False once the process exited. */
  readonly alive: boolean;
  /** Resident set size in bytes (0 once the process is gone). */
  rssBytes(): number;
  /** The last 4 KiB the process wrote to stderr (why it died). */
  stderrTail(): string;
  stop(): Promise<void>;
}

/**
 * Starts `script` (TypeScript, run from source) and resolves once it logs a JSON line with
 * `msg: "ready"` and a `url`. The process gets loopback-only addresses and quiet logs.
 */
export function startLiveServer(name: string, script: string, args: readonly string[] = [], env: Record<string, string> = {}): Promise<LiveServer> {
  const child: ChildProcess = spawn(process.execPath, ['--conditions=@remotemedia/source', '--import', 'tsx', script, ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let alive = true;
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4096)));
  const exited = new Promise<void>((resolve) =>
    child.on('exit', () => {
      alive = false;
      resolve();
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s; stderr: ${stderr}`)), 60_000);
    void exited.then(() => reject(new Error(`${name} exited before it was ready; stderr: ${stderr}`)));
    createInterface({ input: child.stdout! }).on('line', (line) => {
      let entry: { msg?: string; url?: string };
      try {
        entry = JSON.parse(line) as typeof entry;
      } catch {
        return;
      }
      if (entry.msg !== 'ready' || !entry.url) return;
      clearTimeout(timer);
      resolve({
        name,
        url: entry.url.replace('0.0.0.0', '127.0.0.1').replace(/\/$/, ''),
        pid: child.pid!,
        get alive() {
          return alive;
        },
        rssBytes: () => (alive ? readRss(child.pid!) : 0),
        stderrTail: () => stderr,
        async stop() {
          if (!alive) return;
          child.kill('SIGTERM');
          const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
          await exited;
          clearTimeout(killer);
        },
      });
    });
  });
}

function readRss(pid: number): number {
  try {
    const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return kb ? Number(kb[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The servers users run, started on loopback with an ephemeral port. */
export const liveServers = {
  grpc: () => startLiveServer('grpc-server', 'apps/grpc-server/src/main.ts', ['--bind', '127.0.0.1:0', '--metrics-port', '-1', '--shutdown-grace-ms', '0']),
  http: () => startLiveServer('http-server', 'apps/http-server/src/main.ts', ['--bind', '127.0.0.1:0', '--shutdown-grace-ms', '1']),
  webrtc: () => startLiveServer('webrtc-server', 'apps/webrtc-server/src/main.ts', ['--bind', '127.0.0.1:0']),
};
