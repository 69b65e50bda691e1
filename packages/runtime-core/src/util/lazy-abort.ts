/**
 * An AbortController whose AbortSignal is only created when someone asks for it: creating one
 * costs microseconds in Node.js (it is an EventTarget), and most sessions and nodes never look.
 */
export class LazyAbortController {
  #controller: AbortController | undefined;
  #aborted = false;
  #reason: unknown;
  /** Rejecters of promises raced against this controller (see `race`). */
  #racers: Set<(reason: unknown) => void> | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (!this.#controller) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const racers = this.#racers;
    this.#racers = undefined;
    if (racers) for (const reject of racers) reject(reason);
  }

  /**
   * `promise`, or a rejection with the abort reason as soon as this aborts (whichever comes first).
   * Cheaper than an 'abort' listener on the signal: an async node's every call is raced, and an
   * EventTarget listener pair costs ~1 us (`pnpm bench capacity` profile); this costs a Set entry.
   */
  race<T>(promise: Promise<T>): Promise<T> {
    if (this.#aborted) return Promise.reject(this.#reason);
    return new Promise<T>((resolve, reject) => {
      const racers = (this.#racers ??= new Set());
      racers.add(reject);
      promise.then(
        (value) => {
          racers.delete(reject);
          resolve(value);
        },
        (error) => {
          racers.delete(reject);
          reject(error);
        },
      );
    });
  }
}
