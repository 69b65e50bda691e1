import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import { type TransportData, audio, text } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { StreamPipelineRequestSchema, StreamPipelineResponseSchema, decodeAudioData, encodeAudioResult, fromDataChunk, toDataChunk } from '../src/index.js';

// protobuf-es is the reference: the hand-written codec must agree with it on every value it takes.
const samples = (n: number, seed: number) => new Float32Array(n).map((_, i) => Math.sin(i * seed) * (i % 7 === 0 ? 1e30 : 0.5));
const cases: [string, TransportData][] = [
  ['plain 20 ms chunk', { data: audio(samples(320, 0.1), 16_000), metadata: {} }],
  ['stereo with sequence', { data: audio(samples(1920, 0.3), 48_000, 2), metadata: {}, sequence: 12_345 }],
  ['empty samples', { data: audio(new Float32Array(0), 8000), metadata: {} }],
  [
    'timestamp, stream id, metadata (unicode)',
    {
      data: audio(samples(16, 0.7), 44_100, 1, { timestampUs: 1_700_000_000_000_000 / 1000, streamId: 'mic-é🎙' }),
      metadata: { speaker: 'Zoë', '': 'empty key', k: '' },
      sequence: 0,
    },
  ],
  ['special floats', { data: audio(new Float32Array([Number.NaN, -0, Infinity, -Infinity, 1.5e-45]), 16_000), metadata: {} }],
];

describe('hand-written audio chunk codec', () => {
  it.each(cases)('encodeAudioResult matches protobuf-es: %s', (_name, value) => {
    const bytes = encodeAudioResult(value, 5)!;
    expect(bytes).toBeDefined();
    const decoded = fromBinary(StreamPipelineResponseSchema, bytes.subarray(5));
    expect(decoded.response.case).toBe('result');
    const reference = toBinary(StreamPipelineResponseSchema, create(StreamPipelineResponseSchema, { response: { case: 'result', value: toDataChunk(value) } }));
    expect(bytes.subarray(5)).toEqual(reference); // byte for byte, empty metadata keys and values included
    const back = fromDataChunk(decoded.response.value as never);
    const bytesOf = (f: Float32Array) => Buffer.from(f.buffer, f.byteOffset, f.byteLength);
    expect(bytesOf((back.data as { samples: Float32Array }).samples)).toEqual(bytesOf((value.data as { samples: Float32Array }).samples));
    expect({ ...back, data: { ...back.data, samples: null } }).toEqual({ ...value, data: { ...value.data, samples: null } });
  });

  it.each(cases)('decodeAudioData matches protobuf-es: %s', (_name, value) => {
    const bytes = toBinary(
      StreamPipelineRequestSchema,
      create(StreamPipelineRequestSchema, { request: { case: 'data', value: toDataChunk(value, 'node-7') } }),
    );
    const fast = decodeAudioData(bytes)!;
    expect(fast).toBeDefined();
    const reference = fromBinary(StreamPipelineRequestSchema, bytes).request.value as never;
    expect(fast.input).toEqual(fromDataChunk(reference));
    expect(fast.nodeId).toBe('node-7');
  });

  it('decoded samples own their memory (the receive buffer is reused)', () => {
    const bytes = toBinary(
      StreamPipelineRequestSchema,
      create(StreamPipelineRequestSchema, { request: { case: 'data', value: toDataChunk(audio(new Float32Array([0.25, 0.5]), 16_000)) } }),
    );
    const fast = decodeAudioData(bytes)!;
    bytes.fill(0);
    expect([...(fast.input.data as { samples: Float32Array }).samples]).toEqual([0.25, 0.5]);
  });

  it('leaves everything else to protobuf-es (returns undefined)', () => {
    expect(encodeAudioResult({ data: text('hi'), metadata: {} })).toBeUndefined();
    expect(encodeAudioResult({ data: audio(new Float32Array(2), 16_000, 1, { timestampUs: -5 }), metadata: {} })).toBeUndefined();
    expect(encodeAudioResult({ data: audio(new Float32Array(2), 16_000), metadata: {}, sequence: 2 ** 60 })).toBeUndefined();
    expect(encodeAudioResult({ data: audio(new Float32Array(2), 2 ** 32), metadata: {} })).toBeUndefined();
    const encode = (value: object) => toBinary(StreamPipelineRequestSchema, create(StreamPipelineRequestSchema, value));
    expect(decodeAudioData(encode({ request: { case: 'data', value: toDataChunk(text('hi')) } }))).toBeUndefined();
    expect(decodeAudioData(encode({ request: { case: 'end', value: {} } }))).toBeUndefined();
    expect(
      decodeAudioData(encode({ request: { case: 'data', value: toDataChunk(audio(new Float32Array(2), 16_000, 1, { timestampUs: 2 ** 60 })) } })),
    ).toBeUndefined();
    // Invalid values (channels 0, odd byte count) go to the slow path, which names the field in its error.
    expect(
      decodeAudioData(
        encode({
          request: { case: 'data', value: { data: { data: { case: 'audio', value: { samples: new Uint8Array(8), sampleRate: 16_000, channels: 0 } } } } },
        }),
      ),
    ).toBeUndefined();
    expect(
      decodeAudioData(
        encode({
          request: { case: 'data', value: { data: { data: { case: 'audio', value: { samples: new Uint8Array(6), sampleRate: 16_000, channels: 1 } } } } },
        }),
      ),
    ).toBeUndefined();
    // Truncated or garbage bytes never throw here.
    const good = encode({ request: { case: 'data', value: toDataChunk(audio(new Float32Array(4), 16_000)) } });
    for (let cut = 0; cut < good.length; cut++) expect(decodeAudioData(good.subarray(0, cut))).toBeUndefined();
    expect(decodeAudioData(new Uint8Array([0x12, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBeUndefined();
  });
});
