/**
 * The JSON form of RuntimeData, for text wires (HTTP bodies, SSE, WebSocket text frames, logs).
 * Same field names as the TS types; binary payloads (audio float32 little-endian bytes, video
 * pixels, tensor/image/binary bytes) become base64 strings. Browser-safe: no node:* or Buffer.
 */
import { Code, type ErrorDetail, RemoteMediaError } from '../errors.js';
import { base64ToBytes, bytesToBase64, bytesToFloat32, float32ToBytes } from './bytes-codec.js';
import { CONTROL_TYPES, type ControlType, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS } from './enums.js';
import type { ControlMessage, JsonValue, RuntimeData } from './runtime-data.js';
import type { TransportData } from './transport-data.js';
import { isNonNegativeInt, validateRuntimeData } from './validate-runtime-data.js';

type Base64 = string;

export type RuntimeDataJson =
  | { kind: 'audio'; samples: Base64; sampleRate: number; channels: number; timestampUs?: number; streamId?: string }
  | {
      kind: 'video';
      pixels: Base64;
      width: number;
      height: number;
      pixelFormat: string;
      codec?: string;
      frameNumber?: number;
      timestampUs?: number;
      keyframe?: boolean;
      streamId?: string;
    }
  | { kind: 'image'; bytes: Base64; format: string; width?: number; height?: number }
  | { kind: 'tensor'; bytes: Base64; shape: number[]; dtype: string }
  | { kind: 'json'; value: JsonValue }
  | { kind: 'text'; text: string; channel?: string }
  | { kind: 'binary'; bytes: Base64; mimeType?: string }
  | { kind: 'control'; control: ControlMessage };

export interface TransportDataJson {
  data: RuntimeDataJson;
  sequence?: number;
  metadata: Record<string, string>;
}

/** The field of each kind that carries a binary payload: raw bytes in memory, base64 in the JSON form. */
export const PAYLOAD_FIELDS = { audio: 'samples', video: 'pixels', image: 'bytes', tensor: 'bytes', binary: 'bytes' } as const;

export function runtimeDataToJson(data: RuntimeData): RuntimeDataJson {
  switch (data.kind) {
    case 'audio':
      return { ...data, samples: bytesToBase64(float32ToBytes(data.samples)) };
    case 'video':
      return { ...data, pixels: bytesToBase64(data.pixels) };
    case 'image':
    case 'tensor':
    case 'binary':
      return { ...data, bytes: bytesToBase64(data.bytes) };
    case 'json':
    case 'text':
    case 'control':
      return data;
  }
}

export function transportDataToJson(item: TransportData): TransportDataJson {
  const out: TransportDataJson = { data: runtimeDataToJson(item.data), metadata: item.metadata };
  if (item.sequence !== undefined) out.sequence = item.sequence;
  return out;
}

/**
 * Parses the JSON form back into RuntimeData. Throws InvalidArgument listing every problem,
 * each with its path under `path` (default `data`), e.g. `inputs[2].data.samples: expected base64 string`.
 */
export function runtimeDataFromJson(value: unknown, path = 'data'): RuntimeData {
  const issues: ErrorDetail[] = [];
  const data = decodeRuntimeData(value, path, issues);
  if (issues.length || !data) throw invalid(issues);
  return data;
}

/** Accepts `{data, metadata?, sequence?}` or a bare RuntimeData JSON (then metadata is empty). */
export function transportDataFromJson(value: unknown, path = 'input'): TransportData {
  const issues: ErrorDetail[] = [];
  const item = decodeTransportData(value, path, issues);
  if (issues.length || !item) throw invalid(issues);
  return item;
}

/**
 * Decodes a list of inputs, collecting the problems of every element (for a 400 that lists them
 * all) instead of stopping at the first. Semantic checks of `validateRuntimeData` are included.
 */
export function transportDataListFromJson(value: unknown, path = 'inputs'): TransportData[] {
  const issues: ErrorDetail[] = [];
  if (!Array.isArray(value)) throw invalid([{ path, message: 'expected an array' }]);
  const items: TransportData[] = [];
  for (let i = 0; i < value.length; i++) {
    const v: unknown = value[i];
    const item = decodeTransportData(v, `${path}[${i}]`, issues);
    if (!item) continue;
    items.push(item); // returned only when every item decoded
    const problems = validateRuntimeData(item.data);
    if (problems.length === 0) continue;
    const at = isObject(v) && 'data' in v ? `${path}[${i}].data` : `${path}[${i}]`;
    for (const d of problems) issues.push({ path: d.path ? `${at}.${d.path}` : at, message: d.message });
  }
  if (issues.length) throw invalid(issues);
  return items;
}

function invalid(issues: ErrorDetail[]): RemoteMediaError {
  const first = issues[0];
  const summary = first ? `${first.path ? `${first.path}: ` : ''}${first.message}` : 'invalid RuntimeData';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return new RemoteMediaError(Code.InvalidArgument, `${summary}${more}`, { details: issues, reason: 'InvalidData' });
}

function decodeTransportData(value: unknown, path: string, issues: ErrorDetail[]): TransportData | undefined {
  if (!isObject(value)) {
    issues.push({ path, message: 'expected an object' });
    return undefined;
  }
  if (!('data' in value)) {
    const data = decodeRuntimeData(value, path, issues);
    return data && { data, metadata: {} };
  }
  const data = decodeRuntimeData(value.data, `${path}.data`, issues);
  const metadata: Record<string, string> = {};
  const given = value.metadata;
  if (given !== undefined) {
    if (!isObject(given)) issues.push({ path: `${path}.metadata`, message: 'expected an object of strings' });
    else
      for (const k in given) {
        if (!Object.hasOwn(given, k)) continue;
        const v = given[k];
        if (typeof v === 'string') metadata[k] = v;
        else issues.push({ path: `${path}.metadata.${k}`, message: 'expected a string' });
      }
  }
  const item: TransportData | undefined = data && { data, metadata };
  if (value.sequence !== undefined) {
    if (!isNonNegativeInt(value.sequence)) issues.push({ path: `${path}.sequence`, message: 'expected a non-negative integer' });
    else if (item) item.sequence = value.sequence;
  }
  return item;
}

function decodeRuntimeData(value: unknown, path: string, issues: ErrorDetail[]): RuntimeData | undefined {
  if (!isObject(value)) {
    issues.push({ path, message: 'expected an object with a "kind" field' });
    return undefined;
  }
  const before = issues.length;
  const f = new Fields(value, path, issues);
  const kind = value.kind;
  let data: RuntimeData | undefined;
  switch (kind) {
    case 'audio': {
      const bytes = f.base64('samples');
      if (bytes && bytes.byteLength % 4 !== 0)
        issues.push({ path: `${path}.samples`, message: `expected float32 little-endian bytes (a multiple of 4), got ${bytes.byteLength} bytes` });
      data = { kind, samples: bytes ? bytesToFloat32(bytes) : new Float32Array(), sampleRate: f.num('sampleRate', true)!, channels: f.int('channels', true)! };
      f.copyOptional(data, OPTIONAL.audio);
      break;
    }
    case 'video':
      data = {
        kind,
        pixels: f.base64('pixels') ?? new Uint8Array(),
        width: f.int('width', true)!,
        height: f.int('height', true)!,
        pixelFormat: f.enumName('pixelFormat', PIXEL_FORMATS, true)!,
      };
      if (value.codec !== undefined) data.codec = f.enumName('codec', VIDEO_CODECS, true);
      f.copyOptional(data, OPTIONAL.video);
      break;
    case 'image':
      data = { kind, bytes: f.base64('bytes') ?? new Uint8Array(), format: f.enumName('format', IMAGE_FORMATS, true)! };
      f.copyOptional(data, OPTIONAL.image);
      break;
    case 'tensor': {
      const shape = value.shape;
      if (!Array.isArray(shape) || !shape.every(isNonNegativeInt))
        issues.push({ path: `${path}.shape`, message: 'expected an array of non-negative integers' });
      data = {
        kind,
        bytes: f.base64('bytes') ?? new Uint8Array(),
        shape: Array.isArray(shape) ? [...(shape as number[])] : [],
        dtype: f.enumName('dtype', TENSOR_DTYPES, true)!,
      };
      break;
    }
    case 'json':
      if (!('value' in value)) issues.push({ path: `${path}.value`, message: 'required' });
      else if (!isJsonValue(value.value)) issues.push({ path: `${path}.value`, message: 'expected a JSON value' });
      data = { kind, value: value.value as JsonValue };
      break;
    case 'text':
      data = { kind, text: f.str('text', true)! };
      f.copyOptional(data, OPTIONAL.text);
      break;
    case 'binary':
      data = { kind, bytes: f.base64('bytes') ?? new Uint8Array() };
      f.copyOptional(data, OPTIONAL.binary);
      break;
    case 'control':
      data = { kind, control: decodeControl(value.control, `${path}.control`, issues) };
      break;
    default:
      issues.push({ path: `${path}.kind`, message: `expected one of ${Object.keys(DATA_KINDS).join(', ')}, got ${JSON.stringify(kind) ?? 'nothing'}` });
  }
  return issues.length > before ? undefined : data;
}

function decodeControl(value: unknown, path: string, issues: ErrorDetail[]): ControlMessage {
  if (!isObject(value)) {
    issues.push({ path, message: 'expected an object with a "type" field' });
    return { type: 'unspecified' };
  }
  const f = new Fields(value, path, issues);
  const message: ControlMessage = { type: f.enumName('type', CONTROL_TYPES, true) as ControlType };
  if (value.targetNodeIds !== undefined) {
    if (!Array.isArray(value.targetNodeIds) || !value.targetNodeIds.every((v) => typeof v === 'string'))
      issues.push({ path: `${path}.targetNodeIds`, message: 'expected an array of strings' });
    else message.targetNodeIds = [...value.targetNodeIds];
  }
  f.copyOptional(message, OPTIONAL.control);
  return message;
}

type FieldType = 'num' | 'int' | 'str' | 'bool';

/** Optional fields of each kind and their types; module constants, not literals per decoded item. */
const OPTIONAL = {
  audio: { timestampUs: 'num', streamId: 'str' },
  video: { frameNumber: 'int', timestampUs: 'num', keyframe: 'bool', streamId: 'str' },
  image: { width: 'int', height: 'int' },
  text: { channel: 'str' },
  binary: { mimeType: 'str' },
  control: { batchSize: 'int', deadlineUs: 'num', reason: 'str' },
} as const satisfies Record<string, Record<string, FieldType>>;

/** Typed field readers that record a problem (with its path) instead of throwing. */
class Fields {
  constructor(
    private readonly obj: Record<string, unknown>,
    private readonly path: string,
    private readonly issues: ErrorDetail[],
  ) {}
  #fail(key: string, message: string): undefined {
    this.issues.push({ path: `${this.path}.${key}`, message });
    return undefined;
  }
  #get(key: string, required: boolean, expected: string): unknown {
    const v = this.obj[key];
    if (v === undefined && required) this.#fail(key, `required: expected ${expected}`);
    return v;
  }
  num(key: string, required = false): number | undefined {
    const v = this.#get(key, required, 'a number');
    if (v === undefined) return undefined;
    return typeof v === 'number' && Number.isFinite(v) ? v : this.#fail(key, 'expected a finite number');
  }
  int(key: string, required = false): number | undefined {
    const v = this.#get(key, required, 'an integer');
    if (v === undefined) return undefined;
    return isNonNegativeInt(v) ? v : this.#fail(key, 'expected a non-negative integer');
  }
  str(key: string, required = false): string | undefined {
    const v = this.#get(key, required, 'a string');
    if (v === undefined) return undefined;
    return typeof v === 'string' ? v : this.#fail(key, 'expected a string');
  }
  bool(key: string): boolean | undefined {
    const v = this.obj[key];
    if (v === undefined) return undefined;
    return typeof v === 'boolean' ? v : this.#fail(key, 'expected a boolean');
  }
  base64(key: string): Uint8Array | undefined {
    const v = this.#get(key, true, 'base64 string');
    if (v === undefined) return undefined;
    if (typeof v !== 'string') return this.#fail(key, 'expected base64 string');
    const bytes = base64ToBytes(v);
    return bytes ?? this.#fail(key, 'expected base64 string (invalid characters or length)');
  }
  enumName<T extends Record<string, number>>(key: string, table: T, required: boolean): (keyof T & string) | undefined {
    const v = this.#get(key, required, `one of ${Object.keys(table).join(', ')}`);
    if (v === undefined) return undefined;
    if (typeof v === 'string' && Object.hasOwn(table, v)) return v;
    return this.#fail(key, `expected one of ${Object.keys(table).join(', ')}, got ${JSON.stringify(v)}`);
  }
  copyOptional(target: object, spec: Readonly<Record<string, FieldType>>): void {
    for (const key in spec) {
      if (this.obj[key] === undefined) continue;
      const type = spec[key];
      const v = type === 'num' ? this.num(key) : type === 'int' ? this.int(key) : type === 'str' ? this.str(key) : this.bool(key);
      if (v !== undefined) (target as Record<string, unknown>)[key] = v;
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isJsonValue(v: unknown, depth = 0): boolean {
  if (depth > 256) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) if (!isJsonValue(v[i], depth + 1)) return false;
    return true;
  }
  if (isObject(v)) {
    for (const key in v) if (Object.hasOwn(v, key) && !isJsonValue(v[key], depth + 1)) return false;
    return true;
  }
  return false;
}
