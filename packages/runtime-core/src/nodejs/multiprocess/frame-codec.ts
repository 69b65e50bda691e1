import { CONTROL_TYPES, DATA_KINDS, IMAGE_FORMATS, PIXEL_FORMATS, TENSOR_DTYPES, VIDEO_CODECS, enumName, type DataKind } from '../../data/enums.js';
import type { JsonValue, RuntimeData } from '../../data/runtime-data.js';
import { Code, RemoteMediaError } from '../../errors.js';

/**
 * The framed binary IPC protocol between runtime-core and Python processes (docs/python-nodes.md).
 * Frame: u32 length (bytes after this field) | u8 frame type | u8 data kind | u16 flags | u32 request id | body.
 * Data body: u32 meta length | meta JSON, space-padded so the payload starts 8-byte aligned | payload.
 * Mirrored by python/remotemedia/protocol.py.
 */
export const FRAME_TYPES = {
  // host -> Python process
  INIT: 1,
  PROCESS: 2,
  FLUSH: 3,
  CANCEL: 4,
  CONTROL: 5,
  CLOSE: 6,
  // Python process -> host
  READY: 16,
  OUTPUT: 17,
  DONE: 18,
  ERROR: 19,
  PROGRESS: 20,
  // Python caller -> Node bridge (answers use OUTPUT, DONE, ERROR)
  EXECUTE: 32,
  INPUT: 33,
  END_INPUT: 34,
  VERSION: 35,
} as const;
export type FrameType = (typeof FRAME_TYPES)[keyof typeof FRAME_TYPES];

export const HEADER_SIZE = 12;
/** Flag of an OUTPUT frame: it is the last output for its request (no DONE frame follows). */
export const FLAG_END = 1;
/** Default largest frame (bytes after the length field) a Python node process may send or be sent: 64 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024;
/** What a FrameDecoder accepts unless told otherwise (the Python caller bridge, whose peer is the local caller). */
const LEGACY_MAX_FRAME_BYTES = 2 ** 31;

export interface Frame {
  type: number;
  /** DATA_KINDS number for data frames, 0 otherwise. */
  kind: number;
  /** FLAG_END and future flags. */
  flags: number;
  requestId: number;
  /** The whole frame, from the length field on. */
  bytes: Buffer;
}

function header(length: number, type: number, kind: number, requestId: number, extra: number, flags = 0): Buffer {
  const buf = Buffer.allocUnsafe(HEADER_SIZE + extra);
  buf.writeUInt32LE(length, 0);
  buf.writeUInt8(type, 4);
  buf.writeUInt8(kind, 5);
  buf.writeUInt16LE(flags, 6);
  buf.writeUInt32LE(requestId, 8);
  return buf;
}

/** A control-plane frame with an optional JSON body. */
export function jsonFrame(type: number, requestId: number, value?: unknown): Buffer {
  const body = value === undefined ? undefined : Buffer.from(JSON.stringify(value), 'utf8');
  const len = body?.length ?? 0;
  const buf = header(HEADER_SIZE - 4 + len, type, 0, requestId, len);
  body?.copy(buf, HEADER_SIZE);
  return buf;
}

export function frameJson(frame: Frame): unknown {
  return frame.bytes.length > HEADER_SIZE ? JSON.parse(frame.bytes.toString('utf8', HEADER_SIZE)) : undefined;
}

const view = (a: ArrayBufferView): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
const defined = <T extends Record<string, unknown>>(o: T): T => {
  for (const k of Object.keys(o)) if (o[k] === undefined) delete o[k];
  return o;
};

/** Small payloads are copied into the head so one frame is one write; big ones are written as views. */
const INLINE_PAYLOAD_BYTES = 64 * 1024;

// Audio streams repeat one (rate, channels) meta: its padded JSON is built once per pair.
const audioMetaCache = new Map<number, Buffer>();

function metaPart(meta: Record<string, unknown>): Buffer {
  let text = JSON.stringify(meta);
  let len = Buffer.byteLength(text);
  const pad = (8 - ((HEADER_SIZE + 4 + len) % 8)) % 8;
  if (pad) {
    text += ' '.repeat(pad); // JSON allows trailing whitespace
    len += pad;
  }
  const part = Buffer.allocUnsafe(4 + len);
  part.writeUInt32LE(len, 0);
  part.write(text, 4, 'utf8');
  return part;
}

/** RuntimeData -> buffers to write in order. Payloads of binary kinds are never turned into strings. */
export function dataFrame(type: number, requestId: number, data: RuntimeData, metadata?: Readonly<Record<string, string>>, flags = 0): Buffer[] {
  let meta: Record<string, unknown> | undefined;
  let cachedMeta: Buffer | undefined;
  let payload: Buffer;
  switch (data.kind) {
    case 'audio':
      if (
        data.timestampUs === undefined &&
        data.streamId === undefined &&
        (!metadata || isEmpty(metadata)) &&
        data.sampleRate < 2 ** 24 &&
        data.channels < 256
      ) {
        const key = data.sampleRate * 256 + data.channels;
        cachedMeta = audioMetaCache.get(key);
        if (!cachedMeta) {
          if (audioMetaCache.size > 64) audioMetaCache.clear();
          audioMetaCache.set(key, (cachedMeta = metaPart({ sampleRate: data.sampleRate, channels: data.channels })));
        }
      } else meta = defined({ sampleRate: data.sampleRate, channels: data.channels, timestampUs: data.timestampUs, streamId: data.streamId });
      payload = view(data.samples);
      break;
    case 'video':
      meta = defined({
        width: data.width,
        height: data.height,
        pixelFormat: PIXEL_FORMATS[data.pixelFormat],
        codec: data.codec === undefined ? undefined : VIDEO_CODECS[data.codec],
        frameNumber: data.frameNumber,
        timestampUs: data.timestampUs,
        keyframe: data.keyframe,
        streamId: data.streamId,
      });
      payload = view(data.pixels);
      break;
    case 'image':
      meta = defined({ format: IMAGE_FORMATS[data.format], width: data.width, height: data.height });
      payload = view(data.bytes);
      break;
    case 'tensor':
      meta = { shape: data.shape, dtype: TENSOR_DTYPES[data.dtype] };
      payload = view(data.bytes);
      break;
    case 'json':
      meta = {};
      payload = Buffer.from(JSON.stringify(data.value), 'utf8');
      break;
    case 'text':
      meta = defined({ channel: data.channel });
      payload = Buffer.from(data.text, 'utf8');
      break;
    case 'binary':
      meta = defined({ mimeType: data.mimeType });
      payload = view(data.bytes);
      break;
    case 'control': {
      const c = data.control;
      meta = defined({ type: CONTROL_TYPES[c.type], targetNodeIds: c.targetNodeIds, batchSize: c.batchSize, deadlineUs: c.deadlineUs, reason: c.reason });
      payload = Buffer.alloc(0);
      break;
    }
    default:
      throw new RemoteMediaError(Code.InvalidArgument, `not RuntimeData: kind ${JSON.stringify((data as { kind?: unknown }).kind)}`);
  }
  if (meta && metadata && !isEmpty(metadata)) meta.metadata = metadata;
  const part = cachedMeta ?? metaPart(meta!);
  const length = HEADER_SIZE - 4 + part.length + payload.length;
  const inline = payload.length <= INLINE_PAYLOAD_BYTES;
  const head = header(length, type, DATA_KINDS[data.kind], requestId, part.length + (inline ? payload.length : 0), flags);
  part.copy(head, HEADER_SIZE);
  if (inline) {
    payload.copy(head, HEADER_SIZE + part.length);
    return [head];
  }
  return [head, payload];
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function protocolError(message: string): RemoteMediaError {
  return new RemoteMediaError(Code.DataLoss, `IPC protocol error: ${message}`, { reason: 'IpcProtocol' });
}

/** Total bytes of a frame's buffers after the length field (what its length field says). */
export function frameLength(buffers: readonly Buffer[]): number {
  let n = -4;
  for (const b of buffers) n += b.length;
  return n;
}

/**
 * The JSON part of a data frame as `dataFrame` (and the Python side) writes it: the fields of the
 * frame's kind (enums as numbers), plus transport metadata. Read as written, not validated: the peer
 * is our own Python runtime, and a frame's kind is checked.
 */
interface FrameMeta {
  metadata?: Record<string, string>;
  sampleRate: number;
  channels?: number;
  timestampUs?: number;
  streamId?: string;
  width: number;
  height: number;
  pixelFormat?: number;
  codec?: number;
  frameNumber?: number;
  keyframe?: boolean;
  format?: number;
  shape: number[];
  dtype: number;
  channel?: string;
  mimeType?: string;
  type: number;
  targetNodeIds?: string[];
  batchSize?: number;
  deadlineUs?: number;
  reason?: string;
}

/** A data frame -> RuntimeData plus transport metadata. Binary payloads are views of the frame. */
export function decodeDataFrame(frame: Frame): { data: RuntimeData; metadata: Record<string, string> } {
  const buf = frame.bytes;
  const metaLen = buf.readUInt32LE(HEADER_SIZE);
  const start = HEADER_SIZE + 4;
  if (start + metaLen > buf.length) throw protocolError(`meta length ${metaLen} exceeds frame of ${buf.length} bytes`);
  const m = (metaLen ? JSON.parse(buf.toString('utf8', start, start + metaLen)) : {}) as FrameMeta;
  const off = start + metaLen;
  const bytes = (): Uint8Array => new Uint8Array(buf.buffer, buf.byteOffset + off, buf.length - off);
  const metadata = m.metadata ?? {};
  let kind: DataKind;
  try {
    kind = enumName(DATA_KINDS, frame.kind, 'data kind');
  } catch (error) {
    throw protocolError((error as Error).message);
  }
  const opt = <K extends string>(key: K, value: unknown) => (value === undefined || value === null ? {} : ({ [key]: value } as Record<K, unknown>));
  let data: RuntimeData;
  switch (kind) {
    case 'audio': {
      const n = buf.length - off;
      if (n % 4) throw protocolError(`audio payload of ${n} bytes is not whole float32 samples`);
      const abs = buf.byteOffset + off;
      // Float32Array needs 4-byte alignment; frames are padded for it, but a reassembled chunk may not be.
      const samples = abs % 4 === 0 ? new Float32Array(buf.buffer, abs, n / 4) : new Float32Array(new Uint8Array(buf.buffer, abs, n).slice().buffer);
      data = { kind, samples, sampleRate: m.sampleRate, channels: m.channels ?? 1, ...opt('timestampUs', m.timestampUs), ...opt('streamId', m.streamId) };
      break;
    }
    case 'video':
      data = {
        kind,
        pixels: bytes(),
        width: m.width,
        height: m.height,
        pixelFormat: enumName(PIXEL_FORMATS, m.pixelFormat ?? 0, 'pixel format'),
        ...opt('codec', m.codec === undefined ? undefined : enumName(VIDEO_CODECS, m.codec, 'video codec')),
        ...opt('frameNumber', m.frameNumber),
        ...opt('timestampUs', m.timestampUs),
        ...opt('keyframe', m.keyframe),
        ...opt('streamId', m.streamId),
      };
      break;
    case 'image':
      data = { kind, bytes: bytes(), format: enumName(IMAGE_FORMATS, m.format ?? 0, 'image format'), ...opt('width', m.width), ...opt('height', m.height) };
      break;
    case 'tensor':
      data = { kind, bytes: bytes(), shape: m.shape, dtype: enumName(TENSOR_DTYPES, m.dtype, 'tensor dtype') };
      break;
    case 'json':
      data = { kind, value: JSON.parse(buf.toString('utf8', off)) as JsonValue };
      break;
    case 'text':
      data = { kind, text: buf.toString('utf8', off), ...opt('channel', m.channel) };
      break;
    case 'binary':
      data = { kind, bytes: bytes(), ...opt('mimeType', m.mimeType) };
      break;
    case 'control':
      data = {
        kind,
        control: {
          type: enumName(CONTROL_TYPES, m.type, 'control type'),
          ...opt('targetNodeIds', m.targetNodeIds),
          ...opt('batchSize', m.batchSize),
          ...opt('deadlineUs', m.deadlineUs),
          ...opt('reason', m.reason),
        },
      };
      break;
  }
  return { data, metadata };
}

/** Frames at least this big are assembled in place as their chunks arrive. */
const ASSEMBLE_IN_PLACE_BYTES = 64 * 1024;

/**
 * Reassembles frames from stream chunks; a frame inside one chunk is a view, not a copy.
 * A big frame (a 1 MB tensor arrives in 64 KB chunks) is copied into a buffer of its final size
 * chunk by chunk: the copying overlaps the transfer instead of one join after the last chunk,
 * which measured about a tenth of the 1 MB round trip (bench/python.bench.ts).
 */
export class FrameDecoder {
  /**
   * @param maxFrameBytes largest length field accepted: a bigger one (a peer writing garbage, say
   * `ff ff ff 7f`) throws DataLoss at once instead of waiting for, and allocating, that many bytes.
   */
  constructor(readonly maxFrameBytes: number = LEGACY_MAX_FRAME_BYTES) {}

  #chunks: Buffer[] = [];
  #buffered = 0;
  /** Bytes the partial frame needs in total (0 while its length field is incomplete). */
  #need = 0;
  /** A big frame being filled in place, and how many of its bytes are there. */
  #frame: Buffer | undefined;
  #filled = 0;

  push(chunk: Buffer): Frame[] {
    const frames: Frame[] = [];
    const frame = this.#frame;
    if (frame) {
      const missing = frame.length - this.#filled;
      if (chunk.length < missing) {
        chunk.copy(frame, this.#filled);
        this.#filled += chunk.length;
        return frames;
      }
      chunk.copy(frame, this.#filled, 0, missing);
      this.#frame = undefined;
      frames.push(toFrame(frame, 0, frame.length));
      if (chunk.length === missing) return frames;
      chunk = chunk.subarray(missing);
    }
    let buf: Buffer;
    if (this.#buffered === 0) buf = chunk;
    else {
      this.#chunks.push(chunk);
      this.#buffered += chunk.length;
      if (this.#need && this.#buffered < this.#need) return frames;
      buf = Buffer.concat(this.#chunks, this.#buffered);
      this.#chunks = [];
      this.#buffered = 0;
    }
    let pos = 0;
    this.#need = 0;
    while (buf.length - pos >= 4) {
      const length = buf.readUInt32LE(pos);
      if (length < HEADER_SIZE - 4) throw protocolError(`bad frame length ${length}`);
      if (length > this.maxFrameBytes) throw protocolError(`frame length ${length} bytes is over the limit maxFrameBytes=${this.maxFrameBytes}`);
      const end = pos + 4 + length;
      if (end > buf.length) {
        this.#need = 4 + length;
        break;
      }
      frames.push(toFrame(buf, pos, end));
      pos = end;
    }
    if (pos < buf.length) {
      const rest = buf.subarray(pos);
      if (this.#need >= ASSEMBLE_IN_PLACE_BYTES) {
        this.#frame = Buffer.allocUnsafe(this.#need);
        this.#filled = rest.copy(this.#frame);
        this.#need = 0;
      } else {
        this.#chunks.push(rest);
        this.#buffered = rest.length;
      }
    }
    return frames;
  }
}

function toFrame(buf: Buffer, pos: number, end: number): Frame {
  return { type: buf[pos + 4], kind: buf[pos + 5], flags: buf.readUInt16LE(pos + 6), requestId: buf.readUInt32LE(pos + 8), bytes: buf.subarray(pos, end) };
}
