import type { RuntimeData } from '../data/runtime-data.js';

/** One value of every RuntimeData kind, with awkward content (NaN-free but extreme floats, unicode, empty bytes). */
export function sampleOfEveryKind(): Record<RuntimeData['kind'], RuntimeData> {
  const samples = new Float32Array(320 * 2);
  for (let i = 0; i < samples.length; i++) samples[i] = Math.sin(i / 7) * (i % 3 === 0 ? 1 : 0.25);
  samples[1] = 3.4028234663852886e38;
  samples[2] = 1.401298464324817e-45;
  const pixels = new Uint8Array(4 * 3 * 3);
  pixels.forEach((_, i) => (pixels[i] = (i * 37) & 255));
  const tensor = new Float32Array([1.5, -2.25, 3e-8, 42, 0.1, 7]);
  return {
    audio: { kind: 'audio', samples, sampleRate: 16000, channels: 2, timestampUs: 1_234_567, streamId: 'mic-1' },
    video: { kind: 'video', pixels, width: 4, height: 3, pixelFormat: 'rgb24', codec: 'raw', frameNumber: 9, timestampUs: 33_000, keyframe: true },
    image: { kind: 'image', bytes: new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 255]), format: 'png', width: 1, height: 1 },
    tensor: { kind: 'tensor', bytes: new Uint8Array(tensor.buffer), shape: [2, 3], dtype: 'float32' },
    json: { kind: 'json', value: { a: [1, 2.5, null, true, 'x'], nested: { ü: 'ß' }, big: 9007199254740991 } },
    text: { kind: 'text', text: 'héllo 🌍 "quotes" \n new line', channel: 'transcript' },
    binary: { kind: 'binary', bytes: new Uint8Array([0, 1, 2, 253, 254, 255]), mimeType: 'application/x-test' },
    control: { kind: 'control', control: { type: 'batch_hint', batchSize: 8 } },
  };
}
