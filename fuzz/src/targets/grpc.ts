// The gRPC server (apps/grpc-server) over raw HTTP/2, so that nothing in a client library smooths
// over what the server does: well-formed protobuf with hostile contents, streams with messages in
// the wrong order, bogus length prefixes, garbage bytes, odd content types, grpc-timeout values
// and paths, and Connect JSON bodies. Every call must end with a status (never a reset stream),
// of a client class, with small trailers.
import { connect, constants, type ClientHttp2Session, type IncomingHttpHeaders } from 'node:http2';
import { create, toBinary } from '@bufbuild/protobuf';
import { DataChunkSchema, ExecutePipelineRequestSchema, StreamPipelineRequestSchema } from '@remotemedia/protocol';
import fc from 'fast-check';
import { headerValue, manifestText, nastyJson, nastyNumber, nastyString, pathSegment } from '../arbitraries.js';
import type { LiveServer } from '../live-server.js';
import type { FuzzTarget } from '../run-fuzz.js';
import { MAX_ERROR_BYTES, SERVER_FAULT_GRPC_STATUSES, judgeHttpAnswer, within } from '../verdicts.js';

const EXECUTE = '/remotemedia.v1.PipelineExecutionService/ExecutePipeline';
const STREAM = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
const GRPC_PATHS = [
  EXECUTE,
  STREAM,
  '/remotemedia.v1.PipelineExecutionService/GetVersion',
  '/grpc.health.v1.Health/Check',
  '/grpc.reflection.v1.ServerReflection/ServerReflectionInfo',
];

interface GrpcCase {
  path: string;
  contentType: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

const bytes = (n = 256) => fc.uint8Array({ maxLength: n });

/** DataChunk messages: every payload kind, hostile sizes and numbers. */
const dataChunk = fc
  .record({
    kind: fc.constantFrom('audio', 'json', 'text', 'tensor', 'video', 'binary', 'control', 'none'),
    payload: bytes(512),
    n1: nastyNumber,
    n2: nastyNumber,
    text: nastyString,
    json: nastyJson,
    metadata: fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
    nodeId: fc.option(nastyString, { nil: undefined }),
  })
  .map(({ kind, payload, n1, n2, text, json, metadata, nodeId }) => {
    const u32 = (n: number) => (Number.isFinite(n) ? Math.abs(Math.trunc(n)) % 2 ** 32 : 0);
    const data =
      kind === 'audio'
        ? { case: 'audio' as const, value: { samples: payload, sampleRate: u32(n1), channels: u32(n2) } }
        : kind === 'json'
          ? { case: 'json' as const, value: { json: n1 > 0 ? (JSON.stringify(json) ?? 'null') : text } }
          : kind === 'text'
            ? { case: 'text' as const, value: { text } }
            : kind === 'tensor'
              ? { case: 'tensor' as const, value: { data: payload, shape: [BigInt(u32(n1)), BigInt(u32(n2))], dtype: u32(n1) % 14 } }
              : kind === 'video'
                ? { case: 'video' as const, value: { pixels: payload, width: u32(n1), height: u32(n2), pixelFormat: u32(n1) % 10 } }
                : kind === 'binary'
                  ? { case: 'binary' as const, value: { data: payload } }
                  : kind === 'control'
                    ? { case: 'control' as const, value: { type: u32(n1) % 8, targetNodeIds: [text] } }
                    : { case: undefined };
    return create(DataChunkSchema, { data: { data }, metadata, ...(nodeId === undefined ? {} : { nodeId }) });
  });

/** The 5-byte gRPC prefix; sometimes lying about the length. */
const frame = (message: Uint8Array, lie?: number) => {
  const out = Buffer.alloc(5 + message.length);
  out.writeUInt32BE(lie ?? message.length, 1);
  out.set(message, 5);
  return out;
};

const executeBody = fc
  .record({ manifest: manifestText, inputs: fc.array(dataChunk, { maxLength: 3 }) })
  .map((r) => frame(toBinary(ExecutePipelineRequestSchema, create(ExecutePipelineRequestSchema, r))));

const streamMessage = fc.oneof(
  fc
    .record({ manifest: manifestText, metricsIntervalMs: fc.nat() })
    .map((init) => create(StreamPipelineRequestSchema, { request: { case: 'init', value: init } })),
  dataChunk.map((chunk) => create(StreamPipelineRequestSchema, { request: { case: 'data', value: chunk } })),
  fc.constant(create(StreamPipelineRequestSchema, { request: { case: 'end', value: {} } })),
  fc.string({ maxLength: 30 }).map((reason) => create(StreamPipelineRequestSchema, { request: { case: 'close', value: { reason } } })),
  fc.constant(create(StreamPipelineRequestSchema, {})),
);
const streamBody = fc
  .array(streamMessage, { minLength: 0, maxLength: 6 })
  .map((messages) => Buffer.concat(messages.map((m) => frame(toBinary(StreamPipelineRequestSchema, m)))));

const grpcHeaders = fc.record(
  {
    'grpc-timeout': headerValue,
    'grpc-encoding': fc.constantFrom('identity', 'gzip', 'br', 'x'),
    authorization: fc.constantFrom('Bearer x', 'Basic', ''),
    'x-remotemedia-timeout-ms': headerValue,
  },
  { requiredKeys: [] },
);

export const grpcCases: fc.Arbitrary<GrpcCase> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      path: fc.constant(EXECUTE),
      contentType: fc.constantFrom('application/grpc', 'application/grpc+proto'),
      headers: grpcHeaders,
      body: executeBody,
    }),
  },
  { weight: 4, arbitrary: fc.record({ path: fc.constant(STREAM), contentType: fc.constant('application/grpc'), headers: grpcHeaders, body: streamBody }) },
  {
    weight: 2,
    arbitrary: fc.record({
      path: fc.constantFrom(...GRPC_PATHS),
      contentType: fc.constantFrom('application/grpc', 'application/grpc-web+proto', 'application/grpc+json'),
      headers: grpcHeaders,
      body: fc.oneof(
        bytes(),
        bytes().map((b) => frame(b)),
        fc.tuple(bytes(64), fc.constantFrom(0xffffffff, 0x7fffffff, 1 << 24, 3)).map(([b, lie]) => frame(b, lie)),
      ),
    }),
  },
  {
    weight: 2,
    arbitrary: fc.record({
      path: fc.constantFrom(EXECUTE, '/remotemedia.v1.PipelineExecutionService/GetVersion'),
      contentType: fc.constantFrom('application/json', 'application/proto'),
      headers: fc.record({ 'connect-protocol-version': fc.constantFrom('1', '2', ''), 'connect-timeout-ms': headerValue }, { requiredKeys: [] }),
      body: fc.oneof(
        fc.record({ manifest: manifestText, inputs: fc.array(nastyJson, { maxLength: 2 }) }).map((b) => Buffer.from(JSON.stringify(b))),
        nastyJson.map((j) => Buffer.from(JSON.stringify(j) ?? '')),
        bytes(),
      ),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      path: fc.tuple(fc.constantFrom('/', '/remotemedia.v1.PipelineExecutionService/', '/x.Y/'), pathSegment).map(([a, b]) => a + b),
      contentType: fc.constantFrom('application/grpc', 'text/html', ''),
      headers: fc.constant({}),
      body: bytes(32),
    }),
  },
);

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  trailers: IncomingHttpHeaders;
  body: Buffer;
  reset?: number;
}

let session: ClientHttp2Session | undefined;
function http2(server: LiveServer): ClientHttp2Session {
  if (!session || session.closed || session.destroyed) {
    session = connect(server.url);
    session.on('error', () => undefined);
  }
  return session;
}

function send(server: LiveServer, c: GrpcCase): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const stream = http2(server).request({
      ':method': 'POST',
      ':path': c.path,
      ...(c.contentType ? { 'content-type': c.contentType } : {}),
      te: 'trailers',
      ...c.headers,
    });
    const chunks: Buffer[] = [];
    let headers: IncomingHttpHeaders = {};
    let trailers: IncomingHttpHeaders = {};
    stream.on('response', (h) => (headers = h));
    stream.on('trailers', (t: IncomingHttpHeaders) => (trailers = t));
    stream.on('data', (d: Buffer) => chunks.push(d));
    stream.on('error', () => undefined);
    stream.on('close', () => {
      const answer: Answer = { status: Number(headers[':status'] ?? 0), headers, trailers, body: Buffer.concat(chunks) };
      if (stream.rstCode && stream.rstCode !== constants.NGHTTP2_NO_ERROR) answer.reset = stream.rstCode;
      if (!headers[':status'] && !answer.reset) reject(new Error('the stream closed without a response'));
      else resolve(answer);
    });
    stream.end(Buffer.from(c.body));
  });
}

function judge(c: GrpcCase, a: Answer): string | undefined {
  const what = `${c.path.slice(0, 80)} (${c.contentType || 'no content-type'})`;
  if (a.reset !== undefined && !a.headers['grpc-status'] && !a.trailers['grpc-status']) return `${what}: stream reset (code ${a.reset}) without a status`;
  if (c.contentType.startsWith('application/grpc')) {
    const status = a.trailers['grpc-status'] ?? a.headers['grpc-status'];
    if (status === undefined) return a.status >= 500 ? `${what}: HTTP ${a.status} without grpc-status` : undefined;
    const message = String(a.trailers['grpc-message'] ?? a.headers['grpc-message'] ?? '');
    const trailerBytes = JSON.stringify(a.trailers).length + JSON.stringify(a.headers).length;
    if (trailerBytes > MAX_ERROR_BYTES / 2) return `${what}: ${trailerBytes} bytes of headers and trailers`;
    if (SERVER_FAULT_GRPC_STATUSES.has(Number(status))) return `${what}: grpc-status ${String(status)}: ${decodeURIComponentSafe(message).slice(0, 300)}`;
    return undefined;
  }
  if (c.contentType === 'application/json' || c.contentType === 'application/proto') return judgeHttpAnswer(a.status, a.body, what);
  return a.status >= 500 ? `${what}: HTTP ${a.status}` : undefined;
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

export const grpcTarget: FuzzTarget<GrpcCase> = {
  name: 'grpc',
  cases: grpcCases,
  async warmUp(server) {
    const manifest = JSON.stringify({ version: 'v1', metadata: { name: 'warm' }, nodes: [{ id: 'v', nodeType: 'SileroVAD' }] });
    const input = create(DataChunkSchema, { data: { data: { case: 'audio', value: { samples: new Uint8Array(4096), sampleRate: 16000, channels: 1 } } } });
    await send(server, {
      path: EXECUTE,
      contentType: 'application/grpc',
      headers: {},
      body: frame(toBinary(ExecutePipelineRequestSchema, create(ExecutePipelineRequestSchema, { manifest, inputs: [input] }))),
    });
  },
  async healthy(server) {
    const check = send(server, { path: '/grpc.health.v1.Health/Check', contentType: 'application/grpc', headers: {}, body: frame(new Uint8Array()) }).then(
      (a) => (a.trailers['grpc-status'] ?? a.headers['grpc-status']) === '0',
    );
    return within(2000, check, () => false).catch(() => false);
  },
  async send(server, c) {
    return judge(c, await send(server, c));
  },
  async close() {
    session?.close();
    session = undefined;
  },
};
