import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { type ManifestSource, Code, RemoteMediaError } from '@remotemedia/runtime-core';
import { loadManifestFile } from '@remotemedia/runtime-core/node';
import { HTTP_TIMEOUT_DEFAULTS, type HttpServerOptions } from '@remotemedia/transport-http';
import {
  OPERATOR_OPTIONS,
  type OperatorConfig,
  listFlag,
  defaultReplicaName,
  loadOperatorConfig,
  optionHelp,
  optionParser,
  parseReplicaName,
} from '@remotemedia/server-config';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Everything the app needs, resolved from flags, then env (`HTTP_*`), then defaults. */
export interface ServerConfig {
  host: string;
  port: number;
  authTokens: string[];
  maxBodyBytes: number;
  maxSessions: number;
  sessionIdleTimeoutMs: number;
  shutdownGraceMs: number;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  sseReplayEvents: number;
  sseReplayBytes: number;
  sseResumeGraceMs: number;
  /** This replica's name, carried by session ids so a load balancer routes a session's requests to it (docs/deploy.md). */
  replicaName: string;
  corsOrigins: string[] | '*' | undefined;
  /** Deprecated alias of the operator's `pipelines` (--pipelines-dir, HTTP_PIPELINES_DIR): now `operator.pipelines`. */
  pipelinesDir: string | undefined;
  logLevel: string;
  /** The shared operator configuration: nodes, Python modules, named pipelines, remote allowlists, models. */
  operator: OperatorConfig;
}

const positiveInt = (name: string) => (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
  return n;
};

/** `host:port`, `[v6]:port` or `:port`. */
export function parseBindAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`bind address must look like 0.0.0.0:8080 or [::1]:8080, got "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

export function parseServerConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): ServerConfig {
  const program = new Command('remotemedia-http-server')
    .description('Serve RemoteMedia pipelines over HTTP: POST /v1/execute, SSE and WebSocket sessions, /health, /metrics.')
    .option('--bind <host:port>', 'address to listen on (env HTTP_BIND_ADDRESS)', env.HTTP_BIND_ADDRESS ?? '0.0.0.0:8080')
    .option('--auth-tokens <list>', 'comma-separated bearer tokens; none means no auth (env HTTP_AUTH_TOKENS)', env.HTTP_AUTH_TOKENS ?? '')
    .option(
      '--max-body-bytes <n>',
      'largest request body / WebSocket message (env HTTP_MAX_BODY_BYTES)',
      positiveInt('max-body-bytes'),
      Number(env.HTTP_MAX_BODY_BYTES ?? 16 * 1024 * 1024),
    )
    .option('--max-sessions <n>', 'streaming sessions open at once (env HTTP_MAX_SESSIONS)', positiveInt('max-sessions'), Number(env.HTTP_MAX_SESSIONS ?? 1000))
    .option(
      '--session-idle-timeout-ms <n>',
      'close sessions idle this long (env HTTP_SESSION_IDLE_TIMEOUT_MS)',
      positiveInt('session-idle-timeout-ms'),
      Number(env.HTTP_SESSION_IDLE_TIMEOUT_MS ?? 300_000),
    )
    .option(
      '--shutdown-grace-ms <n>',
      'on SIGTERM, how long sessions and calls may finish while new requests get 503 (env HTTP_SHUTDOWN_GRACE_MS)',
      positiveInt('shutdown-grace-ms'),
      Number(env.HTTP_SHUTDOWN_GRACE_MS ?? 10_000),
    )
    .option(
      '--headers-timeout-ms <n>',
      "a request's headers must arrive within this long, else 408 and close (env HTTP_HEADERS_TIMEOUT_MS)",
      positiveInt('headers-timeout-ms'),
      Number(env.HTTP_HEADERS_TIMEOUT_MS ?? HTTP_TIMEOUT_DEFAULTS.headersTimeoutMs),
    )
    .option(
      '--request-timeout-ms <n>',
      "a request's headers and body must arrive within this long, else 408 and close (env HTTP_REQUEST_TIMEOUT_MS)",
      positiveInt('request-timeout-ms'),
      Number(env.HTTP_REQUEST_TIMEOUT_MS ?? HTTP_TIMEOUT_DEFAULTS.requestTimeoutMs),
    )
    .option(
      '--keep-alive-timeout-ms <n>',
      'close idle keep-alive connections after this long (env HTTP_KEEP_ALIVE_TIMEOUT_MS)',
      positiveInt('keep-alive-timeout-ms'),
      Number(env.HTTP_KEEP_ALIVE_TIMEOUT_MS ?? HTTP_TIMEOUT_DEFAULTS.keepAliveTimeoutMs),
    )
    .option(
      '--sse-replay-events <n>',
      'SSE events per session kept for Last-Event-ID resume (env HTTP_SSE_REPLAY_EVENTS)',
      positiveInt('sse-replay-events'),
      Number(env.HTTP_SSE_REPLAY_EVENTS ?? 1000),
    )
    .option(
      '--sse-replay-bytes <n>',
      'bytes of SSE events per session kept for resume (env HTTP_SSE_REPLAY_BYTES)',
      positiveInt('sse-replay-bytes'),
      Number(env.HTTP_SSE_REPLAY_BYTES ?? 8 * 1024 * 1024),
    )
    .option(
      '--sse-resume-grace-ms <n>',
      'how long a session waits for its dropped SSE reader to resume (env HTTP_SSE_RESUME_GRACE_MS)',
      positiveInt('sse-resume-grace-ms'),
      Number(env.HTTP_SSE_RESUME_GRACE_MS ?? 15_000),
    )
    .option(
      '--replica-name <name>',
      "this replica's name, carried by session ids for load-balancer affinity (env HTTP_REPLICA_NAME, REMOTEMEDIA_REPLICA_NAME; default: the host name)",
      env.HTTP_REPLICA_NAME ?? defaultReplicaName(env),
    )
    .option('--cors-origins <list>', 'allowed CORS origins, or * (env HTTP_CORS_ORIGINS); default: CORS off', env.HTTP_CORS_ORIGINS)
    .option('--pipelines-dir <dir>', 'deprecated alias of --pipelines (env HTTP_PIPELINES_DIR)', env.HTTP_PIPELINES_DIR)
    .option('--log-level <level>', 'pino log level (env LOG_LEVEL)', env.LOG_LEVEL ?? 'info')
    .exitOverride();
  for (const o of OPERATOR_OPTIONS) {
    const option = new Option(o.flags, optionHelp(o));
    const parse = optionParser(o);
    program.addOption(parse ? option.argParser(parse) : option);
  }
  program.parse(argv, { from: 'user' });
  const o = program.opts<{
    bind: string;
    authTokens: string;
    maxBodyBytes: number;
    maxSessions: number;
    sessionIdleTimeoutMs: number;
    shutdownGraceMs: number;
    headersTimeoutMs: number;
    requestTimeoutMs: number;
    keepAliveTimeoutMs: number;
    sseReplayEvents: number;
    sseReplayBytes: number;
    sseResumeGraceMs: number;
    replicaName: string;
    corsOrigins?: string;
    pipelinesDir?: string;
    logLevel: string;
  }>();
  // The operator configuration (flags, env, --config file); the file's `server:` keys apply where no flag or env var is set.
  const all = program.opts<Record<string, unknown>>();
  const operator = loadOperatorConfig({ flags: Object.fromEntries(OPERATOR_OPTIONS.map((x) => [x.attr, all[x.attr]])), env });
  const unset = (key: string, envName: string) => program.getOptionValueSource(key) !== 'cli' && env[envName] === undefined;
  if (operator.server.bind !== undefined && unset('bind', 'HTTP_BIND_ADDRESS')) o.bind = operator.server.bind;
  if (operator.server.authTokens !== undefined && unset('authTokens', 'HTTP_AUTH_TOKENS')) o.authTokens = operator.server.authTokens.join(',');
  if (operator.server.logLevel !== undefined && unset('logLevel', 'LOG_LEVEL')) o.logLevel = operator.server.logLevel;
  if (operator.pipelines === undefined && o.pipelinesDir !== undefined) operator.pipelines = resolve(o.pipelinesDir);
  const { host, port } = parseBindAddress(o.bind);
  let replicaName: string;
  try {
    replicaName = parseReplicaName(o.replicaName);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  const numbers = {
    maxBodyBytes: o.maxBodyBytes,
    maxSessions: o.maxSessions,
    sessionIdleTimeoutMs: o.sessionIdleTimeoutMs,
    shutdownGraceMs: o.shutdownGraceMs,
    headersTimeoutMs: o.headersTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    sseReplayEvents: o.sseReplayEvents,
    sseReplayBytes: o.sseReplayBytes,
    sseResumeGraceMs: o.sseResumeGraceMs,
  };
  for (const [name, value] of Object.entries(numbers)) {
    if (!Number.isInteger(value) || value <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${value}"`);
  }
  return {
    host,
    port,
    authTokens: listFlag(o.authTokens),
    maxBodyBytes: o.maxBodyBytes,
    maxSessions: o.maxSessions,
    sessionIdleTimeoutMs: o.sessionIdleTimeoutMs,
    shutdownGraceMs: o.shutdownGraceMs,
    headersTimeoutMs: o.headersTimeoutMs,
    requestTimeoutMs: o.requestTimeoutMs,
    keepAliveTimeoutMs: o.keepAliveTimeoutMs,
    sseReplayEvents: o.sseReplayEvents,
    sseReplayBytes: o.sseReplayBytes,
    sseResumeGraceMs: o.sseResumeGraceMs,
    replicaName,
    corsOrigins: o.corsOrigins === undefined ? undefined : o.corsOrigins.trim() === '*' ? '*' : listFlag(o.corsOrigins),
    pipelinesDir: operator.pipelines,
    logLevel: o.logLevel,
    operator,
  };
}

/** Named manifests: every *.yaml/*.yml/*.json file in `dir`, by file name without extension. */
export async function loadPipelines(dir: string | undefined): Promise<Record<string, ManifestSource>> {
  if (!dir) return {};
  let files: string[];
  try {
    files = await readdir(dir);
  } catch (error) {
    throw new RemoteMediaError(Code.NotFound, `pipelines directory not readable: ${dir}`, { cause: error });
  }
  const pipelines: Record<string, ManifestSource> = {};
  for (const file of files.sort()) {
    const ext = extname(file);
    if (!['.yaml', '.yml', '.json'].includes(ext)) continue;
    pipelines[file.slice(0, -ext.length)] = (await loadManifestFile(join(dir, file))) as ManifestSource;
  }
  return pipelines;
}

export function toServerOptions(config: ServerConfig): Omit<HttpServerOptions, 'pipeline' | 'pipelines' | 'logger'> {
  return {
    host: config.host,
    port: config.port,
    authTokens: config.authTokens,
    maxBodyBytes: config.maxBodyBytes,
    maxSessions: config.maxSessions,
    sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
    shutdownGraceMs: config.shutdownGraceMs,
    headersTimeoutMs: config.headersTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs,
    sseReplayEvents: config.sseReplayEvents,
    sseReplayBytes: config.sseReplayBytes,
    sseResumeGraceMs: config.sseResumeGraceMs,
    replicaName: config.replicaName,
    ...(config.corsOrigins ? { cors: { origins: config.corsOrigins } } : {}),
  };
}
