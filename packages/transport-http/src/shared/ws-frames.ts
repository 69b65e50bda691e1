/**
 * WebSocket message format of the streaming endpoint. Control messages and non-binary data are
 * JSON text frames; data with a binary payload (audio, video, image, tensor, binary) goes in a
 * binary frame: [u32 LE header length][header JSON][raw payload], the header being the message
 * with the payload field left out, so audio costs no base64.
 */
import { Code, RemoteMediaError, type TransportData } from '@remotemedia/runtime-core';
import {
  PAYLOAD_FIELDS,
  type TransportDataJson,
  bytesToFloat32,
  float32ToBytes,
  transportDataFromJson,
  transportDataToJson,
  validateRuntimeData,
} from '@remotemedia/runtime-core/kit';
import type { ErrorBody } from './http-errors.js';

/** Client -> server. */
export type ClientMessage =
  | { type: 'start'; manifest: unknown; timeoutMs?: number }
  | { type: 'attach'; sessionId: string }
  | { type: 'input'; id: number; item: TransportData; nodeId?: string }
  | { type: 'end' }
  | { type: 'close'; reason?: string };

/** Server -> client. */
export type ServerMessage =
  | { type: 'started'; sessionId: string }
  | { type: 'ack'; id: number; error?: ErrorBody }
  | { type: 'output'; item: TransportData }
  | { type: 'error'; error: ErrorBody }
  | { type: 'end' };

type DataMessage = { type: 'input' | 'output'; item: TransportData; [k: string]: unknown };
type Frame = string | Uint8Array;

const decoder = new TextDecoder();

export function encodeMessage(message: ClientMessage | ServerMessage): Frame {
  if (message.type !== 'input' && message.type !== 'output') return JSON.stringify(message);
  const { item } = message as DataMessage;
  const data = item.data;
  const field = (PAYLOAD_FIELDS as Partial<Record<string, string>>)[data.kind];
  if (!field) return JSON.stringify({ ...message, item: transportDataToJson(item) });
  const payload = data.kind === 'audio' ? float32ToBytes(data.samples) : (data as unknown as Record<string, Uint8Array>)[field];
  // The header is the message with the payload field left out; built by copying rather than with
  // object rest patterns, which V8 runs on a slow path (they showed in the WebSocket round trip).
  const header: Record<string, unknown> = {};
  for (const key in data) if (key !== field) header[key] = (data as unknown as Record<string, unknown>)[key];
  const text = JSON.stringify({ ...message, item: { ...item, data: header } });
  // Encoded straight into the frame, taken from Node's buffer pool: a new Uint8Array of a chunk's
  // size gets its own off-heap backing store, which showed in the WebSocket round trip's profile.
  // Every byte is written, so the pool's uninitialized memory never leaks.
  const headerLength = Buffer.byteLength(text);
  const frame = Buffer.allocUnsafe(4 + headerLength + payload.byteLength);
  frame.writeUInt32LE(headerLength, 0);
  frame.write(text, 4, 'utf8');
  frame.set(payload, 4 + headerLength);
  return frame;
}

/**
 * What `ws` hands a 'message' listener (a Buffer with the default binaryType), as a Frame. Binary
 * data becomes a plain Uint8Array view, not a copy: decodeMessage copies the payload it keeps, and
 * a view keeps `slice()` copying (Buffer's slice is a view).
 */
export function frameOf(raw: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): Frame {
  const bytes = Array.isArray(raw) ? Buffer.concat(raw) : raw instanceof ArrayBuffer ? new Uint8Array(raw) : raw;
  return isBinary ? new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) : decoder.decode(bytes);
}

/** Parses one frame; throws InvalidArgument naming what is wrong. Data is validated too. */
export function decodeMessage(frame: Frame): ClientMessage | ServerMessage {
  if (typeof frame === 'string') {
    const msg = parseJson(frame);
    if (msg.type === 'input' || msg.type === 'output') msg.item = validated(transportDataFromJson(msg.item, 'item'));
    return msg as unknown as ClientMessage | ServerMessage;
  }
  if (frame.byteLength < 4) throw bad('binary frame shorter than its 4-byte header length');
  const headerLength = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
  if (4 + headerLength > frame.byteLength) throw bad(`binary frame header length ${headerLength} exceeds the frame (${frame.byteLength} bytes)`);
  const msg = parseJson(decoder.decode(frame.subarray(4, 4 + headerLength)));
  if (msg.type !== 'input' && msg.type !== 'output') throw bad(`binary frames carry input or output messages, not ${JSON.stringify(msg.type)}`);
  // Copied once (audio by bytesToFloat32, other bytes by slice), so the data owns its memory whatever the frame's buffer is.
  const payload = frame.subarray(4 + headerLength);
  const json = msg.item as TransportDataJson | undefined;
  const kind = json?.data?.kind as keyof typeof PAYLOAD_FIELDS | undefined;
  const field = kind && PAYLOAD_FIELDS[kind];
  if (!json || !field) throw bad('binary frame header has no item.data.kind with a binary payload');
  if (kind === 'audio' && payload.byteLength % 4 !== 0) throw bad(`audio payload of ${payload.byteLength} bytes is not float32 (a multiple of 4)`);
  // Decode the header with an empty payload (validates every other field), then attach the bytes.
  const item = transportDataFromJson({ ...json, data: { ...json.data, [field]: '' } }, 'item');
  (item.data as unknown as Record<string, unknown>)[field] = kind === 'audio' ? bytesToFloat32(payload) : payload.slice();
  msg.item = validated(item);
  return msg as unknown as ClientMessage | ServerMessage;
}

/**
 * Checks a decoded message is one a client may send, with fields of the right types (what
 * decodeMessage does not check); throws InvalidArgument (reason `BadFrame`) naming the field.
 */
export function checkClientMessage(msg: ClientMessage | ServerMessage): ClientMessage {
  const m = msg as unknown as Record<string, unknown>;
  const field = (name: string, ok: boolean, expected: string) => {
    if (!ok)
      throw new RemoteMediaError(Code.InvalidArgument, `${String(m.type)} message: "${name}" must be ${expected}`, {
        reason: 'BadFrame',
        details: [{ path: name, message: `expected ${expected}` }],
      });
  };
  switch (m.type) {
    case 'start':
      field('manifest', m.manifest !== undefined && m.manifest !== null, 'a manifest (object or text)');
      break;
    case 'attach':
      field('sessionId', typeof m.sessionId === 'string' && m.sessionId.length <= 256, 'a session id (string)');
      break;
    case 'input':
      field('id', Number.isSafeInteger(m.id), 'an integer');
      field('nodeId', m.nodeId === undefined || typeof m.nodeId === 'string', 'a string');
      break;
    case 'close':
      field('reason', m.reason === undefined || typeof m.reason === 'string', 'a string');
      break;
    case 'end':
      break;
    default:
      throw new RemoteMediaError(
        Code.InvalidArgument,
        `unknown message type ${JSON.stringify(String(m.type).slice(0, 40))}; a client sends start, attach, input, end or close`,
        { reason: 'BadFrame', details: [{ path: 'type', message: 'unknown message type' }] },
      );
  }
  return msg as ClientMessage;
}

function validated(item: TransportData): TransportData {
  const issues = validateRuntimeData(item.data).map((d) => ({ path: `item.data.${d.path}`, message: d.message }));
  if (issues.length) throw new RemoteMediaError(Code.InvalidArgument, `${issues[0].path}: ${issues[0].message}`, { details: issues, reason: 'InvalidData' });
  return item;
}

function parseJson(text: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw bad(`message is not valid JSON: ${(error as Error).message}`);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value) || typeof (value as { type?: unknown }).type !== 'string')
    throw bad('message must be a JSON object with a string "type"');
  return value as Record<string, unknown>;
}

const bad = (message: string) => new RemoteMediaError(Code.InvalidArgument, message, { reason: 'BadFrame' });

/** Best-effort `id` of a frame that failed to decode, so the error can be acked to the right send. */
export function messageId(frame: Frame): number | undefined {
  try {
    let text = frame;
    if (typeof frame !== 'string') {
      const length = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, true);
      text = decoder.decode(frame.subarray(4, 4 + length));
    }
    const id = (JSON.parse(text as string) as { id?: unknown }).id;
    return typeof id === 'number' ? id : undefined;
  } catch {
    return undefined;
  }
}
