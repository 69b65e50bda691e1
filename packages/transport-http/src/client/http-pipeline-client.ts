import {
  type CallOptions,
  type HealthStatus,
  type ManifestSource,
  type NodeInfo,
  type PipelineClient,
  type TransportClientOptions,
  type RuntimeData,
  type StreamSession,
  type TransportData,
  asTransportData,
  manifestTextLiteral,
} from '@remotemedia/runtime-core';
import { type TransportDataJson, callSignal, transportDataFromJson, transportDataListToJsonText } from '@remotemedia/runtime-core/kit';
import { Pool } from 'undici';
import { requestJson, wholeMs } from './http-request.js';
import { SseStreamSession } from './sse-stream-session.js';
import { WebSocketStreamSession } from './websocket-stream-session.js';

export interface HttpPipelineClientOptions {
  /** Server base URL, e.g. `http://127.0.0.1:8080`. */
  baseUrl: string;
  /** Bearer token sent with every call. Default: none. */
  token?: string;
  /** How streaming sessions travel: one WebSocket (full duplex), or POSTs plus an SSE stream. Default `websocket`. */
  streaming?: 'websocket' | 'sse';
  /** Deadline for every call that sets none itself, in ms. Default: none. */
  timeoutMs?: number;
  /** Keep-alive connections in the pool for unary calls. Default 16. */
  connections?: number;
  /** How long an idle pooled connection stays open, in ms. Default 30000. */
  keepAliveTimeoutMs?: number;
  /** Largest WebSocket message accepted from the server, in bytes. Default 64 MiB. */
  maxMessageBytes?: number;
  /**
   * SSE streaming: reconnects (with `Last-Event-ID`, so nothing is lost or repeated) tried in a row,
   * with backoff, when the output stream drops before its end. 0 disables resuming. Default 5.
   */
  sseResumeAttempts?: number;
  /** Extra headers on every request. Default: none. */
  headers?: Record<string, string>;
}

export interface HttpPipelineClient extends PipelineClient {
  /** GET /v1/nodes: node types with their params JSON Schemas. */
  listNodes(options?: CallOptions): Promise<NodeInfo[]>;
}

/** A PipelineClient over HTTP with a keep-alive undici pool; sessions over WebSocket (or SSE). */
export function createHttpPipelineClient(options: HttpPipelineClientOptions): HttpPipelineClient {
  const base = new URL(options.baseUrl);
  const origin = base.origin;
  const pool = new Pool(origin, { connections: options.connections ?? 16, keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000, pipelining: 1 });
  const headers: Record<string, string> = { ...options.headers, ...(options.token === undefined ? {} : { authorization: `Bearer ${options.token}` }) };
  const sessions = new Set<StreamSession>();
  const withDefaults = (call: CallOptions = {}): CallOptions =>
    call.timeoutMs === undefined && options.timeoutMs !== undefined ? { ...call, timeoutMs: options.timeoutMs } : call;
  const timeoutHeader = (call: CallOptions): Record<string, string> | undefined =>
    call.timeoutMs === undefined ? undefined : { 'x-remotemedia-timeout-ms': String(wholeMs(call.timeoutMs)) };

  return {
    async execute(manifest: ManifestSource, inputs: readonly (TransportData | RuntimeData)[], callOptions?: CallOptions): Promise<TransportData[]> {
      const call = withDefaults(callOptions);
      const result = await requestJson<{ outputs: TransportDataJson[] }>(pool, origin, headers, {
        method: 'POST',
        path: '/v1/execute',
        // The manifest goes as text: the server keys its manifest cache by that text, so it neither
        // builds the manifest's objects nor stringifies them back (~1 us of server time per call).
        // A defineManifest manifest has its text, quoted, already: the body is put together here.
        bodyText: `{"manifest":${manifestTextLiteral(manifest)},"inputs":${transportDataListToJsonText(inputs.map(asTransportData))}}`,
        headers: timeoutHeader(call),
        signal: callSignal(call),
      });
      return result.outputs.map((o, i) => transportDataFromJson(o, `outputs[${i}]`));
    },

    async stream(manifest: ManifestSource, callOptions?: CallOptions): Promise<StreamSession> {
      const call = withDefaults(callOptions);
      const signal = callSignal(call);
      const session =
        options.streaming === 'sse'
          ? await SseStreamSession.open({ origin, headers, pool, resumeAttempts: options.sseResumeAttempts ?? 5 }, manifest, call, signal)
          : await WebSocketStreamSession.open(
              { url: `${origin.replace(/^http/, 'ws')}/v1/stream`, token: options.token, maxMessageBytes: options.maxMessageBytes ?? 64 * 1024 * 1024 },
              manifest,
              call,
              signal,
            );
      sessions.add(session);
      void session.settled.then(() => sessions.delete(session));
      return session;
    },

    async health(callOptions?: CallOptions): Promise<HealthStatus> {
      const call = withDefaults(callOptions);
      const body = await requestJson<{ status: HealthStatus['status']; version?: string; sessions?: number }>(pool, origin, headers, {
        method: 'GET',
        path: '/health',
        signal: callSignal(call),
      });
      return { status: body.status, ...(body.version ? { version: body.version } : {}), details: { sessions: body.sessions ?? 0 } };
    },

    async listNodes(callOptions?: CallOptions) {
      const call = withDefaults(callOptions);
      const body = await requestJson<{ nodes: Awaited<ReturnType<HttpPipelineClient['listNodes']>> }>(pool, origin, headers, {
        method: 'GET',
        path: '/v1/nodes',
        signal: callSignal(call),
      });
      return body.nodes;
    },

    async close(): Promise<void> {
      await Promise.allSettled([...sessions].map((s) => s.close('client closed')));
      await pool.close();
    },
  };
}

/** The loader contract shared by every transport package (used by `@remotemedia/remote-client`). */
export function createTransportClient(options: TransportClientOptions): PipelineClient {
  return createHttpPipelineClient({ baseUrl: options.endpoint, token: options.authToken, timeoutMs: options.timeoutMs });
}
