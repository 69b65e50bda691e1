import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { Code, RemoteMediaError } from '../../errors.js';

/** Label on every container this runtime starts; stale ones (their host process gone) are removed at start. */
export const CONTAINER_LABEL = 'dev.remotemedia.container';
/** Label holding the owner's `<pid>:<process start time>`, so a reused pid is not mistaken for the owner. */
export const OWNER_LABEL = 'dev.remotemedia.owner';

export interface EngineResult {
  code: number;
  stdout: string;
  stderr: string;
}

function onPath(bin: string): boolean {
  if (bin.includes('/')) return existsSync(bin);
  return (process.env.PATH ?? '').split(delimiter).some((dir) => dir && existsSync(join(dir, bin)));
}

/** The Docker or Podman command line (same interface), with the global flags this host needs. */
export class ContainerEngine {
  constructor(
    readonly bin: string,
    readonly kind: 'podman' | 'docker',
    /** Flags before the subcommand (`--runtime runc` for Podman on cgroup v1 hosts). */
    readonly globalArgs: readonly string[] = [],
  ) {}

  /** Runs `<engine> <args>`; resolves with its exit code and output (never rejects for a non-zero exit). */
  run(args: readonly string[], timeoutMs = 60_000): Promise<EngineResult> {
    return new Promise((resolve) => {
      execFile(this.bin, [...this.globalArgs, ...args], { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr: stderr || (error && typeof error.code !== 'number' ? error.message : '') });
      });
    });
  }

  async runOk(args: readonly string[], what: string, timeoutMs?: number): Promise<string> {
    const r = await this.run(args, timeoutMs);
    if (r.code !== 0)
      throw new RemoteMediaError(
        Code.Unavailable,
        `${what} failed (${this.kind} exit code ${r.code}): ${r.stderr.trim().slice(-2000) || r.stdout.trim().slice(-2000)}`,
        { reason: 'ContainerEngineFailed' },
      );
    return r.stdout;
  }

  /** `rm` that does not wait for the container to stop. */
  removeArgs(names: readonly string[]): string[] {
    return this.kind === 'podman' ? ['rm', '-f', '-t', '0', ...names] : ['rm', '-f', ...names];
  }

  /**
   * Starts `command` inside a running container with frames on fds 3 (in) and 4 (out), like a
   * local worker: Podman passes the pipes themselves (`exec --preserve-fds 2`); Docker's exec
   * relays only stdio, so fds 3 and 4 become the exec's stdin and stdout and the command's own
   * stdout goes to stderr (a shim does the renumbering inside the container).
   */
  exec(id: string, env: Readonly<Record<string, string>>, command: readonly string[], workdir: string): ChildProcess {
    const envArgs = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
    if (this.kind === 'podman') {
      return spawn(this.bin, [...this.globalArgs, 'exec', '--preserve-fds', '2', '--workdir', workdir, ...envArgs, id, ...command], {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      });
    }
    const shim = 'import os,sys\nos.dup2(0,3);os.dup2(1,4);os.dup2(2,1)\nn=os.open("/dev/null",os.O_RDONLY);os.dup2(n,0)\nos.execvp(sys.argv[1],sys.argv[1:])';
    const [python, ...rest] = command;
    return spawn(
      '/bin/sh',
      ['-c', 'exec "$@" <&3 >&4', 'sh', this.bin, ...this.globalArgs, 'exec', '-i', '--workdir', workdir, ...envArgs, id, python, '-c', shim, python, ...rest],
      {
        stdio: ['ignore', 'pipe', 'pipe', 'pipe', 'pipe'],
      },
    );
  }
}

export interface DetectEngineOptions {
  /** `podman`, `docker`, or a path to either. Default: env REMOTEMEDIA_CONTAINER_ENGINE, else Podman, then Docker, whichever answers `info`. */
  engine?: string;
  /** OCI runtime for Podman (`--runtime`). Default: env REMOTEMEDIA_CONTAINER_RUNTIME, else `runc` on cgroup v1 hosts that have it (crun fails there), else the engine's own default. */
  ociRuntime?: string;
}

const detected = new Map<string, Promise<ContainerEngine>>();

/** Finds a working engine (once per option set): one whose `info` answers, not only a client without a daemon. */
export function detectEngine(options: DetectEngineOptions = {}): Promise<ContainerEngine> {
  const wanted = options.engine ?? process.env.REMOTEMEDIA_CONTAINER_ENGINE;
  const ociRuntime = options.ociRuntime ?? process.env.REMOTEMEDIA_CONTAINER_RUNTIME;
  const key = `${wanted ?? ''}\0${ociRuntime ?? ''}`;
  let found = detected.get(key);
  if (!found) {
    found = detect(wanted, ociRuntime);
    detected.set(key, found);
    found.catch(() => detected.delete(key)); // try again next time (an engine installed meanwhile)
  }
  return found;
}

async function detect(wanted: string | undefined, ociRuntime: string | undefined): Promise<ContainerEngine> {
  const candidates = wanted ? [wanted] : ['podman', 'docker'];
  const tried: string[] = [];
  for (const bin of candidates) {
    if (!onPath(bin)) {
      tried.push(`${bin}: not found`);
      continue;
    }
    const kind: 'podman' | 'docker' = /podman[^/]*$/.test(bin) ? 'podman' : 'docker';
    let globalArgs: string[] = [];
    if (kind === 'podman') {
      const runtime = ociRuntime ?? (!existsSync('/sys/fs/cgroup/cgroup.controllers') && onPath('runc') ? 'runc' : undefined);
      if (runtime) globalArgs = ['--runtime', runtime];
    }
    const engine = new ContainerEngine(bin, kind, globalArgs);
    const r = await engine.run(['info', '--format', kind === 'podman' ? '{{.Host.OCIRuntime.Name}}' : '{{.ServerVersion}}'], 30_000);
    if (r.code === 0) return engine;
    tried.push(`${bin} info: ${(r.stderr.trim().split('\n').pop() ?? '').slice(0, 300) || `exit code ${r.code}`}`);
  }
  throw new RemoteMediaError(
    Code.FailedPrecondition,
    `no container engine works on this host (${tried.join('; ')}); install Podman with runc (apt-get install podman runc) or run a Docker engine`,
    {
      reason: 'ContainerEngineUnavailable',
    },
  );
}
