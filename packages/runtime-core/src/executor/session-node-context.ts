import type { RuntimeData } from '../data/runtime-data.js';
import { NO_METADATA } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { NodeContext, NodeLogger } from '../nodes/node-definition.js';
import type { LazyAbortController } from '../util/lazy-abort.js';
import type { NodeWorker, WorkerHost } from './node-worker.js';

/**
 * The NodeContext a session gives each node. A class rather than an object literal: a literal
 * with a getter (the lazy `signal`) is built on V8's slow path, once per node per session, which
 * showed in unary runs. The methods are arrow fields because nodes may pass them around unbound.
 */
export class SessionNodeContext implements NodeContext {
  /** Set once the node's worker exists. */
  worker: NodeWorker | undefined;
  readonly #abort: LazyAbortController;
  readonly #host: Pick<WorkerHost, 'fail' | 'wired'>;

  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
    readonly sessionId: string,
    readonly logger: NodeLogger,
    abort: LazyAbortController,
    host: Pick<WorkerHost, 'fail' | 'wired'>,
  ) {
    this.#abort = abort;
    this.#host = host;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  readonly fail = (error: unknown): void => this.#host.fail(RemoteMediaError.from(error, Code.Internal, { nodeId: this.nodeId }));

  readonly emit = (data: RuntimeData, metadata: Record<string, string> = NO_METADATA): Promise<void> => {
    if (!this.worker || !this.#host.wired) return Promise.reject(new RemoteMediaError(Code.FailedPrecondition, `node "${this.nodeId}" cannot emit before the session has started`, { nodeId: this.nodeId }));
    return this.worker.emitUnprompted(data, metadata);
  };

  readonly reportProgress = (fraction: number): void => {
    if (this.worker) this.worker.metrics.progress = fraction;
  };
}
