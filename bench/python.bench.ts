// `pnpm bench python`: Python nodes in their own processes vs a bare Node <-> python3 pipe echo.
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { RuntimeData, StreamSession } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { containerRows } from './python-container.js';
import { compare, median, percentile, timeEach, writeReport, type Comparison, type Measurement } from './report.js';

const FIXTURES = fileURLToPath(new URL('../packages/runtime-core/test/python/fixtures/test_nodes.py', import.meta.url));
const PYTHON_SDK = fileURLToPath(new URL('../packages/runtime-core/python', import.meta.url));
const BRIDGE_JS = fileURLToPath(new URL('../packages/runtime-core/dist/nodejs/python-bridge/bridge-main.js', import.meta.url));

// The baseline: the least a Node <-> python3 round trip can cost. Python reads a length-prefixed
// message from stdin and writes it back to stdout; no decoding, no dispatch.
const ECHO = `
import os, struct
buf = bytearray()
while True:
    while len(buf) < 4 or len(buf) < 4 + struct.unpack_from('<I', buf)[0]:
        chunk = os.read(0, 1 << 20)
        if not chunk:
            raise SystemExit(0)
        buf += chunk
    n = 4 + struct.unpack_from('<I', buf)[0]
    view = memoryview(bytes(buf[:n]))
    del buf[:n]
    while len(view):
        view = view[os.write(1, view):]
`;

// A leaner echo, for reference: one write per message from Node, and Python reads into one reused
// buffer (os.read(fd, 1 << 20) costs an mmap, mremap and munmap per call) and writes a view of it.
const LEAN_ECHO = `
import io, os, struct
f = io.FileIO(0, 'rb', closefd=False)
buf = bytearray(1 << 16)
view = memoryview(buf)
have = 0
while True:
    while have < 4 or have < 4 + struct.unpack_from('<I', buf)[0]:
        if have >= 4 and 4 + struct.unpack_from('<I', buf)[0] > len(buf):
            view.release()
            buf.extend(bytes(4 + struct.unpack_from('<I', buf)[0] - len(buf)))
            view = memoryview(buf)
        n = f.readinto(view[have:])
        if not n:
            raise SystemExit(0)
        have += n
    n = 4 + struct.unpack_from('<I', buf)[0]
    out = view[:n]
    while len(out):
        out = out[os.write(1, out):]
    out.release()
    if have > n:
        buf[: have - n] = bytes(view[n:have])
    have -= n
`;

class PipeEcho {
  readonly child: ChildProcess;
  #pending: { need: number; got: number; chunks: Buffer[]; resolve: () => void } | undefined;
  constructor(readonly lean = false) {
    this.child = spawn('python3', ['-c', lean ? LEAN_ECHO : ECHO], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      const p = this.#pending!;
      p.got += chunk.length;
      p.chunks.push(chunk);
      if (p.got >= p.need) {
        this.#pending = undefined;
        p.resolve();
      }
    });
  }
  roundTrip(payload: Buffer): Promise<void> {
    const head = Buffer.allocUnsafe(4);
    head.writeUInt32LE(payload.length, 0);
    return new Promise((resolve) => {
      this.#pending = { need: 4 + payload.length, got: 0, chunks: [], resolve };
      if (this.lean && payload.length <= 65536) this.child.stdin!.write(Buffer.concat([head, payload]));
      else {
        this.child.stdin!.write(head);
        this.child.stdin!.write(payload);
      }
    });
  }
  close(): void {
    this.child.stdin!.end();
  }
}

async function roundTrip(session: StreamSession, data: RuntimeData): Promise<void> {
  await session.send(data);
  const out = await session.recv();
  if (!out) throw new Error('no output');
}

const manifest = (nodes: object[], connections: object[] = []) => ({ version: 'v1' as const, metadata: { name: 'bench' }, nodes, connections }) as never;

export async function run(): Promise<void> {
  const runner = createNodeRunner({ python: { modules: [FIXTURES] } });
  const comparisons: Comparison[] = [];
  const measurements: Measurement[] = [];

  // 1. 20 ms of 48 kHz mono audio (960 float32 samples = 3840 bytes) through a Python PassThrough.
  const samples = new Float32Array(960).map((_, i) => Math.sin(i / 9));
  const frame: RuntimeData = { kind: 'audio', samples, sampleRate: 48_000, channels: 1 };
  const session = await runner.stream(manifest([{ id: 'py', nodeType: 'PyPassThrough' }]));
  const echo = new PipeEcho();
  const lean = new PipeEcho(true);
  const bytes = Buffer.from(samples.buffer);
  // Warm both up well (JIT, Python's adaptive interpreter, and the scheduler spreading the fresh
  // processes over the cores), then interleave rounds so machine noise hits both sides alike.
  await timeEach(0, () => roundTrip(session, frame), 3000);
  await timeEach(0, () => echo.roundTrip(bytes), 3000);
  await timeEach(0, () => lean.roundTrip(bytes), 3000);
  const ours: number[] = [];
  const base: number[] = [];
  const leanBase: number[] = [];
  for (let round = 0; round < 3; round++) {
    ours.push(...(await timeEach(3000, () => roundTrip(session, frame), 500)));
    base.push(...(await timeEach(3000, () => echo.roundTrip(bytes), 500)));
    leanBase.push(...(await timeEach(3000, () => lean.roundTrip(bytes), 500)));
  }
  comparisons.push(
    compare('20 ms audio frame round trip, median', 'us', median(ours), median(base), { target: '<= 1.3', baselineName: 'bare Node<->python3 pipe echo' }),
  );
  comparisons.push(
    compare('20 ms audio frame round trip vs lean echo, median', 'us', median(ours), median(leanBase), {
      baselineName: 'lean pipe echo (one write, readinto)',
    }),
  );
  measurements.push({ name: 'audio round trip p99 (ours)', unit: 'us', value: percentile(ours, 0.99) });
  measurements.push({ name: 'audio round trip p99 (pipe echo)', unit: 'us', value: percentile(base, 0.99) });
  measurements.push({ name: 'audio round trip p99 (lean pipe echo)', unit: 'us', value: percentile(leanBase, 0.99) });

  // 2. 1 MB float32 tensors, one round trip at a time.
  const tensorBytes = new Uint8Array(1 << 20).map((_, i) => i & 255);
  const tensor: RuntimeData = { kind: 'tensor', bytes: tensorBytes, shape: [512, 512], dtype: 'float32' };
  const big = Buffer.from(tensorBytes.buffer);
  const oursBig: number[] = [];
  const baseBig: number[] = [];
  const leanBig: number[] = [];
  for (let round = 0; round < 4; round++) {
    oursBig.push(...(await timeEach(25, () => roundTrip(session, tensor), 3)));
    baseBig.push(...(await timeEach(25, () => echo.roundTrip(big), 3)));
    leanBig.push(...(await timeEach(25, () => lean.roundTrip(big), 3)));
  }
  const mbps = (us: number) => 1 / (us / 1e6); // 1 MB per round trip
  comparisons.push(compare('1 MB tensor round trip, median', 'us', median(oursBig), median(baseBig), { baselineName: 'bare Node<->python3 pipe echo' }));
  comparisons.push(
    compare('1 MB tensor round trip vs lean echo, median', 'us', median(oursBig), median(leanBig), { baselineName: 'lean pipe echo (one write, readinto)' }),
  );
  measurements.push({ name: '1 MB tensor throughput (ours)', unit: 'MB/s', value: mbps(median(oursBig)), note: 'each MB goes to Python and back' });
  measurements.push({ name: '1 MB tensor throughput (pipe echo)', unit: 'MB/s', value: mbps(median(baseBig)) });
  await session.close();
  echo.close();
  lean.close();

  // 3. Two CPU-bound Python nodes (300 ms each) on parallel branches vs one after the other.
  const busy = (id: string) => ({ id, nodeType: 'PyBusy', params: { ms: 300 } });
  const parallel = await runner.stream(
    manifest(
      [{ id: 'src', nodeType: 'PassThrough' }, busy('a'), busy('b')],
      [
        { from: 'src', to: 'a' },
        { from: 'src', to: 'b' },
      ],
    ),
  );
  const serial = await runner.stream(manifest([busy('a'), busy('b')], [{ from: 'a', to: 'b' }]));
  const input: RuntimeData = { kind: 'json', value: 0 };
  const twoOutputs = async (s: StreamSession) => {
    await s.send(input);
    await s.recv();
    await s.recv();
  };
  const par: number[] = [];
  const ser: number[] = [];
  for (let i = 0; i < 4; i++) {
    par.push(...(await timeEach(1, () => twoOutputs(parallel), 0)));
    ser.push(...(await timeEach(1, () => roundTrip(serial, input), 0)));
  }
  comparisons.push(
    compare('2 CPU-bound Python nodes: parallel branches vs in series', 'ms', median(par) / 1000, median(ser) / 1000, {
      target: '< 0.6',
      baselineName: 'same nodes one after the other',
    }),
  );
  await Promise.all([parallel.close(), serial.close()]);

  // 4. Session start with one Python node: a warm process (interpreter up, modules imported) vs a cold start.
  const warm = createNodeRunner({ python: { modules: [FIXTURES], warmProcesses: 1 } });
  const one = manifest([{ id: 'py', nodeType: 'PyPassThrough' }]);
  const startAndEnd = async (r: typeof runner) => {
    const s = await r.stream(one);
    await roundTrip(s, input);
    await s.close();
  };
  const warmStarts: number[] = [];
  const coldStarts: number[] = [];
  for (let i = 0; i < 8; i++) {
    await new Promise((r) => setTimeout(r, 300)); // let the replacement warm up
    warmStarts.push(...(await timeEach(1, () => startAndEnd(warm), 0)));
    coldStarts.push(...(await timeEach(1, () => startAndEnd(runner), 0)));
  }
  comparisons.push(
    compare('session start + first answer, one Python node', 'ms', median(warmStarts) / 1000, median(coldStarts) / 1000, {
      baselineName: 'cold start (warmProcesses: 0)',
    }),
  );
  await Promise.all([warm.shutdown({ graceMs: 0 }), runner.shutdown({ graceMs: 0 })]);

  // 5. Python calling the runtime (remotemedia_runtime) vs the same pipelines run from TypeScript.
  await pythonCallerRows(comparisons, measurements);

  // 6. The same node in a container vs a process, and container session starts (docs/containers.md).
  await containerRows(comparisons, measurements);

  writeReport('python', comparisons, measurements);
}

// Python calling the runtime: the caller script times its own calls and prints them as JSON.
const CALLER = String.raw`
import asyncio, json, sys, time
import remotemedia_runtime as rt
from remotemedia.runtime import manifest_text
from remotemedia import protocol as p
from remotemedia._session import marshal_input
try:
    import numpy as np
except ImportError:
    np = None
cfg = json.loads(sys.argv[1])
out = {}
unary = cfg["unary"]
for _ in range(cfg["warmup"]):
    rt.execute_pipeline_with_input_sync(unary, [1])
times = []
for _ in range(cfg["n"]):
    t = time.perf_counter()
    rt.execute_pipeline_with_input_sync(unary, [1])
    times.append((time.perf_counter() - t) * 1e6)
out["unary_sync_us"] = times

async def unary_async(n):
    ts = []
    for _ in range(n):
        t = time.perf_counter()
        await rt.execute_pipeline_with_input(unary, [1])
        ts.append((time.perf_counter() - t) * 1e6)
    return ts
asyncio.run(unary_async(cfg["warmup"]))
out["unary_async_us"] = asyncio.run(unary_async(cfg["n"]))

# Marshaling alone: an input to its frames and an output frame back to a Python value.
frame = b"".join(bytes(b) for b in p.data_frame(p.OUTPUT, 1, marshal_input(1, "x")))
t = time.perf_counter()
for _ in range(10000):
    b"".join(bytes(b) for b in p.data_frame(p.INPUT, 1, marshal_input(1, "x")))
    ((ft, kind, rid, body),) = p.FrameReader().feed(frame)
    p.decode_data(kind, body)
out["marshal_us"] = (time.perf_counter() - t) * 1e6 / 10000

samples = cfg["samples"]
frame_data = np.array(samples, dtype=np.float32) if np is not None else __import__("array").array("f", samples)

async def stream_throughput(frames):
    async with rt.stream(cfg["stream"]) as s:
        async def feed():
            for _ in range(frames):
                await s.send(frame_data, sample_rate=cfg["rate"])
            await s.end()
        t = time.perf_counter()
        task = asyncio.ensure_future(feed())
        got = 0
        async for _ in s.outputs:
            got += 1
        await task
        assert got == frames, got
        return (time.perf_counter() - t) * 1e6

async def stream_round_trips(n):
    async with rt.stream(cfg["stream"]) as s:
        ts = []
        for _ in range(n):
            t = time.perf_counter()
            await s.send(frame_data, sample_rate=cfg["rate"])
            await s.recv()
            ts.append((time.perf_counter() - t) * 1e6)
        return ts

asyncio.run(stream_throughput(cfg["warmup"]))
out["stream_total_us"] = [asyncio.run(stream_throughput(cfg["frames"])) for _ in range(cfg["rounds"])]
asyncio.run(stream_round_trips(cfg["warmup"]))
out["stream_rtt_us"] = asyncio.run(stream_round_trips(cfg["n"]))
out["numpy"] = np is not None
print(json.dumps(out))
`;

export async function pythonCallerRows(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  // The seed's 3-node example: PassThrough -> Calculator(add 5) -> PassThrough, one JSON input.
  const unary = manifest(
    [
      { id: 'pass1', nodeType: 'PassThrough' },
      { id: 'calc', nodeType: 'Calculator', params: { operation: 'add', operand: 5 } },
      { id: 'pass2', nodeType: 'PassThrough' },
    ],
    [
      { from: 'pass1', to: 'calc' },
      { from: 'calc', to: 'pass2' },
    ],
  );
  // 20 ms of 48 kHz mono audio through three nodes.
  const stream = manifest(
    [
      { id: 'a', nodeType: 'PassThrough' },
      { id: 'b', nodeType: 'PassThrough' },
      { id: 'c', nodeType: 'PassThrough' },
    ],
    [
      { from: 'a', to: 'b' },
      { from: 'b', to: 'c' },
    ],
  );
  const samples = Array.from({ length: 960 }, (_, i) => Math.sin(i / 9));
  const cfg = { unary, stream, samples, rate: 48_000, warmup: 300, n: 2000, frames: 2000, rounds: 3 };

  // Python first, on its own (the bridge process is its own Node.js).
  const python = await new Promise<Record<string, number[] | number | boolean>>((resolve, reject) => {
    const child = spawn('python3', ['-c', CALLER, JSON.stringify(cfg)], {
      // The bridge runs the same build as this process: dist/ after `pnpm bench`'s build, else the sources.
      env: { ...process.env, PYTHONPATH: PYTHON_SDK, ...(existsSync(BRIDGE_JS) ? { REMOTEMEDIA_NODE_BRIDGE: BRIDGE_JS } : {}) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('exit', (code) =>
      code === 0 ? resolve(JSON.parse(stdout) as Record<string, number | boolean | number[]>) : reject(new Error(`Python caller exited with ${code}`)),
    );
  });

  // The same pipelines from TypeScript, in this process.
  const runner = createNodeRunner();
  const one: RuntimeData = { kind: 'json', value: 1 };
  await timeEach(0, () => runner.execute(unary, [one]), cfg.warmup);
  const tsUnary = await timeEach(cfg.n, () => runner.execute(unary, [one]));
  const frame: RuntimeData = { kind: 'audio', samples: Float32Array.from(samples), sampleRate: cfg.rate, channels: 1 };
  const throughput = async (frames: number) => {
    const s = await runner.stream(stream);
    const t = performance.now();
    const consume = (async () => {
      let got = 0;
      for await (const _ of s.outputs) got++;
      return got;
    })();
    for (let i = 0; i < frames; i++) await s.send(frame);
    await s.end();
    const got = await consume;
    if (got !== frames) throw new Error(`got ${got} outputs of ${frames}`);
    return (performance.now() - t) * 1000;
  };
  await throughput(cfg.warmup);
  const tsTotals: number[] = [];
  for (let r = 0; r < cfg.rounds; r++) tsTotals.push(await throughput(cfg.frames));
  const rttSession = await runner.stream(stream);
  await timeEach(0, () => roundTrip(rttSession, frame), cfg.warmup);
  const tsRtt = await timeEach(cfg.n, () => roundTrip(rttSession, frame));
  await rttSession.close();
  await runner.shutdown({ graceMs: 0 });

  const pyUnary = python.unary_sync_us as number[];
  const pyUnaryAsync = python.unary_async_us as number[];
  const perFrame = (totals: number[]) => median(totals) / cfg.frames;
  const py = perFrame(python.stream_total_us as number[]);
  const ts = perFrame(tsTotals);
  comparisons.push(
    compare('Python unary call, 3-node pipeline (PassThrough, Calculator, PassThrough), median', 'us', median(pyUnary), median(tsUnary), {
      baselineName: 'same pipeline, runner.execute from TypeScript',
    }),
  );
  comparisons.push(
    compare('same, async (await execute_pipeline_with_input), median', 'us', median(pyUnaryAsync), median(tsUnary), {
      baselineName: 'same pipeline, runner.execute from TypeScript',
    }),
  );
  comparisons.push(
    compare('Python streaming throughput, 20 ms 48 kHz frames through 3 nodes, time per frame', 'us', py, ts, {
      baselineName: 'same session fed from TypeScript',
    }),
  );
  comparisons.push(
    compare('Python streaming, one 20 ms frame send -> output round trip, median', 'us', median(python.stream_rtt_us as number[]), median(tsRtt), {
      baselineName: 'same from TypeScript',
    }),
  );
  measurements.push({ name: 'Python unary call p99', unit: 'us', value: percentile(pyUnary, 0.99) });
  measurements.push({ name: 'TypeScript unary call p99', unit: 'us', value: percentile(tsUnary, 0.99) });
  measurements.push({
    name: 'Python marshaling of one JSON input and output (frames, no I/O)',
    unit: 'us',
    value: python.marshal_us as number,
    note: 'the seed measured 2-10 us',
  });
  measurements.push({
    name: 'Python streaming throughput',
    unit: 'frames/s',
    value: 1e6 / py,
    note: `${(1e6 / py / 50).toFixed(0)}x real time; numpy ${python.numpy ? 'on' : 'off'}`,
  });
  measurements.push({ name: 'TypeScript streaming throughput', unit: 'frames/s', value: 1e6 / ts });
}
