import { hostname } from 'node:os';

/** What a replica name may contain: it goes into session ids and URL paths, and balancer configs match it. */
export const REPLICA_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/;

/**
 * A server's replica name when no flag sets it: `REMOTEMEDIA_REPLICA_NAME`, else the host name
 * (a Kubernetes pod's name, a compose service's container hostname) up to its first dot, with
 * anything outside `[A-Za-z0-9_-]` replaced by `-`.
 */
export function defaultReplicaName(env: NodeJS.ProcessEnv = process.env, host: string = hostname()): string {
  if (env.REMOTEMEDIA_REPLICA_NAME) return env.REMOTEMEDIA_REPLICA_NAME;
  const cleaned = (host.split('.')[0] ?? '')
    .replace(/[^A-Za-z0-9_-]/g, '-')
    .replace(/^[-_]+/, '')
    .slice(0, 63);
  return cleaned || 'replica';
}

/** Checks a replica name from a flag or env var; throws an Error whose message names the rule. */
export function parseReplicaName(value: string): string {
  if (!REPLICA_NAME_PATTERN.test(value))
    throw new Error(`replica name must be letters, digits, '-' or '_' (starting with a letter or digit, at most 63), got "${value}"`);
  return value;
}
