import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createTokenCheck, parseBearer } from '@remotemedia/runtime-core/kit';
import { type StructuredLogger, toNodeLogger } from '@remotemedia/runtime-core/node';
import { type OperatorRuntime, createOperatorRuntime } from '@remotemedia/server-config';
import { type WebRtcServer, createWebRtcServer } from '@remotemedia/transport-webrtc';
import type { WebRtcAppConfig } from './server-config.js';

export { parseWebRtcAppConfig, type WebRtcAppConfig } from './server-config.js';

export interface WebRtcAppOptions {
  config: WebRtcAppConfig;
  logger?: StructuredLogger;
  /** Requests the app does not answer itself (signaling, WHIP, /health, /metrics): e.g. a web page. Return true when handled. */
  routes?: (req: IncomingMessage, res: ServerResponse) => boolean;
}

export interface WebRtcApp {
  /** `http://host:port` (a wildcard host becomes loopback). */
  readonly url: string;
  readonly port: number;
  readonly webrtc: WebRtcServer;
  readonly operator: OperatorRuntime;
  /** The Prometheus text GET /metrics serves. */
  metricsText(): string;
  /** Refuses new offers, lets open sessions go on for up to `graceMs` (default: the config's `shutdownGraceMs`), then closes every session, the listener, the operator runtime and the runner. */
  close(options?: { graceMs?: number }): Promise<void>;
}

const silent: StructuredLogger = { debug() {}, info() {}, warn() {}, error() {} };

/**
 * The WebRTC server app: signaling (`/signaling`), WHIP (`/whip`), `/health` and `/metrics` on one
 * port, serving the operator's configuration (named pipelines by name, nodes, Python modules,
 * remote allowlists, models) like the gRPC and HTTP server apps. Listening when it resolves.
 */
export async function createWebRtcApp(options: WebRtcAppOptions): Promise<WebRtcApp> {
  const { config } = options;
  const logger = options.logger ?? silent;
  const operator = await createOperatorRuntime(config.operator, { logger });
  const tokenAllowed = config.authTokens.length && !config.metricsPublic ? createTokenCheck(config.authTokens) : undefined;
  let webrtc: WebRtcServer | undefined;
  const metricsText = () => {
    const stats = webrtc?.stats() ?? { peers: 0, sessions: 0, signalingConnections: 0 };
    const gauge = (name: string, help: string, value: number) => `# HELP ${name} ${help}\n# TYPE ${name} gauge\n${name} ${value}\n`;
    return (
      gauge('remotemedia_webrtc_sessions', 'Live peer connections, each with one pipeline session.', stats.sessions) +
      gauge('remotemedia_webrtc_peers', 'Signaling connections that announced a peer id.', stats.peers) +
      gauge('remotemedia_webrtc_signaling_connections', 'Open signaling WebSocket connections.', stats.signalingConnections) +
      operator.runner.metricsText()
    );
  };
  // Slow clients (slowloris) get 408 and are closed: headers within headersTimeoutMs, a whole request within requestTimeoutMs.
  const http: Server = createServer(
    {
      headersTimeout: Math.min(config.headersTimeoutMs, config.requestTimeoutMs),
      requestTimeout: config.requestTimeoutMs,
      keepAliveTimeout: config.keepAliveTimeoutMs,
      connectionsCheckingInterval: Math.max(100, Math.min(1000, Math.min(config.headersTimeoutMs, config.requestTimeoutMs) / 2)),
    },
    (req, res) => {
      // The WebRTC server answers its own paths and unparseable targets first; this sees the rest.
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/metrics' && req.method === 'GET') {
        if (tokenAllowed && !tokenAllowed(parseBearer(req.headers.authorization ?? ''))) {
          res
            .writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer' })
            .end('GET /metrics needs `authorization: Bearer <token>` (the server requires auth; see --metrics-public)\n');
          return;
        }
        res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(metricsText());
        return;
      }
      if (options.routes?.(req, res)) return;
      res
        .writeHead(404, { 'content-type': 'application/json' })
        .end(JSON.stringify({ error: { code: 'not_found', message: `no route ${req.method} ${(req.url ?? '').slice(0, 200)}` } }));
    },
  );
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(config.port, config.host, () => resolve()));
  const loopback = /^(127\.|localhost$|::1$)/.test(config.host);
  try {
    webrtc = await createWebRtcServer({
      pipeline: operator.runner,
      httpServer: http,
      pipelines: operator.pipelines,
      authTokens: config.authTokens,
      maxSessions: config.maxSessions,
      maxSignalingConnections: config.maxSignalingConnections,
      logger: toNodeLogger(logger),
      ...(config.allowInlineManifests !== undefined ? { allowInlineManifests: config.allowInlineManifests } : {}),
      ...(config.iceHostAddresses ? { iceHostAddresses: config.iceHostAddresses } : loopback ? { iceHostAddresses: ['127.0.0.1'] } : {}),
    });
  } catch (error) {
    http.close();
    throw error;
  }
  const server = webrtc;
  const address = http.address() as AddressInfo;
  const host = address.address === '0.0.0.0' || address.address === '::' ? '127.0.0.1' : address.address;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`,
    port: address.port,
    webrtc: server,
    operator,
    metricsText,
    close(closeOptions) {
      closing ??= (async () => {
        await server.close({ graceMs: closeOptions?.graceMs ?? config.shutdownGraceMs });
        http.closeAllConnections();
        await new Promise<void>((resolve) => http.close(() => resolve()));
        await operator.close();
        await operator.runner.shutdown({ graceMs: 0 });
      })();
      return closing;
    },
  };
}
