import { describe, expect, it } from 'vitest';
import { Code, RemoteMediaError, type RuntimeData } from '@remotemedia/runtime-core';
import {
  base64ToBytes,
  bytesToBase64,
  runtimeDataFromJson,
  runtimeDataToJson,
  transportDataFromJson,
  transportDataListFromJson,
  transportDataToJson,
  validateRuntimeData,
} from '@remotemedia/runtime-core/kit';

const samples: RuntimeData[] = [
  { kind: 'audio', samples: new Float32Array([0, 0.5, -1, 1, 0.25, -0.125]), sampleRate: 16000, channels: 2, timestampUs: 1234, streamId: 'mic' },
  {
    kind: 'video',
    pixels: new Uint8Array(2 * 2 * 3).map((_, i) => i * 7),
    width: 2,
    height: 2,
    pixelFormat: 'rgb24',
    codec: 'raw',
    frameNumber: 3,
    keyframe: true,
  },
  { kind: 'image', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47]), format: 'png', width: 1, height: 1 },
  { kind: 'tensor', bytes: new Uint8Array(new Float32Array([1, 2, 3, 4, 5, 6]).buffer), shape: [2, 3], dtype: 'float32' },
  { kind: 'json', value: { a: [1, 'two', null, true], b: { c: 1.5 } } },
  { kind: 'text', text: 'héllo 🌍', channel: 'transcript' },
  { kind: 'binary', bytes: new Uint8Array(256).map((_, i) => i), mimeType: 'application/x-test' },
  { kind: 'control', control: { type: 'interrupt', targetNodeIds: ['a'], reason: 'barge-in' } },
];

function errorOf(fn: () => unknown): RemoteMediaError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(RemoteMediaError);
    return error as RemoteMediaError;
  }
  throw new Error('expected a throw');
}

describe('runtime-data-json', () => {
  it.each(samples.map((s) => [s.kind, s] as const))('round-trips %s losslessly through JSON text', (_kind, data) => {
    const text = JSON.stringify(runtimeDataToJson(data));
    const back = runtimeDataFromJson(JSON.parse(text));
    expect(back).toEqual(data);
    expect(validateRuntimeData(back)).toEqual([]);
  });

  it('encodes binary payloads as standard base64', () => {
    const json = runtimeDataToJson({ kind: 'binary', bytes: new TextEncoder().encode('hello!?') }) as { bytes: string };
    expect(json.bytes).toBe(btoa('hello!?'));
    const audio = runtimeDataToJson({ kind: 'audio', samples: new Float32Array([1]), sampleRate: 8000, channels: 1 }) as { samples: string };
    expect(Array.from(atob(audio.samples), (c) => c.charCodeAt(0))).toEqual([0, 0, 0x80, 0x3f]); // 1.0f little-endian
  });

  it('base64 codec agrees with btoa/atob for every length and rejects junk', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 97 + n) & 0xff);
      const expected = btoa(String.fromCharCode(...bytes));
      expect(bytesToBase64(bytes)).toBe(expected);
      expect(base64ToBytes(expected)).toEqual(bytes);
      expect(base64ToBytes(expected.replace(/=+$/, ''))).toEqual(bytes);
    }
    expect(base64ToBytes('-_8')).toEqual(base64ToBytes('+/8='));
    for (const bad of ['a', 'ab$c', 'abc==', 'é', 'ab=c', '====']) expect(base64ToBytes(bad), bad).toBeUndefined();
  });

  it('names the path of a bad payload', () => {
    const e = errorOf(() => runtimeDataFromJson({ kind: 'audio', samples: 42, sampleRate: 16000, channels: 1 }, 'inputs[2].data'));
    expect(e.code).toBe(Code.InvalidArgument);
    expect(e.rawMessage).toContain('inputs[2].data.samples: expected base64 string');
    expect(e.details).toEqual([{ path: 'inputs[2].data.samples', message: 'expected base64 string' }]);
  });

  it('lists every problem of one item', () => {
    const e = errorOf(() => runtimeDataFromJson({ kind: 'video', pixels: '!!', width: -1, pixelFormat: 'rgb48' }));
    expect(e.details.map((d) => d.path).sort()).toEqual(['data.height', 'data.pixelFormat', 'data.pixels', 'data.width']);
    expect(e.details.find((d) => d.path === 'data.pixelFormat')!.message).toContain('rgb24');
  });

  it('rejects unknown kinds, non-objects, and non-JSON values', () => {
    expect(errorOf(() => runtimeDataFromJson({ kind: 'smell' })).details[0]).toMatchObject({ path: 'data.kind' });
    expect(errorOf(() => runtimeDataFromJson('text')).details[0]).toMatchObject({ path: 'data', message: expect.stringContaining('object') });
    expect(errorOf(() => runtimeDataFromJson({ kind: 'json' })).details[0]).toMatchObject({ path: 'data.value', message: 'required' });
    for (const value of [{ a: [1, Number.NaN] }, { a: { b: Number.POSITIVE_INFINITY } }, [() => 1], { f: undefined }]) {
      expect(errorOf(() => runtimeDataFromJson({ kind: 'json', value })).details[0], JSON.stringify(value)).toMatchObject({
        path: 'data.value',
        message: 'expected a JSON value',
      });
    }
    expect(runtimeDataFromJson({ kind: 'json', value: { a: [1, { b: null, c: 'x', d: false }] } })).toEqual({
      kind: 'json',
      value: { a: [1, { b: null, c: 'x', d: false }] },
    });
    expect(errorOf(() => runtimeDataFromJson({ kind: 'control', control: { type: 'explode' } })).details[0]).toMatchObject({ path: 'data.control.type' });
    expect(errorOf(() => runtimeDataFromJson({ kind: 'audio', samples: 'AAA=', sampleRate: 1, channels: 1 })).details[0].message).toContain('multiple of 4');
  });

  it('transport data keeps metadata and sequence, and accepts bare RuntimeData', () => {
    const item = { data: samples[5], metadata: { k: 'v' }, sequence: 7 };
    expect(transportDataFromJson(JSON.parse(JSON.stringify(transportDataToJson(item))))).toEqual(item);
    expect(transportDataFromJson({ kind: 'text', text: 'x' })).toEqual({ data: { kind: 'text', text: 'x' }, metadata: {} });
    const e = errorOf(() => transportDataFromJson({ data: { kind: 'text', text: 'x' }, metadata: { n: 1 }, sequence: -1 }));
    expect(e.details.map((d) => d.path).sort()).toEqual(['input.metadata.n', 'input.sequence']);
  });

  it('a list collects structural and semantic problems of every element', () => {
    const e = errorOf(() =>
      transportDataListFromJson([
        { kind: 'text', text: 'ok' },
        { kind: 'text', text: 5 },
        { data: { kind: 'tensor', bytes: 'AAAA', shape: [2, 2], dtype: 'float32' } },
        { kind: 'audio', samples: bytesToBase64(new Uint8Array(12)), sampleRate: 16000, channels: 2 },
      ]),
    );
    expect(e.details.map((d) => d.path)).toEqual(['inputs[1].text', 'inputs[2].data.bytes', 'inputs[3].samples']);
    expect(errorOf(() => transportDataListFromJson({})).details[0]).toEqual({ path: 'inputs', message: 'expected an array' });
  });

  it('validateRuntimeData checks the invariants types cannot', () => {
    const paths = (d: RuntimeData) => validateRuntimeData(d).map((i) => i.path);
    expect(paths({ kind: 'audio', samples: new Float32Array(3), sampleRate: 16000, channels: 2 })).toEqual(['samples']);
    expect(paths({ kind: 'audio', samples: new Float32Array(2), sampleRate: 0, channels: 0 })).toEqual(['sampleRate', 'channels']);
    expect(paths({ kind: 'tensor', bytes: new Uint8Array(8), shape: [2, 2], dtype: 'int16' })).toEqual([]);
    expect(paths({ kind: 'tensor', bytes: new Uint8Array(7), shape: [2, 2], dtype: 'int16' })).toEqual(['bytes']);
    expect(paths({ kind: 'tensor', bytes: new Uint8Array(1), shape: [1], dtype: 'complex' as never })).toEqual(['dtype']);
    expect(paths({ kind: 'video', pixels: new Uint8Array(6), width: 2, height: 2, pixelFormat: 'yuv420p' })).toEqual([]);
    expect(paths({ kind: 'video', pixels: new Uint8Array(5), width: 2, height: 2, pixelFormat: 'nv12' })).toEqual(['pixels']);
    expect(paths({ kind: 'video', pixels: new Uint8Array(5), width: 2, height: 2, pixelFormat: 'encoded', codec: 'h264' })).toEqual([]);
    expect(paths({ kind: 'video', pixels: new Uint8Array(5), width: 2, height: 2, pixelFormat: 'rgba32', codec: 'vp8' })).toEqual([]);
    expect(paths({ kind: 'image', bytes: new Uint8Array(1), format: 'tiff' as never })).toEqual(['format']);
  });

  it('decoded audio owns an aligned buffer', () => {
    const data = runtimeDataFromJson(runtimeDataToJson(samples[0])) as { samples: Float32Array };
    expect(data.samples.byteOffset).toBe(0);
    expect(data.samples.buffer.byteLength).toBe(data.samples.byteLength);
  });
});

describe('base64 codecs: native (Node) and portable (browsers) agree', () => {
  it('on random bytes of every length class, standard and URL-safe, and on invalid text', async () => {
    const { base64ToBytes, bytesToBase64, portableBase64ToBytes, portableBytesToBase64 } = await import('../src/data/bytes-codec.js');
    for (let n = 0; n < 64; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 97 + n * 31) & 255);
      const text = bytesToBase64(bytes);
      expect(portableBytesToBase64(bytes)).toBe(text);
      expect([...base64ToBytes(text)!]).toEqual([...bytes]);
      expect([...portableBase64ToBytes(text)!]).toEqual([...bytes]);
      const urlSafe = text.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
      expect([...base64ToBytes(urlSafe)!]).toEqual([...bytes]);
      expect([...portableBase64ToBytes(urlSafe)!]).toEqual([...bytes]);
    }
    // Characters Buffer's decoder would skip, and padding inside the text, anywhere in it.
    for (const bad of ['ab!d', 'abc*', 'a b=', 'abcd\u00e9fgh', 'ab==abcd', 'abcd\nabc', '.bcdabcd', 'abcdabc\u0000']) {
      expect(base64ToBytes(bad)).toBeUndefined();
      expect(portableBase64ToBytes(bad)).toBeUndefined();
    }
    expect(base64ToBytes('abcde')).toBeUndefined(); // length 1 mod 4
    expect(base64ToBytes('ab=c')).toBeUndefined(); // padding inside
  });
});

describe('bytesToFloat32', () => {
  it('copies exactly its bytes out of a Buffer sub-view (whose slice() is a view of the whole pool)', async () => {
    const { bytesToFloat32 } = await import('../src/data/bytes-codec.js');
    const pool = Buffer.alloc(64, 0xff);
    Buffer.from(new Float32Array([0.5, -1, 0.25]).buffer).copy(pool, 13);
    const out = bytesToFloat32(pool.subarray(13, 25));
    expect([...out]).toEqual([0.5, -1, 0.25]);
    pool.fill(0);
    expect([...out]).toEqual([0.5, -1, 0.25]); // owns its memory
  });
});
