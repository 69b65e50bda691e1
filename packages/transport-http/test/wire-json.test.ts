import { type RuntimeData, type TransportData, transportDataToJson } from '@remotemedia/runtime-core';
import { describe, expect, it } from 'vitest';
import { toWireJson } from '../src/shared/wire-json.js';

describe('toWireJson (native base64)', () => {
  it('is byte for byte runtime-core transportDataToJson for every kind', () => {
    const odd = Uint8Array.from({ length: 7 }, (_, i) => i * 37); // exercises padding
    const samples = Float32Array.from({ length: 5 }, (_, i) => Math.sin(i));
    const kinds: RuntimeData[] = [
      { kind: 'audio', samples: new Float32Array(samples.buffer, 4, 3), sampleRate: 16000, channels: 1, timestampUs: 3 },
      { kind: 'video', pixels: odd, width: 1, height: 7, pixelFormat: 'gray8' } as RuntimeData,
      { kind: 'image', bytes: odd.subarray(1), format: 'png' } as RuntimeData,
      { kind: 'tensor', bytes: odd.subarray(0, 4), shape: [2], dtype: 'int16' } as RuntimeData,
      { kind: 'binary', bytes: new Uint8Array(0), mimeType: 'x/y' },
      { kind: 'text', text: 'hi' },
      { kind: 'json', value: { a: [1] } },
    ];
    for (const data of kinds) {
      const items: TransportData[] = [{ data, metadata: {} }, { data, metadata: { k: 'v' }, sequence: 4 }];
      for (const item of items) {
        expect(JSON.stringify(toWireJson(item)), data.kind).toBe(JSON.stringify(transportDataToJson(item)));
      }
    }
  });
});
