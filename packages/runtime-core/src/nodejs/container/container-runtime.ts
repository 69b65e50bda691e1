import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import type { RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import type { NodeContext, NodeLogger, PipelineNode } from '../../nodes/node-definition.js';
import type { PythonProcess, PythonProcessBinding } from '../multiprocess/python-process.js';
import type { ResolvedPythonSettings } from '../multiprocess/python-settings.js';
import { CONTAINER_LABEL, type ContainerEngine, OWNER_LABEL, detectEngine } from './container-engine.js';
import type { ContainerExecutorOptions } from './container-options.js';
import { ownerOfThisProcess, reapStale, track, untrack } from './container-ownership.js';
import { type ContainerPolicy, type ContainerSpec, DEFAULT_CONTAINER_LIMITS, DEFAULT_CONTAINER_SPEC, specKey } from './container-settings.js';

/** What the container executor needs from the Python runtime that hosts it. */
export interface ContainerHost {
  spawn(
    settings: ResolvedPythonSettings,
    binding: PythonProcessBinding,
    extra: { launch: (env: Record<string, string>) => ChildProcess; maxMemoryMb: number; preload?: boolean },
  ): PythonProcess;
  /** Throws ResourceExhausted when no more Python processes may start. */
  checkCapacity(nodeId: string): void;
  closeTimeoutMs: number;
  /** Settings of sessions that use the host defaults. */
  defaultSettings(): ResolvedPythonSettings;
  settingsKey(settings: ResolvedPythonSettings): string;
}

const quiet: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };

/** A non-empty list of non-empty image names. Checks the value, not its type: operator options come from untyped config files. */
function isImageList(images: unknown): boolean {
  return Array.isArray(images) && images.length > 0 && images.every((i) => typeof i === 'string' && i !== '');
}

// Inside a container: PID 1 waits until stopped, reaping the orphans a node's own child processes
// leave (they would count against the pids limit); workers come in through `exec`.
const KEEPALIVE =
  'import os,signal\ns={signal.SIGCHLD,signal.SIGTERM,signal.SIGINT}\nsignal.pthread_sigmask(signal.SIG_BLOCK,s)\nwhile signal.sigwait(s)==signal.SIGCHLD:\n try:\n  while os.waitpid(-1,os.WNOHANG)[0]: pass\n except ChildProcessError: pass';
// Kills the worker whose environment holds the token (the host only knows its exec client's pid).
const KILL_WORKER =
  'import os,sys\nt=("REMOTEMEDIA_WORKER_TOKEN="+sys.argv[1]).encode()\nfor p in os.listdir("/proc"):\n if p.isdigit() and int(p)!=os.getpid():\n  try:\n   if t in open("/proc/"+p+"/environ","rb").read().split(b"\\0"): os.kill(int(p),9)\n  except OSError: pass';
// The container's memory cgroup: OOM kills, and how often usage hit the limit (v2, then v1 files).
const MEMORY_EVENTS =
  'import re\ndef n(f,k=None):\n try:\n  t=open(f).read()\n except OSError: return -1\n if k is None: return int(t)\n m=re.search(r"^"+k+r" (\\d+)",t,re.M)\n return int(m.group(1)) if m else -1\no=n("/sys/fs/cgroup/memory.events","oom_kill")\nif o>=0: print(o,n("/sys/fs/cgroup/memory.events","max"))\nelse: print(n("/sys/fs/cgroup/memory/memory.oom_control","oom_kill"),n("/sys/fs/cgroup/memory/memory.failcnt"))';

/** One running container; several node instances (workers) of sessions with the same spec share it. */
class Container {
  readonly name: string;
  readonly key: string;
  refs = 0;
  idleTimer: ReturnType<typeof setTimeout> | undefined;
  ready!: Promise<void>;
  dead: RemoteMediaError | undefined;
  /** The memory cgroup's counts when last read: OOM kills, and times usage hit the limit. */
  oomKills = 0;
  limitHits = 0;
  readonly workers = new Set<PythonProcess>();
  /** The engine that started it (set before it starts). */
  engine!: ContainerEngine;
  /** Pending health answer, shared by the callers that ask at the same time. */
  checking: Promise<{ running: boolean; status: string; exitCode: number; oomKilled: boolean }> | undefined;

  constructor(
    readonly spec: ContainerSpec,
    seq: number,
  ) {
    this.key = specKey(spec);
    this.name = `remotemedia-${process.pid}-${seq}-${randomBytes(3).toString('hex')}`;
  }
}

/**
 * Runs Python nodes in containers (Docker or Podman): one container per image and limits, shared
 * by the sessions that ask for the same (reference-counted, removed after `idleTimeoutMs` unused),
 * each node instance a `python3 -m remotemedia.worker` process inside it speaking the same frame
 * protocol on fds 3 and 4 as a local worker.
 */
export class ContainerRuntime {
  readonly policy: ContainerPolicy;
  readonly idleTimeoutMs: number;
  readonly healthIntervalMs: number;
  readonly startTimeoutMs: number;
  readonly pythonExecutable: string;
  readonly ulimits: Readonly<Record<string, string>>;
  readonly #options: ContainerExecutorOptions;
  readonly #host: ContainerHost;
  readonly #containers = new Map<string, Container>();
  readonly #owner: string;
  #engine: Promise<ContainerEngine> | undefined;
  #seq = 0;
  #health: ReturnType<typeof setInterval> | undefined;
  #warmTarget: number;
  readonly #warm: { proc: PythonProcess; container: Container }[] = [];
  #warming = 0;
  #closed = false;

  constructor(options: ContainerExecutorOptions, host: ContainerHost) {
    if (!isImageList(options.images)) {
      throw new RemoteMediaError(
        Code.InvalidArgument,
        'python.container.images: expected a non-empty list of image names (the images manifests may ask for; the first is the default)',
      );
    }
    for (const [name, m] of Object.entries(options.mounts ?? {})) {
      if (!/^[A-Za-z0-9_.-]+$/.test(name))
        throw new RemoteMediaError(Code.InvalidArgument, `python.container.mounts.${name}: mount names may only contain letters, digits, "_", "." and "-"`);
      if (!m.source?.startsWith('/') || !m.target?.startsWith('/'))
        throw new RemoteMediaError(Code.InvalidArgument, `python.container.mounts.${name}: source and target must be absolute paths`);
    }
    this.#options = options;
    this.#host = host;
    this.policy = {
      images: [...options.images],
      defaults: { ...DEFAULT_CONTAINER_SPEC, ...options.defaults },
      limits: { ...DEFAULT_CONTAINER_LIMITS, ...options.limits },
      mounts: { ...options.mounts },
    };
    this.idleTimeoutMs = options.idleTimeoutMs ?? 30_000;
    this.healthIntervalMs = options.healthIntervalMs ?? 2000;
    this.startTimeoutMs = options.startTimeoutMs ?? 60_000;
    this.pythonExecutable = options.pythonExecutable ?? 'python3';
    this.ulimits = options.ulimits ?? { nofile: '1024:1024', nproc: '4096:4096' };
    this.#owner = ownerOfThisProcess();
    this.#warmTarget = options.warmWorkers ?? 0;
  }

  /**
   * Starts the executor in the background: detects the engine, removes the containers a crashed
   * runtime of this host left (`reapStale`), and starts the warm workers (`warmWorkers`). The
   * runner serving the sessions calls it, not every runtime made from the same options (a helper
   * runtime never warms containers it will not use). Without it, all this happens at first use.
   */
  start(): void {
    if (this.#closed) return;
    this.engine().catch(() => {}); // a missing engine is reported to the sessions that need one
    if (this.#warmTarget > 0) setImmediate(() => this.#fillWarm());
  }

  /** The engine in use, detected at first use; stale containers of this host are reaped before the first start. */
  engine(): Promise<ContainerEngine> {
    this.#engine ??= detectEngine(this.#options).then(async (engine) => {
      if (this.#options.reapStale !== false) await reapStale(engine);
      return engine;
    });
    return this.#engine;
  }

  /** Containers this runtime has running (in use, idle or warm). */
  get containerNames(): string[] {
    return [...this.#containers.values()].filter((c) => !c.dead).map((c) => c.name);
  }

  /**
   * The settings of a node that runs in a container: the manifest's modules and pythonPath (names
   * and paths inside the image) after the executor's `modules`; the host's own modules and
   * pythonPath are left out (they are host paths).
   */
  nodeSettings(
    settings: ResolvedPythonSettings,
    hostDefaults: { modules: readonly string[]; pythonPath: readonly string[] },
    spec: ContainerSpec,
  ): ResolvedPythonSettings {
    return {
      ...settings,
      modules: [...(this.#options.modules ?? []), ...settings.modules.slice(hostDefaults.modules.length)],
      pythonPath: settings.pythonPath.slice(0, settings.pythonPath.length - hostDefaults.pythonPath.length),
      container: spec,
    };
  }

  /** What sessions with default settings run with, and warm workers are started with. */
  #defaultSettings(): ResolvedPythonSettings {
    const d = this.#host.defaultSettings();
    return this.nodeSettings(d, d, this.defaultSpec());
  }

  /** The default spec (first image, default limits): what warm workers run in. */
  defaultSpec(): ContainerSpec {
    const d = this.policy.defaults;
    return { ...d, image: this.policy.images[0], gpus: [...d.gpus], mounts: [...d.mounts] };
  }

  async #start(c: Container, signal?: AbortSignal): Promise<void> {
    const engine = await this.engine();
    c.engine = engine;
    const { spec } = c;
    const podman = engine.kind === 'podman';
    const args = [
      'run',
      '-d',
      '--name',
      c.name,
      '--label',
      `${CONTAINER_LABEL}=1`,
      '--label',
      `${OWNER_LABEL}=${this.#owner}`,
      '--network',
      spec.network,
      '--read-only',
      '--tmpfs',
      `/scratch:rw,size=${spec.scratchMb}m,nosuid,nodev${podman ? ',U' : ',mode=1777'}`,
      '--memory',
      `${spec.memoryMb}m`,
      '--memory-swap',
      `${spec.memoryMb}m`,
      '--cpus',
      String(spec.cpus),
      '--pids-limit',
      String(spec.pids),
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      ...Object.entries(this.ulimits).flatMap(([k, v]) => ['--ulimit', `${k}=${v}`]),
      '--user',
      '65534:65534',
      '--workdir',
      '/scratch',
      '--env',
      'HOME=/scratch',
      '--env',
      'TMPDIR=/scratch',
      ...spec.gpus.flatMap((g) => (podman ? ['--device', `nvidia.com/gpu=${g}`] : ['--gpus', `device=${g}`])),
      ...spec.mounts.flatMap((name) => {
        const m = this.policy.mounts[name];
        return ['-v', `${m.source}:${m.target}:${m.readOnly === false ? 'rw' : 'ro'}`];
      }),
      '--pull',
      'never',
      '--entrypoint',
      this.pythonExecutable,
      spec.image,
      '-c',
      KEEPALIVE,
    ];
    track(c.name, engine);
    if (signal?.aborted) throw signal.reason;
    const r = await engine.run(args, this.startTimeoutMs);
    if (r.code !== 0) {
      untrack(c.name);
      void engine.run(engine.removeArgs([c.name]));
      const text = (r.stderr || r.stdout).trim().slice(-2000);
      const missing = /image not known|No such image|not found|unable to find/i.test(text);
      throw new RemoteMediaError(
        missing ? Code.FailedPrecondition : Code.Unavailable,
        `cannot start a container of image "${spec.image}" (${engine.kind} exit code ${r.code}): ${text}${missing ? ' (images are never pulled: build or load it on this host first, see docs/containers.md)' : ''}`,
        { reason: 'ContainerStartFailed' },
      );
    }
    this.#ensureHealthChecks();
  }

  /** A container of `spec`, started or reused; the caller holds one reference until `release`. */
  async acquire(spec: ContainerSpec, nodeId: string, signal?: AbortSignal): Promise<Container> {
    if (this.#closed) throw new RemoteMediaError(Code.Unavailable, 'the container executor is shut down', { nodeId, reason: 'ContainerExecutorClosed' });
    const key = specKey(spec);
    let c = this.#containers.get(key);
    if (c?.dead) c = undefined;
    if (!c) {
      const max = this.policy.limits.maxContainers;
      const alive = [...this.#containers.values()].filter((x) => !x.dead);
      if (alive.length >= max) {
        // An idle container of another spec makes room.
        const idle = alive.find((x) => x.refs === 0);
        if (idle) void this.#remove(idle);
        else
          throw new RemoteMediaError(
            Code.ResourceExhausted,
            `cannot start a container for Python node "${nodeId}": ${alive.length} containers are in use, the limit maxContainers=${max} is reached`,
            { nodeId, reason: 'LimitExceeded' },
          );
      }
      c = new Container(spec, ++this.#seq);
      this.#containers.set(key, c);
      const started = this.#start(c, signal);
      c.ready = started;
      const created = c;
      started.catch((error: unknown) => {
        created.dead = RemoteMediaError.from(error, Code.Unavailable);
        if (this.#containers.get(key) === created) this.#containers.delete(key);
      });
    }
    c.refs++;
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.idleTimer = undefined;
    try {
      await c.ready;
    } catch (error) {
      c.refs--;
      throw RemoteMediaError.from(error, Code.Unavailable, { nodeId });
    }
    return c;
  }

  release(c: Container): void {
    if (c.refs > 0) c.refs--;
    if (c.refs > 0 || c.dead || c.idleTimer) return;
    c.idleTimer = setTimeout(() => {
      c.idleTimer = undefined;
      if (c.refs === 0) void this.#remove(c);
    }, this.idleTimeoutMs);
    c.idleTimer.unref?.();
  }

  async #remove(c: Container, why?: RemoteMediaError): Promise<void> {
    if (this.#containers.get(c.key) === c) this.#containers.delete(c.key);
    c.dead ??= why ?? new RemoteMediaError(Code.Unavailable, `container ${c.name} was removed`, { reason: 'ContainerRemoved' });
    if (c.idleTimer) clearTimeout(c.idleTimer);
    for (const w of c.workers) w.kill();
    const engine = await this.engine().catch(() => undefined);
    if (engine) await engine.run(engine.removeArgs([c.name]));
    untrack(c.name);
  }

  #ensureHealthChecks(): void {
    if (this.#health) return;
    this.#health = setInterval(() => {
      for (const c of this.#containers.values()) if (!c.dead && c.workers.size > 0) void this.#check(c);
    }, this.healthIntervalMs);
    this.#health.unref?.();
  }

  /** Asks the engine how the container is; a stopped (or unanswering) one is removed, failing its workers' sessions. */
  #check(c: Container): Promise<{ running: boolean; status: string; exitCode: number; oomKilled: boolean }> {
    c.checking ??= (async () => {
      const engine = await this.engine();
      const r = await engine.run(['inspect', '--format', '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}', c.name], 15_000);
      const [status = 'gone', code = '-1', oom = 'false'] = r.code === 0 ? r.stdout.trim().split(' ') : ['gone'];
      const state = { running: status === 'running', status, exitCode: Number(code), oomKilled: oom === 'true' };
      if (!state.running && !c.dead) {
        const how =
          status === 'gone'
            ? 'is gone'
            : status === 'paused'
              ? 'is paused (not answering)'
              : `stopped (${status}, exit code ${code}${state.oomKilled ? ', killed for memory' : ''})`;
        await this.#remove(c, new RemoteMediaError(Code.Unavailable, `container ${c.name} (image ${c.spec.image}) ${how}`, { reason: 'ContainerExited' }));
      }
      return state;
    })().finally(() => (c.checking = undefined));
    return c.checking;
  }

  async #memoryEvents(c: Container): Promise<{ oomKills: number; limitHits: number }> {
    const engine = await this.engine();
    // Right after an OOM kill the container may still be short of memory (the kernel frees the
    // victim's memory asynchronously) and the reading process fail to start: a few tries, backing off.
    for (let attempt = 0; attempt < 5; attempt++) {
      const r = await engine.run(['exec', c.name, this.pythonExecutable, '-c', MEMORY_EVENTS], 15_000);
      if (r.code === 0) {
        const [oomKills = -1, limitHits = -1] = r.stdout.trim().split(' ').map(Number);
        return { oomKills, limitHits };
      }
      if (c.dead) break;
      await new Promise((resolve) => setTimeout(resolve, 100 << attempt));
    }
    return { oomKills: -1, limitHits: -1 };
  }

  /** Turns a worker's failure into what happened to its container: an OOM kill, the container stopping. */
  async #translate(error: unknown, c: Container, nodeId: string, nodeType: string): Promise<unknown> {
    if (!(error instanceof RemoteMediaError)) return error;
    const where = `container ${c.name} (image ${c.spec.image})`;
    if (error.reason === 'PythonMemoryLimit') {
      return new RemoteMediaError(
        Code.ResourceExhausted,
        `Python node "${nodeId}" (${nodeType}) ran out of memory: over its container's limit memoryMb=${c.spec.memoryMb} (${where})`,
        {
          nodeId,
          reason: 'ContainerMemoryLimit',
          details: error.details,
          cause: error,
        },
      );
    }
    if (error.reason !== 'PythonProcessExited') return error;
    // Hold the container while finding out: its last worker just exited, and the idle timeout
    // must not remove it (and its memory counters) before they are read.
    c.refs++;
    if (c.idleTimer) clearTimeout(c.idleTimer);
    c.idleTimer = undefined;
    try {
      return await this.#whyExited(error, c, nodeId, nodeType, where);
    } finally {
      this.release(c);
    }
  }

  async #whyExited(error: RemoteMediaError, c: Container, nodeId: string, nodeType: string, where: string): Promise<RemoteMediaError> {
    const lost = (state: { status: string }) =>
      new RemoteMediaError(Code.Unavailable, `Python node "${nodeId}" (${nodeType}) lost its ${where}: ${c.dead?.rawMessage ?? state.status}`, {
        nodeId,
        reason: 'ContainerExited',
        cause: error,
        details: error.details,
      });
    const state = await this.#check(c).catch(() => undefined);
    if (state && !state.running) return lost(state);
    const before = { oomKills: c.oomKills, limitHits: c.limitHits };
    const events = await this.#memoryEvents(c).catch(() => ({ oomKills: -1, limitHits: -1 }));
    if (events.oomKills < 0) {
      // The container would not run a command: it may be going down with the worker (killed, say,
      // and the engine not saying so yet). Ask again.
      const again = await this.#check(c).catch(() => undefined);
      if (again && !again.running) return lost(again);
    }
    const oomKilled = events.oomKills > c.oomKills;
    // A worker SIGKILLed (not by us) right after the container's memory hit its limit: the kernel's
    // OOM killer too, where the cgroup does not count its kills (or they were counted elsewhere).
    const killedAtLimit = events.limitHits > c.limitHits && /code 137|signal SIGKILL/.test(error.rawMessage);
    if (events.oomKills >= 0) c.oomKills = Math.max(c.oomKills, events.oomKills);
    if (events.limitHits >= 0) c.limitHits = Math.max(c.limitHits, events.limitHits);
    if (oomKilled || killedAtLimit) {
      return new RemoteMediaError(
        Code.ResourceExhausted,
        `Python node "${nodeId}" (${nodeType}) was killed by the kernel's out-of-memory killer: its ${where} is over its limit memoryMb=${c.spec.memoryMb}`,
        {
          nodeId,
          reason: 'ContainerMemoryLimit',
          cause: error,
          details: error.details,
        },
      );
    }
    return new RemoteMediaError(error.code, `${error.rawMessage} (in ${where})`, {
      nodeId,
      reason: error.reason,
      cause: error,
      details: [
        ...error.details,
        { path: 'container.memory', message: `OOM kills ${before.oomKills} -> ${events.oomKills}, limit hits ${before.limitHits} -> ${events.limitHits}` },
      ],
    });
  }

  #worker(c: Container, settings: ResolvedPythonSettings, binding: PythonProcessBinding, preload = false): PythonProcess {
    const token = randomBytes(12).toString('hex');
    const launch = (env: Record<string, string>): ChildProcess => {
      const workerEnv: Record<string, string> = { ...env, REMOTEMEDIA_WORKER_TOKEN: token };
      if (settings.pythonPath.length) workerEnv.PYTHONPATH = settings.pythonPath.join(':');
      else delete workerEnv.PYTHONPATH;
      const child = c.engine.exec(c.name, workerEnv, [this.pythonExecutable, '-m', 'remotemedia.worker'], '/scratch');
      // Killing the exec client does not kill the process inside: kill that too, by its token.
      const kill = child.kill.bind(child);
      child.kill = (sig?: NodeJS.Signals | number) => {
        if (!c.dead && child.exitCode === null) void c.engine.run(['exec', c.name, this.pythonExecutable, '-c', KILL_WORKER, token], 15_000);
        return kill(sig);
      };
      return child;
    };
    const proc = this.#host.spawn(settings, binding, { launch, maxMemoryMb: c.spec.memoryMb, preload });
    c.workers.add(proc);
    void proc.exited.then(() => c.workers.delete(proc));
    return proc;
  }

  #fillWarm(): void {
    if (this.#closed) return;
    const settings = this.#defaultSettings();
    while (this.#warm.length + this.#warming < this.#warmTarget) {
      this.#warming++;
      void this.acquire(this.defaultSpec(), '(warm)')
        .then((container) => {
          this.#warming--;
          if (this.#closed) return this.release(container);
          const entry = { container, proc: undefined as unknown as PythonProcess };
          entry.proc = this.#worker(
            container,
            settings,
            {
              nodeId: '(warm)',
              nodeType: '(warm)',
              logger: quiet,
              onUnexpectedExit: () => {
                this.#warmTarget = 0; // a warm worker dying unused (a module failing to import): stop warming
                const i = this.#warm.indexOf(entry);
                if (i >= 0) this.#warm.splice(i, 1);
              },
            },
            true,
          );
          void entry.proc.exited.then(() => this.release(container));
          this.#warm.push(entry);
        })
        .catch(() => {
          this.#warming--;
          this.#warmTarget = 0;
        });
    }
  }

  /** Warm workers ready now. */
  get warmWorkers(): number {
    return this.#warm.filter((w) => !w.proc.dead).length;
  }

  #takeWarm(spec: ContainerSpec, settings: ResolvedPythonSettings): { proc: PythonProcess; container: Container } | undefined {
    if (
      !this.#warm.length ||
      specKey(spec) !== specKey(this.defaultSpec()) ||
      this.#host.settingsKey(settings) !== this.#host.settingsKey(this.#defaultSettings())
    )
      return undefined;
    while (this.#warm.length) {
      const w = this.#warm.shift()!;
      if (!w.proc.dead && !w.container.dead) return w;
    }
    return undefined;
  }

  /** The node instance of a Python node that runs in a container. */
  instance(nodeType: string, params: Record<string, unknown>, ctx: NodeContext, settings: ResolvedPythonSettings, spec: ContainerSpec): PipelineNode {
    let proc: PythonProcess | undefined;
    let container: Container | undefined;
    let translated: Promise<unknown> | undefined;
    let closed = false;
    const translate = (error: unknown): Promise<unknown> => {
      if (!container) return Promise.resolve(error);
      // The worker's exit reaches the session twice (its call and onUnexpectedExit): one answer for both.
      if (error instanceof RemoteMediaError && (error.reason === 'PythonProcessExited' || error.reason === 'PythonMemoryLimit'))
        return (translated ??= this.#translate(error, container, ctx.nodeId, nodeType));
      return this.#translate(error, container, ctx.nodeId, nodeType);
    };
    const rethrow = async (error: unknown): Promise<never> => {
      throw await translate(error);
    };
    const binding: PythonProcessBinding = {
      nodeId: ctx.nodeId,
      nodeType,
      logger: ctx.logger ?? quiet,
      onProgress: (fraction, message) => ctx.reportProgress(fraction, message),
      onUnexpectedExit: (error) => void translate(error).then((e) => ctx.fail(e)),
    };
    async function* guarded(stream: AsyncIterable<RuntimeData>): AsyncGenerator<RuntimeData> {
      try {
        yield* stream;
      } catch (error) {
        await rethrow(error);
      }
    }
    const wrap = (pending: Promise<RuntimeData | AsyncIterable<RuntimeData> | undefined>) =>
      pending.then((r) => (r && typeof r === 'object' && Symbol.asyncIterator in r ? guarded(r) : r), rethrow);
    return {
      initialize: async () => {
        const warm = this.#takeWarm(spec, settings);
        if (warm) {
          ({ proc, container } = warm);
          proc.bind(binding);
          if (this.#warm.length < this.#warmTarget) setImmediate(() => this.#fillWarm());
        } else {
          this.#host.checkCapacity(ctx.nodeId);
          const c = await this.acquire(spec, ctx.nodeId, ctx.signal);
          if (closed) {
            this.release(c);
            throw new RemoteMediaError(Code.Canceled, 'session ended while its container started', { nodeId: ctx.nodeId });
          }
          container = c;
          proc = this.#worker(c, settings, binding);
          void proc.exited.then(() => this.release(c));
        }
        await proc
          .initialize(
            { nodeType, nodeId: ctx.nodeId, sessionId: ctx.sessionId, params, modules: settings.modules, pythonPath: settings.pythonPath },
            settings.initTimeoutMs,
            ctx.signal,
          )
          .catch(rethrow);
      },
      process: (data, pctx) => wrap(proc!.request(data, pctx.metadata, pctx.signal)),
      flush: (pctx) => wrap(proc!.request(undefined, pctx.metadata, pctx.signal)),
      control: (message) => proc?.control({ kind: 'control', control: message }),
      close: async () => {
        closed = true;
        if (proc) await proc.close(this.#host.closeTimeoutMs, { aborted: ctx.signal.aborted });
      },
    };
  }

  /** Stops warm workers and removes every container this runtime started (running workers are killed). */
  async close(): Promise<void> {
    this.#closed = true;
    this.#warmTarget = 0;
    if (this.#health) clearInterval(this.#health);
    this.#health = undefined;
    await Promise.all(this.#warm.splice(0).map((w) => w.proc.close(this.#host.closeTimeoutMs)));
    if (!this.#engine) return;
    await Promise.all([...this.#containers.values()].map((c) => this.#remove(c)));
  }
}
