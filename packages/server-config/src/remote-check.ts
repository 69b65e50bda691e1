import { type ManifestInput, RemoteMediaError } from '@remotemedia/runtime-core';
import { type ManifestFetcher, checkRemoteDependencies, createManifestFetcher, manifestRefOf } from '@remotemedia/remote-client';

export interface RemoteCheckResult {
  /** Cycles or nesting too deep: the manifest cannot run. */
  problems: string[];
  /** Nested manifests that could not be fetched (so were not checked), with why. */
  unchecked: { url: string; reason: string }[];
  /** Nested manifests fetched and walked. */
  fetched: string[];
}

/**
 * Walks the RemotePipeline nodes of a manifest through their nested manifests (inline, or fetched
 * from `allowedHosts`, default any) and reports cycles and nesting deeper than the limit. A nested
 * manifest that cannot be fetched is reported in `unchecked`, and the walk goes on without it.
 */
export async function checkRemoteManifests(
  manifest: unknown,
  options: { allowedHosts?: readonly string[]; fetcher?: ManifestFetcher; nodeType?: string } = {},
): Promise<RemoteCheckResult> {
  const nodeType = options.nodeType ?? 'RemotePipeline';
  const nodes = ((manifest as { nodes?: unknown } | null)?.nodes ?? []) as { nodeType?: string; params?: Record<string, unknown> }[];
  const result: RemoteCheckResult = { problems: [], unchecked: [], fetched: [] };
  if (!Array.isArray(nodes) || !nodes.some((n) => n?.nodeType === nodeType && n.params && manifestRefOf(n.params))) return result;
  const inner = options.fetcher ?? createManifestFetcher({ allowedHosts: options.allowedHosts?.length ? options.allowedHosts : ['*'], ttlMs: 0 });
  const fetcher: ManifestFetcher = {
    async fetch(url, headers, signal) {
      try {
        const m = await inner.fetch(url, headers, signal);
        result.fetched.push(url);
        return m;
      } catch (error) {
        result.unchecked.push({ url, reason: RemoteMediaError.from(error).rawMessage });
        return { version: 'v1', metadata: { name: url }, nodes: [] } as unknown as ManifestInput;
      }
    },
    clear: () => inner.clear(),
  };
  try {
    await checkRemoteDependencies({ kind: 'inline', manifest: manifest as ManifestInput }, { fetcher, nodeType });
  } catch (error) {
    result.problems.push(RemoteMediaError.from(error).rawMessage);
  }
  return result;
}
