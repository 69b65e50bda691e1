import { Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { decodeRequest } from './execute-route.js';
import { type RouteContext, sendJson, timeoutHeader, withRequestId } from './route-context.js';
import type { SessionEntry } from './session-registry.js';
import { SseFeed } from './sse-feed.js';

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
  sendJson(ctx, 201, { sessionId: entry.id, input: `${base}/input`, output: `${base}/output`, end: `${base}/end`, websocket: `${base}/ws` });
}

/** POST /v1/sessions/{id}/input: one item, `{inputs: [...], nodeId?}`, or raw audio. Answers once the pipeline accepted them. */
export async function sessionInputRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]);
  const request = await decodeRequest(ctx, false);
  entry.touch();
  for (const input of request.inputs) await entry.session.send(input, request.nodeId ? { nodeId: request.nodeId } : {});
  entry.touch();
  sendJson(ctx, 202, { accepted: request.inputs.length });
}

/** POST /v1/sessions/{id}/end: no more input; outputs end (on the SSE stream) once the pipeline drained. */
export async function sessionEndRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]);
  entry.touch();
  // Not awaited: ending waits for the outputs to be read, which is the output stream's job.
  void entry.session.end().catch(() => {});
  sendJson(ctx, 202, { ending: true });
}

/** DELETE /v1/sessions/{id}: stops now. */
export async function deleteSessionRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]);
  await ctx.sessions.remove(entry, 'closed by client (DELETE)', new RemoteMediaError(Code.Canceled, `session ${entry.id} was closed by DELETE`));
  ctx.res.writeHead(204, withRequestId(ctx, {})).end();
}

/** GET /v1/sessions/{id}: state and metrics. */
export async function sessionInfoRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]);
  sendJson(ctx, 200, { sessionId: entry.id, active: entry.session.isActive, reader: entry.reader ?? null, metrics: entry.session.metrics() });
}

/**
 * GET /v1/sessions/{id}/output: Server-Sent Events `output` (TransportData JSON), then `end`,
 * or `error` ({code, message, details}); every event has an `id`. The stream is the session's
 * one reader. A reader that drops may reconnect with `Last-Event-ID` within the resume grace
 * period and gets the events it missed (see SseFeed); after that the session is closed.
 */
export async function sessionOutputRoute(ctx: RouteContext): Promise<void> {
  const entry = ctx.sessions.get(ctx.params[0]);
  if (!entry.feed) {
    claimReader(entry, 'sse');
    const feed = new SseFeed(entry, ctx.config.sse, (reason, why) => void ctx.sessions.remove(entry, reason, why), ctx.requestId);
    try {
      feed.attach(ctx);
    } catch (error) {
      entry.reader = undefined;
      throw error;
    }
    entry.feed = feed;
    feed.start();
  } else entry.feed.attach(ctx);
}

export function claimReader(entry: SessionEntry, reader: 'sse' | 'websocket'): void {
  if (entry.reader) throw new RemoteMediaError(Code.AlreadyExists, `session ${entry.id} already has a reader (${entry.reader}); outputs go to one reader only`);
  entry.reader = reader;
  entry.touch();
}
