/** Semantic checks of RuntimeData that its types cannot express (sizes, enum values), shared by every wire decoder. */
import type { ErrorDetail } from '../errors.js';
import { CONTROL_TYPES, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, TENSOR_DTYPE_BYTES, VIDEO_CODECS } from './enums.js';
import type { RuntimeData } from './runtime-data.js';

const RAW_BYTES_PER_PIXEL: Partial<Record<string, number>> = { rgb24: 3, bgr24: 3, rgba32: 4, bgra32: 4, gray8: 1 };

/**
 * Semantic checks the type system cannot express. Returns every problem (empty when valid);
 * paths are relative to the data, e.g. `samples` or `shape`.
 */
export function validateRuntimeData(data: RuntimeData): ErrorDetail[] {
  // Nothing to check beyond the types (the unary path decodes every input: skip the closure and switch).
  if (data.kind === 'json' || data.kind === 'text' || data.kind === 'binary') return [];
  const issues: ErrorDetail[] = [];
  const add = (path: string, message: string) => issues.push({ path, message });
  switch (data.kind) {
    case 'audio':
      if (!(data.sampleRate > 0) || !Number.isFinite(data.sampleRate)) add('sampleRate', `expected a positive sample rate, got ${data.sampleRate}`);
      if (!Number.isInteger(data.channels) || data.channels < 1) add('channels', `expected a positive integer channel count, got ${data.channels}`);
      else if (data.samples.length % data.channels !== 0) add('samples', `sample count ${data.samples.length} is not a multiple of channels=${data.channels}`);
      break;
    case 'video': {
      if (!Object.hasOwn(PIXEL_FORMATS, data.pixelFormat)) add('pixelFormat', `unknown pixel format ${JSON.stringify(data.pixelFormat)}`);
      if (data.codec !== undefined && !Object.hasOwn(VIDEO_CODECS, data.codec)) add('codec', `unknown codec ${JSON.stringify(data.codec)}`);
      const raw = data.codec === undefined || data.codec === 'raw' || data.codec === 'unspecified';
      const expected = raw ? rawFrameBytes(data.pixelFormat, data.width, data.height) : undefined;
      if (expected !== undefined && data.pixels.byteLength !== expected) {
        add('pixels', `expected ${expected} bytes for ${data.width}x${data.height} ${data.pixelFormat}, got ${data.pixels.byteLength}`);
      }
      break;
    }
    case 'image':
      if (!Object.hasOwn(IMAGE_FORMATS, data.format)) add('format', `unknown image format ${JSON.stringify(data.format)}`);
      break;
    case 'tensor': {
      if (!Object.hasOwn(TENSOR_DTYPES, data.dtype)) {
        add('dtype', `unknown dtype ${JSON.stringify(data.dtype)}`);
        break;
      }
      if (!data.shape.every(isNonNegativeInt)) {
        add('shape', 'expected non-negative integer dimensions');
        break;
      }
      const expected = data.shape.reduce((a, b) => a * b, 1) * TENSOR_DTYPE_BYTES[data.dtype];
      if (data.bytes.byteLength !== expected)
        add('bytes', `expected ${expected} bytes for shape [${data.shape.join(', ')}] of ${data.dtype}, got ${data.bytes.byteLength}`);
      break;
    }
    case 'control':
      if (!Object.hasOwn(CONTROL_TYPES, data.control.type)) add('control.type', `unknown control type ${JSON.stringify(data.control.type)}`);
      break;
  }
  return issues;
}

function rawFrameBytes(format: string, width: number, height: number): number | undefined {
  const bpp = RAW_BYTES_PER_PIXEL[format];
  if (bpp !== undefined) return width * height * bpp;
  if (format === 'yuv420p' || format === 'nv12') return width * height + 2 * Math.ceil(width / 2) * Math.ceil(height / 2);
  return undefined; // `encoded` / `unspecified`: size is not implied.
}

export function isNonNegativeInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}
