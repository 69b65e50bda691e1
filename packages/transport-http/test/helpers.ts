import { execFile } from 'node:child_process';
import { type ManifestInput, type PipelineRunner, createPipelineRunner } from '@remotemedia/runtime-core';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { type HttpServer, type HttpServerOptions, type ServerMessage, createHttpServer, decodeMessage } from '@remotemedia/transport-http';
import type { RawData } from 'ws';

export const TOKEN = 'test-token-0123456789abcdef';
export const auth = { authorization: `Bearer ${TOKEN}` };

export const chain = (name: string, ...nodes: Array<[string, string, Record<string, unknown>?]>): ManifestInput => ({
  version: 'v1',
  metadata: { name },
  nodes: nodes.map(([id, nodeType, params]) => ({ id, nodeType, params: params ?? {} })),
  connections: nodes.slice(1).map(([id], i) => ({ from: nodes[i][0], to: id })),
});

export interface Started {
  server: HttpServer;
  runner: PipelineRunner;
  url: string;
}

/** A real server on a free loopback port. SSE readers that drop get 200 ms to resume (default 15 s), so leak checks finish fast. */
export async function startServer(options: Partial<HttpServerOptions> = {}): Promise<Started> {
  const runner = createPipelineRunner({ nodes: conformanceNodes });
  const server = createHttpServer({ pipeline: runner, authTokens: [TOKEN], port: 0, host: '127.0.0.1', sseResumeGraceMs: 200, ...options });
  const { url } = await server.listen();
  return { server, runner, url };
}

/** Runs the real curl binary; the last argument may be `{ stdin }` for bodies too large for argv. */
export function curl(...args: Array<string | { stdin: string }>): Promise<{ stdout: string; status: number }> {
  const last = args.at(-1);
  const stdin = typeof last === 'object' ? last.stdin : undefined;
  const argv = args.filter((a): a is string => typeof a === 'string');
  return new Promise((resolve, reject) => {
    const child = execFile('curl', ['-sS', '--max-time', '20', '-w', '\n%{http_code}', ...argv], { maxBuffer: 64 * 1024 * 1024 }, (error, stdout) => {
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- execFile's error is an Error (its Omit<> type hides that from the rule)
      if (error) return reject(error);
      const cut = stdout.lastIndexOf('\n');
      resolve({ stdout: stdout.slice(0, cut), status: Number(stdout.slice(cut + 1)) });
    });
    child.stdin!.end(stdin ?? '');
  });
}

/** A JSON response body as it came: the tests read its fields and check them with expect(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- an untyped wire payload (JSON.parse), asserted on field by field
export type JsonBody = any;

/** A `ws` message's bytes: a Buffer, ws's default binaryType ('nodebuffer'). */
const bytesOf = (raw: RawData) => raw as Buffer;

/** A text frame's JSON as the server sent it (not checked by decodeMessage), for frames asserted on as they came. */
export const wsJson = (raw: RawData): unknown => JSON.parse(bytesOf(raw).toString('utf8'));

/** A frame from the server, decoded as the client does. */
export const wsMessage = (raw: RawData, isBinary: boolean): ServerMessage =>
  decodeMessage(isBinary ? new Uint8Array(bytesOf(raw)) : bytesOf(raw).toString('utf8')) as ServerMessage;

export async function postJson(
  url: string,
  body: unknown,
  headers: Record<string, string> = auth,
): Promise<{ status: number; body: JsonBody; headers: Headers }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** Every error body: JSON `{code, message, details[]}`, never HTML or a stack trace. */
export function expectErrorShape(body: unknown): void {
  const fields = body as { code?: unknown; message?: unknown; details?: unknown };
  if (typeof body !== 'object' || typeof fields.code !== 'string' || typeof fields.message !== 'string' || !Array.isArray(fields.details)) {
    throw new Error(`not an error body: ${JSON.stringify(body)}`);
  }
  if (/\n\s+at /.test(JSON.stringify(body)) || /<html/i.test(JSON.stringify(body)))
    throw new Error(`error body leaks a stack or HTML: ${JSON.stringify(body)}`);
}
