import { z } from 'zod';

const int = (min: number, what: string) =>
  z
    .number({ error: `expected ${what}` })
    .int({ error: `expected ${what}` })
    .min(min, { error: `expected ${what}` });

export const transportNameSchema = z.enum(['grpc', 'http', 'webrtc'], { error: 'expected one of grpc, http, webrtc' });
export type TransportName = z.output<typeof transportNameSchema>;

/** A manifest given inline: an object, or JSON/YAML text. */
const inlineManifestSchema = z.union([z.string().min(1), z.record(z.string(), z.unknown())], { error: 'expected a manifest object or JSON/YAML text' });

export const remoteRetrySchema = z
  .object({
    /** Extra rounds over the endpoints after the first one fails everywhere. Default 3. */
    maxRetries: int(0, 'a non-negative integer').default(3),
    /** First backoff between rounds; grows exponentially, with jitter. Default 1000 ms. */
    backoffMs: int(0, 'a non-negative integer').default(1000),
    /** Cap on one backoff delay. Default 30000 ms. */
    maxBackoffMs: int(1, 'a positive integer').default(30_000),
  })
  .strict();

export const remoteBreakerSchema = z
  .object({
    /** Consecutive endpoint failures that open its breaker. Default 5. */
    failureThreshold: int(1, 'a positive integer').default(5),
    /** Consecutive successful health checks that close an open breaker. Default 2. */
    successThreshold: int(1, 'a positive integer').default(2),
    /** How long an open breaker rejects calls before letting one trial call through. Default 60000 ms. */
    resetTimeoutMs: int(1, 'a positive integer').default(60_000),
  })
  .strict();

export const healthCheckSchema = z
  .object({
    /** Probe endpoints with `client.health()`. Default true. */
    enabled: z.boolean().default(true),
    /** Time between probes of one endpoint. Default 5000 ms. */
    intervalMs: int(1, 'a positive integer').default(5000),
    /** A probe slower than this counts as failed. Default 2000 ms. */
    timeoutMs: int(1, 'a positive integer').default(2000),
  })
  .strict();

export const loadBalanceSchema = z.enum(['round_robin', 'least_connections', 'random'], { error: 'expected one of round_robin, least_connections, random' });
export type LoadBalanceStrategy = z.output<typeof loadBalanceSchema>;

/** One step of the fallback chain: other endpoints (optionally another transport), or a local manifest. */
export const fallbackEntrySchema = z
  .object({
    /** Transport of these endpoints. Default: the node's `transport`. */
    transport: transportNameSchema.optional(),
    endpoint: z.string().min(1).optional(),
    endpoints: z.array(z.string().min(1)).min(1).optional(),
    /** Token for these endpoints. Default: the node's `authToken`. */
    authToken: z.string().optional(),
    /** Run this manifest in-process instead (must be the last entry). */
    local: inlineManifestSchema.optional(),
  })
  .strict()
  .refine((f) => (f.local !== undefined) !== (f.endpoint !== undefined || f.endpoints !== undefined), {
    error: 'a fallback entry needs either `local` (a manifest) or `endpoint`/`endpoints`, not both',
  });
export type FallbackEntry = z.output<typeof fallbackEntrySchema>;

export const remotePipelineParamsSchema = z
  .object({
    transport: transportNameSchema.default('grpc'),
    /** One endpoint, e.g. `http://10.0.0.5:50051`. */
    endpoint: z.string().min(1).optional(),
    /** Several equivalent endpoints, balanced by `loadBalance`. */
    endpoints: z.array(z.string().min(1)).min(1).optional(),
    /** The remote pipeline, inline. */
    manifest: inlineManifestSchema.optional(),
    /** The remote pipeline, fetched over HTTP(S) from an allowed host. */
    manifestUrl: z.string().url({ error: 'expected an absolute URL' }).optional(),
    /** Headers sent with the manifest fetch, e.g. `{ authorization: "Bearer ${MANIFEST_TOKEN}" }`. */
    manifestHeaders: z.record(z.string(), z.string()).optional(),
    /** The remote pipeline by name, fetched from `manifestEndpoint` (`{pipelineName}` is substituted, else `/<name>` appended). */
    pipelineName: z.string().min(1).optional(),
    manifestEndpoint: z.string().url({ error: 'expected an absolute URL' }).optional(),
    /** `unary`: one remote call per input. `streaming`: one remote session per local session. Default `unary`. */
    mode: z.enum(['unary', 'streaming'], { error: 'expected unary or streaming' }).default('unary'),
    /**
     * Streaming: `push` (default) passes every remote output on the moment it arrives, with
     * backpressure; `with-input` buffers outputs that arrive between inputs until the next input
     * or flush (one output per call, for pipelines that want outputs tied to their inputs).
     */
    outputDelivery: z.enum(['push', 'with-input'], { error: 'expected push or with-input' }).default('push'),
    /**
     * Streaming with `outputDelivery: with-input`: after each input, keep passing outputs on until
     * the remote has been quiet this long (the next input waits meanwhile). Default 0.
     */
    outputLingerMs: int(0, 'a non-negative integer').default(0),
    /** Deadline of one remote call (unary) or of opening a remote session (streaming). Default 30000 ms. */
    timeoutMs: int(1, 'a positive integer').default(30_000),
    retry: remoteRetrySchema.default({ maxRetries: 3, backoffMs: 1000, maxBackoffMs: 30_000 }),
    circuitBreaker: remoteBreakerSchema.default({ failureThreshold: 5, successThreshold: 2, resetTimeoutMs: 60_000 }),
    loadBalance: loadBalanceSchema.default('round_robin'),
    healthCheck: healthCheckSchema.default({ enabled: true, intervalMs: 5000, timeoutMs: 2000 }),
    /** Tried in order once every endpoint above has failed (after retries). */
    fallback: z.array(fallbackEntrySchema).default([]),
    /** Bearer token; `${ENV_VAR}` is replaced from the environment. */
    authToken: z.string().optional(),
  })
  .strict()
  .superRefine((p, ctx) => {
    if (p.endpoint === undefined && p.endpoints === undefined) ctx.addIssue({ code: 'custom', path: ['endpoint'], message: 'set `endpoint` or `endpoints`' });
    if (p.endpoint !== undefined && p.endpoints !== undefined)
      ctx.addIssue({ code: 'custom', path: ['endpoints'], message: 'set `endpoint` or `endpoints`, not both' });
    const sources = [p.manifest !== undefined, p.manifestUrl !== undefined, p.pipelineName !== undefined].filter(Boolean).length;
    if (sources !== 1)
      ctx.addIssue({ code: 'custom', path: ['manifest'], message: 'set exactly one of `manifest`, `manifestUrl`, or `pipelineName` (+ `manifestEndpoint`)' });
    if (p.pipelineName !== undefined && p.manifestEndpoint === undefined)
      ctx.addIssue({ code: 'custom', path: ['manifestEndpoint'], message: '`pipelineName` needs `manifestEndpoint`' });
    p.fallback.forEach((f, i) => {
      if (f.local !== undefined && i !== p.fallback.length - 1)
        ctx.addIssue({ code: 'custom', path: ['fallback', i, 'local'], message: 'a local manifest must be the last fallback entry' });
    });
  });

export type RemotePipelineParams = z.output<typeof remotePipelineParamsSchema>;
export type RemotePipelineParamsInput = z.input<typeof remotePipelineParamsSchema>;
