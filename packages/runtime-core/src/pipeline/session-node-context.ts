import type { RuntimeData } from '../data/runtime-data.js';
import { NO_METADATA } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { NodeContext, NodeLogger } from '../nodes/node-definition.js';
import type { LazyAbortController } from '../util/lazy-abort.js';
import type { NodeWorker, WorkerHost } from './node-worker.js';

/**
 * The NodeContext a session gives each node. A class rather than an object literal: a literal
 * with a getter (the lazy `signal`) is built on V8's slow path, once per node per session, which
 * showed in unary runs. Nodes may pass the methods around unbound, so each getter hands out one
 * bound function, made on first use (most nodes never call them; a unary run builds every context).
 */
export class SessionNodeContext implements NodeContext {
  /** Set once the node's worker exists. */
  worker: NodeWorker | undefined;
  readonly #abort: LazyAbortController;
  readonly #host: Pick<WorkerHost, 'fail' | 'wired' | 'sessionId'>;

  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
    readonly logger: NodeLogger,
    abort: LazyAbortController,
    host: Pick<WorkerHost, 'fail' | 'wired' | 'sessionId'>,
  ) {
    this.#abort = abort;
    this.#host = host;
  }

  get sessionId(): string {
    return this.#host.sessionId;
  }

  get signal(): AbortSignal {
    return this.#abort.signal;
  }

  #fail: NodeContext['fail'] | undefined;
  #emit: NodeContext['emit'] | undefined;
  #reportProgress: NodeContext['reportProgress'] | undefined;

  get fail(): NodeContext['fail'] {
    return (this.#fail ??= (error: unknown): void => this.#host.fail(RemoteMediaError.from(error, Code.Internal, { nodeId: this.nodeId })));
  }

  get emit(): NodeContext['emit'] {
    return (this.#emit ??= (data: RuntimeData, metadata: Record<string, string> = NO_METADATA): Promise<void> => {
      if (!this.worker || !this.#host.wired)
        return Promise.reject(
          new RemoteMediaError(Code.FailedPrecondition, `node "${this.nodeId}" cannot emit before the session has started`, { nodeId: this.nodeId }),
        );
      return this.worker.emitUnprompted(data, metadata);
    });
  }

  get reportProgress(): NodeContext['reportProgress'] {
    return (this.#reportProgress ??= (fraction: number): void => {
      if (this.worker) this.worker.metrics.progress = fraction;
    });
  }
}
