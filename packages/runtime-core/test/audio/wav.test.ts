import { describe, expect, it } from 'vitest';
import { decodeWav, encodeWav } from '../../src/dsp/wav.js';
import { Code, RemoteMediaError } from '../../src/errors.js';
import { loadFixture } from './fixture.js';

const audio = (samples: number[], sampleRate = 16000, channels = 1) => ({ kind: 'audio' as const, samples: Float32Array.from(samples), sampleRate, channels });

function expectInvalid(bytes: Uint8Array, message: RegExp) {
  try {
    decodeWav(bytes);
    expect.unreachable('decodeWav should have thrown');
  } catch (e) {
    expect(e).toBeInstanceOf(RemoteMediaError);
    expect((e as RemoteMediaError).code).toBe(Code.InvalidArgument);
    expect((e as RemoteMediaError).message).toMatch(message);
  }
}

describe('WAV codec', () => {
  it('round-trips every format, rate and channel count', () => {
    const src = audio([0, 0.5, -0.5, 0.25, -1, 0.999, 0.125, -0.125, 0.3, -0.7], 44100, 2);
    for (const [format, tol] of [
      ['pcm16', 1 / 32768],
      ['pcm24', 1 / 8388608],
      ['pcm32', 1e-7],
      ['float32', 0],
    ] as const) {
      const back = decodeWav(encodeWav(src, { format }));
      expect(back.sampleRate).toBe(44100);
      expect(back.channels).toBe(2);
      expect(back.samples.length).toBe(10);
      for (let i = 0; i < 10; i++) expect(Math.abs(back.samples[i] - src.samples[i]), format).toBeLessThanOrEqual(tol);
    }
  });

  it('integer PCM files round-trip bit-exactly and clip out-of-range floats', () => {
    const wav = encodeWav(audio([-1, -0.5, 0.5, 32767 / 32768, 2, -3]));
    const back = decodeWav(wav);
    expect(Array.from(back.samples)).toEqual([-1, -0.5, 0.5, 32767 / 32768, 32767 / 32768, -1]);
    expect(encodeWav(back)).toEqual(wav);
  });

  it('decodes the committed 16-bit fixtures', () => {
    const mono = loadFixture('speech-16k-mono.wav');
    const stereo = loadFixture('speech-48k-stereo.wav');
    expect([mono.sampleRate, mono.channels]).toEqual([16000, 1]);
    expect([stereo.sampleRate, stereo.channels]).toEqual([48000, 2]);
    expect(mono.samples.length).toBeGreaterThan(16000 * 10);
  });

  it('reads float64, 8-bit, WAVE_FORMAT_EXTENSIBLE and skips unknown chunks', () => {
    const f32 = encodeWav(audio([0.25, -0.75]), { format: 'float32' });
    // Rebuild as float64 with a LIST chunk before data and an extensible fmt chunk.
    const samples = [0.25, -0.75];
    const fmt = new DataView(new ArrayBuffer(40));
    fmt.setUint16(0, 0xfffe, true);
    fmt.setUint16(2, 1, true);
    fmt.setUint32(4, 8000, true);
    fmt.setUint32(8, 8000 * 8, true);
    fmt.setUint16(12, 8, true);
    fmt.setUint16(14, 64, true);
    fmt.setUint16(16, 22, true);
    fmt.setUint16(24, 3, true); // sub-format GUID starts with 3 = IEEE float
    const data = new DataView(new ArrayBuffer(16));
    samples.forEach((s, i) => data.setFloat64(i * 8, s, true));
    const chunk = (id: string, body: Uint8Array) => {
      const out = new Uint8Array(8 + body.length + (body.length & 1));
      for (let i = 0; i < 4; i++) out[i] = id.charCodeAt(i);
      new DataView(out.buffer).setUint32(4, body.length, true);
      out.set(body, 8);
      return out;
    };
    const parts = [chunk('fmt ', new Uint8Array(fmt.buffer)), chunk('LIST', new Uint8Array(3)), chunk('data', new Uint8Array(data.buffer))];
    const body = new Uint8Array(4 + parts.reduce((n, p) => n + p.length, 0));
    body.set([...'WAVE'].map((c) => c.charCodeAt(0)));
    let o = 4;
    for (const p of parts) {
      body.set(p, o);
      o += p.length;
    }
    const file = new Uint8Array([...chunk('RIFF', body)]);
    const back = decodeWav(file);
    expect(Array.from(back.samples)).toEqual(samples);
    expect(back.sampleRate).toBe(8000);
    expect(decodeWav(f32).samples[1]).toBe(-0.75);
  });

  it('says clearly what is wrong with files that are not WAV or are truncated', () => {
    const good = encodeWav(audio([0.1, 0.2, 0.3, 0.4]));
    expectInvalid(new TextEncoder().encode('ID3\u0004 this is an mp3 file'), /not a WAV file/);
    expectInvalid(new Uint8Array(4), /too short for a RIFF header/);
    expectInvalid(good.subarray(0, good.length - 3), /truncated: the data chunk declares 8 bytes but only 5 remain/);
    expectInvalid(good.subarray(0, 30), /truncated: the "fmt " chunk/);
    expectInvalid(good.subarray(0, 36), /no "data" chunk/);
    const riffAvi = good.slice();
    riffAvi.set([65, 86, 73, 32], 8);
    expectInvalid(riffAvi, /form type is "AVI "/);
    const alaw = good.slice();
    new DataView(alaw.buffer).setUint16(20, 6, true);
    expectInvalid(alaw, /unsupported encoding format tag 6 16-bit/);
  });
});
