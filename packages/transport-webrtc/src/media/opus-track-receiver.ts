import type { AudioData } from '@remotemedia/runtime-core';
import type { RtpPacket } from 'werift';
import { OPUS_SAMPLE_RATE, OpusCodec } from './opus-codec.js';

/** RTP Opus packets -> mono 48 kHz AudioData, one per packet (20 ms). */
export class OpusTrackReceiver {
  readonly #codec = new OpusCodec();
  #closed = false;
  #firstTimestamp: number | undefined;
  /** Packets that failed to decode (skipped, never fatal). */
  decodeErrors = 0;
  packetsReceived = 0;

  constructor(
    private readonly onAudio: (audio: AudioData) => void,
    private readonly streamId = 'webrtc-audio',
  ) {}

  receive(packet: RtpPacket): void {
    if (this.#closed || packet.payload.length === 0) return;
    this.packetsReceived++;
    let samples: Float32Array;
    try {
      samples = this.#codec.decode(packet.payload);
    } catch {
      this.decodeErrors++;
      return;
    }
    // RTP clocks start at a random value: report time since the stream's first packet.
    this.#firstTimestamp ??= packet.header.timestamp;
    const elapsed = (packet.header.timestamp - this.#firstTimestamp) >>> 0;
    this.onAudio({
      kind: 'audio',
      samples,
      sampleRate: OPUS_SAMPLE_RATE,
      channels: 1,
      timestampUs: Math.round((elapsed / OPUS_SAMPLE_RATE) * 1e6),
      streamId: this.streamId,
    });
  }

  close(): void {
    this.#closed = true;
    this.#codec.delete();
  }
}
