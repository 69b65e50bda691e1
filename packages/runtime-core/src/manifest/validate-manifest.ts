import { Code, type ErrorDetail, RemoteMediaError } from '../errors.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import { formatDetails, issuesToDetails } from './format-issues.js';
import { type Manifest, type ManifestInput, manifestSchema } from './manifest-schema.js';
import { parseManifestText } from './parse-manifest.js';

export interface ValidationLimits {
  /** Largest number of nodes a manifest may declare. Default: no limit. */
  maxNodes?: number;
}

export type ValidationResult = { ok: true; manifest: Manifest; problems: [] } | { ok: false; problems: ErrorDetail[] };

/** Accepts snake_case spellings used by the Rust system and Python SDK. */
function normalize(raw: unknown): unknown {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return raw;
  const m = { ...(raw as Record<string, unknown>) };
  if (Array.isArray(m.nodes)) {
    m.nodes = m.nodes.map((n) => {
      if (n === null || typeof n !== 'object' || Array.isArray(n)) return n;
      const { node_type, ...rest } = n as Record<string, unknown>;
      return node_type !== undefined && rest.nodeType === undefined ? { ...rest, nodeType: node_type } : n;
    });
  }
  return m;
}

/**
 * Validates a manifest (object or JSON/YAML text) against the schema, the registry and the graph
 * rules, reporting every problem at once. Node params come back parsed, with defaults applied.
 */
export function validateManifest(input: ManifestInput | string | unknown, registry: NodeRegistry, limits: ValidationLimits = {}): ValidationResult {
  let raw: unknown;
  try {
    raw = typeof input === 'string' ? parseManifestText(input) : input;
  } catch (error) {
    return { ok: false, problems: [...(error as RemoteMediaError).details] };
  }
  raw = normalize(raw);
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) return { ok: false, problems: issuesToDetails(parsed.error.issues, raw) };
  const manifest = parsed.data;
  const problems: ErrorDetail[] = [];

  if (limits.maxNodes !== undefined && manifest.nodes.length > limits.maxNodes) {
    problems.push({ path: 'nodes', message: `has ${manifest.nodes.length} nodes, over the limit maxNodes=${limits.maxNodes}` });
  }

  const index = new Map<string, number>();
  manifest.nodes.forEach((node, i) => {
    if (index.has(node.id)) problems.push({ path: `nodes[${i}].id`, message: `duplicate node id "${node.id}" (first used at nodes[${index.get(node.id)}])` });
    else index.set(node.id, i);
    const definition = registry.get(node.nodeType);
    if (!definition) {
      problems.push({ path: `nodes[${i}].nodeType`, message: `unknown node type "${node.nodeType}"${suggest(node.nodeType, registry.types())}` });
      return;
    }
    const params = definition.paramsSchema.safeParse(node.params);
    if (params.success) node.params = params.data as Record<string, unknown>;
    else problems.push(...issuesToDetails(params.error.issues, node.params, ['nodes', i, 'params']));
  });

  const seenEdges = new Set<string>();
  manifest.connections.forEach((c, i) => {
    if (!index.has(c.from)) problems.push({ path: `connections[${i}].from`, message: `unknown node "${c.from}"` });
    if (!index.has(c.to)) problems.push({ path: `connections[${i}].to`, message: `unknown node "${c.to}"` });
    if (c.from === c.to) problems.push({ path: `connections[${i}]`, message: `node "${c.from}" is connected to itself` });
    const key = `${c.from}\u0000${c.to}`;
    if (seenEdges.has(key)) problems.push({ path: `connections[${i}]`, message: `duplicate connection ${c.from} -> ${c.to}` });
    seenEdges.add(key);
  });

  for (const cycle of findCycles(manifest)) problems.push({ path: 'cycle', message: cycle.join(' -> ') });

  return problems.length ? { ok: false, problems } : { ok: true, manifest, problems: [] };
}

/** Like validateManifest, but throws the error of `invalidManifestError` listing every problem. */
export function resolveManifest(input: unknown, registry: NodeRegistry, limits: ValidationLimits = {}): Manifest {
  const result = validateManifest(input, registry, limits);
  if (result.ok) return result.manifest;
  throw invalidManifestError(result.problems);
}

/** InvalidArgument listing every problem, or ResourceExhausted when a configured limit was exceeded. */
export function invalidManifestError(problems: readonly ErrorDetail[]): RemoteMediaError {
  const overLimit = problems.some((p) => p.message.includes('over the limit'));
  return new RemoteMediaError(
    overLimit ? Code.ResourceExhausted : Code.InvalidArgument,
    `invalid manifest (${problems.length} problem${problems.length > 1 ? 's' : ''}):\n${formatDetails(problems)}`,
    { details: problems, reason: overLimit ? 'LimitExceeded' : 'ManifestInvalid' },
  );
}

/** Every elementary cycle reachable by DFS, each reported once as `a -> b -> a`. */
export function findCycles(manifest: Pick<Manifest, 'nodes' | 'connections'>): string[][] {
  const out = new Map<string, string[]>();
  for (const c of manifest.connections) {
    const list = out.get(c.from) ?? [];
    list.push(c.to);
    out.set(c.from, list);
  }
  const state = new Map<string, 1 | 2>(); // 1 = on stack, 2 = done
  const stack: string[] = [];
  const cycles: string[][] = [];
  const seen = new Set<string>();
  const visit = (id: string): void => {
    state.set(id, 1);
    stack.push(id);
    for (const next of out.get(id) ?? []) {
      if (next === id) continue; // self-loops are reported separately
      const s = state.get(next);
      if (s === 1) {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join('\u0000');
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(id, 2);
  };
  for (const n of manifest.nodes) if (!state.has(n.id)) visit(n.id);
  return cycles;
}

function suggest(name: string, known: string[]): string {
  const lower = name.toLowerCase();
  const close = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
  return close ? ` (did you mean "${close}"?)` : known.length ? ` (known types: ${known.join(', ')})` : '';
}
