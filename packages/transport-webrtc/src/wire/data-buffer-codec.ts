// TEMPORARY: stands in for @remotemedia/protocol's encodeDataBuffer/decodeDataBuffer until it lands.
import { Code, RemoteMediaError, type RuntimeData } from '@remotemedia/runtime-core';

const enc = new TextEncoder();
const dec = new TextDecoder();

function toB64(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
  return btoa(s);
}
function fromB64(s: string): Uint8Array {
  const bin = atob(s);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}

export function encodeDataBuffer(data: RuntimeData): Uint8Array {
  return enc.encode(
    JSON.stringify(data, (_k, v: unknown) => {
      if (v instanceof Float32Array) return { $f32: toB64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength)) };
      if (v instanceof Uint8Array) return { $u8: toB64(v) };
      return v;
    }),
  );
}

export function decodeDataBuffer(bytes: Uint8Array): RuntimeData {
  try {
    return JSON.parse(dec.decode(bytes), (_k, v: unknown) => {
      if (v && typeof v === 'object' && '$f32' in v) {
        const b = fromB64((v as { $f32: string }).$f32);
        return new Float32Array(b.buffer, b.byteOffset, b.byteLength / 4);
      }
      if (v && typeof v === 'object' && '$u8' in v) return fromB64((v as { $u8: string }).$u8);
      return v;
    }) as RuntimeData;
  } catch (error) {
    throw new RemoteMediaError(Code.InvalidArgument, 'malformed DataBuffer bytes', { cause: error });
  }
}
