import { Code, type ErrorDetail, type ManifestSource, RemoteMediaError, type TransportData } from '@remotemedia/runtime-core';
import { transportDataListFromJson, transportDataListToJsonText } from '@remotemedia/runtime-core/kit';
import { negotiateFormat, outputEncoding, sendAudio } from './audio-response.js';
import { audioFromBinaryBody, bodyKind, manifestReference, parseJsonBody, readBody } from './request-body.js';
import { type RouteContext, connectionSignal, parseTimeoutMs, sendJsonText, timeoutHeader } from './route-context.js';

/** What execute and session-input bodies decode to. */
export interface DecodedRequest {
  manifest: ManifestSource | undefined;
  inputs: TransportData[];
  nodeId?: string;
  timeoutMs?: number;
}

/**
 * Reads a JSON (`{manifest?, inputs: [...]}` or a single item) or raw-audio body. Every problem
 * found (manifest missing, each bad input, and manifest validation when the pipeline offers
 * `validate`) is reported together in one 400.
 */
export async function decodeRequest(ctx: RouteContext, needManifest: boolean): Promise<DecodedRequest> {
  const kind = bodyKind(ctx.req); // first: an unsupported type is refused without reading the body
  return decodeBody(ctx, kind, await readBody(ctx.req, ctx.config.maxBodyBytes), needManifest);
}

/** `decodeRequest` once the body is read. */
function decodeBody(ctx: RouteContext, kind: 'json' | 'binary', body: Buffer, needManifest: boolean): DecodedRequest {
  if (kind === 'binary') {
    const manifest = needManifest ? manifestReference(ctx.req, ctx.query, ctx.config.pipelines) : undefined;
    return { manifest, inputs: [{ data: audioFromBinaryBody(body, ctx.req, ctx.query), metadata: {} }] };
  }
  const parsed = parseJsonBody(body);
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new RemoteMediaError(Code.InvalidArgument, 'request body must be a JSON object', { details: [{ path: 'body', message: 'expected an object' }] });
  }
  const obj = parsed as Record<string, unknown>;
  const issues: ErrorDetail[] = [];
  let manifest: ManifestSource | undefined;
  if (needManifest) {
    if (obj.manifest === undefined) {
      try {
        manifest = manifestReference(ctx.req, ctx.query, ctx.config.pipelines);
      } catch (error) {
        if ((error as RemoteMediaError).code === Code.NotFound) throw error;
        issues.push({ path: 'manifest', message: 'required (or reference a named pipeline with ?pipeline=<name>)' });
      }
    } else manifest = obj.manifest as ManifestSource;
  }
  // Session input may be one bare item instead of `{inputs: [...]}`.
  const rawInputs = obj.inputs ?? (needManifest ? [] : 'kind' in obj || 'data' in obj ? [obj] : undefined);
  let inputs: TransportData[] = [];
  try {
    inputs = transportDataListFromJson(rawInputs, 'inputs');
  } catch (error) {
    issues.push(...(error as RemoteMediaError).details);
  }
  if (obj.nodeId !== undefined && typeof obj.nodeId !== 'string') issues.push({ path: 'nodeId', message: 'expected a string' });
  let timeoutMs: number | undefined;
  try {
    timeoutMs = parseTimeoutMs(obj.timeoutMs, 'timeoutMs');
  } catch (error) {
    issues.push(...(error as RemoteMediaError).details);
  }
  // Only when the request is bad anyway: list the manifest's problems too (the runner reports them otherwise).
  if (issues.length && manifest !== undefined) issues.push(...manifestIssues(ctx, manifest));
  if (issues.length) {
    const first = issues[0];
    const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
    throw new RemoteMediaError(Code.InvalidArgument, `${first.path ? `${first.path}: ` : ''}${first.message}${more}`, {
      details: issues,
      reason: 'InvalidRequest',
    });
  }
  const decoded: DecodedRequest = { manifest, inputs };
  if (typeof obj.nodeId === 'string') decoded.nodeId = obj.nodeId;
  if (timeoutMs !== undefined) decoded.timeoutMs = timeoutMs;
  return decoded;
}

/** Manifest problems (paths relative to the manifest, as the runner reports them), when the pipeline can validate without running. */
function manifestIssues(ctx: RouteContext, manifest: ManifestSource): ErrorDetail[] {
  const validate = (ctx.config.pipeline as { validate?: (m: unknown) => { problems?: ErrorDetail[] } }).validate;
  if (typeof validate !== 'function') return [];
  return validate.call(ctx.config.pipeline, manifest).problems ?? [];
}

/**
 * POST /v1/execute: runs the pipeline on every input and returns all outputs, as JSON or, when
 * `Accept` asks for `application/octet-stream` / `audio/wav`, as one audio stream (see sendAudio).
 */
export async function executeRoute(ctx: RouteContext): Promise<void> {
  // Negotiated before running, so a bad outputEncoding costs no pipeline run.
  const format = negotiateFormat(ctx.req.headers.accept);
  const encoding = format === 'json' ? undefined : outputEncoding(ctx.req, ctx.query);
  // decodeRequest inlined: one async frame less per call on the hot path.
  const kind = bodyKind(ctx.req);
  const request = decodeBody(ctx, kind, await readBody(ctx.req, ctx.config.maxBodyBytes), true);
  const timeoutMs = timeoutHeader(ctx.req) ?? request.timeoutMs;
  const outputs = await ctx.config.pipeline.execute(
    request.manifest!,
    request.inputs,
    timeoutMs ? { signal: connectionSignal(ctx.req), timeoutMs } : { signal: connectionSignal(ctx.req) },
  );
  if (format === 'json') sendJsonText(ctx, 200, `{"outputs":${transportDataListToJsonText(outputs)}}`);
  else sendAudio(ctx, outputs, format, encoding!);
}
