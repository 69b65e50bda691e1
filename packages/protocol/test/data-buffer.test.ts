import { create, toBinary } from '@bufbuild/protobuf';
import { Code, RemoteMediaError, type RuntimeData, type TensorData, audio, binary, control, json, text } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import {
  type ControlType,
  DataBufferSchema,
  type ImageFormat,
  type PixelFormat,
  DataChunkSchema,
  decodeDataBuffer,
  encodeDataBuffer,
  fromDataBuffer,
  fromDataChunk,
  toDataBuffer,
  toDataChunk,
} from '../src/index.js';

const roundTrip = (data: RuntimeData) => decodeDataBuffer(encodeDataBuffer(data));

const samples: Record<string, RuntimeData> = {
  audio: audio(new Float32Array([0, 0.5, -1, 1, 0.25, -0.125]), 48_000, 2, { timestampUs: 1_700_000_000_000_000, streamId: 'mic' }),
  'audio (mono, no extras)': audio(new Float32Array([0.1, 0.2, 0.3]), 16_000),
  'audio (empty)': audio(new Float32Array(0), 16_000),
  video: {
    kind: 'video',
    pixels: new Uint8Array([1, 2, 3, 4, 5, 6]),
    width: 2,
    height: 1,
    pixelFormat: 'rgb24',
    codec: 'raw',
    frameNumber: 42,
    timestampUs: 33_333,
    keyframe: false,
    streamId: 'cam',
  },
  'video (minimal)': { kind: 'video', pixels: new Uint8Array(0), width: 0, height: 0, pixelFormat: 'encoded' },
  image: { kind: 'image', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), format: 'png', width: 1, height: 1 },
  tensor: { kind: 'tensor', bytes: new Uint8Array(new Float64Array([1.5, -2, 3]).buffer), shape: [3], dtype: 'float64' },
  'tensor (scalar)': { kind: 'tensor', bytes: new Uint8Array([7]), shape: [], dtype: 'uint8' },
  json: json({ a: [1, 2.5, null, true, 'x'], nested: { deep: { ok: false } }, unicode: 'héllo 🌍' }),
  'json (null)': json(null),
  text: text('hello', 'transcript'),
  'text (unicode, no channel)': text('日本語 — ünïcödé 🎙️ \u0000 end'),
  'text (empty)': text(''),
  binary: binary(new Uint8Array([0, 255, 128]), 'application/octet-stream'),
  'binary (no mime)': binary(new Uint8Array(0)),
  control: control({ type: 'deadline', targetNodeIds: ['a', 'b'], deadlineUs: 1_700_000_000_123_456, reason: 'slo' }),
  'control (batch hint)': control({ type: 'batch_hint', batchSize: 8 }),
  'control (interrupt)': control({ type: 'interrupt' }),
};

describe('DataBuffer mapping', () => {
  for (const [name, data] of Object.entries(samples)) {
    it(`round-trips ${name} losslessly`, () => {
      expect(roundTrip(data)).toStrictEqual(data);
    });
  }

  it('keeps NaN payloads, infinities and -0 bit for bit', () => {
    const raw = new Uint32Array([0x7fc00001, 0xffc12345, 0x7f800000, 0xff800000, 0x80000000, 0x00000001]);
    const s = new Float32Array(raw.buffer);
    const out = roundTrip(audio(s, 16_000)) as { samples: Float32Array };
    expect([...new Uint32Array(out.samples.buffer, out.samples.byteOffset, out.samples.length)]).toEqual([...raw]);
  });

  it('carries audio as raw float32 little-endian bytes, not repeated floats', () => {
    const s = new Float32Array([1, -1]);
    const msg = toDataBuffer(audio(s, 16_000));
    expect(msg.data.case).toBe('audio');
    const bytes = (msg.data.value as { samples: Uint8Array }).samples;
    expect(bytes.byteLength).toBe(8);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    expect([view.getFloat32(0, true), view.getFloat32(4, true)]).toEqual([1, -1]);
  });

  it('round-trips a big tensor (8 MiB) and audio of one minute', () => {
    // Compared as bytes: deep equality of multi-megabyte typed arrays is slow in the matcher.
    const same = (a: ArrayBufferView, b: ArrayBufferView) =>
      Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    const t = new Float32Array(2 * 1024 * 1024).map((_, i) => Math.sin(i));
    const tensor: TensorData = { kind: 'tensor', bytes: new Uint8Array(t.buffer), shape: [1024, 2048], dtype: 'float32' };
    const tensorOut = roundTrip(tensor) as typeof tensor;
    expect({ ...tensorOut, bytes: undefined }).toEqual({ ...tensor, bytes: undefined });
    expect(same(tensorOut.bytes, tensor.bytes)).toBe(true);
    const a = audio(
      new Float32Array(16_000 * 60).map((_, i) => Math.cos(i) * 0.5),
      16_000,
    );
    const audioOut = roundTrip(a) as typeof a;
    expect(audioOut.samples).toBeInstanceOf(Float32Array);
    expect(audioOut.samples.length).toBe(a.samples.length);
    expect(same(audioOut.samples, a.samples)).toBe(true);
  });

  it('decodes from an unaligned buffer and does not alias the input bytes', () => {
    const bytes = encodeDataBuffer(audio(new Float32Array([0.5, 0.25]), 8000));
    const shifted = new Uint8Array(bytes.length + 3);
    shifted.set(bytes, 3);
    const out = decodeDataBuffer(shifted.subarray(3)) as { samples: Float32Array };
    expect([...out.samples]).toEqual([0.5, 0.25]);
    shifted.fill(0);
    expect([...out.samples]).toEqual([0.5, 0.25]);
  });

  it('decodes from a Node.js Buffer into plain, unaliased arrays', () => {
    const data = binary(new Uint8Array([1, 2, 3]), 'x/y');
    const a = audio(new Float32Array([0.5, -0.5]), 8000);
    for (const value of [data, a]) {
      const buf = Buffer.concat([Buffer.from([9, 9, 9]), Buffer.from(encodeDataBuffer(value))]).subarray(3);
      const out = decodeDataBuffer(buf);
      buf.fill(0);
      expect(out).toStrictEqual(value);
      const payload = out.kind === 'binary' ? out.bytes : (out as { samples: Float32Array }).samples;
      expect(Buffer.isBuffer(payload)).toBe(false);
    }
  });

  it('rejects malformed bytes with InvalidArgument', () => {
    const attempt = () => decodeDataBuffer(new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]));
    expect(attempt).toThrow(RemoteMediaError);
    try {
      attempt();
    } catch (e) {
      expect((e as RemoteMediaError).code).toBe(Code.InvalidArgument);
      expect((e as RemoteMediaError).message).toMatch(/malformed DataBuffer/);
    }
  });

  it('rejects an empty DataBuffer, odd audio byte lengths, unknown enums, tensor size mismatch and bad JSON, naming the field', () => {
    const cases: [Uint8Array, RegExp][] = [
      [new Uint8Array(0), /carries no data/],
      [
        toBinary(
          DataBufferSchema,
          create(DataBufferSchema, { data: { case: 'audio', value: { samples: new Uint8Array(5), sampleRate: 16000, channels: 1 } } }),
        ),
        /audio\.samples: byte length 5/,
      ],
      [
        toBinary(
          DataBufferSchema,
          create(DataBufferSchema, { data: { case: 'audio', value: { samples: new Uint8Array(4), sampleRate: 16000, channels: 0 } } }),
        ),
        /audio\.channels/,
      ],
      [
        toBinary(DataBufferSchema, create(DataBufferSchema, { data: { case: 'video', value: { pixelFormat: 99 as PixelFormat } } })),
        /video\.pixel_format: unknown pixel format 99/,
      ],
      [toBinary(DataBufferSchema, create(DataBufferSchema, { data: { case: 'image', value: { format: 42 as ImageFormat } } })), /image\.format/],
      [toBinary(DataBufferSchema, create(DataBufferSchema, { data: { case: 'control', value: { type: 7 as ControlType } } })), /control\.type/],
      [
        toBinary(DataBufferSchema, create(DataBufferSchema, { data: { case: 'tensor', value: { data: new Uint8Array(3), shape: [2n], dtype: 1 } } })),
        /tensor\.data: has 3 bytes but shape \[2\] of float32 needs 8/,
      ],
      [toBinary(DataBufferSchema, create(DataBufferSchema, { data: { case: 'json', value: { json: '{not json' } } })), /json\.json: is not valid JSON/],
    ];
    for (const [bytes, message] of cases) {
      let error: unknown;
      try {
        decodeDataBuffer(bytes);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).toBeInstanceOf(RemoteMediaError);
      expect((error as RemoteMediaError).code).toBe(Code.InvalidArgument);
      expect((error as RemoteMediaError).message).toMatch(message);
      // The detail names the same field the message starts with.
      expect((error as RemoteMediaError).details[0]?.path).toBe((error as RemoteMediaError).rawMessage.split(': ')[0]);
    }
  });

  it('maps TransportData with sequence, metadata and node address through DataChunk', () => {
    const chunk = toDataChunk({ data: text('hi'), sequence: 7, metadata: { lang: 'en' } }, 'asr');
    const decoded = fromDataChunk(create(DataChunkSchema, chunk));
    expect(decoded).toStrictEqual({ data: text('hi'), sequence: 7, metadata: { lang: 'en' } });
    expect(chunk.nodeId).toBe('asr');
    expect(fromDataChunk(toDataChunk(text('x')))).toStrictEqual({ data: text('x'), metadata: {} });
    expect(() => fromDataChunk(create(DataChunkSchema, {}), 'inputs[2]')).toThrow(/inputs\[2\]\.data: missing/);
  });

  it('fromDataBuffer prefixes paths', () => {
    expect(() => fromDataBuffer(create(DataBufferSchema, {}), 'inputs[4].data')).toThrow(/inputs\[4\]\.data: DataBuffer carries no data/);
  });
});
