import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DataKind } from '../data/enums.js';
import type { RuntimeData } from '../data/runtime-data.js';
import type { TransportData } from '../data/transport-data.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { ManifestInput } from '../manifest/manifest-schema.js';
import { PipelineRunner } from '../pipeline/pipeline-runner.js';
import type { PipelineClient, PipelineTransport } from '../transport/pipeline-transport.js';
import { conformanceNodes } from './conformance-nodes.js';
import { sampleOfEveryKind } from './sample-data.js';

export interface ConformanceServer {
  client(token?: string): PipelineClient | Promise<PipelineClient>;
  close(): Promise<void>;
}

export interface ConformanceHarness {
  /** Serve `pipeline` on a fresh server that requires one of `authTokens`. */
  start(options: { pipeline: PipelineTransport; authTokens: string[] }): Promise<ConformanceServer>;
  /** RuntimeData kinds the transport cannot carry; each skip is visible in the test report. */
  skipKinds?: DataKind[];
}

const TOKEN = 'conformance-token-0123456789';

const pipeline = (name: string, nodes: ManifestInput['nodes'], connections: ManifestInput['connections'] = []): ManifestInput => ({
  version: 'v1',
  metadata: { name },
  nodes,
  connections,
});
const chain = (name: string, ...nodes: Array<[string, string, Record<string, unknown>?]>): ManifestInput =>
  pipeline(
    name,
    nodes.map(([id, nodeType, params]) => ({ id, nodeType, params: params ?? {} })),
    nodes.slice(1).map(([id], i) => ({ from: nodes[i][0], to: id })),
  );
const values = (outs: TransportData[]) => outs.map((o) => (o.data.kind === 'json' ? o.data.value : o.data.kind === 'text' ? o.data.text : o.data.kind));

async function expectRemoteError(promise: Promise<unknown>, code: Code): Promise<RemoteMediaError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, `expected a RemoteMediaError with code ${code}`).toBeInstanceOf(RemoteMediaError);
  expect((error as RemoteMediaError).code).toBe(code);
  return error as RemoteMediaError;
}

/**
 * The contract every transport must meet, run by each transport package against its real
 * server and client on loopback (and by runtime-core against the in-memory transport).
 */
export function describeTransportConformance(name: string, harness: ConformanceHarness): void {
  describe(`transport conformance: ${name}`, () => {
    let server: ConformanceServer;
    let client: PipelineClient;
    const runner = new PipelineRunner({ nodes: conformanceNodes });

    beforeAll(async () => {
      server = await harness.start({ pipeline: runner, authTokens: [TOKEN] });
      client = await server.client(TOKEN);
    });
    afterAll(async () => {
      await client?.close();
      await server?.close();
    });

    it('reports health', async () => {
      const health = await client.health();
      expect(health.status).toBe('serving');
    });

    it('executes a pipeline and returns every output', async () => {
      const outs = await client.execute(
        chain('calc', ['calc', 'Calculator', { operation: 'add', operand: 5 }]),
        [1, 2, 3].map((value) => ({ kind: 'json', value }) as const),
      );
      expect(values(outs)).toEqual([6, 7, 8]);
    });

    it('returns all outputs of multi-output nodes and of several sinks', async () => {
      const manifest = pipeline(
        'fan',
        [
          { id: 'in', nodeType: 'PassThrough' },
          { id: 'twice', nodeType: 'Repeat', params: { times: 2 } },
          { id: 'plus1', nodeType: 'Calculator', params: { operation: 'add', operand: 1 } },
        ],
        [
          { from: 'in', to: 'twice' },
          { from: 'in', to: 'plus1' },
        ],
      );
      const outs = await client.execute(manifest, [{ kind: 'json', value: 10 }]);
      expect(values(outs).sort()).toEqual([10, 10, 11]);
    });

    it('carries metadata from inputs to outputs', async () => {
      const outs = await client.execute(chain('meta', ['p', 'PassThrough']), [{ data: { kind: 'text', text: 'x' }, metadata: { traceId: 'abc-123' } }]);
      expect(outs[0].metadata.traceId).toBe('abc-123');
    });

    const kinds = sampleOfEveryKind();
    for (const [kind, data] of Object.entries(kinds) as Array<[DataKind, RuntimeData]>) {
      if (kind === 'control') continue; // control is handled by the executor, covered by the interrupt test
      it.skipIf(harness.skipKinds?.includes(kind))(`round-trips ${kind} data losslessly (unary and streaming)`, async () => {
        const [unary] = await client.execute(chain(`kind-${kind}`, ['p', 'PassThrough']), [data]);
        expect(unary.data).toEqual(data);
        const session = await client.stream(chain(`kind-${kind}-stream`, ['p', 'PassThrough']));
        await session.send(data);
        const streamed = await session.recv();
        expect(streamed!.data).toEqual(data);
        await session.end();
      });
    }

    it('streams: outputs arrive in order while input is still open, and end after end()', async () => {
      const session = await client.stream(chain('stream', ['a', 'PassThrough'], ['b', 'Calculator', { operation: 'multiply', operand: 2 }]));
      expect(session.sessionId).toBeTruthy();
      for (let i = 0; i < 5; i++) {
        await session.send({ kind: 'json', value: i });
        const out = await session.recv();
        expect(out!.data).toEqual({ kind: 'json', value: i * 2 });
      }
      for (let i = 5; i < 50; i++) await session.send({ kind: 'json', value: i });
      const rest: unknown[] = [];
      const reading = (async () => {
        for await (const out of session.outputs) rest.push((out.data as { value: unknown }).value);
      })();
      await session.end();
      await reading;
      expect(rest).toEqual(Array.from({ length: 45 }, (_, i) => (i + 5) * 2));
      expect(await session.recv()).toBeUndefined();
    });

    it('rejects an invalid manifest with InvalidArgument listing every problem', async () => {
      const bad = pipeline(
        'bad',
        [
          { id: 'a', nodeType: 'NoSuchNode' },
          { id: 'b', nodeType: 'Calculator', params: { operation: 'pow', operand: 'x' } },
        ],
        [{ from: 'a', to: 'ghost' }],
      );
      const error = await expectRemoteError(client.execute(bad, [{ kind: 'json', value: 1 }]), Code.InvalidArgument);
      const paths = error.details.map((d) => d.path);
      expect(paths).toEqual(expect.arrayContaining(['nodes[0].nodeType', 'nodes[1].params.operation', 'nodes[1].params.operand', 'connections[0].to']));
      await expectRemoteError(client.stream(bad), Code.InvalidArgument);
    });

    it('reports a node failure with its code and node id, unary and streaming', async () => {
      const manifest = chain('failing', ['in', 'PassThrough'], ['fail', 'FailOn', { match: 'bad' }]);
      const error = await expectRemoteError(client.execute(manifest, [{ kind: 'text', text: 'bad' }]), Code.Internal);
      expect(error.nodeId).toBe('fail');
      expect(error.message).toContain('boom');
      const session = await client.stream(manifest);
      await session.send({ kind: 'text', text: 'good' });
      expect((await session.recv())!.data).toEqual({ kind: 'text', text: 'good' });
      await session.send({ kind: 'text', text: 'bad' }).catch(() => {});
      const streamed = await expectRemoteError(session.recv(), Code.Internal);
      expect(streamed.nodeId).toBe('fail');
    });

    it('the server keeps serving after errors', async () => {
      const outs = await client.execute(chain('after', ['p', 'PassThrough']), [{ kind: 'text', text: 'still here' }]);
      expect(values(outs)).toEqual(['still here']);
    });

    it('cancels a unary call with an AbortSignal', async () => {
      const controller = new AbortController();
      const call = client.execute(chain('slow', ['s', 'Sleep', { ms: 20_000 }]), [{ kind: 'text', text: 'x' }], { signal: controller.signal });
      setTimeout(() => controller.abort(), 100);
      await expectRemoteError(call, Code.Canceled);
    });

    it('fails a call past its deadline with DeadlineExceeded', async () => {
      await expectRemoteError(
        client.execute(chain('slow2', ['s', 'Sleep', { ms: 20_000 }]), [{ kind: 'text', text: 'x' }], { timeoutMs: 200 }),
        Code.DeadlineExceeded,
      );
    });

    it('closes a streaming session with work in flight', async () => {
      const session = await client.stream(chain('slow3', ['s', 'Sleep', { ms: 20_000 }]));
      await session.send({ kind: 'text', text: 'x' });
      await session.close();
      expect(session.isActive).toBe(false);
      await expect(session.send({ kind: 'text', text: 'late' })).rejects.toBeInstanceOf(RemoteMediaError);
    });

    it('interrupt discards in-flight and queued work of a session (barge-in)', async () => {
      const session = await client.stream(chain('barge', ['s', 'Sleep', { ms: 300 }]));
      await session.send({ kind: 'text', text: 'old-1' });
      await session.send({ kind: 'text', text: 'old-2' });
      await session.send({ kind: 'control', control: { type: 'interrupt' } });
      await session.send({ kind: 'text', text: 'new' });
      const reading = (async () => {
        const got: unknown[] = [];
        for await (const out of session.outputs) got.push(values([out])[0]);
        return got;
      })();
      await session.end();
      expect(await reading).toEqual(['new']);
    });

    it('requires a valid bearer token', async () => {
      const manifest = chain('auth', ['p', 'PassThrough']);
      const anonymous = await server.client();
      await expectRemoteError(anonymous.execute(manifest, [{ kind: 'text', text: 'x' }]), Code.Unauthenticated);
      await anonymous.close();
      const wrong = await server.client('wrong-token-0123456789xyz');
      await expectRemoteError(wrong.execute(manifest, [{ kind: 'text', text: 'x' }]), Code.Unauthenticated);
      await expectRemoteError(wrong.stream(manifest), Code.Unauthenticated);
      await wrong.close();
    });
  });
}
