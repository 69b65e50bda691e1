import { Code } from '@remotemedia/runtime-core';
import { RemoteReason, remoteError } from './remote-errors.js';

export type Environment = Readonly<Record<string, string | undefined>>;

/** The process environment where there is one (Node.js), else empty (browsers). */
export function defaultEnvironment(): Environment {
  return (globalThis as { process?: { env?: Environment } }).process?.env ?? {};
}

const pattern = /\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g;

/**
 * Replaces every `${NAME}` in `value` with the environment variable NAME. A variable that is not
 * set is an error naming it and the param (`where`), never a silent empty string: an empty
 * token would otherwise reach the server as "no auth".
 */
export function substituteEnv(value: string, env: Environment, where: string): string {
  return value.replace(pattern, (_, name: string) => {
    const found = env[name];
    if (found === undefined) {
      throw remoteError(Code.InvalidArgument, RemoteReason.MissingEnvironmentVariable, `${where}: environment variable ${name} is not set`, {
        details: [{ path: where, message: `environment variable ${name} is not set` }],
      });
    }
    return found;
  });
}
