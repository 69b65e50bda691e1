import type { AudioData } from '@remotemedia/runtime-core';
import { RtpHeader, RtpPacket } from 'werift';
import { FrameSplitter, MonoConverter } from './audio-conversion.js';
import { OPUS_FRAME_SAMPLES, OPUS_SAMPLE_RATE, OpusCodec } from './opus-codec.js';

const FRAME_MS = 20;

/**
 * Pipeline audio -> mono 48 kHz -> 20 ms Opus frames -> RTP. Frames are sent as soon as they
 * exist but never faster than real time, so a receiver's jitter buffer is not flooded when a
 * pipeline produces audio faster than it plays.
 */
export class OpusTrackSender {
  readonly #codec = new OpusCodec();
  readonly #splitter = new FrameSplitter(OPUS_FRAME_SAMPLES);
  readonly #converter = new MonoConverter(OPUS_SAMPLE_RATE);
  readonly #queue: Buffer[] = [];
  #sequence = Math.floor(Math.random() * 0xffff);
  #timestamp = Math.floor(Math.random() * 0xffffffff);
  #nextSendAt = 0;
  #timer: ReturnType<typeof setTimeout> | undefined;
  #talkspurt = true;
  #closed = false;
  /** Frames sent so far. */
  framesSent = 0;

  readonly #interval: number;
  readonly #speed: number;

  /**
   * `speed` paces the frames: 1 (default) sends 20 ms of audio every 20 ms, 4 four times faster
   * (uploads, tests). Unpaced bursts overflow UDP socket buffers, so there is no "all at once".
   */
  constructor(
    private readonly sendRtp: (packet: RtpPacket) => unknown,
    options: { speed?: number } = {},
  ) {
    this.#speed = Math.max(0.1, options.speed ?? 1);
    this.#interval = FRAME_MS / this.#speed;
  }

  push(audio: AudioData): void {
    if (this.#closed) return;
    for (const frame of this.#splitter.push(this.#converter.convert(audio))) this.#queue.push(this.#codec.encode(frame));
    this.#drain();
  }

  /** Sends what is buffered, padding the last partial frame with silence. */
  flush(): void {
    if (this.#closed) return;
    for (const frame of [...this.#splitter.push(this.#converter.flush()), ...this.#splitter.flush()]) this.#queue.push(this.#codec.encode(frame));
    this.#drain();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#queue.length = 0;
    this.#codec.delete();
  }

  #drain(): void {
    if (this.#timer || this.#closed) return;
    const now = performance.now();
    if (now > this.#nextSendAt + this.#interval) {
      // Idle gap: advance the RTP clock by the silence so the receiver keeps timing.
      if (this.#nextSendAt > 0) this.#timestamp = (this.#timestamp + Math.round(((now - this.#nextSendAt) * this.#speed * OPUS_SAMPLE_RATE) / 1000)) >>> 0;
      this.#nextSendAt = now;
      this.#talkspurt = true;
    }
    while (this.#queue.length && this.#nextSendAt <= performance.now() + 1) this.#sendOne();
    if (this.#queue.length) {
      this.#timer = setTimeout(
        () => {
          this.#timer = undefined;
          this.#drain();
        },
        Math.max(0, this.#nextSendAt - performance.now()),
      );
    }
  }

  #sendOne(): void {
    const payload = this.#queue.shift()!;
    const header = new RtpHeader({ payloadType: 111, sequenceNumber: this.#sequence, timestamp: this.#timestamp, marker: this.#talkspurt });
    this.#talkspurt = false;
    this.#sequence = (this.#sequence + 1) & 0xffff;
    this.#timestamp = (this.#timestamp + OPUS_FRAME_SAMPLES) >>> 0;
    this.#nextSendAt += this.#interval;
    this.framesSent++;
    void Promise.resolve(this.sendRtp(new RtpPacket(header, payload))).catch(() => {});
  }
}
