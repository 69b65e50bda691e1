import { type Http2ServerRequest, type Http2ServerResponse, constants as http2constants } from 'node:http2';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  ExecutePipelineRequestSchema,
  ExecutePipelineResponseSchema,
  type StreamPipelineRequest,
  StreamPipelineRequestSchema,
  StreamPipelineResponseSchema,
  decodeAudioData,
  encodeAudioResult,
  encodeJsonResult,
  toDataChunk,
} from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { BoundedQueue, EMPTY } from '@remotemedia/runtime-core/kit';
import { type AuthPolicy, checkBearer } from '../auth.js';
import { executePipelineCall } from '../execute-pipeline-call.js';
import { boundedError, grpcStatusTrailers } from '../../errors.js';
import { GrpcFrameReader, encodeGrpcFrame, writeGrpcPrefix } from '../../grpc-framing.js';
import { CoalescingWriter } from './coalescing-writer.js';
import { parseGrpcTimeout } from './grpc-timeout.js';
import { type CallLog, codeName, logFinishedCall, requestIdOf } from '../request-logging.js';
import type { ServerContext } from '../server-context.js';
import { type DecodedData, streamPipelineCall } from '../stream-pipeline-call.js';

const EXECUTE = '/remotemedia.v1.PipelineExecutionService/ExecutePipeline';
const STREAM = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
/** Decoded requests buffered before the HTTP/2 stream is paused (flow control then reaches the client). */
const INBOX_HIGH = 16;
const INBOX_LOW = 4;
/** Why a finished call's signal aborts (one shared object: no stack trace captured per call). */
const CALL_FINISHED = new RemoteMediaError(Code.Canceled, 'the call has finished');

/**
 * ExecutePipeline and StreamPipeline over plain gRPC (application/grpc[+proto], no compression),
 * served on node:http2 directly; everything else (gRPC-Web, Connect, gRPC+JSON, compressed
 * calls, health, reflection) goes to connect. Why hand-written: connect-node's per-message
 * machinery (async-iterable pipes, envelope helpers) was the server's top CPU cost in
 * `pnpm bench grpc`; it capped concurrent real-time sessions at ~150 where this path sustains
 * the target (see bench-results/grpc.json). The service logic is shared with connect's adapter.
 * Returns false when the request is not one it serves.
 */
export function createNativeGrpcHandler(ctx: ServerContext, auth: AuthPolicy): (req: Http2ServerRequest, res: Http2ServerResponse) => boolean {
  return (req, res) => {
    const path = req.url;
    if ((path !== EXECUTE && path !== STREAM) || req.method !== 'POST' || req.httpVersionMajor !== 2) return false;
    const contentType = req.headers['content-type'];
    if (contentType !== 'application/grpc' && contentType !== 'application/grpc+proto') return false;
    const encoding = req.headers['grpc-encoding'];
    if (encoding !== undefined && encoding !== 'identity') return false;
    new NativeCall(ctx, auth, req, res, contentType).run(path === STREAM);
    return true;
  };
}

/**
 * One call on the native path. Everything that answers it runs under `run`: whatever is thrown,
 * synchronously or by the async body, ends this call with a status (see #finish), never the process.
 */
class NativeCall {
  readonly #controller = new AbortController();
  readonly #log: CallLog;
  #finished = false;
  #headersSent = false;
  /** Frames of one tick go out in one write. */
  readonly #writer: CoalescingWriter;
  #deadline: ReturnType<typeof setTimeout> | undefined;
  /** The call's slot in the registry (maxConcurrentSessions), held from the call's opening. */
  #leave: (() => void) | undefined;

  constructor(
    private readonly ctx: ServerContext,
    private readonly auth: AuthPolicy,
    private readonly req: Http2ServerRequest,
    private readonly res: Http2ServerResponse,
    private readonly contentType: string,
  ) {
    this.#writer = new CoalescingWriter(res, this.#controller.signal);
    this.#log = {
      requestId: requestIdOf(req.headers['x-request-id'] as string | undefined),
      procedure: req.url.slice(1),
      protocol: 'grpc',
      started: performance.now(),
    };
  }

  run(streaming: boolean): void {
    try {
      const { req, res } = this;
      res.on('close', () => {
        if (!this.#finished) this.#controller.abort(new RemoteMediaError(Code.Canceled, 'the client cancelled the call', { reason: 'ClientCancelled' }));
      });
      try {
        checkBearer(this.auth, req.headers.authorization);
        const timeoutMs = parseGrpcTimeout(req.headers['grpc-timeout'] as string | undefined);
        if (timeoutMs !== undefined) {
          this.#deadline = setTimeout(
            () =>
              this.#controller.abort(
                new RemoteMediaError(Code.DeadlineExceeded, `the call exceeded its deadline (grpc-timeout ${String(req.headers['grpc-timeout'])})`),
              ),
            timeoutMs,
          );
        }
      } catch (error) {
        req.resume(); // discard the body
        this.#finish(error);
        return;
      }
      (streaming ? this.#stream() : this.#unary()).catch((error: unknown) => this.#finish(error));
    } catch (error) {
      this.#finish(error);
    }
  }

  async #unary(): Promise<void> {
    try {
      // Counted from its opening: a client that never sends its request still holds a slot (until initTimeoutMs).
      this.#leave = this.ctx.calls.enter({ endInput() {}, abort: (reason) => this.#controller.abort(reason) });
      const body = await this.#readUnaryBody();
      let request;
      try {
        request = fromBinary(ExecutePipelineRequestSchema, body);
      } catch (error) {
        throw new RemoteMediaError(Code.InvalidArgument, `request is not a valid ExecutePipelineRequest: ${(error as Error).message}`, {
          cause: error,
          reason: 'ProtocolViolation',
        });
      }
      const response = await executePipelineCall(this.ctx, request, this.#controller.signal, { registered: true });
      await this.#write(toBinary(ExecutePipelineResponseSchema, create(ExecutePipelineResponseSchema, response)));
      this.#finish();
    } catch (error) {
      this.#finish(error);
    }
  }

  /** The one request message of a unary call. */
  #readUnaryBody(): Promise<Uint8Array> {
    const reader = new GrpcFrameReader(this.ctx.limits.maxMessageBytes);
    const messages: Uint8Array[] = [];
    return new Promise((resolve, reject) => {
      const fail = (error: unknown) => {
        this.req.off('data', onData);
        this.req.resume();
        reject(error);
      };
      const onData = (chunk: Buffer) => {
        try {
          messages.push(...reader.push(chunk));
          if (messages.length > 1)
            fail(new RemoteMediaError(Code.Unimplemented, 'ExecutePipeline takes exactly one request message, got more', { reason: 'ProtocolViolation' }));
        } catch (error) {
          fail(error);
        }
      };
      const initTimeoutMs = this.ctx.limits.initTimeoutMs;
      const timer = setTimeout(
        () =>
          fail(new RemoteMediaError(Code.DeadlineExceeded, `no complete request message within initTimeoutMs=${initTimeoutMs}`, { reason: 'LimitExceeded' })),
        initTimeoutMs,
      );
      this.#controller.signal.addEventListener('abort', () => clearTimeout(timer), { once: true });
      this.req.on('data', onData);
      this.req.once('end', () => {
        clearTimeout(timer);
        if (reader.hasPartialMessage)
          reject(new RemoteMediaError(Code.InvalidArgument, 'request body ended inside a message (truncated)', { reason: 'ProtocolViolation' }));
        else if (messages.length !== 1)
          reject(
            new RemoteMediaError(Code.Unimplemented, `ExecutePipeline takes exactly one request message, got ${messages.length}`, {
              reason: 'ProtocolViolation',
            }),
          );
        else resolve(messages[0]);
      });
      this.#controller.signal.addEventListener('abort', () => reject(this.#controller.signal.reason), { once: true });
    });
  }

  async #stream(): Promise<void> {
    try {
      await streamPipelineCall(this.ctx, this.#requests(), this.#controller.signal, (out) => {
        if (!('result' in out)) return this.#write(toBinary(StreamPipelineResponseSchema, create(StreamPipelineResponseSchema, out.message)));
        // Hand-written encoders for the hot shapes (audio chunks, JSON events); protobuf-es for the rest.
        const framed = encodeAudioResult(out.result, 5) ?? encodeJsonResult(out.result, 5);
        if (framed) return this.#writeFramed(writeGrpcPrefix(framed));
        return this.#write(
          toBinary(StreamPipelineResponseSchema, create(StreamPipelineResponseSchema, { response: { case: 'result', value: toDataChunk(out.result) } })),
        );
      });
      this.#finish();
    } catch (error) {
      this.#finish(error);
    }
  }

  /** The request stream, decoded as it arrives; pauses the HTTP/2 stream while the pipeline is behind. */
  #requests(): AsyncIterable<StreamPipelineRequest | DecodedData> {
    const { req } = this;
    const inbox = new BoundedQueue<StreamPipelineRequest | DecodedData>(Number.MAX_SAFE_INTEGER);
    const reader = new GrpcFrameReader(this.ctx.limits.maxMessageBytes);
    let paused = false;
    req.on('data', (chunk: Buffer) => {
      if (inbox.closed) return;
      try {
        for (const message of reader.push(chunk)) {
          const fast = decodeAudioData(message);
          if (fast) {
            void inbox.push({ decoded: fast.input, nodeId: fast.nodeId });
            continue;
          }
          try {
            void inbox.push(fromBinary(StreamPipelineRequestSchema, message));
          } catch (error) {
            throw new RemoteMediaError(Code.InvalidArgument, `message is not a valid StreamPipelineRequest: ${(error as Error).message}`, {
              cause: error,
              reason: 'ProtocolViolation',
            });
          }
        }
        if (inbox.length >= INBOX_HIGH && !paused) {
          paused = true;
          req.pause();
        }
      } catch (error) {
        inbox.fail(error);
        req.resume(); // keep draining what the client still sends; it is discarded
      }
    });
    req.once('end', () =>
      reader.hasPartialMessage
        ? inbox.fail(new RemoteMediaError(Code.InvalidArgument, 'request stream ended inside a message (truncated)', { reason: 'ProtocolViolation' }))
        : inbox.close(),
    );
    this.#controller.signal.addEventListener('abort', () => inbox.fail(this.#controller.signal.reason), { once: true });
    const take = (): IteratorResult<StreamPipelineRequest | DecodedData> | undefined => {
      const item = inbox.shift();
      if (item !== EMPTY) {
        if (paused && inbox.length <= INBOX_LOW) {
          paused = false;
          req.resume();
        }
        return { done: false, value: item };
      }
      if (!inbox.closed) return undefined;
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- the stream's failure (a decode error or the call's abort reason), rethrown as it came
      if (inbox.error !== undefined) throw inbox.error;
      return { done: true, value: undefined };
    };
    const wait = async (): Promise<IteratorResult<StreamPipelineRequest | DecodedData>> => {
      for (;;) {
        await inbox.wait();
        const result = take();
        if (result) return result;
      }
    };
    return {
      [Symbol.asyncIterator]: () => ({
        // Not async: a request that is already queued costs one settled promise, not an async frame.
        next: () => {
          try {
            const result = take();
            return result ? Promise.resolve(result) : wait();
          } catch (error) {
            return Promise.reject(error);
          }
        },
      }),
    };
  }

  /** Writes one response message (see #writeFramed). */
  #write(message: Uint8Array): Promise<void> | void {
    return this.#writeFramed(encodeGrpcFrame(message));
  }

  /** Writes one response frame (prefix included, see encodeGrpcFrame); waits while the HTTP/2 stream's buffer is full (the client reads slowly). */
  #writeFramed(frame: Uint8Array): Promise<void> | void {
    if (!this.#headersSent) {
      this.#headersSent = true;
      this.res.writeHead(200, { 'content-type': this.contentType, 'x-request-id': this.#log.requestId });
    }
    return this.#writer.write(frame);
  }

  /**
   * Ends the call with its status in the trailers (headers first when no message was sent).
   * Never throws: the status of any error is bounded (grpc-errors.ts STATUS_LIMITS) and safe to
   * send; should writing it fail anyway, the stream is reset and the failure logged.
   */
  #finish(error?: unknown): void {
    if (this.#finished) return;
    this.#finished = true;
    clearTimeout(this.#deadline);
    this.#leave?.();
    this.#leave = undefined;
    const { res } = this;
    try {
      let trailers: Record<string, string>;
      let failure: RemoteMediaError | undefined;
      try {
        failure = error === undefined ? undefined : boundedError(error);
        trailers = failure === undefined ? { 'grpc-status': '0' } : grpcStatusTrailers(failure);
      } catch (statusError) {
        failure = new RemoteMediaError(Code.Internal, `the call failed and its error could not be encoded: ${(statusError as Error)?.message}`);
        trailers = grpcStatusTrailers(failure);
      }
      const code = failure === undefined ? 'OK' : codeName(Number(trailers['grpc-status']));
      logFinishedCall(this.ctx.logger, this.ctx.metrics, this.#log, code, failure?.rawMessage);
      // Release whatever still waits on the call (the request reader, a blocked write).
      this.#controller.abort(CALL_FINISHED);
      if (res.stream.destroyed || res.writableEnded) return;
      if (!this.#headersSent) {
        this.#headersSent = true;
        res.writeHead(200, { 'content-type': this.contentType, 'x-request-id': this.#log.requestId });
      }
      // What the client still sends is discarded (the server then resets the stream, see create-grpc-server.ts).
      if (!this.req.complete) this.req.resume();
      this.#writer.flush(); // the messages of this tick, before the trailers
      res.addTrailers(trailers);
      res.end();
    } catch (writeError) {
      this.ctx.logger.error(
        { requestId: this.#log.requestId, error: (writeError as Error)?.message },
        'could not send the status of a call; resetting its stream',
      );
      try {
        if (!res.stream.destroyed) res.stream.close(http2constants.NGHTTP2_INTERNAL_ERROR);
      } catch {
        /* the stream is gone already */
      }
    }
  }
}
