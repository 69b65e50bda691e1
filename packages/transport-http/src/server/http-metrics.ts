import { Counter, Gauge, Registry } from 'prom-client';

const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 30];

/** The server's own Prometheus metrics, in a registry of its own (never the global one). */
export class HttpMetrics {
  readonly registry = new Registry();
  readonly requests = new RequestMetrics();
  readonly sessionsOpened = new Counter({
    name: 'remotemedia_http_sessions_opened_total',
    help: 'Streaming sessions opened (SSE/HTTP and WebSocket)',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  readonly sessionsExpired = new Counter({
    name: 'remotemedia_http_sessions_expired_total',
    help: 'Streaming sessions closed for idleness',
    registers: [this.registry],
  });
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
    this.registry.registerMetric(this.requests.counter as never);
    this.registry.registerMetric(this.requests.histogram as never);
  }

  /** One finished request. */
  observe(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe(method, route, status, seconds);
  }
}

interface RouteStats {
  /** Per bucket (not cumulative); the last slot is above every bound. */
  buckets: Float64Array;
  sum: number;
  count: number;
  /** method -> status -> requests */
  byStatus: Map<string, Map<number, number>>;
}

type MetricValue = { labels: Record<string, string | number>; value: number; metricName?: string };

/**
 * `remotemedia_http_requests_total{method,route,status}` and
 * `remotemedia_http_request_duration_seconds{route}`, counted in plain numbers and handed to the
 * prom-client registry at scrape time through the metric interface it reads (`get()`).
 * Written by hand because prom-client's labelled children validate and hash their labels on
 * every call: ~0.6 us per request in the unary benchmark (bench/http.bench.ts), ~0.05 us here.
 */
export class RequestMetrics {
  readonly #routes = new Map<string, RouteStats>();

  observe(method: string, route: string, status: number, seconds: number): void {
    let stats = this.#routes.get(route);
    if (!stats) this.#routes.set(route, (stats = { buckets: new Float64Array(DURATION_BUCKETS.length + 1), sum: 0, count: 0, byStatus: new Map() }));
    let i = 0;
    while (i < DURATION_BUCKETS.length && seconds > DURATION_BUCKETS[i]) i++;
    stats.buckets[i]++;
    stats.sum += seconds;
    stats.count++;
    let statuses = stats.byStatus.get(method);
    if (!statuses) stats.byStatus.set(method, (statuses = new Map<number, number>()));
    statuses.set(status, (statuses.get(status) ?? 0) + 1);
  }

  readonly counter = {
    name: 'remotemedia_http_requests_total',
    help: 'HTTP requests by route and status',
    type: 'counter',
    get: () => {
      const values: MetricValue[] = [];
      for (const [route, stats] of this.#routes) {
        for (const [method, statuses] of stats.byStatus)
          for (const [status, n] of statuses) values.push({ labels: { method, route, status: String(status) }, value: n });
      }
      return { name: this.counter.name, help: this.counter.help, type: 'counter', values, aggregator: 'sum' };
    },
  };

  readonly histogram = {
    name: 'remotemedia_http_request_duration_seconds',
    help: 'HTTP request duration by route',
    type: 'histogram',
    get: () => {
      const name = this.histogram.name;
      const values: MetricValue[] = [];
      for (const [route, stats] of this.#routes) {
        let cumulative = 0;
        DURATION_BUCKETS.forEach((le, i) => {
          cumulative += stats.buckets[i];
          values.push({ labels: { le, route }, value: cumulative, metricName: `${name}_bucket` });
        });
        values.push({ labels: { le: '+Inf', route }, value: stats.count, metricName: `${name}_bucket` });
        values.push({ labels: { route }, value: stats.sum, metricName: `${name}_sum` });
        values.push({ labels: { route }, value: stats.count, metricName: `${name}_count` });
      }
      return { name, help: this.histogram.help, type: 'histogram', values, aggregator: 'sum' };
    },
  };
}
