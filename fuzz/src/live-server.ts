// A server under fuzzing runs in its own process, as operators run it: a crash is an exit we can
// see, and its memory is the process's resident set, read from /proc.
import { readFileSync } from 'node:fs';
import { type AppName, startApp } from '@remotemedia/test-support';

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

/** Starts a server app from source on a loopback port (it logs JSON `ready` with its url). */
export async function startLiveServer(app: AppName, args: readonly string[] = []): Promise<LiveServer> {
  const proc = await startApp(['--bind', '127.0.0.1:0', ...args], {}, app);
  let alive = true;
  void proc.exit.then(() => (alive = false));
  const pid = proc.child.pid!;
  return {
    name: app,
    url: proc.url.replace('0.0.0.0', '127.0.0.1').replace(/\/$/, ''),
    pid,
    get alive() {
      return alive;
    },
    rssBytes: () => (alive ? readRss(pid) : 0),
    stderrTail: () => proc.stderrTail(),
    async stop() {
      if (!alive) return;
      proc.child.kill('SIGTERM');
      const killer = setTimeout(() => proc.child.kill('SIGKILL'), 5000);
      await proc.exit;
      clearTimeout(killer);
    },
  };
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
  grpc: () => startLiveServer('grpc-server', ['--metrics-port', '-1', '--shutdown-grace-ms', '0']),
  http: () => startLiveServer('http-server', ['--shutdown-grace-ms', '1']),
  webrtc: () => startLiveServer('webrtc-server'),
};
