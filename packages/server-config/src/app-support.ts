import { ConfigError, StartError } from './operator-config.js';
import type { PipelineCatalog } from './pipeline-catalog.js';

/** Exit code of a start refused for bad configuration (flags, env, config file, operator modules). */
export const CONFIG_EXIT_CODE = 2;

/** True for errors the operator fixes in the configuration: print `error: <message>` and exit 2, no stack trace. */
export function isConfigError(error: unknown): error is ConfigError | StartError {
  return error instanceof ConfigError || error instanceof StartError;
}

/** Prints a configuration error as one `error:` line (no stack trace) and exits 2; rethrows anything else. */
export function exitOnConfigError(error: unknown): never {
  if (!isConfigError(error)) throw error;
  process.stderr.write(`error: ${error.message}\n`);
  process.exit(CONFIG_EXIT_CODE);
}

/** SIGHUP reloads the named pipelines (besides the directory watch). */
export function reloadPipelinesOnSighup(catalog: PipelineCatalog): void {
  if (catalog.dir === undefined) return;
  process.on('SIGHUP', () => void catalog.reload());
}
