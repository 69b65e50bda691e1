import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { CONTROL_TYPES, Code, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS, type RuntimeData } from '@remotemedia/runtime-core';
import { PYTHON_SDK_DIR } from '@remotemedia/runtime-core/node';
// The Python IPC frame codec is internal to the Python bridge (no public entry exports it).
import { FRAME_TYPES, FrameDecoder, dataFrame, decodeDataFrame, frameJson, jsonFrame } from '../../src/nodejs/multiprocess/frame-codec.js';
import { sampleOfEveryKind } from '@remotemedia/runtime-core/testing';

describe('IPC frame codec', () => {
  it('decodes every RuntimeData kind it encodes, even when frames arrive split byte by byte', () => {
    const samples = Object.values(sampleOfEveryKind());
    const stream = Buffer.concat(samples.flatMap((d, i) => dataFrame(FRAME_TYPES.OUTPUT, i + 1, d, { trace: `t${i}` })));
    const decoder = new FrameDecoder();
    const frames = [];
    for (let i = 0; i < stream.length; i += 7) frames.push(...decoder.push(stream.subarray(i, i + 7)));
    expect(frames.map((f) => f.requestId)).toEqual(samples.map((_, i) => i + 1));
    frames.forEach((f, i) => {
      const { data, metadata } = decodeDataFrame(f);
      expect(data).toEqual(samples[i]);
      expect(metadata).toEqual({ trace: `t${i}` });
    });
  });

  it('keeps payloads of big frames intact and 8-byte aligned', () => {
    const bytes = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 255);
    const tensor: RuntimeData = { kind: 'tensor', bytes, shape: [256, 1024], dtype: 'float32' };
    const [head, payload] = dataFrame(FRAME_TYPES.PROCESS, 9, tensor);
    expect(payload).toBeDefined(); // big payloads are written as views, not copied into the head
    const decoder = new FrameDecoder();
    const whole = Buffer.concat([head, payload]);
    const frames = [...decoder.push(whole.subarray(0, 65536)), ...decoder.push(whole.subarray(65536))];
    expect(frames).toHaveLength(1);
    expect(head.length % 8).toBe(0);
    const out = decodeDataFrame(frames[0]).data as Extract<RuntimeData, { kind: 'tensor' }>;
    expect({ shape: out.shape, dtype: out.dtype }).toEqual({ shape: tensor.shape, dtype: tensor.dtype });
    expect(Buffer.compare(out.bytes, bytes)).toBe(0);
  });

  it('reassembles big frames filled in place, mixed with small ones, whatever the chunk boundaries', () => {
    const tensor = (n: number, seed: number): RuntimeData => ({
      kind: 'tensor',
      bytes: new Uint8Array(n).map((_, i) => (i * seed) & 255),
      shape: [n],
      dtype: 'uint8',
    });
    const items: RuntimeData[] = [
      tensor(200_000, 3),
      { kind: 'json', value: { a: 1 } },
      tensor(70_000, 5),
      tensor(65_536, 7),
      { kind: 'text', text: 'x' },
      tensor(1 << 20, 11),
    ];
    const stream = Buffer.concat(items.flatMap((d, i) => dataFrame(FRAME_TYPES.OUTPUT, i + 1, d)));
    for (const sizes of [[65_536], [3, 65_536, 1], [70_001, 5], [stream.length]]) {
      const decoder = new FrameDecoder();
      const frames = [];
      for (let pos = 0, i = 0; pos < stream.length; i++) {
        const n = sizes[i % sizes.length];
        frames.push(...decoder.push(Buffer.from(stream.subarray(pos, pos + n)))); // fresh chunks, like a socket's
        pos += n;
      }
      expect(frames.map((f) => f.requestId)).toEqual(items.map((_, i) => i + 1));
      // Tensor bytes compared as buffers: a deep toEqual of 1 MiB typed arrays took ~20 s.
      const flat = (d: RuntimeData) =>
        d.kind === 'tensor' ? { ...d, bytes: Buffer.from(d.bytes.buffer, d.bytes.byteOffset, d.bytes.byteLength).toString('base64') } : d;
      expect(frames.map((f) => flat(decodeDataFrame(f).data))).toEqual(items.map(flat));
    }
  });

  it('round-trips control-plane JSON frames', () => {
    const frame = new FrameDecoder().push(jsonFrame(FRAME_TYPES.ERROR, 3, { message: 'x', code: 'internal' }))[0];
    expect(frame.type).toBe(FRAME_TYPES.ERROR);
    expect(frameJson(frame)).toEqual({ message: 'x', code: 'internal' });
    expect(frameJson(new FrameDecoder().push(jsonFrame(FRAME_TYPES.DONE, 3))[0])).toBeUndefined();
  });

  it('rejects a frame with an impossible length', () => {
    const bad = Buffer.alloc(12);
    bad.writeUInt32LE(2, 0);
    expect(() => new FrameDecoder().push(bad)).toThrow(/IPC protocol error: bad frame length 2/);
  });

  for (const numpy of [true, false]) {
    it(`Python decodes and re-encodes every kind, control included, losslessly (numpy ${numpy ? 'installed' : 'absent'})`, () => {
      const samples = Object.values(sampleOfEveryKind());
      const input = Buffer.concat(samples.flatMap((d, i) => dataFrame(FRAME_TYPES.PROCESS, i + 1, d, { n: String(i) })));
      const script = [
        'import sys',
        numpy ? 'import numpy' : "sys.modules['numpy'] = None  # import numpy now raises ImportError",
        'from remotemedia import protocol as p, data',
        'out = []',
        'for ftype, kind, rid, frame in p.FrameReader().feed(sys.stdin.buffer.read()):',
        '    item, meta = p.decode_data(kind, frame)',
        '    if item.kind == "audio": assert type(item.samples).__module__ == ("numpy" if data.numpy_or_none() else "array")',
        '    out += [bytes(b) for b in p.data_frame(p.OUTPUT, rid, item, meta)]',
        'sys.stdout.buffer.write(b"".join(out))',
      ].join('\n');
      const echoed = execFileSync('python3', ['-c', script], { input, env: { ...process.env, PYTHONPATH: PYTHON_SDK_DIR } });
      const frames = new FrameDecoder().push(echoed);
      expect(frames.map((f) => decodeDataFrame(f))).toEqual(samples.map((data, i) => ({ data, metadata: { n: String(i) } })));
    });
  }

  it('a length field over maxFrameBytes throws DataLoss at once, without waiting for (or allocating) the frame', () => {
    const decoder = new FrameDecoder(1 << 20);
    expect(decoder.push(jsonFrame(FRAME_TYPES.DONE, 1))).toHaveLength(1);
    const bogus = Buffer.concat([Buffer.from([0xff, 0xff, 0xff, 0x7f]), Buffer.from('junk'.repeat(16))]);
    expect(() => decoder.push(bogus)).toThrow(/frame length 2147483647 bytes is over the limit maxFrameBytes=1048576/);
    // Split before the length field is whole: caught as soon as it is.
    const split = new FrameDecoder(1 << 20);
    expect(split.push(bogus.subarray(0, 2))).toEqual([]);
    expect(() => split.push(bogus.subarray(2))).toThrow(expect.objectContaining({ code: Code.DataLoss, reason: 'IpcProtocol' }));
  });

  it('the Python SDK uses the canonical enum numbers and frame types', () => {
    const script = 'import json; from remotemedia import enums, protocol; print(json.dumps({"tables": enums.ALL_TABLES, "frames": protocol.FRAME_TYPES}))';
    const out = JSON.parse(execFileSync('python3', ['-c', script], { env: { ...process.env, PYTHONPATH: PYTHON_SDK_DIR }, encoding: 'utf8' })) as {
      tables: Record<string, Record<string, number>>;
      frames: Record<string, number>;
    };
    expect(out.tables).toEqual({ PIXEL_FORMATS, VIDEO_CODECS, IMAGE_FORMATS, TENSOR_DTYPES, CONTROL_TYPES, DATA_KINDS });
    expect(out.frames).toEqual(FRAME_TYPES);
  });
});
