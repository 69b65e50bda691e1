import type { HandlerContext, ServiceImpl } from '@connectrpc/connect';
import { type PipelineExecutionService, PROTOCOL_VERSION } from '@remotemedia/protocol';
import { executePipelineCall } from '../execute-pipeline-call.js';
import { toConnectError } from '../../errors.js';
import type { ServerContext } from '../server-context.js';

/** PipelineExecutionService on connect (gRPC-Web, Connect, and gRPC the native path does not take). */
export function executionService(ctx: ServerContext): ServiceImpl<typeof PipelineExecutionService> {
  return {
    async executePipeline(req, call: HandlerContext) {
      try {
        return await executePipelineCall(ctx, req, call.signal);
      } catch (error) {
        throw toConnectError(error);
      }
    },
    async getVersion() {
      return { runtimeVersion: ctx.version, protocolVersion: PROTOCOL_VERSION, nodeTypes: await ctx.nodeTypes() };
    },
  };
}
