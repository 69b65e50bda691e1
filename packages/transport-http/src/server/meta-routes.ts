import { Code, RUNTIME_VERSION, RemoteMediaError } from '@remotemedia/runtime-core';
import { API_VERSION, TRANSPORT_HTTP_VERSION } from '../version.js';
import { type RouteContext, sendJson, withRequestId } from './route-context.js';

/** GET /health: open without auth, for load balancers and probes. */
export async function healthRoute(ctx: RouteContext, shuttingDown: boolean): Promise<void> {
  sendJson(ctx, shuttingDown ? 503 : 200, { status: shuttingDown ? 'not_serving' : 'serving', version: RUNTIME_VERSION, sessions: ctx.sessions.size });
}

/** GET /v1/version */
export async function versionRoute(ctx: RouteContext): Promise<void> {
  sendJson(ctx, 200, { api: API_VERSION, transportHttp: TRANSPORT_HTTP_VERSION, runtime: RUNTIME_VERSION, node: process.version });
}

/** GET /v1/nodes: node types with their params JSON Schemas (when the pipeline has the `listNodes` capability, as PipelineRunner and HttpPipelineClient do). */
export async function nodesRoute(ctx: RouteContext): Promise<void> {
  const { pipeline } = ctx.config;
  if (!pipeline.listNodes) throw new RemoteMediaError(Code.Unimplemented, "this server's pipeline does not list its node types");
  sendJson(ctx, 200, { nodes: await pipeline.listNodes() });
}

/** GET /metrics: the server's HTTP metrics plus the runner's per-node metrics (Prometheus text). */
export async function metricsRoute(ctx: RouteContext): Promise<void> {
  const own = await ctx.metrics.registry.metrics();
  const runner = (await ctx.config.pipeline.metricsText?.()) ?? '';
  const text = runner ? `${own.trimEnd()}\n${runner}` : own;
  ctx.res.writeHead(200, withRequestId(ctx, { 'content-type': ctx.metrics.registry.contentType }));
  ctx.res.end(text);
}
