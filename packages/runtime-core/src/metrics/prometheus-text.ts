import type { LatencyHistogram } from './latency-histogram.js';
import type { NodeMetrics } from './pipeline-metrics.js';

const escape = (v: string) => v.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
const labels = (l: Record<string, string>) =>
  `{${Object.entries(l)
    .map(([k, v]) => `${k}="${escape(v)}"`)
    .join(',')}}`;

/**
 * Prometheus text exposition (0.0.4) of per-node metrics. Servers merge this into their
 * prom-client registry output; written here because core must also run in a browser.
 */
export function formatPrometheus(nodes: Iterable<{ sessionId: string; pipeline: string; metrics: NodeMetrics }>, prefix = 'remotemedia'): string {
  const counters: Array<[string, string, (m: NodeMetrics) => number]> = [
    ['node_items_in_total', 'Inputs received by a node', (m) => m.itemsIn],
    ['node_items_out_total', 'Outputs produced by a node', (m) => m.itemsOut],
    ['node_errors_total', 'Processing errors of a node', (m) => m.errors],
    ['node_drops_total', 'Inputs dropped by overflow policy', (m) => m.snapshot().drops],
    ['node_interrupted_total', 'Queued inputs discarded by interrupts', (m) => m.interrupted],
  ];
  const rows = [...nodes];
  const lines: string[] = [];
  for (const [name, help, get] of counters) {
    lines.push(`# HELP ${prefix}_${name} ${help}`, `# TYPE ${prefix}_${name} counter`);
    for (const r of rows) lines.push(`${prefix}_${name}${labels({ session: r.sessionId, pipeline: r.pipeline, node: r.metrics.nodeId })} ${get(r.metrics)}`);
  }
  lines.push(`# HELP ${prefix}_node_queue_depth Items waiting in a node's input queue`, `# TYPE ${prefix}_node_queue_depth gauge`);
  for (const r of rows)
    lines.push(
      `${prefix}_node_queue_depth${labels({ session: r.sessionId, pipeline: r.pipeline, node: r.metrics.nodeId })} ${r.metrics.snapshot().queueDepth}`,
    );
  const h = `${prefix}_node_latency_seconds`;
  lines.push(`# HELP ${h} Per-input processing latency of a node`, `# TYPE ${h} histogram`);
  for (const r of rows) lines.push(...histogramLines(h, { session: r.sessionId, pipeline: r.pipeline, node: r.metrics.nodeId }, r.metrics.latency));
  return lines.join('\n') + '\n';
}

function histogramLines(name: string, l: Record<string, string>, hist: LatencyHistogram): string[] {
  const out = hist.cumulativeBuckets().map((b) => `${name}_bucket${labels({ ...l, le: String(b.leUs / 1e6) })} ${b.count}`);
  out.push(`${name}_bucket${labels({ ...l, le: '+Inf' })} ${hist.count}`);
  out.push(`${name}_sum${labels(l)} ${hist.sumUs / 1e6}`, `${name}_count${labels(l)} ${hist.count}`);
  return out;
}
