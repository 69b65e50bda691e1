/** A growable FIFO of interleaved float32 samples: push any sizes, take fixed-size windows without per-window allocation. */
export class SampleQueue {
  #buf = new Float32Array(4096);
  #start = 0;
  #end = 0;

  get length(): number {
    return this.#end - this.#start;
  }

  push(samples: Float32Array): void {
    if (this.#end + samples.length > this.#buf.length) {
      const live = this.length;
      if (live + samples.length <= this.#buf.length >> 1) {
        this.#buf.copyWithin(0, this.#start, this.#end);
      } else {
        const grown = new Float32Array(Math.max(this.#buf.length * 2, live + samples.length));
        grown.set(this.#buf.subarray(this.#start, this.#end));
        this.#buf = grown;
      }
      this.#start = 0;
      this.#end = live;
    }
    this.#buf.set(samples, this.#end);
    this.#end += samples.length;
  }

  /** A view of the first `n` samples (valid until the next push). */
  peek(n: number): Float32Array {
    return this.#buf.subarray(this.#start, this.#start + Math.min(n, this.length));
  }

  /** Removes the first `n` samples. */
  drop(n: number): void {
    this.#start += Math.min(n, this.length);
    if (this.#start === this.#end) this.#start = this.#end = 0;
  }

  /** Removes and returns (as a copy) the first `n` samples. */
  take(n: number): Float32Array {
    const out = this.peek(n).slice();
    this.drop(out.length);
    return out;
  }

  clear(): void {
    this.#start = this.#end = 0;
  }
}
