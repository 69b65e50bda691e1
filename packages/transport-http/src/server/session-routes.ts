import { Code, RemoteMediaError, transportDataToJson } from '@remotemedia/runtime-core';
import { errorResponse } from '../shared/http-errors.js';
import { decodeRequest } from './execute-route.js';
import { type RouteContext, sendJson, timeoutHeader } from './route-context.js';
import type { SessionEntry } from './session-registry.js';

const SSE_HEARTBEAT_MS = 15_000;

/** POST /v1/sessions: `{manifest}` (or `?pipeline=name`) -> 201 `{sessionId, ...links}`. */
export async function createSessionRoute(ctx: RouteContext): Promise<void> {
  const request = await decodeRequest(ctx, true);
  const timeoutMs = timeoutHeader(ctx.req) ?? request.timeoutMs;
  const entry = await ctx.sessions.open(request.manifest!, timeoutMs ? { timeoutMs } : {});
  ctx.metrics.sessionsOpened.inc({ via: 'http' });
  // Inputs sent along with the manifest are delivered right away; if they fail, so does the call.
  try {
    for (const input of request.inputs) await entry.session.send(input);
  } catch (error) {
    await ctx.sessions.remove(entry, 'initial inputs failed');
    throw error;
  }
  const base = `/v1/sessions/${entry.id}`;
  sendJson(ctx.res, 201, { sessionId: entry.id, input: `${base}/input`, output: `${base}/output`, end: `${base}/end`, websocket: `${base}/ws` });
}

/** POST /v1/sessions/{id}/input: one item, `{inputs: [...], nodeId?}`, or raw audio. Answers once the pipeline accepted them. */
export async function sessionInputRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]!);
  const request = await decodeRequest(ctx, false);
  entry.touch();
  for (const input of request.inputs) await entry.session.send(input, request.nodeId ? { nodeId: request.nodeId } : {});
  entry.touch();
  sendJson(ctx.res, 202, { accepted: request.inputs.length });
}

/** POST /v1/sessions/{id}/end: no more input; outputs end (on the SSE stream) once the pipeline drained. */
export async function sessionEndRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]!);
  entry.touch();
  // Not awaited: ending waits for the outputs to be read, which is the output stream's job.
  void entry.session.end().catch(() => {});
  sendJson(ctx.res, 202, { ending: true });
}

/** DELETE /v1/sessions/{id}: stops now. */
export async function deleteSessionRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]!);
  await ctx.sessions.remove(entry, 'closed by client (DELETE)', new RemoteMediaError(Code.Canceled, `session ${entry.id} was closed by DELETE`));
  ctx.res.writeHead(204).end();
}

/** GET /v1/sessions/{id}: state and metrics. */
export async function sessionInfoRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]!);
  sendJson(ctx.res, 200, { sessionId: entry.id, active: entry.session.isActive, reader: entry.reader ?? null, metrics: entry.session.metrics() });
}

/**
 * GET /v1/sessions/{id}/output: Server-Sent Events `output` (TransportData JSON), then `end`,
 * or `error` ({code, message, details}). The stream is the session's one reader: when the
 * client disconnects before `end`, the session is closed.
 */
export async function sessionOutputRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]!);
  claimReader(entry, 'sse');
  const { res } = ctx;
  res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-transform', connection: 'keep-alive', 'x-accel-buffering': 'no' });
  res.flushHeaders();
  let finished = false;
  res.once('close', () => {
    if (!finished) void ctx.sessions.remove(entry, 'output stream disconnected');
  });
  const heartbeat = setInterval(() => res.write(': ping\n\n'), SSE_HEARTBEAT_MS);
  heartbeat.unref();
  const write = (text: string) => (res.write(text) ? undefined : new Promise<void>((r) => res.once('drain', r).once('close', r)));
  try {
    for await (const item of entry.session.outputs) {
      entry.touch();
      if (res.destroyed) return;
      await write(`event: output\nid: ${item.sequence ?? ''}\ndata: ${JSON.stringify(transportDataToJson(item))}\n\n`);
    }
    finished = true;
    if (entry.closedWith) throw entry.closedWith;
    res.end('event: end\ndata: {}\n\n');
  } catch (error) {
    finished = true;
    if (!res.destroyed) res.end(`event: error\ndata: ${JSON.stringify(errorResponse(error, ctx.requestId).body)}\n\n`);
  } finally {
    clearInterval(heartbeat);
    await ctx.sessions.remove(entry, 'outputs ended');
  }
}

export function claimReader(entry: SessionEntry, reader: 'sse' | 'websocket'): void {
  if (entry.reader) throw new RemoteMediaError(Code.AlreadyExists, `session ${entry.id} already has a reader (${entry.reader}); outputs go to one reader only`);
  entry.reader = reader;
  entry.touch();
}
