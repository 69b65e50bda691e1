import { Code, RemoteMediaError } from '@remotemedia/runtime-core';

interface Entry<T> {
  item: T;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/**
 * The request side of a client stream: `push` resolves when the transport has pulled the item
 * (it pulls the next one only after writing the last), so awaiting `push` applies HTTP/2 backpressure.
 */
export class RequestQueue<T> implements AsyncIterable<T> {
  readonly #items: Entry<T>[] = [];
  #wake: (() => void) | undefined;
  #finished = false;
  #error: unknown;

  push(item: T): Promise<void> {
    if (this.#error !== undefined) return Promise.reject(this.#error);
    if (this.#finished) return Promise.reject(new RemoteMediaError(Code.FailedPrecondition, 'the session no longer accepts input'));
    return new Promise<void>((resolve, reject) => {
      this.#items.push({ item, resolve, reject });
      this.#notify();
    });
  }

  /** No more items after those queued. */
  finish(): void {
    this.#finished = true;
    this.#notify();
  }

  /** Rejects queued and later pushes with `error` and ends the iteration. */
  fail(error: unknown): void {
    if (this.#error !== undefined) return;
    this.#error = error;
    this.#finished = true;
    for (const e of this.#items.splice(0)) e.reject(error);
    this.#notify();
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: async (): Promise<IteratorResult<T>> => {
        for (;;) {
          const entry = this.#items.shift();
          if (entry) {
            entry.resolve();
            return { done: false, value: entry.item };
          }
          if (this.#finished) return { done: true, value: undefined };
          await new Promise<void>((r) => (this.#wake = r));
        }
      },
      throw: async (error?: unknown): Promise<IteratorResult<T>> => {
        this.fail(error ?? new RemoteMediaError(Code.Canceled, 'the stream ended'));
        return { done: true, value: undefined };
      },
      return: async (): Promise<IteratorResult<T>> => {
        this.fail(new RemoteMediaError(Code.Canceled, 'the stream ended'));
        return { done: true, value: undefined };
      },
    };
  }
}
