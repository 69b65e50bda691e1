import type { Readable, Writable } from 'node:stream';
import type { RuntimeData } from '../../data/runtime-data.js';
import type { TransportData } from '../../data/transport-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import type { StreamSession } from '../../transport/pipeline-transport.js';
import { RUNTIME_VERSION } from '../../version.js';
import { createNodeRunner } from '../runners/create-node-runner.js';
import { FRAME_TYPES as F, type Frame, FrameDecoder, dataFrame, decodeDataFrame, frameJson, jsonFrame } from '../multiprocess/frame-codec.js';

/**
 * Frame types of the caller channel only (Python caller <-> this bridge), beside FRAME_TYPES'
 * EXECUTE, INPUT, END_INPUT, VERSION (and CANCEL, which closes a call's session). Mirrored in
 * python/remotemedia/protocol.py as BRIDGE_FRAME_TYPES.
 */
export const BRIDGE_FRAME_TYPES = {
  /** bridge -> caller: input `n` of a streaming call was accepted by the pipeline (backpressure). */
  ACCEPTED: 36,
  /** caller -> bridge: `{n}` more outputs of a streaming call may be sent (output flow control). */
  CREDIT: 37,
} as const;

interface Call {
  /** Resolves once the session is open (or failed to open). */
  opened: Promise<StreamSession | undefined>;
  /** Inputs are sent in order, one after the other, so backpressure holds. */
  chain: Promise<unknown>;
  /** Streaming calls: ACCEPTED per input, outputs sent only against CREDIT. */
  stream: boolean;
  /** Outputs the caller still accepts (streaming calls). */
  credit: number;
  /** Wakes the output loop waiting for credit. */
  wake?: () => void;
  /** Set when the caller cancelled: the output loop stops waiting for credit. */
  cancelled: boolean;
}

/**
 * Serves calls from a Python caller: EXECUTE {manifest, stream?, window?, unary?} opens a session, INPUT
 * frames feed it, END_INPUT ends it, CANCEL closes it; outputs stream back as OUTPUT frames, then
 * DONE or ERROR. A streaming call (`stream: true`) also gets ACCEPTED once each input was accepted,
 * and is sent at most `window` outputs (default 32) beyond what the caller granted with CREDIT,
 * so a slow Python consumer holds the pipeline back instead of buffering without bound.
 * A unary call (`unary: true`) collects its inputs until END_INPUT and runs them with
 * runner.execute (no session machinery per input), answering every output and DONE in one write.
 * VERSION answers DONE {version}. Resolves when `input` ends and every call has finished.
 */
export async function runBridge(input: Readable, output: Writable): Promise<void> {
  const runner = createNodeRunner();
  const calls = new Map<number, Call>();
  const decoder = new FrameDecoder();
  // One write per frame (a frame is a header and a payload): each write is a syscall and a wakeup
  // of the Python reader; big payloads are written as they are rather than copied.
  const write = (buffers: Buffer[]) => {
    if (buffers.length === 1) output.write(buffers[0]);
    else if (buffers.reduce((n, b) => n + b.length, 0) <= 65536) output.write(Buffer.concat(buffers));
    else for (const b of buffers) output.write(b);
  };
  const fail = (id: number, error: unknown) => {
    const e = RemoteMediaError.from(error, Code.Internal);
    write([jsonFrame(F.ERROR, id, e.toJSON())]);
  };

  /** Unary calls (`unary: true`): inputs collected until END_INPUT, then one runner.execute. */
  const unary = new Map<number, { manifest: unknown; inputs: TransportData[] }>();
  /** Unary calls running, cancelled by CANCEL (a caller that timed out). */
  const running = new Map<number, AbortController>();
  const runUnary = (id: number): void => {
    const call = unary.get(id);
    if (!call) return;
    unary.delete(id);
    const abort = new AbortController();
    running.set(id, abort);
    runner
      .execute(call.manifest as never, call.inputs, { signal: abort.signal })
      .finally(() => running.delete(id))
      .then(
        (outputs) => {
          const frames: Buffer[] = [];
          for (const out of outputs) frames.push(...dataFrame(F.OUTPUT, id, out.data, out.metadata));
          frames.push(jsonFrame(F.DONE, id));
          write(frames);
        },
        (error) => fail(id, error),
      );
  };

  const open = (frame: Frame): void => {
    const id = frame.requestId;
    const body = frameJson(frame) as { manifest: unknown; stream?: boolean; window?: number; unary?: boolean };
    const { manifest, stream, window } = body;
    if (body.unary === true) {
      unary.set(id, { manifest, inputs: [] });
      return;
    }
    const call: Call = {
      opened: undefined as never,
      chain: undefined as never,
      stream: stream === true,
      credit: typeof window === 'number' && window > 0 ? window : 32,
      cancelled: false,
    };
    call.opened = runner.stream(manifest as never).then(
      (session) => {
        void (async () => {
          try {
            for await (const out of session.outputs) {
              if (call.stream) {
                while (call.credit <= 0 && !call.cancelled) await new Promise<void>((resolve) => (call.wake = resolve));
                if (call.cancelled) continue; // drain what the closed session still yields
                call.credit--;
              }
              write(dataFrame(F.OUTPUT, id, out.data, out.metadata));
            }
            write([jsonFrame(F.DONE, id)]);
          } catch (error) {
            fail(id, error);
          } finally {
            calls.delete(id);
          }
        })();
        return session;
      },
      (error) => {
        fail(id, error);
        calls.delete(id);
        return undefined;
      },
    );
    call.chain = call.opened;
    calls.set(id, call);
  };

  const enqueue = (id: number, step: (session: StreamSession) => Promise<void>, after?: () => void): void => {
    const call = calls.get(id);
    if (!call) return;
    call.chain = call.chain.then(async () => {
      const session = await call.opened;
      if (!session?.isActive) return;
      let ok = true;
      await step(session).catch(() => (ok = false)); // failures surface through the outputs
      if (ok) after?.();
    });
  };

  const onFrame = (frame: Frame): void => {
    const id = frame.requestId;
    switch (frame.type) {
      case F.EXECUTE:
        return open(frame);
      case F.INPUT: {
        let data: RuntimeData;
        let metadata: Record<string, string> | undefined;
        try {
          ({ data, metadata } = decodeDataFrame(frame));
        } catch (error) {
          return fail(id, error);
        }
        const pending = unary.get(id);
        if (pending) {
          pending.inputs.push(metadata && Object.keys(metadata).length ? { data, metadata } : { data, metadata: {} });
          return;
        }
        const stream = calls.get(id)?.stream;
        return enqueue(
          id,
          (s) => s.send(metadata && Object.keys(metadata).length ? { data, metadata } : data),
          stream ? () => write([jsonFrame(BRIDGE_FRAME_TYPES.ACCEPTED, id)]) : undefined,
        );
      }
      case F.END_INPUT:
        if (unary.has(id)) return runUnary(id);
        return enqueue(id, (s) => s.end());
      case F.CANCEL: {
        unary.delete(id);
        running.get(id)?.abort(new Error('cancelled by the Python caller'));
        const call = calls.get(id);
        if (!call) return;
        call.cancelled = true;
        call.wake?.();
        // Not queued behind pending inputs: a cancel stops the session now.
        void call.opened.then((s) => s?.close('cancelled by the Python caller')).catch(() => {});
        return;
      }
      case BRIDGE_FRAME_TYPES.CREDIT: {
        const call = calls.get(id);
        if (!call) return;
        const { n } = (frameJson(frame) as { n?: number } | undefined) ?? {};
        call.credit += typeof n === 'number' && n > 0 ? n : 1;
        const wake = call.wake;
        call.wake = undefined;
        wake?.();
        return;
      }
      case F.VERSION:
        return write([jsonFrame(F.DONE, id, { version: RUNTIME_VERSION })]);
    }
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    for (const frame of decoder.push(chunk)) onFrame(frame);
  }
  await runner.shutdown({ graceMs: 0 });
}
