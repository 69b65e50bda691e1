import { pooledBytes } from './pooled-bytes.js';

const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Little-endian bytes as a fresh Float32Array. Always copies: decoded protobuf bytes are
 * sub-views of the receive buffer (unaligned, and reused by the caller). Unlike runtime-core's
 * bytesToFloat32, whose result owns its whole ArrayBuffer, small results here share a slab
 * (pooled-bytes.ts): this runs for every chunk the gRPC server receives.
 */
export function leBytesToFloat32(bytes: Uint8Array): Float32Array {
  const n = bytes.byteLength >>> 2;
  if (littleEndianHost) {
    const copy = pooledBytes(n * 4);
    copy.set(bytes.subarray(0, n * 4));
    return new Float32Array(copy.buffer, copy.byteOffset, n);
  }
  const out = new Float32Array(n);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
  return out;
}
