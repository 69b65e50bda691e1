import { OPERATOR_OPTIONS, type OperatorConfig, boolFlag, intFlag, listFlag, loadOperatorConfig, optionHelp, optionParser } from '@remotemedia/server-config';
import { Command, InvalidArgumentError, Option } from 'commander';

/** Everything the app needs, resolved from flags, then env (`WEBRTC_*`), then the config file, then defaults. */
export interface WebRtcAppConfig {
  host: string;
  port: number;
  authTokens: string[];
  /** Peer connections (pipeline sessions) at once. */
  maxSessions: number;
  maxSignalingConnections: number;
  /** Offers may carry an inline manifest (default: only when no named pipelines are configured). */
  allowInlineManifests: boolean | undefined;
  /** Restrict ICE candidates to these local addresses (default: loopback when bound to loopback). */
  iceHostAddresses: string[] | undefined;
  headersTimeoutMs: number;
  requestTimeoutMs: number;
  keepAliveTimeoutMs: number;
  /** GET /metrics without a token even when auth is required. */
  metricsPublic: boolean;
  /** On SIGTERM: how long open sessions may go on (new offers refused) before they are closed. */
  shutdownGraceMs: number;
  logLevel: string;
  operator: OperatorConfig;
}

/** `host:port`, `[v6]:port` or `:port`. */
export function parseBindAddress(value: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(value.trim());
  const port = m ? Number(m[3]) : Number.NaN;
  if (!m || port > 65535) throw new InvalidArgumentError(`bind address must look like 0.0.0.0:8088 or [::1]:8088, got "${value}"`);
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}

/** Parses argv (without node and script) and env. Throws CommanderError / InvalidArgumentError / ConfigError on bad input. */
export function parseWebRtcAppConfig(argv: readonly string[], env: NodeJS.ProcessEnv = process.env): WebRtcAppConfig {
  const program = new Command('remotemedia-webrtc-server')
    .description('RemoteMedia WebRTC server: JSON-RPC signaling over WebSocket (/signaling), WHIP (/whip), named pipelines, /health and /metrics on one port.')
    .exitOverride()
    .option('--bind <host:port>', 'address to listen on (env WEBRTC_BIND_ADDRESS)', env.WEBRTC_BIND_ADDRESS ?? '0.0.0.0:8088')
    .option(
      '--auth-tokens <list>',
      'comma-separated bearer tokens for signaling, WHIP and /metrics; none means no auth (env WEBRTC_AUTH_TOKENS)',
      env.WEBRTC_AUTH_TOKENS ?? '',
    )
    .option(
      '--max-sessions <n>',
      'peer connections (pipeline sessions) at once (env WEBRTC_MAX_SESSIONS)',
      intFlag('--max-sessions', 1),
      Number(env.WEBRTC_MAX_SESSIONS ?? 32),
    )
    .option(
      '--max-signaling-connections <n>',
      'signaling WebSocket connections at once (env WEBRTC_MAX_SIGNALING_CONNECTIONS)',
      intFlag('--max-signaling-connections', 1),
      Number(env.WEBRTC_MAX_SIGNALING_CONNECTIONS ?? 256),
    )
    .option(
      '--allow-inline-manifests <bool>',
      'offers may carry their own manifest (env WEBRTC_ALLOW_INLINE_MANIFESTS; default: only without named pipelines)',
      boolFlag('--allow-inline-manifests'),
      env.WEBRTC_ALLOW_INLINE_MANIFESTS === undefined ? undefined : boolFlag('WEBRTC_ALLOW_INLINE_MANIFESTS')(env.WEBRTC_ALLOW_INLINE_MANIFESTS),
    )
    .option(
      '--ice-host-addresses <list>',
      'local addresses ICE may offer (env WEBRTC_ICE_HOST_ADDRESSES; default: loopback when bound to loopback, else all)',
      env.WEBRTC_ICE_HOST_ADDRESSES,
    )
    .option(
      '--headers-timeout-ms <n>',
      "a request's headers must arrive within this long, else 408 and close (env WEBRTC_HEADERS_TIMEOUT_MS)",
      intFlag('--headers-timeout-ms', 1),
      Number(env.WEBRTC_HEADERS_TIMEOUT_MS ?? 10_000),
    )
    .option(
      '--request-timeout-ms <n>',
      'a whole request (a WHIP offer) must arrive within this long (env WEBRTC_REQUEST_TIMEOUT_MS)',
      intFlag('--request-timeout-ms', 1),
      Number(env.WEBRTC_REQUEST_TIMEOUT_MS ?? 30_000),
    )
    .option(
      '--keep-alive-timeout-ms <n>',
      'close idle keep-alive connections after this long (env WEBRTC_KEEP_ALIVE_TIMEOUT_MS)',
      intFlag('--keep-alive-timeout-ms', 1),
      Number(env.WEBRTC_KEEP_ALIVE_TIMEOUT_MS ?? 65_000),
    )
    .option(
      '--metrics-public <bool>',
      'GET /metrics without a token even when auth is required (env WEBRTC_METRICS_PUBLIC)',
      boolFlag('--metrics-public'),
      env.WEBRTC_METRICS_PUBLIC === undefined ? false : boolFlag('WEBRTC_METRICS_PUBLIC')(env.WEBRTC_METRICS_PUBLIC),
    )
    .option(
      '--shutdown-grace-ms <n>',
      'on SIGTERM: how long open sessions may go on, while new offers are refused, before they are closed (env WEBRTC_SHUTDOWN_GRACE_MS)',
      intFlag('--shutdown-grace-ms', 0),
      Number(env.WEBRTC_SHUTDOWN_GRACE_MS ?? 10_000),
    )
    .option('--log-level <level>', 'pino log level (env LOG_LEVEL)', env.LOG_LEVEL ?? 'info');
  for (const o of OPERATOR_OPTIONS) {
    const option = new Option(o.flags, optionHelp(o));
    const parse = optionParser(o);
    program.addOption(parse ? option.argParser(parse) : option);
  }
  program.parse([...argv], { from: 'user' });
  const all = program.opts<Record<string, unknown>>();
  const operator = loadOperatorConfig({ flags: Object.fromEntries(OPERATOR_OPTIONS.map((x) => [x.attr, all[x.attr]])), env });
  const unset = (key: string, envName: string) => program.getOptionValueSource(key) !== 'cli' && env[envName] === undefined;
  let bind = all.bind as string;
  let tokens = listFlag(all.authTokens as string);
  let logLevel = all.logLevel as string;
  if (operator.server.bind !== undefined && unset('bind', 'WEBRTC_BIND_ADDRESS')) bind = operator.server.bind;
  if (operator.server.authTokens !== undefined && unset('authTokens', 'WEBRTC_AUTH_TOKENS')) tokens = operator.server.authTokens;
  if (operator.server.logLevel !== undefined && unset('logLevel', 'LOG_LEVEL')) logLevel = operator.server.logLevel;
  const { host, port } = parseBindAddress(bind);
  for (const [name, value] of Object.entries({
    maxSessions: all.maxSessions,
    headersTimeoutMs: all.headersTimeoutMs,
    requestTimeoutMs: all.requestTimeoutMs,
    keepAliveTimeoutMs: all.keepAliveTimeoutMs,
  })) {
    if (!Number.isInteger(value) || (value as number) <= 0) throw new InvalidArgumentError(`${name} must be a positive integer, got "${String(value)}"`);
  }
  return {
    host,
    port,
    authTokens: tokens,
    maxSessions: all.maxSessions as number,
    maxSignalingConnections: all.maxSignalingConnections as number,
    allowInlineManifests: all.allowInlineManifests as boolean | undefined,
    iceHostAddresses: all.iceHostAddresses === undefined ? undefined : listFlag(all.iceHostAddresses as string),
    headersTimeoutMs: all.headersTimeoutMs as number,
    requestTimeoutMs: all.requestTimeoutMs as number,
    keepAliveTimeoutMs: all.keepAliveTimeoutMs as number,
    metricsPublic: all.metricsPublic as boolean,
    shutdownGraceMs: all.shutdownGraceMs as number,
    logLevel,
    operator,
  };
}
