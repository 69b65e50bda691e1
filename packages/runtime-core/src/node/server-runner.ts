import type { NodeLogger } from '../nodes/node-definition.js';
import { type NodeRunnerOptions, createNodeRunner } from './create-node-runner.js';
import type { PythonPipelineRunner } from './multiprocess/python-pipeline-runner.js';

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
}

/** Nodes a manifest from the network may declare unless `limits.maxNodes` says otherwise. */
export const DEFAULT_SERVER_MAX_NODES = 256;

/**
 * The runner a network server should use: every Node.js node type, with safe defaults for
 * untrusted manifests (`limits.maxNodes` 256, manifests may not choose Python code).
 */
export function createServerRunner(options: ServerRunnerOptions = {}): PythonPipelineRunner {
  const { logger, allowManifestPython = false, python, limits, ...rest } = options;
  return createNodeRunner({
    ...rest,
    limits: { maxNodes: DEFAULT_SERVER_MAX_NODES, ...limits },
    ...(logger ? { logger: toNodeLogger(logger) } : {}),
    python: { ...python, limits: { ...python?.limits, allowManifestCode: allowManifestPython } },
  });
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
  const onSignal = (signal: string) => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down');
    stop(signal).then(
      () => {
        logger.info({}, 'stopped');
        logger.flush?.();
        process.exit(0);
      },
      (error: unknown) => {
        logger.warn({ err: (error as Error)?.message ?? String(error) }, 'shutdown failed');
        logger.flush?.();
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => onSignal('SIGTERM'));
  process.on('SIGINT', () => onSignal('SIGINT'));
}
