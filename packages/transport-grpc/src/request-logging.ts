import { randomUUID } from 'node:crypto';
import { Code as ConnectCode, ConnectError, type Interceptor } from '@connectrpc/connect';
import type { Logger } from 'pino';
import type { GrpcServerMetrics } from './server-metrics.js';

const protocolOf = (contentType: string | null) => (!contentType ? 'unknown' : contentType.startsWith('application/grpc-web') ? 'grpc-web' : contentType.startsWith('application/grpc') ? 'grpc' : 'connect');
const codeName = (code: ConnectCode) => ConnectCode[code] ?? String(code);

/**
 * One JSON log line per finished RPC with a request id (the client's `x-request-id` or a new
 * UUID, echoed in the response header), plus request metrics. Only the procedure, protocol,
 * status and duration are logged: never headers, so tokens cannot leak.
 */
export function requestLogging(logger: Logger, metrics: GrpcServerMetrics): Interceptor {
  return (next) => async (req) => {
    const requestId = req.header.get('x-request-id') || randomUUID();
    const procedure = `${req.service.typeName}/${req.method.name}`;
    const protocol = protocolOf(req.header.get('content-type'));
    const started = performance.now();
    const finish = (error?: unknown) => {
      const seconds = (performance.now() - started) / 1000;
      const code = error === undefined ? 'OK' : codeName(ConnectError.from(error).code);
      metrics.requestFinished(procedure, protocol, code, seconds);
      const line = { requestId, procedure, protocol, code, durationMs: Math.round(seconds * 1000 * 100) / 100 };
      if (error === undefined) logger.info(line, 'rpc finished');
      else logger.warn({ ...line, error: ConnectError.from(error).rawMessage }, 'rpc failed');
    };
    try {
      const res = await next(req);
      res.header.set('x-request-id', requestId);
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
function observeEnd<T>(source: AsyncIterable<T>, onEnd: (error?: unknown) => void): AsyncIterable<T> {
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
