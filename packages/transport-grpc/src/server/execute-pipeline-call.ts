import type { MessageInitShape } from '@bufbuild/protobuf';
import { type ExecutePipelineRequest, type ExecutePipelineResponseSchema, fromDataChunk, toDataChunk } from '@remotemedia/protocol';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { abortReasonToError } from '../errors.js';
import { checkManifest } from './manifest-limits.js';
import type { ServerContext } from './server-context.js';

/**
 * ExecutePipeline, independent of the wire stack (connect's adapter and the native gRPC path both
 * call it): runs the manifest on every input and returns every output of every sink.
 * Throws RemoteMediaError; `signal` is the call's (client cancel, deadline, shutdown).
 * `registered`: the caller already holds the call's slot in `ctx.calls` (taken when the call opened).
 */
export async function executePipelineCall(
  ctx: ServerContext,
  req: ExecutePipelineRequest,
  signal: AbortSignal,
  options: { registered?: boolean } = {},
): Promise<MessageInitShape<typeof ExecutePipelineResponseSchema>> {
  const controller = new AbortController();
  const onAbort = () => controller.abort(abortReasonToError(signal.reason, 'ExecutePipeline'));
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  const timer = setTimeout(
    () =>
      controller.abort(
        new RemoteMediaError(Code.DeadlineExceeded, `ExecutePipeline exceeded requestTimeoutMs=${ctx.limits.requestTimeoutMs}`, { reason: 'LimitExceeded' }),
      ),
    ctx.limits.requestTimeoutMs,
  );
  let leave: (() => void) | undefined;
  try {
    // Unary calls take no input after the request, so draining only has to wait for them.
    if (!options.registered) leave = ctx.calls.enter({ endInput() {}, abort: (reason) => controller.abort(reason) });
    const manifest = checkManifest(req.manifest, ctx.limits.maxNodesPerManifest);
    const inputs = req.inputs.map((chunk, i) => fromDataChunk(chunk, `inputs[${i}]`));
    const outputs = await ctx.pipeline.execute(manifest, inputs, { signal: controller.signal });
    return { outputs: outputs.map((o) => toDataChunk(o)) };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
    leave?.();
  }
}
