import { CONTROL_TYPES, Code, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { ControlType, DataBufferSchema, ErrorCode, ImageFormat, PixelFormat, TensorDataType, VideoCodec } from '../src/index.js';

/** Proto enum -> { runtime_name: number } with the proto prefix stripped and lower-cased. */
function table(protoEnum: Record<string, string | number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [key, value] of Object.entries(protoEnum)) if (typeof value === 'number') out[key] = value;
  void prefix;
  return out;
}
const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const normalise = (t: Record<string, number>) => Object.fromEntries(Object.entries(t).map(([k, v]) => [snake(k).replace(/_/g, ''), v]));

describe('proto enums equal runtime-core canonical tables', () => {
  it.each([
    ['PixelFormat', PixelFormat, PIXEL_FORMATS],
    ['VideoCodec', VideoCodec, VIDEO_CODECS],
    ['ImageFormat', ImageFormat, IMAGE_FORMATS],
    ['TensorDataType', TensorDataType, TENSOR_DTYPES],
    ['ControlType', ControlType, CONTROL_TYPES],
  ] as const)('%s', (_name, protoEnum, canonical) => {
    expect(normalise(table(protoEnum as unknown as Record<string, number>, ''))).toEqual(normalise(canonical));
  });

  it('ErrorCode equals runtime-core Code (gRPC numbering)', () => {
    const proto = table(ErrorCode, '');
    delete proto.UNSPECIFIED;
    expect(normalise(proto)).toEqual(normalise(Code));
  });

  it('DataBuffer oneof field numbers equal DATA_KINDS', () => {
    const fields = Object.fromEntries(DataBufferSchema.oneofs[0].fields.map((f) => [f.name, f.number]));
    expect(fields).toEqual(DATA_KINDS);
  });
});
