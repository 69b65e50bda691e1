import { create } from '@bufbuild/protobuf';
import type { NodeMetricsSnapshot, SessionMetricsSnapshot, SessionState } from '@remotemedia/runtime-core';
import { type SessionMetrics, SessionMetricsSchema } from './gen/remotemedia/v1/metrics_pb.js';
import { toInt64 } from './int64.js';

export function sessionMetricsToProto(m: SessionMetricsSnapshot): SessionMetrics {
  return create(SessionMetricsSchema, {
    sessionId: m.sessionId,
    pipeline: m.pipeline,
    state: m.state,
    startedAtMs: m.startedAtMs,
    durationMs: m.durationMs,
    inputs: toInt64(m.inputs),
    outputs: toInt64(m.outputs),
    nodes: m.nodes.map((n) => ({
      nodeId: n.nodeId,
      nodeType: n.nodeType,
      itemsIn: toInt64(n.itemsIn),
      itemsOut: toInt64(n.itemsOut),
      errors: toInt64(n.errors),
      drops: toInt64(n.drops),
      interrupted: toInt64(n.interrupted),
      retries: toInt64(n.retries),
      queueDepth: toInt64(n.queueDepth),
      latency: { ...n.latency, count: toInt64(n.latency.count) },
      progress: n.progress,
    })),
  });
}

export function sessionMetricsFromProto(m: SessionMetrics): SessionMetricsSnapshot {
  return {
    sessionId: m.sessionId,
    pipeline: m.pipeline,
    state: m.state as SessionState,
    startedAtMs: m.startedAtMs,
    durationMs: m.durationMs,
    inputs: Number(m.inputs),
    outputs: Number(m.outputs),
    nodes: m.nodes.map((n): NodeMetricsSnapshot => {
      const l = n.latency;
      return {
        nodeId: n.nodeId,
        nodeType: n.nodeType,
        itemsIn: Number(n.itemsIn),
        itemsOut: Number(n.itemsOut),
        errors: Number(n.errors),
        drops: Number(n.drops),
        interrupted: Number(n.interrupted),
        retries: Number(n.retries),
        queueDepth: Number(n.queueDepth),
        latency: {
          count: Number(l?.count ?? 0n),
          meanUs: l?.meanUs ?? 0,
          p50Us: l?.p50Us ?? 0,
          p95Us: l?.p95Us ?? 0,
          p99Us: l?.p99Us ?? 0,
          maxUs: l?.maxUs ?? 0,
        },
        ...(n.progress === undefined ? {} : { progress: n.progress }),
      };
    }),
  };
}
