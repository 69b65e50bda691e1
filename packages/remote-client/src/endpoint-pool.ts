import { Code, type PipelineClient, RemoteMediaError } from '@remotemedia/runtime-core';
import { BrokenCircuitError, CircuitBreakerPolicy, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen } from 'cockatiel';
import { type LoadBalancer, createLoadBalancer } from './load-balancer.js';
import { isEndpointFailure } from './remote-errors.js';
import type { LoadBalanceStrategy } from './remote-params.js';

export interface BreakerSettings {
  failureThreshold: number;
  successThreshold: number;
  resetTimeoutMs: number;
}

export interface HealthCheckSettings {
  enabled: boolean;
  intervalMs: number;
  timeoutMs: number;
}

export interface EndpointPoolOptions {
  /** Shown in errors and snapshots, e.g. `grpc` or `fallback[0] http`. */
  label: string;
  endpoints: readonly string[];
  /** Creates the client of one endpoint (once, on first use). */
  createClient: (endpoint: string) => Promise<PipelineClient>;
  strategy: LoadBalanceStrategy;
  breaker: BreakerSettings;
  healthCheck: HealthCheckSettings;
}

export type BreakerStateName = 'closed' | 'open' | 'half_open';

/** A point-in-time view of one endpoint, for metrics, logs and tests. */
export interface EndpointSnapshot {
  endpoint: string;
  breaker: BreakerStateName;
  healthy: boolean;
  active: number;
  /** Streaming sessions open on this endpoint now (also counted in `active`). */
  sessions: number;
  /** Calls (and session opens) started on this endpoint. */
  calls: number;
  /** Of those, how many failed through the endpoint's fault. */
  failures: number;
  /** Health probes run and how many failed. */
  probes: number;
  probeFailures: number;
}

export class Endpoint {
  active = 0;
  sessions = 0;
  /** False after a failed health probe, true again after a successful one. */
  healthy = true;
  calls = 0;
  failures = 0;
  probes = 0;
  probeFailures = 0;
  breaker: CircuitBreakerPolicy;
  /** The failure counter of `breaker`'s closed state. */
  #consecutive!: ConsecutiveBreaker;
  #healthSuccesses = 0;
  #openedAt = 0;
  #client: Promise<PipelineClient> | undefined;
  /** The client once created (saves an await per call). */
  #ready: PipelineClient | undefined;

  constructor(
    readonly url: string,
    private readonly settings: BreakerSettings,
    private readonly createClient: (endpoint: string) => Promise<PipelineClient>,
  ) {
    this.breaker = this.#newBreaker();
  }

  client(): Promise<PipelineClient> {
    this.#client ??= this.createClient(this.url).then(
      (client) => (this.#ready = client),
      (error) => {
        this.#client = undefined; // let a later call retry client creation
        throw error;
      },
    );
    return this.#client;
  }

  get breakerState(): BreakerStateName {
    const s = this.breaker.state;
    return s === CircuitState.Closed ? 'closed' : s === CircuitState.HalfOpen ? 'half_open' : 'open';
  }

  /**
   * Runs one call through this endpoint's breaker, counting it as active meanwhile. A closed
   * breaker with a ready client takes the call without cockatiel's executor (two async frames and
   * a result object per call, ~0.4 µs): a success does what cockatiel's closed state does with
   * one, reset the consecutive-failure count; a failure goes through cockatiel as before, so its
   * state machine (open at the threshold, half-open trial, reset) stays cockatiel's.
   */
  run<T>(fn: (client: PipelineClient) => Promise<T>): Promise<T> {
    const ready = this.#ready;
    const breaker = this.breaker;
    if (!ready || breaker.state !== CircuitState.Closed) return this.#runGuarded(fn);
    this.calls++;
    this.active++;
    let call: Promise<T>;
    try {
      call = fn(ready);
    } catch (error) {
      call = Promise.reject(error);
    }
    return call.then(
      (value) => {
        this.active--;
        this.#consecutive.success();
        return value;
      },
      (error: unknown) => this.#closedFailure(breaker, error),
    );
  }

  async #runGuarded<T>(fn: (client: PipelineClient) => Promise<T>): Promise<T> {
    this.calls++;
    this.active++;
    try {
      const ready = this.#ready;
      return await this.breaker.execute(ready ? () => fn(ready) : async () => fn(await this.client()));
    } catch (error) {
      if (!(error instanceof BrokenCircuitError) && isEndpointFailure(error)) this.failures++;
      throw error;
    } finally {
      this.active--;
    }
  }

  /**
   * A call that started on a closed breaker failed. An endpoint failure is fed to cockatiel's
   * closed state (counted, the breaker opened at the threshold) before the caller sees it, as
   * `execute` would have. If other calls moved the breaker on meanwhile (it opened, or a health
   * check replaced it), it already reflects the endpoint's failures and this one is not counted
   * again; cockatiel would also have re-opened a breaker whose half-open trial was in flight.
   */
  async #closedFailure(breaker: CircuitBreakerPolicy, error: unknown): Promise<never> {
    try {
      if (!isEndpointFailure(error)) throw error; // the request's fault: cockatiel does not count it either
      this.failures++;
      if (breaker === this.breaker && breaker.state === CircuitState.Closed) await breaker.execute(() => Promise.reject(error));
      throw error;
    } finally {
      this.active--;
    }
  }

  /** A failure noticed outside `run` (a streaming session dying): feed it to the breaker too. */
  recordFailure(error: unknown): void {
    this.failures++;
    void this.breaker.execute(() => Promise.reject(error)).catch(() => {});
  }

  /**
   * Health probes drive recovery: `successThreshold` consecutive good probes close an open
   * breaker at once, without waiting for `resetTimeoutMs` and a trial call.
   */
  recordProbe(ok: boolean): void {
    this.probes++;
    this.healthy = ok;
    if (!ok) {
      this.probeFailures++;
      this.#healthSuccesses = 0;
      return;
    }
    if (this.breaker.state === CircuitState.Closed) return;
    if (++this.#healthSuccesses >= this.settings.successThreshold) {
      // cockatiel has no "close now"; a fresh breaker is a closed one.
      this.breaker = this.#newBreaker();
      this.#healthSuccesses = 0;
    }
  }

  snapshot(): EndpointSnapshot {
    return {
      endpoint: this.url,
      breaker: this.breakerState,
      healthy: this.healthy,
      active: this.active,
      sessions: this.sessions,
      calls: this.calls,
      failures: this.failures,
      probes: this.probes,
      probeFailures: this.probeFailures,
    };
  }

  async close(): Promise<void> {
    const client = this.#client;
    this.#client = undefined;
    this.#ready = undefined;
    if (client) await client.then((c) => c.close()).catch(() => {});
  }

  /**
   * Closed and half-open breakers take calls; an open one only once `resetTimeoutMs` has passed
   * (cockatiel reports Open until a call arrives, then lets that one through as the trial).
   */
  acceptsCalls(): boolean {
    const s = this.breaker.state;
    if (s === CircuitState.Closed || s === CircuitState.HalfOpen) return true;
    return s === CircuitState.Open && Date.now() - this.#openedAt >= this.settings.resetTimeoutMs;
  }

  #newBreaker(): CircuitBreakerPolicy {
    this.#consecutive = new ConsecutiveBreaker(this.settings.failureThreshold);
    const breaker = circuitBreaker(handleWhen(isEndpointFailure), { halfOpenAfter: this.settings.resetTimeoutMs, breaker: this.#consecutive });
    breaker.onBreak(() => (this.#openedAt = Date.now()));
    return breaker;
  }
}

/**
 * Equivalent endpoints of one transport: a circuit breaker each, a load balancer over those
 * whose breaker lets calls through, and a background health prober.
 */
export class EndpointPool {
  readonly label: string;
  readonly endpoints: readonly Endpoint[];
  readonly #balancer: LoadBalancer<Endpoint>;
  #timer: ReturnType<typeof setInterval> | undefined;
  #probing = false;
  #closed = false;

  constructor(private readonly options: EndpointPoolOptions) {
    this.label = options.label;
    this.endpoints = options.endpoints.map((url) => new Endpoint(url, options.breaker, options.createClient));
    this.#balancer = createLoadBalancer(options.strategy);
    if (options.healthCheck.enabled) {
      this.#timer = setInterval(() => void this.probeAll(), options.healthCheck.intervalMs);
      // Health checks alone must never keep a process alive.
      (this.#timer as { unref?: () => void }).unref?.();
    }
  }

  /**
   * The next endpoint to try, skipping `exclude` and open breakers. Endpoints that failed their
   * last health probe are used only when no healthy one is left (the probe may be stale).
   */
  select(exclude: ReadonlySet<Endpoint>): Endpoint | undefined {
    if (exclude.size === 0 && this.#allUsable()) return this.#balancer.pick(this.endpoints, this.endpoints);
    const usable = this.endpoints.filter((e) => !exclude.has(e) && e.acceptsCalls());
    const healthy = usable.filter((e) => e.healthy);
    return this.#balancer.pick(healthy.length ? healthy : usable, this.endpoints);
  }

  #allUsable(): boolean {
    for (const e of this.endpoints) if (!e.healthy || !e.acceptsCalls()) return false;
    return true;
  }

  /** Probes every endpoint once (skipped while the previous round still runs). */
  async probeAll(): Promise<void> {
    if (this.#probing || this.#closed) return;
    this.#probing = true;
    try {
      await Promise.all(this.endpoints.map((e) => this.#probe(e)));
    } finally {
      this.#probing = false;
    }
  }

  async #probe(endpoint: Endpoint): Promise<void> {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new RemoteMediaError(Code.DeadlineExceeded, 'health probe timed out')), this.options.healthCheck.timeoutMs);
    let ok = false;
    try {
      const client = await endpoint.client();
      const status = await Promise.race([
        client.health({ signal: controller.signal, timeoutMs: this.options.healthCheck.timeoutMs }),
        new Promise<never>((_, reject) => controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true })),
      ]);
      ok = status.status === 'serving';
    } catch {
      ok = false;
    } finally {
      clearTimeout(timer);
    }
    if (!this.#closed) endpoint.recordProbe(ok);
  }

  snapshot(): EndpointSnapshot[] {
    return this.endpoints.map((e) => e.snapshot());
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await Promise.all(this.endpoints.map((e) => e.close()));
  }
}
