import http2 from 'node:http2';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { connectEndStreamBody, connectErrorBody, grpcStatusTrailers } from '../errors.js';

/**
 * Once a call's status is out (its trailers sent), a request the client has not half-closed is
 * not needed any more. Its client gets `graceMs` to finish sending (data already in flight, a
 * request body behind an early error); then the stream is reset with NO_ERROR, as gRPC servers
 * do, so finished calls cannot pile up half-open on a connection. Not at once: DATA that arrives
 * on a stream already reset counts as an invalid frame, and node ends a connection after 1000 of
 * them (ENHANCE_YOUR_CALM), taking the client's other calls with it. Registered after the compat
 * layer's own 'wantTrailers' listener, which sends the trailers.
 */
export function closeWhenAnswered(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, graceMs: number): void {
  const stream = res.stream as http2.ServerHttp2Stream | undefined; // undefined for HTTP/1.1
  stream?.once('wantTrailers', () => {
    if (req.complete) return;
    req.resume(); // what still comes is read and dropped, so flow control does not stall the connection
    const timer = setTimeout(() => {
      if (!req.complete && !stream.destroyed && !stream.closed) stream.close(http2.constants.NGHTTP2_NO_ERROR);
    }, graceMs);
    timer.unref();
    stream.once('close', () => clearTimeout(timer));
  });
}

/**
 * A call served by connect whose request has not fully arrived within `ms`, and which has had no
 * answer yet, ends with DEADLINE_EXCEEDED in its own protocol's shape (connect itself waits for a
 * unary or server-streaming request body forever). The stream is then reset (closeWhenAnswered).
 */
export function answerIfRequestStalls(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse, ms: number): void {
  if (req.complete) return;
  const http1 = req.httpVersionMajor !== 2; // HTTP/1.1 (gRPC-Web, Connect)
  const timer = setTimeout(() => {
    if (req.complete || res.headersSent || res.writableEnded || (res.stream as http2.ServerHttp2Stream | undefined)?.destroyed) return;
    // HTTP/1.1 cannot reset one request: the connection goes once the answer is out.
    if (http1) res.once('finish', () => req.socket.destroy());
    const error = new RemoteMediaError(Code.DeadlineExceeded, `the request did not arrive within initTimeoutMs=${ms}`, { reason: 'LimitExceeded' });
    const contentType = String(req.headers['content-type'] ?? '');
    req.resume();
    if (contentType.startsWith('application/grpc')) {
      // Trailers-only: the status in the headers (gRPC-Web reads it there too).
      res.writeHead(200, { 'content-type': grpcContentType(contentType), ...grpcStatusTrailers(error) });
      res.end();
    } else if (contentType.startsWith('application/connect+')) {
      // Connect streaming: an end-stream message (flag 2) carrying the error.
      const end = connectEndStreamBody(error);
      const frame = Buffer.alloc(5 + end.length);
      frame[0] = 2;
      frame.writeUInt32BE(end.length, 1);
      frame.set(end, 5);
      res.writeHead(200, { 'content-type': contentType });
      res.end(frame);
    } else {
      res.writeHead(504, { 'content-type': 'application/json' });
      res.end(connectErrorBody(error));
    }
  }, ms);
  timer.unref();
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  res.once('close', clear);
}

/** The content type a gRPC answer to a request of `contentType` carries (gRPC or gRPC-Web). */
export function grpcContentType(contentType: string): string {
  return contentType.startsWith('application/grpc-web') ? 'application/grpc-web+proto' : 'application/grpc';
}
