import type { ServerResponse } from 'node:http';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { transportDataToJsonText } from '@remotemedia/runtime-core/kit';
import { errorResponse } from '../shared/http-errors.js';
import { type RouteContext, withRequestId } from './route-context.js';
import type { SessionEntry } from './session-registry.js';

const HEARTBEAT_MS = 15_000;

export interface SseReplayOptions {
  /** Events kept for replay to a reader that reconnects with `Last-Event-ID`. */
  events: number;
  /** Bytes of event text kept for replay; the newest event is always kept. */
  bytes: number;
  /** How long a session waits for its reader to reconnect before it is closed. */
  resumeGraceMs: number;
}

interface BufferedEvent {
  id: number;
  text: string;
  /** `end` or `error`: the last event of the stream. */
  terminal: boolean;
}

/**
 * The SSE side of one session. Pumps the session's outputs into numbered events (`id: n`, from 1),
 * keeps the newest in a bounded replay buffer and writes them to the attached reader. A reader
 * that reconnects with `Last-Event-ID: n` gets every event after n from the buffer, or an `error`
 * event (OutOfRange, reason `ReplayUnavailable`) when some already fell out of it. While no reader
 * is attached the pump waits, so backpressure reaches the pipeline and nothing is dropped unseen.
 */
export class SseFeed {
  readonly #events: BufferedEvent[] = [];
  #bytes = 0;
  #nextId = 1;
  #reader: ServerResponse | undefined;
  #heartbeat: ReturnType<typeof setInterval> | undefined;
  #grace: ReturnType<typeof setTimeout> | undefined;
  #readerArrived: (() => void) | undefined;
  #disposed = false;

  constructor(
    private readonly entry: SessionEntry,
    private readonly options: SseReplayOptions,
    /** Forgets and closes the session (abandoned by its reader, or fully delivered). */
    private readonly remove: (reason: string, why?: RemoteMediaError) => void,
    private readonly requestId: string,
  ) {}

  /** Starts pumping outputs; call once. */
  start(): void {
    void this.#pump();
  }

  /**
   * Makes `res` the reader, after replaying what it missed. Throws (before any header is sent)
   * for a bad `Last-Event-ID`, or AlreadyExists when a reader is attached and the request is not
   * a resume (a resume takes over: the old connection is usually dead without the server knowing).
   */
  attach(ctx: Pick<RouteContext, 'req' | 'res' | 'responseRequestId'>): void {
    const { req, res } = ctx;
    const header = req.headers['last-event-id'];
    const lastId = header === undefined ? undefined : Number(header);
    if (lastId !== undefined && (!Number.isInteger(lastId) || lastId < 0 || lastId >= this.#nextId)) {
      throw new RemoteMediaError(
        Code.InvalidArgument,
        `Last-Event-ID ${JSON.stringify(header)} is not an event of this stream (its events are 1..${this.#nextId - 1})`,
        {
          details: [{ path: 'headers.last-event-id', message: `expected an integer from 0 to ${this.#nextId - 1}` }],
        },
      );
    }
    if (this.#reader && lastId === undefined) {
      throw new RemoteMediaError(
        Code.AlreadyExists,
        `session ${this.entry.id} already has a reader (sse); outputs go to one reader only (send Last-Event-ID to resume)`,
      );
    }
    this.#detach(this.#reader)?.destroy();
    clearTimeout(this.#grace);
    res.writeHead(
      200,
      withRequestId(ctx, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      }),
    );
    res.flushHeaders();
    res.once('close', () => this.#closed(res));
    this.entry.touch();
    const from = lastId ?? 0;
    const oldest = this.#events[0]?.id ?? this.#nextId;
    if (from + 1 < oldest) {
      const error = new RemoteMediaError(
        Code.OutOfRange,
        `events ${from + 1}..${oldest - 1} are no longer buffered (the replay buffer keeps ${this.options.events} events / ${this.options.bytes} bytes); the session is closed`,
        { reason: 'ReplayUnavailable', details: [{ path: 'headers.last-event-id', message: `oldest event still buffered is ${oldest}` }] },
      );
      res.end(`event: error\ndata: ${JSON.stringify(errorResponse(error, this.requestId).body)}\n\n`);
      this.remove('replay unavailable', error);
      return;
    }
    for (const event of this.#events) {
      if (event.id <= from) continue;
      if (event.terminal) return void res.end(event.text);
      res.write(event.text);
    }
    this.#reader = res;
    this.#heartbeat = setInterval(() => res.write(': ping\n\n'), HEARTBEAT_MS);
    this.#heartbeat.unref();
    const arrived = this.#readerArrived;
    this.#readerArrived = undefined;
    arrived?.();
  }

  /** The session left the registry: stop waiting for readers (an attached one still gets the last events). */
  dispose(): void {
    this.#disposed = true;
    clearTimeout(this.#grace);
    const arrived = this.#readerArrived;
    this.#readerArrived = undefined;
    arrived?.();
  }

  async #pump(): Promise<void> {
    try {
      for await (const item of this.entry.session.outputs) {
        this.entry.touch();
        await this.#emit('output', transportDataToJsonText(item), false);
      }
      if (this.entry.closedWith) throw this.entry.closedWith;
      await this.#emit('end', '{}', true);
    } catch (error) {
      await this.#emit('error', JSON.stringify(errorResponse(error, this.requestId).body), true);
    }
  }

  async #emit(event: string, data: string, terminal: boolean): Promise<void> {
    const buffered: BufferedEvent = { id: this.#nextId++, text: `id: ${this.#nextId - 1}\nevent: ${event}\ndata: ${data}\n\n`, terminal };
    this.#events.push(buffered);
    this.#bytes += buffered.text.length;
    while (this.#events.length > 1 && (this.#events.length > this.options.events || this.#bytes > this.options.bytes))
      this.#bytes -= this.#events.shift()!.text.length;
    const reader = this.#reader;
    // No reader: wait for one; attach() replays this event to it.
    if (!reader || reader.destroyed) return this.#disposed ? undefined : new Promise<void>((resolve) => (this.#readerArrived = resolve));
    if (terminal) return void reader.end(buffered.text);
    if (!reader.write(buffered.text)) await drained(reader);
  }

  /** A reader's connection closed: done if it got the last event, else wait a while for a resume. */
  #closed(res: ServerResponse): void {
    this.#detach(res);
    if (res.writableFinished && this.#events.at(-1)?.terminal) return this.remove('outputs ended');
    if (this.#reader || this.#disposed) return;
    clearTimeout(this.#grace);
    this.#grace = setTimeout(() => {
      if (!this.#reader) this.remove('output stream disconnected and not resumed');
    }, this.options.resumeGraceMs);
    this.#grace.unref();
  }

  #detach(res: ServerResponse | undefined): ServerResponse | undefined {
    if (!res || this.#reader !== res) return undefined;
    this.#reader = undefined;
    clearInterval(this.#heartbeat);
    return res;
  }
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done).off('close', done);
      resolve();
    };
    res.on('drain', done).on('close', done);
  });
}
