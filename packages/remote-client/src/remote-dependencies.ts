import { Code, type ManifestInput, parseManifestText } from '@remotemedia/runtime-core';
import { type ManifestFetcher, namedManifestUrl } from './manifest-fetcher.js';
import { RemoteReason, remoteError } from './remote-errors.js';

/** Where a remote manifest comes from. */
export type ManifestRef = { kind: 'inline'; manifest: ManifestInput | string } | { kind: 'url'; url: string; headers?: Readonly<Record<string, string>> };

export interface DependencyCheckOptions {
  fetcher: ManifestFetcher;
  /** The node type whose params name nested remote manifests. Default `RemotePipeline`. */
  nodeType?: string;
  /** Deepest nesting allowed (the root manifest is depth 1). Default 10. */
  maxDepth?: number;
  signal?: AbortSignal;
}

export const MAX_REMOTE_DEPTH = 10;

/** The nested manifest a node's params point to, or undefined when the node names none. */
export function manifestRefOf(params: Record<string, unknown>): ManifestRef | undefined {
  if (params.manifest !== undefined) return { kind: 'inline', manifest: params.manifest as ManifestInput | string };
  if (typeof params.manifestUrl === 'string') return { kind: 'url', url: params.manifestUrl };
  if (typeof params.pipelineName === 'string' && typeof params.manifestEndpoint === 'string')
    return { kind: 'url', url: namedManifestUrl(params.manifestEndpoint, params.pipelineName) };
  return undefined;
}

function parse(manifest: ManifestInput | string, where: string): Record<string, unknown> {
  const value = typeof manifest === 'string' ? parseManifestText(manifest, where) : manifest;
  return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : {};
}

function label(ref: ManifestRef, manifest: Record<string, unknown>): string {
  if (ref.kind === 'url') return ref.url;
  const name = (manifest.metadata as { name?: unknown } | undefined)?.name;
  return `inline "${typeof name === 'string' ? name : '?'}"`;
}

/**
 * Walks nested RemotePipeline nodes through inline and fetched manifests (depth-first) and fails
 * with CircularDependency when a manifest URL appears twice on one path, naming the whole cycle,
 * or with RemoteDepthExceeded beyond `maxDepth`. Returns the root manifest, loaded.
 * Inline manifests cannot refer to themselves, so only fetched ones can close a cycle.
 */
export async function checkRemoteDependencies(root: ManifestRef, options: DependencyCheckOptions): Promise<ManifestInput> {
  const nodeType = options.nodeType ?? 'RemotePipeline';
  const maxDepth = options.maxDepth ?? MAX_REMOTE_DEPTH;
  const load = async (ref: ManifestRef): Promise<Record<string, unknown>> =>
    ref.kind === 'inline' ? parse(ref.manifest, 'manifest') : options.fetcher.fetch(ref.url, ref.headers, options.signal);

  async function walk(ref: ManifestRef, path: { key: string | undefined; label: string }[]): Promise<Record<string, unknown>> {
    const manifest = await load(ref);
    const here = { key: ref.kind === 'url' ? ref.url : undefined, label: label(ref, manifest) };
    const seen = here.key === undefined ? -1 : path.findIndex((p) => p.key === here.key);
    if (seen >= 0) {
      const cycle = [...path.slice(seen), here].map((p) => p.label).join(' -> ');
      throw remoteError(Code.FailedPrecondition, RemoteReason.CircularDependency, `remote pipelines form a cycle: ${cycle}`, {
        details: [{ path: 'cycle', message: cycle }],
      });
    }
    const chain = [...path, here];
    if (chain.length > maxDepth) {
      throw remoteError(
        Code.FailedPrecondition,
        RemoteReason.RemoteDepthExceeded,
        `remote pipelines nest deeper than ${maxDepth}: ${chain.map((p) => p.label).join(' -> ')}`,
      );
    }
    const nodes = Array.isArray(manifest.nodes) ? (manifest.nodes as Record<string, unknown>[]) : [];
    for (const node of nodes) {
      if ((node?.nodeType ?? node?.node_type) !== nodeType) continue;
      const params = (node.params ?? {}) as Record<string, unknown>;
      const child = manifestRefOf(params);
      if (child) await walk(child, chain);
      for (const f of Array.isArray(params.fallback) ? (params.fallback as Record<string, unknown>[]) : []) {
        if (f?.local !== undefined) await walk({ kind: 'inline', manifest: f.local as ManifestInput }, chain);
      }
    }
    return manifest;
  }

  return (await walk(root, [])) as ManifestInput;
}
