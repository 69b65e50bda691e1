import type { MessageInitShape } from '@bufbuild/protobuf';
import { type StreamPipelineRequest, type StreamPipelineResponseSchema, fromDataChunk, sessionMetricsToProto } from '@remotemedia/protocol';
import { Code, RemoteMediaError, type StreamSession, type TransportData } from '@remotemedia/runtime-core';
import { abortReasonToError } from '../errors.js';
import { checkManifest } from './manifest-limits.js';
import type { ServerContext } from './server-context.js';

export type StreamPipelineResponseInit = MessageInitShape<typeof StreamPipelineResponseSchema>;
/** A data request already decoded by a wire fast path (see @remotemedia/protocol's decodeAudioData). */
export interface DecodedData {
  decoded: TransportData;
  nodeId: string | undefined;
}
/** What the call emits: results stay TransportData so each wire adapter encodes them its own way. */
export type StreamOutput = { result: TransportData } | { message: StreamPipelineResponseInit };

/**
 * StreamPipeline, independent of the wire stack: init -> ready(session id) -> data chunks ->
 * results -> metrics -> closed. Inputs are forwarded with `await session.send`, so a slow pipeline
 * slows the reading of `requests` and HTTP/2 flow control pushes back on the client.
 * Outputs go to `emit`, a callback rather than an async generator's yield, which costs several
 * microtask hops per output (measurable at thousands of chunks a second). Throws RemoteMediaError.
 * `mapError` maps any other failure (e.g. the wire library's own errors while reading `requests`:
 * framing, size limits) onto one; default: Internal.
 */
export async function streamPipelineCall(
  ctx: ServerContext,
  requests: AsyncIterable<StreamPipelineRequest | DecodedData>,
  signal: AbortSignal,
  /** Sends one output; a returned promise holds the pipeline until the wire has room (backpressure). */
  emit: (out: StreamOutput) => Promise<void> | void,
  mapError: (error: unknown) => RemoteMediaError = (error) => RemoteMediaError.from(error),
): Promise<void> {
  const it = requests[Symbol.asyncIterator]();
  let session: StreamSession | undefined;
  let leave: (() => void) | undefined;
  let failedInput: RemoteMediaError | undefined;
  let inputDone = false;
  const endInput = () => {
    if (inputDone) return;
    inputDone = true;
    void session?.end().catch(() => {});
  };
  // Until `init` arrives, shutdown or the registry's abort fail the wait for it.
  let stopWaiting: ((reason: RemoteMediaError) => void) | undefined;
  try {
    // Counted from its opening: a stream that never sends `init` holds a slot until initTimeoutMs.
    leave = ctx.calls.enter({
      endInput: () => (session ? endInput() : stopWaiting?.(new RemoteMediaError(Code.Unavailable, 'server is shutting down', { reason: 'ShuttingDown' }))),
      abort: (reason) => (session ? void session.close(reason.rawMessage) : stopWaiting?.(reason)),
    });
    const first = await firstRequest(it, ctx.limits.initTimeoutMs, signal, mapError, (stop) => (stopWaiting = stop));
    stopWaiting = undefined;
    if (first.done || 'decoded' in first.value || first.value.request.case !== 'init') {
      throw new RemoteMediaError(Code.InvalidArgument, 'the first StreamPipelineRequest must be `init` with the manifest', {
        details: [{ path: 'request', message: 'expected init' }],
        reason: 'ProtocolViolation',
      });
    }
    const init = first.value.request.value;
    const manifest = checkManifest(init.manifest, ctx.limits.maxNodesPerManifest);
    session = await ctx.pipeline.stream(manifest, { signal });
    const s = session;
    ctx.metrics.sessionStarted();
    const onAbort = () => void s.close(abortReasonToError(signal.reason, 'stream').rawMessage).catch(() => {});
    signal.addEventListener('abort', onAbort, { once: true });
    await emit({ message: { response: { case: 'ready', value: { sessionId: s.sessionId } } } });

    // Input pump: runs beside the output loop below.
    void (async () => {
      let index = 0;
      try {
        for (let next = await it.next(); !next.done && !inputDone; next = await it.next(), index++) {
          const value = next.value;
          if ('decoded' in value) {
            await s.send(value.decoded, value.nodeId === undefined ? undefined : { nodeId: value.nodeId });
            continue;
          }
          const req = value.request;
          if (req.case === 'data') {
            const input = fromDataChunk(req.value, `data[${index}]`);
            await s.send(input, req.value.nodeId === undefined ? undefined : { nodeId: req.value.nodeId });
          } else if (req.case === 'end') break;
          else if (req.case === 'close') {
            inputDone = true;
            await s.close(req.value.reason || 'closed by client');
            return;
          } else
            throw new RemoteMediaError(Code.InvalidArgument, `unexpected ${req.case ?? 'empty'} request after init`, {
              details: [{ path: `request[${index + 1}]`, message: 'expected data, end or close' }],
              reason: 'ProtocolViolation',
            });
        }
        endInput();
      } catch (error) {
        const e = error instanceof RemoteMediaError ? error : mapError(error);
        // A send rejected because the session already failed is reported by the output loop.
        if (s.isActive && !signal.aborted) {
          failedInput = e;
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
      const w = emit({ result: out });
      if (w) await w;
      if (interval > 0 && Date.now() - lastMetrics >= interval) {
        lastMetrics = Date.now();
        await emit({ message: { response: { case: 'metrics', value: sessionMetricsToProto(s.metrics()) } } });
      }
    }
    signal.removeEventListener('abort', onAbort);
    if (failedInput) throw failedInput;
    if (signal.aborted) throw abortReasonToError(signal.reason, 'stream');
    await emit({ message: { response: { case: 'metrics', value: sessionMetricsToProto(s.metrics()) } } });
    await emit({ message: { response: { case: 'closed', value: { results: BigInt(results) } } } });
  } catch (error) {
    await session?.close('stream failed').catch(() => {});
    throw failedInput ?? (error instanceof RemoteMediaError ? error : mapError(error));
  } finally {
    inputDone = true;
    if (session) ctx.metrics.sessionEnded();
    leave?.();
  }
}

/**
 * The first request of a stream, or DEADLINE_EXCEEDED after `timeoutMs`; also ends on `signal`
 * (client gone, deadline) and on `onStop`'s function (shutdown). Throws RemoteMediaError.
 */
function firstRequest<T>(
  it: AsyncIterator<T>,
  timeoutMs: number,
  signal: AbortSignal,
  mapError: (error: unknown) => RemoteMediaError,
  onStop: (stop: (reason: RemoteMediaError) => void) => void,
): Promise<IteratorResult<T>> {
  return new Promise<IteratorResult<T>>((resolve, reject) => {
    let settled = false;
    const settle = (error: RemoteMediaError | undefined, value?: IteratorResult<T>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      if (error) reject(error);
      else resolve(value!);
    };
    const onAbort = () => settle(abortReasonToError(signal.reason, 'stream'));
    const timer = setTimeout(
      () =>
        settle(
          new RemoteMediaError(
            Code.DeadlineExceeded,
            `no init message within initTimeoutMs=${timeoutMs}: the first StreamPipelineRequest must be \`init\` with the manifest`,
            { reason: 'LimitExceeded' },
          ),
        ),
      timeoutMs,
    );
    onStop((reason) => settle(reason));
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    it.next().then(
      (value) => settle(undefined, value),
      (error: unknown) => settle(error instanceof RemoteMediaError ? error : mapError(error)),
    );
  });
}
