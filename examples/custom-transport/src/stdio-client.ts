// The client half: a PipelineClient speaking the JSON-lines protocol of stdio-server.ts.
import { createInterface } from 'node:readline';
import { type CallOptions, type ErrorDetail, type HealthStatus, type ManifestSource, type PipelineClient, type RuntimeData, type SendOptions, type SessionMetricsSnapshot, type StreamSession, type TransportData, Code, RemoteMediaError, asTransportData, parseCode } from '@remotemedia/runtime-core';
import { BoundedQueue, EMPTY, abortError, callSignal, transportDataFromJson, transportDataToJson } from '@remotemedia/runtime-core/kit';

export interface StdioClientOptions {
  /** The server's stdout. */
  readable: NodeJS.ReadableStream;
  /** The server's stdin. */
  writable: NodeJS.WritableStream;
  token?: string;
}

type WireError = { code: string; message: string; details?: ErrorDetail[]; nodeId?: string; reason?: string };
const fromWire = (e: WireError) => new RemoteMediaError(parseCode(e.code), e.message, { details: e.details, nodeId: e.nodeId, reason: e.reason });

export function createStdioClient({ readable, writable, token }: StdioClientOptions): PipelineClient {
  let nextId = 1;
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: unknown) => void }>();
  const sessions = new Map<string, { outputs: BoundedQueue<TransportData>; done: () => void }>();
  createInterface({ input: readable }).on('line', (line) => {
    const msg = JSON.parse(line);
    if (msg.session) {
      const s = sessions.get(msg.session);
      if (msg.output) return void s?.outputs.push(transportDataFromJson(msg.output));
      if (msg.error) s?.outputs.fail(fromWire(msg.error));
      else s?.outputs.close();
      s?.done();
      return sessions.delete(msg.session);
    }
    const p = pending.get(msg.id);
    pending.delete(msg.id);
    if (msg.error) p?.reject(fromWire(msg.error));
    else p?.resolve(msg.result);
  });
  const call = (method: string, params: Record<string, unknown>, options: CallOptions = {}): Promise<any> => {
    const signal = callSignal(options);
    if (signal?.aborted) return Promise.reject(abortError(signal));
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve, reject });
      signal?.addEventListener('abort', () => (pending.delete(id), reject(abortError(signal))), { once: true });
      writable.write(JSON.stringify({ id, method, token, timeoutMs: options.timeoutMs, ...params }) + '\n');
    });
  };

  return {
    async execute(manifest, inputs, options) {
      const outputs = await call('execute', { manifest, inputs: inputs.map((i) => transportDataToJson(asTransportData(i))) }, options);
      return (outputs as unknown[]).map((o) => transportDataFromJson(o));
    },
    async stream(manifest: ManifestSource, options?: CallOptions): Promise<StreamSession> {
      const { session: sessionId } = await call('open', { manifest }, options);
      const outputs = new BoundedQueue<TransportData>(1 << 20);
      let done!: () => void;
      const finished = new Promise<void>((r) => (done = r));
      sessions.set(sessionId, { outputs, done });
      let active = true;
      const recv = async (): Promise<TransportData | undefined> => {
        for (;;) {
          const item = outputs.shift();
          if (item !== EMPTY) return item;
          if (outputs.closed) {
            active = false;
            if (outputs.error) throw outputs.error;
            return undefined;
          }
          await outputs.wait();
        }
      };
      return {
        sessionId,
        get isActive() { return active; },
        send: (input: TransportData | RuntimeData, opts?: SendOptions) => call('send', { session: sessionId, input: transportDataToJson(asTransportData(input)), nodeId: opts?.nodeId }),
        recv,
        outputs: { async *[Symbol.asyncIterator]() { for (let o = await recv(); o; o = await recv()) yield o; } },
        end: async () => {
          await call('end', { session: sessionId });
          await finished;
          if (outputs.error) throw outputs.error;
        },
        close: async (reason?: string) => {
          active = false;
          outputs.close();
          done();
          await call('close', { session: sessionId, reason }).catch(() => {});
        },
        metrics: (): SessionMetricsSnapshot => { throw new RemoteMediaError(Code.Unimplemented, 'metrics are not carried by the stdio transport'); },
      };
    },
    health: (options?: CallOptions): Promise<HealthStatus> => call('health', {}, options),
    async close() {
      writable.end();
    },
  };
}
