import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Prometheus metrics of one server (its own registry, so several servers in a process do not clash). */
export class GrpcServerMetrics {
  readonly registry = new Registry();
  readonly #requests = new Counter({
    name: 'remotemedia_grpc_requests_total',
    help: 'RPCs finished, by procedure, protocol and status code',
    labelNames: ['procedure', 'protocol', 'code'],
    registers: [this.registry],
  });
  readonly #duration = new Histogram({
    name: 'remotemedia_grpc_request_duration_seconds',
    help: 'RPC duration (streams: whole session), by procedure',
    labelNames: ['procedure'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10, 60, 600],
    registers: [this.registry],
  });
  readonly #activeSessions = new Gauge({ name: 'remotemedia_grpc_active_sessions', help: 'Streaming sessions open now', registers: [this.registry] });
  readonly #streamResults = new Counter({
    name: 'remotemedia_grpc_stream_results_total',
    help: 'Results sent on streaming sessions',
    registers: [this.registry],
  });

  constructor(options: { defaultMetrics?: boolean } = {}) {
    if (options.defaultMetrics ?? true) collectDefaultMetrics({ register: this.registry });
  }

  requestFinished(procedure: string, protocol: string, code: string, seconds: number): void {
    this.#requests.inc({ procedure, protocol, code });
    this.#duration.observe({ procedure }, seconds);
  }
  sessionStarted(): void {
    this.#activeSessions.inc();
  }
  sessionEnded(): void {
    this.#activeSessions.dec();
  }
  streamResult(): void {
    this.#streamResults.inc();
  }

  /** The server's metrics plus, when the pipeline offers them, its per-node metrics. */
  async text(pipelineText?: string): Promise<string> {
    const own = await this.registry.metrics();
    return pipelineText ? `${own}\n${pipelineText}` : own;
  }
}
