// `pnpm bench grpc`: the gRPC transport against baselines measured in the same run.
// 1. ExecutePipeline (PassThrough, 20 ms of 16 kHz audio) round trip vs a bare connect echo service on
//    the same server stack (connect-node on node:http2), and vs raw node:http2 request/response (the floor).
//    "Ours" is our client and server as users run them (both take the native gRPC path); a second row
//    sends the same request to our server through the echo's own bare connect client.
// 2. StreamPipeline per-chunk round trip vs a bare connect bidi echo.
// 3. Concurrent real-time sessions (16 kHz, 20 ms chunks, AudioChunker + PassThrough) the server sustains
//    with p99 chunk latency < 50 ms: the real app runs in a child process, this process generates load.
import { readFileSync, readdirSync } from 'node:fs';
import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { create, toBinary } from '@bufbuild/protobuf';
import { type ConnectRouter, createClient } from '@connectrpc/connect';
import { Http2SessionManager, connectNodeAdapter, createGrpcTransport } from '@connectrpc/connect-node';
import {
  ExecutePipelineRequestSchema,
  PipelineExecutionService,
  StreamPipelineRequestSchema,
  StreamingPipelineService,
  toDataChunk,
} from '@remotemedia/protocol';
import { audio } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { createGrpcPipelineClient, createGrpcServer } from '@remotemedia/transport-grpc';
import { pino } from 'pino';
import { startGrpcApp, stopGrpcApp } from './grpc-app.js';
import { type RawCall, RawH2Connection } from './raw-h2-load.js';
import { type Comparison, type Measurement, compare, median, percentile, timeEach, writeReport } from './report.js';

const ITERATIONS = Number(process.env.GRPC_BENCH_ITERATIONS ?? 2000);
const WARMUP = Math.min(300, ITERATIONS);
const chunk = () =>
  audio(
    new Float32Array(320).map((_, i) => Math.sin(i / 10) * 0.5),
    16_000,
  );
const passThrough = { version: 'v1' as const, metadata: { name: 'bench-pt' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] };
const realtime = {
  version: 'v1' as const,
  metadata: { name: 'bench-rt' },
  nodes: [
    { id: 'chunk', nodeType: 'AudioChunker', params: { ms: 20 } },
    { id: 'p', nodeType: 'PassThrough' },
  ],
  connections: [{ from: 'chunk', to: 'p' }],
};

const STREAM_PATH = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
const STREAM_HEADERS = { 'content-type': 'application/grpc', te: 'trailers', authorization: 'Bearer bench-token' };

const timeLoop = (n: number, fn: () => Promise<unknown>) => timeEach(n, fn, WARMUP);

/** A pushable request stream for the bare connect bidi baseline. */
function pushable<T>() {
  const items: T[] = [];
  let wake: (() => void) | undefined;
  let done = false;
  return {
    push(item: T) {
      items.push(item);
      wake?.();
    },
    end() {
      done = true;
      wake?.();
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (items.length) yield items.shift()!;
        if (done) return;
        await new Promise<void>((r) => (wake = r));
        wake = undefined;
      }
    },
  };
}

async function listen(server: http2.Http2Server): Promise<string> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function latencyComparisons(comparisons: Comparison[], measurements: Measurement[]) {
  const silent = pino({ level: 'silent' });
  const ours = createGrpcServer({ pipeline: createNodeRunner(), bindAddress: '127.0.0.1:0', logger: silent, authTokens: ['bench-token'] });
  const { url } = await ours.listen();
  const client = createGrpcPipelineClient({ baseUrl: url, token: 'bench-token' });

  // Bare connect services on the same stack: echo the inputs, no runner, no mapping, no interceptors.
  const bare = http2.createServer(
    connectNodeAdapter({
      routes: (router: ConnectRouter) => {
        router.service(PipelineExecutionService, { executePipeline: (req) => ({ outputs: req.inputs }), getVersion: () => ({}) });
        router.service(StreamingPipelineService, {
          async *streamPipeline(reqs) {
            for await (const r of reqs) if (r.request.case === 'data') yield { response: { case: 'result', value: r.request.value } };
          },
        });
      },
      compressMinBytes: Number.MAX_SAFE_INTEGER, // same as ours: no per-message gzip
    }),
  );
  const bareUrl = await listen(bare);
  const bareSessions = new Http2SessionManager(bareUrl);
  const bareTransport = createGrpcTransport({ baseUrl: bareUrl, sessionManager: bareSessions, acceptCompression: [] });
  const bareExec = createClient(PipelineExecutionService, bareTransport);
  const bareStream = createClient(StreamingPipelineService, bareTransport);
  const request = { manifest: JSON.stringify(passThrough), inputs: [toDataChunk(chunk())] };

  // Raw node:http2 echo of the same request bytes: the floor for one HTTP/2 round trip.
  const raw = http2.createServer();
  raw.on('stream', (stream) => {
    const parts: Buffer[] = [];
    stream.on('data', (d: Buffer) => parts.push(d));
    stream.on('end', () => {
      stream.respond({ ':status': 200 });
      stream.end(Buffer.concat(parts));
    });
  });
  const rawUrl = await listen(raw);
  const rawSession = http2.connect(rawUrl);
  const body = toBinary(ExecutePipelineRequestSchema, create(ExecutePipelineRequestSchema, request));
  const rawCall = () =>
    new Promise<void>((resolve, reject) => {
      const req = rawSession.request({ ':method': 'POST', ':path': '/echo' });
      req.on('data', () => {});
      req.on('end', resolve);
      req.on('error', reject);
      req.end(body);
    });

  // Our server through the same bare connect client as the echo: the server-side comparison alone.
  const oursViaConnectSessions = new Http2SessionManager(url);
  const oursViaConnect = createClient(
    PipelineExecutionService,
    createGrpcTransport({
      baseUrl: url,
      sessionManager: oursViaConnectSessions,
      acceptCompression: [],
      interceptors: [(next) => (req) => (req.header.set('authorization', 'Bearer bench-token'), next(req))],
    }),
  );

  const input = chunk();
  const oursUnary = await timeLoop(ITERATIONS, () => client.execute(passThrough, [input]));
  const bareUnary = await timeLoop(ITERATIONS, () => bareExec.executePipeline(request));
  const oursConnectUnary = await timeLoop(ITERATIONS, () => oursViaConnect.executePipeline(request));
  const rawUnary = await timeLoop(ITERATIONS, rawCall);
  comparisons.push(
    compare('ExecutePipeline round trip (PassThrough, 20 ms @16 kHz), median', 'us', median(oursUnary), median(bareUnary), {
      target: '<= 1.25',
      baselineName: 'bare connect echo, same stack',
    }),
  );
  comparisons.push(
    compare('ExecutePipeline round trip through a bare connect client, median', 'us', median(oursConnectUnary), median(bareUnary), {
      baselineName: 'bare connect echo, same client',
    }),
  );
  comparisons.push(
    compare('ExecutePipeline round trip, median, vs the floor', 'us', median(oursUnary), median(rawUnary), { baselineName: 'raw node:http2 echo' }),
  );
  comparisons.push(
    compare('ExecutePipeline round trip, p99', 'us', percentile(oursUnary, 0.99), percentile(bareUnary, 0.99), {
      baselineName: 'bare connect echo, same stack',
    }),
  );

  // Streaming: one session, send a chunk, wait for its result, repeat.
  const session = await client.stream(passThrough);
  const oursChunk = await timeLoop(ITERATIONS, async () => {
    await session.send(input);
    await session.recv();
  });
  await session.end();
  const reqs = pushable<{ request: { case: 'data'; value: ReturnType<typeof toDataChunk> } }>();
  const responses = bareStream.streamPipeline(reqs)[Symbol.asyncIterator]();
  const dataChunk = toDataChunk(input);
  const bareChunk = await timeLoop(ITERATIONS, async () => {
    reqs.push({ request: { case: 'data', value: dataChunk } });
    await responses.next();
  });
  reqs.end();
  comparisons.push(
    compare('StreamPipeline per-chunk round trip, median', 'us', median(oursChunk), median(bareChunk), { baselineName: 'bare connect bidi echo' }),
  );
  measurements.push({ name: 'StreamPipeline per-chunk round trip p99', unit: 'us', value: percentile(oursChunk, 0.99) });

  rawSession.close();
  bareSessions.abort();
  oursViaConnectSessions.abort();
  await client.close();
  await ours.close();
  await new Promise<void>((r) => bare.close(() => r()));
  await new Promise<void>((r) => raw.close(() => r()));
}

interface StepResult {
  /** CPU this process (the load generator) spent per chunk sent. */
  loadCpuUsPerChunk: number;
  sessions: number;
  p50Ms: number;
  p99Ms: number;
  sentRatio: number;
  lost: number;
}

const frame = (bytes: Uint8Array) => {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};

/** N real-time sessions for `seconds`: each sends 20 ms of audio every 20 ms, staggered; chunk RTT measured. */
async function runStep(url: string, n: number, seconds: number): Promise<StepResult> {
  const conns = Array.from({ length: 4 }, () => new RawH2Connection(url));
  const init = frame(
    toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'init', value: { manifest: JSON.stringify(realtime) } } })),
  );
  const data = frame(toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'data', value: toDataChunk(chunk()) } })));
  const end = frame(toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, { request: { case: 'end', value: {} } })));
  const rtts: number[] = [];
  let measuring = false;
  let sent = 0;
  const pending = Array.from({ length: n }, () => [] as number[]);
  const sessions: RawCall[] = [];
  for (let i = 0; i < n; i += 50) {
    const batch = Array.from({ length: Math.min(50, n - i) }, (_, k) => {
      const index = i + k;
      let ready!: () => void;
      const isReady = new Promise<void>((r) => (ready = r));
      // First protobuf tag of a StreamPipelineResponse: 0x0a ready, 0x12 result, 0x1a metrics, 0x22 closed.
      const call = conns[index % 4].call(STREAM_PATH, STREAM_HEADERS, (tag) => {
        if (tag === 0x0a) ready();
        else if (tag === 0x12) {
          const t0 = pending[index].shift();
          if (measuring && t0 !== undefined) rtts.push(performance.now() - t0);
        }
      });
      call.write(init);
      return { call, isReady };
    });
    await Promise.all(batch.map((s) => s.isReady));
    sessions.push(...batch.map((s) => s.call));
  }
  const cpu0 = process.cpuUsage();
  const SLOTS = 10;
  const start = performance.now();
  let tick = 0;
  const totalMs = (seconds + 1) * 1000;
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const due = Math.floor((performance.now() - start) / 2);
      for (; tick <= due; tick++) {
        for (let i = tick % SLOTS; i < n; i += SLOTS) {
          pending[i].push(performance.now());
          if (measuring) sent++;
          sessions[i].write(data);
        }
      }
      const elapsed = performance.now() - start;
      measuring = elapsed >= 1000;
      if (elapsed >= totalMs) {
        clearInterval(timer);
        resolve();
      }
    }, 2);
  });
  measuring = false;
  const cpu = process.cpuUsage(cpu0);
  for (const s of sessions) s.write(end, true);
  await Promise.race([Promise.all(sessions.map((s) => s.ended)), new Promise((r) => setTimeout(r, 15_000))]);
  for (const c of conns) c.close();
  const expected = n * seconds * 50;
  return {
    loadCpuUsPerChunk: (cpu.user + cpu.system) / (n * (seconds + 1) * 50),
    sessions: n,
    p50Ms: rtts.length ? median(rtts) : Number.NaN,
    p99Ms: rtts.length ? percentile(rtts, 0.99) : Number.NaN,
    sentRatio: sent / expected,
    lost: pending.reduce((a, p) => a + p.length, 0),
  };
}

/** Server CPU time (all its processes and threads) from /proc, in microseconds; undefined off Linux. */
function serverCpuUs(rootPid: number): number | undefined {
  try {
    const pids = [rootPid];
    for (const p of readdirSync('/proc')) {
      if (!/^\d+$/.test(p)) continue;
      try {
        if (Number(readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1].split(' ')[1]) === rootPid) pids.push(Number(p));
      } catch {
        /* exited */
      }
    }
    let ticks = 0;
    for (const pid of pids) {
      const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
      ticks += Number(f[11]) + Number(f[12]);
    }
    return ticks * 10_000; // USER_HZ = 100
  } catch {
    return undefined;
  }
}

/** Ramps real-time sessions against the real app with `workers` processes until p99 >= 50 ms. */
async function ramp(workers: number, steps: number[], measurements: Measurement[]): Promise<number> {
  const { child, url } = await startGrpcApp({ workers });
  let sustained = 0;
  const deadline = Date.now() + 90_000;
  try {
    for (const n of steps) {
      if (Date.now() > deadline) break;
      const cpu0 = serverCpuUs(child.pid!);
      const r = await runStep(url, n, 4);
      const cpu1 = serverCpuUs(child.pid!);
      const ok = r.p99Ms < 50 && r.sentRatio > 0.9 && r.lost === 0;
      // Includes session setup and teardown; chunks are the ones of the whole step (5 s of sending).
      const perChunk = cpu0 !== undefined && cpu1 !== undefined ? ` server CPU ${((cpu1 - cpu0) / (n * 50 * 5)).toFixed(1)} us/chunk,` : '';
      const detail = `${perChunk} load generator ${r.loadCpuUsPerChunk.toFixed(1)} us/chunk, sent ${(r.sentRatio * 100).toFixed(0)}% of real-time`;
      console.log(
        `  workers=${workers} ${n} sessions: p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms,${detail}, lost ${r.lost} -> ${ok ? 'ok' : 'over'}`,
      );
      measurements.push({
        name: `real-time sessions=${n}, workers=${workers}: chunk RTT p99`,
        unit: 'ms',
        value: r.p99Ms,
        note: `p50 ${r.p50Ms.toFixed(1)} ms;${detail}${ok ? '' : '; over the bar'}`,
      });
      if (!ok) break;
      sustained = n;
    }
  } finally {
    await stopGrpcApp(child);
  }
  return sustained;
}

async function concurrentSessions(measurements: Measurement[]) {
  const note =
    'AudioChunker(20 ms) + PassThrough; the real app in its own process(es); load from this process: a minimal HTTP/2 client on raw TCP (bench/raw-h2-load.ts) sending pre-encoded chunks, one socket write per connection per tick; all on the same 2 cores';
  const single = await ramp(1, [200, 400, 500, 600, 700, 800, 1000], measurements);
  measurements.push({ name: 'concurrent real-time sessions with p99 < 50 ms, 1 server process', unit: 'sessions', value: single, note });
  const two = await ramp(2, [600, 800, 900, 1000, 1100, 1200, 1400], measurements);
  measurements.push({ name: 'concurrent real-time sessions with p99 < 50 ms, --workers 2', unit: 'sessions', value: two, note: `target >= 1000; ${note}` });
}

export async function run(): Promise<void> {
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];
  await latencyComparisons(comparisons, measurements);
  console.table(comparisons.map((c) => ({ name: c.name, ours: c.ours.toFixed(0), baseline: c.baseline.toFixed(0), ratio: c.ratio.toFixed(3) })));
  await concurrentSessions(measurements);
  writeReport('grpc', comparisons, measurements);
}
