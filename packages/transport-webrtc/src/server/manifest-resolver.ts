import { Code, type ManifestSource, RemoteMediaError } from '@remotemedia/runtime-core';
import { loadManifestFile } from '@remotemedia/runtime-core/node';
import { access } from 'node:fs/promises';
import { join } from 'node:path';

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const EXTENSIONS = ['.yaml', '.yml', '.json'];

export interface ManifestChoice {
  /** A manifest name in the server's pipeline directory. */
  pipeline?: string;
  /** An inline manifest (object or JSON/YAML text), when the server allows it. */
  manifest?: unknown;
}

/** Picks the manifest an offer asked for: by name from `pipelineDir`, or inline if allowed. */
export async function resolveManifestChoice(
  choice: ManifestChoice,
  config: {
    pipelineDir?: string;
    pipelines?: Readonly<Record<string, ManifestSource>> | { get(name: string): ManifestSource | undefined; names(): string[] };
    allowInlineManifests: boolean;
  },
): Promise<ManifestSource> {
  if (choice.pipeline !== undefined && choice.manifest !== undefined) {
    throw new RemoteMediaError(Code.InvalidArgument, 'give either "pipeline" (a name) or "manifest" (inline), not both', {
      details: [{ path: 'params.pipeline', message: 'conflicts with params.manifest' }],
    });
  }
  if (choice.manifest !== undefined) {
    if (!config.allowInlineManifests) {
      throw new RemoteMediaError(Code.PermissionDenied, 'this server does not accept inline manifests; choose one of its pipelines by name with "pipeline"', {
        reason: 'InlineManifestDisabled',
      });
    }
    return choice.manifest as ManifestSource;
  }
  if (choice.pipeline === undefined) {
    throw new RemoteMediaError(Code.InvalidArgument, 'the offer names no pipeline: give "pipeline" (a name) or "manifest" (inline)', {
      details: [{ path: 'params.pipeline', message: 'required' }],
    });
  }
  if (!NAME.test(choice.pipeline)) {
    throw new RemoteMediaError(Code.InvalidArgument, `invalid pipeline name ${JSON.stringify(choice.pipeline)}: use letters, digits, "_", "." and "-"`, {
      details: [{ path: 'params.pipeline', message: 'invalid name' }],
    });
  }
  if (config.pipelines) {
    const source = config.pipelines;
    const found =
      typeof source.get === 'function' && typeof source.names === 'function'
        ? (source as { get(name: string): ManifestSource | undefined }).get(choice.pipeline)
        : Object.hasOwn(source, choice.pipeline)
          ? (source as Record<string, ManifestSource>)[choice.pipeline]
          : undefined;
    if (found !== undefined) return found;
    if (!config.pipelineDir) throw new RemoteMediaError(Code.NotFound, `no pipeline named "${choice.pipeline}" on this server`, { reason: 'PipelineNotFound' });
  }
  if (!config.pipelineDir) throw new RemoteMediaError(Code.NotFound, `no pipeline named "${choice.pipeline}": this server has no pipeline directory`);
  for (const ext of EXTENSIONS) {
    const path = join(config.pipelineDir, choice.pipeline + ext);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    if (exists) return (await loadManifestFile(path)) as ManifestSource;
  }
  throw new RemoteMediaError(Code.NotFound, `no pipeline named "${choice.pipeline}" in the server's pipeline directory`, { reason: 'PipelineNotFound' });
}
