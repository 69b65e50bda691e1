import { randomUUID } from 'node:crypto';
import { Code as ConnectCode, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Logger } from 'pino';
import { statusMessage, toConnectError } from '../errors.js';
import type { GrpcServerMetrics } from './server-metrics.js';

const protocolOf = (contentType: string | null) =>
  !contentType ? 'unknown' : contentType.startsWith('application/grpc-web') ? 'grpc-web' : contentType.startsWith('application/grpc') ? 'grpc' : 'connect';
/** The gRPC code's name as logged and used as the `code` metric label, e.g. `InvalidArgument`. */
export const codeName = (code: number): string => ConnectCode[code as ConnectCode] ?? String(code);

export interface CallLog {
  requestId: string;
  procedure: string;
  protocol: string;
  /** `performance.now()` when the call started. */
  started: number;
}

/**
 * One JSON log line per finished RPC plus request metrics. Only the procedure, protocol, status and
 * duration are logged: never headers, so tokens cannot leak. `code` is the gRPC code's name.
 */
export function logFinishedCall(logger: Logger, metrics: GrpcServerMetrics, call: CallLog, code: string, errorMessage?: string): void {
  const seconds = (performance.now() - call.started) / 1000;
  metrics.requestFinished(call.procedure, call.protocol, code, seconds);
  const line = { requestId: call.requestId, procedure: call.procedure, protocol: call.protocol, code, durationMs: Math.round(seconds * 1000 * 100) / 100 };
  if (errorMessage === undefined) logger.info(line, 'rpc finished');
  // Bounded like the status the client got: one request cannot write a huge log line.
  else logger.warn({ ...line, error: statusMessage(errorMessage) }, 'rpc failed');
}

/** What a client's `x-request-id` may be to be kept: it is echoed in a response header and logged. */
const REQUEST_ID = /^[\x21-\x7e]{1,128}$/;

/**
 * The request id of a call: the client's `x-request-id` when it is 1-128 visible ASCII characters,
 * else a new UUID. Echoed in the response header.
 */
export const requestIdOf = (header: string | null | undefined): string => (header && REQUEST_ID.test(header) ? header : randomUUID());

/** Connect interceptor: `logFinishedCall` for calls served through connect. */
export function requestLogging(logger: Logger, metrics: GrpcServerMetrics): Interceptor {
  return (next) => async (req) => {
    const call: CallLog = {
      requestId: requestIdOf(req.header.get('x-request-id')),
      procedure: `${req.service.typeName}/${req.method.name}`,
      protocol: protocolOf(req.header.get('content-type')),
      started: performance.now(),
    };
    const finish = (error?: unknown) => {
      if (error === undefined) logFinishedCall(logger, metrics, call, 'OK');
      else {
        const ce = ConnectError.from(error);
        logFinishedCall(logger, metrics, call, codeName(ce.code), ce.rawMessage);
      }
    };
    try {
      const res = await next(req);
      res.header.set('x-request-id', call.requestId);
      if (!res.stream) {
        finish();
        return res;
      }
      return { ...res, message: observeEnd(res.message, finish) };
    } catch (error) {
      finish(error);
      throw error;
    }
  };
}

/**
 * Calls `onEnd` once when the stream completes, fails or is abandoned. A plain iterator rather than
 * an async generator: it sits on every response message, and a generator layer costs a microtask hop each.
 */
export function observeEnd<T>(source: AsyncIterable<T>, onEnd: (error?: unknown) => void): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      let done = false;
      const end = (error?: unknown) => {
        if (!done) {
          done = true;
          onEnd(error);
        }
      };
      return {
        next: () =>
          it.next().then(
            (r) => {
              if (r.done) end();
              return r;
            },
            (error: unknown) => {
              end(error ?? new Error('stream failed'));
              throw error;
            },
          ),
        return: (value?: unknown) => {
          end();
          return it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined as never });
        },
        throw: (error?: unknown) => {
          end(error);
          return it.throw ? it.throw(error) : Promise.reject(error);
        },
      };
    },
  };
}

/**
 * Connect interceptor for the services that do not go through toConnectError (health,
 * reflection): every error they end with is bounded like the pipeline services' (STATUS_LIMITS),
 * and their long-lived streams (health Watch, reflection) are capped at `maxOpenStreams` at once
 * (RESOURCE_EXHAUSTED beyond): they are open to unauthenticated clients and not counted as sessions.
 */
export function boundOtherCalls(maxOpenStreams: number): Interceptor {
  let open = 0;
  return (next) => async (req) => {
    // The pipeline services bound their own errors (toConnectError) and count their calls (CallRegistry).
    if (req.service.typeName.startsWith('remotemedia.')) return next(req);
    const kind: string = req.method.methodKind;
    if (kind !== 'unary') {
      if (open >= maxOpenStreams) {
        throw new ConnectError(
          `too many open ${req.method.name} streams: limit ${maxOpenStreams} (maxConcurrentSessions) reached`,
          ConnectCode.ResourceExhausted,
        );
      }
      open++;
      let released = false;
      const release = () => {
        if (!released) {
          released = true;
          open--;
        }
      };
      try {
        const res = await next(req);
        if (!res.stream) {
          release();
          return res;
        }
        return { ...res, message: observeEnd(mapErrors(res.message), release) };
      } catch (error) {
        release();
        throw toConnectError(error);
      }
    }
    try {
      const res = await next(req);
      return res.stream ? { ...res, message: mapErrors(res.message) } : res;
    } catch (error) {
      throw toConnectError(error);
    }
  };
}

/** The stream with its failure bounded by toConnectError. */
function mapErrors<T>(source: AsyncIterable<T>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator]() {
      const it = source[Symbol.asyncIterator]();
      return {
        next: () =>
          it.next().catch((error: unknown) => {
            throw toConnectError(error);
          }),
        return: (value?: unknown) => (it.return ? it.return(value) : Promise.resolve({ done: true as const, value: undefined as never })),
        throw: (error?: unknown) => (it.throw ? it.throw(error) : Promise.reject(error)),
      };
    },
  };
}
