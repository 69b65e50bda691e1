// Small allocations from a shared slab, like Node's Buffer pool but without Buffer (browser-safe):
// a fresh ArrayBuffer per 20 ms chunk (decoded samples, encoded results) was a measurable share of
// the gRPC server's CPU. Slab memory is zeroed and never handed out twice; a slab is freed when no
// view into it is left.

/** Requests smaller than this share a slab; larger ones get their own memory. */
const POOLED_MAX_BYTES = 4096;
const SLAB_BYTES = 8192;
let slab = new ArrayBuffer(SLAB_BYTES);
let slabOffset = 0;

/**
 * `size` zeroed bytes at an 8-byte-aligned offset of the current slab, or fresh memory when large.
 * The view's `.buffer` may hold other values: use byteOffset/byteLength, never the whole buffer.
 */
export function pooledBytes(size: number): Uint8Array {
  if (size >= POOLED_MAX_BYTES) return new Uint8Array(size);
  if (slabOffset + size > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    slabOffset = 0;
  }
  const out = new Uint8Array(slab, slabOffset, size);
  slabOffset = (slabOffset + size + 7) & ~7;
  return out;
}
