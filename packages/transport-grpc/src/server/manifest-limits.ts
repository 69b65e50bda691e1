import { Code, type ManifestSource, RemoteMediaError, parseManifestText } from '@remotemedia/runtime-core';

/**
 * Enforces maxNodesPerManifest before the runner sees the wire manifest; parse errors come from
 * runtime-core. Returns the text itself: the runner caches resolved manifests by their text, so a
 * parsed object would only be turned back into text for the lookup.
 */
export function checkManifest(text: string, maxNodes: number): ManifestSource {
  if (!text.trim())
    throw new RemoteMediaError(Code.InvalidArgument, 'manifest is empty', { details: [{ path: 'manifest', message: 'required' }], reason: 'ManifestInvalid' });
  const parsed = parseManifestText(text);
  const nodes = (parsed as { nodes?: unknown } | null)?.nodes;
  if (Array.isArray(nodes) && nodes.length > maxNodes) {
    throw new RemoteMediaError(Code.InvalidArgument, `manifest has ${nodes.length} nodes; limit maxNodesPerManifest=${maxNodes}`, {
      details: [{ path: 'nodes', message: `at most ${maxNodes} nodes allowed` }],
      reason: 'LimitExceeded',
    });
  }
  return text;
}
