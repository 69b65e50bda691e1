// A minimal HTTP/2 client for load generation: gRPC calls hand-framed on a raw TCP socket.
// Why not node:http2: at a thousand real-time sessions its per-write and per-read JS (streams,
// events, nghttp2 round trips) cost the load generator ~8 us per chunk, about a third of the
// machine's CPU on 2 cores, which then measured contention with our own client rather than the
// server. Here a tick's chunks for one connection go out in one socket write of pre-built frames,
// and replies are only counted: headers are skipped (never HPACK-decoded), DATA payloads are split
// into gRPC messages by their 5-byte prefix. Flow control is honoured both ways.
import { type Socket, connect } from 'node:net';

const PREFACE = Buffer.from('PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n', 'latin1');
const DATA = 0;
const HEADERS = 1;
const RST_STREAM = 3;
const SETTINGS = 4;
const PING = 6;
const GOAWAY = 7;
const WINDOW_UPDATE = 8;
const END_STREAM = 0x1;
const ACK = 0x1;
const END_HEADERS = 0x4;
const PADDED = 0x8;
const MAX_WINDOW = 2 ** 31 - 1;

function frameHeader(length: number, type: number, flags: number, streamId: number): Buffer {
  const h = Buffer.allocUnsafe(9);
  h.writeUIntBE(length, 0, 3);
  h[3] = type;
  h[4] = flags;
  h.writeUInt32BE(streamId, 5);
  return h;
}

const frame = (type: number, flags: number, streamId: number, payload: Buffer = Buffer.alloc(0)) =>
  Buffer.concat([frameHeader(payload.length, type, flags, streamId), payload]);

/** HPACK "literal header field without indexing, new name", no Huffman: enough to send requests. */
function hpackLiteral(name: string, value: string): Buffer {
  const int7 = (n: number): number[] => {
    if (n < 127) return [n];
    const out = [127];
    for (n -= 127; n >= 128; n >>= 7) out.push((n & 0x7f) | 0x80);
    out.push(n);
    return out;
  };
  return Buffer.concat([Buffer.from([0x00, ...int7(name.length)]), Buffer.from(name, 'latin1'), Buffer.from(int7(value.length)), Buffer.from(value, 'latin1')]);
}

export interface RawCall {
  /** Queues `data` (complete gRPC frames) for the next flush; `end` closes the request side. */
  write(data: Buffer, end?: boolean): void;
  /** Resolves when the response ended (trailers, reset or connection loss). */
  readonly ended: Promise<void>;
}

interface CallState {
  id: number;
  /** Bytes the server still lets this stream send. */
  window: number;
  /** Frames waiting for flow-control credit. */
  blocked: { data: Buffer; end: boolean }[];
  /** Incoming gRPC bytes not yet split into messages. */
  inbox: Buffer | undefined;
  onMessage: (firstByte: number, message: Buffer) => void;
  ended: () => void;
}

/** One HTTP/2 connection carrying many gRPC calls. */
export class RawH2Connection {
  readonly #socket: Socket;
  readonly #calls = new Map<number, CallState>();
  readonly #out: Buffer[] = [];
  readonly #authority: string;
  #nextId = 1;
  #sendWindow = 65_535;
  #initialStreamWindow = 65_535;
  #pending = Buffer.alloc(0);
  #flushQueued = false;

  constructor(url: string) {
    const { hostname, port } = new URL(url);
    this.#authority = `${hostname}:${port}`;
    this.#socket = connect({ host: hostname, port: Number(port), noDelay: true });
    // Let the server send without ever waiting for us: a 2 GB window on the connection and each stream.
    const settings = Buffer.alloc(6);
    settings.writeUInt16BE(0x4, 0);
    settings.writeUInt32BE(MAX_WINDOW, 2);
    const increment = Buffer.alloc(4);
    increment.writeUInt32BE(MAX_WINDOW - 65_535);
    this.#socket.write(Buffer.concat([PREFACE, frame(SETTINGS, 0, 0, settings), frame(WINDOW_UPDATE, 0, 0, increment)]));
    this.#socket.on('data', (chunk: Buffer) => this.#read(chunk));
    const lost = () => {
      for (const call of this.#calls.values()) call.ended();
      this.#calls.clear();
    };
    this.#socket.on('close', lost);
    this.#socket.on('error', lost);
  }

  /** Starts a call; `onMessage` gets the first byte of each response message (its first protobuf tag) and the message (a view, valid during the call). */
  call(path: string, headers: Record<string, string>, onMessage: (firstByte: number, message: Buffer) => void): RawCall {
    const id = this.#nextId;
    this.#nextId += 2;
    let ended!: () => void;
    const done = new Promise<void>((r) => (ended = r));
    const state: CallState = { id, window: this.#initialStreamWindow, blocked: [], inbox: undefined, onMessage, ended };
    this.#calls.set(id, state);
    const block = Buffer.concat([
      hpackLiteral(':method', 'POST'),
      hpackLiteral(':scheme', 'http'),
      hpackLiteral(':path', path),
      hpackLiteral(':authority', this.#authority),
      ...Object.entries(headers).map(([k, v]) => hpackLiteral(k, v)),
    ]);
    this.#queue(frame(HEADERS, END_HEADERS, id, block));
    return {
      write: (data, end = false) => this.#send(state, data, end),
      ended: done,
    };
  }

  /** Sends everything queued in this tick as one socket write. */
  flush(): void {
    this.#flushQueued = false;
    if (this.#out.length === 0) return;
    this.#socket.write(this.#out.length === 1 ? this.#out[0] : Buffer.concat(this.#out));
    this.#out.length = 0;
  }

  close(): void {
    this.#socket.end(frame(GOAWAY, 0, 0, Buffer.alloc(8)));
  }

  #queue(buf: Buffer): void {
    this.#out.push(buf);
    if (!this.#flushQueued) {
      this.#flushQueued = true;
      queueMicrotask(() => this.flush());
    }
  }

  #send(call: CallState, data: Buffer, end: boolean): void {
    if (call.blocked.length > 0 || data.length > call.window || data.length > this.#sendWindow) {
      call.blocked.push({ data, end });
      return;
    }
    call.window -= data.length;
    this.#sendWindow -= data.length;
    this.#queue(frameHeader(data.length, DATA, end ? END_STREAM : 0, call.id));
    this.#queue(data);
  }

  #unblock(call: CallState): void {
    const waiting = call.blocked.splice(0);
    for (const { data, end } of waiting) this.#send(call, data, end);
  }

  #read(chunk: Buffer): void {
    let buf = this.#pending.length ? Buffer.concat([this.#pending, chunk]) : chunk;
    while (buf.length >= 9) {
      const length = buf.readUIntBE(0, 3);
      if (buf.length < 9 + length) break;
      const type = buf[3];
      const flags = buf[4];
      const id = buf.readUInt32BE(5) & 0x7fffffff;
      let payload = buf.subarray(9, 9 + length);
      buf = buf.subarray(9 + length);
      // HEADERS (and CONTINUATION) blocks are skipped, never HPACK-decoded: only END_STREAM matters.
      if (type === DATA || type === HEADERS) {
        const call = this.#calls.get(id);
        if (type === DATA && call) {
          if (flags & PADDED) payload = payload.subarray(1, payload.length - payload[0]);
          this.#messages(call, payload);
        }
        if (call && flags & END_STREAM) {
          this.#calls.delete(id);
          call.ended();
        }
      } else if (type === RST_STREAM) {
        this.#calls.get(id)?.ended();
        this.#calls.delete(id);
      } else if (type === SETTINGS && !(flags & ACK)) {
        for (let i = 0; i + 6 <= payload.length; i += 6) {
          if (payload.readUInt16BE(i) !== 0x4) continue;
          const value = payload.readUInt32BE(i + 2);
          for (const call of this.#calls.values()) call.window += value - this.#initialStreamWindow;
          this.#initialStreamWindow = value;
        }
        this.#queue(frame(SETTINGS, ACK, 0));
      } else if (type === PING && !(flags & ACK)) {
        this.#queue(frame(PING, ACK, 0, Buffer.from(payload)));
      } else if (type === WINDOW_UPDATE) {
        const increment = payload.readUInt32BE(0) & 0x7fffffff;
        if (id === 0) {
          this.#sendWindow += increment;
          for (const call of this.#calls.values()) if (call.blocked.length) this.#unblock(call);
        } else {
          const call = this.#calls.get(id);
          if (call) {
            call.window += increment;
            if (call.blocked.length) this.#unblock(call);
          }
        }
      }
    }
    this.#pending = buf.length ? Buffer.from(buf) : Buffer.alloc(0);
  }

  /** Splits DATA payload bytes into gRPC messages (5-byte prefix) and reports each one's first byte. */
  #messages(call: CallState, payload: Buffer): void {
    let buf = call.inbox ? Buffer.concat([call.inbox, payload]) : payload;
    while (buf.length >= 5) {
      const len = buf.readUInt32BE(1);
      if (buf.length < 5 + len) break;
      call.onMessage(len > 0 ? buf[5] : -1, buf.subarray(5, 5 + len));
      buf = buf.subarray(5 + len);
    }
    call.inbox = buf.length ? Buffer.from(buf) : undefined;
  }
}
