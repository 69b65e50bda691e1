import type { TransportData } from '@remotemedia/runtime-core';
import { decodeMessage, encodeMessage } from '@remotemedia/transport-http';
import { describe, expect, it } from 'vitest';

/** The frame placed inside a larger buffer at an offset, as ws hands out slices of its read buffers. */
function embedded(frame: Uint8Array): { view: Uint8Array; backing: Uint8Array } {
  const backing = new Uint8Array(frame.byteLength + 37);
  backing.set(frame, 13);
  return { view: backing.subarray(13, 13 + frame.byteLength), backing };
}

describe('WebSocket frames', () => {
  it('round-trip binary payloads with non-ASCII headers, and decoded data owns its memory', () => {
    const items: TransportData[] = [
      {
        data: { kind: 'audio', samples: Float32Array.from([0.5, -0.25, 1]), sampleRate: 16000, channels: 1, streamId: 'mic-ü' },
        metadata: { speaker: 'Zoë 👋' },
      },
      { data: { kind: 'binary', bytes: Uint8Array.from([1, 2, 3, 250]), mimeType: 'application/x-é' }, metadata: {} },
      { data: { kind: 'image', bytes: Uint8Array.from([9, 8, 7]), format: 'png', width: 1, height: 1 }, metadata: {}, sequence: 4 },
    ];
    for (const item of items) {
      const frame = encodeMessage({ type: 'input', id: 7, item, nodeId: 'n' });
      expect(frame).toBeInstanceOf(Uint8Array);
      const { view, backing } = embedded(frame as Uint8Array);
      const decoded = decodeMessage(view) as { type: string; id: number; nodeId: string; item: TransportData };
      expect(decoded).toMatchObject({ type: 'input', id: 7, nodeId: 'n' });
      expect(decoded.item).toEqual(item);
      backing.fill(0); // the receive buffer is reused: nothing decoded may change with it
      expect(decoded.item).toEqual(item);
    }
  });

  it('outputs carry their item and nothing else; text data goes as a JSON text frame', () => {
    const out = encodeMessage({
      type: 'output',
      item: { data: { kind: 'audio', samples: new Float32Array(2), sampleRate: 8000, channels: 2 }, metadata: { a: 'b' } },
    });
    expect(decodeMessage(out)).toEqual({
      type: 'output',
      item: { data: { kind: 'audio', samples: new Float32Array(2), sampleRate: 8000, channels: 2 }, metadata: { a: 'b' } },
    });
    const text = encodeMessage({ type: 'output', item: { data: { kind: 'text', text: 'hi' }, metadata: {} } });
    expect(typeof text).toBe('string');
    expect(decodeMessage(text)).toEqual({ type: 'output', item: { data: { kind: 'text', text: 'hi' }, metadata: {} } });
  });

  it('rejects frames whose header length or payload is wrong, naming the problem', () => {
    const good = encodeMessage({
      type: 'input',
      id: 1,
      item: { data: { kind: 'audio', samples: new Float32Array(4), sampleRate: 16000, channels: 1 }, metadata: {} },
    }) as Uint8Array;
    const lying = Uint8Array.from(good); // own buffer: frames may be views into a shared pool
    new DataView(lying.buffer).setUint32(0, 1_000_000, true);
    expect(() => decodeMessage(lying)).toThrow(/header length 1000000 exceeds/);
    expect(() => decodeMessage(good.subarray(0, good.byteLength - 1))).toThrow(/not float32/);
    expect(() => decodeMessage(new Uint8Array(2))).toThrow(/shorter than its 4-byte header/);
  });
});
