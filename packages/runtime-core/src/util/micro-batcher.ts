// Cross-session micro-batching for small models whose cost is dominated by the fixed cost of one
// inference call (Silero VAD: ~150 us per call, ~60 us per row in a batch). Items submitted within
// a short window share one call; the wait is bounded (`maxWaitMs`) and measured.

export interface MicroBatcherOptions {
  /** Longest an item waits for others before its batch runs, in ms (the added latency bound). */
  maxWaitMs: number;
  /** A batch runs as soon as it has this many items. */
  maxBatch: number;
}

/** Counters of one batcher (monotonic; diff two snapshots for a window). */
export interface MicroBatcherStats {
  /** Batch calls made (a batch retried row by row after a failure counts once). */
  batches: number;
  /** Items run. */
  items: number;
  /** Items whose own run failed (each rejected alone). */
  failedItems: number;
  /** Sum and maximum of the time items waited between submit and the start of their batch, in ms. */
  waitMsTotal: number;
  waitMsMax: number;
  /** Largest batch run. */
  maxBatchSeen: number;
  /**
   * Batches that failed while every item of them then succeeded alone. After
   * `DEGRADE_AFTER` of those the runner evidently cannot batch (e.g. a model exported with a fixed
   * batch of 1), and the batcher runs every item alone from then on (`degraded`).
   */
  splitRecoveries: number;
  degraded: boolean;
}

/** Failed-as-a-batch, fine-alone batches after which a batcher stops batching. */
export const DEGRADE_AFTER = 3;

interface Pending<I, O> {
  item: I;
  at: number;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Collects items from any number of independent callers (sessions) and runs them together.
 *
 * `runBatch(items)` returns one result per item, in order. It must commit per-item effects (e.g. a
 * stream's recurrent state) only when it succeeds: if a batch throws, every item of it is run again
 * alone, so one item that makes the model fail rejects only its own caller and the others get
 * their results. A caller that goes away (its session ended or was interrupted) simply never reads
 * its result; nothing waits on it, so it cannot stall the batch.
 */
export class MicroBatcher<I, O> {
  readonly options: MicroBatcherOptions;
  readonly #run: (items: readonly I[]) => readonly O[] | Promise<readonly O[]>;
  #queue: Pending<I, O>[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #members = 0;
  readonly stats: MicroBatcherStats = {
    batches: 0,
    items: 0,
    failedItems: 0,
    waitMsTotal: 0,
    waitMsMax: 0,
    maxBatchSeen: 0,
    splitRecoveries: 0,
    degraded: false,
  };

  constructor(runBatch: (items: readonly I[]) => readonly O[] | Promise<readonly O[]>, options: MicroBatcherOptions) {
    if (!(options.maxBatch >= 1) || !(options.maxWaitMs >= 0)) throw new RangeError('MicroBatcher needs maxBatch >= 1 and maxWaitMs >= 0');
    this.#run = runBatch;
    this.options = { ...options };
  }

  /** Items waiting for their batch. */
  get pending(): number {
    return this.#queue.length;
  }

  /** Callers that have joined and not left. */
  get members(): number {
    return this.#members;
  }

  /**
   * Declares a caller that submits at most one item at a time (e.g. one stream). While every
   * member has an item waiting, nobody else can join the batch, so it runs at once instead of
   * waiting out `maxWaitMs` (a lone stream, e.g. a file processed offline, never waits). Returns
   * `leave`, to call once when the caller is done (idempotent).
   */
  join(): () => void {
    this.#members++;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#members--;
      // The batch may now hold an item from every remaining member.
      if (this.#queue.length && this.#queue.length >= this.#members) this.#flushNow();
    };
  }

  /** The result of `item`, computed in a batch with whatever else arrives within `maxWaitMs`. */
  submit(item: I): Promise<O> {
    return new Promise<O>((resolve, reject) => {
      this.#queue.push({ item, at: performance.now(), resolve, reject });
      const n = this.#queue.length;
      if (n >= this.options.maxBatch || this.stats.degraded || (this.#members > 0 && n >= this.#members)) this.#flushNow();
      // Not unref'd: callers are waiting for this batch, so it must run even when nothing else
      // keeps the event loop alive (a CLI run, a script awaiting one result).
      else this.#timer ??= setTimeout(this.#onTimer, this.options.maxWaitMs);
    });
  }

  readonly #onTimer = () => {
    this.#timer = undefined;
    void this.#flush();
  };

  #flushNow(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#flush();
  }

  async #flush(): Promise<void> {
    const batch = this.#queue.splice(0, this.stats.degraded ? 1 : this.options.maxBatch);
    if (this.#queue.length) this.#timer ??= setTimeout(this.#onTimer, 0); // a burst past maxBatch: next batch soon
    if (!batch.length) return;
    const start = performance.now();
    const stats = this.stats;
    stats.batches++;
    stats.items += batch.length;
    if (batch.length > stats.maxBatchSeen) stats.maxBatchSeen = batch.length;
    for (const p of batch) {
      const waited = start - p.at;
      stats.waitMsTotal += waited;
      if (waited > stats.waitMsMax) stats.waitMsMax = waited;
    }
    let results: readonly O[];
    try {
      results = await this.#run(batch.map((p) => p.item));
      if (results.length !== batch.length) throw new Error(`batch of ${batch.length} returned ${results.length} results`);
    } catch (error) {
      if (batch.length === 1) {
        stats.failedItems++;
        batch[0].reject(error);
        return;
      }
      // Isolate the failure: every item alone, so only the ones that fail by themselves reject.
      let failed = 0;
      for (const p of batch) {
        try {
          const [one] = await this.#run([p.item]);
          p.resolve(one);
        } catch (itemError) {
          failed++;
          stats.failedItems++;
          p.reject(itemError);
        }
      }
      if (failed === 0 && ++stats.splitRecoveries >= DEGRADE_AFTER) stats.degraded = true;
      return;
    }
    for (let i = 0; i < batch.length; i++) batch[i].resolve(results[i]);
  }
}

/** Batching settings from env: REMOTEMEDIA_BATCH_WAIT_MS (0 turns batching off) and REMOTEMEDIA_BATCH_MAX. */
export function batchOptionsFromEnv(env: Record<string, string | undefined> = process.env, defaults: MicroBatcherOptions): MicroBatcherOptions {
  const wait = Number(env.REMOTEMEDIA_BATCH_WAIT_MS ?? defaults.maxWaitMs);
  const max = Number(env.REMOTEMEDIA_BATCH_MAX ?? defaults.maxBatch);
  return {
    maxWaitMs: Number.isFinite(wait) && wait >= 0 ? wait : defaults.maxWaitMs,
    maxBatch: Number.isInteger(max) && max >= 1 ? max : defaults.maxBatch,
  };
}
