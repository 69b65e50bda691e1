import { type ManifestSource, manifestText } from '@remotemedia/runtime-core';

/**
 * Manifests travel as text (JSON or YAML) so YAML authored by users reaches the server as
 * written and the server's validator reports paths against what the user wrote.
 */
export function manifestToWire(manifest: ManifestSource): string {
  return manifestText(manifest);
}

/** The wire text, handed to the runner as is: it parses JSON or YAML and reports problems with paths. */
export function manifestFromWire(text: string): ManifestSource {
  return text;
}

/** Version of the wire protocol (the proto package suffix). */
export const PROTOCOL_VERSION = 'v1';
