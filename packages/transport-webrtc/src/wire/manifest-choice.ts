import type { ManifestSource } from '@remotemedia/runtime-core';

const PIPELINE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;

/**
 * How an offer names its manifest: a bare name (no spaces, colons or newlines, so it cannot be
 * a manifest text) picks a pipeline from the server's directory; anything else goes inline.
 */
export function manifestChoice(manifest: ManifestSource | undefined): { pipeline?: string; manifest?: unknown } {
  if (manifest === undefined) return {};
  if (typeof manifest === 'string' && PIPELINE_NAME.test(manifest)) return { pipeline: manifest };
  return { manifest };
}
