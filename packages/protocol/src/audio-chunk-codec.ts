// Hand-written protobuf for the one message shape a real-time session sends 50 times a second per
// stream: an audio DataChunk inside StreamPipelineRequest.data / StreamPipelineResponse.result.
// Why not protobuf-es: for a 20 ms chunk its create + toBinary costs ~5.6 us and fromBinary +
// mapping ~2.3 us (`pnpm bench grpc` profile: the server's top cost); this does each in a fraction,
// in one allocation. It covers audio only (json-chunk-codec.ts does a session's JSON events; both
// share result-chunk.ts) and returns undefined for anything else or anything unusual (unknown or
// repeated fields, huge varints, invalid values), so callers fall back to protobuf-es, which stays
// the reference: test/audio-chunk-codec.test.ts checks both agree.
// Plain Uint8Array and TextEncoder/TextDecoder: runs in Node.js and browsers alike.
import type { AudioData, TransportData } from '@remotemedia/runtime-core';
import { audioFromWire } from './data-buffer.js';
import { encodeResultChunk, isWireInt, lenField, varintSize, writeStringField, writeVarint } from './result-chunk.js';
import { readUtf8, utf8Length } from './utf8.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
const isUint32 = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 0xffffffff;

/**
 * StreamPipelineResponse { result: DataChunk { data: { audio } } } as bytes, after `reserve` free
 * bytes at the front (for a transport's frame header). Undefined when `value` is not audio or
 * does not fit the fast path; encode it with protobuf-es then.
 * Small results are views into a shared slab: use their byteOffset, not the whole `.buffer`.
 */
export function encodeAudioResult(value: TransportData, reserve = 0): Uint8Array | undefined {
  const a = value.data;
  if (a.kind !== 'audio' || !littleEndianHost) return undefined;
  const timestampUs = a.timestampUs === undefined ? undefined : Math.round(a.timestampUs);
  if (!isWireInt(timestampUs) || !isUint32(a.sampleRate) || !isUint32(a.channels)) return undefined;
  const samples = a.samples.byteLength;
  const streamIdBytes = a.streamId === undefined ? -1 : utf8Length(a.streamId);
  const audioLen =
    (samples ? lenField(samples) : 0) +
    (a.sampleRate ? 1 + varintSize(a.sampleRate) : 0) +
    (a.channels ? 1 + varintSize(a.channels) : 0) +
    (timestampUs === undefined ? 0 : 1 + varintSize(timestampUs)) +
    (streamIdBytes < 0 ? 0 : lenField(streamIdBytes));
  return encodeResultChunk(value, reserve, 0x0a /* DataBuffer.audio */, audioLen, (out, p) => {
    if (samples) {
      out[p++] = 0x0a; // AudioBuffer.samples (proto3 omits empty bytes)
      p = writeVarint(out, p, samples);
      out.set(new Uint8Array(a.samples.buffer, a.samples.byteOffset, samples), p);
      p += samples;
    }
    if (a.sampleRate) {
      out[p++] = 0x10;
      p = writeVarint(out, p, a.sampleRate);
    }
    if (a.channels) {
      out[p++] = 0x18;
      p = writeVarint(out, p, a.channels);
    }
    if (timestampUs !== undefined) {
      out[p++] = 0x20;
      p = writeVarint(out, p, timestampUs);
    }
    if (streamIdBytes >= 0) writeStringField(out, p, 0x2a, a.streamId!, streamIdBytes);
  });
}

/** A cursor over protobuf bytes that gives up (returns -1 / undefined) instead of throwing. */
class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let scale = 1;
    while (this.pos < this.end) {
      const b = this.buf[this.pos++];
      // Exact in float64 while the sum stays below 2^53; larger values go to the BigInt path.
      result += (b & 127) * scale;
      if (b < 128) return result <= Number.MAX_SAFE_INTEGER ? result : -1;
      scale *= 128;
      if (scale > 2 ** 49) return -1;
    }
    return -1;
  }
  /** End offset of a length-delimited field starting at pos, or -1. */
  len(): number {
    const n = this.varint();
    return n < 0 || this.pos + n > this.end ? -1 : this.pos + n;
  }
  string(end: number): string {
    const s = readUtf8(this.buf, this.pos, end);
    this.pos = end;
    return s;
  }
}

function readAudio(r: Reader, end: number): AudioData | undefined {
  let samples: Uint8Array = new Uint8Array(0); // proto3 omits empty bytes
  let sampleRate = 0;
  let channels = 0;
  let timestampUs: bigint | undefined;
  let streamId: string | undefined;
  let seen = 0;
  while (r.pos < end) {
    const tag = r.buf[r.pos++];
    const field = tag >> 3;
    if (field < 1 || field > 5 || seen & (1 << field)) return undefined;
    seen |= 1 << field;
    if (tag === 0x0a || tag === 0x2a) {
      const e = r.len();
      if (e < 0 || e > end) return undefined;
      if (tag === 0x0a) {
        samples = r.buf.subarray(r.pos, e);
        r.pos = e;
      } else streamId = r.string(e);
    } else if (tag === 0x10 || tag === 0x18 || tag === 0x20) {
      const n = r.varint();
      if (n < 0 || (tag !== 0x20 && n > 0xffffffff)) return undefined;
      if (tag === 0x10) sampleRate = n;
      else if (tag === 0x18) channels = n;
      else timestampUs = BigInt(n);
    } else return undefined;
  }
  if (r.pos !== end || samples.byteLength % 4 !== 0 || channels < 1 || sampleRate < 1) return undefined;
  return audioFromWire({ samples, sampleRate, channels, timestampUs, streamId }, 'data') as AudioData;
}

/**
 * StreamPipelineRequest { data: DataChunk { data: { audio } } } bytes -> the input and its
 * optional target node. Undefined for any other request or anything the fast path does not
 * handle (including invalid values, whose errors protobuf-es' path then reports with context).
 */
export function decodeAudioData(bytes: Uint8Array): { input: TransportData; nodeId: string | undefined } | undefined {
  if (!littleEndianHost || bytes[0] !== 0x12) return undefined; // StreamPipelineRequest.data
  const r = new Reader(bytes, 1, bytes.length);
  const chunkEnd = r.len();
  if (chunkEnd !== bytes.length) return undefined;
  let data: AudioData | undefined;
  let sequence: number | undefined;
  let nodeId: string | undefined;
  let metadata: Record<string, string> | undefined;
  while (r.pos < chunkEnd) {
    const tag = bytes[r.pos++];
    if (tag === 0x0a && data === undefined) {
      const bufferEnd = r.len();
      if (bufferEnd < 0 || bytes[r.pos++] !== 0x0a) return undefined; // DataBuffer.audio
      const audioEnd = r.len();
      if (audioEnd !== bufferEnd) return undefined;
      data = readAudio(r, audioEnd);
      if (!data) return undefined;
    } else if (tag === 0x10 && sequence === undefined) {
      sequence = r.varint();
      if (sequence < 0) return undefined;
    } else if (tag === 0x1a) {
      const entryEnd = r.len();
      if (entryEnd < 0) return undefined;
      let key = '';
      let value = '';
      while (r.pos < entryEnd) {
        const t = bytes[r.pos++];
        const e = r.len();
        if ((t !== 0x0a && t !== 0x12) || e < 0 || e > entryEnd) return undefined;
        if (t === 0x0a) key = r.string(e);
        else value = r.string(e);
      }
      (metadata ??= {})[key] = value;
    } else if (tag === 0x22 && nodeId === undefined) {
      const e = r.len();
      if (e < 0) return undefined;
      nodeId = r.string(e);
    } else return undefined;
  }
  if (!data) return undefined;
  const input: TransportData = sequence === undefined ? { data, metadata: metadata ?? {} } : { data, metadata: metadata ?? {}, sequence };
  return { input, nodeId };
}
