import { Counter, Gauge, Histogram, Registry } from 'prom-client';

/** The server's own Prometheus metrics, in a registry of its own (never the global one). */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: 'remotemedia_http_requests_total', help: 'HTTP requests by route and status', labelNames: ['method', 'route', 'status'] as const, registers: [this.registry] });
  readonly duration = new Histogram({
    name: 'remotemedia_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    labelNames: ['route'] as const,
    buckets: [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30],
    registers: [this.registry],
  });
  readonly sessionsOpened = new Counter({ name: 'remotemedia_http_sessions_opened_total', help: 'Streaming sessions opened (SSE/HTTP and WebSocket)', labelNames: ['via'] as const, registers: [this.registry] });
  readonly sessionsExpired = new Counter({ name: 'remotemedia_http_sessions_expired_total', help: 'Streaming sessions closed for idleness', registers: [this.registry] });
  readonly sessionsActive: Gauge;

  constructor(activeSessions: () => number) {
    this.sessionsActive = new Gauge({
      name: 'remotemedia_http_sessions_active',
      help: 'Streaming sessions open now',
      registers: [this.registry],
      collect() {
        this.set(activeSessions());
      },
    });
  }

  // Label children cached per combination: prom-client hashes the label object on every call otherwise.
  readonly #requestChildren = new Map<string, { inc(): void }>();
  readonly #durationChildren = new Map<string, { observe(v: number): void }>();

  observe(method: string, route: string, status: number, seconds: number): void {
    const key = `${method} ${route} ${status}`;
    let requests = this.#requestChildren.get(key);
    if (!requests) this.#requestChildren.set(key, (requests = this.requests.labels({ method, route, status: String(status) })));
    requests.inc();
    let duration = this.#durationChildren.get(route);
    if (!duration) this.#durationChildren.set(route, (duration = this.duration.labels({ route })));
    duration.observe(seconds);
  }
}
