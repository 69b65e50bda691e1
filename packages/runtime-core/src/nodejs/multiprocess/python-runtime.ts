import { type ChildProcess, execFile, spawnSync } from 'node:child_process';
import { z } from 'zod';
import type { DataKind } from '../../data/enums.js';
import { Code, type ErrorDetail, RemoteMediaError } from '../../errors.js';
import type { Manifest } from '../../manifest/manifest-schema.js';
import type { NodeDefinition, NodeLogger } from '../../nodes/node-definition.js';
import { NodeRegistry, describeNode, type NodeInfo } from '../../nodes/node-registry.js';
import { type ContainerExecutorOptions, containerOptionsFromEnv } from '../container/container-options.js';
import { ContainerRuntime } from '../container/container-runtime.js';
import { type ContainerSpec, checkContainerSettings } from '../container/container-settings.js';
import { pythonPathEnv } from './child-processes.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-codec.js';
import { PythonProcess, type PythonProcessBinding } from './python-process.js';
import { DEFAULT_PYTHON_LIMITS, type PythonDefaults, type PythonLimits, type ResolvedPythonSettings, checkPythonSettings } from './python-settings.js';

export interface PythonRuntimeOptions {
  /** Interpreter of Python nodes. Default: env `REMOTEMEDIA_PYTHON`, else `python3`. */
  pythonExecutable?: string;
  /** Directories added to every Python process's sys.path. Default: none. */
  pythonPath?: readonly string[];
  /** Modules (dotted names on pythonPath, or .py paths) imported by every Python process; their `@register_node` types are registered at startup. Default: none. */
  modules?: readonly string[];
  /** Extra environment of every Python process. Default: none (the runtime's own environment is inherited). */
  env?: Readonly<Record<string, string>>;
  /** How long a process may take to import modules and run `initialize`. Default 10000 ms. */
  initTimeoutMs?: number;
  /** How long `cleanup` may take when a session ends before the process is killed. Default 2000 ms. */
  closeTimeoutMs?: number;
  /**
   * Lines of a process's stderr quoted in errors. Default 20. Lines are cut at 1000 characters and
   * the quoted tail at 8000; a `\r` (a progress bar redrawing itself) starts the line over.
   */
  stderrTailLines?: number;
  /**
   * Largest IPC frame, in bytes: one input sent to a Python node, or one output (or message) it
   * sends back. Checked on both sides: an input over it fails the call with ResourceExhausted
   * (`reason: PythonFrameTooLarge`) before it is sent; a node returning an output over it gets an
   * exception (the call fails with ResourceExhausted); a process that sends a bigger frame anyway,
   * or bytes that are not a frame, is killed and its session fails with DataLoss
   * (`reason: IpcProtocol`) naming the node. Default 64 MiB (67108864).
   */
  maxFrameBytes?: number;
  /**
   * Memory limit of each Python process, in MiB. The worker applies it to itself before it imports
   * any node module (`RLIMIT_DATA` on Linux: heap and other private writable memory, so Python
   * objects, numpy arrays and model weights count, shared libraries and file mappings do not;
   * `RLIMIT_AS` elsewhere). A node that goes over gets `MemoryError`, and its session fails with
   * ResourceExhausted (`reason: PythonMemoryLimit`) naming the node and the limit. Default 2048;
   * 0 for no limit. Raise it for big models.
   */
  maxMemoryMb?: number;
  /** Server-wide bounds for the manifests' `settings.python`. */
  limits?: PythonLimits;
  /**
   * Python processes kept started ahead, with `modules` already imported, for sessions whose
   * pipelines use the default settings: they skip interpreter start and imports (heavy for ML
   * libraries). Taken processes are replaced at once; each serves one node instance only.
   * Default 0. Stop them with `close()` (or the runner's `shutdown()`).
   */
  warmProcesses?: number;
  /**
   * Container executor (`executor: container`, `settings.container`): which images and limits
   * manifests may ask for, engine, reuse and warm pool. Default: env REMOTEMEDIA_CONTAINER_CONFIG
   * (JSON text or a JSON file), else none: manifests asking for a container are refused with
   * PermissionDenied. See docs/containers.md.
   */
  container?: ContainerExecutorOptions;
}

/** What Python reports about a registered node type. */
export interface PythonNodeInfo {
  type: string;
  description: string;
  accepts: readonly DataKind[] | 'any';
  produces: readonly DataKind[] | 'any';
}

// Shared by every PythonRuntime: which definitions are Python ones, and the settings resolved for
// each manifest node (keyed by its params object, which the session hands to `create`).
const pythonDefinitions = new WeakSet<NodeDefinition>();
const settingsByParams = new WeakMap<object, ResolvedPythonSettings>();

export function isPythonDefinition(definition: NodeDefinition | undefined): boolean {
  return !!definition && pythonDefinitions.has(definition);
}

const quiet: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };
/** Default of PythonRuntimeOptions.maxMemoryMb. */
export const DEFAULT_PYTHON_MAX_MEMORY_MB = 2048;

/**
 * The shared registry plus the Python node types one manifest declares (`executor: multiprocess`
 * with a type nobody registered). It lives with that manifest (its validation and its sessions)
 * and nowhere else: what a client sends never changes the node types other clients see.
 */
export class ManifestNodeRegistry extends NodeRegistry {
  readonly #base: NodeRegistry;

  constructor(base: NodeRegistry, declared: Iterable<NodeDefinition>) {
    super(declared);
    this.#base = base;
  }

  override get(type: string): NodeDefinition | undefined {
    return super.get(type) ?? this.#base.get(type);
  }

  override has(type: string): boolean {
    return super.has(type) || this.#base.has(type);
  }

  /** Types this manifest declared itself. */
  declaredTypes(): string[] {
    return super.types();
  }

  override types(): string[] {
    return [...new Set([...this.#base.types(), ...super.types()])].sort();
  }

  override listNodes(): NodeInfo[] {
    return this.types().map((type) => describeNode(this.get(type)!));
  }

  override clone(): NodeRegistry {
    const copy = this.#base.clone();
    for (const type of super.types()) copy.register(super.get(type)!, { replace: true });
    return copy;
  }
}

/** Server-wide state of Python nodes: defaults, limits, and the count of live processes. */
export class PythonRuntime {
  readonly defaults: PythonDefaults;
  readonly limits: PythonLimits;
  readonly closeTimeoutMs: number;
  readonly stderrTailLines: number;
  readonly maxFrameBytes: number;
  readonly maxMemoryMb: number;
  #live = 0;
  #warmTarget: number;
  readonly #warm: PythonProcess[] = [];
  readonly #defaultsKey: string;
  /** The container executor, when the options configure one. */
  readonly container: ContainerRuntime | undefined;

  constructor(options: PythonRuntimeOptions = {}) {
    this.defaults = {
      pythonExecutable: options.pythonExecutable ?? process.env.REMOTEMEDIA_PYTHON ?? 'python3',
      pythonPath: [...(options.pythonPath ?? [])],
      modules: [...(options.modules ?? [])],
      env: { ...options.env },
      initTimeoutMs: options.initTimeoutMs ?? 10_000,
    };
    this.limits = { ...DEFAULT_PYTHON_LIMITS, ...options.limits };
    this.closeTimeoutMs = options.closeTimeoutMs ?? 2000;
    this.stderrTailLines = options.stderrTailLines ?? 20;
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
    this.maxMemoryMb = options.maxMemoryMb ?? DEFAULT_PYTHON_MAX_MEMORY_MB;
    if (!Number.isSafeInteger(this.maxFrameBytes) || this.maxFrameBytes < 64 || this.maxFrameBytes > 2 ** 31) {
      throw new RemoteMediaError(Code.InvalidArgument, `python.maxFrameBytes: expected an integer from 64 to ${2 ** 31}, got ${this.maxFrameBytes}`);
    }
    if (!Number.isSafeInteger(this.maxMemoryMb) || this.maxMemoryMb < 0) {
      throw new RemoteMediaError(Code.InvalidArgument, `python.maxMemoryMb: expected a whole number of MiB (0 for no limit), got ${this.maxMemoryMb}`);
    }
    this.#defaultsKey = settingsKey(this.#defaultSettings());
    this.#warmTarget = options.warmProcesses ?? 0;
    this.#fillWarm();
    const container = options.container ?? containerOptionsFromEnv();
    this.container = container
      ? new ContainerRuntime(container, {
          spawn: (settings, binding, extra) => this.#spawn(settings, binding, extra.preload, extra),
          checkCapacity: (nodeId) => this.#checkCapacity(nodeId),
          closeTimeoutMs: this.closeTimeoutMs,
          defaultSettings: () => this.#defaultSettings(),
          settingsKey,
        })
      : undefined;
  }

  /** Pids of the warm processes waiting for a node instance. */
  get warmPids(): number[] {
    return this.#warm.filter((p) => !p.dead && p.pid !== undefined).map((p) => p.pid!);
  }

  /** Stops the warm processes (running nodes are not affected) and removes the containers it started. */
  async close(): Promise<void> {
    this.#warmTarget = 0;
    await Promise.all([...this.#warm.splice(0).map((p) => p.close(this.closeTimeoutMs)), this.container?.close()]);
  }

  #spawn(
    settings: ResolvedPythonSettings,
    binding: PythonProcessBinding,
    preload = false,
    extra?: { launch: (env: Record<string, string>) => ChildProcess; maxMemoryMb: number },
  ): PythonProcess {
    this.#live++;
    const proc = new PythonProcess({
      ...binding,
      settings,
      stderrTailLines: this.stderrTailLines,
      maxFrameBytes: this.maxFrameBytes,
      maxMemoryMb: extra?.maxMemoryMb ?? this.maxMemoryMb,
      preload,
      launch: extra?.launch,
    });
    void proc.exited.then(() => this.#live--);
    return proc;
  }

  #fillWarm(): void {
    while (this.#warm.length < this.#warmTarget && this.#live < this.limits.maxProcesses!) {
      const proc: PythonProcess = this.#spawn(
        this.#defaultSettings(),
        {
          nodeId: '(warm)',
          nodeType: '(warm)',
          logger: quiet,
          // A warm process that dies unused (say its modules fail to import) stops the warming:
          // fresh processes then report the problem to the session that needs them.
          onUnexpectedExit: () => {
            this.#warmTarget = 0;
            const i = this.#warm.indexOf(proc);
            if (i >= 0) this.#warm.splice(i, 1);
          },
        },
        true,
      );
      this.#warm.push(proc);
    }
  }

  #takeWarm(settings: ResolvedPythonSettings): PythonProcess | undefined {
    if (!this.#warm.length || settingsKey(settings) !== this.#defaultsKey) return undefined;
    while (this.#warm.length) {
      const proc = this.#warm.shift()!;
      if (!proc.dead) return proc;
    }
    return undefined;
  }

  /** Python processes of this runtime alive now. */
  get liveProcesses(): number {
    return this.#live;
  }

  #defaultSettings(): ResolvedPythonSettings {
    const d = this.defaults;
    return { ...d, pythonPath: [...d.pythonPath], modules: [...d.modules], env: { ...d.env }, maxProcesses: this.limits.maxProcessesPerSession! };
  }

  /** A NodeDefinition whose instances each run in their own Python process. */
  definition(info: PythonNodeInfo): NodeDefinition<Record<string, unknown>> {
    const definition: NodeDefinition<Record<string, unknown>> = {
      type: info.type,
      description: info.description,
      // Params are validated by the Python node itself (in initialize).
      paramsSchema: z.record(z.string(), z.unknown(), { error: 'expected an object' }),
      accepts: info.accepts,
      produces: info.produces,
      platform: 'node',
      create: (params, ctx) => {
        const settings = settingsByParams.get(params) ?? this.#defaultSettings();
        if (settings.container && this.container) return this.container.instance(info.type, params, ctx, settings, settings.container);
        const binding: PythonProcessBinding = {
          nodeId: ctx.nodeId,
          nodeType: info.type,
          logger: ctx.logger ?? quiet,
          onProgress: (fraction, message) => ctx.reportProgress(fraction, message),
          onUnexpectedExit: (error) => ctx.fail(error), // a process dying between inputs fails its session at once
        };
        let proc = this.#takeWarm(settings);
        if (proc) proc.bind(binding);
        else {
          this.#checkCapacity(ctx.nodeId);
          proc = this.#spawn(settings, binding);
        }
        if (this.#warm.length < this.#warmTarget) setImmediate(() => this.#fillWarm());
        const p = proc;
        return {
          initialize: () =>
            p.initialize(
              { nodeType: info.type, nodeId: ctx.nodeId, sessionId: ctx.sessionId, params, modules: settings.modules, pythonPath: settings.pythonPath },
              settings.initTimeoutMs,
              ctx.signal,
            ),
          process: (data, pctx) => p.request(data, pctx.metadata, pctx.signal),
          flush: (pctx) => p.request(undefined, pctx.metadata, pctx.signal),
          control: (message) => p.control({ kind: 'control', control: message }),
          // A cancelled or failed session does not wait for cleanup (see PythonProcess.close).
          close: () => p.close(this.closeTimeoutMs, { aborted: ctx.signal.aborted }),
        };
      },
    };
    pythonDefinitions.add(definition);
    return definition;
  }

  #checkCapacity(nodeId: string): void {
    const max = this.limits.maxProcesses!;
    if (this.#live >= max) {
      throw new RemoteMediaError(
        Code.ResourceExhausted,
        `cannot start Python node "${nodeId}": ${this.#live} Python processes are running, the limit maxProcesses=${max} is reached`,
        {
          nodeId,
          reason: 'LimitExceeded',
        },
      );
    }
  }

  /** Registers the node types the modules define, asking Python which they are (blocks; for startup). */
  registerModulesSync(registry: NodeRegistry, modules: readonly string[] = this.defaults.modules): string[] {
    const infos = parseDescribe(this.#describeArgs(modules), () => {
      const { executable, args, env } = this.#describeArgs(modules);
      const r = spawnSync(executable, args, { env, encoding: 'utf8', timeout: this.defaults.initTimeoutMs });
      return { stdout: r.stdout ?? '', stderr: r.stderr ?? '', error: r.error, status: r.status };
    });
    return this.#register(registry, infos);
  }

  /** Like registerModulesSync, without blocking the event loop. */
  async registerModules(registry: NodeRegistry, modules: readonly string[] = this.defaults.modules): Promise<string[]> {
    const { executable, args, env } = this.#describeArgs(modules);
    const result = await new Promise<{ stdout: string; stderr: string; error?: Error; status: number | null }>((resolve) => {
      execFile(executable, args, { env, encoding: 'utf8', timeout: this.defaults.initTimeoutMs, maxBuffer: 16 << 20 }, (error, stdout, stderr) =>
        resolve({
          stdout,
          stderr,
          error: error && typeof error.code !== 'number' ? error : undefined,
          status: error ? (typeof error.code === 'number' ? error.code : 1) : 0,
        }),
      );
    });
    return this.#register(
      registry,
      parseDescribe(this.#describeArgs(modules), () => result),
    );
  }

  #describeArgs(modules: readonly string[]) {
    const d = this.defaults;
    return {
      executable: d.pythonExecutable,
      args: ['-m', 'remotemedia.worker', '--describe', ...modules],
      env: { ...process.env, ...d.env, PYTHONPATH: pythonPathEnv(d.pythonPath, d.env.PYTHONPATH ?? process.env.PYTHONPATH) },
      modules,
    };
  }

  #register(registry: NodeRegistry, infos: PythonNodeInfo[]): string[] {
    for (const info of infos) registry.register(this.definition(info));
    return infos.map((i) => i.type);
  }

  /**
   * Manifest checks done before the generic validation: gives unknown types marked `executor:
   * multiprocess` a generic Python definition, rejects that marker on TypeScript nodes, and checks
   * `settings.python` against the limits. Returns the problems, the resolved settings, and the
   * registry to validate the manifest against and to run its sessions with: `registry` itself, or
   * a ManifestNodeRegistry over it holding the declared types (`registry` is never changed).
   */
  prepare(
    raw: unknown,
    registry: NodeRegistry,
  ): { problems: ErrorDetail[]; settings?: ResolvedPythonSettings; registry: NodeRegistry; containers?: Map<string, ContainerSpec> } {
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return { problems: [], registry };
    const m = raw as { nodes?: unknown; settings?: unknown };
    const nodes = Array.isArray(m.nodes) ? m.nodes : [];
    const problems: ErrorDetail[] = [];
    const declared = new Map<string, NodeDefinition>();
    const types = nodes.map((n) => {
      if (n === null || typeof n !== 'object') return undefined;
      const type = (n as { nodeType?: unknown }).nodeType ?? (n as { node_type?: unknown }).node_type;
      return typeof type === 'string' && type ? type : undefined;
    });
    nodes.forEach((n, i) => {
      const type = types[i];
      const executor = (n as { executor?: unknown }).executor;
      if (type === undefined || (executor !== 'multiprocess' && executor !== 'container')) return;
      const existing = registry.get(type);
      if (existing && !pythonDefinitions.has(existing)) {
        problems.push({
          path: `nodes[${i}].executor`,
          message: `node type "${type}" is a TypeScript node; only Python nodes run in their own process${executor === 'container' ? ' or container' : ''}`,
        });
      } else if (!existing && !declared.has(type)) {
        declared.set(
          type,
          this.definition({ type, description: `Python node ${type} (declared by a manifest with executor: ${executor})`, accepts: 'any', produces: 'any' }),
        );
      }
    });
    // Every node of a Python type needs its own process, marked or not (the manifest's own types included).
    let pythonNodes = 0;
    for (const type of types) if (type !== undefined && pythonDefinitions.has((registry.get(type) ?? declared.get(type))!)) pythonNodes++;
    const own = declared.size ? new ManifestNodeRegistry(registry, declared.values()) : registry;
    const settingsRaw = m.settings !== null && typeof m.settings === 'object' ? (m.settings as Record<string, unknown>).python : undefined;
    // Python nodes in containers: `executor: container`, or every Python node not marked
    // `executor: multiprocess` when the pipeline has `settings.container`.
    const containerRaw = m.settings !== null && typeof m.settings === 'object' ? (m.settings as Record<string, unknown>).container : undefined;
    const containerNodes: { id: string; index: number }[] = [];
    nodes.forEach((n, i) => {
      const type = types[i];
      const executor = (n as { executor?: unknown }).executor;
      const id = (n as { id?: unknown }).id;
      if (type === undefined || typeof id !== 'string' || !pythonDefinitions.has((registry.get(type) ?? declared.get(type))!)) return;
      if (executor === 'container' || (containerRaw !== undefined && executor !== 'multiprocess')) containerNodes.push({ id, index: i });
    });
    let containers: Map<string, ContainerSpec> | undefined;
    if (containerNodes.length || containerRaw !== undefined) {
      const c = checkContainerSettings(containerRaw, this.container?.policy, containerNodes);
      problems.push(...c.problems);
      containers = c.specs;
    }
    if (pythonNodes === 0 && settingsRaw === undefined) return { problems, registry: own };
    const checked = checkPythonSettings(settingsRaw, this.defaults, this.limits, pythonNodes);
    problems.push(...checked.problems);
    return { problems, settings: checked.settings, registry: own, containers };
  }

  /** Hands the resolved settings to the Python nodes of a validated manifest (`registry`: what `prepare` returned). */
  attach(manifest: Manifest, registry: NodeRegistry, settings: ResolvedPythonSettings, containers?: ReadonlyMap<string, ContainerSpec>): void {
    for (const node of manifest.nodes) {
      if (!pythonDefinitions.has(registry.get(node.nodeType)!)) continue;
      const container = containers?.get(node.id);
      settingsByParams.set(node.params, container && this.container ? this.container.nodeSettings(settings, this.defaults, container) : settings);
    }
  }
}

function settingsKey(s: ResolvedPythonSettings): string {
  return JSON.stringify([s.pythonExecutable, s.pythonPath, s.modules, Object.entries(s.env).sort()]);
}

function parseDescribe(
  call: { executable: string; modules: readonly string[] },
  run: () => { stdout: string; stderr: string; error?: Error; status: number | null },
): PythonNodeInfo[] {
  const r = run();
  const what = `asking ${call.executable} for the node types of ${call.modules.join(', ') || '(no modules)'}`;
  if (r.error) throw new RemoteMediaError(Code.FailedPrecondition, `${what} failed: ${r.error.message}`, { cause: r.error, reason: 'PythonSpawnFailed' });
  if (r.status !== 0) {
    const tail = r.stderr.trim().split('\n').slice(-15).join('\n');
    throw new RemoteMediaError(Code.FailedPrecondition, `${what} failed (exit code ${r.status}):\n${tail}`, {
      reason: 'PythonImportFailed',
      details: [{ path: 'stderr', message: tail }],
    });
  }
  try {
    return JSON.parse(r.stdout.trim().split('\n').pop()!) as PythonNodeInfo[];
  } catch (error) {
    throw new RemoteMediaError(Code.FailedPrecondition, `${what}: unreadable answer ${JSON.stringify(r.stdout.slice(-200))}`, {
      cause: error,
      reason: 'PythonImportFailed',
    });
  }
}
