import * as z from 'zod/mini';

const positiveInt = (what = 'a positive integer') =>
  z.number({ error: `expected ${what}` }).check(z.int({ error: `expected ${what}` }), z.positive({ error: `expected ${what}` }));
const nonNegativeInt = () =>
  z
    .number({ error: 'expected a non-negative integer' })
    .check(z.int({ error: 'expected a non-negative integer' }), z.nonnegative({ error: 'expected a non-negative integer' }));

/** Per-node input queue. `block` applies backpressure to producers; the drop policies count every drop. */
export const queueSchema = z.strictObject({
  /** Items the node's input queue holds before the overflow policy applies. Default 64. */
  capacity: z._default(positiveInt(), 64),
  /** Default `block`: producers wait, so memory stays bounded and nothing is lost. */
  overflow: z._default(z.enum(['block', 'drop-oldest', 'drop-newest'], { error: 'expected one of block, drop-oldest, drop-newest' }), 'block'),
});

export const retrySchema = z.strictObject({
  /** Total attempts including the first. Default 3. */
  maxAttempts: z._default(positiveInt(), 3),
  /** First backoff delay; doubles each attempt, with jitter. Default 100 ms. */
  initialDelayMs: z._default(nonNegativeInt(), 100),
  /** Cap on one backoff delay. Default 5000 ms. */
  maxDelayMs: z._default(positiveInt(), 5000),
});

export const circuitBreakerSchema = z.strictObject({
  /** Consecutive failures that open the breaker. Default 5. */
  failureThreshold: z._default(positiveInt(), 5),
  /** How long the breaker stays open before one trial call (half-open). Default 30000 ms. */
  resetTimeoutMs: z._default(positiveInt(), 30_000),
});

/** Longest node id or node type name: they are quoted in errors and logs, which stay small. */
export const MAX_NAME_CHARS = 128;

const nodeIdSchema = z
  .string({ error: 'expected a string' })
  .check(
    z.minLength(1, { error: 'must not be empty' }),
    z.maxLength(MAX_NAME_CHARS, { error: `expected at most ${MAX_NAME_CHARS} characters` }),
    z.regex(/^[A-Za-z0-9_.:-]+$/, { error: 'may only contain letters, digits, "_", ".", ":" and "-"' }),
  );

export const manifestNodeSchema = z.strictObject({
  id: nodeIdSchema,
  nodeType: z
    .string({ error: 'expected a node type name (string)' })
    .check(z.minLength(1, { error: 'must not be empty' }), z.maxLength(MAX_NAME_CHARS, { error: `expected at most ${MAX_NAME_CHARS} characters` })),
  params: z._default(z.record(z.string(), z.unknown(), { error: 'expected an object' }), {}),
  /** `multiprocess` runs the node in its own process (Python nodes), `container` in a container (`settings.container`); default in-process. */
  executor: z.optional(z.enum(['in-process', 'multiprocess', 'container'], { error: 'expected in-process, multiprocess or container' })),
  queue: z.optional(queueSchema),
  /** Per-input processing timeout; DeadlineExceeded when hit. Default: none. */
  timeoutMs: z.optional(positiveInt()),
  retry: z.optional(retrySchema),
  circuitBreaker: z.optional(circuitBreakerSchema),
  /** `fail` (default) ends the session on an error; `skip` counts the error and drops that input. */
  onError: z._default(z.enum(['fail', 'skip'], { error: 'expected fail or skip' }), 'fail'),
  description: z.optional(z.string()),
});

export const connectionSchema = z.strictObject({
  from: nodeIdSchema,
  to: nodeIdSchema,
});

export const manifestSchema = z.strictObject({
  version: z.literal('v1', { error: 'expected "v1"' }),
  metadata: z.looseObject({
    name: z.string({ error: 'expected a string' }).check(z.minLength(1, { error: 'must not be empty' })),
    description: z.optional(z.string()),
  }),
  nodes: z.array(manifestNodeSchema, { error: 'expected a list of nodes' }).check(z.minLength(1, { error: 'a pipeline needs at least one node' })),
  connections: z._default(z.array(connectionSchema, { error: 'expected a list of connections' }), []),
  /** Runtime-specific settings (e.g. `python`); each executor validates its own section. */
  settings: z.optional(z.record(z.string(), z.unknown())),
});

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
