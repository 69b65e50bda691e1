const littleEndianHost = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Copies smaller than this share a slab (like Node's Buffer pool); larger ones get their own memory. */
const POOLED_MAX_BYTES = 4096;
const SLAB_BYTES = 8192;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/** `size` bytes at an 8-byte-aligned offset of the current slab, or fresh memory when large. */
function pooledBytes(size: number): Uint8Array {
  if (size >= POOLED_MAX_BYTES) return new Uint8Array(size);
  if (slabOffset + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new Uint8Array(slab, slabOffset, size);
  slabOffset = (slabOffset + size + 7) & ~7;
  return out;
}

/**
 * Little-endian bytes as a fresh Float32Array. Always copies: decoded protobuf bytes are
 * sub-views of the receive buffer (unaligned, and reused by the caller). Unlike runtime-core's
 * bytesToFloat32, whose result owns its whole ArrayBuffer, small results here share a slab: this
 * runs for every chunk the gRPC server receives, and a fresh ArrayBuffer per 20 ms chunk was a
 * measurable share of its CPU.
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
