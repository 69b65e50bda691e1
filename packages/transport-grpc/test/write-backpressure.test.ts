// The native path writes the messages of one tick as one HTTP/2 write (a chunk and its event go
// out together). A client that stops reading must still hold the server back: the server stops
// taking its input instead of buffering outputs without bound, and once the client reads again,
// every output arrives, in order. Real server on loopback, raw node:http2 client.
import http2 from 'node:http2';
import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { StreamPipelineRequestSchema, StreamPipelineResponseSchema, fromDataChunk, toDataChunk } from '@remotemedia/protocol';
import { type AudioData, audio } from '@remotemedia/runtime-core';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeGrpcFrame } from '../src/grpc-framing.js';
import { TOKEN, startServer } from './helpers.js';

const STREAM = '/remotemedia.v1.StreamingPipelineService/StreamPipeline';
const request = (value: Parameters<typeof create<typeof StreamPipelineRequestSchema>>[1]) =>
  encodeGrpcFrame(toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, value)));

const cleanups: Array<() => unknown> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('native gRPC stream writes', () => {
  it('a client that stops reading holds the server back; when it reads again every output arrives in order', async () => {
    const ctx = await startServer();
    cleanups.push(() => ctx.server.close());
    const session = http2.connect(ctx.url);
    cleanups.push(() => session.close());
    const req = session.request({
      ':method': 'POST',
      ':path': STREAM,
      'content-type': 'application/grpc',
      te: 'trailers',
      authorization: `Bearer ${TOKEN}`,
    });
    req.pause(); // read nothing yet
    const manifest = { version: 'v1', metadata: { name: 'twice' }, nodes: [{ id: 'r', nodeType: 'Repeat', params: { times: 2 } }] };
    req.write(request({ request: { case: 'init', value: { manifest: JSON.stringify(manifest) } } }));
    // 64 KiB of audio per input, two outputs per input: 128 MiB if the server buffered it all. Queues, HTTP/2
    // windows and socket buffers hold ~200 inputs (measured); the rest must wait for the client to read.
    const INPUTS = 1000;
    const samples = 16_384;
    let accepted = 0;
    let stopped = false;
    const writer = (async () => {
      for (let i = 0; i < INPUTS && !stopped; i++) {
        const chunk = audio(new Float32Array(samples).fill(i / INPUTS), 16_000);
        const ok = req.write(request({ request: { case: 'data', value: toDataChunk(chunk) } }), () => accepted++);
        if (!ok) await new Promise((r) => req.once('drain', r));
      }
      if (!stopped) req.end();
    })();
    for (let i = 0; i < 500 && accepted <= 4; i++) await new Promise((r) => setTimeout(r, 20)); // bounded: 10 s
    expect(accepted).toBeGreaterThan(4);
    await new Promise((r) => setTimeout(r, 1500)); // kept: "nothing more is taken for a while" is the assertion
    const taken = accepted;
    expect(taken).toBeLessThan(INPUTS / 2);

    const values: number[] = [];
    let buffered = Buffer.alloc(0);
    req.on('data', (data: Buffer) => {
      buffered = Buffer.concat([buffered, data]);
      while (buffered.length >= 5 && buffered.length >= 5 + buffered.readUInt32BE(1)) {
        const length = buffered.readUInt32BE(1);
        const message = fromBinary(StreamPipelineResponseSchema, buffered.subarray(5, 5 + length));
        buffered = buffered.subarray(5 + length);
        if (message.response.case === 'result') {
          const result = fromDataChunk(message.response.value, 'result');
          values.push(Math.round((result.data as AudioData).samples[0] * INPUTS));
        }
      }
    });
    const ended = new Promise<void>((resolve, reject) => {
      req.once('end', resolve);
      req.once('error', reject);
    });
    req.resume();
    await writer;
    stopped = true;
    await ended;
    expect(values).toEqual(Array.from({ length: INPUTS }, (_, i) => [i, i]).flat());
  }, 60_000);
});
