import type { MessageInitShape } from '@bufbuild/protobuf';
import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { type StreamPipelineRequest, type StreamPipelineResponseSchema, type StreamingPipelineService, fromDataChunk, sessionMetricsToProto, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError, type StreamSession } from '@remotemedia/runtime-core';
import { abortReasonToError, fromConnectError, toConnectError } from './grpc-errors.js';
import { checkManifest } from './manifest-limits.js';
import type { ServerContext } from './server-context.js';

type Response = MessageInitShape<typeof StreamPipelineResponseSchema>;

/**
 * StreamingPipelineService: init -> ready(session id) -> data chunks -> results -> metrics -> closed.
 * Inputs are forwarded with `await session.send`, so a slow pipeline slows the reading of the
 * request stream and HTTP/2 flow control pushes back on the client.
 */
export function streamingService(ctx: ServerContext): ServiceImpl<typeof StreamingPipelineService> {
  return {
    async *streamPipeline(requests: AsyncIterable<StreamPipelineRequest>, call: HandlerContext): AsyncGenerator<Response> {
      const it = requests[Symbol.asyncIterator]();
      let session: StreamSession | undefined;
      let leave: (() => void) | undefined;
      let inputError: RemoteMediaError | undefined;
      let inputDone = false;
      const endInput = () => {
        if (inputDone) return;
        inputDone = true;
        void session?.end().catch(() => {});
      };
      try {
        const first = await it.next();
        if (first.done || first.value.request.case !== 'init') {
          throw new RemoteMediaError(Code.InvalidArgument, 'the first StreamPipelineRequest must be `init` with the manifest', { details: [{ path: 'request', message: 'expected init' }], reason: 'ProtocolViolation' });
        }
        const init = first.value.request.value;
        leave = ctx.calls.enter({ endInput, abort: (reason) => void session?.close(reason.rawMessage) });
        const manifest = checkManifest(init.manifest, ctx.limits.maxNodesPerManifest);
        session = await ctx.pipeline.stream(manifest, { signal: call.signal });
        const s = session;
        ctx.metrics.sessionStarted();
        const onAbort = () => void s.close(abortReasonToError(call.signal.reason, 'stream').rawMessage).catch(() => {});
        call.signal.addEventListener('abort', onAbort, { once: true });
        yield { response: { case: 'ready', value: { sessionId: s.sessionId } } };

        // Input pump: runs beside the output loop below.
        void (async () => {
          let index = 0;
          try {
            for (let next = await it.next(); !next.done && !inputDone; next = await it.next(), index++) {
              const req = next.value.request;
              if (req.case === 'data') {
                const input = fromDataChunk(req.value, `data[${index}]`);
                await s.send(input, req.value.nodeId === undefined ? undefined : { nodeId: req.value.nodeId });
              } else if (req.case === 'end') break;
              else if (req.case === 'close') {
                inputDone = true;
                await s.close(req.value.reason || 'closed by client');
                return;
              } else throw new RemoteMediaError(Code.InvalidArgument, `unexpected ${req.case ?? 'empty'} request after init`, { details: [{ path: `request[${index + 1}]`, message: 'expected data, end or close' }], reason: 'ProtocolViolation' });
            }
            endInput();
          } catch (error) {
            // Connect raises limit and framing errors (e.g. readMaxBytes) while reading the request stream.
            const e = error instanceof ConnectError ? fromConnectError(error) : RemoteMediaError.from(error, Code.InvalidArgument);
            // A send rejected because the session already failed is reported by the output loop.
            if (s.isActive && !call.signal.aborted) {
              inputError = e;
              await s.close(e.rawMessage).catch(() => {});
            }
          }
        })();

        const interval = init.metricsIntervalMs;
        let lastMetrics = Date.now();
        let results = 0;
        for await (const out of s.outputs) {
          results++;
          ctx.metrics.streamResult();
          yield { response: { case: 'result', value: toDataChunk(out) } };
          if (interval > 0 && Date.now() - lastMetrics >= interval) {
            lastMetrics = Date.now();
            yield { response: { case: 'metrics', value: sessionMetricsToProto(s.metrics()) } };
          }
        }
        call.signal.removeEventListener('abort', onAbort);
        if (inputError) throw inputError;
        if (call.signal.aborted) throw abortReasonToError(call.signal.reason, 'stream');
        yield { response: { case: 'metrics', value: sessionMetricsToProto(s.metrics()) } };
        yield { response: { case: 'closed', value: { results: BigInt(results) } } };
      } catch (error) {
        await session?.close('stream failed').catch(() => {});
        throw toConnectError(inputError ?? error);
      } finally {
        inputDone = true;
        if (session) ctx.metrics.sessionEnded();
        leave?.();
      }
    },
  };
}
