import type { IPolicy } from 'cockatiel';
import type { ControlMessage, RuntimeData } from '../data/runtime-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { ManifestNode } from '../manifest/manifest-schema.js';
import { NodeMetrics } from '../metrics/pipeline-metrics.js';
import type { NodeDefinition, NodeOutput, PipelineNode, ProcessContext } from '../nodes/node-definition.js';
import { BoundedQueue, EMPTY } from './bounded-queue.js';
import { LazyAbortController } from '../util/lazy-abort.js';
import { PartialOutputError, createNodePolicy, mapPolicyError } from './resilience.js';

/** One unit of work flowing between nodes: the data plus the metadata of the input that caused it. */
export interface Envelope {
  data: RuntimeData;
  metadata: Record<string, string>;
}

/** Where a node's outputs go: downstream workers or the session output. Returns a promise only when it must wait. */
export type Outlet = (envelope: Envelope) => Promise<void> | undefined;

export interface WorkerHost {
  /** The session's id, as nodes see it in their context. */
  readonly sessionId: string;
  /** Ends the session with this error (first error wins). */
  fail(error: RemoteMediaError): void;
  /** True once the session ended abnormally (closed, cancelled or failed). */
  readonly aborted: boolean;
  /** Outlets are connected: the session has started. */
  readonly wired: boolean;
  /** A worker has finished (flushed, or stopped) and told its downstream. */
  workerFinished(): void;
  /** A worker's loop started: something is asynchronous (or the session is stopping). */
  loopStarted(): void;
}

/** The context of one call; its signal belongs to the interrupt generation the call started in. */
class CallContext implements ProcessContext {
  constructor(
    readonly abort: LazyAbortController,
    readonly metadata: Record<string, string>,
  ) {}
  get signal(): AbortSignal {
    return this.abort.signal;
  }
}

/** Per definition, not per worker: a unary run builds every worker anew. */
const acceptsByDefinition = new WeakMap<NodeDefinition, ReadonlySet<string>>();
function acceptedKinds(definition: NodeDefinition): ReadonlySet<string> | undefined {
  if (definition.accepts === 'any') return undefined;
  let kinds = acceptsByDefinition.get(definition);
  if (!kinds) acceptsByDefinition.set(definition, (kinds = new Set(definition.accepts)));
  return kinds;
}

const now = () => performance.now();
/**
 * Synchronous nodes are timed on one call in this many: reading the clock costs more than a
 * synchronous pass-through (see `pnpm bench executor`). Asynchronous nodes are timed on every call.
 * Counters (items, errors, drops) are always exact.
 */
export const SYNC_LATENCY_SAMPLE_EVERY = 16;
const FLUSH = 0;
const PROCESS = 1;

/**
 * Runs one node of one session. An input offered while the node is idle with an empty queue is
 * processed at once in the caller's stack (as node:stream does for synchronous transforms), so a
 * chain of synchronous nodes costs function calls, not a promise per hop. Otherwise it is queued,
 * and the worker loop drains the queue; asynchronous work and backpressure go through the queue.
 * The loop starts on first need: a worker whose inputs were all handled inline (a unary run of
 * synchronous nodes) finishes in its last producer's stack, without a loop or a promise.
 */
export class NodeWorker {
  readonly queue: BoundedQueue<Envelope>;
  readonly metrics: NodeMetrics;
  readonly outlets: Outlet[] = [];
  /** Producers still feeding this node (upstream workers, plus session input for sources). */
  openInputs = 0;
  /** Aborted by an interrupt (then replaced) or when the session ends. */
  #inputAbort = new LazyAbortController();
  readonly #policy: IPolicy | undefined;
  readonly #accepts: ReadonlySet<string> | undefined;
  readonly #downstream: NodeWorker[] = [];
  /** True while an input is being handled (inline or by the loop), including its async tail. */
  #busy = false;
  /** The async tail of an inline-handled input; the loop waits for it before the next input. */
  #inflight: Promise<void> | undefined;
  /** Idle (no loop yet, or the loop waits for input): an input offered now may be handled inline. */
  #parked = true;
  /** The drain loop (or an asynchronous final flush), once started. */
  #loop: Promise<void> | undefined;
  /** Set when the loop has ended and downstream was told: no more outputs may go out. */
  #finished = false;
  #sampleCountdown = 0;
  /** Set once a call returned a promise or stream: from then on every call is timed. */
  #async = false;
  /** Reused while generation and metadata stay the same (a chain passing one input on shares both). */
  #ctx: CallContext | undefined;

  constructor(
    readonly spec: ManifestNode,
    definition: NodeDefinition,
    readonly instance: PipelineNode,
    private readonly host: WorkerHost,
  ) {
    const q = spec.queue ?? { capacity: 64, overflow: 'block' as const };
    this.queue = new BoundedQueue(q.capacity, q.overflow);
    this.metrics = new NodeMetrics(spec.id, spec.nodeType, this.queue);
    this.#policy = createNodePolicy(spec, () => this.metrics.retries++);
    this.#accepts = acceptedKinds(definition);
  }

  /**
   * Session ended or failed: cancel in-flight work and refuse queued producers (called by the
   * session, not through listeners). The worker then finishes without flushing.
   */
  stop(reason: unknown): void {
    this.#inputAbort.abort(reason);
    this.queue.fail(reason);
    // Before the session is wired (a node failed while others initialized) there is nothing to finish.
    if (this.host.wired) this.#startLoop();
  }

  /** Started when there is queued or in-flight work, or something left to finish; idempotent. */
  #startLoop(): void {
    if (this.#loop || this.#finished) return;
    this.host.loopStarted();
    this.#loop = this.#run();
  }

  connectTo(next: NodeWorker): void {
    this.#downstream.push(next);
    next.openInputs++;
    this.outlets.push((env) => next.offer(env));
  }

  /** Accepts one input: handled inline when idle, else queued (with the queue's backpressure). */
  offer(env: Envelope): Promise<void> | undefined {
    if (this.#parked && !this.#busy && this.queue.length === 0 && !this.queue.closed) {
      this.#busy = true;
      let pending: Promise<void> | undefined;
      try {
        pending = this.#dispatch(env);
      } finally {
        if (!pending) this.#busy = false;
      }
      if (pending) {
        // Do not make the producer wait for our async work: the loop picks the tail up.
        this.#inflight = pending.finally(() => {
          this.#inflight = undefined;
          this.#busy = false;
        });
        this.#inflight.catch(() => {});
        this.queue.poke();
        this.#startLoop();
      }
      return undefined;
    }
    const queued = this.queue.push(env);
    this.#startLoop();
    return queued;
  }

  /** An output emitted outside process/flush (NodeContext.emit). */
  emitUnprompted(data: RuntimeData, metadata: Record<string, string>): Promise<void> {
    if (this.#finished || this.host.aborted) {
      return Promise.reject(new RemoteMediaError(Code.FailedPrecondition, `node "${this.spec.id}" has finished and cannot emit`, { nodeId: this.spec.id }));
    }
    this.metrics.itemsOut++;
    return this.#emit({ data, metadata }) ?? Promise.resolve();
  }

  /** One producer finished; the queue closes when all have, and an idle worker finishes at once. */
  inputFinished(): void {
    if (--this.openInputs > 0) return;
    this.queue.close();
    if (this.#loop || this.#finished) return; // a running loop sees the closed queue
    if (this.#busy || this.queue.length > 0) return this.#startLoop();
    this.#parked = false;
    const flushing = !this.host.aborted && this.instance.flush ? this.#invoke(FLUSH, undefined, {}) : undefined;
    if (!flushing) return this.#done();
    this.host.loopStarted();
    this.#loop = flushing.then(() => this.#done());
  }

  /** Barge-in: cancel the in-flight call and discard queued input. */
  interrupt(reason = 'interrupted'): void {
    this.metrics.interrupted += this.queue.clear();
    this.#inputAbort.abort(new RemoteMediaError(Code.Canceled, reason, { nodeId: this.spec.id, reason: 'Interrupted' }));
    this.#inputAbort = new LazyAbortController();
  }

  async #run(): Promise<void> {
    const { queue, host } = this;
    this.#parked = false;
    try {
      // Started from inside a producer's call (maybe this worker's own inline one): let that stack
      // unwind first, as a parked loop woken by the queue would, so a node is never re-entered.
      await Promise.resolve();
      for (;;) {
        if (host.aborted) return;
        if (this.#inflight) {
          await this.#inflight;
          continue;
        }
        const env = queue.shift();
        if (env === EMPTY) {
          if (queue.closed) break;
          this.#parked = true;
          await queue.wait();
          this.#parked = false;
          continue;
        }
        this.#busy = true;
        // Synchronous nodes return no promise, so a batch of queued items runs without a microtask each.
        const pending = this.#dispatch(env);
        if (pending) await pending;
        this.#busy = false;
      }
      if (!host.aborted && this.instance.flush) {
        const pending = this.#invoke(FLUSH, undefined, {});
        if (pending) await pending;
      }
    } catch (error) {
      host.fail(RemoteMediaError.from(error, Code.Internal, { nodeId: this.spec.id }));
    } finally {
      this.#parked = false;
      this.#done();
    }
  }

  #done(): void {
    this.#finished = true;
    for (const next of this.#downstream) next.inputFinished();
    this.host.workerFinished();
  }

  #dispatch(env: Envelope): Promise<void> | undefined {
    if (env.data.kind === 'control') return this.#control(env);
    this.metrics.itemsIn++;
    if (this.#accepts !== undefined && !this.#accepts.has(env.data.kind)) {
      this.#onError(
        new RemoteMediaError(
          Code.InvalidArgument,
          `node "${this.spec.id}" (${this.spec.nodeType}) does not accept ${env.data.kind} data; it accepts ${[...this.#accepts].join(', ')}`,
          {
            nodeId: this.spec.id,
            reason: 'UnsupportedDataKind',
          },
        ),
      );
      return undefined;
    }
    return this.#invoke(PROCESS, env, env.metadata);
  }

  async #control(env: Envelope): Promise<void> {
    const message = (env.data as { control: ControlMessage }).control;
    const targeted = !message.targetNodeIds || message.targetNodeIds.includes(this.spec.id);
    if (targeted) {
      if (message.type === 'flush' && this.instance.flush) await this.#invoke(FLUSH, undefined, env.metadata);
      else if (message.type !== 'flush') this.instance.control?.(message);
    }
    await this.#emitAll(env);
  }

  #context(abort: LazyAbortController, metadata: Record<string, string>): CallContext {
    const ctx = this.#ctx;
    return ctx !== undefined && ctx.abort === abort && ctx.metadata === metadata ? ctx : (this.#ctx = new CallContext(abort, metadata));
  }

  #call(mode: typeof FLUSH | typeof PROCESS, input: Envelope | undefined, ctx: ProcessContext): NodeOutput {
    return mode === PROCESS ? this.instance.process(input!.data, ctx) : this.instance.flush!(ctx);
  }

  /**
   * Calls process/flush and emits what it returns. Returns a promise only when something is
   * asynchronous (the node, a retry policy, or downstream backpressure). Never throws.
   */
  #invoke(mode: typeof FLUSH | typeof PROCESS, input: Envelope | undefined, metadata: Record<string, string>): Promise<void> | undefined {
    let started = -1;
    if (mode === PROCESS && (this.#async || this.#sampleCountdown-- === 0)) {
      started = now();
      if (!this.#async) this.#sampleCountdown = SYNC_LATENCY_SAMPLE_EVERY - 1;
    }
    const signal = this.#inputAbort;
    if (this.#policy) return this.#invokeWithPolicy(mode, input, metadata, signal, started);
    let result: NodeOutput;
    try {
      result = this.#call(mode, input, this.#context(signal, metadata));
    } catch (error) {
      this.#failed(error, signal);
      return undefined;
    }
    if (result === undefined || result === null) {
      if (started >= 0) this.metrics.latency.record((now() - started) * 1000);
      return undefined;
    }
    if ((result as RuntimeData).kind !== undefined) {
      // Fast path: one synchronous output. Reuse the input envelope when the node passed its input on.
      if (started >= 0) this.metrics.latency.record((now() - started) * 1000);
      this.metrics.itemsOut++;
      return this.#emit(input !== undefined && input.data === result ? input : { data: result as RuntimeData, metadata });
    }
    if (Array.isArray(result)) {
      // Synchronous outputs (e.g. a chunk and its event): no promise unless downstream must wait.
      if (started >= 0) this.metrics.latency.record((now() - started) * 1000);
      const pending = this.#emitArray(result as readonly RuntimeData[], 0, input, metadata, signal);
      return pending?.catch((error: unknown) => this.#failed(error, signal));
    }
    if (mode === PROCESS) this.#async = true;
    return this.#consume(result, metadata, signal).then(
      () => {
        if (started >= 0) this.metrics.latency.record((now() - started) * 1000);
      },
      (error) => this.#failed(error, signal),
    );
  }

  async #invokeWithPolicy(
    mode: typeof FLUSH | typeof PROCESS,
    input: Envelope | undefined,
    metadata: Record<string, string>,
    signal: LazyAbortController,
    sampled: number,
  ): Promise<void> {
    const started = sampled >= 0 ? sampled : now();
    let emitted = 0;
    try {
      await this.#policy!.execute(async () => {
        try {
          emitted += await this.#consume(this.#call(mode, input, this.#context(signal, metadata)), metadata, signal);
        } catch (error) {
          throw emitted > 0 ? new PartialOutputError(error) : error;
        }
      });
      if (mode === PROCESS) this.metrics.latency.record((now() - started) * 1000);
    } catch (error) {
      this.#failed(error, signal);
    }
  }

  #failed(error: unknown, signal: LazyAbortController): void {
    if (signal.aborted) return; // interrupted or session ending: not a node failure
    this.#onError(mapPolicyError(error, this.spec));
  }

  /** Emits everything a call returned; returns how many outputs were emitted. */
  async #consume(result: NodeOutput, metadata: Record<string, string>, signal: LazyAbortController): Promise<number> {
    if (result === undefined || result === null) return 0;
    if (typeof (result as Promise<unknown>).then === 'function') {
      const value = await signal.race(result as Promise<RuntimeData | readonly RuntimeData[] | undefined>);
      return this.#consume(value ?? undefined, metadata, signal);
    }
    if (Array.isArray(result)) {
      const pending = this.#emitArray(result as readonly RuntimeData[], 0, undefined, metadata, signal);
      if (pending) await pending;
      return (result as RuntimeData[]).length;
    }
    if (typeof (result as AsyncIterable<RuntimeData>)[Symbol.asyncIterator] === 'function') {
      const it = (result as AsyncIterable<RuntimeData>)[Symbol.asyncIterator]();
      let n = 0;
      try {
        for (;;) {
          const next = await signal.race(it.next());
          if (next.done) break;
          await this.#emitOne(next.value, metadata, signal);
          n++;
        }
      } finally {
        if (signal.aborted) void Promise.resolve(it.return?.()).catch(() => {});
      }
      return n;
    }
    await this.#emitOne(result as RuntimeData, metadata, signal);
    return 1;
  }

  /**
   * Emits `outputs` from index `from` in order, synchronously while downstream takes them at once;
   * returns a promise only from the first output that must wait. The input envelope is reused for
   * an output that is the input itself (a node passing its chunk on).
   */
  #emitArray(
    outputs: readonly RuntimeData[],
    from: number,
    input: Envelope | undefined,
    metadata: Record<string, string>,
    signal: LazyAbortController,
  ): Promise<void> | undefined {
    for (let i = from; i < outputs.length; i++) {
      if (signal.aborted) return Promise.reject(signal.reason);
      const data = outputs[i];
      this.metrics.itemsOut++;
      const p = this.#emit(input !== undefined && input.data === data ? input : { data, metadata });
      if (p) return i + 1 < outputs.length ? p.then(() => this.#emitArray(outputs, i + 1, input, metadata, signal)) : p;
    }
    return undefined;
  }

  async #emitOne(data: RuntimeData, metadata: Record<string, string>, signal: LazyAbortController): Promise<void> {
    if (signal.aborted) throw signal.reason;
    this.metrics.itemsOut++;
    const p = this.#emit({ data, metadata });
    if (p) await p;
  }

  #emit(env: Envelope): Promise<void> | undefined {
    const outlets = this.outlets;
    if (outlets.length === 1) return outlets[0](env);
    return this.#emitAll(env);
  }

  #emitAll(env: Envelope): Promise<void> | undefined {
    let pending: Promise<void>[] | undefined;
    for (const outlet of this.outlets) {
      const p = outlet(env);
      if (p) (pending ??= []).push(p);
    }
    return pending ? Promise.all(pending).then(() => undefined) : undefined;
  }

  #onError(error: RemoteMediaError): void {
    this.metrics.errors++;
    if (this.spec.onError === 'skip') return;
    this.host.fail(error);
  }
}
