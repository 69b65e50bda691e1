import { describe, expect, it } from 'vitest';
import { leBytesToFloat32 } from '../src/index.js';
import { readUtf8, utf8Length, writeUtf8 } from '../src/utf8.js';

const samples = ['', 'mic-1', 'Zoë', '🎙 mic', 'a\ud800b', '\udc00', 'x\ud83c', '中文'.repeat(40), 'ascii '.repeat(30), 'é'.repeat(100) + '\ud800'];

describe('utf8 helpers (no Buffer)', () => {
  it.each(samples.map((s) => [JSON.stringify(s).slice(0, 30), s]))('agree with TextEncoder/TextDecoder: %s', (_name, s) => {
    const reference = new TextEncoder().encode(s);
    expect(utf8Length(s)).toBe(reference.length);
    const out = new Uint8Array(reference.length + 6).fill(0xaa);
    expect(writeUtf8(out, 3, s)).toBe(reference.length);
    expect(out.subarray(3, 3 + reference.length)).toEqual(reference);
    expect(out[3 + reference.length]).toBe(0xaa);
    expect(readUtf8(out, 3, 3 + reference.length)).toBe(new TextDecoder().decode(reference));
  });

  it('decodes invalid UTF-8 to U+FFFD like TextDecoder', () => {
    const bad = new Uint8Array([0x61, 0xc3, 0x28, 0xf0, 0x9f, 0x62]);
    expect(readUtf8(bad, 0, bad.length)).toBe(new TextDecoder().decode(bad));
  });

  it("leBytesToFloat32 copies: small results share a slab but never each other's values", () => {
    const a = leBytesToFloat32(new Uint8Array(new Float32Array([1, 2, 3]).buffer));
    const b = leBytesToFloat32(new Uint8Array(new Float32Array([4, 5]).buffer));
    const big = leBytesToFloat32(new Uint8Array(new Float32Array(2000).fill(7).buffer));
    expect([...a, ...b]).toEqual([1, 2, 3, 4, 5]);
    expect(a.byteOffset % 8).toBe(0);
    expect(b.byteOffset % 8).toBe(0);
    expect(big.byteOffset).toBe(0);
    expect(big.buffer.byteLength).toBe(8000);
  });
});
