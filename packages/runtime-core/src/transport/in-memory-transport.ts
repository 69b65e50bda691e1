import type { RuntimeData } from '../data/runtime-data.js';
import { type TransportData, asTransportData } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { SessionMetricsSnapshot } from '../metrics/pipeline-metrics.js';
import { tokenAllowed } from '../util/constant-time.js';
import { RUNTIME_VERSION } from '../version.js';
import type { CallOptions, HealthStatus, ManifestSource, PipelineClient, PipelineTransport, SendOptions, StreamSession } from './pipeline-transport.js';

export interface InMemoryServerOptions {
  /** What the server runs, usually a PipelineRunner. */
  pipeline: PipelineTransport;
  /** Accepted bearer tokens. Default: none, so no auth is required. */
  authTokens?: readonly string[];
  /** Deep-copy data in both directions, as a wire would. Default true. */
  copyData?: boolean;
}

export interface InMemoryServer {
  /** A client of this server; `token` is checked against `authTokens`. */
  client(options?: { token?: string }): PipelineClient;
  close(): Promise<void>;
}

/**
 * A transport with no wire: the reference implementation of the contract, and the test double
 * every other package can use. It copies data so aliasing bugs show up as on a real wire.
 */
export function createInMemoryServer(options: InMemoryServerOptions): InMemoryServer {
  const copy = options.copyData ?? true;
  const clone = <T>(value: T): T => (copy ? structuredClone(value) : value);
  const clients = new Set<InMemoryClient>();
  let closed = false;
  const check = (token: string | undefined) => {
    if (closed) throw new RemoteMediaError(Code.Unavailable, 'in-memory server is closed');
    if (options.authTokens?.length && !tokenAllowed(token, options.authTokens)) {
      throw new RemoteMediaError(Code.Unauthenticated, token === undefined ? 'missing bearer token' : 'invalid bearer token');
    }
  };

  class InMemoryClient implements PipelineClient {
    readonly #sessions = new Set<StreamSession>();
    constructor(private readonly token: string | undefined) {}
    async execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], call?: CallOptions): Promise<TransportData[]> {
      check(this.token);
      const outputs = await options.pipeline.execute(
        clone(manifest),
        inputs.map((i) => clone(asTransportData(i))),
        call,
      );
      return outputs.map(clone);
    }
    async stream(manifest: ManifestSource, call?: CallOptions): Promise<StreamSession> {
      check(this.token);
      const inner = await options.pipeline.stream(clone(manifest), call);
      const session: CopyingSession = new CopyingSession(inner, clone, () => this.#sessions.delete(session));
      this.#sessions.add(session);
      return session;
    }
    async health(): Promise<HealthStatus> {
      check(this.token);
      return { status: 'serving', version: RUNTIME_VERSION };
    }
    async close(): Promise<void> {
      await Promise.allSettled([...this.#sessions].map((s) => s.close('client closed')));
      clients.delete(this);
    }
  }

  return {
    client(clientOptions = {}) {
      const c = new InMemoryClient(clientOptions.token);
      clients.add(c);
      return c;
    },
    async close() {
      closed = true;
      await Promise.allSettled([...clients].map((c) => c.close()));
    },
  };
}

class CopyingSession implements StreamSession {
  constructor(
    private readonly inner: StreamSession,
    private readonly clone: <T>(v: T) => T,
    private readonly onClose: () => void,
  ) {}
  get sessionId(): string {
    return this.inner.sessionId;
  }
  get isActive(): boolean {
    return this.inner.isActive;
  }
  send(input: TransportData | RuntimeData, options?: SendOptions): Promise<void> {
    return this.inner.send(this.clone(asTransportData(input)), options);
  }
  async recv(): Promise<TransportData | undefined> {
    const out = await this.inner.recv();
    return out && this.clone(out);
  }
  get outputs(): AsyncIterable<TransportData> {
    return { [Symbol.asyncIterator]: () => this.#recvAll() };
  }
  async *#recvAll(): AsyncGenerator<TransportData> {
    for (let out = await this.recv(); out !== undefined; out = await this.recv()) yield out;
  }
  end(): Promise<void> {
    return this.inner.end().finally(this.onClose);
  }
  close(reason?: string): Promise<void> {
    return this.inner.close(reason).finally(this.onClose);
  }
  metrics(): SessionMetricsSnapshot {
    return this.inner.metrics();
  }
}
