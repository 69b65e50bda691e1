import type { RemoteMediaError, TransportData } from '@remotemedia/runtime-core';

/**
 * Outputs received from the wire, waiting for `recv()`. Unbounded on purpose: the server
 * applies backpressure per socket/stream, and the wire already delivered these bytes.
 */
export class OutputQueue {
  readonly #items: TransportData[] = [];
  #head = 0;
  #waiter: (() => void) | undefined;
  #done = false;
  #error: RemoteMediaError | undefined;
  readonly #finished: Promise<void>;
  #settle!: (error?: RemoteMediaError) => void;

  constructor() {
    this.#finished = new Promise<void>((resolve, reject) => {
      this.#settle = (error) => (error ? reject(error) : resolve());
    });
    this.#finished.catch(() => {});
  }

  get done(): boolean {
    return this.#done;
  }

  /** Resolves when the stream ended normally, rejects when it failed. */
  get finished(): Promise<void> {
    return this.#finished;
  }

  push(item: TransportData): void {
    if (this.#done) return;
    this.#items.push(item);
    this.#wake();
  }

  end(): void {
    if (this.#done) return;
    this.#done = true;
    this.#settle();
    this.#wake();
  }

  fail(error: RemoteMediaError): void {
    if (this.#done) return;
    this.#done = true;
    this.#error = error;
    this.#settle(error);
    this.#wake();
  }

  async next(): Promise<TransportData | undefined> {
    for (;;) {
      if (this.#head < this.#items.length) {
        const item = this.#items[this.#head]!;
        this.#items[this.#head++] = undefined as never;
        if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
          this.#items.splice(0, this.#head);
          this.#head = 0;
        }
        return item;
      }
      if (this.#done) {
        if (this.#error) throw this.#error;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.#waiter = resolve));
    }
  }

  #wake(): void {
    const w = this.#waiter;
    this.#waiter = undefined;
    w?.();
  }
}
