import type { RuntimeData } from '../data/runtime-data.js';
import { NO_METADATA, type TransportData, asTransportData } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { Manifest, ManifestNode } from '../manifest/manifest-schema.js';
import type { SessionMetricsSnapshot, SessionState } from '../metrics/pipeline-metrics.js';
import type { NodeDefinition, NodeLogger, PipelineNode } from '../nodes/node-definition.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import type { SendOptions, StreamSession } from '../transport/pipeline-transport.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import { BoundedQueue, EMPTY } from './bounded-queue.js';
import { type Envelope, NodeWorker, type WorkerHost } from './node-worker.js';
import { SessionNodeContext } from './session-node-context.js';

/** Shared by every input taken at once; a settled promise cannot be changed by its holders. */
const RESOLVED: Promise<void> = Promise.resolve();

export interface PipelineSessionOptions {
  /** Default: a random UUID, made when first read (a unary run mostly never reads it). */
  sessionId?: string;
  manifest: Manifest;
  registry: NodeRegistry;
  logger: NodeLogger;
  /** Outputs buffered for a slow reader before the pipeline is paused. Default 256. */
  outputCapacity?: number;
  signal?: AbortSignal;
  onFinished?: (session: PipelineSession) => void;
  /**
   * Unary runs: outputs are appended here as they are produced instead of going through the
   * bounded output queue (the caller takes them all at the end anyway, so there is nothing to
   * pace), and `outputs` / `recv` see nothing.
   */
  collect?: TransportData[];
}

interface Topology {
  hasIncoming: ReadonlySet<string>;
  hasOutgoing: ReadonlySet<string>;
}
/** Per manifest object: the runner hands out the same frozen manifest for every run of it. */
const topologies = new WeakMap<Manifest, Topology>();
function topologyOf(manifest: Manifest): Topology {
  let topology = topologies.get(manifest);
  if (!topology) {
    topology = { hasIncoming: new Set(manifest.connections.map((c) => c.to)), hasOutgoing: new Set(manifest.connections.map((c) => c.from)) };
    if (Object.isFrozen(manifest.connections)) topologies.set(manifest, topology);
  }
  return topology;
}

const needsInitialize = (w: NodeWorker): boolean => w.instance.initialize !== undefined;
const isPromise = (value: unknown): value is Promise<unknown> => typeof (value as Promise<unknown> | undefined)?.then === 'function';

/** The node's instance, or a promise of it; failures carry the node id. */
function createNode(ctx: SessionNodeContext, definition: NodeDefinition, params: unknown): PipelineNode | Promise<PipelineNode> {
  try {
    const created = definition.create(params, ctx);
    return isPromise(created) ? created.catch((error: unknown) => Promise.reject(createFailed(error, ctx.nodeId))) : created;
  } catch (error) {
    throw createFailed(error, ctx.nodeId);
  }
}

function createFailed(error: unknown, nodeId: string): RemoteMediaError {
  return RemoteMediaError.from(error, Code.FailedPrecondition, { nodeId });
}

/** A running pipeline: one NodeWorker per manifest node, wired by the manifest's connections. */
export class PipelineSession implements StreamSession, WorkerHost {
  #sessionId: string | undefined;
  readonly manifest: Manifest;
  readonly #abort = new LazyAbortController();
  readonly #workers = new Map<string, NodeWorker>();
  readonly #sources: NodeWorker[] = [];
  readonly #output: BoundedQueue<TransportData>;
  #state: SessionState = 'running';
  #error: RemoteMediaError | undefined;
  #inputs = 0;
  #outputs = 0;
  #inputEnded = false;
  #wired = false;
  /** Made when first awaited: a synchronous unary run finishes before anyone asks. */
  #finished: Promise<void> | undefined;
  #resolveFinished: (() => void) | undefined;
  /** Workers not finished yet; the session settles when it reaches 0. */
  #running = 0;
  #removeAbortListener: (() => void) | undefined;
  readonly #startedAt = Date.now();
  #endedAt: number | undefined;
  readonly #options: PipelineSessionOptions;

  private constructor(options: PipelineSessionOptions) {
    this.#options = options;
    this.#sessionId = options.sessionId;
    this.manifest = options.manifest;
    this.#output = new BoundedQueue(options.outputCapacity ?? 256, 'block');
  }

  get sessionId(): string {
    return (this.#sessionId ??= crypto.randomUUID());
  }

  get aborted(): boolean {
    return this.#abort.aborted;
  }

  /** Outlets are connected: from now on outputs have somewhere to go. */
  get wired(): boolean {
    return this.#wired;
  }

  /**
   * Creates and initializes every node (on any failure, closes those already created and rejects).
   * Returns the session itself when every node is created synchronously and none needs
   * initializing (the common case), and a promise only otherwise: a unary run of synchronous
   * nodes then costs no microtask turn at all.
   */
  static startNow(options: PipelineSessionOptions): PipelineSession | Promise<PipelineSession> {
    const session = new PipelineSession(options);
    const building = session.#build();
    return building ? building.then(() => session) : session;
  }

  /** Synchronous until a node's create is asynchronous or a node needs initializing. */
  #build(): Promise<void> | undefined {
    const { manifest, signal } = this.#options;
    if (signal?.aborted) throw RemoteMediaError.from(signal.reason ?? new DOMException('aborted', 'AbortError'), Code.Canceled);
    const created: NodeWorker[] = [];
    const nodes = manifest.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const ctx = this.#contextFor(nodes[i]);
      let instance;
      try {
        instance = createNode(ctx, this.#options.registry.get(ctx.nodeType)!, nodes[i].params);
      } catch (error) {
        return this.#abandon(created, error);
      }
      // An asynchronous create: the rest is built after it, asynchronously.
      if (isPromise(instance)) return this.#buildRest(created, i, ctx, instance);
      created.push(this.#addWorker(nodes[i], ctx, instance));
    }
    return this.#initialize(created);
  }

  async #buildRest(created: NodeWorker[], index: number, ctx: SessionNodeContext, pending: Promise<PipelineNode>): Promise<void> {
    const { manifest, registry } = this.#options;
    try {
      created.push(this.#addWorker(manifest.nodes[index], ctx, await pending));
      for (let i = index + 1; i < manifest.nodes.length; i++) {
        const spec = manifest.nodes[i];
        const next = this.#contextFor(spec);
        created.push(this.#addWorker(spec, next, await createNode(next, registry.get(spec.nodeType)!, spec.params)));
      }
    } catch (error) {
      await this.#abandon(created, error);
    }
    await this.#initialize(created);
  }

  #contextFor(spec: ManifestNode): SessionNodeContext {
    return new SessionNodeContext(spec.id, spec.nodeType, this.#options.logger, this.#abort, this);
  }

  #addWorker(spec: ManifestNode, ctx: SessionNodeContext, instance: PipelineNode): NodeWorker {
    const worker = new NodeWorker(spec, this.#options.registry.get(spec.nodeType)!, instance, this);
    ctx.worker = worker;
    this.#workers.set(spec.id, worker);
    return worker;
  }

  /** Initializes the nodes that ask for it, then wires the session; synchronous when none does. */
  #initialize(created: NodeWorker[]): Promise<void> | undefined {
    if (!created.some(needsInitialize)) return this.#wire();
    const initializing = created.filter(needsInitialize);
    return Promise.all(
      initializing.map(async (w) => {
        try {
          await w.instance.initialize!();
        } catch (error) {
          const e = RemoteMediaError.from(error, Code.FailedPrecondition, { nodeId: w.spec.id });
          throw new RemoteMediaError(e.code, `node "${w.spec.id}" (${w.spec.nodeType}) failed to initialize: ${e.rawMessage}`, {
            nodeId: w.spec.id,
            cause: error,
            details: e.details,
            reason: e.reason ?? 'InitializeFailed',
          });
        }
      }),
    ).then(
      () => this.#wire(),
      (error: unknown) => this.#abandon(created, error),
    );
  }

  /** Building failed: abort, close what was created, then reject with the error. */
  async #abandon(created: NodeWorker[], error: unknown): Promise<never> {
    this.#abort.abort(error);
    await Promise.allSettled(created.map(async (w) => w.instance.close?.()));
    throw error;
  }

  #wire(): undefined {
    const { manifest } = this.#options;
    const { hasIncoming, hasOutgoing } = topologyOf(manifest);
    for (const c of manifest.connections) this.#workers.get(c.from)!.connectTo(this.#workers.get(c.to)!);
    for (const w of this.#workers.values()) {
      if (!hasIncoming.has(w.spec.id)) {
        w.openInputs++;
        this.#sources.push(w);
      }
      if (!hasOutgoing.has(w.spec.id)) w.outlets.push(this.#sinkOutlet(w.spec.id));
    }
    this.#wired = true;
    this.#running = this.#workers.size;
    // A unary run listens only once something goes asynchronous: a synchronous run has finished
    // before anyone could abort it, and an AbortSignal listener costs ~1 us to add and remove.
    if (!this.#options.collect) this.#watchCallerSignal();
    if (this.#running === 0) this.#settle();
    return undefined;
  }

  #watchCallerSignal(): void {
    const callerSignal = this.#options.signal;
    if (!callerSignal || this.#removeAbortListener || this.#abort.aborted || this.#endedAt !== undefined) return;
    const onCallerAbort = () => void this.close('cancelled by caller');
    if (callerSignal.aborted) return onCallerAbort();
    callerSignal.addEventListener('abort', onCallerAbort, { once: true });
    // Long-lived caller signals must not keep finished sessions alive through their listeners.
    this.#removeAbortListener = () => callerSignal.removeEventListener('abort', onCallerAbort);
  }

  /** A worker started its loop: the run is asynchronous from here on. */
  loopStarted(): void {
    this.#watchCallerSignal();
  }

  #sinkOutlet(nodeId: string) {
    const collect = this.#options.collect;
    return (env: Envelope): Promise<void> | undefined => {
      if (env.data.kind === 'control') return undefined;
      // Each output gets its own metadata object: callers may add to it without touching others.
      const metadata = env.metadata === NO_METADATA ? { 'rm-node-id': nodeId } : { ...env.metadata, 'rm-node-id': nodeId };
      const output = { data: env.data, metadata, sequence: this.#outputs++ };
      if (collect) return void collect.push(output);
      return this.#output.push(output);
    };
  }

  /** Called by each worker once finished; after the last, every node is closed and the session settles. */
  workerFinished(): void {
    if (--this.#running > 0) return;
    // close always runs, for every node, once all have finished (also after errors and cancellation).
    let closing: NodeWorker[] | undefined;
    for (const w of this.#workers.values()) if (w.instance.close) (closing ??= []).push(w);
    if (!closing) return this.#settle();
    void Promise.allSettled(closing.map(async (w) => w.instance.close!())).then((results) => {
      const failedClose = results.find((r) => r.status === 'rejected');
      if (failedClose && !this.#error && this.#state !== 'closed') this.fail(RemoteMediaError.from(failedClose.reason, Code.Internal));
      this.#settle();
    });
  }

  #settle(): void {
    this.#endedAt = Date.now();
    if (this.#error) this.#output.fail(this.#error);
    else {
      if (this.#state !== 'closed') this.#state = 'closed';
      this.#output.close();
    }
    this.#removeAbortListener?.();
    this.#options.onFinished?.(this);
    this.#resolveFinished?.();
  }

  get isActive(): boolean {
    return this.#state === 'running' || this.#state === 'ending' || this.#output.length > 0;
  }

  get state(): SessionState {
    return this.#state;
  }

  fail(error: RemoteMediaError): void {
    if (this.#error || this.#state === 'closed') return;
    this.#error = error;
    this.#state = 'failed';
    this.#abort.abort(error);
    for (const w of this.#workers.values()) w.stop(error);
    this.#output.rejectBlocked(error);
  }

  send(input: TransportData | RuntimeData, options: SendOptions = {}): Promise<void> {
    // Not an async function: most inputs are taken synchronously (inline dispatch), and the
    // promise machinery of an async function per input showed in the gRPC server's profile.
    try {
      return this.push(input, options) ?? RESOLVED;
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** `send` for callers that go on synchronously: undefined when the input was taken at once; throws rather than rejects. */
  push(input: TransportData | RuntimeData, options: SendOptions = {}): Promise<void> | undefined {
    if (this.#error) throw this.#error;
    if (this.#state !== 'running' || this.#inputEnded)
      throw new RemoteMediaError(
        Code.FailedPrecondition,
        `session ${this.sessionId} no longer accepts input (${this.#inputEnded ? 'input ended' : this.#state})`,
      );
    const { data, metadata } = asTransportData(input);
    if (data.kind === 'control') {
      const { type, targetNodeIds } = data.control;
      if (type === 'interrupt' || type === 'cancel') {
        this.interrupt(targetNodeIds, data.control.reason);
        return undefined;
      }
      if (type === 'end_of_stream') {
        void this.end().catch(() => {});
        return undefined;
      }
    }
    this.#inputs++;
    const env: Envelope = { data, metadata };
    if (options.nodeId !== undefined) {
      const w = this.#workers.get(options.nodeId);
      if (!w)
        throw new RemoteMediaError(Code.NotFound, `no node "${options.nodeId}" in pipeline "${this.manifest.metadata.name}"`, {
          details: [{ path: 'nodeId', message: `known nodes: ${[...this.#workers.keys()].join(', ')}` }],
        });
      return w.offer(env);
    }
    const sources = this.#sources;
    if (sources.length === 1) return sources[0].offer(env);
    const pending = sources.map((s) => s.offer(env)).filter((p) => p !== undefined);
    return pending.length ? Promise.all(pending).then(() => undefined) : undefined;
  }

  /** Cancels in-flight work of the targeted nodes (all when omitted) and discards their queued input. */
  interrupt(targetNodeIds?: readonly string[], reason?: string): void {
    const targets = targetNodeIds?.length ? targetNodeIds.map((id) => this.#workers.get(id)).filter((w): w is NodeWorker => !!w) : [...this.#workers.values()];
    for (const w of targets) w.interrupt(reason);
  }

  async end(): Promise<void> {
    this.#endInput();
    await this.finished;
    if (this.#error) throw this.#error;
  }

  /** `end` for callers that go on synchronously: undefined when the session has already finished; throws its error rather than rejects. */
  endNow(): Promise<void> | undefined {
    this.#endInput();
    if (this.#endedAt === undefined) return this.end();
    if (this.#error) throw this.#error;
    return undefined;
  }

  #endInput(): void {
    if (this.#inputEnded) return;
    this.#inputEnded = true;
    if (this.#state === 'running') this.#state = 'ending';
    for (const s of this.#sources) s.inputFinished();
  }

  async close(reason = 'session closed'): Promise<void> {
    if (this.#state === 'running' || this.#state === 'ending') {
      this.#state = 'closed';
      this.#inputEnded = true;
      const error = new RemoteMediaError(Code.Canceled, reason);
      this.#abort.abort(error);
      for (const w of this.#workers.values()) w.stop(error);
      this.#output.rejectBlocked(error);
    }
    await this.finished;
  }

  recv(): Promise<TransportData | undefined> {
    const item = this.#output.shift();
    // Fast path: an output is ready, one settled promise and nothing else.
    if (item !== EMPTY) return Promise.resolve(item);
    return this.#recvSlow();
  }

  async #recvSlow(): Promise<TransportData | undefined> {
    for (;;) {
      const item = this.#output.shift();
      if (item !== EMPTY) return item;
      if (this.#output.closed) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the session's RemoteMediaError (the output queue is failed with nothing else)
        if (this.#output.error) throw this.#output.error;
        return undefined;
      }
      await this.#output.wait();
    }
  }

  get outputs(): AsyncIterable<TransportData> {
    return {
      [Symbol.asyncIterator]: (): AsyncIterator<TransportData> => ({
        next: () => {
          const item = this.#output.shift();
          if (item !== EMPTY) return Promise.resolve({ done: false, value: item });
          return this.#nextSlow();
        },
        return: async () => ({ done: true, value: undefined }),
      }),
    };
  }

  async #nextSlow(): Promise<IteratorResult<TransportData>> {
    for (;;) {
      const item = this.#output.shift();
      if (item !== EMPTY) return { done: false, value: item };
      if (this.#output.closed) {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- the session's RemoteMediaError (the output queue is failed with nothing else)
        if (this.#output.error) throw this.#output.error;
        return { done: true, value: undefined };
      }
      await this.#output.wait();
    }
  }

  /** Resolves when every node has finished and been closed. */
  get finished(): Promise<void> {
    if (this.#finished) return this.#finished;
    if (this.#endedAt !== undefined) return (this.#finished = RESOLVED);
    return (this.#finished = new Promise<void>((resolve) => (this.#resolveFinished = resolve)));
  }

  metrics(): SessionMetricsSnapshot {
    return {
      sessionId: this.sessionId,
      pipeline: this.manifest.metadata.name,
      state: this.#state,
      startedAtMs: this.#startedAt,
      durationMs: (this.#endedAt ?? Date.now()) - this.#startedAt,
      inputs: this.#inputs,
      outputs: this.#outputs,
      nodes: [...this.#workers.values()].map((w) => w.metrics.snapshot()),
    };
  }

  /** Live metric objects, for Prometheus export. */
  nodeMetrics() {
    return [...this.#workers.values()].map((w) => w.metrics);
  }
}
