import { Code, RemoteMediaError } from '../../errors.js';
import type { Manifest } from '../../manifest/manifest-schema.js';
import { parseManifestText } from '../../manifest/parse-manifest.js';
import type { ValidationResult } from '../../manifest/validate-manifest.js';
import type { NodeLogger } from '../../nodes/node-definition.js';
import type { ManifestSource } from '../../transport/pipeline-transport.js';
import { type NodeRunnerOptions, createNodeRunner } from './create-node-runner.js';
import type { PythonPipelineRunner } from './python-pipeline-runner.js';

/** Named manifests a server offers (an operator's pipelines directory), read at call time so reloads apply. */
export interface NamedPipelineSource {
  /** The manifest named `name`, or undefined. */
  get(name: string): ManifestSource | undefined;
  names(): string[];
}

const NAMED_REF = /^\s*\{?\s*["']?pipeline["']?\s*:/;

/**
 * The pipeline name of a manifest that only references a named pipeline: `{ "pipeline": "<name>" }`
 * (object, JSON or YAML text `pipeline: <name>`), else undefined. Cheap for ordinary manifests.
 */
export function namedPipelineRef(manifest: unknown): string | undefined {
  let value = manifest;
  if (typeof manifest === 'string') {
    if (manifest.length > 512 || !NAMED_REF.test(manifest)) return undefined;
    try {
      value = parseManifestText(manifest);
    } catch {
      return undefined;
    }
  }
  if (value === null || typeof value !== 'object') return undefined;
  // Ordinary manifests have no `pipeline` key: one property read, no allocation.
  const name = (value as { pipeline?: unknown }).pipeline;
  if (typeof name !== 'string' || Array.isArray(value)) return undefined;
  return Object.keys(value).length === 1 ? name : undefined;
}

/** A structured logger taking `(fields, message)`, as pino does. */
export interface StructuredLogger {
  debug(fields: object, message?: string): void;
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  error(fields: object, message?: string): void;
}

/** Adapts a pino-style logger to the `(message, fields)` NodeLogger that nodes log through. */
export function toNodeLogger(logger: StructuredLogger): NodeLogger {
  return {
    debug: (message, fields) => logger.debug(fields ?? {}, message),
    info: (message, fields) => logger.info(fields ?? {}, message),
    warn: (message, fields) => logger.warn(fields ?? {}, message),
    error: (message, fields) => logger.error(fields ?? {}, message),
  };
}

export interface ServerRunnerOptions extends Omit<NodeRunnerOptions, 'logger'> {
  logger?: StructuredLogger;
  /**
   * Let manifests sent by clients choose which Python code runs (`settings.python.modules`,
   * `pythonPath`, `env`). Default false: a server takes manifests from the network, so only the
   * modules it was started with may run. The apps turn it on with REMOTEMEDIA_ALLOW_MANIFEST_PYTHON=1.
   */
  allowManifestPython?: boolean;
  /**
   * Named pipelines: a manifest `{ "pipeline": "<name>" }` (any transport: gRPC, HTTP, WebRTC) runs
   * the operator's manifest of that name; an unknown name is NotFound naming it. Default: none.
   */
  pipelines?: NamedPipelineSource;
  /**
   * Named model files (name -> path) that node params refer to by name (`modelPath: <name>`): a
   * manifest naming another model gets InvalidArgument naming it, and is never told a server path.
   * Default: none (node types resolve `modelPath` their own way, e.g. inside REMOTEMEDIA_MODEL_DIRS).
   */
  models?: Readonly<Record<string, string>>;
}

/** Nodes a manifest from the network may declare unless `limits.maxNodes` says otherwise. */
export const DEFAULT_SERVER_MAX_NODES = 256;

/**
 * The runner a network server should use: every Node.js node type, with safe defaults for
 * untrusted manifests (`limits.maxNodes` 256, manifests may not choose Python code).
 */
export function createServerRunner(options: ServerRunnerOptions = {}): PythonPipelineRunner {
  const { logger, allowManifestPython = false, python, limits, pipelines, models, ...rest } = options;
  const runner = createNodeRunner({
    ...rest,
    limits: { maxNodes: DEFAULT_SERVER_MAX_NODES, ...limits },
    ...(logger ? { logger: toNodeLogger(logger) } : {}),
    python: { ...python, limits: { ...python?.limits, allowManifestCode: allowManifestPython } },
  });
  if (pipelines) {
    // Every transport hands its manifest to resolve(): a named reference becomes the operator's manifest here.
    const resolve = runner.resolve.bind(runner);
    runner.resolve = (manifest: unknown): Manifest => {
      const name = namedPipelineRef(manifest);
      if (name === undefined) return resolve(manifest);
      const found = pipelines.get(name);
      if (found === undefined) {
        const known = pipelines.names();
        throw new RemoteMediaError(Code.NotFound, `no pipeline named ${JSON.stringify(name.slice(0, 200))} on this server`, {
          reason: 'PipelineNotFound',
          details: [{ path: 'pipeline', message: known.length ? `known: ${known.slice(0, 20).join(', ')}` : 'the server has no named pipelines' }],
        });
      }
      return resolve(found);
    };
  }
  if (models) {
    const validate = runner.validate.bind(runner);
    runner.validate = (manifest: unknown): ValidationResult => withNamedModels(validate(manifest), models);
  }
  return runner;
}

/** `modelPath: <name>` params become the operator's file; any other value is a problem naming it. */
function withNamedModels(result: ValidationResult, models: Readonly<Record<string, string>>): ValidationResult {
  if (!result.ok) return result;
  const problems: { path: string; message: string }[] = [];
  const names = Object.keys(models);
  const nodes = result.manifest.nodes.map((node, i) => {
    const params = node.params as Record<string, unknown> | undefined;
    if (!params || params.modelPath === undefined) return node;
    const name = params.modelPath;
    if (typeof name !== 'string' || !Object.hasOwn(models, name)) {
      problems.push({
        path: `nodes[${i}].params.modelPath`,
        message: `model ${JSON.stringify((typeof name === 'string' ? name : JSON.stringify(name)).slice(0, 200))} is not one this server offers (models: ${names.length ? names.join(', ') : 'none'})`,
      });
      return node;
    }
    return { ...node, params: { ...params, modelPath: models[name] } };
  });
  if (problems.length) return { ok: false, problems };
  return { ...result, manifest: { ...result.manifest, nodes } };
}

export interface ShutdownLogger {
  info(fields: object, message?: string): void;
  warn(fields: object, message?: string): void;
  flush?(): void;
}

/**
 * SIGTERM/SIGINT handling for servers: the first signal runs `stop` (stop accepting, let sessions
 * finish, close) and exits 0 (1 if `stop` throws); a second signal exits 1 at once.
 */
export function handleShutdownSignals(logger: ShutdownLogger, stop: (signal: string) => Promise<void>): void {
  let stopping = false;
  // A log line must never keep the process from stopping (e.g. stdout is a pipe whose reader is gone).
  const log = (level: 'info' | 'warn', fields: object, message: string) => {
    try {
      logger[level](fields, message);
    } catch {
      /* nowhere to log */
    }
  };
  const flush = () => {
    try {
      logger.flush?.();
    } catch {
      /* nowhere to log */
    }
  };
  const onSignal = (signal: string) => {
    if (stopping) {
      log('warn', { signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    log('info', { signal }, 'shutting down');
    let stopped: Promise<void>;
    try {
      stopped = stop(signal);
    } catch (error) {
      stopped = Promise.reject(error);
    }
    stopped.then(
      () => {
        log('info', {}, 'stopped');
        flush();
        process.exit(0);
      },
      (error: unknown) => {
        log('warn', { err: (error as Error)?.message ?? String(error) }, 'shutdown failed');
        flush();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
