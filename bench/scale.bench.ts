// `pnpm bench scale`: real-time gRPC sessions sustained (chunk RTT p99 < 50 ms) by 1 and 2 grpc-server
// replicas, through a real nginx (`grpc_pass`, deploy/nginx/remotemedia.conf's gRPC rules) and
// without it (the load generator spreading its connections itself), interleaved in the same run:
// the balancer's cost as a ratio, and how capacity grows with replicas. On a 2-core machine the
// load generator, nginx and the replicas share the cores, so growth flattens: the report says so.
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { create, toBinary } from '@bufbuild/protobuf';
import { StreamPipelineRequestSchema, toDataChunk } from '@remotemedia/protocol';
import { audio } from '@remotemedia/runtime-core';
import { type Nginx, grpcConfig, nginxAvailable, startNginx } from '../test-support/src/nginx-balancer.js';
import { type RawCall, RawH2Connection } from './raw-h2-load.js';
import { type Comparison, type Measurement, compare, median, percentile, writeReport } from './report.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const STEPS = (process.env.SCALE_BENCH_STEPS ?? '100,200,300,400,500,600,700,800,1000').split(',').map(Number);
const SECONDS = Number(process.env.SCALE_BENCH_SECONDS ?? 4);
const STREAM_PATH = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
const STREAM_HEADERS = { 'content-type': 'application/grpc', te: 'trailers', authorization: 'Bearer bench-token' };
const realtime = {
  version: 'v1' as const,
  metadata: { name: 'bench-scale' },
  nodes: [
    { id: 'chunk', nodeType: 'AudioChunker', params: { ms: 20 } },
    { id: 'p', nodeType: 'PassThrough' },
  ],
  connections: [{ from: 'chunk', to: 'p' }],
};
const chunk = () =>
  audio(
    new Float32Array(320).map((_, i) => Math.sin(i / 10) * 0.5),
    16_000,
  );
const frame = (bytes: Uint8Array) => {
  const out = Buffer.alloc(5 + bytes.length);
  out.writeUInt32BE(bytes.length, 1);
  out.set(bytes, 5);
  return out;
};

interface Replica {
  child: ChildProcess;
  url: string;
  port: number;
}

/** The compiled app, as `pnpm start` runs it, one process (one core) per replica. */
async function startReplica(): Promise<Replica> {
  const child = spawn(
    process.execPath,
    ['--max-semi-space-size=64', 'apps/grpc-server/dist/main.js', '--bind', '127.0.0.1:0', '--metrics-port=-1', '--max-sessions', '5000'],
    {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'info', GRPC_AUTH_TOKENS: 'bench-token' },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const killChild = () => child.kill('SIGKILL');
  process.once('exit', killChild);
  child.once('exit', () => process.off('exit', killChild));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => (child.kill('SIGKILL'), reject(new Error('server did not start within 30 s'))), 30_000);
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string; port?: number };
        if (entry.msg === 'ready' && entry.url) {
          clearTimeout(timer);
          resolve({ child, url: entry.url, port: entry.port ?? Number(new URL(entry.url).port) });
        }
      } catch {
        /* not JSON */
      }
    });
  });
}

async function stopReplica(r: Replica): Promise<void> {
  if (r.child.exitCode !== null) return;
  const exited = new Promise((resolve) => r.child.once('exit', resolve));
  r.child.kill('SIGTERM');
  const timer = setTimeout(() => r.child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

/** CPU time (user + system) of a process and its children from /proc, in microseconds; undefined off Linux. */
function cpuUs(rootPid: number): number | undefined {
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
    return ticks * 10_000;
  } catch {
    return undefined;
  }
}

interface StepResult {
  p50Ms: number;
  p99Ms: number;
  sentRatio: number;
  lost: number;
}

/** N real-time sessions for SECONDS over 4 connections per target (round robin over `urls`): 20 ms of audio every 20 ms each, staggered. */
async function runStep(urls: string[], n: number): Promise<StepResult> {
  const conns = Array.from({ length: 4 * urls.length }, (_, i) => new RawH2Connection(urls[i % urls.length]));
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
      const call = conns[index % conns.length].call(STREAM_PATH, STREAM_HEADERS, (tag) => {
        if (tag === 0x0a) ready();
        else if (tag === 0x12) {
          const t0 = pending[index].shift();
          if (measuring && t0 !== undefined) rtts.push(performance.now() - t0);
        }
      });
      call.write(init);
      // A session that never gets ready (refused, reset) must not hang the step.
      void call.ended.then(ready);
      return { call, isReady };
    });
    await Promise.race([Promise.all(batch.map((s) => s.isReady)), new Promise((r) => setTimeout(r, 15_000))]);
    sessions.push(...batch.map((s) => s.call));
  }
  const SLOTS = 10;
  const start = performance.now();
  let tick = 0;
  const totalMs = (SECONDS + 1) * 1000;
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
  for (const s of sessions) s.write(end, true);
  await Promise.race([Promise.all(sessions.map((s) => s.ended)), new Promise((r) => setTimeout(r, 15_000))]);
  for (const c of conns) c.close();
  return {
    p50Ms: rtts.length ? median(rtts) : Number.NaN,
    p99Ms: rtts.length ? percentile(rtts, 0.99) : Number.NaN,
    sentRatio: sent / (n * SECONDS * 50),
    lost: pending.reduce((a, p) => a + p.length, 0),
  };
}

interface Setup {
  name: string;
  replicas: number;
  viaNginx: boolean;
  sustained: number;
  /** Still ramping (not over the bar yet). */
  open: boolean;
  note: string;
}

export async function run(): Promise<void> {
  if (!nginxAvailable()) {
    console.log('scale: /usr/sbin/nginx not found (apt-get install nginx; scripts/system-packages.txt): skipped');
    return;
  }
  const replicas = [await startReplica(), await startReplica()];
  let nginx1: Nginx | undefined;
  let nginx2: Nginx | undefined;
  const measurements: Measurement[] = [];
  try {
    nginx1 = await startNginx((dir, port) => grpcConfig(dir, port, [{ name: 'grpc-0', port: replicas[0].port }]));
    nginx2 = await startNginx((dir, port) =>
      grpcConfig(
        dir,
        port,
        replicas.map((r, i) => ({ name: `grpc-${i}`, port: r.port })),
      ),
    );
    const setups: (Setup & { urls: string[] })[] = [
      { name: '1 replica, direct', replicas: 1, viaNginx: false, urls: [replicas[0].url] },
      { name: '1 replica, through nginx', replicas: 1, viaNginx: true, urls: [nginx1.url] },
      { name: '2 replicas, direct (client spreads connections)', replicas: 2, viaNginx: false, urls: replicas.map((r) => r.url) },
      { name: '2 replicas, through nginx', replicas: 2, viaNginx: true, urls: [nginx2.url] },
    ].map((s) => ({ ...s, sustained: 0, open: true, note: '' }));
    // Interleaved: each step runs every setup still under the bar, so all see the same machine load.
    const deadline = Date.now() + 8 * 60_000;
    for (const n of STEPS) {
      for (const s of setups) {
        if (!s.open || Date.now() > deadline) continue;
        const cpu0 = replicas.map((r) => cpuUs(r.child.pid!));
        const ng0 = s.viaNginx ? cpuUs((s.replicas === 1 ? nginx1 : nginx2).child.pid!) : undefined;
        const r = await runStep(s.urls, n);
        const cpu1 = replicas.map((r) => cpuUs(r.child.pid!));
        const ng1 = s.viaNginx ? cpuUs((s.replicas === 1 ? nginx1 : nginx2).child.pid!) : undefined;
        const chunks = n * 50 * (SECONDS + 1);
        const serverUs = cpu0.reduce<number>((a, c, i) => a + ((cpu1[i] ?? 0) - (c ?? 0)), 0) / chunks;
        const nginxUs = ng0 !== undefined && ng1 !== undefined ? (ng1 - ng0) / chunks : undefined;
        const ok = r.p99Ms < 50 && r.sentRatio > 0.9 && r.lost === 0;
        const note = `p50 ${r.p50Ms.toFixed(1)} ms; servers ${serverUs.toFixed(1)} us/chunk${nginxUs === undefined ? '' : `, nginx ${nginxUs.toFixed(1)} us/chunk`}; sent ${(r.sentRatio * 100).toFixed(0)}%, lost ${r.lost}`;
        console.log(`  ${s.name}, ${n} sessions: p99 ${r.p99Ms.toFixed(1)} ms; ${note} -> ${ok ? 'ok' : 'over'}`);
        measurements.push({ name: `${s.name}, ${n} sessions: chunk RTT p99`, unit: 'ms', value: r.p99Ms, note: `${note}${ok ? '' : '; over the bar'}` });
        if (ok) {
          s.sustained = n;
          s.note = note;
        } else s.open = false;
      }
    }
    const comparisons: Comparison[] = [];
    const [d1, n1, d2, n2] = [setups[0], setups[1], setups[2], setups[3]];
    for (const s of setups)
      measurements.push({
        name: `sessions sustained at chunk RTT p99 < 50 ms: ${s.name}`,
        unit: 'sessions',
        value: s.sustained,
        note: `per replica ${(s.sustained / s.replicas).toFixed(0)}; at that step: ${s.note || 'none'}`,
      });
    comparisons.push(
      compare('sessions sustained, 1 replica: through nginx vs direct', 'sessions', n1.sustained, d1.sustained, { baselineName: '1 replica direct' }),
    );
    comparisons.push(
      compare('sessions sustained, 2 replicas: through nginx vs direct', 'sessions', n2.sustained, d2.sustained, { baselineName: '2 replicas direct' }),
    );
    comparisons.push(
      compare('sessions sustained through nginx: 2 replicas vs 1', 'sessions', n2.sustained, n1.sustained, { baselineName: '1 replica through nginx' }),
    );
    comparisons.push(compare('sessions sustained direct: 2 replicas vs 1', 'sessions', d2.sustained, d1.sustained, { baselineName: '1 replica direct' }));
    measurements.push({
      name: 'setup',
      unit: '',
      value: 0,
      note: `AudioChunker(20 ms) + PassThrough, 16 kHz 20 ms chunks paced in real time; ${SECONDS} s measured per step after 1 s; replicas: apps/grpc-server/dist/main.js, one process each; nginx with 1 worker process and grpc_pass (test-support/src/nginx-balancer.ts = deploy/nginx/remotemedia.conf gRPC rules); load generator: bench/raw-h2-load.ts, 4 connections per target; load generator, nginx and replicas share the same 2 cores`,
    });
    writeReport('scale', comparisons, measurements);
  } finally {
    await nginx1?.stop();
    await nginx2?.stop();
    await Promise.all(replicas.map(stopReplica));
  }
}
