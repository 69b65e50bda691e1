import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { type StreamPipelineRequest, type StreamingPipelineService, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { BoundedQueue, EMPTY } from '@remotemedia/runtime-core/kit';
import { requestStreamError, toConnectError } from '../../errors.js';
import type { ServerContext } from '../server-context.js';
import { type StreamOutput, type StreamPipelineResponseInit, streamPipelineCall } from '../stream-pipeline-call.js';

/** StreamingPipelineService on connect (gRPC-Web, Connect, and gRPC the native path does not take). */
export function streamingService(ctx: ServerContext): ServiceImpl<typeof StreamingPipelineService> {
  return {
    async *streamPipeline(requests: AsyncIterable<StreamPipelineRequest>, call: HandlerContext): AsyncGenerator<StreamPipelineResponseInit> {
      // Connect pulls from a generator; the call pushes into this small channel.
      const channel = new BoundedQueue<StreamOutput>(16);
      void streamPipelineCall(ctx, requests, call.signal, (out) => channel.push(out), requestStreamError).then(
        () => channel.close(),
        (error: unknown) => channel.fail(error),
      );
      try {
        for (;;) {
          const out = channel.shift();
          if (out !== EMPTY) {
            yield 'result' in out ? { response: { case: 'result', value: toDataChunk(out.result) } } : out.message;
            continue;
          }
          if (channel.closed) {
            if (channel.error !== undefined) throw toConnectError(channel.error);
            return;
          }
          await channel.wait();
        }
      } finally {
        // Connect stopped reading (client gone): release a call blocked on the channel.
        channel.fail(new RemoteMediaError(Code.Canceled, 'the stream ended'));
      }
    },
  };
}
