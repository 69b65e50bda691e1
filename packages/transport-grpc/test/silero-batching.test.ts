// Cross-session batched SileroVAD on a real gRPC server: results equal the unbatched model's, and a
// session that misbehaves (wrong rate, stops mid-batch, interrupted, cancelled) never stalls or
// changes the others.
import { readFileSync } from 'node:fs';
import { Code, type RuntimeData, audio, control, decodeWav } from '@remotemedia/runtime-core';
import {
  SILERO_VAD_16K_MODEL_PATH,
  SileroVadModel,
  createNodeRunner,
  createSileroVadNode,
  sharedSileroSession,
  sileroBatchStats,
} from '@remotemedia/runtime-core/node';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GrpcPipelineClient, createGrpcPipelineClient, createGrpcServer } from '../src/index.js';

const TOKEN = 'test-token-abcdefghijklmnop';
const CHUNK = 320; // 20 ms at 16 kHz
const CHUNKS = 150; // 3 s per session
const speech = decodeWav(new Uint8Array(readFileSync(new URL('../../../fixtures/audio/speech-16k-mono.wav', import.meta.url))));

/** Session k's audio: the fixture from a different offset and gain, so every row of a batch differs. */
function sessionAudio(k: number): Float32Array {
  const out = new Float32Array(CHUNK * CHUNKS);
  const offset = (k * 7919) % (speech.samples.length - out.length);
  const gain = 0.4 + 0.6 * ((k % 5) / 4);
  for (let i = 0; i < out.length; i++) out[i] = speech.samples[offset + i] * gain;
  return out;
}

/**
 * Per-chunk probability the unbatched shipped model gives (the last window scored by the end of each
 * chunk). The node runs the 16 kHz MatMul graph, so this also checks that graph against the original.
 */
async function reference(samples: Float32Array): Promise<number[]> {
  const { ort, session } = await sharedSileroSession();
  const model = new SileroVadModel(ort, session, 16000);
  const probs: number[] = [];
  let p = 0;
  let scored = 0;
  for (let c = 0; c < CHUNKS; c++) {
    const end = (c + 1) * CHUNK;
    while (scored + 512 <= end) {
      p = await model.score(samples.subarray(scored, scored + 512));
      scored += 512;
    }
    probs.push(p);
  }
  return probs;
}

const manifest = (nodeType: string) => ({ version: 'v1' as const, metadata: { name: 'vad' }, nodes: [{ id: 'vad', nodeType }] });
const probabilities = (outs: { data: RuntimeData }[]) =>
  outs
    .filter((o) => o.data.kind === 'json')
    .slice(0, CHUNKS)
    .map((o) => (o.data as unknown as { value: { probability: number } }).value.probability);

describe('SileroVAD cross-session batching on a real gRPC server', () => {
  let server: ReturnType<typeof createGrpcServer>;
  let client: GrpcPipelineClient;
  const refs = new Map<number, number[]>();
  const ref = async (k: number) => refs.get(k) ?? (refs.set(k, await reference(sessionAudio(k))), refs.get(k)!);

  beforeAll(async () => {
    // A long batching window makes batches form even when the machine is slow; a member that stops
    // sending delays a batch by at most this much.
    const batched = { ...createSileroVadNode({ batch: { maxWaitMs: 20, maxBatch: 64 } }), type: 'SileroVADBatched' };
    const solo = { ...createSileroVadNode({ batch: false }), type: 'SileroVADSolo' };
    server = createGrpcServer({
      pipeline: createNodeRunner({ nodes: [batched, solo] }),
      authTokens: [TOKEN],
      bindAddress: '127.0.0.1:0',
      logger: pino({ level: 'silent' }),
      shutdownGraceMs: 500,
      shutdownFlushMs: 500,
    });
    const { url } = await server.listen();
    client = createGrpcPipelineClient({ baseUrl: url, token: TOKEN });
  });
  afterAll(async () => {
    await client?.close();
    await server?.close();
  });

  /** Streams session k's audio, all chunks, and returns its outputs. `midway` runs after half of them. */
  async function stream(nodeType: string, k: number, midway?: (s: Awaited<ReturnType<GrpcPipelineClient['stream']>>) => Promise<void>) {
    const samples = sessionAudio(k);
    const session = await client.stream(manifest(nodeType));
    const outs: { data: RuntimeData }[] = [];
    const reading = (async () => {
      for await (const out of session.outputs) outs.push(out);
    })();
    for (let c = 0; c < CHUNKS; c++) {
      if (c === CHUNKS / 2 && midway) await midway(session);
      await session.send(audio(samples.slice(c * CHUNK, (c + 1) * CHUNK), 16_000));
    }
    await session.end();
    await reading;
    return outs;
  }

  const expectClose = (got: number[], want: number[]) => {
    expect(got).toHaveLength(want.length);
    let worst = 0;
    for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]));
    expect(worst).toBeLessThanOrEqual(1e-4);
  };

  it('gives every session the unbatched results within 1e-4 while sharing runs', async () => {
    const { session } = await sharedSileroSession(SILERO_VAD_16K_MODEL_PATH); // what the node runs at 16 kHz
    const before = sileroBatchStats(session).reduce((a, s) => a + s.stats.batches, 0);
    const results = await Promise.all(Array.from({ length: 8 }, (_, k) => stream('SileroVADBatched', k)));
    for (let k = 0; k < 8; k++) expectClose(probabilities(results[k]), await ref(k));
    const stats = sileroBatchStats(session).find((s) => s.key.startsWith('16000/20/'))!.stats;
    expect(stats.maxBatchSeen).toBeGreaterThan(1); // rows of different sessions shared a run
    expect(stats.batches).toBeGreaterThan(before);
    // The solo node type on the same server agrees too.
    expectClose(probabilities(await stream('SileroVADSolo', 3)), await ref(3));
  });

  it('a session at the wrong rate fails alone; the others keep their results', async () => {
    const wrong = (async () => {
      const s = await client.stream(manifest('SileroVADBatched'));
      const reading = (async () => {
        for await (const _ of s.outputs) void _;
      })();
      await s.send(audio(new Float32Array(960), 48_000)).catch(() => undefined);
      return reading.then(
        () => undefined,
        (e: unknown) => e,
      );
    })();
    const results = await Promise.all(Array.from({ length: 4 }, (_, k) => stream('SileroVADBatched', k + 10)));
    const error = (await wrong) as { code?: Code; message?: string };
    expect(error?.code).toBe(Code.InvalidArgument);
    expect(error?.message).toMatch(/16000 or 8000 Hz/);
    for (let k = 0; k < 4; k++) expectClose(probabilities(results[k]), await ref(k + 10));
  });

  it('a session that stops sending mid-stream, or is cancelled mid-batch, does not stall or change the others', async () => {
    const samples = sessionAudio(20);
    // Stops sending after a few windows and stays open (its rows are in the batches before it stops).
    const stalled = await client.stream(manifest('SileroVADBatched'));
    const stalledReading = (async () => {
      for await (const _ of stalled.outputs) void _;
    })().catch(() => undefined);
    for (let c = 0; c < 10; c++) await stalled.send(audio(samples.slice(c * CHUNK, (c + 1) * CHUNK), 16_000));
    // Cancelled while its windows are being batched with the others'.
    const cancelled = (async () => {
      const s = await client.stream(manifest('SileroVADBatched'));
      const reading = (async () => {
        for await (const _ of s.outputs) void _;
      })().catch(() => undefined);
      for (let c = 0; c < 40; c++) void s.send(audio(samples.slice(c * CHUNK, (c + 1) * CHUNK), 16_000)).catch(() => undefined);
      await s.close('client went away');
      await reading;
    })();
    const results = await Promise.all(Array.from({ length: 4 }, (_, k) => stream('SileroVADBatched', k + 30)));
    await cancelled;
    for (let k = 0; k < 4; k++) expectClose(probabilities(results[k]), await ref(k + 30));
    await stalled.close('done');
    await stalledReading;
  });

  it('an interrupted session does not change the others', async () => {
    const interrupted = stream('SileroVADBatched', 40, (s) => s.send(control({ type: 'interrupt', reason: 'barge-in' })));
    const results = await Promise.all(Array.from({ length: 4 }, (_, k) => stream('SileroVADBatched', k + 50)));
    const own = probabilities(await interrupted);
    expect(own.length).toBeGreaterThan(CHUNKS / 2); // it goes on after the interrupt
    for (let k = 0; k < 4; k++) expectClose(probabilities(results[k]), await ref(k + 50));
  });
});
