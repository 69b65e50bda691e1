import { createServerRunner } from '@remotemedia/runtime-core/node';
import { type WebRtcServer, createWebRtcServer } from '@remotemedia/transport-webrtc';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

export interface DemoServerOptions {
  /** Default `127.0.0.1`. */
  host?: string;
  /** Default 0 (a free port). */
  port?: number;
  /** Bearer tokens the page must pass as `?token=`. Default: none (open). */
  authTokens?: string[];
  /** Restrict ICE to these local addresses. Default: loopback when `host` is loopback. */
  iceHostAddresses?: string[];
}

export interface DemoServer {
  readonly url: string;
  readonly webrtc: WebRtcServer;
  close(): Promise<void>;
}

/** Bundles the page (esbuild, in memory) and serves it next to the WebRTC server on one port. */
export async function createDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const host = options.host ?? '127.0.0.1';
  const bundle = await build({
    entryPoints: [here('./page/main.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    conditions: ['@remotemedia/source'],
    logLevel: 'silent',
  });
  const appJs = bundle.outputFiles[0]!.text;
  const indexHtml = await readFile(here('../public/index.html'), 'utf8');
  // Slow clients (slowloris) get 408 and are closed: headers within 10 s, a whole request within 30 s.
  const http: Server = createServer({ headersTimeout: 10_000, requestTimeout: 30_000, connectionsCheckingInterval: 1000 }, (req, res) => {
    // The WebRTC server answers its own paths and unparseable targets first; this sees the rest.
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/index.html') return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(indexHtml);
    if (path === '/app.js') return void res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(appJs);
    res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  await new Promise<void>((resolve, reject) => http.once('error', reject).listen(options.port ?? 0, host, () => resolve()));
  const loopback = /^(127\.|localhost$|::1$)/.test(host);
  const webrtc = await createWebRtcServer({
    // Offers come from browsers on the network: the server runner's limits apply (maxNodes, no manifest-chosen Python).
    pipeline: createServerRunner(),
    httpServer: http,
    pipelineDir: here('../pipelines'),
    ...(options.authTokens ? { authTokens: options.authTokens } : {}),
    ...(options.iceHostAddresses ? { iceHostAddresses: options.iceHostAddresses } : loopback ? { iceHostAddresses: ['127.0.0.1'] } : {}),
  });
  const { port } = http.address() as AddressInfo;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}/`,
    webrtc,
    async close() {
      await webrtc.close();
      http.closeAllConnections();
      await new Promise<void>((r) => http.close(() => r()));
    },
  };
}
