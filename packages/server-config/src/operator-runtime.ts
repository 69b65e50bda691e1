import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type NodeDefinition, RemoteMediaError } from '@remotemedia/runtime-core';
import { type StructuredLogger, createServerRunner, createSileroVadNode } from '@remotemedia/runtime-core/node';
import { type RemotePipelineNodeDefinition, createRemotePipelineNode } from '@remotemedia/remote-client';
import { ConfigError, type OperatorConfig, StartError } from './operator-config.js';
import { type PipelineCatalog, createPipelineCatalog } from './pipeline-catalog.js';

type Runner = ReturnType<typeof createServerRunner>;

export interface OperatorRuntime {
  /** The runner every transport serves: built-in nodes, the operator's TS and Python nodes, RemotePipeline, named pipelines and models. */
  runner: Runner;
  pipelines: PipelineCatalog;
  remote: RemotePipelineNodeDefinition;
  /** Node types the operator's `nodes` modules registered. */
  operatorNodes: string[];
  /** Stops watching, closes remote clients and Python processes. */
  close(): Promise<void>;
}

export interface OperatorRuntimeOptions {
  logger?: StructuredLogger;
  /** Where a RemotePipeline `endpoints[].tokenEnv` is read. Default `process.env`. */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * Trust manifests as the operator's own (the CLI): RemotePipeline may reach any endpoint and
   * fetch from any host unless the configuration lists some, `${VAR}` in their tokens reads the
   * environment, and they may choose Python code. Default false (servers: manifests come from the network).
   */
  trustManifests?: boolean;
  /** Runner limits (e.g. maxNodes). Default: createServerRunner's. */
  limits?: Parameters<typeof createServerRunner>[0] extends infer O ? (O extends { limits?: infer L } ? L : never) : never;
}

function isNodeDefinition(value: unknown): value is NodeDefinition<unknown> {
  const v = value as Partial<NodeDefinition<unknown>> | null;
  return (
    !!v &&
    typeof v === 'object' &&
    typeof v.type === 'string' &&
    typeof v.create === 'function' &&
    typeof (v.paramsSchema as { safeParse?: unknown } | undefined)?.safeParse === 'function'
  );
}

/** Imports the operator's node modules and collects every exported node definition (also inside exported arrays). */
export async function importNodeModules(modules: readonly string[]): Promise<NodeDefinition<unknown>[]> {
  const found: NodeDefinition<unknown>[] = [];
  for (const [i, spec] of modules.entries()) {
    let url: string;
    if (isAbsolute(spec)) {
      if (!existsSync(spec)) throw new StartError(`nodes[${i}]: cannot import ${spec}: no such file`);
      url = pathToFileURL(spec).href;
    } else {
      try {
        url = pathToFileURL(createRequire(join(process.cwd(), 'noop.js')).resolve(spec)).href;
      } catch {
        url = spec;
      }
    }
    let mod: Record<string, unknown>;
    try {
      mod = (await import(url)) as Record<string, unknown>;
    } catch (error) {
      const hint =
        /\.ts$/.test(spec) && /Unknown file extension/.test(String((error as Error)?.message))
          ? ' (a .ts module needs node --import tsx, or compile it to .js)'
          : '';
      throw new StartError(`nodes[${i}]: cannot import ${spec}: ${(error as Error)?.message?.split('\n')[0] ?? String(error)}${hint}`);
    }
    const before = found.length;
    const seen = new Set<unknown>();
    for (const value of Object.values(mod)) {
      for (const v of Array.isArray(value) ? value : [value]) {
        if (isNodeDefinition(v) && !seen.has(v)) {
          seen.add(v);
          found.push(v);
        }
      }
    }
    if (found.length === before)
      throw new StartError(`nodes[${i}]: ${spec} exports no node definitions (objects with type, paramsSchema and create, e.g. made with defineNode)`);
  }
  return found;
}

/**
 * Builds what a server (or the CLI) runs from the operator configuration: a server runner with the
 * operator's TS node modules, Python modules, RemotePipeline (endpoint and manifest-host
 * allowlists, default none), named models and named pipelines (checked against the runner's node
 * types at start). Throws ConfigError / StartError (the apps print them and exit 2).
 */
export async function createOperatorRuntime(config: OperatorConfig, options: OperatorRuntimeOptions = {}): Promise<OperatorRuntime> {
  const env = options.env ?? process.env;
  const trust = options.trustManifests ?? false;
  const operatorNodes = await importNodeModules(config.nodes);
  const endpointTokens: Record<string, string> = {};
  for (const [i, e] of config.remote.endpoints.entries()) {
    if (e.tokenEnv === undefined) continue;
    const token = env[e.tokenEnv];
    if (token === undefined || token === '')
      throw new ConfigError(
        config.configFile ?? `env ${e.tokenEnv}`,
        `remote.endpoints[${i}].tokenEnv`,
        `environment variable ${e.tokenEnv} to be set (the token for ${e.url})`,
      );
    endpointTokens[e.url] = token;
  }
  const allowedEndpoints = config.remote.endpoints.map((e) => e.url);
  const remote = createRemotePipelineNode({
    allowedEndpoints: trust && allowedEndpoints.length === 0 ? ['*'] : allowedEndpoints,
    allowedManifestHosts: trust && config.remote.manifestHosts.length === 0 ? ['*'] : config.remote.manifestHosts,
    endpointTokens,
    // Client manifests may not read the server's environment into their tokens or headers.
    env: trust ? env : {},
  });
  const modelNames = Object.keys(config.models);
  for (const [name, path] of Object.entries(config.models)) {
    if (!existsSync(path)) throw new ConfigError(config.configFile ?? '--model', `models.${name}`, 'an existing model file', path);
  }
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- NodeDefinition is invariant in its params: a list of different node types needs any
  const extra: NodeDefinition<any>[] = [...operatorNodes, remote];
  if (modelNames.length) extra.push(createSileroVadNode({ modelDirs: [...new Set(Object.values(config.models).map((p) => dirname(p)))] }));
  let catalog: PipelineCatalog | undefined;
  let runner: Runner;
  try {
    runner = createServerRunner({
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.limits ? { limits: options.limits } : {}),
      nodes: extra,
      allowManifestPython: trust || config.python.allowManifestCode,
      python: {
        modules: config.python.modules,
        ...(config.python.pythonPath.length ? { pythonPath: config.python.pythonPath } : {}),
        warmProcesses: config.python.warmProcesses,
        maxMemoryMb: config.python.maxMemoryMb,
        limits: { maxProcesses: config.python.maxProcesses },
      },
      pipelines: { get: (name) => catalog?.get(name), names: () => catalog?.names() ?? [] },
      ...(modelNames.length ? { models: config.models } : {}),
    });
  } catch (error) {
    if (!config.python.modules.length) throw error;
    const e = RemoteMediaError.from(error);
    // The first line says what failed, the last ones the Python exception.
    const lines = e.rawMessage.split('\n').filter((l) => l.trim());
    const shown = lines.length > 6 ? [lines[0], '...', ...lines.slice(-4)] : lines;
    throw new StartError(`python.modules (${config.python.modules.join(', ')}): cannot load: ${shown.join('\n  ')}`);
  }
  const check = (manifest: unknown) => {
    const result = runner.validate(manifest);
    return result.ok ? [] : result.problems;
  };
  catalog = createPipelineCatalog(config.pipelines, { check, ...(options.logger ? { logger: options.logger } : {}) });
  const pipelines = catalog;
  return {
    runner,
    pipelines,
    remote,
    operatorNodes: operatorNodes.map((n) => n.type),
    async close() {
      pipelines.close();
      await remote.close();
    },
  };
}
