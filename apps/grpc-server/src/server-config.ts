import { readFileSync } from 'node:fs';
import { type GrpcServerOptions, parseBindAddress } from '@remotemedia/transport-grpc';
import { OPERATOR_OPTIONS, type OperatorConfig, boolFlag, intFlag, listFlag, loadOperatorConfig, optionHelp, optionParser } from '@remotemedia/server-config';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Everything the app needs, resolved from flags, then env (`GRPC_*`), then defaults. */
export interface GrpcAppConfig {
  bindAddress: string;
  authTokens: string[];
  requireAuth: boolean;
  maxMessageBytes: number;
  maxConcurrentSessions: number;
  requestTimeoutMs: number;
  maxNodesPerManifest: number;
  /** How long a call may take to send `init` (or its request), ms. */
  initTimeoutMs: number;
  /** A new connection must complete a request within this many ms (slowloris guard). */
  headersTimeoutMs: number;
  /** A connection with no call in progress this long is closed, ms. */
  idleTimeoutMs: number;
  /** GET /metrics without a token even when the server requires auth. */
  metricsPublic: boolean;
  /** undefined: no separate metrics listener. */
  metricsPort: number | undefined;
  tlsCertFile: string | undefined;
  tlsKeyFile: string | undefined;
  shutdownGraceMs: number;
  /** On SIGTERM: NOT_SERVING while still accepting, for this long (within the grace period). */
  shutdownDrainDelayMs: number;
  logLevel: string;
  /** Server processes sharing the port; 0 = one per CPU core. Default 1 (no cluster). */
  workers: number;
  /** Origins browsers may call from (Connect, gRPC-Web), or '*'; undefined: CORS off. */
  corsOrigins: string[] | '*' | undefined;
  /** The shared operator configuration: nodes, Python modules, named pipelines, remote allowlists, models. */
  operator: OperatorConfig;
}

const address = (value: string) => {
  try {
    parseBindAddress(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
  return value;
};

/** Parses argv (without node and script) and env. Throws CommanderError on bad input (after printing it). */
export function parseGrpcAppConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): GrpcAppConfig {
  const program = new Command('remotemedia-grpc-server')
    .description('RemoteMedia gRPC server: gRPC, gRPC-Web and Connect on one port, with health, reflection and Prometheus metrics.')
    .exitOverride()
    .addOption(new Option('--bind <host:port>', 'listen address').env('GRPC_BIND_ADDRESS').default('0.0.0.0:50051').argParser(address))
    .addOption(new Option('--auth-tokens <tokens>', 'comma-separated bearer tokens').env('GRPC_AUTH_TOKENS').argParser(listFlag))
    .addOption(
      new Option('--require-auth <bool>', 'reject calls without a valid token (default: true when tokens are set)')
        .env('GRPC_REQUIRE_AUTH')
        .argParser(boolFlag('--require-auth')),
    )
    .addOption(
      new Option('--max-message-bytes <n>', 'largest message in bytes')
        .env('GRPC_MAX_MESSAGE_BYTES')
        .default(16 * 1024 * 1024)
        .argParser(intFlag('--max-message-bytes', 1)),
    )
    .addOption(
      new Option('--max-sessions <n>', 'concurrent sessions and calls')
        .env('GRPC_MAX_CONCURRENT_SESSIONS')
        .default(2000)
        .argParser(intFlag('--max-sessions', 1)),
    )
    .addOption(
      new Option('--request-timeout-ms <n>', 'deadline of one ExecutePipeline call')
        .env('GRPC_REQUEST_TIMEOUT_MS')
        .default(60_000)
        .argParser(intFlag('--request-timeout-ms', 1)),
    )
    .addOption(new Option('--max-nodes <n>', 'nodes per manifest').env('GRPC_MAX_NODES_PER_MANIFEST').default(256).argParser(intFlag('--max-nodes', 1)))
    .addOption(
      new Option('--init-timeout-ms <n>', 'how long a call may take to send its first message (StreamPipeline init)')
        .env('GRPC_INIT_TIMEOUT_MS')
        .default(10_000)
        .argParser(intFlag('--init-timeout-ms', 1)),
    )
    .addOption(
      new Option('--headers-timeout-ms <n>', 'a new connection must complete a request within this time (and TLS handshake)')
        .env('GRPC_HEADERS_TIMEOUT_MS')
        .default(10_000)
        .argParser(intFlag('--headers-timeout-ms', 1)),
    )
    .addOption(
      new Option('--idle-timeout-ms <n>', 'close a connection with no call in progress after this time')
        .env('GRPC_IDLE_TIMEOUT_MS')
        .default(300_000)
        .argParser(intFlag('--idle-timeout-ms', 1)),
    )
    .addOption(
      new Option('--metrics-public <bool>', 'GET /metrics without a token even when auth is required')
        .env('GRPC_METRICS_PUBLIC')
        .default(false)
        .argParser(boolFlag('--metrics-public')),
    )
    .addOption(
      new Option('--metrics-port <n>', 'Prometheus /metrics over HTTP/1.1 on this port (0 = a free one; -1 = off)')
        .env('GRPC_METRICS_PORT')
        .default(9464)
        .argParser(intFlag('--metrics-port', -1)),
    )
    .addOption(new Option('--tls-cert <file>', 'PEM certificate (with --tls-key: serve TLS)').env('GRPC_TLS_CERT'))
    .addOption(new Option('--tls-key <file>', 'PEM private key').env('GRPC_TLS_KEY'))
    .addOption(
      new Option('--shutdown-grace-ms <n>', 'on SIGTERM: how long sessions may run before their input is ended')
        .env('GRPC_SHUTDOWN_GRACE_MS')
        .default(10_000)
        .argParser(intFlag('--shutdown-grace-ms', 0)),
    )
    .addOption(
      new Option(
        '--shutdown-drain-delay-ms <n>',
        'on SIGTERM: how long health reports NOT_SERVING while calls are still accepted, before the listener closes (part of the grace period)',
      )
        .env('GRPC_SHUTDOWN_DRAIN_DELAY_MS')
        .default(2000)
        .argParser(intFlag('--shutdown-drain-delay-ms', 0)),
    )
    .addOption(
      new Option('--cors-origins <list>', 'origins browsers may call from (Connect and gRPC-Web over fetch), comma-separated, or * (default: CORS off)').env(
        'GRPC_CORS_ORIGINS',
      ),
    )
    .addOption(
      new Option('--workers <n>', 'server processes sharing the port (0 = one per CPU core)').env('GRPC_WORKERS').default(1).argParser(intFlag('--workers', 0)),
    )
    .addOption(
      new Option('--log-level <level>', 'pino log level')
        .env('LOG_LEVEL')
        .default('info')
        .choices(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    );
  for (const o of OPERATOR_OPTIONS) {
    const option = new Option(o.flags, optionHelp(o));
    const parse = optionParser(o);
    program.addOption(parse ? option.argParser(parse) : option);
  }
  // commander reads env from process.env; apply the given env for testability.
  const saved = { ...process.env };
  try {
    if (env !== process.env) {
      for (const key of Object.keys(process.env)) if (key.startsWith('GRPC_') || key === 'LOG_LEVEL') delete process.env[key];
      Object.assign(process.env, env);
    }
    program.parse([...argv], { from: 'user' });
  } finally {
    if (env !== process.env) {
      for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
      Object.assign(process.env, saved);
    }
  }
  const o = program.opts<{
    bind: string;
    authTokens?: string[];
    requireAuth?: boolean;
    maxMessageBytes: number;
    maxSessions: number;
    requestTimeoutMs: number;
    maxNodes: number;
    initTimeoutMs: number;
    headersTimeoutMs: number;
    idleTimeoutMs: number;
    metricsPublic: boolean;
    metricsPort: number;
    tlsCert?: string;
    tlsKey?: string;
    shutdownGraceMs: number;
    shutdownDrainDelayMs: number;
    logLevel: string;
    workers: number;
    corsOrigins?: string;
  }>();
  // The operator configuration (flags, env, --config file); the file's `server:` keys apply where no flag or env var is set.
  const all = program.opts<Record<string, unknown>>();
  const operator = loadOperatorConfig({ flags: Object.fromEntries(OPERATOR_OPTIONS.map((x) => [x.attr, all[x.attr]])), env });
  const unset = (key: string) => program.getOptionValueSource(key) === 'default' || program.getOptionValueSource(key) === undefined;
  if (operator.server.bind !== undefined && unset('bind')) o.bind = address(operator.server.bind);
  if (operator.server.authTokens !== undefined && unset('authTokens')) o.authTokens = operator.server.authTokens;
  if (operator.server.logLevel !== undefined && unset('logLevel')) o.logLevel = operator.server.logLevel;
  const authTokens = o.authTokens ?? [];
  const requireAuth = o.requireAuth ?? authTokens.length > 0;
  if (requireAuth && authTokens.length === 0) throw new InvalidArgumentError('GRPC_REQUIRE_AUTH is true but GRPC_AUTH_TOKENS is empty: set at least one token');
  if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
    throw new InvalidArgumentError('TLS needs both --tls-cert and --tls-key (GRPC_TLS_CERT, GRPC_TLS_KEY)');
  return {
    bindAddress: o.bind,
    authTokens,
    requireAuth,
    maxMessageBytes: o.maxMessageBytes,
    maxConcurrentSessions: o.maxSessions,
    requestTimeoutMs: o.requestTimeoutMs,
    maxNodesPerManifest: o.maxNodes,
    initTimeoutMs: o.initTimeoutMs,
    headersTimeoutMs: o.headersTimeoutMs,
    idleTimeoutMs: o.idleTimeoutMs,
    metricsPublic: o.metricsPublic,
    metricsPort: o.metricsPort < 0 ? undefined : o.metricsPort,
    tlsCertFile: o.tlsCert,
    tlsKeyFile: o.tlsKey,
    shutdownGraceMs: o.shutdownGraceMs,
    shutdownDrainDelayMs: o.shutdownDrainDelayMs,
    logLevel: o.logLevel,
    workers: o.workers,
    corsOrigins: o.corsOrigins === undefined ? undefined : o.corsOrigins.trim() === '*' ? '*' : listFlag(o.corsOrigins),
    operator,
  };
}

/** Server options (without pipeline and logger) from the app config. */
export function toServerOptions(config: GrpcAppConfig): Omit<GrpcServerOptions, 'pipeline'> {
  return {
    bindAddress: config.bindAddress,
    authTokens: config.authTokens,
    requireAuth: config.requireAuth,
    limits: {
      maxMessageBytes: config.maxMessageBytes,
      maxConcurrentSessions: config.maxConcurrentSessions,
      requestTimeoutMs: config.requestTimeoutMs,
      maxNodesPerManifest: config.maxNodesPerManifest,
      initTimeoutMs: config.initTimeoutMs,
    },
    timeouts: { headersTimeoutMs: config.headersTimeoutMs, idleTimeoutMs: config.idleTimeoutMs },
    metricsPort: config.metricsPort,
    metricsPublic: config.metricsPublic,
    tls: config.tlsCertFile && config.tlsKeyFile ? { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } : undefined,
    shutdownGraceMs: config.shutdownGraceMs,
    shutdownDrainDelayMs: config.shutdownDrainDelayMs,
    ...(config.corsOrigins ? { cors: { origins: config.corsOrigins } } : {}),
  };
}
