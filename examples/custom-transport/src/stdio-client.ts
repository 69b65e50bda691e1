// The client half: a PipelineClient speaking the JSON-lines protocol of stdio-server.ts. The kit
// brings the session state machine (ClientStreamSession), the JSON codecs and call deadlines.
import { createInterface } from 'node:readline';
import {
  type CallOptions,
  type HealthStatus,
  type ManifestSource,
  type PipelineClient,
  type SendOptions,
  type TransportData,
  RemoteMediaError,
  asTransportData,
} from '@remotemedia/runtime-core';
import { ClientStreamSession, abortError, callSignal, transportDataFromJson, transportDataToJson } from '@remotemedia/runtime-core/kit';

export interface StdioClientOptions {
  /** The server's stdout. */
  readable: NodeJS.ReadableStream;
  /** The server's stdin. */
  writable: NodeJS.WritableStream;
  /** Sent with every request. Default: none. */
  token?: string;
}

type Call = <T = unknown>(method: string, params: Record<string, unknown>, options?: CallOptions) => Promise<T>;
/** One line from the server: a reply `{id, result|error}` or a session's `{session, output|error|done}`. */
type Line = { id?: number; result?: unknown; session?: string; output?: unknown; error?: unknown };

/** Only the wire: inputs are `send` calls, outputs arrive as `{session, output|done|error}` lines. */
class StdioSession extends ClientStreamSession {
  constructor(
    sessionId: string,
    private readonly call: Call,
  ) {
    super(sessionId);
  }
  /** One line from the server for this session. */
  onLine(msg: Line): void {
    if (msg.output) void this.deliver(transportDataFromJson(msg.output));
    else if (msg.error) this.fail(RemoteMediaError.fromJSON(msg.error));
    else this.finish();
  }
  protected async sendInput(input: TransportData, options: SendOptions): Promise<void> {
    await this.call('send', { session: this.sessionId, input: transportDataToJson(input), nodeId: options.nodeId });
  }
  protected async endInput(): Promise<void> {
    await this.call('end', { session: this.sessionId });
  }
  protected async closeWire(reason: string): Promise<void> {
    await this.call('close', { session: this.sessionId, reason }).catch(() => {});
  }
}

export function createStdioClient({ readable, writable, token }: StdioClientOptions): PipelineClient {
  let nextId = 1;
  const pending = new Map<number | undefined, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  const sessions = new Map<string, StdioSession>();
  createInterface({ input: readable }).on('line', (line) => {
    const msg = JSON.parse(line) as Line;
    if (msg.session) return sessions.get(msg.session)?.onLine(msg);
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p?.reject(RemoteMediaError.fromJSON(msg.error));
    else p?.resolve(msg.result);
  });
  const call: Call = <T>(method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<T> => {
    const signal = callSignal(options);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      signal?.addEventListener('abort', () => (pending.delete(id), reject(abortError(signal))), { once: true });
      writable.write(JSON.stringify({ id, method, token, timeoutMs: options.timeoutMs, ...params }) + '\n');
    });
  };

  return {
    async execute(manifest, inputs, options) {
      const outputs = await call<unknown[]>('execute', { manifest, inputs: inputs.map((i) => transportDataToJson(asTransportData(i))) }, options);
      return outputs.map((o) => transportDataFromJson(o));
    },
    async stream(manifest: ManifestSource, options?: CallOptions) {
      const { session: sessionId } = await call<{ session: string }>('open', { manifest }, options);
      const session = new StdioSession(sessionId, call);
      sessions.set(sessionId, session);
      void session.settled.then(() => sessions.delete(sessionId));
      return session;
    },
    health: (options?: CallOptions) => call<HealthStatus>('health', {}, options),
    async close() {
      writable.end();
    },
  };
}
