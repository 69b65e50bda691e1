import { LatencyHistogram, type LatencySnapshot } from './latency-histogram.js';

/** Live counters of one node in one session; the executor updates them in place. */
export class NodeMetrics {
  itemsIn = 0;
  itemsOut = 0;
  errors = 0;
  /** Inputs dropped by the queue's overflow policy. */
  drops = 0;
  /** Queued inputs discarded by an interrupt (barge-in). */
  interrupted = 0;
  retries = 0;
  progress: number | undefined;
  readonly latency = new LatencyHistogram();
  constructor(
    readonly nodeId: string,
    readonly nodeType: string,
    /** The node's input queue, read at snapshot time. */
    private readonly queue: { readonly length: number; readonly dropped: number },
  ) {}

  snapshot(): NodeMetricsSnapshot {
    return {
      nodeId: this.nodeId,
      nodeType: this.nodeType,
      itemsIn: this.itemsIn,
      itemsOut: this.itemsOut,
      errors: this.errors,
      drops: this.drops + this.queue.dropped,
      interrupted: this.interrupted,
      retries: this.retries,
      queueDepth: this.queue.length,
      latency: this.latency.snapshot(),
      ...(this.progress === undefined ? {} : { progress: this.progress }),
    };
  }
}

export interface NodeMetricsSnapshot {
  nodeId: string;
  nodeType: string;
  itemsIn: number;
  itemsOut: number;
  errors: number;
  drops: number;
  interrupted: number;
  retries: number;
  queueDepth: number;
  latency: LatencySnapshot;
  progress?: number;
}

export interface SessionMetricsSnapshot {
  sessionId: string;
  pipeline: string;
  state: SessionState;
  startedAtMs: number;
  durationMs: number;
  inputs: number;
  outputs: number;
  nodes: NodeMetricsSnapshot[];
}

export type SessionState = 'running' | 'ending' | 'closed' | 'failed';
