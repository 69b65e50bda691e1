import type { WebRtcServer } from '@remotemedia/transport-webrtc';
import { createWebRtcApp, parseWebRtcAppConfig } from '@remotemedia/webrtc-server';
import { build } from 'esbuild';
import { readFile } from 'node:fs/promises';
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

/** Bundles the page (esbuild, in memory) and serves it from the WebRTC server app (apps/webrtc-server) on one port. */
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
  const appJs = bundle.outputFiles[0].text;
  const indexHtml = await readFile(here('../public/index.html'), 'utf8');
  // The WebRTC server app with the demo's named pipelines (and its /health, /metrics, limits and
  // slowloris timeouts); the page is served beside it. Offers come from browsers on the network:
  // the server runner's limits apply (maxNodes, no manifest-chosen Python).
  const config = parseWebRtcAppConfig(['--bind', `${host.includes(':') ? `[${host}]` : host}:${options.port ?? 0}`, '--pipelines', here('../pipelines')], {});
  config.authTokens = options.authTokens ?? [];
  if (options.iceHostAddresses) config.iceHostAddresses = options.iceHostAddresses;
  const app = await createWebRtcApp({
    config,
    routes: (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      if (path === '/' || path === '/index.html') res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' }).end(indexHtml);
      else if (path === '/app.js') res.writeHead(200, { 'content-type': 'text/javascript; charset=utf-8' }).end(appJs);
      else return false;
      return true;
    },
  });
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${app.port}/`,
    webrtc: app.webrtc,
    close: () => app.close({ graceMs: 0 }),
  };
}
