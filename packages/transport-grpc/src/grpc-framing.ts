import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

/** gRPC length-prefixed message: 1 byte compressed flag, 4 bytes big-endian length, the message. */
export function encodeGrpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(5 + message.length);
  frame.set(message, 5);
  return writeGrpcPrefix(frame);
}

/** Fills the 5-byte prefix of a frame whose message was written after 5 reserved bytes. */
export function writeGrpcPrefix<T extends Uint8Array>(frame: T): T {
  frame[0] = 0;
  new DataView(frame.buffer, frame.byteOffset, 5).setUint32(1, frame.length - 5);
  return frame;
}

/**
 * Splits the request body of a gRPC call into messages as its chunks arrive. Enforces the message
 * size limit from the 5-byte prefix, before buffering the message, and refuses compressed messages
 * (the native path only takes calls without grpc-encoding; compressed ones go to connect).
 */
export class GrpcFrameReader {
  /** Chunks of an incomplete message, joined once it is complete (not per chunk: big messages arrive in many). */
  #parts: Buffer[] = [];
  #partBytes = 0;
  /** Frame size (prefix + message) of the incomplete message, once its prefix is known. */
  #need = 5;
  constructor(private readonly maxMessageBytes: number) {}

  /** The complete messages in `chunk` (plus what was buffered). Throws RemoteMediaError on a bad prefix or size. */
  push(chunk: Buffer): Buffer[] {
    const messages: Buffer[] = [];
    let buf = chunk;
    if (this.#partBytes > 0) {
      this.#parts.push(chunk);
      this.#partBytes += chunk.length;
      if (this.#partBytes < this.#need) return messages;
      buf = Buffer.concat(this.#parts, this.#partBytes);
      this.#parts = [];
      this.#partBytes = 0;
    }
    for (;;) {
      if (buf.length < 5) break;
      const length = this.#checkPrefix(buf);
      if (buf.length < 5 + length) {
        this.#need = 5 + length;
        break;
      }
      messages.push(buf.subarray(5, 5 + length));
      buf = buf.subarray(5 + length);
    }
    if (buf.length > 0) {
      if (buf.length < 5) this.#need = 5;
      this.#parts.push(buf);
      this.#partBytes = buf.length;
    }
    return messages;
  }

  #checkPrefix(buf: Buffer): number {
    if (buf[0] !== 0) {
      throw buf[0] === 1
        ? new RemoteMediaError(Code.InvalidArgument, 'compressed message without a grpc-encoding header', { reason: 'ProtocolViolation' })
        : new RemoteMediaError(Code.InvalidArgument, `bad gRPC message flag ${buf[0]}`, { reason: 'ProtocolViolation' });
    }
    const length = buf.readUInt32BE(1);
    if (length > this.maxMessageBytes) {
      throw new RemoteMediaError(Code.ResourceExhausted, `message size ${length} is larger than the limit maxMessageBytes=${this.maxMessageBytes}`, {
        reason: 'LimitExceeded',
      });
    }
    return length;
  }

  /** Bytes of an incomplete message remain: at the end of the body, a truncated request. */
  get hasPartialMessage(): boolean {
    return this.#partBytes > 0;
  }
}
