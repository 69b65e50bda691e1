import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import {
  Code,
  type ManifestInput,
  type NodeDefinition,
  NodeRegistry,
  PipelineRunner,
  RemoteMediaError,
  type RuntimeData,
  builtinNodes,
  collect,
  defineNode,
} from '@remotemedia/runtime-core';
import { conformanceNodes } from '@remotemedia/runtime-core/testing';
import { waitUntil } from '@remotemedia/test-support';

const json = (value: number): RuntimeData => ({ kind: 'json', value });
const num = (d: { data: RuntimeData }) => (d.data as { value: number }).value;

function recorder() {
  const events: string[] = [];
  const Recorded = defineNode({
    type: 'Recorded',
    description: 'records its lifecycle',
    paramsSchema: z.object({ failOn: z.number().optional(), failInit: z.boolean().default(false) }),
    accepts: 'any',
    produces: 'any',
    create: (params, ctx) => ({
      initialize() {
        events.push(`${ctx.nodeId}:init`);
        if (params.failInit) throw new Error('init failed');
      },
      process(input) {
        events.push(`${ctx.nodeId}:process`);
        if (input.kind === 'json' && input.value === params.failOn) throw new Error(`bad ${input.value}`);
        return input;
      },
      flush() {
        events.push(`${ctx.nodeId}:flush`);
      },
      close() {
        events.push(`${ctx.nodeId}:close`);
      },
    }),
  });
  return { events, Recorded };
}

const line = (...ids: string[]) => ids.slice(1).map((id, i) => ({ from: ids[i], to: id }));
const manifest = (nodes: ManifestInput['nodes'], connections: ManifestInput['connections'] = []): ManifestInput => ({
  version: 'v1',
  metadata: { name: 'test' },
  nodes,
  connections,
});

/** A test node without params that takes and makes any kind of data. */
const anyNode = (type: string, description: string, create: NodeDefinition<Record<string, never>>['create']) =>
  defineNode({ type, description, paramsSchema: z.object({}), accepts: 'any', produces: 'any', create });

describe('executor', () => {
  it('fans out and fans in: every path delivers', async () => {
    const runner = new PipelineRunner();
    const outs = await runner.execute(
      manifest(
        [
          { id: 'src', nodeType: 'PassThrough' },
          { id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 1 } },
          { id: 'mul', nodeType: 'Calculator', params: { operation: 'multiply', operand: 10 } },
          { id: 'join', nodeType: 'PassThrough' },
        ],
        [
          { from: 'src', to: 'add' },
          { from: 'src', to: 'mul' },
          { from: 'add', to: 'join' },
          { from: 'mul', to: 'join' },
        ],
      ),
      [json(1), json(2)],
    );
    expect(outs.map(num).sort((a, b) => a - b)).toEqual([2, 3, 10, 20]);
    expect(new Set(outs.map((o) => o.metadata['rm-node-id']))).toEqual(new Set(['join']));
    outs[0].metadata.mine = 'x'; // outputs' metadata belongs to the caller
    expect(outs[1].metadata.mine).toBeUndefined();
  });

  it('runs lifecycle in order: init, process, flush at end of input, close', async () => {
    const { events, Recorded } = recorder();
    const runner = new PipelineRunner({ nodes: [Recorded] });
    await runner.execute(
      manifest(
        [
          { id: 'a', nodeType: 'Recorded' },
          { id: 'b', nodeType: 'Recorded' },
        ],
        line('a', 'b'),
      ),
      [json(1)],
    );
    expect(events.filter((e) => e.startsWith('a:'))).toEqual(['a:init', 'a:process', 'a:flush', 'a:close']);
    expect(events.filter((e) => e.startsWith('b:'))).toEqual(['b:init', 'b:process', 'b:flush', 'b:close']);
    expect(events.indexOf('a:flush')).toBeLessThan(events.indexOf('b:flush'));
  });

  it('close runs on every node after a processing error, and the error names the node', async () => {
    const { events, Recorded } = recorder();
    const runner = new PipelineRunner({ nodes: [Recorded] });
    const error = await runner
      .execute(
        manifest(
          [
            { id: 'a', nodeType: 'Recorded' },
            { id: 'b', nodeType: 'Recorded', params: { failOn: 2 } },
            { id: 'c', nodeType: 'Recorded' },
          ],
          line('a', 'b', 'c'),
        ),
        [json(1), json(2), json(3)],
      )
      .catch((e: RemoteMediaError) => e);
    expect(error).toBeInstanceOf(RemoteMediaError);
    expect((error as RemoteMediaError).nodeId).toBe('b');
    expect(events.filter((e) => e.endsWith(':close')).sort()).toEqual(['a:close', 'b:close', 'c:close']);
    expect(runner.activeSessionCount).toBe(0);
  });

  it('close runs on every created node when one fails to initialize', async () => {
    const { events, Recorded } = recorder();
    const runner = new PipelineRunner({ nodes: [Recorded] });
    const error = await runner
      .stream(
        manifest(
          [
            { id: 'a', nodeType: 'Recorded' },
            { id: 'b', nodeType: 'Recorded', params: { failInit: true } },
          ],
          line('a', 'b'),
        ),
      )
      .catch((e: RemoteMediaError) => e);
    expect((error as RemoteMediaError).nodeId).toBe('b');
    expect((error as RemoteMediaError).message).toContain('failed to initialize');
    expect(events.filter((e) => e.endsWith(':close')).sort()).toEqual(['a:close', 'b:close']);
  });

  it('builds sessions whose nodes are created synchronously, asynchronously or both, and closes what was created when a create fails', async () => {
    const events: string[] = [];
    const Made = defineNode({
      type: 'Made',
      description: 'created sync or async; may fail to be created',
      paramsSchema: z.object({ async: z.boolean().default(false), fail: z.boolean().default(false), add: z.number().default(0) }),
      accepts: ['json'],
      produces: ['json'],
      create: (params, ctx) => {
        const make = () => {
          if (params.fail) throw new Error('no resources');
          events.push(`${ctx.nodeId}:created`);
          return {
            process: (input: RuntimeData) => json((input as { value: number }).value + params.add),
            close: () => void events.push(`${ctx.nodeId}:close`),
          };
        };
        return params.async ? Promise.resolve().then(make) : make();
      },
    });
    const runner = new PipelineRunner({ nodes: [Made] });
    const chain = (...nodes: Array<{ id: string; async?: boolean; fail?: boolean; add?: number }>) =>
      manifest(
        nodes.map(({ id, ...params }) => ({ id, nodeType: 'Made', params })),
        line(...nodes.map((n) => n.id)),
      );

    // Synchronous, then an asynchronous create in the middle, then synchronous again: same result.
    expect((await runner.execute(chain({ id: 'a', add: 1 }, { id: 'b', add: 10 }), [json(1)])).map(num)).toEqual([12]);
    expect((await runner.execute(chain({ id: 'a', add: 1 }, { id: 'b', async: true, add: 10 }, { id: 'c', add: 100 }), [json(1), json(2)])).map(num)).toEqual([
      112, 113,
    ]);

    for (const [failing, created] of [
      [chain({ id: 'a' }, { id: 'b', fail: true }), ['a']], // fails synchronously
      [chain({ id: 'a' }, { id: 'b', async: true }, { id: 'c', fail: true }), ['a', 'b']], // after an asynchronous create
      [chain({ id: 'a' }, { id: 'b', async: true, fail: true }), ['a']], // the asynchronous create fails
    ] as const) {
      events.length = 0;
      const error = await runner.execute(failing, [json(1)]).catch((e: RemoteMediaError) => e);
      expect(error).toBeInstanceOf(RemoteMediaError);
      expect((error as RemoteMediaError).code).toBe(Code.FailedPrecondition);
      expect((error as RemoteMediaError).nodeId).toBe(failing.nodes.at(-1)!.id);
      expect(events.filter((e) => e.endsWith(':close')).sort()).toEqual(created.map((id) => `${id}:close`));
    }
    expect(runner.activeSessionCount).toBe(0);
  });

  it('onError: skip counts the error and keeps the session going', async () => {
    const { Recorded } = recorder();
    const runner = new PipelineRunner({ nodes: [Recorded] });
    const session = await runner.stream(manifest([{ id: 'a', nodeType: 'Recorded', params: { failOn: 2 }, onError: 'skip' }]));
    const reading = (async () => (await collect(session.outputs)).map(num))();
    for (const v of [1, 2, 3]) await session.send(json(v));
    await session.end();
    expect(await reading).toEqual([1, 3]);
    expect(session.metrics().nodes[0].errors).toBe(1);
  });

  it('rejects a data kind the node does not accept, naming the node', async () => {
    const runner = new PipelineRunner();
    const error = await runner
      .execute(manifest([{ id: 'calc', nodeType: 'Calculator', params: { operation: 'add', operand: 1 } }]), [{ kind: 'binary', bytes: new Uint8Array(1) }])
      .catch((e: RemoteMediaError) => e);
    expect((error as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((error as RemoteMediaError).message).toContain('node "calc" (Calculator) does not accept binary');
  });

  it('backpressure: a slow sink keeps every queue bounded and loses nothing', async () => {
    let maxDepth = 0;
    let produced = 0;
    const runner = new PipelineRunner({ nodes: conformanceNodes, outputCapacity: 4 });
    const session = await runner.stream(
      manifest(
        [
          { id: 'a', nodeType: 'PassThrough', queue: { capacity: 4 } },
          { id: 'b', nodeType: 'PassThrough', queue: { capacity: 4 } },
          { id: 'slow', nodeType: 'Sleep', params: { ms: 2 }, queue: { capacity: 4 } },
        ],
        line('a', 'b', 'slow'),
      ),
    );
    const producer = (async () => {
      for (let i = 0; i < 200; i++) {
        await session.send(json(i));
        produced++;
        const depths = session.metrics().nodes.map((n) => n.queueDepth);
        maxDepth = Math.max(maxDepth, ...depths);
      }
      await session.end();
    })();
    // Nothing read yet: the producer must stall, not buffer all 200 inputs.
    await new Promise((r) => setTimeout(r, 100)); // kept: 'nothing more is produced for a while' is the assertion
    expect(produced).toBeLessThan(40);
    const outs = (await collect(session.outputs)).map(num);
    await producer;
    expect(outs).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(maxDepth).toBeLessThanOrEqual(4);
  });

  it('overflow drop policies drop instead of blocking, and count every drop', async () => {
    const runner = new PipelineRunner({ nodes: conformanceNodes });
    for (const overflow of ['drop-oldest', 'drop-newest'] as const) {
      const session = await runner.stream(manifest([{ id: 's', nodeType: 'Sleep', params: { ms: 50 }, queue: { capacity: 2, overflow } }]));
      for (let i = 0; i < 10; i++) await session.send(json(i));
      const reading = collect(session.outputs);
      await session.end();
      const outs = (await reading).map(num);
      const { drops } = session.metrics().nodes[0];
      expect(outs.length + drops).toBe(10);
      expect(drops).toBeGreaterThan(0);
      if (overflow === 'drop-oldest') expect(outs.at(-1)).toBe(9);
      else expect(outs).toContain(0);
    }
  });

  it('interrupt targets one node: its queue is discarded, other nodes are untouched', async () => {
    const runner = new PipelineRunner({ nodes: conformanceNodes });
    const session = await runner.stream(
      manifest(
        [
          { id: 'in', nodeType: 'PassThrough' },
          { id: 'tts', nodeType: 'Sleep', params: { ms: 200 } },
          { id: 'log', nodeType: 'PassThrough' },
        ],
        [
          { from: 'in', to: 'tts' },
          { from: 'in', to: 'log' },
        ],
      ),
    );
    const reading = collect(session.outputs);
    for (const v of [1, 2, 3]) await session.send(json(v));
    // All three reached both branches: tts works on 1 with 2 and 3 queued.
    const node = (id: string) => session.metrics().nodes.find((n) => n.nodeId === id)!;
    await waitUntil(() => node('log').itemsOut === 3 && node('tts').queueDepth === 2, {
      what: 'log passed 3 on, tts holds 2 queued',
      observe: () => session.metrics().nodes,
    });
    await session.send({ kind: 'control', control: { type: 'interrupt', targetNodeIds: ['tts'] } });
    await session.send(json(4));
    await session.end();
    const outs = await reading;
    const byNode = (id: string) => outs.filter((o) => o.metadata['rm-node-id'] === id).map(num);
    expect(byNode('log')).toEqual([1, 2, 3, 4]);
    expect(byNode('tts')).toEqual([4]);
    expect(session.metrics().nodes.find((n) => n.nodeId === 'tts')!.interrupted).toBeGreaterThan(0);
  });

  it('a node cannot emit while the session is being built (initialize), and can once it runs', async () => {
    const emitted: Promise<void>[] = [];
    const Emitter = anyNode('Emitter', 'emits from initialize and from process', (_params, ctx) => ({
      initialize() {
        emitted.push(ctx.emit(json(0)));
      },
      process() {
        emitted.push(ctx.emit(json(9)));
        return undefined;
      },
    }));
    const runner = new PipelineRunner({ nodes: [Emitter] });
    const outputs = await runner.execute(manifest([{ id: 'e', nodeType: 'Emitter' }]), [json(1)]);
    await expect(emitted[0]).rejects.toMatchObject({ code: Code.FailedPrecondition, nodeId: 'e' });
    await expect(emitted[1]).resolves.toBeUndefined();
    expect(outputs.map(num)).toEqual([9]);
  });

  it('never re-enters a node: an input sent from inside its own process call waits for that call', async () => {
    let depth = 0;
    let maxDepth = 0;
    let session: Awaited<ReturnType<PipelineRunner['stream']>> | undefined;
    const order: number[] = [];
    const Reentrant = anyNode('Reentrant', 'sends a second input from inside its first call', () => ({
      process(input) {
        maxDepth = Math.max(maxDepth, ++depth);
        const n = (input as { value: number }).value;
        if (n === 1) void session!.send(json(2));
        order.push(n);
        depth--;
        return input;
      },
    }));
    const runner = new PipelineRunner({ nodes: [Reentrant] });
    session = await runner.stream(manifest([{ id: 'r', nodeType: 'Reentrant' }]));
    const reading = collect(session.outputs);
    await session.send(json(1));
    await waitUntil(() => order.length === 2, { what: 'the re-entrant send processed', observe: () => order });
    await session.end();
    expect(maxDepth).toBe(1);
    expect(order).toEqual([1, 2]);
    expect((await reading).map(num)).toEqual([1, 2]);
  });

  it('retries a failing node with backoff, then succeeds', async () => {
    let calls = 0;
    const Flaky = anyNode('Flaky', 'fails twice', () => ({
      process(input) {
        if (++calls <= 2) throw new Error('transient');
        return input;
      },
    }));
    const runner = new PipelineRunner({ nodes: [Flaky] });
    const session = await runner.stream(manifest([{ id: 'f', nodeType: 'Flaky', retry: { maxAttempts: 3, initialDelayMs: 1 } }]));
    const reading = collect(session.outputs);
    await session.send(json(7));
    await session.end();
    expect((await reading).map(num)).toEqual([7]);
    expect(calls).toBe(3);
    expect(session.metrics().nodes[0].retries).toBe(2);
  });

  it('circuit breaker opens after N consecutive failures and fails fast with CircuitOpen', async () => {
    let calls = 0;
    const Broken = anyNode('Broken', 'always fails', () => ({
      process() {
        calls++;
        throw new Error('down');
      },
    }));
    const runner = new PipelineRunner({ nodes: [Broken] });
    const session = await runner.stream(
      manifest([{ id: 'b', nodeType: 'Broken', onError: 'skip', circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 60_000 } }]),
    );
    const reading = collect(session.outputs);
    for (let i = 0; i < 10; i++) await session.send(json(i));
    await session.end();
    await reading;
    expect(calls).toBe(3);
    expect(session.metrics().nodes[0].errors).toBe(10);
  });

  it('circuit breaker goes half-open after resetTimeoutMs and closes on a successful trial', async () => {
    let calls = 0;
    const Recovering = anyNode('Recovering', 'fails three times, then works', () => ({
      process(input) {
        if (++calls <= 3) throw new Error('down');
        return input;
      },
    }));
    const runner = new PipelineRunner({ nodes: [Recovering] });
    const session = await runner.stream(
      manifest([{ id: 'r', nodeType: 'Recovering', onError: 'skip', circuitBreaker: { failureThreshold: 3, resetTimeoutMs: 100 } }]),
    );
    const reading = collect(session.outputs);
    for (let i = 0; i < 5; i++) await session.send(json(i)); // 3 failures open it; 2 rejected fast
    await waitUntil(() => session.metrics().nodes[0].errors === 5, { what: '5 errors counted', observe: () => session.metrics().nodes[0].errors });
    expect(calls).toBe(3);
    await new Promise((r) => setTimeout(r, 150)); // kept: lets resetTimeoutMs (100) pass, the timeout under test
    await session.send(json(100)); // half-open trial succeeds and closes the breaker
    await session.send(json(101));
    await session.end();
    expect((await reading).map(num)).toEqual([100, 101]);
    expect(calls).toBe(5);
  });

  it('NodeContext.emit sends outputs between inputs, with backpressure, and is refused once the node finished', async () => {
    let emitFromOutside: ((n: number) => Promise<void>) | undefined;
    const Pusher = anyNode('Pusher', 'emits whenever the test says so', (_params, ctx) => {
      emitFromOutside = (n) => ctx.emit(json(n));
      return { process: () => undefined };
    });
    const runner = new PipelineRunner({ nodes: [Pusher], outputCapacity: 1 });
    const session = await runner.stream(
      manifest(
        [
          { id: 'push', nodeType: 'Pusher' },
          { id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: 1 }, queue: { capacity: 1 } },
        ],
        line('push', 'add'),
      ),
    );
    await emitFromOutside!(0);
    expect(num((await session.recv())!)).toBe(1);
    // Nobody reads now: buffers are bounded (output 1 + add's queue 1 + one in flight), so the producer must stall.
    let accepted = 0;
    const pending: Promise<void>[] = [];
    for (let i = 1; i <= 10; i++) {
      let done = false;
      pending.push(emitFromOutside!(i).then(() => void (done = true)));
      await new Promise((r) => setTimeout(r, 5)); // kept: an emit still pending after a pause is the stall under test
      if (!done) break;
      accepted++;
    }
    expect(accepted).toBeLessThan(5);
    const got: number[] = [];
    for (let i = 0; i <= accepted; i++) got.push(num((await session.recv())!));
    await Promise.all(pending);
    expect(got).toEqual(Array.from({ length: accepted + 1 }, (_, i) => i + 2));
    await session.end();
    await expect(emitFromOutside!(99)).rejects.toMatchObject({ code: Code.FailedPrecondition });
  });

  it('per-node timeout fails with DeadlineExceeded naming the node', async () => {
    const runner = new PipelineRunner({ nodes: conformanceNodes });
    const error = await runner
      .execute(manifest([{ id: 'slow', nodeType: 'Sleep', params: { ms: 5000 }, timeoutMs: 50 }]), [json(1)])
      .catch((e: RemoteMediaError) => e);
    expect((error as RemoteMediaError).code).toBe(Code.DeadlineExceeded);
    expect((error as RemoteMediaError).nodeId).toBe('slow');
  });

  it('cancellation by AbortSignal closes every node and frees the session', async () => {
    const { events, Recorded } = recorder();
    const runner = new PipelineRunner({ nodes: [Recorded, ...conformanceNodes] });
    const controller = new AbortController();
    const call = runner.execute(
      manifest(
        [
          { id: 'r', nodeType: 'Recorded' },
          { id: 's', nodeType: 'Sleep', params: { ms: 60_000 } },
        ],
        line('r', 's'),
      ),
      [json(1)],
      { signal: controller.signal },
    );
    await waitUntil(() => events.includes('r:process'), { what: 'the input past the first node', observe: () => events });
    controller.abort();
    const error = await call.catch((e: RemoteMediaError) => e);
    expect((error as RemoteMediaError).code).toBe(Code.Canceled);
    expect(events).toContain('r:close');
    expect(runner.activeSessionCount).toBe(0);
  });

  it('runs many sessions at once, isolated from each other', async () => {
    const runner = new PipelineRunner({ nodes: conformanceNodes });
    const results = await Promise.all(
      Array.from({ length: 50 }, async (_, s) => {
        const session = await runner.stream(
          manifest(
            [
              { id: 'add', nodeType: 'Calculator', params: { operation: 'add', operand: s } },
              { id: 'jitter', nodeType: 'Sleep', params: { ms: s % 3 } },
            ],
            line('add', 'jitter'),
          ),
        );
        const reading = collect(session.outputs);
        for (let i = 0; i < 20; i++) await session.send(json(i));
        if (s === 7) await session.send({ kind: 'text', text: 'not a number' }).catch(() => {});
        await session.end().catch(() => {});
        return reading.then(
          (outs) => outs.map(num),
          (e: RemoteMediaError) => e,
        );
      }),
    );
    results.forEach((r, s) => {
      if (s === 7) expect(r).toBeInstanceOf(RemoteMediaError);
      else expect(r).toEqual(Array.from({ length: 20 }, (_, i) => i + s));
    });
    expect(runner.activeSessionCount).toBe(0);
  });

  it('gives each session one id, the same for the session and its nodes, made only when read', async () => {
    const seen: string[] = [];
    const runner = new PipelineRunner({
      nodes: [anyNode('SeesSession', 'reports its session id', (_p, ctx) => ({ process: () => ({ kind: 'text', text: ctx.sessionId }) }))],
    });
    const m = manifest([{ id: 's', nodeType: 'SeesSession' }]);
    for (let i = 0; i < 3; i++) seen.push(...(await runner.execute(m, [{ kind: 'text', text: 'x' }])).map((o) => (o.data as { text: string }).text));
    expect(new Set(seen).size).toBe(3);
    for (const id of seen) expect(id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    const session = await runner.stream(m);
    await session.send({ kind: 'text', text: 'x' });
    expect(((await session.recv())!.data as { text: string }).text).toBe(session.sessionId);
    expect(session.sessionId).toBe(session.sessionId);
    await session.close();
  });

  it('enforces maxConcurrentSessions with ResourceExhausted', async () => {
    const runner = new PipelineRunner({ limits: { maxConcurrentSessions: 1 } });
    const m = manifest([{ id: 'p', nodeType: 'PassThrough' }]);
    const first = await runner.stream(m);
    const error = await runner.stream(m).catch((e: RemoteMediaError) => e);
    expect((error as RemoteMediaError).code).toBe(Code.ResourceExhausted);
    await first.close();
    const again = await runner.stream(m);
    expect(again.sessionId).not.toBe(first.sessionId);
    await again.close();
  });

  it('counts a unary run against maxConcurrentSessions once it goes asynchronous, and frees the slot after', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const Slow = anyNode('Slow', 'waits for the gate', () => ({ process: async (input: RuntimeData) => (await gate, input) }));
    const runner = new PipelineRunner({ nodes: [Slow], limits: { maxConcurrentSessions: 1 } });
    const running = runner.execute(manifest([{ id: 's', nodeType: 'Slow' }]), [json(1)]);
    expect(runner.activeSessionCount).toBe(1);
    const refused = await runner.execute(manifest([{ id: 'p', nodeType: 'PassThrough' }]), [json(2)]).catch((e: RemoteMediaError) => e);
    expect((refused as RemoteMediaError).code).toBe(Code.ResourceExhausted);
    release();
    expect((await running).map(num)).toEqual([1]);
    expect(runner.activeSessionCount).toBe(0);
    // Synchronous runs leave nothing behind either.
    expect((await runner.execute(manifest([{ id: 'p', nodeType: 'PassThrough' }]), [json(3)])).map(num)).toEqual([3]);
    expect(runner.activeSessionCount).toBe(0);
  });

  it('NodeContext methods work unbound and keep their identity', async () => {
    const seen: unknown[] = [];
    const Loose = anyNode('Loose', 'uses its context methods detached', (_params, ctx) => {
      // eslint-disable-next-line @typescript-eslint/unbound-method -- detaching them is what this test checks
      const { emit, reportProgress, fail } = ctx;
      seen.push(emit === ctx.emit && reportProgress === ctx.reportProgress && fail === ctx.fail);
      return {
        process: async (input: RuntimeData) => {
          reportProgress(0.5);
          await emit(json(100));
          if ((input as { value: number }).value < 0) fail(new Error('negative'));
          return input;
        },
      };
    });
    const runner = new PipelineRunner({ nodes: [Loose] });
    expect((await runner.execute(manifest([{ id: 'l', nodeType: 'Loose' }]), [json(1)])).map(num)).toEqual([100, 1]);
    expect(seen).toEqual([true]);
    await expect(runner.execute(manifest([{ id: 'l', nodeType: 'Loose' }]), [json(-1)])).rejects.toMatchObject({
      nodeId: 'l',
      message: expect.stringContaining('negative'),
    });
  });

  it('sends addressed to a named node, and rejects unknown node names', async () => {
    const runner = new PipelineRunner();
    const session = await runner.stream(
      manifest(
        [
          { id: 'a', nodeType: 'PassThrough' },
          { id: 'b', nodeType: 'Calculator', params: { operation: 'add', operand: 100 } },
        ],
        line('a', 'b'),
      ),
    );
    await session.send(json(1), { nodeId: 'b' });
    expect(num((await session.recv())!)).toBe(101);
    await expect(session.send(json(1), { nodeId: 'nope' })).rejects.toMatchObject({ code: Code.NotFound });
    await session.close();
  });

  it('exposes metrics as an object and as Prometheus text', async () => {
    const runner = new PipelineRunner();
    const session = await runner.stream(manifest([{ id: 'p', nodeType: 'PassThrough' }]));
    for (let i = 0; i < 10; i++) await session.send(json(i));
    for (let i = 0; i < 10; i++) await session.recv();
    const m = session.metrics().nodes[0];
    expect(m).toMatchObject({ nodeId: 'p', itemsIn: 10, itemsOut: 10, errors: 0, drops: 0 });
    // Synchronous nodes are timed on a sample of calls; asynchronous ones on every call.
    expect(m.latency.count).toBe(1);
    const asyncRunner = new PipelineRunner({ nodes: conformanceNodes });
    const slow = await asyncRunner.stream(manifest([{ id: 's', nodeType: 'Sleep', params: { ms: 1 } }]));
    for (let i = 0; i < 10; i++) await slow.send(json(i));
    for (let i = 0; i < 10; i++) await slow.recv();
    await slow.end();
    const sm = slow.metrics().nodes[0].latency;
    expect(sm.count).toBe(10);
    expect(sm.p50Us).toBeGreaterThanOrEqual(500);
    expect(sm.p99Us).toBeGreaterThanOrEqual(sm.p50Us);
    const text = runner.metricsText();
    expect(text).toContain('remotemedia_node_items_in_total{session="' + session.sessionId + '",pipeline="test",node="p"} 10');
    expect(text).toContain('remotemedia_node_latency_seconds_count');
    await session.close();
  });

  it('user nodes: registry rejects duplicates; function nodes work', async () => {
    const registry = new NodeRegistry(builtinNodes);
    expect(() => registry.register(builtinNodes[0])).toThrow(/already registered/);
    registry.registerFunction({ type: 'Upper', accepts: ['text'], produces: ['text'] }, (input) =>
      input.kind === 'text' ? { kind: 'text', text: input.text.toUpperCase() } : undefined,
    );
    const runner = new PipelineRunner({ registry });
    const outs = await runner.execute(manifest([{ id: 'u', nodeType: 'Upper' }]), [{ kind: 'text', text: 'hi' }]);
    expect(outs[0].data).toEqual({ kind: 'text', text: 'HI' });
    expect(runner.listNodes().map((n) => n.type)).toContain('Upper');
  });

  it('shutdown lets running sessions finish within the grace period, then refuses new ones', async () => {
    const runner = new PipelineRunner({ nodes: conformanceNodes });
    const session = await runner.stream(manifest([{ id: 's', nodeType: 'Sleep', params: { ms: 30 } }]));
    await session.send(json(1));
    const reading = collect(session.outputs);
    void session.end();
    await runner.shutdown({ graceMs: 5000 });
    expect((await reading).map(num)).toEqual([1]);
    await expect(runner.stream(manifest([{ id: 'p', nodeType: 'PassThrough' }]))).rejects.toMatchObject({ code: Code.Unavailable });
  });
});
