import { create, fromBinary, toBinary } from '@bufbuild/protobuf';
import {
  CONTROL_TYPES,
  Code,
  IMAGE_FORMATS,
  PIXEL_FORMATS,
  RemoteMediaError,
  type ControlMessage as RuntimeControlMessage,
  type JsonValue,
  type RuntimeData,
  TENSOR_DTYPES,
  VIDEO_CODECS,
  expectedTensorBytes,
} from '@remotemedia/runtime-core';
import { float32ToBytes } from '@remotemedia/runtime-core/kit';
import { type DataBuffer, DataBufferSchema, type ControlMessage as WireControlMessage } from './gen/remotemedia/v1/data_pb.js';
import { enumFromWire, enumToWire } from './enum-mapping.js';
import { leBytesToFloat32 } from './float32-bytes.js';
import { optInt64, optNumber, toInt64 } from './int64.js';

const invalid = (path: string, message: string, cause?: unknown) =>
  new RemoteMediaError(Code.InvalidArgument, `${path}: ${message}`, { details: [{ path, message }], reason: 'MalformedData', cause });

/**
 * RuntimeData -> protobuf DataBuffer. Lossless for every kind: audio samples travel as raw
 * float32 little-endian bytes (NaN payloads and -0 included); byte payloads are not copied.
 */
export function toDataBuffer(data: RuntimeData): DataBuffer {
  switch (data.kind) {
    case 'audio':
      return create(DataBufferSchema, {
        data: {
          case: 'audio',
          value: {
            samples: float32ToBytes(data.samples),
            sampleRate: data.sampleRate,
            channels: data.channels,
            timestampUs: optInt64(data.timestampUs),
            streamId: data.streamId,
          },
        },
      });
    case 'video':
      return create(DataBufferSchema, {
        data: {
          case: 'video',
          value: {
            pixels: data.pixels,
            width: data.width,
            height: data.height,
            pixelFormat: enumToWire(PIXEL_FORMATS, data.pixelFormat, 'pixel format'),
            codec: data.codec === undefined ? undefined : enumToWire(VIDEO_CODECS, data.codec, 'video codec'),
            frameNumber: optInt64(data.frameNumber),
            timestampUs: optInt64(data.timestampUs),
            keyframe: data.keyframe,
            streamId: data.streamId,
          },
        },
      });
    case 'image':
      return create(DataBufferSchema, {
        data: {
          case: 'image',
          value: { data: data.bytes, format: enumToWire(IMAGE_FORMATS, data.format, 'image format'), width: data.width, height: data.height },
        },
      });
    case 'tensor':
      return create(DataBufferSchema, {
        data: { case: 'tensor', value: { data: data.bytes, shape: data.shape.map(toInt64), dtype: enumToWire(TENSOR_DTYPES, data.dtype, 'tensor dtype') } },
      });
    case 'json':
      return create(DataBufferSchema, { data: { case: 'json', value: { json: JSON.stringify(data.value) } } });
    case 'text':
      return create(DataBufferSchema, { data: { case: 'text', value: { text: data.text, channel: data.channel } } });
    case 'binary':
      return create(DataBufferSchema, { data: { case: 'binary', value: { data: data.bytes, mimeType: data.mimeType } } });
    case 'control': {
      const c = data.control;
      return create(DataBufferSchema, {
        data: {
          case: 'control',
          value: {
            type: enumToWire(CONTROL_TYPES, c.type, 'control type'),
            targetNodeIds: c.targetNodeIds ?? [],
            batchSize: c.batchSize,
            deadlineUs: optInt64(c.deadlineUs),
            reason: c.reason,
          },
        },
      });
    }
    default:
      throw invalid('data', `unknown RuntimeData kind "${String((data as { kind?: unknown }).kind)}"`);
  }
}

/**
 * DataBuffer -> RuntimeData; validates what the type system cannot (enum numbers, byte lengths,
 * JSON text) and throws InvalidArgument naming the field. `path` prefixes those field names.
 */
export function fromDataBuffer(msg: DataBuffer, path = 'data'): RuntimeData {
  const d = msg.data;
  switch (d.case) {
    case 'audio':
      return audioFromWire(d.value, path);
    case 'video': {
      const v = d.value;
      return withOptional(
        {
          kind: 'video',
          pixels: copy(v.pixels),
          width: v.width,
          height: v.height,
          pixelFormat: enumFromWire(PIXEL_FORMATS, v.pixelFormat, 'pixel format', `${path}.video.pixel_format`),
        },
        {
          codec: v.codec === undefined ? undefined : enumFromWire(VIDEO_CODECS, v.codec, 'video codec', `${path}.video.codec`),
          frameNumber: optNumber(v.frameNumber),
          timestampUs: optNumber(v.timestampUs),
          keyframe: v.keyframe,
          streamId: v.streamId,
        },
      );
    }
    case 'image': {
      const i = d.value;
      return withOptional(
        { kind: 'image', bytes: copy(i.data), format: enumFromWire(IMAGE_FORMATS, i.format, 'image format', `${path}.image.format`) },
        { width: i.width, height: i.height },
      );
    }
    case 'tensor': {
      const t = d.value;
      const dtype = enumFromWire(TENSOR_DTYPES, t.dtype, 'tensor dtype', `${path}.tensor.dtype`);
      const shape = t.shape.map(Number);
      const expected = expectedTensorBytes({ shape, dtype });
      if (t.data.byteLength !== expected)
        throw invalid(`${path}.tensor.data`, `has ${t.data.byteLength} bytes but shape [${shape.join(', ')}] of ${dtype} needs ${expected}`);
      return { kind: 'tensor', bytes: copy(t.data), shape, dtype };
    }
    case 'json': {
      let value: JsonValue;
      try {
        value = JSON.parse(d.value.json) as JsonValue;
      } catch (error) {
        throw invalid(`${path}.json.json`, `is not valid JSON (${(error as Error).message})`, error);
      }
      return { kind: 'json', value };
    }
    case 'text':
      return withOptional({ kind: 'text', text: d.value.text }, { channel: d.value.channel });
    case 'binary':
      return withOptional({ kind: 'binary', bytes: copy(d.value.data) }, { mimeType: d.value.mimeType });
    case 'control':
      return { kind: 'control', control: controlFromWire(d.value, `${path}.control`) };
    default:
      throw invalid(path, 'DataBuffer carries no data (none of audio, video, image, tensor, json, text, binary, control is set)');
  }
}

/** AudioBuffer fields -> RuntimeData audio, validated (shared with the hand-written audio codec). */
export function audioFromWire(
  a: { samples: Uint8Array; sampleRate: number; channels: number; timestampUs?: bigint; streamId?: string },
  path: string,
): RuntimeData {
  if (a.samples.byteLength % 4 !== 0)
    throw invalid(`${path}.audio.samples`, `byte length ${a.samples.byteLength} is not a multiple of 4 (float32 little-endian)`);
  if (a.channels < 1) throw invalid(`${path}.audio.channels`, 'must be at least 1');
  if (a.sampleRate < 1) throw invalid(`${path}.audio.sample_rate`, 'must be at least 1');
  return withOptional(
    { kind: 'audio', samples: leBytesToFloat32(a.samples), sampleRate: a.sampleRate, channels: a.channels },
    { timestampUs: optNumber(a.timestampUs), streamId: a.streamId },
  );
}

/** Binary protobuf of one RuntimeData value. */
export function encodeDataBuffer(data: RuntimeData): Uint8Array {
  return toBinary(DataBufferSchema, toDataBuffer(data));
}

/** Parses binary protobuf; malformed bytes throw RemoteMediaError InvalidArgument. */
export function decodeDataBuffer(bytes: Uint8Array): RuntimeData {
  let msg: DataBuffer;
  try {
    msg = fromBinary(DataBufferSchema, bytes);
  } catch (error) {
    throw invalid('data', `malformed DataBuffer bytes (${(error as Error).message})`, error);
  }
  return fromDataBuffer(msg);
}

function controlFromWire(c: WireControlMessage, path: string): RuntimeControlMessage {
  return withOptional(
    { type: enumFromWire(CONTROL_TYPES, c.type, 'control type', `${path}.type`) },
    { targetNodeIds: c.targetNodeIds.length ? [...c.targetNodeIds] : undefined, batchSize: c.batchSize, deadlineUs: optNumber(c.deadlineUs), reason: c.reason },
  );
}

// Decoded bytes alias the receive buffer; the runtime hands data to nodes that may keep it.
// `new Uint8Array(x)` copies into a plain Uint8Array even when x is a Node.js Buffer (whose slice() is a view).
const copy = (bytes: Uint8Array): Uint8Array => new Uint8Array(bytes);

/** Adds only the optional fields that are present, so round trips compare equal with toEqual/toStrictEqual. */
function withOptional<T extends object>(base: T, optional: Record<string, unknown>): T {
  const out = base as Record<string, unknown>;
  for (const key in optional) if (optional[key] !== undefined) out[key] = optional[key];
  return base;
}
