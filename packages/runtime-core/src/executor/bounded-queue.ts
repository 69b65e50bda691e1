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
 * A bounded multi-producer / single-consumer queue on a ring buffer.
 * `push` returns undefined when the item was taken at once, so the hot path allocates no
 * promise; it returns a promise only when a `block` producer has to wait for room.
 * Hand-written rather than a library: it is the executor's per-hop cost (see `pnpm bench executor`).
 */
export class BoundedQueue<T> {
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

  constructor(capacity: number, overflow: OverflowPolicy = 'block') {
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
      return Promise.reject(this.#error ?? new Error('queue is closed'));
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
    return new Promise<void>((resolve, reject) => (this.#blocked ??= []).push({ item, resolve, reject }));
  }

  /** Takes the oldest item, or EMPTY. */
  shift(): T | typeof EMPTY {
    if (this.#size === 0) return EMPTY;
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

  /** Resolves when an item is available or the queue is closed. Single consumer. */
  wait(): Promise<void> {
    if (this.#size > 0 || this.#closed) return Promise.resolve();
    return new Promise<void>((resolve) => {
      this.#wake = resolve;
    });
  }

  /** Wakes the consumer without adding an item (it re-checks its own state). */
  poke(): void {
    this.#notify();
  }

  /** No more items will come; queued ones can still be shifted. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    for (const b of this.#takeBlocked()) b.reject(new Error('queue is closed'));
    this.#notify();
  }

  /**
   * Closes with an error: blocked and later producers are rejected with it, and `error` is kept
   * for the consumer to read once the queue is drained.
   */
  fail(error: unknown): void {
    if (this.#closed) return;
    this.#error = error;
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
