// WAV (RIFF/WAVE) codec for AudioData. Browser-safe: Uint8Array and DataView only.
import type { AudioData } from '../data/runtime-data.js';
import { Code, RemoteMediaError } from '../errors.js';

export type WavSampleFormat = 'pcm16' | 'pcm24' | 'pcm32' | 'float32';

export interface EncodeWavOptions {
  /** Sample encoding in the file. Default `pcm16`. Float input is clipped to [-1, 1] for the PCM formats. */
  format?: WavSampleFormat;
}

const FORMAT_PCM = 1;
const FORMAT_FLOAT = 3;
const FORMAT_EXTENSIBLE = 0xfffe;

function invalid(message: string): RemoteMediaError {
  return new RemoteMediaError(Code.InvalidArgument, `invalid WAV file: ${message}`, { reason: 'InvalidWav' });
}

function tag(bytes: Uint8Array, offset: number): string {
  return String.fromCharCode(bytes[offset], bytes[offset + 1], bytes[offset + 2], bytes[offset + 3]);
}

/** Decodes a RIFF/WAVE file (PCM 8/16/24/32-bit integer, float 32/64-bit, any rate and channel count) into interleaved float32. */
export function decodeWav(bytes: Uint8Array): AudioData {
  if (bytes.length < 12) throw invalid(`${bytes.length} bytes is too short for a RIFF header (12 bytes)`);
  const riff = tag(bytes, 0);
  if (riff !== 'RIFF') {
    if (riff === 'RIFX' || riff === 'RF64') throw invalid(`${riff} files are not supported; convert to a little-endian RIFF WAV`);
    throw invalid(`does not start with "RIFF" (got ${JSON.stringify(riff)}); not a WAV file`);
  }
  if (tag(bytes, 8) !== 'WAVE') throw invalid(`RIFF form type is ${JSON.stringify(tag(bytes, 8))}, expected "WAVE"`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

  let fmt: { format: number; channels: number; sampleRate: number; blockAlign: number; bits: number } | undefined;
  let data: Uint8Array | undefined;
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = tag(bytes, offset);
    let size = view.getUint32(offset + 4, true);
    const body = offset + 8;
    if (id === 'data' && size === 0xffffffff) {
      size = bytes.length - body; // streaming writers leave the size unset
    }
    if (body + size > bytes.length) {
      if (id === 'data') throw invalid(`truncated: the data chunk declares ${size} bytes but only ${bytes.length - body} remain`);
      throw invalid(`truncated: the "${id}" chunk at byte ${offset} declares ${size} bytes but only ${bytes.length - body} remain`);
    }
    if (id === 'fmt ') {
      if (size < 16) throw invalid(`fmt chunk is ${size} bytes, expected at least 16`);
      let format = view.getUint16(body, true);
      const bits = view.getUint16(body + 14, true);
      if (format === FORMAT_EXTENSIBLE) {
        if (size < 40) throw invalid(`WAVE_FORMAT_EXTENSIBLE fmt chunk is ${size} bytes, expected 40`);
        format = view.getUint16(body + 24, true); // first two bytes of the sub-format GUID
      }
      fmt = { format, channels: view.getUint16(body + 2, true), sampleRate: view.getUint32(body + 4, true), blockAlign: view.getUint16(body + 12, true), bits };
    } else if (id === 'data') {
      data = bytes.subarray(body, body + size);
      break;
    }
    offset = body + size + (size & 1); // chunks are word-aligned
  }
  if (!fmt) throw invalid(data ? 'the data chunk comes before any "fmt " chunk' : 'no "fmt " chunk found (truncated or not a WAV file)');
  if (!data) throw invalid('no "data" chunk found (truncated?)');
  const { format, channels, sampleRate, bits } = fmt;
  if (channels < 1) throw invalid('channel count is 0');
  if (sampleRate < 1) throw invalid('sample rate is 0');
  const bytesPerSample = bits / 8;
  const supported = (format === FORMAT_PCM && [8, 16, 24, 32].includes(bits)) || (format === FORMAT_FLOAT && (bits === 32 || bits === 64));
  if (!supported) {
    const name = format === FORMAT_PCM ? 'PCM' : format === FORMAT_FLOAT ? 'float' : `format tag ${format}`;
    throw invalid(`unsupported encoding ${name} ${bits}-bit; supported: PCM 8/16/24/32-bit and float 32/64-bit`);
  }
  const frameBytes = bytesPerSample * channels;
  const frames = Math.floor(data.length / frameBytes);
  if (data.length % frameBytes !== 0) throw invalid(`truncated: data chunk of ${data.length} bytes is not a whole number of ${frameBytes}-byte frames`);

  const n = frames * channels;
  const samples = new Float32Array(n);
  const d = new DataView(data.buffer, data.byteOffset, data.byteLength);
  if (format === FORMAT_FLOAT && bits === 32) for (let i = 0; i < n; i++) samples[i] = d.getFloat32(i * 4, true);
  else if (format === FORMAT_FLOAT) for (let i = 0; i < n; i++) samples[i] = d.getFloat64(i * 8, true);
  else if (bits === 16) for (let i = 0; i < n; i++) samples[i] = d.getInt16(i * 2, true) / 32768;
  else if (bits === 8) for (let i = 0; i < n; i++) samples[i] = (data[i] - 128) / 128;
  else if (bits === 24) {
    for (let i = 0, o = 0; i < n; i++, o += 3) samples[i] = (((data[o] | (data[o + 1] << 8) | (data[o + 2] << 16)) << 8) >> 8) / 8388608;
  } else for (let i = 0; i < n; i++) samples[i] = d.getInt32(i * 4, true) / 2147483648;
  return { kind: 'audio', samples, sampleRate, channels };
}

/** Float to integer with the decoder's scale (2^(bits-1)), so integer files round-trip exactly. */
const toInt = (x: number, scale: number) => {
  const v = Math.round(x * scale);
  return v >= scale ? scale - 1 : v < -scale ? -scale : v;
};

/** Encodes AudioData as a canonical 44-byte-header WAV file. */
export function encodeWav(audio: AudioData, options: EncodeWavOptions = {}): Uint8Array {
  const format = options.format ?? 'pcm16';
  const bits = { pcm16: 16, pcm24: 24, pcm32: 32, float32: 32 }[format];
  if (bits === undefined)
    throw new RemoteMediaError(Code.InvalidArgument, `unknown WAV format ${JSON.stringify(format)}; expected pcm16, pcm24, pcm32 or float32`);
  const { samples, channels, sampleRate } = audio;
  if (!Number.isInteger(channels) || channels < 1 || samples.length % channels !== 0) {
    throw new RemoteMediaError(Code.InvalidArgument, `audio has ${samples.length} samples, not a whole number of frames of ${channels} channels`);
  }
  const bytesPerSample = bits / 8;
  const dataBytes = samples.length * bytesPerSample;
  const out = new Uint8Array(44 + dataBytes);
  const v = new DataView(out.buffer);
  const ascii = (o: number, s: string) => {
    for (let i = 0; i < 4; i++) out[o + i] = s.charCodeAt(i);
  };
  ascii(0, 'RIFF');
  v.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  v.setUint32(16, 16, true);
  v.setUint16(20, format === 'float32' ? FORMAT_FLOAT : FORMAT_PCM, true);
  v.setUint16(22, channels, true);
  v.setUint32(24, sampleRate, true);
  v.setUint32(28, sampleRate * channels * bytesPerSample, true);
  v.setUint16(32, channels * bytesPerSample, true);
  v.setUint16(34, bits, true);
  ascii(36, 'data');
  v.setUint32(40, dataBytes, true);
  const n = samples.length;
  if (format === 'float32') for (let i = 0; i < n; i++) v.setFloat32(44 + i * 4, samples[i], true);
  else if (format === 'pcm16') for (let i = 0; i < n; i++) v.setInt16(44 + i * 2, toInt(samples[i], 32768), true);
  else if (format === 'pcm32') for (let i = 0; i < n; i++) v.setInt32(44 + i * 4, toInt(samples[i], 2147483648), true);
  else {
    for (let i = 0, o = 44; i < n; i++, o += 3) {
      const s = toInt(samples[i], 8388608);
      out[o] = s & 0xff;
      out[o + 1] = (s >> 8) & 0xff;
      out[o + 2] = (s >> 16) & 0xff;
    }
  }
  return out;
}
