import { getEventListeners } from 'node:events';
import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { abortError } from '@remotemedia/runtime-core/kit';
import { RemoteReason, markCallerCanceled, remoteError } from './remote-errors.js';

// One remote attempt's deadline and cancellation, on every call's hot path. What it avoids per
// call (an in-memory transport call is ~10 µs): creating an AbortSignal (~2.4 µs on Node 20:
// unary calls reuse idle ones), a timer (~0.3 µs: one timer per timeoutMs value serves every
// attempt in flight) and an 'abort' listener pair on the caller's signal (~0.5 µs: one listener
// per caller signal serves every attempt in flight on it).

/** Longest delay a Node.js timer keeps; a longer one fires after 1 ms instead. */
const MAX_TIMER_MS = 2_147_483_647;
/** Idle deadline controllers kept for reuse (one per concurrent unary attempt is all it takes). */
const MAX_IDLE_CONTROLLERS = 64;
/**
 * Uses after which a controller retires. Bounds what a client could leave behind on a signal it
 * was lent without showing it as a listener: e.g. AbortSignal.any dependants, which Node 20 keeps
 * on the source signal for as long as that lives.
 */
const MAX_CONTROLLER_USES = 256;

export const canceled = (signal: AbortSignal): RemoteMediaError => markCallerCanceled(abortError(signal, 'remote call'));

interface Lease {
  controller: AbortController;
  signal: AbortSignal;
  uses: number;
}

const idleLeases: Lease[] = [];

function takeLease(reusable: boolean): Lease {
  if (reusable) {
    const lease = idleLeases.pop();
    if (lease) return lease;
  }
  const controller = new AbortController();
  return { controller, signal: controller.signal, uses: 0 };
}

/** Back to the idle list only if nothing can tell it was used: never aborted, no listener left on it. */
function returnLease(lease: Lease): void {
  if (++lease.uses >= MAX_CONTROLLER_USES || lease.signal.aborted || idleLeases.length >= MAX_IDLE_CONTROLLERS) return;
  if (getEventListeners(lease.signal, 'abort').length) return;
  idleLeases.push(lease);
}

/** Idle controllers held for reuse (tests). */
export function idleDeadlineSignals(): number {
  return idleLeases.length;
}

/**
 * The attempts in flight with one timeoutMs, in start order, so in deadline order: one timer,
 * armed for the first deadline, serves them all. It is unref'd while no attempt is in flight
 * (so it never keeps a process alive on its own) instead of being cleared and set again per call.
 */
class DeadlineQueue {
  head: Attempt<unknown> | undefined;
  tail: Attempt<unknown> | undefined;
  #timer: ReturnType<typeof setTimeout> | undefined;

  constructor(readonly timeoutMs: number) {}

  add(attempt: Attempt<unknown>): void {
    attempt.expiresAt = performance.now() + this.timeoutMs;
    attempt.prev = this.tail;
    if (this.tail) this.tail.next = attempt;
    else this.head = attempt;
    this.tail = attempt;
    if (!this.#timer) this.#arm(this.timeoutMs);
    else if (this.head === attempt) this.#timer.ref();
  }

  remove(attempt: Attempt<unknown>): void {
    const { prev, next } = attempt;
    if (prev) prev.next = next;
    else this.head = next;
    if (next) next.prev = prev;
    else this.tail = prev;
    attempt.prev = attempt.next = undefined;
    attempt.expiresAt = 0; // not queued
    if (!this.head) this.#timer?.unref();
  }

  /** Whether a timer is armed and keeps the process alive (tests). */
  get timerRefed(): boolean {
    return this.#timer?.hasRef() ?? false;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(sweep, Math.min(Math.max(ms, 1), MAX_TIMER_MS), this);
  }

  sweep(): void {
    this.#timer = undefined;
    const now = performance.now();
    // Timers have 1 ms resolution: a deadline less than 1 ms away is due now.
    for (let a = this.head; a && a.expiresAt - now < 1; a = this.head) {
      this.remove(a);
      a.expire();
    }
    if (this.head && !this.#timer) this.#arm(Math.ceil(this.head.expiresAt - now));
  }
}

function sweep(queue: DeadlineQueue): void {
  queue.sweep();
}

const queues = new Map<number, DeadlineQueue>();

function queueFor(timeoutMs: number): DeadlineQueue {
  let queue = queues.get(timeoutMs);
  if (!queue) queues.set(timeoutMs, (queue = new DeadlineQueue(timeoutMs)));
  return queue;
}

/** Attempts waiting for their deadline, and whether the timer serving them keeps the process alive (tests). */
export function pendingDeadlines(timeoutMs: number): { pending: number; timerRefed: boolean } {
  const queue = queues.get(timeoutMs);
  let pending = 0;
  for (let a = queue?.head; a; a = a.next) pending++;
  return { pending, timerRefed: queue?.timerRefed ?? false };
}

/**
 * The attempts in flight per caller signal, with one 'abort' listener per signal for all of them.
 * Callers pass long-lived signals (a session's), and an EventTarget listener pair costs ~0.5 µs
 * per call; a Set entry costs a tenth of that. A signal's listener stays while calls keep coming
 * and is removed by a sweep once the signal has no attempt in flight (within a second or two).
 */
const watched = new Map<AbortSignal, CallerWatch>();
let watchSweeper: ReturnType<typeof setInterval> | undefined;
const WATCH_SWEEP_MS = 1000;
/** Callers passing a new signal per call: idle entries are swept early once the map grows past this. */
let sweepAtSize = 1024;

/** A caller signal's attempts in flight, linked through the attempts themselves (no Set hashing per call). */
class CallerWatch {
  head: Attempt<unknown> | undefined;

  add(attempt: Attempt<unknown>): void {
    attempt.callerNext = this.head;
    if (this.head) this.head.callerPrev = attempt;
    this.head = attempt;
  }

  remove(attempt: Attempt<unknown>): void {
    const { callerPrev: prev, callerNext: next } = attempt;
    if (prev) prev.callerNext = next;
    else if (this.head === attempt) this.head = next;
    if (next) next.callerPrev = prev;
    attempt.callerPrev = attempt.callerNext = undefined;
  }
}

function onCallerAbort(this: AbortSignal): void {
  const watch = watched.get(this);
  watched.delete(this);
  for (let a = watch?.head; a; a = watch!.head) {
    watch!.remove(a);
    a.callerAborted();
  }
}

function watchCaller(signal: AbortSignal): CallerWatch {
  let watch = watched.get(signal);
  if (!watch) {
    if (watched.size >= sweepAtSize) {
      sweepIdleCallerSignals();
      sweepAtSize = Math.max(1024, watched.size * 2); // amortized: never a sweep per call
    }
    watched.set(signal, (watch = new CallerWatch()));
    signal.addEventListener('abort', onCallerAbort, { once: true });
    if (!watchSweeper) {
      watchSweeper = setInterval(sweepIdleCallerSignals, WATCH_SWEEP_MS);
      watchSweeper.unref(); // never keeps a process alive: the attempts' deadline timers do while calls are in flight
    }
  }
  return watch;
}

/** Removes the listener of every caller signal with no attempt in flight (the sweeper runs it every second). */
export function sweepIdleCallerSignals(): void {
  for (const [signal, watch] of watched) {
    if (watch.head) continue;
    signal.removeEventListener('abort', onCallerAbort);
    watched.delete(signal);
  }
  if (!watched.size && watchSweeper) {
    clearInterval(watchSweeper);
    watchSweeper = undefined;
  }
}

/** One attempt: settled once, by the call, its deadline or the caller's abort. */
class Attempt<T> {
  prev: Attempt<unknown> | undefined;
  next: Attempt<unknown> | undefined;
  callerPrev: Attempt<unknown> | undefined;
  callerNext: Attempt<unknown> | undefined;
  #watch: CallerWatch | undefined;
  /** performance.now() at which it times out while queued; 0 when not queued. */
  expiresAt = 0;
  #settled = false;

  constructor(
    private readonly endpoint: string,
    private readonly queue: DeadlineQueue,
    private readonly outer: AbortSignal | undefined,
    private readonly lease: Lease,
    private readonly reusable: boolean,
    private readonly resolve: (value: T) => void,
    private readonly reject: (error: unknown) => void,
  ) {}

  start(fn: (signal: AbortSignal) => Promise<T>): void {
    let call: Promise<T>;
    try {
      call = fn(this.lease.signal);
    } catch (error) {
      call = Promise.reject(error);
    }
    call.then(
      (value) => this.#succeed(value),
      (error: unknown) => this.#fail(error),
    );
    this.queue.add(this as Attempt<unknown>);
    if (this.outer) (this.#watch = watchCaller(this.outer)).add(this as Attempt<unknown>);
  }

  callerAborted(): void {
    if (this.#settled) return;
    this.lease.controller.abort(this.outer!.reason);
    this.#fail(canceled(this.outer!));
  }

  /** Called by the queue, which has already let go of it. */
  expire(): void {
    if (this.#settled) return;
    const error = remoteError(Code.DeadlineExceeded, RemoteReason.RemoteTimeout, `${this.endpoint} did not answer within timeoutMs=${this.queue.timeoutMs}`);
    this.lease.controller.abort(error);
    this.#fail(error);
  }

  #finish(): void {
    this.#settled = true;
    if (this.expiresAt) this.queue.remove(this as Attempt<unknown>);
    this.#watch?.remove(this as Attempt<unknown>);
  }

  #succeed(value: T): void {
    if (this.#settled) return;
    this.#finish();
    // A unary call is over once it settled: its signal can serve the next one.
    if (this.reusable) returnLease(this.lease);
    this.resolve(value);
  }

  #fail(error: unknown): void {
    if (this.#settled) return;
    this.#finish();
    const { outer, lease } = this;
    if (outer?.aborted) return this.reject(canceled(outer));
    const reason: unknown = lease.signal.reason;
    if (lease.signal.aborted && reason instanceof RemoteMediaError && reason.reason === RemoteReason.RemoteTimeout) return this.reject(reason);
    this.reject(error);
  }
}

/**
 * Runs `fn` with a signal that aborts on the attempt's deadline (DeadlineExceeded, reason
 * RemoteTimeout) or when `outer` aborts (Canceled, marked as the caller's). The returned promise
 * settles at the first of the three even if `fn` ignores its signal. `unary`: `fn` is done with
 * the signal once its promise settled (a unary call, not a session that outlives it), so the
 * signal may be lent to a later attempt.
 */
export function withDeadline<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  endpoint: string,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  unary = false,
): Promise<T> {
  if (outer?.aborted) return Promise.reject(canceled(outer));
  const lease = takeLease(unary);
  return new Promise<T>((resolve, reject) => new Attempt(endpoint, queueFor(timeoutMs), outer, lease, unary, resolve, reject).start(fn));
}
