import type { IPolicy } from 'cockatiel';
import type { ControlMessage, RuntimeData } from '../data/runtime-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { ManifestNode } from '../manifest/manifest-schema.js';
import { NodeMetrics } from '../metrics/pipeline-metrics.js';
import type { NodeDefinition, NodeOutput, PipelineNode, ProcessContext } from '../nodes/node-definition.js';
import { BoundedQueue, EMPTY } from './bounded-queue.js';
import { PartialOutputError, createNodePolicy, mapPolicyError } from './resilience.js';

/** One unit of work flowing between nodes: the data plus the metadata of the input that caused it. */
export interface Envelope {
  data: RuntimeData;
  metadata: Record<string, string>;
}

/** Where a node's outputs go: downstream queues or the session output. Returns a promise only when it must wait. */
export type Outlet = (envelope: Envelope) => Promise<void> | undefined;

export interface WorkerHost {
  /** Ends the session with this error (first error wins). */
  fail(error: RemoteMediaError): void;
  readonly signal: AbortSignal;
}

const now = () => performance.now();

/** Runs one node of one session: pulls its queue, calls the node, pushes outputs to its outlets. */
export class NodeWorker {
  readonly queue: BoundedQueue<Envelope>;
  readonly metrics: NodeMetrics;
  readonly outlets: Outlet[] = [];
  /** Producers still feeding this node (upstream workers, plus session input for sources). */
  openInputs = 0;
  #inputAbort = new AbortController();
  readonly #policy: IPolicy | undefined;
  readonly #accepts: ReadonlySet<string> | undefined;
  #downstream: NodeWorker[] = [];

  constructor(
    readonly spec: ManifestNode,
    readonly definition: NodeDefinition<any>,
    readonly instance: PipelineNode,
    private readonly host: WorkerHost,
  ) {
    const q = spec.queue ?? { capacity: 64, overflow: 'block' as const };
    this.queue = new BoundedQueue(q.capacity, q.overflow);
    this.metrics = new NodeMetrics(spec.id, spec.nodeType, () => this.queue.length, () => this.queue.dropped);
    this.#policy = createNodePolicy(spec, () => this.metrics.retries++);
    this.#accepts = definition.accepts === 'any' ? undefined : new Set(definition.accepts);
    host.signal.addEventListener('abort', () => this.#inputAbort.abort(host.signal.reason), { once: true });
  }

  connectTo(next: NodeWorker): void {
    this.#downstream.push(next);
    next.openInputs++;
    this.outlets.push((env) => next.queue.push(env));
  }

  /** One producer finished; the queue closes when all have. */
  inputFinished(): void {
    if (--this.openInputs <= 0) this.queue.close();
  }

  /** Barge-in: cancel the in-flight call and discard queued input. */
  interrupt(reason = 'interrupted'): void {
    this.metrics.interrupted += this.queue.clear();
    this.#inputAbort.abort(new RemoteMediaError(Code.Canceled, reason, { nodeId: this.spec.id, reason: 'Interrupted' }));
    this.#inputAbort = new AbortController();
  }

  async run(): Promise<void> {
    const { queue, host } = this;
    try {
      for (;;) {
        if (host.signal.aborted) return;
        const env = queue.shift();
        if (env === EMPTY) {
          if (queue.closed) break;
          await queue.wait();
          continue;
        }
        if (env.data.kind === 'control') await this.#control(env);
        else await this.#handle(env);
      }
      if (!host.signal.aborted && this.instance.flush) await this.#invoke((ctx) => this.instance.flush!(ctx), {}, false);
    } finally {
      for (const next of this.#downstream) next.inputFinished();
    }
  }

  async #control(env: Envelope): Promise<void> {
    const message = (env.data as { control: ControlMessage }).control;
    const targeted = !message.targetNodeIds || message.targetNodeIds.includes(this.spec.id);
    if (targeted) {
      if (message.type === 'flush' && this.instance.flush) await this.#invoke((ctx) => this.instance.flush!(ctx), env.metadata, false);
      else if (message.type !== 'flush') this.instance.control?.(message);
    }
    await this.#emitAll(env);
  }

  async #handle(env: Envelope): Promise<void> {
    this.metrics.itemsIn++;
    if (this.#accepts && !this.#accepts.has(env.data.kind)) {
      const error = new RemoteMediaError(
        Code.InvalidArgument,
        `node "${this.spec.id}" (${this.spec.nodeType}) does not accept ${env.data.kind} data; it accepts ${[...this.#accepts].join(', ')}`,
        { nodeId: this.spec.id, reason: 'UnsupportedDataKind' },
      );
      return this.#onError(error);
    }
    await this.#invoke((ctx) => this.instance.process(env.data, ctx), env.metadata, true);
  }

  /** Calls process/flush, emits what it returns, records latency; routes errors by policy. */
  async #invoke(call: (ctx: ProcessContext) => NodeOutput, metadata: Record<string, string>, timed: boolean): Promise<void> {
    const started = timed ? now() : 0;
    const signal = this.#inputAbort.signal;
    const ctx: ProcessContext = { signal, metadata };
    try {
      if (this.#policy) {
        let emitted = 0;
        await this.#policy.execute(async () => {
          try {
            emitted += await this.#consume(call(ctx), metadata, signal);
          } catch (error) {
            throw emitted > 0 ? new PartialOutputError(error) : error;
          }
        });
      } else {
        const result = call(ctx);
        // Fast path: synchronous single output, no promise allocated.
        if (result !== undefined && (result as RuntimeData).kind !== undefined) {
          this.metrics.itemsOut++;
          const p = this.#emit({ data: result as RuntimeData, metadata });
          if (timed) this.metrics.latency.record((now() - started) * 1000);
          if (p) await p;
          return;
        }
        await this.#consume(result, metadata, signal);
      }
      if (timed) this.metrics.latency.record((now() - started) * 1000);
    } catch (error) {
      if (signal.aborted) return; // interrupted or session ending: not a node failure
      await this.#onError(mapPolicyError(error, this.spec));
    }
  }

  /** Emits everything a call returned; returns how many outputs were emitted. */
  async #consume(result: NodeOutput, metadata: Record<string, string>, signal: AbortSignal): Promise<number> {
    if (result === undefined || result === null) return 0;
    if (typeof (result as Promise<unknown>).then === 'function') {
      const value = await raceAbort(result as Promise<RuntimeData | readonly RuntimeData[] | undefined>, signal);
      return this.#consume(value ?? undefined, metadata, signal);
    }
    if (Array.isArray(result)) {
      for (const data of result as RuntimeData[]) await this.#emitOne(data, metadata, signal);
      return (result as RuntimeData[]).length;
    }
    if (typeof (result as AsyncIterable<RuntimeData>)[Symbol.asyncIterator] === 'function') {
      const it = (result as AsyncIterable<RuntimeData>)[Symbol.asyncIterator]();
      let n = 0;
      try {
        for (;;) {
          const next = await raceAbort(it.next(), signal);
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

  async #emitOne(data: RuntimeData, metadata: Record<string, string>, signal: AbortSignal): Promise<void> {
    if (signal.aborted) throw signal.reason;
    this.metrics.itemsOut++;
    const p = this.#emit({ data, metadata });
    if (p) await p;
  }

  #emit(env: Envelope): Promise<void> | undefined {
    const outlets = this.outlets;
    if (outlets.length === 1) return outlets[0]!(env);
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

  async #onError(error: RemoteMediaError): Promise<void> {
    this.metrics.errors++;
    if (this.spec.onError === 'skip') return;
    this.host.fail(error);
  }
}

function raceAbort<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
