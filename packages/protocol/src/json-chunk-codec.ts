// Hand-written protobuf for a JSON result (a VAD event, a transcript update): a session can send
// one per 20 ms audio chunk, and protobuf-es' create + toBinary for it was ~2% of the gRPC
// server's time at 60 SileroVAD sessions (`pnpm bench capacity` profile), more than any function
// of ours. Same envelope and rules as the audio encoder (result-chunk.ts): byte-identical to
// protobuf-es, undefined for anything unusual so callers fall back to it.
import type { TransportData } from '@remotemedia/runtime-core';
import { encodeResultChunk, lenField, writeVarint } from './result-chunk.js';

const encoder = new TextEncoder();
/** Texts up to this many UTF-16 units are encoded into a reused scratch buffer (3 bytes per unit at most). */
const SCRATCH_UNITS = 16_384;
let scratch = new Uint8Array(1024);

/** UTF-8 of `text`, in the scratch buffer (valid until the next call) when it is not large. */
function utf8Of(text: string): Uint8Array {
  if (text.length > SCRATCH_UNITS) return encoder.encode(text);
  if (scratch.length < text.length * 3) scratch = new Uint8Array(text.length * 3);
  return scratch.subarray(0, encoder.encodeInto(text, scratch).written);
}

/**
 * StreamPipelineResponse { result: DataChunk { data: { json } } } as bytes, after `reserve` free
 * bytes at the front (for a transport's frame header); the text is `JSON.stringify(value)`, as
 * toDataBuffer writes it. Undefined when `value` is not JSON or does not fit the fast path
 * (including values JSON.stringify refuses); encode it with protobuf-es then.
 * Small results are views into a shared slab: use their byteOffset, not the whole `.buffer`.
 */
export function encodeJsonResult(value: TransportData, reserve = 0): Uint8Array | undefined {
  const d = value.data;
  if (d.kind !== 'json') return undefined;
  let text: string | undefined;
  try {
    text = JSON.stringify(d.value);
  } catch {
    return undefined; // BigInt, cycles: protobuf-es' path throws the same error
  }
  // Not a string for `undefined` or a function; proto3 would omit an empty string.
  if (typeof text !== 'string' || text.length === 0) return undefined;
  // One TextEncoder pass gives the length and the bytes (cheaper than counting, then writing).
  // JSON.stringify escapes lone surrogates (ES2019): the text is well-formed, nothing becomes U+FFFD.
  const utf8 = utf8Of(text);
  return encodeResultChunk(value, reserve, 0x2a /* DataBuffer.json */, lenField(utf8.length), (out, p) => {
    out[p++] = 0x0a; // JsonPayload.json
    p = writeVarint(out, p, utf8.length);
    out.set(utf8, p);
  });
}
