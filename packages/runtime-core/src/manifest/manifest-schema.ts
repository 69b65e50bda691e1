import { z } from 'zod';

const positiveInt = (what = 'a positive integer') => z.number({ error: `expected ${what}` }).int({ error: `expected ${what}` }).positive({ error: `expected ${what}` });
const nonNegativeInt = () => z.number({ error: 'expected a non-negative integer' }).int({ error: 'expected a non-negative integer' }).nonnegative({ error: 'expected a non-negative integer' });

/** Per-node input queue. `block` applies backpressure to producers; the drop policies count every drop. */
export const queueSchema = z
  .object({
    /** Items the node's input queue holds before the overflow policy applies. Default 64. */
    capacity: positiveInt().default(64),
    /** Default `block`: producers wait, so memory stays bounded and nothing is lost. */
    overflow: z.enum(['block', 'drop-oldest', 'drop-newest'], { error: 'expected one of block, drop-oldest, drop-newest' }).default('block'),
  })
  .strict();

export const retrySchema = z
  .object({
    /** Total attempts including the first. Default 3. */
    maxAttempts: positiveInt().default(3),
    /** First backoff delay; doubles each attempt, with jitter. Default 100 ms. */
    initialDelayMs: nonNegativeInt().default(100),
    /** Cap on one backoff delay. Default 5000 ms. */
    maxDelayMs: positiveInt().default(5000),
  })
  .strict();

export const circuitBreakerSchema = z
  .object({
    /** Consecutive failures that open the breaker. Default 5. */
    failureThreshold: positiveInt().default(5),
    /** How long the breaker stays open before one trial call (half-open). Default 30000 ms. */
    resetTimeoutMs: positiveInt().default(30_000),
  })
  .strict();

/** Longest node id or node type name: they are quoted in errors and logs, which stay small. */
export const MAX_NAME_CHARS = 128;

const nodeIdSchema = z
  .string({ error: 'expected a string' })
  .min(1, { error: 'must not be empty' })
  .max(MAX_NAME_CHARS, { error: `expected at most ${MAX_NAME_CHARS} characters` })
  .regex(/^[A-Za-z0-9_.:-]+$/, { error: 'may only contain letters, digits, "_", ".", ":" and "-"' });

export const manifestNodeSchema = z
  .object({
    id: nodeIdSchema,
    nodeType: z
      .string({ error: 'expected a node type name (string)' })
      .min(1, { error: 'must not be empty' })
      .max(MAX_NAME_CHARS, { error: `expected at most ${MAX_NAME_CHARS} characters` }),
    params: z.record(z.string(), z.unknown(), { error: 'expected an object' }).default({}),
    /** `multiprocess` runs the node in its own process (Python nodes), `container` in a container (`settings.container`); default in-process. */
    executor: z.enum(['in-process', 'multiprocess', 'container'], { error: 'expected in-process, multiprocess or container' }).optional(),
    queue: queueSchema.optional(),
    /** Per-input processing timeout; DeadlineExceeded when hit. Default: none. */
    timeoutMs: positiveInt().optional(),
    retry: retrySchema.optional(),
    circuitBreaker: circuitBreakerSchema.optional(),
    /** `fail` (default) ends the session on an error; `skip` counts the error and drops that input. */
    onError: z.enum(['fail', 'skip'], { error: 'expected fail or skip' }).default('fail'),
    description: z.string().optional(),
  })
  .strict();

export const connectionSchema = z
  .object({
    from: nodeIdSchema,
    to: nodeIdSchema,
  })
  .strict();

export const manifestSchema = z
  .object({
    version: z.literal('v1', { error: 'expected "v1"' }),
    metadata: z
      .object({
        name: z.string({ error: 'expected a string' }).min(1, { error: 'must not be empty' }),
        description: z.string().optional(),
      })
      .loose(),
    nodes: z.array(manifestNodeSchema, { error: 'expected a list of nodes' }).min(1, { error: 'a pipeline needs at least one node' }),
    connections: z.array(connectionSchema, { error: 'expected a list of connections' }).default([]),
    /** Runtime-specific settings (e.g. `python`); each executor validates its own section. */
    settings: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export type ManifestNode = z.output<typeof manifestNodeSchema>;
export type Connection = z.output<typeof connectionSchema>;
export type Manifest = z.output<typeof manifestSchema>;
/** What authors write: defaults may be omitted, `node_type` is accepted for `nodeType`. */
export type ManifestInput = z.input<typeof manifestSchema>;
export type QueueOptions = z.output<typeof queueSchema>;
export type RetryOptions = z.output<typeof retrySchema>;
export type CircuitBreakerOptions = z.output<typeof circuitBreakerSchema>;

/** JSON Schema of the manifest, for editors (published as schemas/manifest.v1.json). */
export function manifestJsonSchema(): Record<string, unknown> {
  return {
    $id: 'https://remotemedia.dev/schemas/manifest.v1.json',
    title: 'RemoteMedia pipeline manifest v1',
    ...(z.toJSONSchema(manifestSchema, { io: 'input' }) as Record<string, unknown>),
  };
}
