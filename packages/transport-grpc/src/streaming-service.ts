import { ConnectError, type HandlerContext, type ServiceImpl } from '@connectrpc/connect';
import { type StreamPipelineRequest, type StreamingPipelineService, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { fromConnectError, toConnectError } from './grpc-errors.js';
import type { ServerContext } from './server-context.js';
import { type StreamPipelineResponseInit, streamPipelineCall } from './stream-pipeline-call.js';

// Connect raises limit and framing errors (e.g. readMaxBytes) while reading the request stream.
const mapError = (error: unknown) => (error instanceof ConnectError ? fromConnectError(error) : RemoteMediaError.from(error, Code.InvalidArgument));

/** StreamingPipelineService on connect (gRPC-Web, Connect, and gRPC the native path does not take). */
export function streamingService(ctx: ServerContext): ServiceImpl<typeof StreamingPipelineService> {
  return {
    async *streamPipeline(requests: AsyncIterable<StreamPipelineRequest>, call: HandlerContext): AsyncGenerator<StreamPipelineResponseInit> {
      try {
        for await (const out of streamPipelineCall(ctx, requests, call.signal, mapError)) {
          yield 'result' in out ? { response: { case: 'result', value: toDataChunk(out.result) } } : out.message;
        }
      } catch (error) {
        throw toConnectError(error);
      }
    },
  };
}
