import { Code, type ManifestSource, RemoteMediaError, parseManifestText } from '@remotemedia/runtime-core';

/**
 * Parses the wire manifest once and enforces maxNodesPerManifest before the runner sees it.
 * Returns the parsed value so the runner does not parse again; parse errors come from runtime-core.
 */
export function checkManifest(text: string, maxNodes: number): ManifestSource {
  if (!text.trim()) throw new RemoteMediaError(Code.InvalidArgument, 'manifest is empty', { details: [{ path: 'manifest', message: 'required' }], reason: 'ManifestInvalid' });
  const parsed = parseManifestText(text) as unknown;
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes;
  if (Array.isArray(nodes) && nodes.length > maxNodes) {
    throw new RemoteMediaError(Code.InvalidArgument, `manifest has ${nodes.length} nodes; limit maxNodesPerManifest=${maxNodes}`, {
      details: [{ path: 'nodes', message: `at most ${maxNodes} nodes allowed` }],
      reason: 'LimitExceeded',
    });
  }
  return parsed as ManifestSource;
}
