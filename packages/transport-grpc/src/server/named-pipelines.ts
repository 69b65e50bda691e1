import { Code, type ManifestSource, type PipelineTransport, RemoteMediaError, parseManifestText } from '@remotemedia/runtime-core';
import type { GrpcServerOptions } from './server-options.js';

/** A manifest text that may be a reference `{"pipeline": "<name>"}` (JSON or YAML). */
const NAMED_REF = /^\s*\{?\s*["']?pipeline["']?\s*:/;

/**
 * The pipeline, with manifests `{"pipeline":"<name>"}` replaced by the named manifest (NOT_FOUND
 * naming an unknown one). Its capabilities (listNodes, metricsText) are the pipeline's own.
 */
export function withNamedPipelines(pipeline: PipelineTransport, source: NonNullable<GrpcServerOptions['pipelines']>): PipelineTransport {
  const lookup = (name: string): ManifestSource | undefined => {
    if (isNamedSource(source)) return source.get(name);
    return Object.hasOwn(source, name) ? source[name] : undefined;
  };
  const resolve = (manifest: ManifestSource): ManifestSource => {
    if (typeof manifest !== 'string' || manifest.length > 512 || !NAMED_REF.test(manifest)) return manifest;
    let parsed: unknown;
    try {
      parsed = parseManifestText(manifest);
    } catch {
      return manifest;
    }
    const name = (parsed as { pipeline?: unknown } | null)?.pipeline;
    if (typeof name !== 'string' || Object.keys(parsed as object).length !== 1) return manifest;
    const found = lookup(name);
    if (found === undefined)
      throw new RemoteMediaError(Code.NotFound, `no pipeline named ${JSON.stringify(name.slice(0, 200))} on this server`, { reason: 'PipelineNotFound' });
    return found;
  };
  const named: PipelineTransport = {
    execute: async (manifest, inputs, options) => pipeline.execute(resolve(manifest), inputs, options),
    stream: async (manifest, options) => pipeline.stream(resolve(manifest), options),
  };
  // Called as methods of the pipeline: a runner's capabilities use its private state.
  if (pipeline.listNodes) named.listNodes = (options) => pipeline.listNodes?.(options) ?? [];
  if (pipeline.metricsText) named.metricsText = () => pipeline.metricsText?.() ?? '';
  return named;
}

function isNamedSource(source: NonNullable<GrpcServerOptions['pipelines']>): source is { get(name: string): ManifestSource | undefined; names(): string[] } {
  return typeof (source as { get?: unknown }).get === 'function' && typeof (source as { names?: unknown }).names === 'function';
}
