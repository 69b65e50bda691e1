import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';
import { type ConnectRouterOptions, type ConnectRouter, createConnectRouter } from '@connectrpc/connect';
import type { UniversalServerResponse } from '@connectrpc/connect/protocol';
import { universalRequestFromNodeRequest, universalResponseToNodeResponse } from '@connectrpc/connect-node';
import { compressionBrotli, compressionGzip } from '@connectrpc/connect-node';
import type { Logger } from 'pino';
import { clientBytesMessage, decodeGrpcMessage, encodeGrpcMessage, isClientBytesError } from '../../errors.js';

export interface ConnectAdapterOptions extends ConnectRouterOptions {
  routes: (router: ConnectRouter) => void;
  /** Requests for no known procedure. */
  fallback: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
  logger: Logger;
}

/**
 * connect-node's `connectNodeAdapter`, plus one thing it cannot be configured to do: a request
 * whose bytes connect cannot parse or decompress is answered INVALID_ARGUMENT (HTTP 400 for
 * Connect), as the native path answers, not connect's INTERNAL / 500 ("parse binary: ...").
 * Unary requests are parsed before any interceptor runs, so the answer is corrected on its way
 * out: the Connect JSON error body, the gRPC trailers, the gRPC-Web trailer frame, the Connect
 * end-stream message.
 */
export function createConnectAdapter(options: ConnectAdapterOptions): (req: Http2ServerRequest, res: Http2ServerResponse) => void {
  const router = createConnectRouter({ acceptCompression: [compressionGzip, compressionBrotli], ...options });
  options.routes(router);
  const paths = new Map(router.handlers.map((h) => [h.requestPath, h]));
  return (req, res) => {
    const handler = paths.get(req.url?.split('?', 2)[0] ?? '');
    if (!handler) {
      options.fallback(req, res);
      return;
    }
    const uReq = universalRequestFromNodeRequest(req, res, undefined, undefined);
    handler(uReq)
      .then((uRes) => universalResponseToNodeResponse(withClientErrorsClassified(uRes), res))
      .catch((reason: unknown) => {
        // The client went away mid-answer, or writing failed: nothing left to answer.
        options.logger.debug(
          { procedure: `${handler.service.typeName}/${handler.method.name}`, error: (reason as Error)?.message },
          'connect could not finish an answer',
        );
      });
  };
}

/** The answer with connect's INTERNAL for a client's unparsable bytes turned into INVALID_ARGUMENT. */
function withClientErrorsClassified(uRes: UniversalServerResponse): UniversalServerResponse {
  const contentType = uRes.header?.get('content-type') ?? '';
  const body = uRes.body;
  if (!body) return uRes;
  const grpcWeb = contentType.startsWith('application/grpc-web');
  const grpc = !grpcWeb && contentType.startsWith('application/grpc');
  const connectStream = contentType.startsWith('application/connect+');
  const connectUnary = uRes.status === 500 && contentType.startsWith('application/json');
  if (!grpc && !grpcWeb && !connectStream && !connectUnary) return uRes;
  // universalResponseToNodeResponse reads `status` after the first chunk and the trailers after the last.
  const out: UniversalServerResponse = { ...uRes };
  out.body = {
    [Symbol.asyncIterator]() {
      const it = body[Symbol.asyncIterator]();
      return {
        async next() {
          const r = await it.next();
          if (r.done) {
            if (grpc && out.trailer) fixGrpcTrailer(out.trailer);
            return r;
          }
          if (connectUnary) {
            const fixed = fixConnectJson(r.value);
            if (fixed) {
              out.status = 400;
              if (out.header?.has('content-length')) out.header.set('content-length', String(fixed.byteLength));
              return { done: false, value: fixed };
            }
          } else if (grpcWeb || connectStream) {
            const value = fixEnvelopes(r.value, grpcWeb);
            if (value !== r.value && out.header?.has('content-length')) out.header.delete('content-length');
            return { done: false, value };
          }
          return r;
        },
        return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined })),
        throw: (error?: unknown) => (it.throw ? it.throw(error) : Promise.reject(error)),
      };
    },
  };
  return out;
}

function fixGrpcTrailer(trailer: Headers): void {
  if (trailer.get('grpc-status') !== '13') return;
  const message = decodeGrpcMessage(trailer.get('grpc-message') ?? '');
  if (!isClientBytesError(message)) return;
  trailer.set('grpc-status', '3');
  trailer.set('grpc-message', encodeGrpcMessage(clientBytesMessage(message)));
}

/** A Connect JSON error `{code: "internal", message: "parse binary: ..."}` as invalid_argument, or undefined. */
function fixConnectJson(bytes: Uint8Array): Uint8Array | undefined {
  let error: { code?: unknown; message?: unknown };
  try {
    error = JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8')) as typeof error;
  } catch {
    return undefined;
  }
  if (error?.code !== 'internal' || typeof error.message !== 'string' || !isClientBytesError(error.message)) return undefined;
  return Buffer.from(JSON.stringify({ ...error, code: 'invalid_argument', message: clientBytesMessage(error.message) }));
}

/**
 * The envelopes in `chunk` (connect writes whole envelopes per chunk), with a gRPC-Web trailer
 * frame (flag 0x80) or a Connect end-stream message (flag 0x02) of such an INTERNAL rewritten.
 */
function fixEnvelopes(chunk: Uint8Array, grpcWeb: boolean): Uint8Array {
  const flag = grpcWeb ? 0x80 : 0x02;
  const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  let offset = 0;
  while (offset + 5 <= buf.length) {
    const length = buf.readUInt32BE(offset + 1);
    const end = offset + 5 + length;
    if (end > buf.length) return chunk; // not whole envelopes: leave as is
    if ((buf[offset] & flag) === flag) {
      const text = buf.toString('utf8', offset + 5, end);
      const fixed = grpcWeb ? fixGrpcWebTrailer(text) : fixEndStream(text);
      if (fixed === undefined) return chunk;
      const payload = Buffer.from(fixed);
      const envelope = Buffer.alloc(5 + payload.length);
      envelope[0] = buf[offset]!;
      envelope.writeUInt32BE(payload.length, 1);
      payload.copy(envelope, 5);
      return Buffer.concat([buf.subarray(0, offset), envelope, buf.subarray(end)]);
    }
    offset = end;
  }
  return chunk;
}

function fixGrpcWebTrailer(text: string): string | undefined {
  const headers = new Headers();
  for (const line of text.split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) headers.set(line.slice(0, i).trim(), line.slice(i + 1).trim());
  }
  if (headers.get('grpc-status') !== '13' || !isClientBytesError(decodeGrpcMessage(headers.get('grpc-message') ?? ''))) return undefined;
  fixGrpcTrailer(headers);
  let out = '';
  headers.forEach((value, key) => (out += `${key}: ${value}\r\n`));
  return out;
}

function fixEndStream(text: string): string | undefined {
  let end: { error?: { code?: unknown; message?: unknown } };
  try {
    end = JSON.parse(text) as typeof end;
  } catch {
    return undefined;
  }
  const error = end?.error;
  if (error?.code !== 'internal' || typeof error.message !== 'string' || !isClientBytesError(error.message)) return undefined;
  return JSON.stringify({ ...end, error: { ...error, code: 'invalid_argument', message: clientBytesMessage(error.message) } });
}
