import OpusScript from 'opusscript';

/** Opus runs at 48 kHz on WebRTC; one RTP packet carries 20 ms. */
export const OPUS_SAMPLE_RATE = 48_000;
export const OPUS_FRAME_SAMPLES = 960;

/**
 * Opus via opusscript (libopus compiled to WebAssembly, shipped inside the npm tarball, so it
 * installs offline with no native build). Mono: WebRTC voice is mono, and libopus downmixes a
 * stereo stream on decode.
 */
export class OpusCodec {
  readonly #opus: OpusScript;
  #deleted = false;

  constructor(options: { bitrate?: number } = {}) {
    this.#opus = new OpusScript(OPUS_SAMPLE_RATE, 1, OpusScript.Application.AUDIO);
    this.#opus.setBitrate(options.bitrate ?? 64_000);
  }

  /** Encodes exactly one 20 ms mono frame of float samples in [-1, 1]. */
  encode(frame: Float32Array): Buffer {
    const pcm = Buffer.allocUnsafe(frame.length * 2);
    for (let i = 0; i < frame.length; i++) {
      const s = Math.max(-1, Math.min(1, frame[i]));
      pcm.writeInt16LE(Math.round(s * 32767), i * 2);
    }
    return this.#opus.encode(pcm, frame.length);
  }

  /** Decodes one Opus packet to mono float samples at 48 kHz. */
  decode(packet: Buffer): Float32Array {
    const pcm = this.#opus.decode(packet);
    const out = new Float32Array(pcm.length >> 1);
    for (let i = 0; i < out.length; i++) out[i] = pcm.readInt16LE(i * 2) / 32768;
    return out;
  }

  delete(): void {
    if (this.#deleted) return;
    this.#deleted = true;
    this.#opus.delete();
  }
}
