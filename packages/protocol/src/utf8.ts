// UTF-8 for the hand-written codec without Node's Buffer, so the package bundles for browsers.
// Short ASCII strings (metadata keys, stream ids) take a plain loop: TextEncoder/TextDecoder cost
// more per call than the copy itself at that size.

const encoder = new TextEncoder();
const decoder = new TextDecoder();
/** Longer strings go to TextEncoder/TextDecoder, whose per-call cost is then amortised. */
const SHORT = 64;

/** Bytes of `s` in UTF-8; a lone surrogate counts 3 (it is written as U+FFFD, like TextEncoder). */
export function utf8Length(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) n += 1;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 2; // a surrogate pair: 2 UTF-16 units, 4 bytes
      i++;
    } else n += 2;
  }
  return n;
}

/** Writes `s` at `pos` (room for utf8Length(s) bytes must be there); returns the bytes written. */
export function writeUtf8(out: Uint8Array, pos: number, s: string): number {
  if (s.length <= SHORT) {
    let i = 0;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) break;
      out[pos + i] = c;
    }
    if (i === s.length) return i;
  }
  return encoder.encodeInto(s, out.subarray(pos)).written;
}

/** The UTF-8 text in `bytes[start, end)`; invalid sequences become U+FFFD. */
export function readUtf8(bytes: Uint8Array, start: number, end: number): string {
  if (end - start <= SHORT) {
    let s = '';
    for (let i = start; i < end; i++) {
      const b = bytes[i];
      if (b >= 0x80) return decoder.decode(bytes.subarray(start, end));
      s += String.fromCharCode(b);
    }
    return s;
  }
  return decoder.decode(bytes.subarray(start, end));
}
