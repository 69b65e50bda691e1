// A complete transport: serves any PipelineTransport as JSON lines over stdin/stdout.
// Requests:  {"id", "method": "execute"|"open"|"send"|"end"|"close"|"health", "token", ...}
// Replies:   {"id", "result"} or {"id", "error"}; session outputs: {"session", "output"} / {"session", "done"}
import { createInterface } from 'node:readline';
import { type ManifestSource, type PipelineTransport, type StreamSession, Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { tokenAllowed, transportDataFromJson, transportDataListFromJson, transportDataToJson } from '@remotemedia/runtime-core/kit';

export interface StdioServerOptions {
  pipeline: PipelineTransport;
  /** Accepted tokens; default none, so no auth. */
  authTokens?: readonly string[];
  input?: NodeJS.ReadableStream;
  output?: NodeJS.WritableStream;
}

/** One request line: the fields its method reads. The pipeline checks the manifest, the kit's codecs the items. */
interface StdioRequest {
  id?: number;
  method?: string;
  token?: string;
  /** execute, open. */
  manifest: ManifestSource;
  inputs?: unknown;
  input?: unknown;
  timeoutMs?: number;
  /** send, end, close. */
  session?: string;
  nodeId?: string;
  reason?: string;
}

export function serveStdio({ pipeline, authTokens = [], input = process.stdin, output = process.stdout }: StdioServerOptions): Promise<void> {
  const sessions = new Map<string, StreamSession>();
  const write = (message: unknown) => output.write(JSON.stringify(message) + '\n');

  async function handle(req: StdioRequest): Promise<unknown> {
    if (authTokens.length && !tokenAllowed(req.token, authTokens)) throw new RemoteMediaError(Code.Unauthenticated, 'invalid or missing token');
    const session = () =>
      sessions.get(req.session ?? '') ??
      (() => {
        throw new RemoteMediaError(Code.NotFound, `unknown session ${req.session}`);
      })();
    switch (req.method) {
      case 'health':
        return { status: 'serving' };
      case 'execute': {
        const outputs = await pipeline.execute(req.manifest, transportDataListFromJson(req.inputs), { timeoutMs: req.timeoutMs });
        return outputs.map(transportDataToJson);
      }
      case 'open': {
        const s = await pipeline.stream(req.manifest, { timeoutMs: req.timeoutMs });
        sessions.set(s.sessionId, s);
        void (async () => {
          try {
            for await (const out of s.outputs) write({ session: s.sessionId, output: transportDataToJson(out) });
            write({ session: s.sessionId, done: true });
          } catch (error) {
            write({ session: s.sessionId, error: RemoteMediaError.from(error).toJSON() });
          } finally {
            sessions.delete(s.sessionId);
          }
        })();
        return { session: s.sessionId };
      }
      case 'send':
        return session().send(transportDataFromJson(req.input), { nodeId: req.nodeId });
      case 'end':
        return void session()
          .end()
          .catch(() => {}); // the outcome arrives as done/error
      case 'close':
        return session().close(req.reason);
      default:
        throw new RemoteMediaError(Code.Unimplemented, `unknown method ${JSON.stringify(req.method)}`);
    }
  }

  const lines = createInterface({ input });
  lines.on('line', (line) => {
    let req: StdioRequest;
    try {
      req = JSON.parse(line) as StdioRequest;
    } catch {
      return void write({ error: new RemoteMediaError(Code.InvalidArgument, 'request is not valid JSON').toJSON() });
    }
    handle(req).then(
      (result) => write({ id: req.id, result: result ?? null }),
      (error) => write({ id: req.id, error: RemoteMediaError.from(error).toJSON() }),
    );
  });
  return new Promise((resolve) =>
    lines.once('close', () => {
      void Promise.allSettled([...sessions.values()].map((s) => s.close('stdin closed'))).then(() => resolve());
    }),
  );
}
