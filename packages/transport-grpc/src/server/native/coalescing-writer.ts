import type { Http2ServerResponse } from 'node:http2';

/**
 * Writes the response frames of one call, joining the frames produced in the same tick into one
 * `res.write`. A VAD session answers each 20 ms chunk with two messages (the chunk and its event)
 * produced together; one write per message cost two passes through the stream machinery and two
 * HTTP/2 DATA frames. Frames keep their order; `flush` sends what is queued (before trailers).
 *
 * Backpressure: `write` returns a promise, resolved on 'drain' (or rejected when `signal`
 * aborts), while the stream's buffer is full, so the pipeline waits as it did per write.
 */
export class CoalescingWriter {
  #queued: Uint8Array[] = [];
  #queuedBytes = 0;
  #scheduled = false;
  #drain: Promise<void> | undefined;

  constructor(
    private readonly res: Http2ServerResponse,
    private readonly signal: AbortSignal,
  ) {}

  /** Queues one frame for this tick's write; a promise while the stream's buffer is full. */
  write(frame: Uint8Array): Promise<void> | undefined {
    this.#queued.push(frame);
    this.#queuedBytes += frame.byteLength;
    // A burst (many outputs ready at once) goes out as it grows, so backpressure still bounds it.
    if (this.#queuedBytes >= this.res.writableHighWaterMark) {
      this.flush();
      return this.#drain;
    }
    if (!this.#scheduled) {
      this.#scheduled = true;
      // After the current microtasks: the other outputs of this chunk are queued by then.
      process.nextTick(this.#flushScheduled);
    }
    return this.#drain;
  }

  readonly #flushScheduled = (): void => {
    this.#scheduled = false;
    this.flush();
  };

  /** Sends the queued frames now (as one write). */
  flush(): void {
    const frames = this.#queued;
    if (frames.length === 0) return;
    this.#queued = [];
    this.#queuedBytes = 0;
    const { res } = this;
    if (res.stream.destroyed || res.writableEnded) return;
    const data = frames.length === 1 ? frames[0] : Buffer.concat(frames);
    if (res.write(data) || this.#drain) return;
    this.#drain = new Promise<void>((resolve, reject) => {
      const done = () => {
        res.off('drain', done);
        this.signal.removeEventListener('abort', done);
        this.#drain = undefined;
        if (this.signal.aborted) reject(this.signal.reason);
        else resolve();
      };
      res.on('drain', done);
      this.signal.addEventListener('abort', done);
    });
    this.#drain.catch(() => {}); // the waiting writer sees the rejection; nobody may be waiting
  }
}
