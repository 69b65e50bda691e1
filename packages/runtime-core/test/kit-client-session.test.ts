import { describe, expect, it } from 'vitest';
import {
  Code,
  type PipelineClient,
  RemoteMediaError,
  type SendOptions,
  type StreamSession,
  type TransportData,
  createInMemoryServer,
  json,
} from '@remotemedia/runtime-core';
import { ClientStreamSession } from '@remotemedia/runtime-core/kit';
import { describeTransportConformance } from '@remotemedia/runtime-core/testing';

/**
 * A transport written on the kit's session base: its "wire" is a real in-memory session.
 * Outputs are pumped off it with deliver/finish/fail, inputs go through the three hooks.
 */
class LoopbackSession extends ClientStreamSession {
  constructor(private readonly wire: StreamSession) {
    super(wire.sessionId);
    void this.#pump();
  }

  async #pump(): Promise<void> {
    try {
      for await (const out of this.wire.outputs) await this.deliver(out);
      this.finish();
    } catch (error) {
      this.fail(error);
    }
  }

  protected sendInput(input: TransportData, options: SendOptions): Promise<void> {
    return this.wire.send(input, options);
  }

  protected endInput(): Promise<void> {
    return this.wire.end().catch(() => {}); // a failure reaches the outputs through the pump
  }

  protected closeWire(reason: string): Promise<void> {
    return this.wire.close(reason);
  }
}

/** A client whose stream sessions are LoopbackSessions. */
const loopbackClient = (inner: PipelineClient): PipelineClient => ({
  execute: (manifest, inputs, options) => inner.execute(manifest, inputs, options),
  stream: async (manifest, options) => new LoopbackSession(await inner.stream(manifest, options)),
  health: (options) => inner.health(options),
  close: () => inner.close(),
});

describeTransportConformance('kit ClientStreamSession over in-memory', {
  async start({ pipeline, authTokens }) {
    const server = createInMemoryServer({ pipeline, authTokens });
    return { client: (token) => loopbackClient(server.client({ token })), close: () => server.close() };
  },
});

/** A session the test drives by hand: it records what the base asked of the wire. */
class ManualSession extends ClientStreamSession {
  readonly calls: string[] = [];
  protected async sendInput(input: TransportData): Promise<void> {
    this.calls.push(`send ${JSON.stringify(input.data.kind === 'json' ? input.data.value : input.data.kind)}`);
  }
  protected endInput(): void {
    this.calls.push('end');
  }
  protected closeWire(reason: string): void {
    this.calls.push(`close ${reason}`);
  }
  output(value: number) {
    return this.deliver({ data: json(value), metadata: {} });
  }
  done() {
    this.finish();
  }
  broke(error: unknown) {
    this.fail(error);
  }
}

describe('ClientStreamSession state machine', () => {
  it('delivers outputs in order, ends them on finish, and refuses input after end()', async () => {
    const s = new ManualSession('s1', { pipeline: 'p' });
    expect(s.sessionId).toBe('s1');
    await s.send(json(1));
    const ended = s.end();
    await expect(s.send(json(2))).rejects.toMatchObject({ code: Code.FailedPrecondition });
    void s.output(10);
    void s.output(11);
    s.done();
    await ended;
    expect(s.isActive).toBe(false);
    const seen: unknown[] = [];
    for await (const out of s.outputs) seen.push(out.data.kind === 'json' ? out.data.value : undefined);
    expect(seen).toEqual([10, 11]);
    expect(await s.recv()).toBeUndefined();
    await s.end(); // a second end neither half-closes again nor throws
    expect(s.calls).toEqual(['send 1', 'end']);
    expect(s.metrics()).toMatchObject({ sessionId: 's1', pipeline: 'p', inputs: 1, outputs: 2, state: 'closed' });
  });

  it('a failure is thrown after the outputs delivered before it, and by end() and send()', async () => {
    const s = new ManualSession('s2');
    void s.output(1);
    s.broke(new RemoteMediaError(Code.DataLoss, 'the wire broke'));
    void s.output(2); // ignored: the outputs are over
    expect(await s.recv()).toMatchObject({ data: { value: 1 } });
    await expect(s.recv()).rejects.toMatchObject({ code: Code.DataLoss });
    await expect(s.end()).rejects.toMatchObject({ code: Code.DataLoss });
    await expect(s.send(json(3))).rejects.toMatchObject({ code: Code.DataLoss });
    expect(s.metrics().state).toBe('failed');
    expect(s.calls).toEqual([]);
  });

  it('wraps a non-RemoteMediaError failure', async () => {
    const s = new ManualSession('s3');
    s.broke(new Error('socket hang up'));
    await expect(s.recv()).rejects.toBeInstanceOf(RemoteMediaError);
  });

  it('close() discards queued outputs, ends them, closes the wire once, and makes send fail', async () => {
    const s = new ManualSession('s4');
    void s.output(1);
    const pendingEnd = s.end();
    await Promise.all([s.close('bye'), s.close('again')]);
    await pendingEnd; // end() resolves when the outputs end, closing included
    expect(await s.recv()).toBeUndefined();
    await expect(s.send(json(1))).rejects.toMatchObject({ code: Code.FailedPrecondition });
    expect(s.output(2)).toBeUndefined();
    expect(s.calls).toEqual(['end', 'close bye']);
    expect(s.isActive).toBe(false);
  });

  it('applies backpressure to the wire reader when outputCapacity is set', async () => {
    const s = new ManualSession('s5', { outputCapacity: 1 });
    expect(s.output(1)).toBeUndefined();
    const waiting = s.output(2);
    expect(waiting).toBeInstanceOf(Promise);
    expect(await s.recv()).toMatchObject({ data: { value: 1 } });
    await waiting;
  });
});
