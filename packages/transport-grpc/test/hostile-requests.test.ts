// What one hostile or broken client can send must end its own call with a status and leave the
// server serving everyone else (issue 23): lone surrogates in messages, errors too big for
// trailers, streams that never send `init`, slowloris sockets, garbage frames and headers.
// Real servers on loopback, real grpc-js / connect / raw node:http2 and net clients.
import http2 from 'node:http2';
import net from 'node:net';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { BinaryReader } from '@bufbuild/protobuf/wire';
import * as grpc from '@grpc/grpc-js';
import fc from 'fast-check';
import { type DataChunk, DataChunkSchema, ExecutePipelineRequestSchema, PipelineErrorSchema, StreamPipelineRequestSchema } from '@remotemedia/protocol';
import { Code, RemoteMediaError, text } from '@remotemedia/runtime-core';
import { afterEach, describe, expect, it } from 'vitest';
import { type GrpcProtocol, createGrpcPipelineClient } from '../src/index.js';
import { decodeGrpcMessage, encodeGrpcMessage } from '../src/errors.js';
import { type ExecutionClient, type HealthClient, type StreamingClient, grpcJsClient } from './grpc-js-clients.js';
import { TOKEN, passThrough, startServer } from './helpers.js';

const EXECUTE = '/remotemedia.v1.PipelineExecutionService/ExecutePipeline';
const STREAM = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
/** The manifest of issue 23 item 1: a JSON-escaped lone surrogate as the node type. */
const LONE_SURROGATE = '{"version":"v1","metadata":{"name":"x"},"nodes":[{"id":"a","nodeType":"\\ud800"}]}';
/** A lone surrogate as an unknown field's name (runtime-core quotes it JSON-escaped in the message). */
const LONE_SURROGATE_FIELD = '{"version":"v1","metadata":{"name":"x"},"nodes":[{"id":"a","nodeType":"PassThrough","\\ud800":1}]}';
/**
 * Client strings no longer reach an error text raw (runtime-core quotes them JSON-escaped), so the
 * non-ASCII end-to-end case is a node's own error quoting its input: protobuf strings are UTF-8, so
 * a lone surrogate sent as text arrives as U+FFFD. encodeGrpcMessage itself is tested with one above.
 */
const FAIL_ON_SURROGATE = '{"version":"v1","metadata":{"name":"x"},"nodes":[{"id":"a","nodeType":"FailOn","params":{"match":"\\ufffd"}}]}';
const surrogateInput = create(DataChunkSchema, { data: { data: { case: 'text', value: { text: '\ud800' } } } });
/** Item 6: every node an unknown type (long names), under the 256-node limit: its full error is far past 64 KiB. */
const manyUnknown = (n: number) =>
  JSON.stringify({
    version: 'v1',
    metadata: { name: 'x' },
    nodes: Array.from({ length: n }, (_, i) => ({ id: `node-${i}`, nodeType: `NoSuchType${i}`.padEnd(200, 'x') })),
  });

type Ctx = Awaited<ReturnType<typeof startServer>>;
const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});
async function setup(options: Parameters<typeof startServer>[0] = {}): Promise<Ctx> {
  const ctx = await startServer(options);
  cleanups.push(() => ctx.server.close());
  return ctx;
}
function client(url: string, protocol: GrpcProtocol = 'grpc') {
  const c = createGrpcPipelineClient({ baseUrl: url, token: TOKEN, protocol });
  cleanups.push(() => c.close());
  return c;
}
const failure = (p: Promise<unknown>) =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: unknown) => e as RemoteMediaError,
  );
/** The server still answers a normal call. */
async function stillServing(url: string) {
  expect(await client(url).execute(passThrough(), [text('still serving')])).toHaveLength(1);
}

function grpcFrame(body: Uint8Array, flag = 0): Buffer {
  const frame = Buffer.alloc(5 + body.length);
  frame[0] = flag;
  frame.writeUInt32BE(body.length, 1);
  frame.set(body, 5);
  return frame;
}
const executeBody = (manifest: string, inputs: DataChunk[] = []) =>
  toBinary(ExecutePipelineRequestSchema, create(ExecutePipelineRequestSchema, { manifest, inputs }));

interface RawResult {
  headers: http2.IncomingHttpHeaders;
  trailers: http2.IncomingHttpHeaders | undefined;
  /** grpc-status from trailers or a trailers-only response; undefined: none arrived. */
  status: number | undefined;
  /** grpc-message exactly as sent. */
  rawMessage: string | undefined;
  body: Buffer;
  rstCode: number | undefined;
  error: string | undefined;
}

/** One request over raw node:http2; `body` undefined leaves the request open (the server must end it). */
function rawCall(url: string, path: string, body: Uint8Array | undefined, headers: http2.OutgoingHttpHeaders = {}): Promise<RawResult> {
  const session = http2.connect(url);
  session.on('error', () => {});
  const req = session.request({
    ':method': 'POST',
    ':path': path,
    'content-type': 'application/grpc',
    te: 'trailers',
    authorization: `Bearer ${TOKEN}`,
    ...headers,
  });
  return new Promise<RawResult>((resolve) => {
    const out: RawResult = {
      headers: {},
      trailers: undefined,
      status: undefined,
      rawMessage: undefined,
      body: Buffer.alloc(0),
      rstCode: undefined,
      error: undefined,
    };
    const take = (h: http2.IncomingHttpHeaders) => {
      if (h['grpc-status'] !== undefined) out.status = Number(h['grpc-status']);
      if (h['grpc-message'] !== undefined) out.rawMessage = String(h['grpc-message']);
    };
    req.on('response', (h) => {
      out.headers = h;
      take(h);
    });
    req.on('trailers', (t) => {
      out.trailers = t;
      take(t);
    });
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e) => (out.error = e.message));
    req.on('close', () => {
      out.body = Buffer.concat(chunks);
      out.rstCode = req.rstCode;
      session.close();
      resolve(out);
    });
    if (body === undefined) req.write(Buffer.alloc(0));
    else req.end(body);
  });
}

/** google.rpc.Status from grpc-status-details-bin -> its PipelineError. */
function pipelineErrorOf(bin: Buffer) {
  const r = new BinaryReader(bin);
  while (r.pos < r.len) {
    const [field, wireType] = r.tag();
    if (field !== 3) {
      r.skip(wireType);
      continue;
    }
    const any = new BinaryReader(r.bytes());
    let typeUrl = '';
    let value: Uint8Array = new Uint8Array();
    while (any.pos < any.len) {
      const [f, w] = any.tag();
      if (f === 1) typeUrl = any.string();
      else if (f === 2) value = any.bytes();
      else any.skip(w);
    }
    if (typeUrl.endsWith('remotemedia.v1.PipelineError')) return fromBinary(PipelineErrorSchema, value);
  }
  return undefined;
}

function grpcJs(port: number) {
  const execution = grpcJsClient<ExecutionClient>('remotemedia/v1/pipeline.proto', 'remotemedia.v1.PipelineExecutionService', port);
  const streaming = grpcJsClient<StreamingClient>('remotemedia/v1/pipeline.proto', 'remotemedia.v1.StreamingPipelineService', port);
  cleanups.push(() => {
    execution.close();
    streaming.close();
  });
  const md = () => {
    const m = new grpc.Metadata();
    m.set('authorization', `Bearer ${TOKEN}`);
    return m;
  };
  const execute = (manifest: string) =>
    new Promise<grpc.ServiceError>((resolve) => execution.ExecutePipeline({ manifest, inputs: [] }, md(), (err) => resolve(err!)));
  return { execution, streaming, md, execute };
}

describe('grpc-message encoding', () => {
  it('percent-encodes only bytes outside printable ASCII and %, on the UTF-8 bytes; lone surrogates become U+FFFD', () => {
    expect(encodeGrpcMessage('nodes[0].nodeType: unknown, see "x"')).toBe('nodes[0].nodeType: unknown, see "x"');
    expect(encodeGrpcMessage('100% é\n')).toBe('100%25 %C3%A9%0A');
    expect(encodeGrpcMessage('a\ud800b')).toBe('a%EF%BF%BDb');
    expect(encodeGrpcMessage('🎤')).toBe('%F0%9F%8E%A4');
    for (const s of ['plain', '100% é\n', 'a\ud800b', '🎤 : ,']) expect(decodeGrpcMessage(encodeGrpcMessage(s))).toBe(s.replace('\ud800', '\ufffd'));
    expect(decodeGrpcMessage('50% off %zz %4')).toBe('50% off %zz %4');
  });
});

describe('a message the status cannot carry as is (item 1)', () => {
  it('a lone surrogate in the manifest is INVALID_ARGUMENT over raw HTTP/2, and the server keeps serving', async () => {
    const { url } = await setup();
    const issue = await rawCall(url, EXECUTE, grpcFrame(executeBody(LONE_SURROGATE)));
    expect(issue.status).toBe(Code.InvalidArgument);
    const field = await rawCall(url, EXECUTE, grpcFrame(executeBody(LONE_SURROGATE_FIELD)));
    expect(field.status).toBe(Code.InvalidArgument);
    // Sent as the gRPC spec says: printable ASCII as is (`:` and `,` too), the rest percent-encoded UTF-8.
    expect(field.rawMessage).toMatch(/^[\x20-\x7e]*$/);
    expect(field.rawMessage).toContain(':');
    expect(field.rawMessage).not.toMatch(/%3A|%2C|%20/);
    const res = await rawCall(url, EXECUTE, grpcFrame(executeBody(FAIL_ON_SURROGATE, [surrogateInput])));
    expect(res.status).toBe(Code.Internal); // the node threw; the point is how its message travels
    expect(res.rawMessage).toMatch(/^[\x20-\x7e]*$/);
    expect(res.rawMessage).toContain('%EF%BF%BD');
    expect(decodeGrpcMessage(res.rawMessage!)).toContain('\ufffd');
    await stillServing(url);
  });

  it('the same through grpc-js (unary and stream) and through connect, gRPC-Web and our client', async () => {
    const { url, port } = await setup();
    const { execute, execution, streaming, md } = grpcJs(port);
    for (const manifest of [LONE_SURROGATE, LONE_SURROGATE_FIELD]) {
      const err = await execute(manifest);
      expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
      expect(pipelineErrorOf((err.metadata.get('grpc-status-details-bin') as Buffer[])[0])?.details[0]?.path).toMatch(/^nodes\[0\]/);
      const call = streaming.StreamPipeline(md());
      const streamErr = await new Promise<grpc.ServiceError>((resolve) => {
        call.on('error', resolve);
        call.on('data', () => {});
        call.write({ init: { manifest } });
      });
      expect(streamErr.code).toBe(grpc.status.INVALID_ARGUMENT);
      for (const protocol of ['grpc', 'grpc-web', 'connect'] as const) {
        const e = await failure(client(url, protocol).execute(manifest, []));
        expect(e.code, protocol).toBe(Code.InvalidArgument);
        expect(e.details.length, protocol).toBeGreaterThan(0);
        const s = await failure(client(url, protocol).stream(manifest));
        expect(s.code, protocol).toBe(Code.InvalidArgument);
      }
    }
    const failed = await new Promise<grpc.ServiceError>((resolve) =>
      execution.ExecutePipeline({ manifest: FAIL_ON_SURROGATE, inputs: [{ data: { text: { text: '\ufffd' } } }] }, md(), (err) => resolve(err!)),
    );
    expect(failed.details).toContain('\ufffd');
    await stillServing(url);
  });
});

describe('errors too large for trailers (item 6)', () => {
  const BIG = manyUnknown(200);

  it('grpc-js gets INVALID_ARGUMENT with a bounded message and a summarised detail list, not a stream reset', async () => {
    const { url, port } = await setup();
    const { execute } = grpcJs(port);
    const err = await execute(BIG);
    expect(err.code).toBe(grpc.status.INVALID_ARGUMENT);
    expect(Buffer.byteLength(err.details)).toBeLessThanOrEqual(1024 + 3);
    const bin = (err.metadata.get('grpc-status-details-bin') as Buffer[])[0];
    expect(bin.length).toBeLessThanOrEqual(4096);
    const pe = pipelineErrorOf(bin)!;
    expect(pe.code).toBe(3);
    expect(pe.details[0].path).toBe('nodes[0].nodeType');
    expect(pe.details.at(-1)!.message).toMatch(/^and \d+ more problems$/);
    await stillServing(url);
  });

  it('raw HTTP/2 clients get the status in trailers under 8 KiB, on the stream path too', async () => {
    const { url } = await setup();
    const res = await rawCall(url, EXECUTE, grpcFrame(executeBody(BIG)));
    expect(res.error).toBeUndefined();
    expect(res.status).toBe(Code.InvalidArgument);
    const size = Object.entries(res.trailers ?? res.headers).reduce((n, [k, v]) => n + k.length + String(v).length, 0);
    expect(size).toBeLessThan(8192);
    const init = toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'init', value: { manifest: BIG } } }));
    const stream = await rawCall(url, STREAM, grpcFrame(init));
    expect(stream.status).toBe(Code.InvalidArgument);
  });

  it('connect, gRPC-Web and the Connect JSON error body are bounded the same way', async () => {
    const { url } = await setup();
    for (const protocol of ['grpc-web', 'connect'] as const) {
      const e = await failure(client(url, protocol).execute(BIG, []));
      expect(e.code, protocol).toBe(Code.InvalidArgument);
      expect(Buffer.byteLength(e.rawMessage), protocol).toBeLessThanOrEqual(1024 + 3);
      expect(e.details.at(-1)!.message, protocol).toMatch(/^and \d+ more problems$/);
    }
    // A Connect unary call with a JSON body: the error is a JSON body, bounded too.
    const res = await rawCall(url, EXECUTE, Buffer.from(JSON.stringify({ manifest: BIG })), { 'content-type': 'application/json', te: undefined as never });
    expect(res.headers[':status']).toBe(400);
    const body = JSON.parse(res.body.toString('utf8')) as { code: string; message: string; details: unknown[] };
    expect(body.code).toBe('invalid_argument');
    expect(res.body.length).toBeLessThan(16 * 1024);
  });

  it('an unknown method named by a huge path is UNIMPLEMENTED with a bounded message', async () => {
    const { url } = await setup();
    const res = await rawCall(url, `/remotemedia.v1.Nope/${'é'.repeat(20_000)}`, grpcFrame(new Uint8Array()));
    expect(res.status).toBe(Code.Unimplemented);
    expect(res.rawMessage!.length).toBeLessThan(4096);
    await stillServing(url);
  });
});

describe('calls that never send their request (item 10)', () => {
  it('a stream without init holds a session slot and ends with DEADLINE_EXCEEDED after initTimeoutMs', async () => {
    const { url, server } = await setup({ limits: { maxConcurrentSessions: 2, initTimeoutMs: 300 } });
    const silent = [rawCall(url, STREAM, undefined), rawCall(url, EXECUTE, undefined)];
    // Both are counted from their opening: the next session is refused until they are gone.
    await expect.poll(() => server.activeCalls).toBe(2);
    const refused = await failure(client(url).stream(passThrough()));
    expect(refused.code).toBe(Code.ResourceExhausted);
    for (const res of await Promise.all(silent)) {
      expect(res.status).toBe(Code.DeadlineExceeded);
      expect(decodeGrpcMessage(res.rawMessage!)).toContain('initTimeoutMs=300');
    }
    const session = await client(url).stream(passThrough());
    await session.send(text('after'));
    expect(await session.recv()).toMatchObject({ data: text('after') });
    await session.end();
  });

  it('the same on the connect path (compressed gRPC, gRPC-Web) and for grpc-js streams', async () => {
    const { url, port } = await setup({ limits: { initTimeoutMs: 300 } });
    const viaConnect = await rawCall(url, STREAM, undefined, { 'grpc-encoding': 'gzip' });
    expect(viaConnect.status).toBe(Code.DeadlineExceeded);
    const web = await rawCall(url, STREAM, undefined, { 'content-type': 'application/grpc-web+proto' });
    expect(web.status ?? Number(/grpc-status:\s*(\d+)/.exec(web.body.toString('latin1'))?.[1])).toBe(Code.DeadlineExceeded);
    const { streaming, md } = grpcJs(port);
    const call = streaming.StreamPipeline(md());
    const err = await new Promise<grpc.ServiceError>((resolve) => {
      call.on('error', resolve);
      call.on('data', () => {});
    });
    expect(err.code).toBe(grpc.status.DEADLINE_EXCEEDED);
    expect(err.details).toContain('initTimeoutMs=300');
    await stillServing(url);
  });
});

describe('calls served by connect whose request never completes', () => {
  it('end with DEADLINE_EXCEEDED in their own protocol after initTimeoutMs', async () => {
    const { url } = await setup({ limits: { initTimeoutMs: 300 } });
    const connectJson = await rawCall(url, EXECUTE, undefined, { 'content-type': 'application/json', te: undefined as never });
    expect(connectJson.headers[':status']).toBe(504);
    expect(JSON.parse(connectJson.body.toString('utf8'))).toMatchObject({ code: 'deadline_exceeded', message: expect.stringContaining('initTimeoutMs=300') });
    const web = await rawCall(url, EXECUTE, undefined, { 'content-type': 'application/grpc-web+proto' });
    expect(web.status).toBe(Code.DeadlineExceeded);
    const health = await rawCall(url, '/grpc.health.v1.Health/Check', undefined);
    expect(health.status).toBe(Code.DeadlineExceeded);
    await stillServing(url);
  });
});

describe('early answers on a long-lived connection', () => {
  it('1100 calls refused before their body arrives all get their status, and the connection stays usable', async () => {
    const { url } = await setup();
    const session = http2.connect(url);
    cleanups.push(() => session.close());
    const body = grpcFrame(executeBody(JSON.stringify(passThrough())));
    const statuses = new Map<string, number>();
    for (let i = 0; i < 1100; i++) {
      const status = await new Promise<string>((resolve) => {
        const req = session.request({ ':method': 'POST', ':path': EXECUTE, 'content-type': 'application/grpc', te: 'trailers', authorization: 'Bearer wrong' });
        let got = 'none';
        req.on('trailers', (t) => (got = String(t['grpc-status'])));
        req.on('response', (h) => h['grpc-status'] !== undefined && (got = String(h['grpc-status'])));
        req.on('error', () => {});
        req.resume();
        req.on('close', () => resolve(req.rstCode && req.rstCode !== http2.constants.NGHTTP2_NO_ERROR ? `reset ${req.rstCode}` : got));
        // The body trickles in over a few turns of the event loop: parts of it are still in flight when the answer goes out.
        req.write(body.subarray(0, 8));
        const rest = [body.subarray(8, 16), body.subarray(16)];
        const next = () => {
          const part = rest.shift();
          if (req.closed || req.destroyed) return;
          if (part === undefined) req.end();
          else req.write(part, () => setImmediate(next));
        };
        setImmediate(next);
      });
      statuses.set(status, (statuses.get(status) ?? 0) + 1);
    }
    expect(Object.fromEntries(statuses)).toEqual({ [String(Code.Unauthenticated)]: 1100 });
  });
});

describe('open services (health, reflection)', () => {
  it('long-lived health Watch streams are capped at maxConcurrentSessions; errors stay bounded', async () => {
    const { url, port } = await setup({ limits: { maxConcurrentSessions: 2 } });
    const health = grpcJsClient<HealthClient>('grpc/health/v1/health.proto', 'grpc.health.v1.Health', port);
    cleanups.push(() => health.close());
    const watch = () => {
      const call = health.Watch({ service: '' });
      const first = new Promise<unknown>((resolve) => {
        call.once('data', resolve);
        call.once('error', resolve);
      });
      return { call, first };
    };
    const a = watch();
    const b = watch();
    expect(await a.first).toMatchObject({ status: 'SERVING' });
    expect(await b.first).toMatchObject({ status: 'SERVING' });
    const c = watch();
    expect(await c.first).toMatchObject({ code: grpc.status.RESOURCE_EXHAUSTED });
    // Pipeline calls are not counted against the watches.
    await stillServing(url);
    a.call.cancel();
    await expect
      .poll(async () => {
        const d = watch();
        const got = await d.first;
        d.call.cancel();
        return (got as { status?: string }).status;
      })
      .toBe('SERVING');
    b.call.cancel();
    const unknown = await new Promise<grpc.ServiceError>((resolve) => health.Check({ service: 'x'.repeat(100_000) }, (e) => resolve(e!)));
    expect(unknown.code).toBe(grpc.status.NOT_FOUND);
    expect(unknown.details.length).toBeLessThan(1100);
  });
});

describe('connection timeouts (item 10, slowloris)', () => {
  it('sockets that send the preface a byte at a time, or nothing, are closed after headersTimeoutMs', async () => {
    const { url, port } = await setup({ timeouts: { headersTimeoutMs: 300 } });
    const preface = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00', 'latin1');
    const closed = Array.from(
      { length: 200 },
      (_, n) =>
        new Promise<void>((resolve) => {
          const socket = net.connect(port, '127.0.0.1');
          // Half drip a valid preface and SETTINGS a byte at a time (never a protocol error, never a request), half send nothing.
          let i = 0;
          const drip = setInterval(() => {
            if (n % 2 === 0 && i < preface.length && !socket.destroyed && socket.writable) socket.write(preface.subarray(i, i + 1));
            i++;
          }, 8);
          socket.on('error', () => {});
          socket.on('close', () => {
            clearInterval(drip);
            resolve();
          });
          socket.resume();
          cleanups.push(() => socket.destroy());
        }),
    );
    await Promise.all(closed);
    await stillServing(url);
  });

  it('a connection idle between calls is closed after idleTimeoutMs; one with an open session is kept', async () => {
    const { url } = await setup({ timeouts: { idleTimeoutMs: 300 } });
    const busy = client(url);
    const session = await busy.stream(passThrough());
    const idle = http2.connect(url);
    idle.on('error', () => {});
    const idleClosed = new Promise<void>((resolve) => idle.on('close', resolve));
    const req = idle.request({ ':method': 'POST', ':path': EXECUTE, 'content-type': 'application/grpc', te: 'trailers', authorization: `Bearer ${TOKEN}` });
    req.on('data', () => {});
    req.end(grpcFrame(executeBody(JSON.stringify(passThrough()))));
    await new Promise((resolve) => req.on('close', resolve));
    // Pings keep a connection busy at the socket level, not at the level of calls.
    const pinger = setInterval(() => idle.destroyed || idle.ping(() => {}), 50);
    await idleClosed;
    clearInterval(pinger);
    await session.send(text('kept'));
    expect(await session.recv()).toMatchObject({ data: text('kept') });
    await session.end();
  });
});

describe('/metrics and auth (item 10)', () => {
  async function get(url: string, token?: string) {
    const session = http2.connect(url);
    try {
      return await new Promise<number>((resolve, reject) => {
        const req = session.request({ ':path': '/metrics', ...(token ? { authorization: `Bearer ${token}` } : {}) });
        req.on('response', (h) => resolve(Number(h[':status'])));
        req.on('data', () => {});
        req.on('error', reject);
      });
    } finally {
      session.close();
    }
  }

  it('needs a token when the server has tokens, on both ports; metricsPublic opens it', async () => {
    const { server, url } = await setup({ metricsPort: 0 });
    const metricsUrl = `${server.metricsAddress!.url}/metrics`;
    expect((await fetch(metricsUrl)).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: 'Bearer wrong' } })).status).toBe(401);
    expect((await fetch(metricsUrl, { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect(await get(url)).toBe(401);
    expect(await get(url, TOKEN)).toBe(200);
    const open = await setup({ metricsPort: 0, metricsPublic: true });
    expect((await fetch(`${open.server.metricsAddress!.url}/metrics`)).status).toBe(200);
    expect(await get(open.url)).toBe(200);
    const noAuth = await setup({ metricsPort: 0, authTokens: [] });
    expect((await fetch(`${noAuth.server.metricsAddress!.url}/metrics`)).status).toBe(200);
  });
});

describe('garbage on the gRPC paths (item 4 of the slice)', () => {
  it('bad grpc-timeout headers are INVALID_ARGUMENT on both paths', async () => {
    const { url } = await setup();
    for (const timeout of ['abc', '123456789S', '-1m', '1.5S', 'x'.repeat(5000)]) {
      const res = await rawCall(url, EXECUTE, grpcFrame(executeBody(JSON.stringify(passThrough()))), { 'grpc-timeout': timeout });
      expect(res.status, timeout.slice(0, 20)).toBe(Code.InvalidArgument);
      const viaConnect = await rawCall(url, EXECUTE, grpcFrame(executeBody(JSON.stringify(passThrough()))), {
        'grpc-timeout': timeout,
        'content-type': 'application/grpc+json',
      });
      expect(viaConnect.status, `connect ${timeout.slice(0, 20)}`).toBe(Code.InvalidArgument);
    }
    await stillServing(url);
  });

  it('malformed frames and protobuf bytes are INVALID_ARGUMENT, unary and streaming', async () => {
    const { url } = await setup();
    const garbage = Buffer.from([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    const cases: Array<[string, string, Buffer]> = [
      ['unary garbage protobuf', EXECUTE, grpcFrame(garbage)],
      ['stream garbage protobuf', STREAM, grpcFrame(garbage)],
      ['compressed flag without grpc-encoding', EXECUTE, grpcFrame(executeBody('{}'), 1)],
      ['unknown flag', STREAM, grpcFrame(garbage, 7)],
      ['truncated frame', STREAM, grpcFrame(garbage).subarray(0, 8)],
      [
        'data before init',
        STREAM,
        grpcFrame(toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'end', value: {} } }))),
      ],
    ];
    for (const [what, path, body] of cases) {
      const res = await rawCall(url, path, body);
      expect(res.status, what).toBe(Code.InvalidArgument);
    }
    // Unary calls connect parses itself (gRPC-Web, Connect, compressed gRPC; health): its "parse binary" Internal becomes InvalidArgument.
    const web = await rawCall(url, EXECUTE, grpcFrame(garbage), { 'content-type': 'application/grpc-web+proto' });
    expect(Number(/grpc-status:\s*(\d+)/.exec(web.body.toString('latin1'))?.[1] ?? web.status)).toBe(Code.InvalidArgument);
    const connectProto = await rawCall(url, EXECUTE, garbage, { 'content-type': 'application/proto', te: undefined as never });
    expect(connectProto.headers[':status']).toBe(400);
    expect(JSON.parse(connectProto.body.toString('utf8'))).toMatchObject({ code: 'invalid_argument' });
    expect((await rawCall(url, EXECUTE, grpcFrame(garbage), { 'grpc-encoding': 'gzip' })).status).toBe(Code.InvalidArgument);
    expect((await rawCall(url, '/grpc.health.v1.Health/Check', grpcFrame(garbage))).status).toBe(Code.InvalidArgument);
    // The same stream through connect (a grpc-encoding sends it there): connect's own "parse binary" Internal becomes InvalidArgument.
    const init = toBinary(
      StreamPipelineRequestSchema,
      create(StreamPipelineRequestSchema, { request: { case: 'init', value: { manifest: JSON.stringify(passThrough()) } } }),
    );
    for (const body of [grpcFrame(garbage), Buffer.concat([grpcFrame(init), grpcFrame(garbage)])]) {
      const viaConnect = await rawCall(url, STREAM, body, { 'grpc-encoding': 'gzip' });
      expect(viaConnect.status).toBe(Code.InvalidArgument);
    }
    await stillServing(url);
  });

  it('giant or odd metadata: a long x-request-id is replaced, big headers get a status or a refused stream, never a crash', async () => {
    const { url } = await setup();
    const body = grpcFrame(executeBody(JSON.stringify(passThrough())));
    const long = await rawCall(url, EXECUTE, body, { 'x-request-id': 'r'.repeat(20_000) });
    expect(long.status).toBe(0);
    expect(String(long.headers['x-request-id'])).toMatch(/^[0-9a-f-]{36}$/);
    const kept = await rawCall(url, EXECUTE, body, { 'x-request-id': 'req-1' });
    expect(kept.headers['x-request-id']).toBe('req-1');
    const many = Object.fromEntries(Array.from({ length: 300 }, (_, i) => [`x-junk-${i}`, 'v'.repeat(150)]));
    const big = await rawCall(url, EXECUTE, body, many);
    expect(big.status === 0 || big.rstCode !== undefined || big.error !== undefined).toBe(true);
    const huge = await rawCall(url, EXECUTE, body, { 'x-junk': 'v'.repeat(200_000) });
    expect(huge.status === undefined || huge.status === 0).toBe(true);
    await stillServing(url);
  });
});

describe('random requests (fixed seed, bounded budget)', () => {
  const manifestArb = fc.oneof(
    fc.constant(JSON.stringify(passThrough())),
    fc.string({ unit: 'binary', maxLength: 200 }),
    fc.json({ maxDepth: 4 }),
    fc
      .record({
        version: fc.constantFrom('v1', 'v2', 1),
        metadata: fc.record({ name: fc.string({ unit: 'binary', maxLength: 20 }) }),
        nodes: fc.array(
          fc.record({
            id: fc.string({ unit: 'binary', maxLength: 10 }),
            nodeType: fc.constantFrom('PassThrough', 'Calculator', 'Sleep', 'FailOn', 'Nope', '\ud800', ''),
            params: fc.option(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }))),
          }),
          { maxLength: 6 },
        ),
      })
      .map((m) => JSON.stringify(m)),
  );
  const dataArb = fc.array(
    fc.oneof(
      fc.uint8Array({ maxLength: 40 }),
      fc.uint8Array({ maxLength: 40 }).map((b) => Uint8Array.from([0x12, b.length, ...b])),
    ),
    { maxLength: 4 },
  );

  it('every call ends with a status that is not Unknown or Internal, and the server keeps serving', async () => {
    const { url } = await setup({ limits: { initTimeoutMs: 500, requestTimeoutMs: 2000 } });
    const seen = new Map<number | undefined, number>();
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        manifestArb,
        dataArb,
        fc.constantFrom('native', 'gzip', 'web'),
        fc.option(fc.stringMatching(/^[0-9A-Za-z.-]{0,10}$/)),
        async (streaming, manifest, data, via, timeout) => {
          const frames = streaming
            ? [
                grpcFrame(toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'init', value: { manifest } } }))),
                ...data.map((d) => grpcFrame(d)),
              ]
            : [grpcFrame(data[0] ?? executeBody(manifest))];
          const headers: http2.OutgoingHttpHeaders =
            via === 'web' ? { 'content-type': 'application/grpc-web+proto' } : via === 'gzip' ? { 'grpc-encoding': 'gzip' } : {};
          if (timeout !== null) headers['grpc-timeout'] = timeout;
          const res = await rawCall(url, streaming ? STREAM : EXECUTE, Buffer.concat(frames), headers);
          // gRPC-Web carries its trailers in the body.
          const status = res.status ?? (via === 'web' ? Number(/grpc-status:\s*(\d+)/.exec(res.body.toString('latin1'))?.[1]) : undefined);
          seen.set(status, (seen.get(status) ?? 0) + 1);
          expect(status).toBeTypeOf('number');
          expect([Code.Unknown, Code.Internal]).not.toContain(status);
        },
      ),
      { numRuns: 150, seed: 23 },
    );
    expect(seen.get(Code.InvalidArgument)).toBeGreaterThan(0);
    await stillServing(url);
  });
});
