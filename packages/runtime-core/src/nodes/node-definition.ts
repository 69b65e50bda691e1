import type * as z from 'zod/mini';
import type { DataKind } from '../data/enums.js';
import type { ControlMessage, RuntimeData } from '../data/runtime-data.js';

/** What `process` and `flush` may return: nothing, one item, several, or an async stream of them. */
export type NodeOutput =
  | RuntimeData
  | readonly RuntimeData[]
  | undefined
  | void
  | Promise<RuntimeData | readonly RuntimeData[] | AsyncIterable<RuntimeData> | undefined | void>
  | AsyncIterable<RuntimeData>;

export interface NodeLogger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

/** Given once to a node instance, for its whole life. */
export interface NodeContext {
  readonly nodeId: string;
  readonly nodeType: string;
  readonly sessionId: string;
  /** Aborted when the session ends or is cancelled. */
  readonly signal: AbortSignal;
  readonly logger: NodeLogger;
  /** Report progress (0..1) for long work; surfaced in session metrics. */
  reportProgress(fraction: number, message?: string): void;
  /**
   * Fails the session from outside a `process` call, e.g. when a node's worker process dies while
   * idle. The error gets this node's id; the first error of a session wins.
   */
  fail(error: unknown): void;
  /**
   * Emits an output outside a `process` call (e.g. a remote stream or a model pushing results
   * between inputs). Resolves when downstream has accepted it, so awaiting it applies
   * backpressure. Rejects with FailedPrecondition once the node has finished.
   */
  emit(data: RuntimeData, metadata?: Record<string, string>): Promise<void>;
}

/** Given with each input. */
export interface ProcessContext {
  /** Aborted when the session ends, or when an interrupt targets this node (barge-in). */
  readonly signal: AbortSignal;
  /** Transport metadata of the input that caused this call. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * A running node instance. Lifecycle: initialize -> process (0..n outputs per input)
 * -> flush at end of input -> close. `close` always runs, also after errors and cancellation.
 */
export interface PipelineNode {
  initialize?(): Promise<void> | void;
  process(input: RuntimeData, ctx: ProcessContext): NodeOutput;
  /** End of input (or a flush control message): emit anything still buffered. */
  flush?(ctx: ProcessContext): NodeOutput;
  /** Control messages addressed to this node (batch hints, deadlines). Interrupts are handled by the executor. */
  control?(message: ControlMessage): void;
  close?(): Promise<void> | void;
}

/**
 * A zod 4 schema of node params, classic (`zod`) or mini (`zod/mini`): both validate alike and
 * publish the same JSON Schema. The built-in nodes use `zod/mini`, which keeps browser bundles small.
 */
export type ParamsSchema<P = unknown> = z.ZodMiniType<P>;

/** A node type: its params schema, what it accepts and produces, and how to create an instance. */
export interface NodeDefinition<P = unknown> {
  /** The `nodeType` string used in manifests, e.g. `AudioResample`. */
  type: string;
  description: string;
  /** Validates and defaults params; also published as JSON Schema. */
  paramsSchema: ParamsSchema<P>;
  /** Kinds the node takes as input; other kinds fail with InvalidArgument naming the node. */
  accepts: readonly DataKind[] | 'any';
  produces: readonly DataKind[] | 'any';
  /** `node` when the node needs Node.js APIs (files, processes, native addons). Default `any`. */
  platform?: 'any' | 'node';
  /**
   * One instance per session. `params` are validated, defaulted and frozen (the runner shares one
   * resolved manifest between sessions); copy them before changing anything. Inputs are shared
   * read-only too (fan-out hands the same value to several nodes).
   */
  create(params: P, ctx: NodeContext): PipelineNode | Promise<PipelineNode>;
}

/** Identity helper that infers P from the schema. */
export function defineNode<S extends ParamsSchema>(
  definition: Omit<NodeDefinition<z.output<S>>, 'paramsSchema'> & { paramsSchema: S },
): NodeDefinition<z.output<S>> {
  return definition as NodeDefinition<z.output<S>>;
}

/** A node written as one async function of (input, params). */
export type NodeFunction<P> = (input: RuntimeData, params: P, ctx: ProcessContext & { node: NodeContext }) => NodeOutput;

export interface FunctionNodeOptions<S extends ParamsSchema> {
  type: string;
  description?: string;
  paramsSchema?: S;
  accepts?: readonly DataKind[] | 'any';
  produces?: readonly DataKind[] | 'any';
}
