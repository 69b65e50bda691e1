import { Code, RemoteMediaError, type TransportData } from '@remotemedia/runtime-core';
import { decodeDataBuffer, encodeDataBuffer } from './data-buffer-codec.js';

/**
 * One data-channel message: a RuntimeData in the binary DataBuffer encoding of
 * `@remotemedia/protocol`, optionally preceded by a small JSON header for what DataBuffer
 * does not carry (transport metadata, sequence number, target node).
 *
 *   byte 0 = 0: the rest is a DataBuffer
 *   byte 0 = 1: u32 LE header length, UTF-8 JSON header, then a DataBuffer
 */
export interface DataFrame {
  item: TransportData;
  /** Deliver to this node instead of the pipeline's sources (client -> server only). */
  nodeId?: string;
}

interface FrameHeader {
  metadata?: Record<string, string>;
  sequence?: number;
  nodeId?: string;
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function encodeDataFrame(frame: DataFrame): Uint8Array {
  const body = encodeDataBuffer(frame.item.data);
  const header: FrameHeader = {};
  if (Object.keys(frame.item.metadata).length) header.metadata = frame.item.metadata;
  if (frame.item.sequence !== undefined) header.sequence = frame.item.sequence;
  if (frame.nodeId !== undefined) header.nodeId = frame.nodeId;
  if (Object.keys(header).length === 0) {
    const out = new Uint8Array(1 + body.length);
    out.set(body, 1);
    return out;
  }
  const head = utf8.encode(JSON.stringify(header));
  const out = new Uint8Array(5 + head.length + body.length);
  out[0] = 1;
  new DataView(out.buffer).setUint32(1, head.length, true);
  out.set(head, 5);
  out.set(body, 5 + head.length);
  return out;
}

export function decodeDataFrame(bytes: Uint8Array): DataFrame {
  if (bytes.length === 0) throw new RemoteMediaError(Code.InvalidArgument, 'empty data-channel message');
  if (bytes[0] === 0) return { item: { data: decodeDataBuffer(bytes.subarray(1)), metadata: {} } };
  if (bytes[0] !== 1) throw new RemoteMediaError(Code.InvalidArgument, `data-channel message starts with unknown frame tag ${bytes[0]}; expected 0 or 1`);
  if (bytes.length < 5) throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header is truncated');
  const headLength = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(1, true);
  if (5 + headLength > bytes.length) throw new RemoteMediaError(Code.InvalidArgument, `data-channel frame header length ${headLength} exceeds the message (${bytes.length} bytes)`);
  const header = parseHeader(bytes.subarray(5, 5 + headLength));
  const item: TransportData = { data: decodeDataBuffer(bytes.subarray(5 + headLength)), metadata: header.metadata ?? {} };
  if (header.sequence !== undefined) item.sequence = header.sequence;
  return header.nodeId === undefined ? { item } : { item, nodeId: header.nodeId };
}

function parseHeader(bytes: Uint8Array): FrameHeader {
  let value: unknown;
  try {
    value = JSON.parse(utf8Decoder.decode(bytes));
  } catch (error) {
    throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header is not valid UTF-8 JSON', { cause: error });
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header must be a JSON object');
  const h = value as Record<string, unknown>;
  if (h.metadata !== undefined && (typeof h.metadata !== 'object' || h.metadata === null || Object.values(h.metadata).some((v) => typeof v !== 'string'))) {
    throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header: metadata must map strings to strings');
  }
  if (h.sequence !== undefined && !Number.isSafeInteger(h.sequence)) throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header: sequence must be an integer');
  if (h.nodeId !== undefined && typeof h.nodeId !== 'string') throw new RemoteMediaError(Code.InvalidArgument, 'data-channel frame header: nodeId must be a string');
  return h as FrameHeader;
}
