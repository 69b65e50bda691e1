// apps/webrtc-server: the WebRTC counterpart of the gRPC and HTTP server apps, as a real process on
// loopback, with the operator's own TS and Python nodes and named pipelines; a Node.js client and a
// real Chromium run a named pipeline over WebRTC.
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Code, RemoteMediaError, text } from '@remotemedia/runtime-core';
import { createWebRtcPipelineClient } from '@remotemedia/transport-webrtc';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHROMIUM, bundleForBrowser, launchChromium, type AppProcess, startApp } from '@remotemedia/test-support';
import { parseWebRtcAppConfig } from '../src/server-config.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const example = (p: string) => join(repo, 'examples/operator', p);
const TOKEN = 'webrtc-app-token-0123456789';

describe('webrtc-server config', () => {
  it('defaults, WEBRTC_* env, flags over env, and the shared operator flags', () => {
    expect(parseWebRtcAppConfig([], {})).toMatchObject({
      host: '0.0.0.0',
      port: 8088,
      authTokens: [],
      maxSessions: 32,
      metricsPublic: false,
      operator: { nodes: [], pipelines: undefined },
    });
    const env = { WEBRTC_BIND_ADDRESS: '127.0.0.1:9000', WEBRTC_AUTH_TOKENS: 'a, b', WEBRTC_MAX_SESSIONS: '5', REMOTEMEDIA_PIPELINES: '/srv/pipelines' };
    expect(parseWebRtcAppConfig([], env)).toMatchObject({
      host: '127.0.0.1',
      port: 9000,
      authTokens: ['a', 'b'],
      maxSessions: 5,
      operator: { pipelines: '/srv/pipelines' },
    });
    expect(parseWebRtcAppConfig(['--bind', '[::1]:0', '--max-sessions', '7', '--pipelines', '/p'], env)).toMatchObject({
      host: '::1',
      port: 0,
      maxSessions: 7,
      operator: { pipelines: '/p' },
    });
    expect(() => parseWebRtcAppConfig(['--max-sessions', 'many'], {})).toThrow(/--max-sessions must be an integer >= 1/);
  });
});

describe('apps/webrtc-server (real process)', () => {
  let app: AppProcess;
  let browser: Browser | undefined;

  beforeAll(async () => {
    const pipelines = mkdtempSync(join(tmpdir(), 'rm-webrtc-pipelines-'));
    writeFileSync(join(pipelines, 'shout-reverse.yaml'), readFileSync(example('pipelines/shout-reverse.yaml')));
    app = await startApp(
      ['--bind', '127.0.0.1:0', '--nodes', example('nodes/shout.ts'), '--python-module', example('python/operator_nodes.py'), '--pipelines', pipelines],
      { WEBRTC_AUTH_TOKENS: TOKEN },
      'webrtc-server',
    );
  }, 60_000);
  afterAll(async () => {
    await browser?.close();
    if (app && app.child.exitCode === null) app.child.kill('SIGKILL');
  });

  it('logs the fuzz-suite ready line; serves /health, /metrics (token required) and refuses signaling without a token', async () => {
    const ready = app.logs.find((l) => l.msg === 'ready')!;
    expect(ready).toMatchObject({ url: app.url, pipelines: ['shout-reverse'], nodes: ['Shout'], auth: true });
    expect(await (await fetch(`${app.url}/health`)).json()).toMatchObject({ status: 'serving' });
    expect((await fetch(`${app.url}/metrics`)).status).toBe(401);
    const metrics = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('remotemedia_webrtc_sessions 0');
    const anonymous = createWebRtcPipelineClient({ signalingUrl: `${app.url.replace('http', 'ws')}/signaling` });
    const refused = await anonymous.openSession({ pipeline: 'shout-reverse' }).then(
      () => undefined,
      (e: unknown) => e as RemoteMediaError,
    );
    expect(refused).toBeInstanceOf(RemoteMediaError);
    await anonymous.close();
  }, 30_000);

  it('a Node.js client runs the named pipeline (operator TS + Python nodes) by name; inline manifests are off', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: `${app.url.replace('http', 'ws')}/signaling`, token: TOKEN });
    try {
      const session = await client.openSession({ pipeline: 'shout-reverse' });
      await session.send(text('webrtc'));
      const out = await session.recv();
      expect(out?.data).toMatchObject({ kind: 'text', text: '!CTRBEW' });
      await session.close();
      const inline = await client.openSession({ manifest: { version: 'v1', metadata: { name: 'x' }, nodes: [{ id: 'p', nodeType: 'PassThrough' }] } }).then(
        () => undefined,
        (e: unknown) => e as RemoteMediaError,
      );
      expect(inline?.code).toBe(Code.PermissionDenied);
      const unknown = await client.openSession({ pipeline: 'nope' }).then(
        () => undefined,
        (e: unknown) => e as RemoteMediaError,
      );
      expect(unknown?.code).toBe(Code.NotFound);
    } finally {
      await client.close();
    }
  }, 60_000);

  it.skipIf(!existsSync(CHROMIUM))(
    'Chromium runs the named pipeline over WebRTC (connectPipeline from @remotemedia/transport-webrtc/browser)',
    async () => {
      const bundle = await bundleForBrowser(
        `
          import { connectPipeline } from '@remotemedia/transport-webrtc/browser';
          window.runNamed = async (token, input) => {
            const session = await connectPipeline({ signalingUrl: 'ws://' + location.host + '/signaling', token, pipeline: 'shout-reverse' });
            await session.send({ kind: 'text', text: input });
            const out = await session.recv();
            await session.close();
            return out.data;
          };`,
        join(repo, 'apps/webrtc-server'),
      );
      browser = await launchChromium(['--allow-loopback-in-peer-connection']);
      const page = await browser.newPage();
      const errors: string[] = [];
      page.on('pageerror', (e) => errors.push(e.message));
      // A document at the server's own origin (its /health), with the client bundle added to it.
      await page.goto(`${app.url}/health`);
      await page.addScriptTag({ type: 'module', content: bundle });
      await page.waitForFunction(() => typeof (window as unknown as { runNamed?: unknown }).runNamed === 'function');
      const data = await page.evaluate(
        ([token]) => (window as unknown as { runNamed(t: string, i: string): Promise<unknown> }).runNamed(token, 'chromium'),
        [TOKEN],
      );
      expect(data).toMatchObject({ kind: 'text', text: '!MUIMORHC' });
      expect(errors).toEqual([]);
    },
    90_000,
  );

  it('on SIGTERM: new offers are refused and /health says not_serving while an open session goes on; then it exits 0', async () => {
    const client = createWebRtcPipelineClient({ signalingUrl: `${app.url.replace('http', 'ws')}/signaling`, token: TOKEN });
    try {
      const session = await client.openSession({ pipeline: 'shout-reverse' });
      app.child.kill('SIGTERM');
      await expect.poll(async () => ((await (await fetch(`${app.url}/health`)).json()) as { status: string }).status, { timeout: 10_000 }).toBe('not_serving');
      const refused = await client.openSession({ pipeline: 'shout-reverse' }).catch((e: RemoteMediaError) => e);
      expect((refused as RemoteMediaError).code).toBe(Code.Unavailable);
      await session.send(text('draining'));
      expect((await session.recv())?.data).toMatchObject({ kind: 'text', text: '!GNINIARD' });
      await session.close();
    } finally {
      await client.close();
    }
    expect(await app.exit).toBe(0);
    expect(app.logs.some((l) => l.msg === 'stopped')).toBe(true);
  }, 30_000);
});
