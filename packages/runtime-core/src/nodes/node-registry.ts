import * as z from 'zod/mini';
import type { DataKind } from '../data/enums.js';
import { Code, RemoteMediaError } from '../errors.js';
import type { FunctionNodeOptions, NodeDefinition, NodeFunction, ParamsSchema } from './node-definition.js';

/** What `listNodes()` returns: everything a UI, CLI or HTTP `/v1/nodes` needs to show a node type. */
export interface NodeInfo {
  type: string;
  description: string;
  accepts: readonly DataKind[] | 'any';
  produces: readonly DataKind[] | 'any';
  platform: 'any' | 'node';
  /** JSON Schema (draft 2020-12) of the params. */
  paramsJsonSchema: Record<string, unknown>;
}

export class NodeRegistry {
  readonly #definitions = new Map<string, NodeDefinition>();
  #revision = 0;

  constructor(definitions: Iterable<NodeDefinition> = []) {
    for (const d of definitions) this.register(d);
  }

  /** Registers a node type; a type registered twice is an error unless `replace` is set. */
  register(definition: NodeDefinition, options: { replace?: boolean } = {}): this {
    if (!options.replace && this.#definitions.has(definition.type)) {
      throw new RemoteMediaError(Code.AlreadyExists, `node type "${definition.type}" is already registered`);
    }
    this.#definitions.set(definition.type, definition);
    this.#revision++;
    return this;
  }

  /** Changes whenever a type is registered: what was validated against the registry may no longer hold. */
  get revision(): number {
    return this.#revision;
  }

  /** Registers a plain async function as a node type. */
  registerFunction<S extends ParamsSchema = z.ZodMiniObject<Record<never, never>>>(options: FunctionNodeOptions<S>, fn: NodeFunction<z.output<S>>): this {
    const paramsSchema = (options.paramsSchema ?? z.looseObject({})) as S;
    return this.register({
      type: options.type,
      description: options.description ?? `Function node ${options.type}`,
      paramsSchema,
      accepts: options.accepts ?? 'any',
      produces: options.produces ?? 'any',
      create: (params, node) => ({ process: (input, ctx) => fn(input, params as z.output<S>, { ...ctx, node }) }),
    });
  }

  get(type: string): NodeDefinition | undefined {
    return this.#definitions.get(type);
  }

  has(type: string): boolean {
    return this.#definitions.has(type);
  }

  types(): string[] {
    return [...this.#definitions.keys()].sort();
  }

  listNodes(): NodeInfo[] {
    return this.types().map((type) => describeNode(this.#definitions.get(type)!));
  }

  /** A copy that can be extended without touching this one (e.g. per server). */
  clone(): NodeRegistry {
    return new NodeRegistry(this.#definitions.values());
  }
}

export function describeNode(d: NodeDefinition): NodeInfo {
  return {
    type: d.type,
    description: d.description,
    accepts: d.accepts,
    produces: d.produces,
    platform: d.platform ?? 'any',
    paramsJsonSchema: z.toJSONSchema(d.paramsSchema, { io: 'input', unrepresentable: 'any' }),
  };
}
