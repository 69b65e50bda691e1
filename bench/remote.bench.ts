// `pnpm bench remote`: what a RemotePipelineNode hop adds on top of calling the same transport
// client directly (same server, same manifest, same run, interleaved rounds), plus failover time.
import {
  type NodeContext,
  type PipelineClient,
  type PipelineNode,
  type PipelineTransport,
  type RuntimeData,
  createInMemoryServer,
  createPipelineRunner,
  json,
} from '@remotemedia/runtime-core';
import { type Measurement, compare, median, writeReport } from './report.js';
// Relative imports: bench/package.json is shared; remote-client resolves the transport packages itself.
import { createRemotePipelineNode, resolveClientFactory, type TransportClientFactory } from '../packages/remote-client/src/index.js';

const TOKEN = 'bench-token';
const manifest = { version: 'v1', metadata: { name: 'bench' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } as const;
const input: RuntimeData = json({ n: 1, text: 'hello' });
const silent = { debug() {}, info() {}, warn() {}, error() {} };
const silentPino: Record<string, unknown> = { ...silent, trace() {}, fatal() {}, level: 'silent', child: () => silentPino };

interface Served {
  endpoint: string;
  close(): Promise<void>;
}

async function serveHttp(pipeline: PipelineTransport): Promise<Served> {
  const { createHttpServer } = await import('../packages/transport-http/src/index.js');
  const server = createHttpServer({ pipeline, authTokens: [TOKEN], port: 0, host: '127.0.0.1' });
  const endpoint = (await server.listen()).url;
  return { endpoint, close: () => server.close({ graceMs: 0 }) };
}

async function serveGrpc(pipeline: PipelineTransport): Promise<Served | undefined> {
  try {
    const { createGrpcServer } = await import('../packages/transport-grpc/src/index.js');
    const server = createGrpcServer({
      pipeline,
      authTokens: [TOKEN],
      bindAddress: '127.0.0.1:0',
      logger: silentPino as never,
      shutdownGraceMs: 0,
      shutdownFlushMs: 0,
    });
    const { url } = await server.listen();
    return { endpoint: url, close: () => server.close() };
  } catch (error) {
    console.warn(`gRPC transport not available, skipped: ${(error as Error).message}`);
    return undefined;
  }
}

async function nodeOf(
  transport: 'http' | 'grpc',
  endpoint: string,
  factory: TransportClientFactory,
): Promise<{ node: PipelineNode; close: () => Promise<void> }> {
  const definition = createRemotePipelineNode({ clientFactories: { [transport]: factory } });
  const params = definition.paramsSchema.parse({ transport, endpoint, manifest, authToken: TOKEN, healthCheck: { enabled: false } });
  const ctx: NodeContext = {
    nodeId: 'remote',
    nodeType: 'RemotePipeline',
    sessionId: 'bench',
    signal: new AbortController().signal,
    logger: silent,
    reportProgress() {},
    fail() {},
    emit: async () => {},
  };
  return { node: await definition.create(params, ctx), close: () => definition.close() };
}

/** Mean µs per call over `n` sequential calls. */
async function timeCalls(n: number, call: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await call();
  return ((performance.now() - start) * 1000) / n;
}

async function overhead(label: string, direct: PipelineClient, node: PipelineNode, perRound: number, rounds: number, withSignal = false) {
  const signal = new AbortController().signal;
  // withSignal: the direct call also carries a cancellation signal, as every call from a node does.
  const viaClient = withSignal
    ? () => direct.execute(manifest, [{ data: input, metadata: {} }], { signal: new AbortController().signal })
    : () => direct.execute(manifest, [{ data: input, metadata: {} }]);
  const viaNode = () => node.process(input, { signal, metadata: {} }) as Promise<RuntimeData[]>;
  const check = await viaNode();
  if (check.length !== 1) throw new Error(`${label}: node returned ${check.length} outputs`);
  await timeCalls(perRound, viaClient);
  await timeCalls(perRound, viaNode);
  const ours: number[] = [];
  const base: number[] = [];
  const ratios: number[] = [];
  for (let r = 0; r < rounds; r++) {
    // Short paired rounds in alternating order, so drift (GC, JIT, a busy neighbour on a
    // shared machine) hits both sides alike; the ratio is the median of per-round ratios.
    let o: number;
    let b: number;
    if (r % 2) {
      o = await timeCalls(perRound, viaNode);
      b = await timeCalls(perRound, viaClient);
    } else {
      b = await timeCalls(perRound, viaClient);
      o = await timeCalls(perRound, viaNode);
    }
    ours.push(o);
    base.push(b);
    ratios.push(o / b);
  }
  const baselineName = `${label} client.execute directly${withSignal ? ' with an AbortSignal' : ''}`;
  return { ...compare(`unary call, ${label}`, 'µs/call', median(ours), median(base), { target: '<= 1.05', baselineName }), ratio: median(ratios) };
}

interface Fleet {
  endpoints: string[];
  /** Takes endpoint 1 down the hard way where possible. */
  killOne(): Promise<void>;
  closeAll(): Promise<void>;
}

async function httpFleet(): Promise<Fleet> {
  const servers = await Promise.all([0, 1, 2].map(() => serveHttp(createPipelineRunner())));
  return {
    endpoints: servers.map((s) => s.endpoint),
    killOne: () => servers[1].close(),
    closeAll: async () => void (await Promise.allSettled(servers.map((s) => s.close()))),
  };
}

/** gRPC servers as child processes, so one can be SIGKILLed like a crashed box. */
async function grpcFleet(): Promise<Fleet> {
  const { startGrpcServerProcess } = await import('../packages/remote-client/test/helpers/grpc-processes.js');
  const procs = await Promise.all([0, 1, 2].map(() => startGrpcServerProcess(TOKEN)));
  return { endpoints: procs.map((p) => p.url), killOne: () => procs[1].kill(), closeAll: async () => void (await Promise.all(procs.map((p) => p.kill()))) };
}

/** Three servers, one taken down mid-run: the slowest request after that (= failover time), and failures. */
async function failover(transport: 'http' | 'grpc', fleet: Fleet): Promise<Measurement[]> {
  const definition = createRemotePipelineNode();
  const runner = createPipelineRunner({ nodes: [definition] });
  const local = {
    version: 'v1' as const,
    metadata: { name: 'failover' },
    nodes: [
      {
        id: 'r',
        nodeType: 'RemotePipeline',
        params: { transport, endpoints: fleet.endpoints, manifest, authToken: TOKEN, healthCheck: { intervalMs: 500, timeoutMs: 500 } },
      },
    ],
  };
  let failed = 0;
  let worstAfterKill = 0;
  let worstBefore = 0;
  for (let i = 0; i < 600; i++) {
    if (i === 200) void fleet.killOne();
    const t = performance.now();
    await runner.execute(local, [input]).catch(() => failed++);
    const took = performance.now() - t;
    if (i >= 200) worstAfterKill = Math.max(worstAfterKill, took);
    else if (i >= 50) worstBefore = Math.max(worstBefore, took);
  }
  await definition.close();
  await fleet.closeAll();
  const how = transport === 'grpc' ? 'SIGKILLed' : 'shut down';
  return [
    {
      name: `failover, ${transport}: slowest request after one of 3 servers was ${how}`,
      unit: 'ms',
      value: worstAfterKill,
      note: `target < 2000 ms; slowest before: ${worstBefore.toFixed(1)} ms`,
    },
    { name: `failover, ${transport}: failed requests of 600`, unit: 'count', value: failed, note: 'target 0' },
  ];
}

export async function run(): Promise<void> {
  const comparisons = [];
  const measurements: Measurement[] = [];

  // In-memory transport: the cheapest possible call, so the node's own cost shows most.
  const mem = createInMemoryServer({ pipeline: createPipelineRunner(), authTokens: [TOKEN] });
  const memFactory: TransportClientFactory = () => mem.client({ token: TOKEN });
  const memNode = await nodeOf('http', 'in-memory', memFactory);
  // (in-memory clients are cheap and stateless, so the node's own one is as good as sharing)
  const memCmp = await overhead('in-memory transport', mem.client({ token: TOKEN }), memNode.node, 2000, 9);
  comparisons.push({ ...memCmp, target: undefined });
  // Same, but the direct call also passes a signal: isolates the node's own cost from the
  // runtime's per-call signal handling, which any caller passing a signal pays.
  const memCmpSignal = await overhead('in-memory transport', mem.client({ token: TOKEN }), memNode.node, 2000, 9, true);
  comparisons.push({ ...memCmpSignal, name: `${memCmpSignal.name} (baseline with signal)`, target: undefined });
  await memNode.close();
  if (process.env.REMOTE_BENCH_MEMORY_ONLY) {
    console.table(comparisons.map((c) => ({ name: c.name, ours: c.ours.toFixed(1), baseline: c.baseline.toFixed(1), ratio: c.ratio.toFixed(3) })));
    return;
  }

  for (const transport of ['http', 'grpc'] as const) {
    const served = transport === 'http' ? await serveHttp(createPipelineRunner()) : await serveGrpc(createPipelineRunner());
    if (!served) continue;
    const factory = await resolveClientFactory(transport).catch((error: Error) => {
      console.warn(`${transport} client not available, skipped: ${error.message}`);
      return undefined;
    });
    if (!factory) {
      await served.close();
      continue;
    }
    // One client instance shared by both sides: the same connections, so only the node's work differs.
    const direct = await factory({ endpoint: served.endpoint, authToken: TOKEN });
    const { node, close } = await nodeOf(transport, served.endpoint, () => direct);
    comparisons.push(await overhead(`${transport} on loopback`, direct, node, 1000, 9));
    const withSignal = await overhead(`${transport} on loopback`, direct, node, 1000, 9, true);
    comparisons.push({ ...withSignal, name: `${withSignal.name} (baseline with signal)` });
    await close(); // closes `direct` too (the node's pool owns it)
    await served.close();
    measurements.push(...(await failover(transport, transport === 'http' ? await httpFleet() : await grpcFleet())));
  }
  await mem.close();
  writeReport('remote', comparisons, measurements);
}
