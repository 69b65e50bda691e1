import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { type PipelineExecutionService, PROTOCOL_VERSION, fromDataChunk, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { checkManifest } from './manifest-limits.js';
import { abortReasonToError, toConnectError } from './grpc-errors.js';
import type { ServerContext } from './server-context.js';

/** PipelineExecutionService: ExecutePipeline returns every output of every sink; GetVersion. */
export function executionService(ctx: ServerContext): ServiceImpl<typeof PipelineExecutionService> {
  return {
    async executePipeline(req, call: HandlerContext) {
      const controller = new AbortController();
      const onAbort = () => controller.abort(abortReasonToError(call.signal.reason, 'ExecutePipeline'));
      call.signal.addEventListener('abort', onAbort, { once: true });
      const timer = setTimeout(() => controller.abort(new RemoteMediaError(Code.DeadlineExceeded, `ExecutePipeline exceeded requestTimeoutMs=${ctx.limits.requestTimeoutMs}`, { reason: 'LimitExceeded' })), ctx.limits.requestTimeoutMs);
      let leave: (() => void) | undefined;
      try {
        // Unary calls take no input after the request, so draining only has to wait for them.
        leave = ctx.calls.enter({ endInput() {}, abort: (reason) => controller.abort(reason) });
        const manifest = checkManifest(req.manifest, ctx.limits.maxNodesPerManifest);
        const inputs = req.inputs.map((chunk, i) => fromDataChunk(chunk, `inputs[${i}]`));
        const outputs = await ctx.pipeline.execute(manifest, inputs, { signal: controller.signal });
        return { outputs: outputs.map((o) => toDataChunk(o)) };
      } catch (error) {
        throw toConnectError(error);
      } finally {
        clearTimeout(timer);
        call.signal.removeEventListener('abort', onAbort);
        leave?.();
      }
    },
    async getVersion() {
      return { runtimeVersion: ctx.version, protocolVersion: PROTOCOL_VERSION, nodeTypes: ctx.nodeTypes() };
    },
  };
}
