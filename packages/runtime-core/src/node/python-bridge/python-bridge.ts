import type { Readable, Writable } from 'node:stream';
import type { RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';
import type { StreamSession } from '../../transport/pipeline-transport.js';
import { RUNTIME_VERSION } from '../../version.js';
import { createNodeRunner } from '../create-node-runner.js';
import { FRAME_TYPES as F, type Frame, FrameDecoder, dataFrame, decodeDataFrame, frameJson, jsonFrame } from '../multiprocess/frame-codec.js';

interface Call {
  /** Resolves once the session is open (or failed to open). */
  opened: Promise<StreamSession | undefined>;
  /** Inputs are sent in order, one after the other, so backpressure holds. */
  chain: Promise<unknown>;
}

/**
 * Serves execute calls from a Python caller: EXECUTE {manifest} opens a session, INPUT frames feed
 * it, END_INPUT ends it; outputs stream back as OUTPUT frames, then DONE or ERROR. VERSION answers
 * DONE {version}. Resolves when `input` ends and every call has finished.
 */
export async function runBridge(input: Readable, output: Writable): Promise<void> {
  const runner = createNodeRunner();
  const calls = new Map<number, Call>();
  const decoder = new FrameDecoder();
  const write = (buffers: Buffer[]) => {
    for (const b of buffers) output.write(b);
  };
  const fail = (id: number, error: unknown) => {
    const e = RemoteMediaError.from(error, Code.Internal);
    write([jsonFrame(F.ERROR, id, e.toJSON())]);
  };

  const open = (frame: Frame): void => {
    const id = frame.requestId;
    const { manifest } = frameJson(frame) as { manifest: unknown };
    const opened = runner.createStreamSession(manifest as never).then(
      (session) => {
        void (async () => {
          try {
            for await (const out of session.outputs) write(dataFrame(F.OUTPUT, id, out.data));
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
    calls.set(id, { opened, chain: opened });
  };

  const enqueue = (id: number, step: (session: StreamSession) => Promise<void>): void => {
    const call = calls.get(id);
    if (!call) return;
    call.chain = call.chain.then(async () => {
      const session = await call.opened;
      if (session?.isActive) await step(session).catch(() => {}); // failures surface through the outputs
    });
  };

  const onFrame = (frame: Frame): void => {
    switch (frame.type) {
      case F.EXECUTE:
        return open(frame);
      case F.INPUT: {
        let data: RuntimeData;
        try {
          data = decodeDataFrame(frame).data;
        } catch (error) {
          return fail(frame.requestId, error);
        }
        return enqueue(frame.requestId, (s) => s.send(data));
      }
      case F.END_INPUT:
        return enqueue(frame.requestId, (s) => s.end());
      case F.CANCEL:
        return enqueue(frame.requestId, (s) => s.close('cancelled by the Python caller'));
      case F.VERSION:
        return write([jsonFrame(F.DONE, frame.requestId, { version: RUNTIME_VERSION })]);
    }
  };

  for await (const chunk of input as AsyncIterable<Buffer>) {
    for (const frame of decoder.push(chunk)) onFrame(frame);
  }
  await runner.shutdown({ graceMs: 0 });
}
