import type * as z from 'zod/mini';
import { Code, ERROR_LIMITS, type ErrorDetail, RemoteMediaError, truncateText } from '../errors.js';
import type { NodeRegistry } from '../nodes/node-registry.js';
import { formatDetails, formatPath, issuesToDetails } from './format-issues.js';
import { findCycles } from './graph-cycles.js';
import { MAX_NAME_CHARS, type Manifest, manifestSchema } from './manifest-schema.js';
import { parseManifestText } from './parse-manifest.js';

export { findCycles } from './graph-cycles.js';

export interface ValidationLimits {
  /** Largest number of nodes a manifest may declare. Default: no limit (servers default to 256). */
  maxNodes?: number;
}

export type ValidationResult = { ok: true; manifest: Manifest; problems: [] } | { ok: false; problems: ErrorDetail[] };

/** Problems reported at most; the rest are counted in one last "and N more problems". */
const MAX_PROBLEMS = ERROR_LIMITS.maxDetails;
/** Example cycles reported; further groups of nodes forming cycles are counted. */
const MAX_CYCLE_EXAMPLES = 5;
/** Nodes of one example cycle named before it is shortened with "...". */
const MAX_CYCLE_NAMES = 8;
/** Nesting of objects and lists inside a manifest (node params, settings). */
const MAX_DEPTH = 32;
/** Known types listed after "unknown node type". */
const MAX_SUGGESTIONS = 20;

/** Problems in manifest order, at most MAX_PROBLEMS kept; validation cost stays linear in the manifest. */
class ProblemList {
  readonly kept: ErrorDetail[] = [];
  more = 0;
  add(path: string | undefined, message: string): void {
    if (this.kept.length < MAX_PROBLEMS) this.kept.push(path === undefined ? { message } : { path, message });
    else this.more++;
  }
  addAll(details: readonly ErrorDetail[]): void {
    for (const d of details) this.add(d.path, d.message);
  }
  /** Schema issues: only those that will be kept are turned into text; the others are counted. */
  addIssues(issues: readonly z.core.$ZodIssue[], input: unknown, prefix: readonly PropertyKey[] = []): void {
    const room = Math.max(0, MAX_PROBLEMS - this.kept.length);
    this.addAll(issuesToDetails(issues.slice(0, room), input, prefix));
    this.more += Math.max(0, issues.length - room);
  }
  get empty(): boolean {
    return this.kept.length === 0;
  }
  result(): ErrorDetail[] {
    return this.more ? [...this.kept, { message: `and ${this.more} more problems` }] : this.kept;
  }
}

/** Accepts snake_case spellings used by the Rust system and Python SDK. */
function normalize(raw: unknown): unknown {
  if (!isPlainObject(raw)) return raw;
  const m = { ...raw };
  if (Array.isArray(m.nodes)) {
    m.nodes = m.nodes.map((n: unknown) => {
      if (!isPlainObject(n)) return n;
      const { node_type, ...rest } = n;
      return node_type !== undefined && rest.nodeType === undefined ? { ...rest, nodeType: node_type } : n;
    });
  }
  return m;
}

/**
 * Validates a manifest (object or JSON/YAML text) against the schema, the registry and the graph
 * rules, reporting every problem at once (up to 100, then a count): schema problems and graph
 * problems (unknown types, params, connections, cycles) together wherever the graph can be read.
 * Linear in the manifest's size. Node params come back parsed, with defaults applied.
 */
export function validateManifest(input: unknown, registry: NodeRegistry, limits: ValidationLimits = {}): ValidationResult {
  let raw: unknown;
  try {
    raw = typeof input === 'string' ? parseManifestText(input) : input;
  } catch (error) {
    return { ok: false, problems: [...(error as RemoteMediaError).details] };
  }
  raw = normalize(raw);
  // Over the node limit: refused before any per-node work, so an oversized manifest costs little.
  const declared = isPlainObject(raw) && Array.isArray(raw.nodes) ? raw.nodes.length : 0;
  if (limits.maxNodes !== undefined && declared > limits.maxNodes) {
    return { ok: false, problems: [{ path: 'nodes', message: `has ${declared} nodes, over the limit maxNodes=${limits.maxNodes}` }] };
  }
  const problems = new ProblemList();
  const deep = tooDeepPath(raw);
  if (deep !== undefined) problems.add(deep, `nested more than ${MAX_DEPTH} levels deep`);

  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) problems.addIssues(parsed.error.issues, raw);
  const graph = parsed.success ? parsed.data : readableGraph(raw);
  checkGraph(graph, registry, problems, parsed.success);

  if (!problems.empty || !parsed.success) return { ok: false, problems: problems.result() };
  return { ok: true, manifest: parsed.data, problems: [] };
}

interface GraphView {
  nodes: ReadonlyArray<{ id?: unknown; nodeType?: unknown; params?: unknown }>;
  connections: ReadonlyArray<{ from?: unknown; to?: unknown }>;
}

/** The parts of a manifest that failed the schema which can still be checked as a graph. */
function readableGraph(raw: unknown): GraphView {
  const m = isPlainObject(raw) ? raw : {};
  const objects = (list: unknown) => (Array.isArray(list) ? list.map((x) => (isPlainObject(x) ? x : {})) : []);
  return { nodes: objects(m.nodes), connections: objects(m.connections) };
}

/** Node types, params, duplicate ids, connections and cycles. With `apply`, parsed params replace the given ones. */
function checkGraph(graph: GraphView, registry: NodeRegistry, problems: ProblemList, apply: boolean): void {
  const index = new Map<string, number>();
  graph.nodes.forEach((node, i) => {
    if (typeof node.id === 'string') {
      const first = index.get(node.id);
      if (first !== undefined) problems.add(`nodes[${i}].id`, `duplicate node id ${quote(node.id)} (first used at nodes[${first}])`);
      else index.set(node.id, i);
    }
    if (typeof node.nodeType !== 'string' || !node.nodeType || node.nodeType.length > MAX_NAME_CHARS) return; // the schema reported it
    const definition = registry.get(node.nodeType);
    if (!definition) {
      problems.add(`nodes[${i}].nodeType`, `unknown node type ${quote(node.nodeType)}${suggest(node.nodeType, registry.types())}`);
      return;
    }
    const params = node.params ?? {};
    if (!isPlainObject(params)) return; // the schema reported it
    const result = definition.paramsSchema.safeParse(params);
    if (!result.success) problems.addIssues(result.error.issues, params, ['nodes', i, 'params']);
    else if (apply) (node as { params: unknown }).params = result.data;
  });

  const seenEdges = new Set<string>();
  const edges: Array<{ from: string; to: string }> = [];
  graph.connections.forEach((c, i) => {
    if (typeof c.from !== 'string' || typeof c.to !== 'string') return; // the schema reported it
    if (!index.has(c.from)) problems.add(`connections[${i}].from`, `unknown node ${quote(c.from)}`);
    if (!index.has(c.to)) problems.add(`connections[${i}].to`, `unknown node ${quote(c.to)}`);
    if (c.from === c.to) problems.add(`connections[${i}]`, `node ${quote(c.from)} is connected to itself`);
    const key = `${c.from}\u0000${c.to}`;
    if (seenEdges.has(key)) problems.add(`connections[${i}]`, `duplicate connection ${c.from} -> ${c.to}`);
    seenEdges.add(key);
    edges.push({ from: c.from, to: c.to });
  });

  const nodes = [...index.keys()].map((id) => ({ id }));
  const cycles = findCycles({ nodes, connections: edges });
  for (const cycle of cycles.slice(0, MAX_CYCLE_EXAMPLES)) problems.add('cycle', describeCycle(cycle));
  if (cycles.length > MAX_CYCLE_EXAMPLES) problems.add('cycle', `and ${cycles.length - MAX_CYCLE_EXAMPLES} more groups of nodes that form cycles`);
}

/** `a -> b -> a`; a long cycle as its first nodes, "...", and its length. */
function describeCycle(cycle: readonly string[]): string {
  if (cycle.length <= MAX_CYCLE_NAMES + 1) return cycle.join(' -> ');
  return `${cycle.slice(0, MAX_CYCLE_NAMES).join(' -> ')} -> ... -> ${cycle[0]} (a cycle of ${cycle.length - 1} nodes)`;
}

/** Like validateManifest, but throws the error of `invalidManifestError` listing every problem. */
export function resolveManifest(input: unknown, registry: NodeRegistry, limits: ValidationLimits = {}): Manifest {
  const result = validateManifest(input, registry, limits);
  if (result.ok) return result.manifest;
  throw invalidManifestError(result.problems);
}

/** Problems spelled out in the error's message; all of them (up to the limit) are in its details. */
const MAX_PROBLEMS_IN_MESSAGE = 20;

/** InvalidArgument listing every problem, or ResourceExhausted when a configured limit was exceeded. */
export function invalidManifestError(problems: readonly ErrorDetail[]): RemoteMediaError {
  const overLimit = problems.some((p) => p.message.includes('over the limit'));
  const last = problems.at(-1);
  const counted = last && last.path === undefined ? /^and (\d+) more problems$/.exec(last.message) : null;
  const listed = counted ? problems.slice(0, -1) : problems;
  const total = listed.length + (counted ? Number(counted[1]) : 0);
  const shown = listed.slice(0, MAX_PROBLEMS_IN_MESSAGE);
  const rest = total - shown.length;
  return new RemoteMediaError(
    overLimit ? Code.ResourceExhausted : Code.InvalidArgument,
    `invalid manifest (${total} problem${total > 1 ? 's' : ''}):\n${formatDetails(shown)}${rest > 0 ? `\nand ${rest} more (see details)` : ''}`,
    { details: problems, reason: overLimit ? 'LimitExceeded' : 'ManifestInvalid' },
  );
}

/** A client-given name for a message: quoted, escaped, and short. */
function quote(name: string): string {
  return JSON.stringify(truncateText(name, 64));
}

function suggest(name: string, known: readonly string[]): string {
  const lower = name.toLowerCase();
  const close = known.find((k) => k.toLowerCase() === lower || k.toLowerCase().includes(lower) || lower.includes(k.toLowerCase()));
  if (close) return ` (did you mean "${close}"?)`;
  if (!known.length) return '';
  const listed = known.slice(0, MAX_SUGGESTIONS).join(', ');
  return ` (known types: ${listed}${known.length > MAX_SUGGESTIONS ? `, and ${known.length - MAX_SUGGESTIONS} more` : ''})`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/**
 * Path of the first value nested deeper than MAX_DEPTH, else undefined. Walks breadth-first with
 * a queue (no recursion), visiting each value once: linear, and any depth is safe to report. Each
 * entry keeps its parent's position so that only the reported path is ever spelled out.
 */
function tooDeepPath(root: unknown): string | undefined {
  const values: unknown[] = [root];
  const depths: number[] = [0];
  const parents: number[] = [-1];
  const keys: Array<string | number> = [''];
  for (let at = 0; at < values.length; at++) {
    const value = values[at];
    if (value === null || typeof value !== 'object') continue;
    if (depths[at] >= MAX_DEPTH) {
      const path: Array<string | number> = [];
      for (let p = at; p > 0; p = parents[p]!) path.push(keys[p]);
      return formatPath(path.reverse()) || '(root)';
    }
    const entries: Array<[string | number, unknown]> = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
    for (const [key, child] of entries) {
      values.push(child);
      depths.push(depths[at] + 1);
      parents.push(at);
      keys.push(key);
    }
  }
  return undefined;
}
