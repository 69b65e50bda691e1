// The container column of `pnpm bench python`: the same Python node in a container (Podman or
// Docker, whichever runs here) vs in a process, in the same run; and what a container costs at
// session start, cold (a new container) and warm (a running container, a warm worker).
import { fileURLToPath } from 'node:url';
import type { RuntimeData, StreamSession } from '@remotemedia/runtime-core';
import { createNodeRunner } from '@remotemedia/runtime-core/node';
import { waitUntil } from '@remotemedia/test-support';
import { TEST_IMAGE, buildImages, findEngine } from '../packages/runtime-core/test/container/container-helpers.js';
import { compare, median, percentile, timeEach, type Comparison, type Measurement } from './report.js';

const FIXTURES = fileURLToPath(new URL('../packages/runtime-core/test/python/fixtures/test_nodes.py', import.meta.url));
const manifest = (executor: 'multiprocess' | 'container', modules = executor === 'container') =>
  ({
    version: 'v1',
    metadata: { name: `bench-${executor}` },
    nodes: [{ id: 'py', nodeType: 'PyPassThrough', executor }],
    // In the container the fixture module is in the image's site-packages (test_nodes); in a process, the runtime's modules.
    ...(modules ? { settings: { python: { modules: ['test_nodes'] } } } : {}),
  }) as never;

async function roundTrip(session: StreamSession, data: RuntimeData): Promise<void> {
  await session.send(data);
  if (!(await session.recv())) throw new Error('no output');
}

export async function containerRows(comparisons: Comparison[], measurements: Measurement[]): Promise<void> {
  const found = await findEngine();
  if (!found.engine) {
    console.warn(`python bench: container rows skipped, no container engine runs here: ${found.why}`);
    return;
  }
  buildImages(found.engine);
  const runner = createNodeRunner({ python: { modules: [FIXTURES], container: { images: [TEST_IMAGE], idleTimeoutMs: 600_000 } } });
  const proc = await runner.stream(manifest('multiprocess'));
  const cont = await runner.stream(manifest('container'));

  // 20 ms of 48 kHz mono audio, rounds interleaved so machine noise hits both alike.
  const frame: RuntimeData = { kind: 'audio', samples: new Float32Array(960).map((_, i) => Math.sin(i / 9)), sampleRate: 48_000, channels: 1 };
  await timeEach(0, () => roundTrip(proc, frame), 2000);
  await timeEach(0, () => roundTrip(cont, frame), 2000);
  const pa: number[] = [];
  const ca: number[] = [];
  for (let round = 0; round < 3; round++) {
    pa.push(...(await timeEach(2000, () => roundTrip(proc, frame), 200)));
    ca.push(...(await timeEach(2000, () => roundTrip(cont, frame), 200)));
  }
  comparisons.push(
    compare(`container (${found.engine.kind}): 20 ms audio frame round trip, median`, 'us', median(ca), median(pa), {
      baselineName: 'same node in a process (multiprocess)',
    }),
  );
  measurements.push({ name: 'container audio round trip p99', unit: 'us', value: percentile(ca, 0.99) });
  measurements.push({ name: 'process audio round trip p99 (same run)', unit: 'us', value: percentile(pa, 0.99) });

  // 1 MB tensors.
  const tensor: RuntimeData = { kind: 'tensor', bytes: new Uint8Array(1 << 20).map((_, i) => i & 255), shape: [512, 512], dtype: 'float32' };
  const pt: number[] = [];
  const ct: number[] = [];
  for (let round = 0; round < 4; round++) {
    pt.push(...(await timeEach(25, () => roundTrip(proc, tensor), 3)));
    ct.push(...(await timeEach(25, () => roundTrip(cont, tensor), 3)));
  }
  comparisons.push(
    compare(`container (${found.engine.kind}): 1 MB tensor round trip, median`, 'us', median(ct), median(pt), {
      baselineName: 'same node in a process (multiprocess)',
    }),
  );
  measurements.push({ name: '1 MB tensor throughput (container)', unit: 'MB/s', value: 1e6 / median(ct), note: 'each MB goes to Python and back' });
  await Promise.all([proc.close(), cont.close()]);

  // Session start + first answer: process cold start, a running container (new worker inside it),
  // a warm worker, and a cold container (started for the session, removed in between).
  const input: RuntimeData = { kind: 'json', value: 0 };
  const startAndEnd = async (r: typeof runner, executor: 'multiprocess' | 'container', modules?: boolean) => {
    const s = await r.stream(manifest(executor, modules));
    await roundTrip(s, input);
    await s.close();
  };
  const warm = createNodeRunner({ python: { container: { images: [TEST_IMAGE], modules: ['test_nodes'], warmWorkers: 1 } } });
  const cold = createNodeRunner({ python: { container: { images: [TEST_IMAGE], idleTimeoutMs: 1 } } });
  const procStarts: number[] = [];
  const runningStarts: number[] = [];
  const warmStarts: number[] = [];
  const coldStarts: number[] = [];
  for (let i = 0; i < 6; i++) {
    await waitUntil(() => warm.python.container!.warmWorkers === 1 && cold.python.container!.containerNames.length === 0, {
      what: 'a warm worker ready and the cold runner idle',
      timeoutMs: 60_000,
      intervalMs: 50,
      observe: () => ({ warmWorkers: warm.python.container!.warmWorkers, coldContainers: cold.python.container!.containerNames }),
    });
    await new Promise((r) => setTimeout(r, 300)); // the replacement and the removal settle
    procStarts.push(...(await timeEach(1, () => startAndEnd(runner, 'multiprocess'), 0)));
    runningStarts.push(...(await timeEach(1, () => startAndEnd(runner, 'container'), 0)));
    warmStarts.push(...(await timeEach(1, () => startAndEnd(warm, 'container', false), 0)));
    coldStarts.push(...(await timeEach(1, () => startAndEnd(cold, 'container'), 0)));
  }
  const ms = (v: number[]) => median(v) / 1000;
  comparisons.push(
    compare('container: session start + first answer, cold (new container)', 'ms', ms(coldStarts), ms(procStarts), {
      baselineName: 'process executor cold start',
    }),
  );
  comparisons.push(
    compare('container: session start + first answer, container running (new worker in it)', 'ms', ms(runningStarts), ms(procStarts), {
      baselineName: 'process executor cold start',
    }),
  );
  comparisons.push(
    compare('container: session start + first answer, warm worker (warmWorkers: 1)', 'ms', ms(warmStarts), ms(procStarts), {
      baselineName: 'process executor cold start',
    }),
  );
  await Promise.all([warm.shutdown({ graceMs: 0 }), cold.shutdown({ graceMs: 0 }), runner.shutdown({ graceMs: 0 })]);
}
