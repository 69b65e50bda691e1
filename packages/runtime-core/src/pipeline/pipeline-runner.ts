import type { RuntimeData } from '../data/runtime-data.js';
import type { TransportData } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import { PipelineSession } from './pipeline-session.js';
import { deepFreeze, definedManifestText, nonJsonPath } from '../manifest/define-manifest.js';
import type { Manifest } from '../manifest/manifest-schema.js';
import { type ValidationLimits, type ValidationResult, invalidManifestError, validateManifest } from '../manifest/validate-manifest.js';
import { formatPrometheus } from '../metrics/prometheus-text.js';
import { builtinNodes } from '../nodes/builtin/index.js';
import type { NodeDefinition, NodeLogger } from '../nodes/node-definition.js';
import { type NodeInfo, NodeRegistry } from '../nodes/node-registry.js';
import type { CallOptions, ManifestSource, PipelineTransport, StreamSession } from '../transport/pipeline-transport.js';
import { abortError, callSignal } from '../util/signals.js';

export interface RunnerLimits extends ValidationLimits {
  /** Streaming sessions (and unary calls) running at once; beyond it calls fail with ResourceExhausted. Default: no limit. */
  maxConcurrentSessions?: number;
}

export interface PipelineRunnerOptions {
  /** Node types available to manifests. Default: a registry of the built-in nodes. */
  registry?: NodeRegistry;
  /** Extra node types registered on top of `registry`. */
  nodes?: readonly NodeDefinition[];
  limits?: RunnerLimits;
  /** Where nodes log. Default: nowhere (a library stays quiet). */
  logger?: NodeLogger;
  /** Outputs a session buffers for a slow reader before its pipeline pauses. Default 256. */
  outputCapacity?: number;
}

const silentLogger: NodeLogger = { debug() {}, info() {}, warn() {}, error() {} };
const RESOLVED_CACHE_SIZE = 256;
/** Manifests longer than this are validated every time rather than kept as cache keys. */
const MAX_CACHED_MANIFEST_CHARS = 64 * 1024;

/**
 * Only plain JSON data is a faithful key: JSON.stringify would drop functions and flatten a Map to
 * `{}`. Checked by a walk, then stringified without a replacer: a replacer function is called for
 * every key from C++ and made the key cost more than the cached validation it saves. Manifests
 * made by `defineManifest` are frozen and carry their text: neither walk nor stringify.
 */
function cacheKey(manifest: unknown): string | undefined {
  const text =
    typeof manifest === 'string' ? manifest : (definedManifestText(manifest) ?? (nonJsonPath(manifest) === undefined ? JSON.stringify(manifest) : undefined)); // undefined: validated every time
  return text !== undefined && text.length <= MAX_CACHED_MANIFEST_CHARS ? text : undefined;
}

/** Runs pipelines: once (`execute`) or as streaming sessions. Implements PipelineTransport. */
export class PipelineRunner implements PipelineTransport {
  readonly registry: NodeRegistry;
  readonly limits: RunnerLimits;
  readonly #logger: NodeLogger;
  readonly #outputCapacity: number | undefined;
  readonly #sessions = new Set<PipelineSession>();
  /** Sessions being started: counted against the limit before their nodes are ready. */
  #starting = 0;
  #accepting = true;
  readonly #resolved = new Map<string, Manifest>();
  #lastKey: string | undefined;
  #lastResolved: Manifest | undefined;
  readonly #forget = (session: PipelineSession) => void this.#sessions.delete(session);
  #resolvedRevision = -1;

  constructor(options: PipelineRunnerOptions = {}) {
    this.registry = options.registry ?? new NodeRegistry(builtinNodes);
    for (const n of options.nodes ?? []) this.registry.register(n, { replace: true });
    this.limits = options.limits ?? {};
    this.#logger = options.logger ?? silentLogger;
    this.#outputCapacity = options.outputCapacity;
  }

  /** Checks a manifest (a ManifestSource, or anything untrusted such as a request body) without running it. */
  validate(manifest: unknown): ValidationResult {
    return validateManifest(manifest, this.registry, this.limits);
  }

  /**
   * Validated manifest with params defaulted; throws InvalidArgument listing every problem. Goes
   * through `validate`, so subclasses extend validation in one place. Valid manifests are cached
   * by their text (servers see the same few manifests over and over; schema validation was about
   * half of a unary call's runner time in `pnpm bench http`) and returned deep-frozen, so node
   * params are read-only. The cache is dropped when the registry changes.
   */
  resolve(manifest: unknown): Manifest {
    const key = cacheKey(manifest);
    if (this.#resolvedRevision !== this.registry.revision) {
      this.#resolved.clear();
      this.#lastKey = undefined;
      this.#resolvedRevision = this.registry.revision;
    }
    // A server mostly sees one manifest over and over: comparing with the last key skips the
    // string hashing and the LRU bump of a Map lookup.
    if (key !== undefined && key === this.#lastKey) return this.#lastResolved!;
    const hit = key === undefined ? undefined : this.#resolved.get(key);
    if (hit) {
      this.#lastKey = key;
      this.#lastResolved = hit;
      // Most recently used last: Map keeps insertion order, so the first key is the eviction candidate.
      this.#resolved.delete(key!);
      this.#resolved.set(key!, hit);
      return hit;
    }
    const result = this.validate(manifest);
    if (!result.ok) throw invalidManifestError(result.problems);
    const resolved = deepFreeze(result.manifest);
    if (key !== undefined && this.#resolvedRevision === this.registry.revision) {
      this.#lastKey = key;
      this.#lastResolved = resolved;
      this.#resolved.set(key, resolved);
      if (this.#resolved.size > RESOLVED_CACHE_SIZE) this.#resolved.delete(this.#resolved.keys().next().value!);
    }
    return resolved;
  }

  listNodes(): NodeInfo[] {
    return this.registry.listNodes();
  }

  /**
   * The node types the sessions of a manifest `resolve` returned are built from. The shared
   * registry here; a subclass whose manifests may declare node types of their own (Python nodes)
   * returns a registry made for that manifest, so nothing a client sends outlives its sessions.
   */
  protected registryFor(_manifest: Manifest): NodeRegistry {
    return this.registry;
  }

  async stream(manifest: ManifestSource, options: CallOptions = {}): Promise<StreamSession> {
    return this.#start(manifest, callSignal(options));
  }

  /** Checks the limits and builds a session; returns the session itself when it was built synchronously. */
  #start(manifest: ManifestSource, signal: AbortSignal | undefined, collect?: TransportData[]): PipelineSession | Promise<PipelineSession> {
    if (!this.#accepting) throw new RemoteMediaError(Code.Unavailable, 'runner is shutting down and accepts no new sessions', { reason: 'ShuttingDown' });
    const max = this.limits.maxConcurrentSessions;
    if (max !== undefined && this.#sessions.size + this.#starting >= max) {
      throw new RemoteMediaError(Code.ResourceExhausted, `too many concurrent sessions: limit maxConcurrentSessions=${max} reached`, {
        reason: 'LimitExceeded',
      });
    }
    const resolved = this.resolve(manifest);
    const started = PipelineSession.startNow({
      manifest: resolved,
      registry: this.registryFor(resolved),
      logger: this.#logger,
      outputCapacity: this.#outputCapacity,
      signal,
      collect,
      onFinished: this.#forget,
    });
    // A unary run is tracked only once it goes asynchronous: until then nothing (shutdown, metrics) can observe it.
    if (!(started instanceof Promise)) return collect ? started : this.#track(started);
    // Counted against the limit while its nodes get ready.
    this.#starting++;
    return started.then(
      (session) => {
        this.#starting--;
        return this.#track(session);
      },
      (error: unknown) => {
        this.#starting--;
        throw error;
      },
    );
  }

  /** A session can finish before its start returns (e.g. aborted at once): only live ones are tracked. */
  #track(session: PipelineSession): PipelineSession {
    if (session.isActive) this.#sessions.add(session);
    return session;
  }

  /**
   * Runs the pipeline on every input and returns ALL outputs of every sink, in order. Stays
   * synchronous for as long as the pipeline does (synchronous nodes, created synchronously): such
   * a run returns an already-settled promise, without a microtask turn per step.
   */
  execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], options: CallOptions = {}): Promise<TransportData[]> {
    try {
      const signal = callSignal(options);
      // The session appends outputs here as they come: no output queue to drain beside the inputs.
      const outputs: TransportData[] = [];
      const started = this.#start(manifest, signal, outputs);
      if (started instanceof Promise) return started.then((session) => this.#runUnary(session, inputs, signal, outputs));
      return this.#runUnary(started, inputs, signal, outputs);
    } catch (error) {
      return Promise.reject(error);
    }
  }

  #runUnary(
    session: PipelineSession,
    inputs: readonly (TransportData | RuntimeData)[],
    signal: AbortSignal | undefined,
    outputs: TransportData[],
  ): Promise<TransportData[]> {
    try {
      for (let i = 0; i < inputs.length; i++) {
        const pending = session.push(inputs[i]);
        if (pending) return this.#runUnaryAsync(this.#track(session), inputs, i + 1, pending, signal, outputs);
      }
      const ending = session.endNow();
      if (ending) return this.#runUnaryAsync(this.#track(session), inputs, inputs.length, ending, signal, outputs);
    } catch (error) {
      return this.#failUnary(session, error, signal);
    }
    return signal?.aborted ? Promise.reject(abortError(signal, 'pipeline execution')) : Promise.resolve(outputs);
  }

  /** The rest of a unary run once something went asynchronous: `pending`, then inputs from `next` on. */
  async #runUnaryAsync(
    session: PipelineSession,
    inputs: readonly (TransportData | RuntimeData)[],
    next: number,
    pending: Promise<void>,
    signal: AbortSignal | undefined,
    outputs: TransportData[],
  ): Promise<TransportData[]> {
    try {
      await pending;
      for (let i = next; i < inputs.length; i++) await session.send(inputs[i]);
      await session.end();
    } catch (error) {
      return this.#failUnary(session, error, signal);
    }
    if (signal?.aborted) throw abortError(signal, 'pipeline execution');
    return outputs;
  }

  async #failUnary(session: PipelineSession, error: unknown, signal: AbortSignal | undefined): Promise<never> {
    await session.close();
    if (signal?.aborted) throw abortError(signal, 'pipeline execution');
    throw error;
  }

  get activeSessionCount(): number {
    return this.#sessions.size + this.#starting;
  }

  /** Prometheus text of every active session's node metrics. */
  metricsText(prefix?: string): string {
    const rows = [...this.#sessions].flatMap((s) =>
      s.nodeMetrics().map((metrics) => ({ sessionId: s.sessionId, pipeline: s.manifest.metadata.name, metrics })),
    );
    return formatPrometheus(rows, prefix);
  }

  /**
   * Stops accepting sessions, lets running ones finish for up to `graceMs` (default 10000),
   * then closes the rest. Resolves when every session has ended.
   */
  async shutdown(options: { graceMs?: number } = {}): Promise<void> {
    this.#accepting = false;
    const sessions = [...this.#sessions];
    const all = Promise.allSettled(sessions.map((s) => s.finished));
    let timer: ReturnType<typeof setTimeout> | undefined;
    const expired = new Promise<'expired'>((r) => (timer = setTimeout(() => r('expired'), options.graceMs ?? 10_000)));
    const outcome = await Promise.race([all.then(() => 'done' as const), expired]);
    clearTimeout(timer);
    if (outcome === 'expired') await Promise.allSettled(sessions.map((s) => s.close('server shutting down')));
  }
}

export function createPipelineRunner(options: PipelineRunnerOptions = {}): PipelineRunner {
  return new PipelineRunner(options);
}
