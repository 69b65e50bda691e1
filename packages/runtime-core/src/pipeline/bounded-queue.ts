import { Code, RemoteMediaError } from '../errors.js';

export type OverflowPolicy = 'block' | 'drop-oldest' | 'drop-newest';

const NO_ITEMS: never[] = [];
const NO_BLOCKED: never[] = [];

/** Returned by `shift()` when nothing is queued. */
export const EMPTY: unique symbol = Symbol('empty');

interface BlockedPut<T> {
  item: T;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * The one queue of RemoteMedia: a multi-producer / single-consumer queue on a ring buffer.
 * - bounded (`capacity` n > 0): the executor's hops; `overflow` says what a full queue does;
 * - unbounded (`capacity: Infinity`): outputs the wire already delivered;
 * - handoff (`capacity: 0`, policy `block`): `push` resolves only once the consumer has taken the
 *   item, so a producer awaiting it follows the consumer (HTTP/2 request backpressure).
 * `push` returns undefined when the item was taken at once, so the hot path allocates no
 * promise; it returns a promise only when a `block` producer has to wait.
 * Read with `shift()`/`wait()` (allocation-free), `next()`, or `for await` (one reader).
 * Hand-written rather than a library: it is the executor's per-hop cost (see `pnpm bench executor`).
 */
export class BoundedQueue<T> implements AsyncIterable<T> {
  readonly capacity: number;
  readonly overflow: OverflowPolicy;
  /** Items dropped by the overflow policy. */
  dropped = 0;
  // Both allocated on first use: a unary run's queues mostly never hold anything.
  #buf: (T | undefined)[] = NO_ITEMS;
  #head = 0;
  #size = 0;
  #blocked: BlockedPut<T>[] | undefined;
  #wake: (() => void) | null = null;
  #closed = false;
  #error: unknown = undefined;
  /** `fail` was called with an error (not undefined): the consumer gets `#error` after the drained items. */
  #failed = false;

  /** `capacity`: items buffered before the overflow policy applies; 0 hands off, Infinity never overflows. */
  constructor(capacity: number, overflow: OverflowPolicy = 'block') {
    if (!(capacity >= 0) || (capacity !== Infinity && !Number.isInteger(capacity)))
      throw new RangeError(`queue capacity must be a whole number >= 0 or Infinity, got ${capacity}`);
    if (capacity === 0 && overflow !== 'block') throw new RangeError(`a handoff queue (capacity 0) cannot ${overflow}`);
    this.capacity = capacity;
    this.overflow = overflow;
  }

  /** Items buffered (at most `capacity`). Blocked producers hold theirs until there is room. */
  get length(): number {
    return this.#size;
  }

  get waitingProducers(): number {
    return this.#blocked?.length ?? 0;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Queues an item. Returns a promise only when the producer must wait (policy `block`). */
  push(item: T): Promise<void> | undefined {
    if (this.#closed) {
      // The `fail` error as it came (a node's error, an abort reason), else a plain "closed".
      const reason: unknown = this.#error ?? new Error('queue is closed');
      return Promise.reject(reason);
    }
    if (this.#size < this.capacity) {
      this.#enqueue(item);
      return undefined;
    }
    if (this.overflow === 'drop-newest') {
      this.dropped++;
      return undefined;
    }
    if (this.overflow === 'drop-oldest') {
      this.#buf[this.#head] = undefined;
      this.#head = (this.#head + 1) % this.#buf.length;
      this.#size--;
      this.dropped++;
      this.#enqueue(item);
      return undefined;
    }
    const waiting = new Promise<void>((resolve, reject) => (this.#blocked ??= []).push({ item, resolve, reject }));
    // A handoff's consumer may be waiting for exactly this item.
    this.#notify();
    return waiting;
  }

  /** Takes the oldest item, or EMPTY. With capacity 0 it takes a waiting producer's item and releases it. */
  shift(): T | typeof EMPTY {
    if (this.#size === 0) return this.#blocked === undefined ? EMPTY : this.#takeHandoff();
    const item = this.#buf[this.#head] as T;
    this.#buf[this.#head] = undefined;
    this.#head = (this.#head + 1) % this.#buf.length;
    this.#size--;
    const next = this.#blocked?.shift();
    if (next) {
      this.#enqueue(next.item);
      next.resolve();
    }
    return item;
  }

  #takeHandoff(): T | typeof EMPTY {
    const next = this.#blocked!.shift();
    if (this.#blocked!.length === 0) this.#blocked = undefined;
    if (!next) return EMPTY;
    next.resolve();
    return next.item;
  }

  /** Resolves when an item is available or the queue is closed. Single consumer. */
  wait(): Promise<void> {
    if (this.#size > 0 || this.#closed || (this.#blocked?.length ?? 0) > 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Wakes the consumer without adding an item (it re-checks its own state). */
  poke(): void {
    this.#notify();
  }

  /**
   * No more items will come; queued ones can still be taken. Producers blocked for room are
   * rejected, except in a handoff queue (capacity 0), where their items are the queue and are
   * still delivered.
   */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.capacity > 0) for (const b of this.#takeBlocked()) b.reject(new Error('queue is closed'));
    this.#notify();
  }

  /**
   * Closes with an error: blocked and later producers are rejected with it, and `error` is kept
   * for the consumer to read once the queue is drained.
   */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = error;
    this.#failed = error !== undefined;
    this.#closed = true;
    for (const b of this.#takeBlocked()) b.reject(error);
    this.#notify();
  }

  /** Rejects waiting producers (their items are not queued) without closing the queue for the consumer. */
  rejectBlocked(error: unknown): void {
    for (const b of this.#takeBlocked()) b.reject(error);
  }

  #takeBlocked(): BlockedPut<T>[] {
    const blocked = this.#blocked ?? NO_BLOCKED;
    this.#blocked = undefined;
    return blocked;
  }

  get error(): unknown {
    return this.#error;
  }

  /** Discards everything queued (and waiting producers' items). Returns how many were discarded. */
  clear(): number {
    const n = this.#size + this.waitingProducers;
    this.#buf = NO_ITEMS;
    this.#head = 0;
    this.#size = 0;
    for (const b of this.#takeBlocked()) b.resolve();
    return n;
  }

  /**
   * The next item, waiting for one; undefined once the queue is closed and drained, or the
   * `fail` error once drained. (With a `T` that includes undefined, use `for await` instead.)
   */
  next(): Promise<T | undefined> {
    const item = this.shift();
    return item === EMPTY ? this.#nextSlow() : Promise.resolve(item);
  }

  async #nextSlow(): Promise<T | undefined> {
    for (;;) {
      const item = this.shift();
      if (item !== EMPTY) return item;
      if (this.#closed) {
        if (this.#failed) throw this.#error;
        return undefined;
      }
      await this.wait();
    }
  }

  /**
   * Reads every item until the queue is closed (throwing the `fail` error after the drained
   * items). One reader. Leaving the loop early (`return()`) cancels the queue: producers are
   * rejected with Canceled and what is queued is discarded.
   */
  [Symbol.asyncIterator](): AsyncIterator<T> {
    const done: IteratorReturnResult<undefined> = { done: true, value: undefined };
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          const item = this.shift();
          if (item !== EMPTY) return { done: false, value: item };
          if (this.#closed) {
            if (this.#failed) throw this.#error;
            return done;
          }
          await this.wait();
        }
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.cancel(new RemoteMediaError(Code.Canceled, 'the reader stopped reading'));
        return done;
      },
    };
  }

  /** The reader is gone: fails the queue with `error` (producers see it) and discards what is queued. */
  cancel(error: unknown): void {
    this.fail(error);
    this.clear();
  }

  #enqueue(item: T): void {
    if (this.#size === this.#buf.length) this.#grow();
    this.#buf[(this.#head + this.#size) % this.#buf.length] = item;
    this.#size++;
    this.#notify();
  }

  #grow(): void {
    const old = this.#buf;
    // Grows on demand up to capacity: most queues of short sessions never hold more than a few items.
    const next = new Array<T | undefined>(Math.min(this.capacity, Math.max(4, old.length * 2)));
    for (let i = 0; i < this.#size; i++) next[i] = old[(this.#head + i) % old.length];
    this.#buf = next;
    this.#head = 0;
  }

  #notify(): void {
    const wake = this.#wake;
    if (wake) {
      this.#wake = null;
      wake();
    }
  }
}
