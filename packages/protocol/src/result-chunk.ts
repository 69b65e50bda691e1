// The envelope the hand-written result encoders share (audio-chunk-codec.ts, json-chunk-codec.ts):
// StreamPipelineResponse { result: DataChunk { data: DataBuffer { <one case> }, sequence, metadata } }.
// Fields go in protobuf-es' order (by field number, map entries with both key and value, minimal
// varints), so the bytes equal toBinary's for the same message; the tests check that.
import type { TransportData } from '@remotemedia/runtime-core';
import { pooledBytes } from './pooled-bytes.js';
import { utf8Length, writeUtf8 } from './utf8.js';

export const varintSize = (n: number): number => {
  let size = 1;
  while (n >= 128) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
};

export function writeVarint(out: Uint8Array, pos: number, n: number): number {
  while (n >= 128) {
    out[pos++] = (n % 128) | 128;
    n = Math.floor(n / 128);
  }
  out[pos++] = n;
  return pos;
}

/** Bytes of a length-delimited field (one-byte tag) whose payload has `payload` bytes. */
export const lenField = (payload: number): number => 1 + varintSize(payload) + payload;
/** A value the fast path writes as a plain varint: absent, or a safe non-negative integer. */
export const isWireInt = (n: number | undefined): boolean => n === undefined || (Number.isSafeInteger(n) && n >= 0);

/** Writes `s` (`bytes` long in UTF-8) as a length-delimited field with one-byte `tag`; returns the end. */
export function writeStringField(out: Uint8Array, pos: number, tag: number, s: string, bytes: number): number {
  out[pos++] = tag;
  pos = writeVarint(out, pos, bytes);
  return pos + writeUtf8(out, pos, s);
}

/**
 * StreamPipelineResponse { result } bytes after `reserve` free bytes (for a transport's frame
 * header). The chunk's DataBuffer holds one case, tag `bufferTag`, of `payloadLen` bytes that
 * `writePayload` writes at the offset it is given. Undefined when the sequence or metadata do not
 * fit the fast path (protobuf-es then encodes the message and reports what is wrong with it).
 * Small results are views into a shared slab (see pooledBytes): mind their byteOffset.
 */
export function encodeResultChunk(
  value: TransportData,
  reserve: number,
  bufferTag: number,
  payloadLen: number,
  writePayload: (out: Uint8Array, pos: number) => void,
): Uint8Array | undefined {
  const { sequence, metadata } = value;
  if (!isWireInt(sequence)) return undefined;
  const keys = metadata ? Object.keys(metadata) : [];
  // Each key's and value's UTF-8 length, pairwise; metadata is small or (mostly) empty.
  const lengths = keys.length ? new Array<number>(keys.length * 2) : undefined;
  let metadataLen = 0;
  for (let i = 0; i < keys.length; i++) {
    const v = metadata[keys[i]];
    if (typeof v !== 'string') return undefined;
    const kl = (lengths![2 * i] = utf8Length(keys[i]));
    const vl = (lengths![2 * i + 1] = utf8Length(v));
    metadataLen += lenField(lenField(kl) + lenField(vl));
  }
  const bufferLen = lenField(payloadLen);
  const chunkLen = lenField(bufferLen) + (sequence === undefined ? 0 : 1 + varintSize(sequence)) + metadataLen;
  const out = pooledBytes(reserve + lenField(chunkLen));
  let p = reserve;
  out[p++] = 0x12; // StreamPipelineResponse.result
  p = writeVarint(out, p, chunkLen);
  out[p++] = 0x0a; // DataChunk.data
  p = writeVarint(out, p, bufferLen);
  out[p++] = bufferTag;
  p = writeVarint(out, p, payloadLen);
  writePayload(out, p);
  p += payloadLen;
  if (sequence !== undefined) {
    out[p++] = 0x10; // DataChunk.sequence
    p = writeVarint(out, p, sequence);
  }
  for (let i = 0; i < keys.length; i++) {
    const kl = lengths![2 * i];
    const vl = lengths![2 * i + 1];
    out[p++] = 0x1a; // DataChunk.metadata entry { key = 1, value = 2 }
    p = writeVarint(out, p, lenField(kl) + lenField(vl));
    p = writeStringField(out, p, 0x0a, keys[i], kl);
    p = writeStringField(out, p, 0x12, metadata[keys[i]], vl);
  }
  return out;
}
